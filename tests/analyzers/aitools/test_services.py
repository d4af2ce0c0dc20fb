"""AI services in deployment files: addresses, variables, facts, and hostile files within budget."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outwork.analyzers.aitools.deploy import DeployError, launches
from outwork.analyzers.aitools.services import Bind, classify, commands, expand, recognise
from outwork.engine.pipeline import ScanOptions, scan


@pytest.mark.parametrize(
    ("address", "bind"),
    [
        ("0.0.0.0", Bind.ALL),
        ("::", Bind.ALL),
        ("[::]:11434", Bind.ALL),
        ("http://0.0.0.0:11434", Bind.ALL),
        (":11434", Bind.ALL),
        ("0.0.0.0,::", Bind.ALL),
        ("10.0.0.5", Bind.NETWORK),
        ("127.0.0.1", Bind.LOOPBACK),
        ("[::1]:80", Bind.LOOPBACK),
        ("localhost:5000", Bind.LOOPBACK),
        ("127.0.0.1,::1", Bind.LOOPBACK),
        ("ray-head", Bind.UNKNOWN),
    ],
)
def test_addresses(address: str, bind: Bind) -> None:
    assert classify(address) is bind


def test_variables_resolve_from_the_file_or_stay_unknown() -> None:
    assert expand("${HOST:-0.0.0.0}", {}) == "0.0.0.0"
    assert expand("${HOST:-0.0.0.0}", {"HOST": "127.0.0.1"}) == "127.0.0.1"
    assert expand("$HOST", {"HOST": "::"}) == "::"
    assert expand("$HOST", {}) is None


def test_empty_quoted_words_survive_the_shell_split() -> None:
    (argv,) = commands("jupyter lab --ip 0.0.0.0 --ServerApp.token ''")
    assert argv[-1] == ""
    (found,) = recognise(argv, {})
    assert found.bind is Bind.ALL and not found.authenticated


def test_an_image_whose_entrypoint_is_the_server_takes_options() -> None:
    (found,) = recognise(["--model", "m", "--api-key", "k"], {}, "vllm/vllm-openai:v0.6.4")
    assert found.authenticated
    assert not list(recognise(["python", "app.py"], {}, "python:3.12"))


def _scan(tmp_path: Path, name: str, text: str | bytes) -> list[tuple[str, str, int | None]]:
    target = tmp_path / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(text.encode() if isinstance(text, str) else text)
    result = scan([str(target)], ScanOptions(jobs=1, cache_dir=None, select=("AI",)))
    return [(f.code, f.severity.label, f.location.line) for f in result.findings]


def test_a_published_notebook_joins_the_attack_graph(tmp_path: Path) -> None:
    target = tmp_path / "docker-compose.yml"
    target.write_text(
        "services:\n  lab:\n    image: quay.io/jupyter/base-notebook\n"
        "    command: start-notebook.sh --NotebookApp.token=''\n"
        "    environment: [AWS_SECRET_ACCESS_KEY=x]\n    ports: ['8888:8888']\n"
    )
    result = scan([str(target)], ScanOptions(jobs=1, cache_dir=None))
    chains = {(p.entry, p.target) for p in result.paths}
    assert ("entry:network", "jewel:host-code-execution") in chains
    assert ("entry:network", "jewel:secret:AWS_SECRET_ACCESS_KEY") in chains


def test_alias_bomb_is_reported_not_expanded(tmp_path: Path) -> None:
    lines = ["a0: &a0 [ollama, ollama]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 25)]
    start = time.perf_counter()
    found = _scan(tmp_path, "docker-compose.yml", "\n".join(lines) + "\n")
    assert time.perf_counter() - start < 20
    assert ("AI009", "medium", None) in found


def test_a_helm_template_is_no_manifest(tmp_path: Path) -> None:
    text = "kind: Deployment\nspec: {{ .Values.ollama | toYaml }}\n  bad: [\n"
    assert _scan(tmp_path, "templates/ollama.yaml", text) == []


def test_invalid_utf8_and_truncation_still_read(tmp_path: Path) -> None:
    text = b'FROM ollama/ollama\n\xff\xfe\x00garbage\nENV OLLAMA_HOST=0.0.0.0\nCMD ["serve"'
    found = _scan(tmp_path, "Dockerfile", text)
    assert [c for c, _, _ in found] == ["AI031"]


def test_a_file_past_the_limit_says_so(tmp_path: Path) -> None:
    text = "#!/bin/sh\n# starts ollama\n" + "echo padding\n" * 100_000 + "ollama serve\n"
    found = _scan(tmp_path, "run.sh", text)
    assert any(code == "AI009" for code, _, _ in found)


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["dockerfile", "compose", "kubernetes", "systemd", "shell", "jupyter"]),
    st.lists(st.sampled_from([*"abc:=-{}[]'\"\\$ #\n\t.0/&|;*", "ollama serve", "--ip"])).map(
        "".join
    ),
)
def test_random_text_finishes(kind: str, text: str) -> None:
    with contextlib.suppress(DeployError):
        launches(kind, text, "x/jupyter_server_config.py")
