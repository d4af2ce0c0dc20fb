"""JavaScript: package-lock.json v1-v3, npm-shrinkwrap.json, yarn.lock v1 and Berry,
pnpm-lock.yaml, package.json manifests and installed ``node_modules``."""

from __future__ import annotations

import json
import re
from typing import Any

from outwork.analyzers.dependencies.model import Dependency, LineIndex, Notice, ParseResult
from outwork.analyzers.dependencies.parsers.python import UNVERIFIED_URL

NPM = "npm"
_EXACT_SEMVER_RE = re.compile(r"^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")


def _name_from_path(path: str) -> str:
    return path.rsplit("node_modules/", 1)[-1]


def parse_package_lock(text: str, fmt: str = "package-lock.json") -> ParseResult:
    data = json.loads(text)
    result = ParseResult()
    if not isinstance(data, dict):
        return result
    version = data.get("lockfileVersion", 1)
    result.format = f"{fmt} v{version}"
    index = LineIndex(text)
    packages = data.get("packages")
    if isinstance(packages, dict) and packages:
        section = index.find('"packages"')
        for path, info in packages.items():
            if not path or not isinstance(info, dict) or "node_modules/" not in path:
                continue
            if info.get("link"):
                continue
            line = index.find(json.dumps(path) + ":", start=index.cursor if section else 0)
            alias = info.get("name")
            name = alias if isinstance(alias, str) else _name_from_path(path)
            ver = info.get("version")
            if not isinstance(ver, str):
                continue
            ver, source = _npm_version(ver, info)
            result.dependencies.append(
                Dependency(
                    NPM,
                    name,
                    ver,
                    line,
                    dev=bool(info.get("dev") or info.get("devOptional")),
                    direct=path.count("node_modules/") == 1,
                    source=source,
                )
            )
            _plain_http(name, info.get("resolved"), line, result)
        return result
    deps = data.get("dependencies")
    if isinstance(deps, dict):
        _v1(deps, index, result, depth=0)
    return result


def _npm_version(ver: str, info: dict[str, Any]) -> tuple[str | None, str]:
    if ver.startswith("npm:"):
        ver = ver.rsplit("@", 1)[-1]
    if _EXACT_SEMVER_RE.match(ver):
        return ver, "registry"
    resolved = str(info.get("resolved", ver))
    if resolved.startswith(("git", "github:")) or "#" in ver:
        return None, "vcs"
    if ver.startswith(("file:", "link:")):
        return None, "path"
    return None, "url"


def _v1(deps: dict[str, Any], index: LineIndex, result: ParseResult, depth: int) -> None:
    if depth > 64:
        return
    for name, info in deps.items():
        line = index.find(json.dumps(name) + ": {")
        if not isinstance(info, dict):
            continue
        ver = info.get("version")
        real = name
        if isinstance(ver, str) and ver.startswith("npm:"):
            real = ver[4:].rsplit("@", 1)[0]
        _plain_http(real, info.get("resolved"), line, result)
        if isinstance(ver, str):
            exact, source = _npm_version(ver, info)
            result.dependencies.append(
                Dependency(
                    NPM,
                    real,
                    exact,
                    line,
                    dev=bool(info.get("dev")),
                    direct=depth == 0,
                    source=source,
                )
            )
        nested = info.get("dependencies")
        if isinstance(nested, dict):
            _v1(nested, index, result, depth + 1)


def _plain_http(name: str, resolved: object, line: int | None, result: ParseResult) -> None:
    """A lockfile entry resolved over plain HTTP can be swapped in transit unless its integrity
    hash is checked; npm and yarn v1 download from ``resolved`` as written."""
    if isinstance(resolved, str) and resolved.lower().startswith("http://"):
        result.notices.append(
            Notice(UNVERIFIED_URL, f"{name} is resolved over plain HTTP", line, resolved, name)
        )


def _descriptor_name(descriptor: str) -> str:
    """``name@range``, ``@scope/name@npm:range``, or an alias ``alias@npm:real@range`` -> the name
    of the package really installed (``real``)."""
    descriptor = descriptor.strip().strip('"')
    at = descriptor.find("@", 1)
    if at <= 0:
        return descriptor
    rest = descriptor[at + 1 :]
    if rest.startswith("npm:"):
        target = rest[4:]
        inner = target.find("@", 1)
        if inner > 0:
            return target[:inner]
    return descriptor[:at]


def parse_yarn_lock(text: str) -> ParseResult:
    """yarn.lock v1 (its own format) and Berry (YAML), read line by line without a YAML parser."""
    berry = "__metadata:" in text
    result = ParseResult(format="yarn.lock berry" if berry else "yarn.lock v1")
    block_line: int | None = None
    header = ""
    fields: dict[str, str] = {}

    def flush() -> None:
        if not header or header.startswith("__metadata"):
            return
        first = header.split(",")[0]
        name = _descriptor_name(first)
        version = fields.get("version")
        resolution = fields.get("resolution", "")
        if berry and ("@workspace:" in resolution or fields.get("linkType") == "soft"):
            return
        if berry and "@patch:" in resolution:
            return  # the unpatched package is listed in its own block
        source = "registry"
        remote = fields.get("resolved", resolution)
        if "git" in remote.split("#", 1)[0].split(":", 1)[0] or "#commit=" in remote:
            source = "vcs"
        elif "@file:" in first or "@link:" in first:
            source = "path"
        result.dependencies.append(Dependency(NPM, name, version, block_line, source=source))
        _plain_http(name, fields.get("resolved"), block_line, result)

    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        if not raw.startswith(" "):
            flush()
            header = raw.rstrip().rstrip(":")
            block_line = number
            fields = {}
            continue
        if raw.startswith("    "):
            continue  # nested maps (dependencies, checksum details)
        key, _, value = raw.strip().partition(" ")
        key = key.rstrip(":").strip('"')
        fields[key] = value.strip().strip('"')
    flush()
    return result


