"""The secrets layer end to end: reports never hold a value, fingerprints are keyed and stable,
identities become facts, hostile text stays bounded."""

from __future__ import annotations

import base64
import io
import json
import os
import stat
import tarfile
import time
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from outwork.analyzers.secrets import formats, placement
from outwork.analyzers.secrets.analysis import TABLE
from outwork.analyzers.secrets.redact import KEY_FILE, mask
from outwork.analyzers.secrets.scan import MAX_HITS, scan_text
from outwork.core.findings import ScanResult
from outwork.engine.pipeline import ScanOptions, scan
from outwork.report import FORMATS, render
from tests.secretforge import Forge


def _plant(root: Path) -> list[str]:
    """A tree with one credential of each kind; returns the planted values."""
    f = Forge(99)
    values = {
        "github": f.github(),
        "npm": f.npm(),
        "pypi": f.pypi(("acme-tools",)),
        "openai": f.openai(),
        "anthropic": f.anthropic(),
        "slack": f.slack_bot(),
        "aws_id": f.aws_key_id(),
        "aws_secret": f.aws_secret(),
        "password": f.password(),
        "jwt": f.jwt(),
        "generic": f.generic_secret(30),
        "azure": f.azure_connection_string(),
    }
    (root / "app").mkdir()
    (root / "app" / "settings.py").write_text(
        f'GITHUB_TOKEN = "{values["github"]}"\n'
        f'NPM = "{values["npm"]}"\n'
        f'PYPI = "{values["pypi"]}"\n'
        f'OPENAI = "{values["openai"]}"\n'
        f'ANTHROPIC = "{values["anthropic"]}"\n'
        f'SLACK = "{values["slack"]}"\n'
        f'aws_access_key_id = "{values["aws_id"]}"\n'
        f'aws_secret_access_key = "{values["aws_secret"]}"\n'
        f'DB = "postgresql://app:{values["password"]}@db.acme-corp.net/app"\n'
        f'SESSION = "{values["jwt"]}"\n'
        f'INTERNAL_API_KEY = "{values["generic"]}"\n'
        f'STORAGE = "{values["azure"]}"\n'
    )
    pem = f.private_key("rsa")
    (root / "id_rsa").write_text(pem)
    account = f.gcp_service_account()
    (root / "sa.json").write_text(account)
    (root / ".npmrc").write_text(f"//npm.acme-corp.net/:_authToken={values['generic']}x\n")
    notebook = {
        "cells": [
            {"cell_type": "code", "source": [f'key = "{values["github"]}"\n'], "outputs": []}
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (root / "analysis.ipynb").write_text(json.dumps(notebook, indent=1))
    out = [*values.values(), values["generic"] + "x"]
    out += [line for line in pem.splitlines() if not line.startswith("-----")]
    key_text = json.loads(account)["private_key"]
    out += [line for line in key_text.splitlines() if not line.startswith("-----")]
    out.append(values["azure"].split("AccountKey=")[1].split(";")[0])
    return out


def _scan(root: Path, data_dir: Path | None, cache: Path | None = None) -> ScanResult:
    return scan(
        [str(root)],
        ScanOptions(
            jobs=1,
            cache_dir=str(cache) if cache else None,
            select=("SEC",),
            data_dir=str(data_dir) if data_dir else None,
        ),
    )


def test_no_report_format_holds_a_planted_value(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    root.mkdir()
    planted = _plant(root)
    cache = tmp_path / "cache"
    result = _scan(root, tmp_path / "data", cache)
    assert not result.errors
    codes = {f.code for f in result.findings}
    assert {"SEC001", "SEC002", "SEC003", "SEC004", "SEC005", "SEC006", "SEC007"} <= codes
    outputs = {fmt: render(fmt, result) for fmt in FORMATS}
    outputs["facts"] = json.dumps([fact.to_dict() for fact in result.facts])
    outputs["cache"] = "".join(
        p.read_bytes().decode("latin-1") for p in cache.rglob("*") if p.is_file()
    )
    for value in planted:
        # the whole value, and any 16 characters of its middle (what a mask must never show)
        probes = {value} | {value[i : i + 16] for i in range(4, max(5, len(value) - 20), 8)}
        for fmt, text in outputs.items():
            for probe in probes:
                assert probe not in text, f"{fmt} holds part of a planted value"


def test_a_second_scan_reads_the_cache_and_still_leaks_nothing(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    root.mkdir()
    planted = _plant(root)
    cache = tmp_path / "cache"
    _scan(root, tmp_path / "data", cache)
    again = _scan(root, tmp_path / "data", cache)
    assert again.stats.cache_hits
    text = render("json", again)
    assert not [v for v in planted if v in text]


def test_fingerprint_is_keyed_stable_and_never_the_plain_hash(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    root.mkdir()
    _plant(root)
    first = _scan(root, tmp_path / "data")
    second = _scan(root, tmp_path / "data")
    other = _scan(root, tmp_path / "elsewhere")

    def hashes(result: ScanResult) -> dict[str, str]:
        return {
            f.fingerprint: f.properties["secret_hash"]
            for f in result.findings
            if "secret_hash" in f.properties
        }

    assert hashes(first) == hashes(second)
    assert set(hashes(first).values()).isdisjoint(hashes(other).values())
    key = tmp_path / "data" / KEY_FILE
    assert len(key.read_bytes()) == 32
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert all(
        f.properties["secret_hash_scope"] == "installation"
        for f in first.findings
        if "secret_hash" in f.properties
    )
    unkeyed = _scan(root, None)
    assert {
        f.properties["secret_hash_scope"] for f in unkeyed.findings if "secret_hash" in f.properties
    } == {"this run only"}


def test_identities_become_facts(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    root.mkdir()
    _plant(root)
    result = _scan(root, tmp_path / "data")
    edges = {(fact.relation, fact.target) for fact in result.facts}
    assert ("authenticates-as", "principal:aws:account:123456789012") in edges
    assert ("can-publish", "pkg:pypi/acme-tools") in edges
    assert (
        "authenticates-as",
        "principal:gcp:service-account:deployer@acme-prod.iam.gserviceaccount.com",
    ) in edges
    assert ("authenticates-as", "principal:azure:storage-account:prodassets") in edges
    exposed = [fact for fact in result.facts if fact.relation == "exposes"]
    assert exposed and all(fact.target.startswith("jewel:credential:") for fact in exposed)
    aws = next(f for f in result.findings if f.properties.get("detector") == "aws-access-key-id")
    assert aws.properties["aws_account"] == "123456789012"
    assert aws.severity.label == "critical"  # the pair, not the id alone


def test_published_aws_key_id_decodes_to_its_account() -> None:
    # the example of Tal Be'ery's note on AWS key ids
    assert formats.aws_account_id("ASIAY34FZKBOKMUTVV7A") == "609629065308"
    assert formats.aws_account_id("AKIAIOSFODNN7EXAMPLE") is None  # a pre-2019 key id


def test_github_checksum_rejects_every_single_character_change() -> None:
    token = Forge(5).github()
    assert formats.github_token(token) is not None
    for i in range(4, len(token)):
        changed = token[:i] + ("a" if token[i] != "a" else "b") + token[i + 1 :]
        assert formats.github_token(changed) is None


def test_mask_keeps_only_the_ends() -> None:
    assert mask("ghp_0123456789abcdefghijABCDEFGHIJ123456") == "ghp_****3456"
    assert mask("short") == "****"
    assert mask("a" * 12) == "a****a"


def _ctx() -> placement.FileContext:
    return placement.file_context("x.py", "")


def test_many_keywords_are_followed_up_to_the_budget() -> None:
    text = "ghp_ " * (MAX_HITS + 10)
    started = time.monotonic()
    found = scan_text(text, TABLE, _ctx())
    assert found.dropped_hits == 10
    assert time.monotonic() - started < 20


def test_huge_single_line_is_bounded(tmp_path: Path) -> None:
    token = Forge(6).github()
    line = "x" * 3_000_000 + f' token="{token}" ' + "password=" * 2000 + "y" * 1_000_000
    (tmp_path / "one.js").write_text(line)
    started = time.monotonic()
    result = _scan(tmp_path, None)
    assert time.monotonic() - started < 30
    assert [f.code for f in result.findings] == ["SEC001"]


def test_text_past_the_budget_is_reported(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_text("z" * 200 + f"\nT={Forge(1).github()}\n")
    result = scan(
        [str(tmp_path)],
        ScanOptions(
            jobs=1,
            cache_dir=None,
            select=("SEC",),
            analyzer_options={"secrets.max_scan_bytes": 100},
        ),
    )
    assert [(f.code, f.location.logical) for f in result.findings] == [("SEC008", "size")]


def test_hostile_credential_files_are_bounded(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".kube").mkdir(parents=True)
    bomb = (
        "a: &a [x, x, x, x, x, x, x, x, x]\n"
        + "".join(
            f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
            for i in range(20)
        )
        + "users: []\nkind: Config\n"
    )
    (home / ".kube" / "config").write_text(bomb)
    (home / ".docker").mkdir()
    (home / ".docker" / "config.json").write_text('{"auths": ' + "[" * 50_000 + "]" * 50_000 + "}")
    (home / ".netrc").write_text("machine " * 100_000)
    (home / ".pypirc").write_text("[broken\npassword = x\n")
    started = time.monotonic()
    result = _scan(home, None)
    assert time.monotonic() - started < 30
    assert not result.errors
    assert not [f for f in result.findings if f.code == "SEC005"]


@settings(max_examples=60, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("ghp_npm_xoxb-eyJ.AKIA=:/@'\" \n0aZ9+")), max_size=3000)
)
def test_random_text_never_breaks_the_scan(text: str) -> None:
    found = scan_text(text, TABLE, _ctx())
    for candidate in found.candidates:
        assert 0 <= candidate.start < candidate.end <= len(text)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=400))
def test_structure_checks_survive_random_input(data: bytes) -> None:
    text = base64.urlsafe_b64encode(data).decode()
    formats.pypi_token("pypi-" + text)
    formats.jwt(f"{text}.{text}.{text}")
    formats.private_key(
        "-----BEGIN PRIVATE KEY-----\n"
        + base64.b64encode(data).decode()
        + "\n-----END PRIVATE KEY-----"
    )
    formats.macaroon_v2(data)


def test_placeholder_values_are_not_credentials() -> None:
    for value in (
        "AKIAIOSFODNN7EXAMPLE",
        "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "${GITHUB_TOKEN}",
        "<your-api-key>",
        "sk_live_************************",
    ):
        assert placement.is_placeholder(value)
    assert not placement.is_placeholder(Forge(3).github())


def test_key_file_is_shared_by_concurrent_scans(tmp_path: Path) -> None:
    from outwork.analyzers.secrets import redact

    redact._KEYS.clear()
    first, _ = redact.fingerprint_key(str(tmp_path), b"\0" * 32)
    redact._KEYS.clear()
    second, _ = redact.fingerprint_key(str(tmp_path), b"\0" * 32)
    assert first == second
    assert os.listdir(tmp_path) == [KEY_FILE]


def _tar(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_a_file_deleted_by_a_later_image_layer_is_still_found(tmp_path: Path) -> None:
    token = Forge(21).npm()
    lower = _tar({"root/.npmrc": f"//registry.npmjs.org/:_authToken={token}\n".encode()})
    upper = _tar({"root/.wh..npmrc": b""})
    manifest = json.dumps([{"Config": "c.json", "Layers": ["l1/layer.tar", "l2/layer.tar"]}])
    image = _tar(
        {
            "manifest.json": manifest.encode(),
            "c.json": b"{}",
            "l1/layer.tar": lower,
            "l2/layer.tar": upper,
        }
    )
    (tmp_path / "image.tar").write_bytes(image)
    result = _scan(tmp_path, None)
    found = [(f.code, f.location.path.split("!/", 1)[-1]) for f in result.findings]
    assert ("SEC001", "l1/layer.tar!/root/.npmrc") in found
    assert token not in render("json", result)


def test_a_model_repository_config_is_read(tmp_path: Path) -> None:
    model = tmp_path / "model"
    model.mkdir()
    token = Forge(22).huggingface()
    (model / "config.json").write_text(json.dumps({"architectures": ["Bert"], "hub_token": token}))
    (model / "README.md").write_text(f"Download with `HF_TOKEN={Forge(23).huggingface()}`\n")
    result = _scan(model, None)
    assert sorted(Path(f.location.path).name for f in result.findings) == [
        "README.md",
        "config.json",
    ]
