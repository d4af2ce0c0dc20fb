"""Destination classes: who reads what package code sends to a constant address.

The classes, their weights and their documented sources are data (``data/destinations.toml``);
this module reads the table once and turns it into the patterns the rules use: one for every
class of a weight (``channel``, ``hosted``), one per class, and :func:`classify` for a message
that names the class.
"""

from __future__ import annotations

import pkgutil
import re
import tomllib
from dataclasses import dataclass
from functools import cache

from outwork.analyzers.packages import data as tables
from outwork.analyzers.packages.data import Prefiltered

WEIGHTS = ("channel", "hosted")
#: A host entry matches that host and its subdomains: not inside a longer label.
_BEFORE = r"(?<![a-z0-9_-])"
#: ... and a host entry ends where the host does (a path entry is a prefix of the path).
_AFTER = r"(?![a-z0-9_-]|\.[a-z0-9])"


@dataclass(frozen=True, slots=True)
class DestinationClass:
    """One class of the table."""

    name: str
    summary: str
    weight: str
    sources: tuple[str, ...]
    hosts: tuple[str, ...]
    #: (regular expression, keyword every match holds)
    patterns: tuple[tuple[str, str], ...]

    def alternatives(self) -> list[tuple[str, str]]:
        """(expression, keyword) for each entry of the class."""
        out = [
            (_BEFORE + re.escape(h) + ("" if "/" in h else _AFTER), h.lower()) for h in self.hosts
        ]
        out.extend(self.patterns)
        return out

    def pattern(self) -> Prefiltered:
        return _prefiltered(self.alternatives())


@cache
def table() -> tuple[DestinationClass, ...]:
    """The classes of ``destinations.toml``, in the file's order."""
    data = pkgutil.get_data("outwork.analyzers.packages.data", "destinations.toml")
    if data is None:
        raise FileNotFoundError("destinations.toml is missing from outwork.analyzers.packages.data")
    classes = []
    for row in tomllib.loads(data.decode("utf-8"))["class"]:
        weight = str(row["weight"])
        if weight not in WEIGHTS:
            raise ValueError(f"destination class {row['name']}: unknown weight {weight!r}")
        classes.append(
            DestinationClass(
                name=str(row["name"]),
                summary=str(row["summary"]),
                weight=weight,
                sources=tuple(row["sources"]),
                hosts=tuple(h.lower() for h in row.get("hosts", ())),
                patterns=tuple((p["regex"], p["keyword"]) for p in row.get("patterns", ())),
            )
        )
    return tuple(classes)


@cache
def weighed(weight: str) -> Prefiltered:
    """Every entry of the classes of one weight, as one pattern."""
    return _prefiltered([a for c in table() if c.weight == weight for a in c.alternatives()])


@cache
def named(*names: str) -> Prefiltered:
    """The entries of the named classes, as one pattern."""
    return _prefiltered([a for c in table() if c.name in names for a in c.alternatives()])


@cache
def _patterns() -> tuple[tuple[DestinationClass, Prefiltered], ...]:
    return tuple((c, c.pattern()) for c in table())


def suspicious(text: str) -> bool:
    """Whether ``text`` names a ``channel`` destination, or a URL shaped like a payload or a
    collector (``.php``, a program in raw repository content)."""
    return bool(weighed("channel").search(text) or tables.PAYLOAD_URL_RE.search(text))


def hosted(text: str) -> bool:
    """Whether ``text`` names a ``hosted`` destination (a free serverless or app host)."""
    return weighed("hosted").search(text) is not None


def describe(texts: list[str]) -> str:
    """What the first suspicious address among ``texts`` is, for a finding's message."""
    for text in texts:
        destination = classify(text)
        if destination is not None and destination.weight == "channel":
            return f"{destination.summary} ({destination.name})"
    return "a payload or collector URL"


def classify(text: str) -> DestinationClass | None:
    """The first class (in the table's order) an address in ``text`` belongs to."""
    for destination, pattern in _patterns():
        if pattern.search(text):
            return destination
    return None


def _prefiltered(alternatives: list[tuple[str, str]]) -> Prefiltered:
    source = "|".join(expression for expression, _ in alternatives)
    keywords = tuple(dict.fromkeys(keyword for _, keyword in alternatives))
    return Prefiltered(source, keywords)
