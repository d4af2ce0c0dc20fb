"""Rust, Go, Ruby, PHP and Java lockfiles and manifests, and CycloneDX / SPDX JSON SBOMs."""

from __future__ import annotations

import json
import re
import tomllib
from collections import deque
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import ElementTree

from outwork.analyzers.dependencies.model import (
    Dependency,
    LineIndex,
    ParseResult,
    as_list,
)
from outwork.analyzers.dependencies.parsers.python import table_name_lines
from outwork.analyzers.dependencies.versions import version_key
from outwork.core.purl import parse_purl


def parse_cargo_lock(text: str) -> ParseResult:
    data = tomllib.loads(text)
    result = ParseResult(format="Cargo.lock")
    lines = table_name_lines(text, "package")
    for position, package in enumerate(as_list(data.get("package"))):
        if not isinstance(package, dict) or not isinstance(package.get("name"), str):
            continue
        source = str(package.get("source", ""))
        kind = "vcs" if source.startswith("git+") else "registry" if source else "path"
        version = package.get("version")
        result.dependencies.append(
            Dependency(
                "crates.io",
                package["name"],
                version if isinstance(version, str) else None,
                lines[position] if position < len(lines) else None,
                source=kind,
            )
        )
    return result


_GO_REQUIRE_RE = re.compile(r"^\s*(?:require\s+)?(?P<path>[^\s()]+)\s+(?P<version>v[^\s]+)")
_GO_REPLACE_RE = re.compile(
    r"^\s*(?:replace\s+)?(?P<old>[^\s()]+)(?:\s+(?P<oldv>v[^\s]+))?\s+=>\s+(?P<new>[^\s]+)(?:\s+(?P<newv>v[^\s]+))?"
)


def parse_go_mod(text: str) -> ParseResult:
    """``require`` lines and blocks, with ``replace`` directives applied (local paths dropped),
    and the Go standard library at the ``toolchain`` (else ``go``) version, as osv-scanner does."""
    result = ParseResult(format="go.mod")
    required: list[tuple[str, str, int, bool]] = []
    go_version: tuple[str, int] | None = None
    toolchain: tuple[str, int] | None = None
    replaces: list[tuple[str, str | None, str, str | None]] = []
    block: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("//", 1)[0].rstrip()
        indirect = "// indirect" in raw
        stripped = line.strip()
        if not stripped:
            continue
        if block is not None:
            if stripped == ")":
                block = None
                continue
            directive = block
        else:
            word = stripped.split(None, 1)[0]
            if stripped.endswith("(") and word in ("require", "replace", "exclude", "retract"):
                block = word
                continue
            directive = word
        if directive == "go" and len(stripped.split()) == 2:
            go_version = (stripped.split()[1], number)
        elif directive == "toolchain" and stripped.split()[-1].startswith("go"):
            toolchain = (stripped.split()[-1][2:], number)
        elif directive == "require":
            match = _GO_REQUIRE_RE.match(stripped)
            if match:
                required.append((match.group("path"), match.group("version"), number, not indirect))
        elif directive == "replace":
            match = _GO_REPLACE_RE.match(stripped)
            if match:
                replaces.append(
                    (
                        match.group("old"),
                        match.group("oldv"),
                        match.group("new"),
                        match.group("newv"),
                    )
                )
    for path, version, number, direct in required:
        name, ver, source = path, version, "registry"
        for old, oldv, new, newv in replaces:
            if old == path and (oldv is None or oldv == version):
                if newv is None:
                    source = "path"
                    ver = version
                else:
                    name, ver = new, newv
        if source == "path":
            continue
        result.dependencies.append(
            Dependency("Go", name, ver, number, direct=direct, source=source)
        )
    stdlib = toolchain or go_version
    if stdlib and re.fullmatch(r"\d+\.\d+(\.\d+)?", stdlib[0]):
        result.dependencies.append(Dependency("Go", "stdlib", stdlib[0], stdlib[1], direct=False))
    return result


