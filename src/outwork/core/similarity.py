"""Name similarity: the edit distance behind the typosquatting rules of every layer (packages
that imitate popular packages, actions that imitate popular actions)."""

from __future__ import annotations


def one_edit_apart(a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` are at Damerau-Levenshtein distance exactly one: one insertion,
    deletion or substitution of a character, or one swap of two adjacent characters."""
    if a == b:
        return False
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diffs) == 1:
            return True
        return (
            len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and a[diffs[0]] == b[diffs[1]]
            and a[diffs[1]] == b[diffs[0]]
        )
    if len(a) > len(b):
        a, b = b, a
    if len(b) - len(a) != 1:
        return False
    # one deletion from b gives a: deleting at the first difference is enough (any later
    # deletion that works only moves within a run of equal characters)
    first = 0
    while first < len(a) and a[first] == b[first]:
        first += 1
    return a[first:] == b[first + 1 :]
