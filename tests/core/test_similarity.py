"""The shared edit distance, against a direct computation of the Damerau-Levenshtein distance."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from outwork.core.similarity import one_edit_apart


def _osa_distance(a: str, b: str) -> int:
    """Optimal string alignment distance (Damerau-Levenshtein with adjacent swaps), by the
    textbook table."""
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        table[i][0] = i
    for j in range(len(b) + 1):
        table[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
    return table[len(a)][len(b)]


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("requests", "requests", False),  # the same name imitates nothing
        ("requests", "reqests", True),  # deletion
        ("requests", "rrequests", True),  # insertion
        ("requests", "requezts", True),  # substitution
        ("requests", "reqeusts", True),  # adjacent swap
        ("requests", "reuqests", True),
        ("requests", "rqeuests", True),
        ("requests", "sequester", False),
        ("actions/checkout", "actions/chekcout", True),
        ("actions/checkout", "actions/checkou", True),
        ("actions/checkout", "action/checkou", False),  # two edits
        ("abc", "cba", False),  # a swap of characters that are not adjacent
        ("aab", "ab", True),  # a deletion inside a run of equal characters
        ("", "a", True),
        ("ab", "abcd", False),
    ],
)
def test_one_edit_apart(a: str, b: str, expected: bool) -> None:
    assert one_edit_apart(a, b) is expected
    assert one_edit_apart(b, a) is expected


@given(st.text("abc-", max_size=7), st.text("abc-", max_size=7))
def test_agrees_with_the_distance_table(a: str, b: str) -> None:
    assert one_edit_apart(a, b) is (_osa_distance(a, b) == 1)