def parse_go_sum(text: str) -> ParseResult:
    """go.sum lists every version the build may consult; the newest with a full-module hash is
    the one the build list selects in practice, so only it is reported per module."""
    result = ParseResult(format="go.sum")
    best: dict[str, tuple[str, int]] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        parts = raw.split()
        if len(parts) != 3 or parts[1].endswith("/go.mod"):
            continue
        path, version = parts[0], parts[1]
        current = best.get(path)
        if current is None or version_key("Go", version) > version_key("Go", current[0]):
            best[path] = (version, number)
    for path, (version, number) in best.items():
        result.dependencies.append(Dependency("Go", path, version, number))
    return result


_GEM_SPEC_RE = re.compile(r"^    (?P<name>[^\s(]+) \((?P<version>[^)]+)\)$")


def parse_gemfile_lock(text: str) -> ParseResult:
    result = ParseResult(format="Gemfile.lock")
    section = ""
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw and not raw.startswith(" "):
            section = raw.strip()
            continue
        if section not in ("GEM", "GIT", "PATH", "PLUGIN SOURCE"):
            continue
        match = _GEM_SPEC_RE.match(raw)
        if not match:
            continue
        version = match.group("version").split("-", 1)[0]
        source = {"GIT": "vcs", "PATH": "path"}.get(section, "registry")
        result.dependencies.append(
            Dependency("RubyGems", match.group("name"), version, number, source=source)
        )
    return result


def parse_composer_lock(text: str) -> ParseResult:
    data = json.loads(text)
    result = ParseResult(format="composer.lock")
    if not isinstance(data, dict):
        return result
    index = LineIndex(text)
    for section, dev in (("packages", False), ("packages-dev", True)):
        packages = data.get(section)
        if not isinstance(packages, list):
            continue
        index.cursor = 0
        index.find(f'"{section}"')
        for package in packages:
            if not isinstance(package, dict) or not isinstance(package.get("name"), str):
                continue
            line = index.find(f'"name": {json.dumps(package["name"])}')
            version = package.get("version")
            source = package.get("source") if isinstance(package.get("source"), dict) else {}
            assert isinstance(source, dict)
            result.dependencies.append(
                Dependency(
                    "Packagist",
                    package["name"],
                    version.removeprefix("v") if isinstance(version, str) else None,
                    line,
                    dev=dev,
                    source="vcs"
                    if isinstance(version, str) and version.startswith("dev-")
                    else "registry",
                )
            )
    return result


_MAVEN_NS = re.compile(r"^\{[^}]*\}")
_PROPERTY_RE = re.compile(r"\$\{([^}]+)\}")


def _local(tag: str) -> str:
    return _MAVEN_NS.sub("", tag)


def _child_text(element: Element, name: str) -> str | None:
    for child in element:
        if _local(child.tag) == name:
            return (child.text or "").strip()
    return None


def parse_pom(text: str) -> ParseResult:
    """Maven ``pom.xml``: declared versions, with ``${property}`` from the same file resolved."""
    root = ElementTree.fromstring(text.encode())
    result = ParseResult(format="pom.xml")
    properties: dict[str, str] = {}
    project_version = _child_text(root, "version")
    if project_version:
        properties["project.version"] = project_version
    for child in root:
        if _local(child.tag) == "properties":
            for prop in child:
                properties[_local(prop.tag)] = (prop.text or "").strip()

    def interpolate(value: str) -> str:
        for _ in range(8):
            new = _PROPERTY_RE.sub(lambda m: properties.get(m.group(1), m.group(0)), value)
            if new == value:
                break
            value = new
        return value

    index = LineIndex(text)
    for element in root.iter():
        if _local(element.tag) != "dependency":
            continue
        group = _child_text(element, "groupId")
        artifact = _child_text(element, "artifactId")
        if not group or not artifact:
            continue
        raw = _child_text(element, "version")
        version = interpolate(raw) if raw else None
        if version and ("${" in version or version.startswith(("[", "("))):
            version = None
        scope = _child_text(element, "scope") or ""
        line = index.find(f"<artifactId>{artifact}</artifactId>")
        result.dependencies.append(
            Dependency(
                "Maven",
                f"{interpolate(group)}:{interpolate(artifact)}",
                version,
                line,
                dev=scope == "test",
                direct=True,
            )
        )
    return result


