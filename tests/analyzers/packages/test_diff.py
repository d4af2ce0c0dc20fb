"""``outwork diff``: hostile and mismatched inputs, gates, report formats, registry releases.

The detection cases (malicious twins and the benign bump) are the rule fixtures of
PKG040-PKG044, written by ``release_pairs.py``."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outwork import report
from outwork.analyzers.packages import align
from outwork.analyzers.packages.diff import destinations, diff_paths, diff_targets, wallets
from outwork.cli.main import run
from outwork.core.budgets import Budgets
from outwork.core.errors import TargetError, UsageError
from outwork.sources import RegistryOptions
from tests.analyzers.packages import release_pairs as pairs
from tests.analyzers.packages.helpers import npm_tarball, sdist
from tests.analyzers.packages.registry_server import Registry


def _cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(["diff", *argv], out, err)
    return code, out.getvalue(), err.getvalue()


def _sdist(tmp_path: Path, pair: tuple[pairs.Files, pairs.Files], version: str, side: int) -> Path:
    files = {k: v for k, v in pair[side].items() if k != "PKG-INFO"}
    path = tmp_path / f"exlib-{version}.tar.gz"
    path.write_bytes(sdist("exlib", version, files))
    return path


def test_identical_releases_give_an_empty_diff(tmp_path: Path) -> None:
    old, _ = pairs.post_install_hook()
    pairs.write_tree(tmp_path / "a", old)
    pairs.write_tree(tmp_path / "b", old)
    archive = _sdist(tmp_path, pairs.post_install_hook(), "1.0.0", 0)
    assert diff_paths(tmp_path / "a", tmp_path / "b").findings == []
    code, out, _ = _cli(str(archive), str(archive), "--fail-on", "info", "-f", "json")
    assert code == 0
    assert json.loads(out)["findings"] == []


def test_an_archive_and_its_unpacked_folder_compare_as_the_same_release(tmp_path: Path) -> None:
    old, new = pairs.post_install_hook()
    pairs.write_tree(tmp_path / "old", old)
    archive = _sdist(tmp_path, (old, new), "1.0.1", 1)
    found = diff_paths(tmp_path / "old", archive).findings
    assert [(f.code, f.location.path, f.location.line) for f in found if f.code == "PKG040"] == [
        ("PKG040", f"{archive}!/exlib-1.0.1/setup.py", 9)
    ]


def test_gate_follows_fail_on(tmp_path: Path) -> None:
    """A new executable in a pure package is medium: below the default gate (high)."""
    pairs.write_case(tmp_path, "elf", pairs.elf_added())
    old, new = str(tmp_path / "elf" / "old"), str(tmp_path / "elf" / "new")
    assert _cli(old, new)[0] == 0
    assert _cli(old, new, "--fail-on", "medium")[0] == 1
    assert _cli(old, new, "--fail-on", "none")[0] == 0
    assert _cli(old, new, "--fail-on", "medium", "--ignore", "PKG040,PKG043")[0] == 0
    assert _cli(old, new, "--fail-on", "loud")[0] == 2


def test_malicious_twin_fails_the_default_gate(tmp_path: Path) -> None:
    pairs.write_case(tmp_path, "hook", pairs.post_install_hook())
    code, _, err = _cli(str(tmp_path / "hook" / "old"), str(tmp_path / "hook" / "new"), "-q")
    assert code == 1
    assert err == ""


def test_mismatched_kinds_are_refused_with_the_reason(tmp_path: Path) -> None:
    old, new = pairs.benign_bump()
    python = _sdist(tmp_path, (old, new), "1.0.0", 0)
    npm = tmp_path / "ex-utils-2.1.1.tgz"
    npm.write_bytes(npm_tarball('{"name": "ex-utils", "version": "2.1.1"}', {"index.js": ""}))
    wheel = tmp_path / "exlib-1.0.1-py3-none-any.whl"
    wheel.write_bytes(pairs_wheel())
    with pytest.raises(TargetError, match="two releases of one package"):
        diff_paths(python, npm)
    code, _, err = _cli(str(python), str(wheel))
    assert code == 2
    assert "a wheel with a wheel" in err
    code, _, err = _cli(str(python), str(tmp_path / "missing.tar.gz"))
    assert (code, "no such file" in err) == (2, True)
    (tmp_path / "empty").mkdir()
    code, _, err = _cli(str(python), str(tmp_path / "empty"))
    assert (code, "not a package" in err) == (2, True)


def pairs_wheel() -> bytes:
    from tests.analyzers.packages.helpers import wheel

    return wheel("exlib", "1.0.1", {"exlib/__init__.py": ""})


def test_archive_bomb_on_one_side_is_reported_not_followed(tmp_path: Path) -> None:
    """A member that inflates past the byte budget: the reading stops, the stop is a finding
    (so the gate fails), and the diff of what was read still comes out."""
    old, new = pairs.benign_bump()
    old_path = _sdist(tmp_path, (old, new), "1.0.0", 0)
    files = {k: v for k, v in new.items() if k != "PKG-INFO"}
    files["exlib/data.bin"] = b"\0" * (16 << 20)
    bomb = tmp_path / "exlib-1.0.1.tar.gz"
    bomb.write_bytes(sdist("exlib", "1.0.1", files))
    result = diff_paths(old_path, bomb, Budgets(max_total_bytes=4 << 20))
    stops = [f for f in result.findings if f.code.startswith("CORE")]
    assert stops and stops[0].location.path.startswith(str(bomb))
    assert any("could not be read completely" in s.reason for s in result.skipped)


def test_a_side_stopped_before_anything_was_read_fails_closed(tmp_path: Path) -> None:
    member = io.BytesIO()
    with tarfile.open(fileobj=member, mode="w") as tf:
        data = b"\0" * (8 << 20)
        info = tarfile.TarInfo("exlib-1.0.1/aaa.bin")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    bomb = tmp_path / "exlib-1.0.1.tar.gz"
    bomb.write_bytes(gzip.compress(member.getvalue()))
    old = _sdist(tmp_path, pairs.benign_bump(), "1.0.0", 0)
    result = diff_paths(old, bomb, Budgets(max_total_bytes=4 << 20))
    assert [(f.code, f.location.path) for f in result.findings] == [("CORE001", str(bomb))]
    assert result.skipped and result.skipped[0].path == str(bomb)


def test_truncated_archive_is_a_skip_with_its_reason(tmp_path: Path) -> None:
    old_files, new_files = pairs.post_install_hook()
    old = _sdist(tmp_path, (old_files, new_files), "1.0.0", 0)
    whole = sdist("exlib", "1.0.1", {k: v for k, v in new_files.items() if k != "PKG-INFO"})
    cut = tmp_path / "exlib-1.0.1.tar.gz"
    cut.write_bytes(whole[: len(whole) * 2 // 3])
    result = diff_paths(old, cut)
    assert any("could not be read completely" in s.reason for s in result.skipped)


def test_every_report_format_carries_the_release_findings(tmp_path: Path) -> None:
    pairs.write_case(tmp_path, "wallet", pairs.wallet_swapped())
    result = diff_paths(tmp_path / "wallet" / "old", tmp_path / "wallet" / "new")
    assert {f.code for f in result.findings} == {"PKG042"}
    for fmt in report.FORMATS:
        text = report.render(fmt, result, color=False)
        assert "PKG042" in text or "release-swaps-constant" in text, fmt


def test_deeply_nested_and_unparsable_sources_have_no_statements() -> None:
    assert align.statements("x = " + "(" * 5000 + "1" + ")" * 5000, "python") is None
    assert align.statements("def f(:\n", "python") is None
    nested = "f(" * 20000 + ")" * 20000 + ";"
    assert align.statements(nested, "javascript") is not None
    assert align.statements("x" * (align.MAX_SOURCE + 1), "javascript") is None


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_destinations_and_wallets_take_any_text(text: str) -> None:
    for found in destinations(text):
        assert found.domain
    assert isinstance(wallets(text), frozenset)


def test_wallet_checksums_are_verified() -> None:
    good = pairs.bitcoin("a")
    assert wallets(f"pay {good} now") == {good}
    broken = good[:-1] + ("1" if good[-1] != "1" else "2")
    assert wallets(broken) == frozenset()


# --- registry releases -----------------------------------------------------------------------


def _release_entry(filename: str, data: bytes) -> dict[str, object]:
    return {
        "filename": filename,
        "packagetype": "sdist",
        "url": f"/files/{filename}",
        "digests": {"sha256": hashlib.sha256(data).hexdigest()},
    }


@pytest.fixture
def registry() -> Iterator[Registry]:
    old_files, new_files = pairs.post_install_hook()
    old = sdist("exlib", "1.0.0", {k: v for k, v in old_files.items() if k != "PKG-INFO"})
    new = sdist("exlib", "1.0.1", {k: v for k, v in new_files.items() if k != "PKG-INFO"})
    pre = sdist("exlib", "1.0.1rc1", {k: v for k, v in new_files.items() if k != "PKG-INFO"})
    npm_old, npm_new = pairs.npm_preinstall()
    tarballs = {
        v: npm_tarball(
            str(files["package.json"]), {k: str(c) for k, c in files.items() if k != "package.json"}
        )
        for v, files in (("2.1.0", npm_old), ("2.1.1", npm_new))
    }
    server = Registry()
    server.pypi(
        {
            "info": {"name": "exlib", "version": "1.0.1"},
            "releases": {
                "0.9.0": [],
                "1.0.0": [_release_entry("exlib-1.0.0.tar.gz", old)],
                "1.0.1rc1": [_release_entry("exlib-1.0.1rc1.tar.gz", pre)],
                "1.0.1": [_release_entry("exlib-1.0.1.tar.gz", new)],
            },
            "urls": [],
        }
    )
    server.npm(
        {
            "name": "ex-utils",
            "dist-tags": {"latest": "2.1.1"},
            "versions": {
                v: {
                    "dist": {
                        "tarball": f"/tarballs/ex-utils-{v}.tgz",
                        "shasum": hashlib.sha1(data, usedforsecurity=False).hexdigest(),
                    }
                }
                for v, data in tarballs.items()
            },
        }
    )
    for name, data in (
        ("exlib-1.0.0.tar.gz", old),
        ("exlib-1.0.1.tar.gz", new),
        ("exlib-1.0.1rc1.tar.gz", pre),
    ):
        server.routes[f"/files/{name}"] = data
    for v, data in tarballs.items():
        server.routes[f"/tarballs/ex-utils-{v}.tgz"] = data
    try:
        yield server
    finally:
        server.close()


def test_a_pypi_release_is_compared_with_the_final_release_before_it(registry: Registry) -> None:
    code, out, _ = _cli(
        "--online", "pypi:exlib==1.0.1", "--index-url", f"{registry.url}/pypi", "-f", "json"
    )
    assert code == 1
    findings = json.loads(out)["findings"]
    assert ("PKG040", "pypi:exlib==1.0.1/exlib-1.0.1.tar.gz!/exlib-1.0.1/setup.py", 9) in {
        (f["code"], f["location"]["path"], f["location"]["line"]) for f in findings
    }
    assert "/files/exlib-1.0.0.tar.gz" in registry.requests  # not the release candidate
    assert "/files/exlib-1.0.1rc1.tar.gz" not in registry.requests


def test_an_npm_release_and_two_named_releases(registry: Registry) -> None:
    options = RegistryOptions(npm_url=f"{registry.url}/npm", pypi_url=f"{registry.url}/pypi")
    result = diff_targets(None, "npm:ex-utils@2.1.1", online=True, registry=options)
    assert {"PKG044", "PKG040"} <= {f.code for f in result.findings}
    same = diff_targets("pypi:exlib==1.0.1rc1", "pypi:exlib==1.0.1", online=True, registry=options)
    assert same.findings == []


def test_registry_releases_need_online(registry: Registry) -> None:
    code, _, err = _cli("pypi:exlib==1.0.1", "--index-url", f"{registry.url}/pypi")
    assert code == 2
    assert "--online" in err
    assert registry.requests == []
    with pytest.raises(UsageError, match="name the old release"):
        diff_targets(None, "some/folder")
    options = RegistryOptions(pypi_url=f"{registry.url}/pypi")
    with pytest.raises(TargetError, match="no release precedes"):
        diff_targets(None, "pypi:exlib==1.0.0", online=True, registry=options)
