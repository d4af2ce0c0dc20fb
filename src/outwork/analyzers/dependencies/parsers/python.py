"""Python: requirements files, pyproject.toml, poetry.lock, uv.lock, Pipfile.lock, pdm.lock,
pylock.toml and installed ``*.dist-info`` metadata."""

from __future__ import annotations

import json
import re
import tomllib
import urllib.parse
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement

from outwork.analyzers.dependencies.model import (
    Dependency,
    LineIndex,
    Notice,
    ParseResult,
    as_list,
)

PYPI = "PyPI"
UNPINNED = "unpinned"
UNVERIFIED_URL = "unverified-url"
EXTRA_INDEX = "extra-index"
INSECURE_INDEX = "insecure-index"

_HASH_RE = re.compile(r"\s--hash[=\s]+\S+")
_OPTION_VALUE_RE = re.compile(r"^(?P<opt>-{1,2}[\w-]+)(?:[=\s]+(?P<value>\S+))?")
_COMMIT_RE = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")
_VCS_PREFIXES = ("git+", "hg+", "svn+", "bzr+")
_EGG_RE = re.compile(r"[#&]egg=([A-Za-z0-9_.\-\[\]]+)")


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Join backslash continuations and drop comments; each entry keeps its first line number."""
    out: list[tuple[int, str]] = []
    buffer = ""
    first = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not buffer:
            first = number
        line = raw
        line = "" if line.lstrip().startswith("#") else re.sub(r"(^|\s)#.*$", "", line)
        if line.endswith("\\"):
            buffer += line[:-1] + " "
            continue
        buffer += line
        if buffer.strip():
            out.append((first, buffer.strip()))
        buffer = ""
    if buffer.strip():
        out.append((first, buffer.strip()))
    return out


def url_notice(url: str, name: str, line: int | None, hashed: bool) -> Notice | None:
    """VUL005 material: code fetched from a URL without a digest, or from a movable VCS ref."""
    lowered = url.lower()
    if lowered.startswith("file:") or "://" not in lowered:
        return None
    if lowered.startswith(_VCS_PREFIXES):
        path = urllib.parse.urlsplit(url.split("+", 1)[1]).path
        ref = path.rsplit("@", 1)[1] if "@" in path.rsplit("/", 1)[-1] else ""
        if _COMMIT_RE.match(ref):
            return None
        what = f"the movable ref {ref!r}" if ref else "the default branch"
        return Notice(
            UNVERIFIED_URL,
            f"{name} is installed from version control at {what}, not a commit",
            line,
            url,
            name,
        )
    if lowered.startswith("http://"):
        return Notice(UNVERIFIED_URL, f"{name} is downloaded over plain HTTP", line, url, name)
    if hashed or re.search(r"#(sha256|sha384|sha512)=", lowered):
        return None
    return Notice(
        UNVERIFIED_URL,
        f"{name} is downloaded from a URL with no hash to verify it",
        line,
        url,
        name,
    )


def _url_source(url: str) -> str:
    return "vcs" if url.lower().startswith(_VCS_PREFIXES) else "url"


def _egg_name(url: str) -> str:
    match = _EGG_RE.search(url)
    if match:
        return match.group(1).split("[", 1)[0]
    tail = urllib.parse.urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
    return tail.split("@", 1)[0].removesuffix(".git") or url


def pinned_version(req: Requirement) -> str | None:
    specs = list(req.specifier)
    if len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
        return specs[0].version
    return None


def parse_requirements(text: str, filename: str) -> ParseResult:
    """pip requirements: pins, ranges, hashes, markers, extras, URLs, editables and index options.

    Included files (``-r``/``-c``) are scanned as artifacts of their own, so they are not followed.
    """
    result = ParseResult(format="requirements")
    is_input = filename.lower().endswith(".in")
    for line, content in _logical_lines(text):
        if content.startswith("-"):
            _requirements_option(content, line, result)
            continue
        hashed = bool(_HASH_RE.search(" " + content))
        body = re.split(r"\s+--?[a-z]", content, maxsplit=1)[0].strip()
        if "://" in body.split(";", 1)[0] and " @ " not in body and not body.startswith("@"):
            url = body.split(";", 1)[0].strip()
            name = _egg_name(url)
            result.dependencies.append(
                Dependency(PYPI, name, None, line, spec=body, direct=True, source=_url_source(url))
            )
            notice = url_notice(url, name, line, hashed)
            if notice:
                result.notices.append(notice)
            continue
        try:
            req = Requirement(body)
        except InvalidRequirement:
            continue  # a local path or wheel file name; nothing to match
        if req.url:
            result.dependencies.append(
                Dependency(
                    PYPI, req.name, None, line, spec=body, direct=True, source=_url_source(req.url)
                )
            )
            notice = url_notice(req.url, req.name, line, hashed)
            if notice:
                result.notices.append(notice)
            continue
        version = pinned_version(req)
        result.dependencies.append(
            Dependency(PYPI, req.name, version, line, spec=body, direct=True)
        )
        if version is None and not is_input:
            what = str(req.specifier) or "any version"
            result.notices.append(
                Notice(
                    UNPINNED,
                    f"{req.name} is not pinned ({what}): each install may resolve a different,"
                    " possibly compromised, release",
                    line,
                    body,
                    req.name,
                )
            )
    return result


def _requirements_option(content: str, line: int, result: ParseResult) -> None:
    match = _OPTION_VALUE_RE.match(content)
    if not match:
        return
    option, value = match.group("opt"), match.group("value") or ""
    if option in ("-e", "--editable"):
        if "://" in value:
            name = _egg_name(value)
            result.dependencies.append(
                Dependency(
                    PYPI, name, None, line, spec=content, direct=True, source=_url_source(value)
                )
            )
            notice = url_notice(value, name, line, hashed=False)
            if notice:
                result.notices.append(notice)
        return
    if option == "--extra-index-url":
        result.notices.append(
            Notice(
                EXTRA_INDEX,
                f"--extra-index-url {value} adds a second index: pip takes the highest version from"
                " any index, so a public package can shadow a private one",
                line,
                content,
            )
        )
    if option in ("-i", "--index-url", "--extra-index-url", "-f", "--find-links"):
        if value.lower().startswith("http://"):
            result.notices.append(
                Notice(
                    INSECURE_INDEX,
                    f"{option} {value} fetches packages over plain HTTP",
                    line,
                    content,
                )
            )
    elif option == "--trusted-host":
        result.notices.append(
            Notice(
                INSECURE_INDEX,
                f"--trusted-host {value} turns off TLS verification for that host",
                line,
                content,
            )
        )


# --- pyproject.toml -----------------------------------------------------------------------------


def parse_pyproject(text: str) -> ParseResult:
    """PEP 621 and PEP 735 lists, Poetry, PDM and Hatch tables: exact pins are matched; URL and VCS
    dependencies are checked for integrity."""
    data = tomllib.loads(text)
    result = ParseResult(format="pyproject.toml")
    index = LineIndex(text)
    project = data.get("project") if isinstance(data.get("project"), dict) else {}
    assert isinstance(project, dict)
    lists: list[tuple[list[Any], bool]] = [(project.get("dependencies") or [], False)]
    for extra in (project.get("optional-dependencies") or {}).values():
        lists.append((extra, False))
    for group in (data.get("dependency-groups") or {}).values():
        lists.append((group, True))
    tool = data.get("tool") if isinstance(data.get("tool"), dict) else {}
    assert isinstance(tool, dict)
    pdm = tool.get("pdm") if isinstance(tool.get("pdm"), dict) else {}
    assert isinstance(pdm, dict)
    for group in (pdm.get("dev-dependencies") or {}).values():
        lists.append((group, True))
    hatch = tool.get("hatch") if isinstance(tool.get("hatch"), dict) else {}
    assert isinstance(hatch, dict)
    for env in (hatch.get("envs") or {}).values():
        if isinstance(env, dict):
            lists.append((env.get("dependencies") or [], True))
            lists.append((env.get("extra-dependencies") or [], True))
    for items, dev in lists:
        if not isinstance(items, list):
            continue
        for item in items:
            if isinstance(item, str):
                _pep508_item(item, dev, index, result)
    poetry = tool.get("poetry") if isinstance(tool.get("poetry"), dict) else {}
    assert isinstance(poetry, dict)
    tables: list[tuple[dict[str, Any], bool]] = [(poetry.get("dependencies") or {}, False)]
    tables.append((poetry.get("dev-dependencies") or {}, True))
    for group in (poetry.get("group") or {}).values():
        if isinstance(group, dict):
            tables.append((group.get("dependencies") or {}, True))
    for table, dev in tables:
        if isinstance(table, dict):
            for name, spec in table.items():
                if name.lower() != "python":
                    _poetry_item(name, spec, dev, text, result)
    return result


def _string_line(index: LineIndex, literal: str) -> int | None:
    for quote in ('"', "'"):
        line = index.find(f"{quote}{literal}{quote}", advance=False, start=0)
        if line is not None:
            return line
    return None


def _pep508_item(item: str, dev: bool, index: LineIndex, result: ParseResult) -> None:
    line = _string_line(index, item)
    try:
        req = Requirement(item)
    except InvalidRequirement:
        return
    if req.url:
        result.dependencies.append(
            Dependency(
                PYPI,
                req.name,
                None,
                line,
                spec=item,
                dev=dev,
                direct=True,
                source=_url_source(req.url),
            )
        )
        notice = url_notice(req.url, req.name, line, hashed=False)
        if notice:
            result.notices.append(notice)
        return
    result.dependencies.append(
        Dependency(PYPI, req.name, pinned_version(req), line, spec=item, dev=dev, direct=True)
    )


def _poetry_item(name: str, spec: Any, dev: bool, text: str, result: ParseResult) -> None:
    match = re.search(rf"(?m)^\s*[\"']?{re.escape(name)}[\"']?\s*=", text)
    line = text.count("\n", 0, match.start()) + 1 if match else None
    version: str | None = None
    specs = spec if isinstance(spec, list) else [spec]
    for one in specs:
        if isinstance(one, str):
            version = _poetry_exact(one)
        elif isinstance(one, dict):
            if isinstance(one.get("version"), str):
                version = _poetry_exact(one["version"])
            if isinstance(one.get("git"), str):
                ref = one.get("rev") or one.get("tag") or one.get("branch") or ""
                url = f"git+{one['git']}" + (f"@{ref}" if ref else "")
                notice = url_notice(url, name, line, hashed=False)
                result.dependencies.append(
                    Dependency(PYPI, name, None, line, spec=url, dev=dev, direct=True, source="vcs")
                )
                if notice:
                    result.notices.append(notice)
                return
            if isinstance(one.get("url"), str):
                notice = url_notice(one["url"], name, line, hashed=False)
                result.dependencies.append(
                    Dependency(
                        PYPI, name, None, line, spec=one["url"], dev=dev, direct=True, source="url"
                    )
                )
                if notice:
                    result.notices.append(notice)
                return
    result.dependencies.append(
        Dependency(PYPI, name, version, line, spec=str(spec), dev=dev, direct=True)
    )


def _poetry_exact(spec: str) -> str | None:
    text = spec.strip()
    if text.startswith("=="):
        text = text[2:].strip()
    elif text.startswith("="):
        text = text[1:].strip()
    if re.fullmatch(r"\d+(\.\d+)*([a-zA-Z0-9.+-]*)", text) and "*" not in text:
        return text
    return None


# --- TOML lockfiles -----------------------------------------------------------------------------


def table_name_lines(text: str, array: str) -> list[int | None]:
    """For each ``[[array]]`` table in order, the line of its ``name`` key (else its header)."""
    lines: list[int | None] = []
    header = f"[[{array}]]"
    in_table = False
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if stripped.startswith("["):
            in_table = stripped == header
            if in_table:
                lines.append(number)
            continue
        if in_table and re.match(r"name\s*=", stripped):
            lines[-1] = number
            in_table = False
    return lines


def _toml_packages(
    text: str, array: str, fmt: str, *, dev_of: Any = None, skip: Any = None
) -> ParseResult:
    data = tomllib.loads(text)
    result = ParseResult(format=fmt)
    lines = table_name_lines(text, array)
    for position, package in enumerate(as_list(data.get(array))):
        if not isinstance(package, dict):
            continue
        name, version = package.get("name"), package.get("version")
        if not isinstance(name, str):
            continue
        if skip is not None and skip(package):
            continue
        line = lines[position] if position < len(lines) else None
        source = "registry"
        if any(k in package for k in ("vcs", "git")) or _source_type(package) == "git":
            source = "vcs"
        elif _source_type(package) in ("url", "file") or "archive" in package:
            source = "url"
        elif _source_type(package) in ("directory", "path", "editable", "virtual"):
            source = "path"
        result.dependencies.append(
            Dependency(
                PYPI,
                name,
                version if isinstance(version, str) else None,
                line,
                dev=bool(dev_of(package)) if dev_of else False,
                source=source,
            )
        )
    return result


def _source_type(package: dict[str, Any]) -> str:
    source = package.get("source")
    if isinstance(source, dict):
        if "type" in source:
            return str(source["type"])
        for key in ("git", "url", "path", "directory", "editable", "virtual", "registry"):
            if key in source:
                return key
    return ""


def parse_poetry_lock(text: str) -> ParseResult:
    def dev(package: dict[str, Any]) -> bool:
        groups = package.get("groups")
        if isinstance(groups, list):
            return "main" not in groups
        return package.get("category") == "dev"

    return _toml_packages(text, "package", "poetry.lock", dev_of=dev)


def parse_uv_lock(text: str) -> ParseResult:
    return _toml_packages(
        text,
        "package",
        "uv.lock",
        skip=lambda p: _source_type(p) in ("editable", "virtual"),
    )


def parse_pdm_lock(text: str) -> ParseResult:
    def dev(package: dict[str, Any]) -> bool:
        groups = package.get("groups")
        return isinstance(groups, list) and "default" not in groups

    return _toml_packages(text, "package", "pdm.lock", dev_of=dev)


def parse_pylock(text: str) -> ParseResult:
    return _toml_packages(text, "packages", "pylock.toml")


def parse_pipfile_lock(text: str) -> ParseResult:
    data = json.loads(text)
    result = ParseResult(format="Pipfile.lock")
    if not isinstance(data, dict):
        return result
    index = LineIndex(text)
    for section, dev in (("default", False), ("develop", True)):
        packages = data.get(section)
        if not isinstance(packages, dict):
            continue
        index.cursor = 0
        index.find(f'"{section}"')
        for name, info in packages.items():
            line = index.find(f'"{name}"')
            if not isinstance(info, dict):
                continue
            raw = info.get("version")
            version = raw[2:] if isinstance(raw, str) and raw.startswith("==") else None
            source = "vcs" if any(k in info for k in ("git", "hg", "svn")) else "registry"
            if source == "vcs" and isinstance(info.get("ref"), str):
                version = None
            result.dependencies.append(
                Dependency(PYPI, name, version, line, dev=dev, source=source)
            )
    return result


# --- installed environments ---------------------------------------------------------------------


def parse_metadata(text: str) -> ParseResult:
    """``*.dist-info/METADATA`` or ``PKG-INFO``: the installed distribution's name and version."""
    result = ParseResult(format="dist-info")
    name: str | None = None
    name_line: int | None = None
    version: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            break  # headers end at the first blank line; the description follows
        if line.startswith("Name:") and name is None:
            name, name_line = line.split(":", 1)[1].strip(), number
        elif line.startswith("Version:") and version is None:
            version = line.split(":", 1)[1].strip()
    if name:
        result.dependencies.append(
            Dependency(PYPI, name, version or None, name_line, source="installed")
        )
    return result


