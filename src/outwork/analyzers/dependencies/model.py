"""What the lockfile parsers produce: dependencies with their line and purl, and notices for the
rules that need no advisory database (unpinned requirements, unverified URLs, extra indexes)."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Any

from outwork.core.purl import purl


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
