"""MCP client configurations: the servers an agent launches or connects to, read without
launching anything.

Every client spells the same thing: a map of servers under ``mcpServers`` (Claude Code and
Desktop, Cursor, Windsurf, Cline, Roo), ``servers`` (VS Code's ``mcp.json``) or ``mcp.servers``
(VS Code settings), each either a command with arguments and environment or a URL with headers.
Files are JSON with comments and trailing commas (VS Code's JSONC), parsed with json5; a server
name written twice is recorded (the client keeps one of them).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import json5

_NPX_VALUE_OPTIONS = frozenset({"-p", "--package", "-c", "--call", "--registry", "--cache"})
_UVX_VALUE_OPTIONS = frozenset(
    {"--from", "--with", "--python", "-p", "--index", "--index-url", "--extra-index-url", "-w"}
)
_DOCKER_VALUE_OPTIONS = frozenset(
    {"-e", "--env", "-v", "--volume", "--name", "-p", "--publish", "--network", "--env-file",
     "-w", "--workdir", "--user", "-u", "--entrypoint", "--mount", "--platform"}
)  # fmt: skip


class ConfigError(ValueError):
    """The file does not parse as an MCP configuration."""


@dataclass(frozen=True, slots=True)
class Package:
    """What a launcher fetches and runs."""

    ecosystem: str
    name: str
    version: str
    #: ``exact``, ``latest`` (asked for explicitly), ``unpinned`` (no version or a range),
    #: ``url`` (a git or HTTP source without a commit).
    pinning: str
    spec: str


@dataclass(frozen=True, slots=True)
class Server:
    name: str
    key_path: str
    command: str = ""
    args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    url: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    #: Tool names the configuration lists for this server (auto-approved, allowed, enabled).
    tools: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Config:
    servers: tuple[Server, ...]
    #: Server names written more than once in one map, with their key path.
    duplicates: tuple[tuple[str, str], ...] = ()


def _pairs(pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    seen: list[str] = []
    for key, value in pairs:
        if key in out:
            seen.append(key)
        out[key] = value
    if seen:
        out["\0duplicates"] = seen
    return out


#: Characters of a file parsed as JSONC (json5 is pure Python) when it is not plain JSON.
MAX_JSONC = 256 * 1024


def parse(text: str) -> Config:
    try:
        root = json.loads(text, object_pairs_hook=_pairs)
    except (ValueError, RecursionError):
        if len(text) > MAX_JSONC:
            raise ConfigError(
                f"not JSON, and past the {MAX_JSONC} characters read as JSONC"
            ) from None
        try:
            root = json5.loads(text, object_pairs_hook=_pairs)
        except (ValueError, RecursionError) as error:
            raise ConfigError(f"not JSON or JSONC: {error}") from None
    if not isinstance(root, dict):
        raise ConfigError("the top level is not an object")
    servers: list[Server] = []
    duplicates: list[tuple[str, str]] = []
    for key_path, table in _server_tables(root):
        duplicates += [(name, key_path) for name in table.get("\0duplicates", [])]
        for name, spec in table.items():
            if name.startswith("\0") or not isinstance(spec, dict):
                continue
            servers.append(_server(name, f"{key_path}.{name}", spec))
    return Config(tuple(servers), tuple(duplicates))


def _server_tables(root: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for key in ("mcpServers", "servers", "context_servers"):
        if isinstance(root.get(key), dict):
            yield key, root[key]
    mcp = root.get("mcp")
    if isinstance(mcp, dict) and isinstance(mcp.get("servers"), dict):
        yield "mcp.servers", mcp["servers"]


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(str(v) for v in value if isinstance(v, str | int | float))
    return ()


def _mapping(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k): str(v) for k, v in value.items() if not str(k).startswith("\0")}


def _server(name: str, key_path: str, spec: dict[str, Any]) -> Server:
    command = spec.get("command")
    args = _strings(spec.get("args"))
    if isinstance(command, str) and not args and " " in command.strip():
        command, *rest = command.split()
        args = tuple(rest)
    url = spec.get("url") or spec.get("serverUrl") or spec.get("httpUrl") or ""
    tools: list[str] = []
    for key in ("autoApprove", "alwaysAllow", "tools", "includeTools", "enabledTools", "trust"):
        tools += _strings(spec.get(key))
    return Server(
        name=name,
        key_path=key_path,
        command=command if isinstance(command, str) else "",
        args=args,
        env=_mapping(spec.get("env")),
        url=url if isinstance(url, str) else "",
        headers=_mapping(spec.get("headers")),
        tools=tuple(t for t in tools if t and t != "*"),
    )


# -- what a server launches --------------------------------------------------------------------

_NPM_SPEC = re.compile(r"^(?P<name>(?:@[\w.-]+/)?[\w.-]+)(?:@(?P<version>.+))?$")
_PYPI_SPEC = re.compile(
    r"^(?P<name>[A-Za-z0-9][\w.-]*)(?:\[[^\]]*\])?\s*(?:(?P<op>==|===|@|>=|~=|<=|>|<|!=)\s*(?P<version>\S+))?$"
)
_EXACT_SEMVER = re.compile(r"^v?\d+\.\d+\.\d+(?:[-+][\w.-]+)?$")
_DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")


def launched(server: Server) -> Package | None:
    """The package a server's command fetches and runs, when its launcher is one that does."""
    launcher = server.command.rsplit("/", 1)[-1].removesuffix(".cmd").removesuffix(".exe").lower()
    args = list(server.args)
    if (
        launcher in ("cmd", "powershell", "pwsh")
        and len(args) >= 2
        and args[0].lower() in ("/c", "-c", "-command")
    ):
        launcher, args = args[1].lower(), args[2:]
    if launcher in ("npx", "bunx", "pnpx"):
        return _npm(_first_operand(args, _NPX_VALUE_OPTIONS, package_flags=("-p", "--package")))
    if launcher in ("pnpm", "yarn", "bun") and args[:1] in (["dlx"], ["x"]):
        return _npm(_first_operand(args[1:], _NPX_VALUE_OPTIONS))
    if launcher == "uvx" or (launcher == "uv" and args[:2] == ["tool", "run"]):
        rest = args if launcher == "uvx" else args[2:]
        return _pypi(_first_operand(rest, _UVX_VALUE_OPTIONS, package_flags=("--from",)))
    if launcher == "pipx" and args[:1] == ["run"]:
        return _pypi(
            _first_operand(args[1:], _UVX_VALUE_OPTIONS | {"--spec"}, package_flags=("--spec",))
        )
    if launcher in ("docker", "podman") and args[:1] == ["run"]:
        return _image(_first_operand(args[1:], _DOCKER_VALUE_OPTIONS))
    return None


