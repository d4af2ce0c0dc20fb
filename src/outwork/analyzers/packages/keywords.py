"""Every place a fixed set of keywords occurs in a text, found in one pass.

The packages layer screens whole modules for dozens of words (runtime APIs, credential stores,
sandbox probes). One substring search per word reads a module once per word; an Aho-Corasick
automaton (``ahocorasick_rs``) reads it once for all of them.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable

from ahocorasick_rs import AhoCorasick


class Keywords:
    """A set of literal keywords (case-sensitive), with the automaton that finds them built on
    first use."""

    __slots__ = ("_automaton", "words")

    def __init__(self, words: Iterable[str]) -> None:
        self.words: tuple[str, ...] = tuple(dict.fromkeys(words))
        if not self.words or not all(self.words):
            raise ValueError("keywords are non-empty strings")
        self._automaton: AhoCorasick | None = None

    def starts(self, text: str) -> list[int]:
        """The offset of every occurrence of every keyword in ``text``, overlapping ones
        included, in no particular order."""
        automaton = self._automaton
        if automaton is None:
            automaton = self._automaton = AhoCorasick(self.words)
        return [start for _, start, _ in automaton.find_matches_as_indexes(text, overlapping=True)]


def line_indices(starts: Iterable[int], ends: list[int]) -> list[int]:
    """The sorted indices of the lines holding the offsets ``starts``, where ``ends[i]`` is the
    offset of the line break after line ``i`` (past the last line: its own index)."""
    return sorted({bisect.bisect_right(ends, start) for start in starts})
