"""MCP client configurations and server code: what is launched, hostile files within budget."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from outwork.analyzers.aitools.appcode import calls
from outwork.analyzers.aitools.mcp import ConfigError, Server, launched, parse
from outwork.analyzers.aitools.toolcode import js_descriptions, python_descriptions
from outwork.engine.pipeline import ScanOptions, scan


@pytest.mark.parametrize(
    ("command", "args", "expected"),
    [
        ("npx", ["-y", "@scope/pkg"], ("npm", "@scope/pkg", "unpinned")),
        ("npx", ["--yes", "pkg@1.2.3"], ("npm", "pkg", "exact")),
        ("npx", ["-y", "pkg@^1.2.0"], ("npm", "pkg", "unpinned")),
        ("npx", ["-p", "pkg@latest", "pkg-bin"], ("npm", "pkg", "latest")),
        ("cmd", ["/c", "npx", "-y", "pkg"], ("npm", "pkg", "unpinned")),
        ("uvx", ["mcp-server-git"], ("pypi", "mcp-server-git", "unpinned")),
        ("uvx", ["--python", "3.12", "tool==1.0"], ("pypi", "tool", "exact")),
        ("uv", ["tool", "run", "tool@latest"], ("pypi", "tool", "latest")),
        ("docker", ["run", "-i", "-e", "X", "mcp/fetch"], ("docker", "mcp/fetch", "latest")),
        ("docker", ["run", "mcp/fetch@sha256:" + "a" * 64], ("docker", "mcp/fetch", "exact")),
        ("/usr/local/bin/npx", ["pkg@2.0.0"], ("npm", "pkg", "exact")),
    ],
)
def test_launched_package(command: str, args: list[str], expected: tuple[str, str, str]) -> None:
    package = launched(Server("s", "mcpServers.s", command=command, args=tuple(args)))
    assert package is not None
    assert (package.ecosystem, package.name, package.pinning) == expected


def test_local_commands_launch_no_package() -> None:
    assert launched(Server("s", "k", command="node", args=("build/index.js",))) is None
    assert launched(Server("s", "k", command="python", args=("-m", "server"))) is None


def test_parse_reads_every_client_shape() -> None:
    text = '{"mcp": {"servers": {"a": {"command": "npx a b"}}}, "mcpServers": {"b": {"serverUrl": "https://x"}}}'
    config = parse(text)
    assert {s.name for s in config.servers} == {"a", "b"}
    assert next(s for s in config.servers if s.name == "a").args == ("a", "b")


def test_hostile_configs_are_errors_or_quick() -> None:
    for text in ("[" * 50_000, '{"mcpServers": ' * 5_000, "{", "\x00\xff", "[1, 2, 3]"):
        start = time.process_time()
        with pytest.raises(ConfigError):
            parse(text)
        assert time.process_time() - start < 5
    servers = ",".join(f'"s{i}": {{"command": "node"}}' for i in range(5_000))
    big = '{"mcpServers": {' + servers + "}}"
    start = time.process_time()
    assert len(parse(big).servers) == 5_000
    assert time.process_time() - start < 10


def test_unreadable_config_is_said(tmp_path: Path) -> None:
    (tmp_path / ".mcp.json").write_text('{"mcpServers": {"a": ', "utf-8")
    result = scan([str(tmp_path)], ScanOptions(jobs=1, cache_dir=None, select=("AI",)))
    assert [f.rule.code for f in result.findings] == ["AI009"]


def test_descriptions_survive_hostile_source() -> None:
    assert list(python_descriptions("def (:\n" * 1000)) == []
    assert list(python_descriptions("x = " + "(" * 5_000 + ")" * 5_000)) == []
    start = time.process_time()
    list(js_descriptions('description: "' + "a" * 500_000))
    list(js_descriptions("description: 'x' + " * 20_000))
    assert time.process_time() - start < 5


def test_app_code_names_are_followed_once() -> None:
    """A chain of assignments that fans out (each name built from the two before it) is
    followed once per name, not once per path."""
    lines = ["import pickle", "import sys", "a0 = sys.argv[1]", "a1 = a0"]
    lines += [f"a{i} = a{i - 1} + a{i - 2}" for i in range(2, 400)]
    lines.append("pickle.load(open(a399, 'rb'))")
    start = time.process_time()
    found = list(calls("\n".join(lines)))
    assert time.process_time() - start < 5
    assert any(c.name == "pickle.load" for c in found)
    short = "import pickle, sys\na = sys.argv[1]\nb = a\npickle.load(open(b, 'rb'))"
    assert any(c.name == "pickle.load" and c.origin == "command" for c in calls(short))
    assert list(calls("x = " + "(" * 5_000 + ")" * 5_000)) == []


def test_model_ids_through_snapshots_are_followed_once() -> None:
    """A hub snapshot's folder is graded by its repository id, and the names and paths that
    lead to it are followed in bounded time: names bound to each other many times over, and a
    path joined a thousand times, neither fan out nor recurse."""
    head = ["from flask import request", "from huggingface_hub import snapshot_download"]
    head += ["from pathlib import Path", "from transformers import AutoModel"]
    lines = head + [
        f"a{level} = Path(a{level + 1}) / 'x{i}'" for level in range(4) for i in range(20)
    ]
    lines += ["a4 = snapshot_download(request.args['m'])"]
    lines += ["AutoModel.from_pretrained(a0, trust_remote_code=True)"]
    joined = [*head, "f = Path(snapshot_download('org/m'))" + " / 'a'" * 2_000]
    joined += ["AutoModel.from_pretrained(f, trust_remote_code=True)"]
    start = time.process_time()
    fanned = [c for c in calls("\n".join(lines)) if c.name.endswith("from_pretrained")]
    long = [c for c in calls("\n".join(joined)) if c.name.endswith("from_pretrained")]
    assert time.process_time() - start < 5
    assert [c.model_origin for c in fanned] == ["input"]
    assert [c.model_origin for c in long] == [""]  # the id is a literal: the repository's own
