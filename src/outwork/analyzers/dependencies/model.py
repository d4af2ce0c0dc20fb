"""What the lockfile parsers produce: dependencies with their line and purl, and notices for the
rules that need no advisory database (unpinned requirements, unverified URLs, extra indexes)."""

from __future__ import annotations

import bisect
import re
import urllib.parse
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

#: OSV ecosystem name -> purl type.
PURL_TYPES: dict[str, str] = {
    "PyPI": "pypi",
    "npm": "npm",
    "crates.io": "cargo",
    "Go": "golang",
    "RubyGems": "gem",
    "Maven": "maven",
    "Packagist": "composer",
    "NuGet": "nuget",
    "Hex": "hex",
    "Pub": "pub",
    "ConanCenter": "conan",
}
ECOSYSTEMS_BY_PURL_TYPE: dict[str, str] = {v: k for k, v in PURL_TYPES.items()}

_PEP503_RE = re.compile(r"[-_.]+")


@dataclass(frozen=True, slots=True)
class Dependency:
    """One package a project or environment uses, as its lockfile or manifest states it.

    ``version`` is the exact version when the file pins or locks one, else None (a range in a
    manifest): only exact versions are matched against advisories.
    """

    ecosystem: str
    name: str
    version: str | None
    line: int | None = None
    spec: str = ""
    dev: bool = False
    direct: bool | None = None
    #: registry, url, vcs, path
    source: str = "registry"

    @property
    def purl(self) -> str:
        return purl(self.ecosystem, self.name, self.version)


@dataclass(frozen=True, slots=True)
class Notice:
    """A database-independent observation; the analyzer maps ``code`` to its rule."""

    code: str
    message: str
    line: int | None = None
    evidence: str = ""
    subject: str | None = None


@dataclass(slots=True)
class ParseResult:
    dependencies: list[Dependency] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    #: the file format, for components and statistics (``poetry.lock``, ``package-lock v3`` ...)
    format: str = ""


def as_list(value: Any) -> list[Any]:
    """``value`` when the document holds a list there, else an empty list: a lockfile that puts
    a number where an array belongs is malformed, not a reason to fail."""
    return value if isinstance(value, list) else []


def _quote(text: str) -> str:
    return urllib.parse.quote(text, safe=".-_~+")


@lru_cache(maxsize=65536)
def purl(ecosystem: str, name: str, version: str | None) -> str:
    """A Package URL for a dependency (purl-spec type rules for names and namespaces)."""
    ptype = PURL_TYPES.get(ecosystem, ecosystem.lower())
    namespace = ""
    short = name
    if ptype == "pypi":
        short = _PEP503_RE.sub("-", name).lower()
    elif ptype == "npm" and name.startswith("@") and "/" in name:
        namespace, short = name.split("/", 1)
    elif ptype == "maven" and ":" in name:
        namespace, short = name.split(":", 1)
    elif ptype in ("golang", "composer") and "/" in name:
        namespace, short = name.rsplit("/", 1)
        if ptype == "composer":
            namespace, short = namespace.lower(), short.lower()
    text = f"pkg:{ptype}/"
    if namespace:
        text += "/".join(_quote(p) for p in namespace.split("/")) + "/"
    text += _quote(short)
    if version:
        text += "@" + _quote(version)
    return text


def parse_purl(text: str) -> tuple[str, str, str | None] | None:
    """``pkg:npm/%40a/b@1.0`` -> (``npm``, ``@a/b``, ``1.0``); None for unknown types."""
    if not text.startswith("pkg:"):
        return None
    rest = text[4:].split("#", 1)[0].split("?", 1)[0]
    version: str | None = None
    if "@" in rest.rsplit("/", 1)[-1]:
        rest, version = rest.rsplit("@", 1)
        version = urllib.parse.unquote(version)
    parts = [urllib.parse.unquote(p) for p in rest.strip("/").split("/")]
    if len(parts) < 2:
        return None
    ptype = parts[0].lower()
    ecosystem = ECOSYSTEMS_BY_PURL_TYPE.get(ptype)
    if ecosystem is None:
        return None
    names = parts[1:]
    if ptype == "maven":
        name = ":".join(names) if len(names) == 2 else "/".join(names)
    else:
        name = "/".join(names)
    return ecosystem, name, version


class LineIndex:
    """Offsets to 1-based line numbers, and forward searches that keep document order."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts = [0]
        start = text.find("\n")
        while start != -1:
            self._starts.append(start + 1)
            start = text.find("\n", start + 1)
        self.cursor = 0

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self._starts, offset)

    def find(self, needle: str, *, advance: bool = True, start: int | None = None) -> int | None:
        """The line of the next occurrence of ``needle`` after the cursor (or ``start``)."""
        at = self.text.find(needle, self.cursor if start is None else start)
        if at == -1:
            return None
        if advance:
            self.cursor = at + len(needle)
        return self.line_of(at)

    def search(self, pattern: re.Pattern[str], *, advance: bool = True) -> int | None:
        match = pattern.search(self.text, self.cursor)
        if match is None:
            return None
        if advance:
            self.cursor = match.end()
        return self.line_of(match.start())
