"""The shared locator: turns logical positions (key paths) into lines and columns.

Analyzers report where a problem is in the terms of their format (``jobs.build.steps[2].run``);
a resolver registered here for the artifact's kind finds the line. Resolvers must be bounded and
must never execute anything; they return ``None`` when the position cannot be found.
"""

from __future__ import annotations

from collections.abc import Callable

from outwork.core import reference
from outwork.core.artifact import Kind

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
