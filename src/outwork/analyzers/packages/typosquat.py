"""Typosquatting: names that imitate a popular package of the same registry."""

from __future__ import annotations

import re
from dataclasses import dataclass

from outwork.analyzers.packages.data import top_names, top_ranked
from outwork.core.similarity import one_edit_apart

_SEPARATORS = re.compile(r"[-_.]+")
_AFFIXES = (
    "python-",
    "py-",
    "py",
    "python3-",
    "-python",
    "-py",
    "-dev",
    "-lib",
    "2",
    "3",
    "-api",
    "-sdk",
    "-official",
    "-utils",
    "lib",
)
_HOMOGLYPHS = (("rn", "m"), ("0", "o"), ("1", "l"), ("vv", "w"), ("l", "i"), ("cl", "d"))


@dataclass(frozen=True, slots=True)
class Squat:
    """A popular name that a package's name imitates, and how it does."""

    target: str
    how: str


def normalise(name: str) -> str:
    return _SEPARATORS.sub("-", name.strip().lower())


def check(name: str, registry: str) -> Squat | None:
    """The popular name this one imitates, or None (also None for a popular name itself)."""
    popular = top_names(registry)
    norm = normalise(name)
    if norm in popular or name.strip().lower() in popular or len(norm) < 4:
        return None
    squashed = norm.replace("-", "")
    for target in top_ranked(registry):
        if len(target) < 4:
            continue
        if target.replace("-", "") == squashed:
            return Squat(target, "separators differ")
    for affix in _AFFIXES:
        for stripped in (norm.removeprefix(affix), norm.removesuffix(affix)):
            if stripped != norm and stripped in popular and len(stripped) >= 4:
                return Squat(stripped, f"adds {affix!r}")
    for a, b in _HOMOGLYPHS:
        if a in norm and norm.replace(a, b) in popular:
            return Squat(norm.replace(a, b), f"homoglyph {a!r} for {b!r}")
    for target in top_ranked(registry):
        if len(target) >= 5 and abs(len(target) - len(norm)) <= 1 and one_edit_apart(norm, target):
            return Squat(target, "one character away")
    return None
