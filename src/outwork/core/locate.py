"""The shared locator: turns logical positions (key paths) into lines and columns.

Analyzers report where a problem is in the terms of their format (``jobs.build.steps[2].run``);
a resolver registered here for the artifact's kind finds the line. Resolvers must be bounded and
must never execute anything; they return ``None`` when the position cannot be found.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace

from outwork.core import reference
from outwork.core.artifact import Kind
from outwork.core.findings import Finding

#: Inline suppression: ``outwork: ignore[CODE, other-name]`` or bare ``outwork: ignore``.
SUPPRESSION_RE = re.compile(r"outwork:\s*ignore(?:\[(?P<codes>[^\]]*)\])?", re.IGNORECASE)
#: Lines of source shown around a finding.
SNIPPET_CONTEXT = 2

#: ``(text, logical) -> (line, column)`` with 1-based numbers, or None.
Resolver = Callable[[str, str], "tuple[int, int] | None"]

_RESOLVERS: dict[Kind, Resolver | str] = {}


def register_resolver(kind: Kind, resolver: Resolver | str) -> None:
    """The resolver of ``kind``'s positions, or the ``"module:function"`` that names it,
    imported when a position of that kind is first resolved."""
    _RESOLVERS[kind] = resolver


def resolve(kind: Kind, text: str, logical: str) -> tuple[int, int] | None:
    resolver = _RESOLVERS.get(kind)
    if resolver is None:
        return None
    if isinstance(resolver, str):
        resolver = _RESOLVERS[kind] = reference.load(resolver)
    try:
        return resolver(text, logical)
    except (ValueError, KeyError, IndexError, RecursionError):
        return None


def suppression_codes(line: str) -> list[str] | None:
    """The codes an inline ``outwork: ignore`` on ``line`` names (``["ALL"]`` when bare), or
    None when the line has none."""
    if "outwork" not in line:
        return None
    match = SUPPRESSION_RE.search(line)
    if match is None:
        return None
    codes = match.group("codes")
    return [c.strip() for c in codes.split(",") if c.strip()] if codes else ["ALL"]


def code_frame(lines: list[str], line: int, end_line: int | None) -> tuple[tuple[int, str], ...]:
    """The numbered source lines shown around a finding at ``line`` (1-based)."""
    if not 1 <= line <= len(lines):
        return ()
    first = max(1, line - SNIPPET_CONTEXT)
    last = min(len(lines), (end_line or line) + SNIPPET_CONTEXT, line + 10)
    return tuple((n, lines[n - 1][:400]) for n in range(first, last + 1))


def annotate(finding: Finding, text: str) -> Finding:
    """A finding made after the scan (``Analyzer.finish``) in a text file it names, given what
    the engine gives the findings of an analysed artifact: its code frame and the inline
    suppression written on its line (the policy honours it like any other)."""
    line = finding.location.line
    if not isinstance(line, int):
        return finding
    lines = text.splitlines()
    snippet = (
        code_frame(lines, line, finding.location.end_line) if finding.rule.quotes_source else ()
    )
    codes = suppression_codes(lines[line - 1]) if 1 <= line <= len(lines) else None
    properties = {**finding.properties, "_inline_markers": codes} if codes else finding.properties
    return replace(finding, snippet=snippet, properties=properties)