def parse_gradle_lockfile(text: str) -> ParseResult:
    result = ParseResult(format="gradle.lockfile")
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith(("#", "empty=")):
            continue
        coordinate = line.split("=", 1)[0]
        parts = coordinate.split(":")
        if len(parts) != 3:
            continue
        group, artifact, version = parts
        result.dependencies.append(Dependency("Maven", f"{group}:{artifact}", version, number))
    return result


def parse_sbom(text: str) -> ParseResult:
    """CycloneDX JSON (components, nested) and SPDX JSON (packages' purl external references)."""
    data = json.loads(text)
    result = ParseResult()
    if not isinstance(data, dict):
        return result
    index = LineIndex(text)
    purls: list[str] = []
    if data.get("bomFormat") == "CycloneDX":
        result.format = f"CycloneDX {data.get('specVersion', '')}".strip()
        stack: deque[Any] = deque(as_list(data.get("components")))
        count = 0
        while stack and count < 200_000:
            count += 1
            component = stack.popleft()
            if not isinstance(component, dict):
                continue
            if isinstance(component.get("purl"), str):
                purls.append(component["purl"])
            stack.extend(as_list(component.get("components")))
    elif "spdxVersion" in data:
        result.format = str(data.get("spdxVersion"))
        for package in as_list(data.get("packages")):
            if not isinstance(package, dict):
                continue
            for ref in as_list(package.get("externalRefs")):
                if (
                    isinstance(ref, dict)
                    and ref.get("referenceType") == "purl"
                    and isinstance(ref.get("referenceLocator"), str)
                ):
                    purls.append(ref["referenceLocator"])
    for text_purl in purls:
        parsed = parse_purl(text_purl)
        if parsed is None:
            continue
        ecosystem, name, version = parsed
        line = index.find(json.dumps(text_purl), advance=False, start=0)
        result.dependencies.append(Dependency(ecosystem, name, version, line, source="sbom"))
    return result


def parse_nuget_lock(text: str) -> ParseResult:
    """NuGet ``packages.lock.json``: resolved versions per target framework (deduplicated)."""
    data = json.loads(text)
    result = ParseResult(format="packages.lock.json")
    if not isinstance(data, dict) or not isinstance(data.get("dependencies"), dict):
        return result
    index = LineIndex(text)
    seen: set[tuple[str, str]] = set()
    for framework, packages in data["dependencies"].items():
        if not isinstance(packages, dict):
            continue
        index.find(json.dumps(framework))
        for name, info in packages.items():
            line = index.find(json.dumps(name) + ":")
            if not isinstance(info, dict) or not isinstance(info.get("resolved"), str):
                continue
            if info.get("type") == "Project" or (name, info["resolved"]) in seen:
                continue
            seen.add((name, info["resolved"]))
            result.dependencies.append(
                Dependency(
                    "NuGet", name, info["resolved"], line, direct=info.get("type") == "Direct"
                )
            )
    return result


_PUB_PACKAGE_RE = re.compile(r"^  (?P<name>[A-Za-z0-9_]+):\s*$")
_PUB_FIELD_RE = re.compile(
    r"^    (?P<key>dependency|source|version):\s*\"?(?P<value>[^\"]*)\"?\s*$"
)


def parse_pubspec_lock(text: str) -> ParseResult:
    """Dart ``pubspec.lock``: ``packages:`` entries with their version, source and group."""
    result = ParseResult(format="pubspec.lock")
    in_packages = False
    current: tuple[str, int] | None = None
    fields: dict[str, str] = {}

    def flush() -> None:
        if current is None or "version" not in fields:
            return
        source = fields.get("source", "hosted")
        if source == "sdk":
            return
        kind = {"git": "vcs", "path": "path"}.get(source, "registry")
        result.dependencies.append(
            Dependency(
                "Pub",
                current[0],
                fields["version"],
                current[1],
                dev="dev" in fields.get("dependency", ""),
                direct=fields.get("dependency", "").startswith("direct"),
                source=kind,
            )
        )

    for number, raw in enumerate(text.splitlines(), start=1):
        if raw and not raw.startswith(" "):
            flush()
            current, fields = None, {}
            in_packages = raw.rstrip() == "packages:"
            continue
        if not in_packages:
            continue
        match = _PUB_PACKAGE_RE.match(raw)
        if match:
            flush()
            current, fields = (match.group("name"), number), {}
            continue
        field = _PUB_FIELD_RE.match(raw)
        if field:
            fields[field.group("key")] = field.group("value")
    flush()
    return result