def _first_operand(
    args: list[str], value_options: frozenset[str], package_flags: tuple[str, ...] = ()
) -> str:
    """The first argument that is not an option (or the value of a package option)."""
    index = 0
    while index < len(args):
        arg = args[index]
        if arg in package_flags and index + 1 < len(args):
            return args[index + 1]
        for flag in package_flags:
            if arg.startswith(flag + "="):
                return arg.split("=", 1)[1]
        if arg == "--":
            return args[index + 1] if index + 1 < len(args) else ""
        if arg in value_options:
            index += 2
            continue
        if arg.startswith("-"):
            index += 1
            continue
        return arg
    return ""


def _npm(spec: str) -> Package | None:
    if not spec:
        return None
    if re.match(
        r"^(?:github:|git\+|git:|https?://|[\w.-]+/[\w.-]+(?:#.*)?$)", spec
    ) and not spec.startswith("@"):
        pinned = re.search(r"#[0-9a-f]{40}$", spec) is not None
        return Package("npm", spec, "", "exact" if pinned else "url", spec)
    match = _NPM_SPEC.match(spec)
    if not match:
        return None
    version = match.group("version") or ""
    if not version:
        pinning = "unpinned"
    elif version in ("latest", "next", "*", "x"):
        pinning = "latest"
    else:
        pinning = "exact" if _EXACT_SEMVER.match(version) else "unpinned"
    return Package("npm", match.group("name"), version, pinning, spec)


def _pypi(spec: str) -> Package | None:
    if not spec:
        return None
    if re.match(r"^(?:git\+|https?://)", spec):
        pinned = re.search(r"@[0-9a-f]{40}$", spec) is not None
        return Package("pypi", spec, "", "exact" if pinned else "url", spec)
    match = _PYPI_SPEC.match(spec)
    if not match:
        return None
    version = match.group("version") or ""
    op = match.group("op") or ""
    if version == "latest":
        pinning = "latest"
    elif op in ("==", "===") or (op == "@" and re.match(r"^\d", version)):
        pinning = "exact"
    else:
        pinning = "unpinned"
    return Package("pypi", match.group("name"), version, pinning, spec)


def _image(spec: str) -> Package | None:
    if not spec:
        return None
    if _DIGEST.search(spec):
        return Package("docker", spec.split("@", 1)[0], spec.split("@", 1)[1], "exact", spec)
    last = spec.rsplit("/", 1)[-1]
    name, _, tag = last.partition(":")
    full = spec[: len(spec) - len(last)] + name
    # a version tag can be moved, but it names a release; only no tag or ``latest`` follows
    # whatever is pushed next
    pinning = "latest" if tag in ("", "latest") else "tag"
    return Package("docker", full, tag, pinning, spec)
