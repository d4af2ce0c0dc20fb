"""One pass over a text: every keyword of every row found at once, each row's pattern tried only
near its keywords, then the row's own checks (entropy, placeholders, structure)."""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from ahocorasick_rs import AhoCorasick

from outwork.analyzers.secrets import placement
from outwork.analyzers.secrets.formats import shannon_entropy
from outwork.analyzers.secrets.table import Candidate, Detector

#: Keyword occurrences followed in one text; past it the rest is reported as not scanned.
MAX_HITS = 50_000
#: Lines longer than this are minified or generated: generic rows skip them.
LONG_LINE = 4000
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


class Table:
    """The rows, and the automaton over all their keywords (built once per process)."""

    __slots__ = ("_automaton", "_owners", "prefixes", "rows")

    def __init__(self, rows: Iterable[Detector]) -> None:
        self.rows = tuple(rows)
        words: dict[str, list[Detector]] = defaultdict(list)
        for row in self.rows:
            for word in row.keywords:
                if word != word.lower() or not word:
                    raise ValueError(f"{row.id}: keyword {word!r} must be lower-case")
                words[word].append(row)
        self._owners = [tuple(rows_of) for rows_of in words.values()]
        #: What a provider's credential starts with: a generic row leaves such a value to the
        #: provider's row, which checks its structure (a GitHub token with a broken checksum
        #: is not a secret because it sits under ``token =``).
        self.prefixes = tuple(
            sorted({w for row in self.rows if not row.generic for w in row.keywords})
        )
        self._automaton = AhoCorasick(list(words))

    def hits(self, lowered: str) -> Iterable[tuple[int, int]]:
        """(owner index, offset) of every keyword occurrence, overlapping ones included."""
        for index, start, _ in self._automaton.find_matches_as_indexes(lowered, overlapping=True):
            yield index, start

    def owners(self, index: int) -> tuple[Detector, ...]:
        return self._owners[index]


@dataclass(slots=True)
class TextScan:
    candidates: list[Candidate] = field(default_factory=list)
    #: Keyword occurrences left unfollowed because of :data:`MAX_HITS`.
    dropped_hits: int = 0


def scan_text(text: str, table: Table, ctx: placement.FileContext) -> TextScan:
    # lower() keeps offsets only for ASCII (``"İ".lower()`` is two characters)
    lowered = text.lower() if text.isascii() else text.translate(_ASCII_LOWER)
    by_row: dict[str, list[int]] = defaultdict(list)
    rows: dict[str, Detector] = {}
    out = TextScan()
    count = 0
    for index, start in table.hits(lowered):
        count += 1
        if count > MAX_HITS:
            out.dropped_hits += 1
            continue
        for row in table.owners(index):
            if (row.generic and ctx.lockfile) or (row.config_only and not ctx.config):
                continue
            by_row[row.id].append(start)
            rows[row.id] = row
    found: dict[tuple[int, int], Candidate] = {}
    for row_id, starts in by_row.items():
        row = rows[row_id]
        for candidate in _row_matches(text, row, sorted(starts)):
            if row.generic and candidate.value.lower().startswith(table.prefixes):
                continue
            key = (candidate.start, candidate.end)
            if key not in found or found[key].detector.priority < row.priority:
                found[key] = candidate
    out.candidates = without_overlaps(list(found.values()))
    return out


def _row_matches(text: str, row: Detector, starts: list[int]) -> Iterable[Candidate]:
    covered = -1
    for start in starts:
        if start < covered:
            continue
        high = min(len(text), start + row.reach)
        if row.generic and _line_length(text, start) > LONG_LINE:
            continue
        for match in _matches(text, row, start, high):
            covered = max(covered, match.end())
            candidate = _check(row, match.group("secret"), match)
            if candidate is not None:
                yield candidate


def _matches(text: str, row: Detector, start: int, high: int) -> Iterable[re.Match[str]]:
    """The row's matches near one keyword. A row anchored at the name holding its keyword
    (``api_key = ...``) is tried once, where that name starts, instead of at every position
    of a window: names are where assignments begin."""
    if row.anchor == "line":
        begin = text.rfind("\n", 0, start) + 1
        if start - begin > row.lookback:
            return
        found = row.pattern.match(text, begin, high)
        if found:
            yield found
        return
    if row.anchor == "name":
        begin = start
        floor = max(0, start - row.lookback)
        while begin > floor and text[begin - 1] in _NAME_CHARS:
            begin -= 1
        for at in dict.fromkeys((begin, start)):
            found = row.pattern.match(text, at, high)
            if found:
                yield found
                return
        return
    yield from row.pattern.finditer(text, max(0, start - row.lookback), high)


_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.$-")


def _check(row: Detector, value: str, match: re.Match[str]) -> Candidate | None:
    if not value or shannon_entropy(_body(value)) < row.min_entropy:
        return None
    groups = match.groupdict()
    name = groups.get("name") or ""
    if row.generic and (
        not placement.secret_name(name) or placement.generic_rejection(value, name)
    ):
        return None
    if placement.is_placeholder(value):
        return None
    structure = row.structure(match)
    if structure is None:
        return None
    start, end = match.span("secret")
    return Candidate(row, start, end, value, structure, name, match.span())


def _body(value: str) -> str:
    """The random part of a prefixed token (``ghp_``, ``sk_live_``), whose entropy counts."""
    for sep in ("_", "-"):
        head, found, tail = value.rpartition(sep)
        if found and len(tail) >= 16 and len(head) <= 16:
            return tail
    return value


def _line_length(text: str, offset: int) -> int:
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return (len(text) if end < 0 else end) - start


def without_overlaps(found: list[Candidate]) -> list[Candidate]:
    """Where two rows claim overlapping characters, the higher priority (then the longer
    match) is the one reported."""
    found.sort(key=lambda c: (-c.detector.priority, -(c.end - c.start), c.start))
    starts: list[int] = []
    kept: list[Candidate] = []
    for candidate in found:
        at = bisect.bisect_right(starts, candidate.start)
        if at and kept[at - 1].end > candidate.start:
            continue
        if at < len(kept) and kept[at].start < candidate.end:
            continue
        starts.insert(at, candidate.start)
        kept.insert(at, candidate)
    return kept