_MIX_RE = re.compile(
    r'^\s*"(?P<name>[^"]+)":\s*\{:(?P<kind>hex|git),\s*(?::(?P<pkg>[\w]+),\s*"(?P<version>[^"]+)"'
    r'|"(?P<url>[^"]+)",\s*"(?P<commit>[0-9a-f]+)")'
)


def parse_mix_lock(text: str) -> ParseResult:
    """Elixir ``mix.lock`` (read as text, never evaluated): hex packages and git commits."""
    result = ParseResult(format="mix.lock")
    for number, raw in enumerate(text.splitlines(), start=1):
        match = _MIX_RE.match(raw)
        if not match:
            continue
        if match.group("kind") == "hex":
            result.dependencies.append(
                Dependency(
                    "Hex", match.group("pkg") or match.group("name"), match.group("version"), number
                )
            )
        else:
            result.dependencies.append(
                Dependency("Hex", match.group("name"), None, number, source="vcs")
            )
    return result


_TRAILING_COMMA_RE = re.compile(r",(\s*[}\]])")


def parse_bun_lock(text: str) -> ParseResult:
    """Bun's text lockfile ``bun.lock`` (JSON with trailing commas): ``packages`` entries whose
    first element is ``name@version``."""
    data = json.loads(_TRAILING_COMMA_RE.sub(r"\1", text))
    result = ParseResult(format="bun.lock")
    packages = data.get("packages") if isinstance(data, dict) else None
    if not isinstance(packages, dict):
        return result
    index = LineIndex(text)
    index.find('"packages"')
    for key, entry in packages.items():
        line = index.find(json.dumps(key) + ":")
        if not isinstance(entry, list) or not entry or not isinstance(entry[0], str):
            continue
        spec = entry[0]
        at = spec.rfind("@")
        if at <= 0:
            continue
        name, version = spec[:at], spec[at + 1 :]
        if version.startswith(("workspace:", "file:", "link:")):
            continue
        exact = version if re.match(r"^\d+\.\d+\.\d+", version) else None
        source = (
            "registry" if exact else "vcs" if "git" in version or "github:" in version else "url"
        )
        result.dependencies.append(Dependency("npm", name, exact, line, source=source))
    return result


def _conan_reference(ref: str) -> tuple[str, str] | None:
    """``zlib/1.2.11@user/channel#rev%time:package_id`` -> (``zlib``, ``1.2.11``)."""
    base = ref.split("#", 1)[0].split(":", 1)[0].split("@", 1)[0]
    if "/" not in base:
        return None
    name, version = base.split("/", 1)
    return (name, version) if name and version else None


def parse_conan_lock(text: str) -> ParseResult:
    """``conan.lock``: Conan 2 (``requires`` lists) and Conan 1 (``graph_lock.nodes``), with the
    root node (the project itself, the one with a ``path``) left out."""
    data = json.loads(text)
    result = ParseResult(format="conan.lock")
    if not isinstance(data, dict):
        return result
    index = LineIndex(text)
    refs: list[tuple[str, bool]] = []
    for section, dev in (("requires", False), ("build_requires", True), ("python_requires", True)):
        for ref in as_list(data.get(section)):
            if isinstance(ref, str):
                refs.append((ref, dev))
    nodes = (
        (data.get("graph_lock") or {}).get("nodes")
        if isinstance(data.get("graph_lock"), dict)
        else None
    )
    if isinstance(nodes, dict):
        for node in nodes.values():
            if not isinstance(node, dict) or "path" in node:
                continue
            ref = node.get("ref") or node.get("pref")
            if isinstance(ref, str):
                refs.append((ref, node.get("context") == "build"))
    for ref, dev in refs:
        parsed = _conan_reference(ref)
        if parsed is None:
            continue
        line = index.find(json.dumps(ref)[:-1], advance=False, start=0)
        result.dependencies.append(Dependency("ConanCenter", parsed[0], parsed[1], line, dev=dev))
    return result
