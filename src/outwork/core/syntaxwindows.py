"""A large source file parsed in windows, so that no syntax tree outgrows the per-file memory
budget (:attr:`~outwork.core.budgets.Budgets.max_tree_bytes`).

tree-sitter's tree costs tens of bytes per byte of dense source (minified JavaScript): one tree of
a 2 MB bundle is larger than everything else a scan holds. A file larger than the window is
parsed a window at a time with tree-sitter's ``included_ranges``, so every node keeps the file's
own byte offsets, lines and columns, and only one window's tree is alive at once. Each window
ends at a *cut*: a node starting at or after the cut belongs to the next window, which starts
there; the part between the cut and the window's end (an eighth of the window) is parsed by both,
so that a construct starting before the cut is read whole when it is shorter than that overlap.

A cut is placed at the start of a statement (or, failing one, of a token) that is not inside a
string, template, regular expression or comment: the next window must never read the inside of
a literal as code. A literal longer than the window (an inlined base64 font) widens the window
until it ends: its tree is a handful of nodes, whatever its length.

Nothing of the file is left out; what a window cannot see is a construct longer than the overlap
that starts before its cut (a call whose arguments run past the window's end is read as tree-sitter
recovers it) and, for the callers, what they carry from one window to the next themselves.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import tree_sitter

from outwork.core.budgets import Budgets

#: Bytes of syntax tree per byte of source, measured on minified JavaScript, the densest source
#: there is (docs/benchmarks.md, "Peak memory of one file"), with some margin.
TREE_BYTES_PER_SOURCE_BYTE = 48
#: No window is smaller than this, whatever the budget says.
MIN_WINDOW = 4096
#: Nodes whose inside is not code: a cut never falls inside one.
_LITERALS = frozenset({"string", "template_string", "regex", "comment", "html_comment"})
#: What is inside a literal: met outside one, it is a literal the window's end left open.
_LITERAL_PARTS = frozenset({"string_fragment", "escape_sequence", "regex_pattern"})


@dataclass(slots=True)
class Window:
    """One parsed window: nodes starting in ``[start, cut)`` are this window's to analyse. Its
    tree is let go when the next window is asked for (set to None), so that two trees are never
    alive at once, whatever the caller still holds."""

    tree: Any
    start: int
    end: int
    cut: int


def window_bytes(budgets: Budgets) -> int:
    """Bytes of source parsed into one tree under ``budgets``."""
    return max(MIN_WINDOW, budgets.max_tree_bytes // TREE_BYTES_PER_SOURCE_BYTE)


def windows(language: Any, source: bytes, size: int) -> Iterator[Window]:
    """``source`` parsed window by window, each at most ``size`` bytes unless a literal longer
    than that forces it wider; the whole file as one window when it fits. The caller drops each
    window's tree before asking for the next."""
    if len(source) <= size:
        yield Window(tree_sitter.Parser(language).parse(source), 0, len(source), len(source))
        return
    start = 0
    while start < len(source):
        end = min(len(source), start + size)
        while True:
            tree = _parse(language, source, start, end)
            cut = len(source) if end == len(source) else _cut(tree.root_node, start, end, size)
            if cut is not None:
                break
            end = min(len(source), end + size)  # inside a literal longer than the window
        window = Window(tree, start, end, cut)
        del tree
        yield window
        window.tree = None
        start = cut


def parse_span(language: Any, source: bytes, start: int, end: int) -> Any:
    """The tree of ``source[start:end]`` as :func:`windows` made it (for a second pass)."""
    if start == 0 and end == len(source):
        return tree_sitter.Parser(language).parse(source)
    return _parse(language, source, start, end)


def _parse(language: Any, source: bytes, start: int, end: int) -> Any:
    return tree_sitter.Parser(language, included_ranges=[_range(source, start, end)]).parse(source)


def _range(source: bytes, start: int, end: int) -> Any:
    return tree_sitter.Range(_point(source, start), _point(source, end), start, end)


def _point(source: bytes, offset: int) -> tuple[int, int]:
    row = source.count(b"\n", 0, offset)
    return row, offset - (source.rfind(b"\n", 0, offset) + 1)


def _cut(root: Any, start: int, end: int, size: int) -> int | None:
    """Where the next window starts: a statement (else a token) near ``end`` minus the overlap,
    never inside a literal; None when that point lies in a literal that started at or before
    ``start`` (the window must grow)."""
    target = end - max(1, size // 8)
    leaf = root.descendant_for_byte_range(target, target)
    statement: int | None = None
    literal: int | None = None
    node = leaf
    while node is not None:
        begins = int(node.start_byte)
        if node.type in _LITERAL_PARTS and (
            node.parent is None or node.parent.type in ("ERROR", "program")
        ):
            begins = _opening(node)
            if begins <= start:
                return None
            literal = begins
        elif node.type in _LITERALS:
            if begins <= start:
                return None
            literal = begins  # a cut before the outermost literal, never inside it
        elif (
            statement is None
            and begins > start
            and node.type.endswith(("statement", "declaration"))
        ):
            statement = begins
        node = node.parent
    if literal is not None:
        return literal if statement is None or statement > literal else statement
    if statement is not None:
        return statement
    if leaf is not None and int(leaf.start_byte) > start:
        return int(leaf.start_byte)
    return None


def _opening(part: Any) -> int:
    """Where the literal a part of an unterminated literal belongs to opens: its quote."""
    quote = part.prev_sibling
    if quote is not None and not quote.is_named:
        return int(quote.start_byte)
    return int(part.start_byte) - 1