_PNPM_PEER_RE = re.compile(r"\(.*$")


_PNPM_V5_RE = re.compile(r"^(?P<name>@[^/@]+/[^/@]+|[^/@]+)/(?P<version>\d[^/]*)$")
_PNPM_V6_RE = re.compile(r"^(?P<name>@?[^@]+)@(?P<version>[^@/]+)$")


def _pnpm_key(key: str) -> tuple[str, str] | None:
    """``/name/1.0.0_peer@2`` (v5), ``/name@1.0.0(peer@2)`` (v6) or ``name@1.0.0`` (v9)."""
    key = _PNPM_PEER_RE.sub("", key.strip().strip("'\"").lstrip("/"))
    if key.startswith(("file:", "link:")):
        return None
    match = _PNPM_V5_RE.match(key)
    if match:
        return match.group("name"), match.group("version").split("_", 1)[0]
    match = _PNPM_V6_RE.match(key)
    if match:
        return match.group("name"), match.group("version")
    return None


def parse_pnpm_lock(text: str) -> ParseResult:
    """pnpm-lock.yaml v5 to v9: the keys of ``packages:`` (and their ``dev`` flag)."""
    result = ParseResult(format="pnpm-lock.yaml")
    in_packages = False
    current: tuple[int, str, str] | None = None
    dev = False
    vcs = False
    seen: set[tuple[str, str]] = set()

    def flush() -> None:
        if current is None:
            return
        line, name, version = current
        if (name, version) in seen:
            return
        seen.add((name, version))
        exact = version if _EXACT_SEMVER_RE.match(version) else None
        result.dependencies.append(
            Dependency(
                NPM,
                name,
                exact,
                line,
                dev=dev,
                source="vcs" if vcs or exact is None else "registry",
            )
        )

    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        if not raw.startswith(" "):
            flush()
            current = None
            in_packages = raw.rstrip() == "packages:"
            continue
        if not in_packages:
            continue
        if raw.startswith("  ") and not raw.startswith("   "):
            flush()
            parsed = _pnpm_key(raw.strip().rstrip(":"))
            current = (number, *parsed) if parsed else None
            dev = False
            vcs = False
            continue
        stripped = raw.strip()
        if stripped == "dev: true":
            dev = True
        elif stripped.startswith("resolution:") and ("tarball:" in stripped or "repo:" in stripped):
            vcs = "repo:" in stripped or "codeload.github.com" in stripped
    flush()
    return result


def parse_package_json(text: str, installed: bool) -> ParseResult:
    """An installed ``node_modules/*/package.json`` is one dependency; a project manifest yields its
    exact pins and integrity notices for URL and git dependencies."""
    data = json.loads(text)
    result = ParseResult(format="node_modules" if installed else "package.json")
    if not isinstance(data, dict):
        return result
    index = LineIndex(text)
    if installed:
        name, version = data.get("name"), data.get("version")
        if isinstance(name, str) and isinstance(version, str):
            line = index.find('"name"', advance=False)
            result.dependencies.append(Dependency(NPM, name, version, line, source="installed"))
        return result
    for section, dev in (
        ("dependencies", False),
        ("devDependencies", True),
        ("optionalDependencies", False),
    ):
        deps = data.get(section)
        if not isinstance(deps, dict):
            continue
        index.cursor = 0
        index.find(f'"{section}"')
        for name, spec in deps.items():
            line = index.find(json.dumps(name) + ":")
            if not isinstance(spec, str):
                continue
            notice = _npm_spec_notice(name, spec, line)
            if notice:
                result.notices.append(notice)
                result.dependencies.append(
                    Dependency(NPM, name, None, line, spec=spec, dev=dev, direct=True, source="url")
                )
                continue
            exact = spec.lstrip("=") if _EXACT_SEMVER_RE.match(spec.lstrip("=")) else None
            result.dependencies.append(
                Dependency(NPM, name, exact, line, spec=spec, dev=dev, direct=True)
            )
    return result


_COMMITISH_RE = re.compile(r"#[0-9a-f]{40}$")


def _npm_spec_notice(name: str, spec: str, line: int | None) -> Notice | None:
    lowered = spec.lower()
    if lowered.startswith("http://"):
        return Notice(UNVERIFIED_URL, f"{name} is downloaded over plain HTTP", line, spec, name)
    if lowered.startswith("https://"):
        return Notice(
            UNVERIFIED_URL,
            f"{name} is a tarball URL with no integrity hash in the manifest",
            line,
            spec,
            name,
        )
    gitish = lowered.startswith(("git+", "git:", "github:", "gitlab:", "bitbucket:")) or (
        re.match(r"^[\w.-]+/[\w.-]+(#.*)?$", spec) is not None
    )
    if gitish and not _COMMITISH_RE.search(lowered):
        return Notice(
            UNVERIFIED_URL,
            f"{name} is installed from git at a movable ref, not a commit",
            line,
            spec,
            name,
        )
    return None
