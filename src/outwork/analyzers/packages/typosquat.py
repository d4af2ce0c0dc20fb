"""Typosquatting: names that imitate a popular package of the same registry."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

from outwork.analyzers.packages.data import popular_modules, top_names, top_ranked
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
#: A name one edit or one affix away counts against any of the most downloaded names up to
#: this rank; below it, only against names of :data:`_FAR_LENGTH` characters or more. Short
#: names are dense: among the projects ranked 5,001-15,000 one in thirty is one edit from a
#: 5-7 letter name ranked below 1,000 (patch/hatch, scanpy/scapy), and squatters aim high.
_NEAR_RANK = 1000
_FAR_LENGTH = 8


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
    near = _near(registry)
    for affix in _AFFIXES:
        for stripped in (norm.removeprefix(affix), norm.removesuffix(affix)):
            if stripped != norm and len(stripped) >= 4 and _aimed_at(stripped, popular, near):
                return Squat(stripped, f"adds {affix!r}")
    for a, b in _HOMOGLYPHS:
        if a in norm and norm.replace(a, b) in popular:
            return Squat(norm.replace(a, b), f"homoglyph {a!r} for {b!r}")
    for target in top_ranked(registry):
        if (
            len(target) >= 5
            and abs(len(target) - len(norm)) <= 1
            and _aimed_at(target, popular, near)
            and one_edit_apart(norm, target)
        ):
            return Squat(target, "one character away")
    return None


@cache
def _near(registry: str) -> frozenset[str]:
    return frozenset(top_ranked(registry)[:_NEAR_RANK])


def _aimed_at(target: str, popular: frozenset[str], near: frozenset[str]) -> bool:
    """Whether a near miss of ``target`` counts: a popular name high in the ranking, or a long
    one (see :data:`_NEAR_RANK`)."""
    return target in near or (len(target) >= _FAR_LENGTH and target in popular)


@dataclass(frozen=True, slots=True)
class Shadow:
    """A top-level module a package ships that belongs to a popular project it is not."""

    module: str
    #: the member that makes the module importable (``requests/__init__.py``, ``yaml.py``)
    member: str
    owner: str


_EXTENSION = re.compile(r"^(?P<module>[A-Za-z_]\w*)\.(?:[\w-]+\.)?(?:so|pyd)$")


def top_level_modules(members: Iterable[str], prefixes: Iterable[str]) -> dict[str, str]:
    """Top-level modules an installation of these members creates -> the member that makes
    each: a regular package (``X/__init__.py``, whatever it holds: one that only extends its
    ``__path__`` still runs first), a module ``X.py`` or an extension ``X.*.so``/``X.pyd``,
    directly under one of ``prefixes`` (a wheel's root and its ``*.data/purelib|platlib/``; an
    sdist's top folder and its ``src/``). Implicit namespace portions (no ``__init__.py``)
    make none: a regular package of that name elsewhere on the path wins."""
    found: dict[str, str] = {}
    bases = tuple(sorted(set(prefixes), key=len, reverse=True))
    for member in members:
        base = next((b for b in bases if member.startswith(b)), None)
        if base is None:
            continue
        rel = member[len(base) :]
        parts = rel.split("/")
        if len(parts) == 2 and parts[1] == "__init__.py" and parts[0].isidentifier():
            found.setdefault(parts[0], member)
        elif len(parts) == 1 and parts[0].endswith(".py") and parts[0][:-3].isidentifier():
            found.setdefault(parts[0][:-3], member)
        elif len(parts) == 1 and (ext := _EXTENSION.match(parts[0])):
            found.setdefault(ext.group("module"), member)
    return found


def shadows(name: str, modules: Mapping[str, str]) -> list[Shadow]:
    """The popular modules among ``modules`` that ``name`` does not own. A popular project
    itself shadows nothing (its releases are compared by ``outwork diff``)."""
    norm = normalise(name)
    if norm in top_names("pypi"):
        return []
    table = popular_modules()
    out = []
    for module, member in sorted(modules.items()):
        owners = table.get(module)
        if owners and norm not in owners:
            ranked = [t for t in top_ranked("pypi") if t in owners]
            owner = ranked[0] if ranked else min(owners)
            out.append(Shadow(module, member, owner))
    return out