def parse_pipfile(text: str) -> ParseResult:
    """Pipenv's ``Pipfile`` manifest: its package indexes (several sources with unpinned packages
    let a public name shadow a private one) and git dependencies; exact pins are matched."""
    data = tomllib.loads(text)
    result = ParseResult(format="Pipfile")
    sources = [s for s in data.get("source") or [] if isinstance(s, dict)]
    url_lines = [(s, _first_line(text, str(s.get("url", "")))) for s in sources]
    for source, line in url_lines:
        url = str(source.get("url", ""))
        if url.lower().startswith("http://"):
            result.notices.append(
                Notice(
                    INSECURE_INDEX, f"package source {url} is fetched over plain HTTP", line, url
                )
            )
        elif source.get("verify_ssl") is False:
            result.notices.append(
                Notice(INSECURE_INDEX, f"package source {url} has verify_ssl = false", line, url)
            )
    for section, dev in (("packages", False), ("dev-packages", True)):
        table = data.get(section)
        if not isinstance(table, dict):
            continue
        for name, spec in table.items():
            match = re.search(rf"(?m)^\s*[\"']?{re.escape(name)}[\"']?\s*=", text)
            line = text.count("\n", 0, match.start()) + 1 if match else None
            if isinstance(spec, dict) and isinstance(spec.get("git"), str):
                ref = spec.get("ref") or ""
                url = f"git+{spec['git']}" + (f"@{ref}" if ref else "")
                result.dependencies.append(
                    Dependency(PYPI, name, None, line, spec=url, dev=dev, direct=True, source="vcs")
                )
                notice = url_notice(url, name, line, hashed=False)
                if notice:
                    result.notices.append(notice)
                continue
            version_spec = spec if isinstance(spec, str) else (spec or {}).get("version", "*")
            exact = str(version_spec)[2:] if str(version_spec).startswith("==") else None
            result.dependencies.append(
                Dependency(PYPI, name, exact, line, spec=str(version_spec), dev=dev, direct=True)
            )
            indexed = isinstance(spec, dict) and "index" in spec
            if len(sources) > 1 and not indexed:
                result.notices.append(
                    Notice(
                        EXTRA_INDEX,
                        f"{name} is not tied to one of the {len(sources)} package sources: a"
                        " package of the same name on another index can be installed instead",
                        line,
                        f"{name} = {spec!r}",
                        name,
                    )
                )
    return result


def _first_line(text: str, needle: str) -> int | None:
    at = text.find(needle) if needle else -1
    return text.count("\n", 0, at) + 1 if at >= 0 else None
