"""A large JavaScript file parsed in windows, so that no syntax tree outgrows the per-file memory
budget (:attr:`~outwork.core.budgets.Budgets.max_tree_bytes`).

tree-sitter's tree costs tens of bytes per byte of dense source (minified JavaScript): one tree of
a 2 MB bundle is larger than everything else a scan holds. A file larger than the window is
parsed a window at a time with tree-sitter's ``included_ranges``, so that every node keeps the
file's own byte offsets, lines and columns, and only one window's tree is alive at once.

- A window ends at a *cut*: the nodes starting before it are the window's, the others the next
  window's, which starts there. A cut is the start of a statement in a list of statements (a
  body, a block, the file), outside every literal, as near the window's end minus an eighth of
  the window as there is one: a construct starting before the cut is read whole when it is
  shorter than that eighth. A window with no such statement (one long expression, a literal
  longer than the window) grows until it has one.
- What is open at a window's edges is given to the parser as it would be in the whole file:
  the brackets open at its end are closed after it (read from a first parse of the window:
  tree-sitter keeps every token, recovered or not), and the functions, classes, objects, calls
  and blocks open at its start are opened again by a few bytes of code written over the end of
  the previous window (a ``prefix``, never analysed). So the window's nodes sit in a function,
  a class body or an object as they do in the whole file, rather than in the ERROR nodes
  tree-sitter recovers an unclosed edge into, and a method after a closed one is a method, not
  a call. A function written in the prefix stands for the file's own: :attr:`Window.aliases`
  maps its start to the start of the function it stands for.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
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
#: Nodes whose children are statements.
_STATEMENT_LISTS = frozenset(
    {"program", "statement_block", "switch_case", "switch_default", "class_static_block"}
)
#: Opening tokens and the token that closes each.
OPENERS = {"{": "}", "${": "}", "(": ")", "[": "]"}
CLOSERS = frozenset({"}", ")", "]"})
FUNCTIONS = frozenset(
    {
        "function_declaration",
        "function_expression",
        "function",
        "arrow_function",
        "method_definition",
        "generator_function",
        "generator_function_declaration",
    }
)
#: Parses of a window with its end closed, at most, until no bracket is left open at its end.
_REPARSES = 3
#: A prefix longer than this (nesting hundreds deep) is not written: the window starts bare.
_MAX_PREFIX = 4096

# What the prefix is read as at each point: statements, a class body, an object, an expression.
_STATEMENTS, _CLASS, _OBJECT, _EXPRESSION, _SWITCH = range(5)
#: What enters an expression from each context (a name to assign or a key to give it).
_ENTER = {_STATEMENTS: "", _CLASS: "_=", _OBJECT: "_:", _EXPRESSION: "", _SWITCH: "case "}
#: Bracketed nodes: the code that opens one from an expression, and what is read inside it.
_OPENS = {
    "object": ("{", _OBJECT),
    "class_body": ("class{", _CLASS),
    "array": ("[", _EXPRESSION),
    "arguments": ("_(", _EXPRESSION),
    "parenthesized_expression": ("(", _EXPRESSION),
    "formal_parameters": ("(", _EXPRESSION),
    "template_substitution": ("`${", _EXPRESSION),
}


@dataclass(frozen=True, slots=True)
class Span:
    """Where a window is parsed: ``prefix`` at the bytes before ``start``, the file from ``start``
    to ``end``, then ``closers``. Its nodes starting in ``[start, cut)`` are its own."""

    start: int
    end: int
    cut: int
    prefix: bytes = b""
    closers: bytes = b""
    #: Where the prefix's functions start -> where the functions they stand for start.
    aliases: dict[int, int] = field(default_factory=dict, hash=False)

    def parse(self, language: Any, source: bytes) -> Any:
        """The window's tree (again, for a second pass: the same tree)."""
        if not self.prefix and not self.closers and (self.start, self.end) == (0, len(source)):
            return tree_sitter.Parser(language).parse(source)
        return _parse(language, source, self.start, self.end, self.prefix, self.closers)

    def owns(self, node: Any) -> bool:
        return self.start <= int(node.start_byte) < self.cut


@dataclass(slots=True)
class Window:
    """One parsed window. Its tree is let go when the next window is asked for (set to None),
    so that two trees are never alive at once, whatever the caller still holds."""

    tree: Any
    span: Span


def window_bytes(budgets: Budgets) -> int:
    """Bytes of source parsed into one tree under ``budgets``."""
    return max(MIN_WINDOW, budgets.max_tree_bytes // TREE_BYTES_PER_SOURCE_BYTE)


def windows(language: Any, source: bytes, size: int) -> Iterator[Window]:
    """``source`` parsed window by window, each about ``size`` bytes; the whole file as one
    window when it fits. The caller drops each window's tree before asking for the next."""
    if len(source) <= size:
        whole = Span(0, len(source), len(source))
        yield Window(whole.parse(language, source), whole)
        return
    start, prefix, aliases = 0, b"", dict[int, int]()
    while start < len(source):
        end = min(len(source), start + size)
        while True:
            tree, span = _window(
                language, source, Span(start, end, len(source), prefix, b"", aliases)
            )
            if span.end == len(source):
                break
            strict = end - start < 4 * size
            cut = _cut(tree.root_node, start, span.end, size, strict=strict)
            if cut is not None:
                span = replace(span, cut=cut)
                break
            del tree  # one tree alive at a time
            end = min(len(source), end + size)
        if span.cut < len(source):
            prefix, starts = _prefix(tree.root_node, span)
            lead, base, _ = _lead(source, span.cut, prefix)
            prefix = prefix if lead else b""
            aliases = {base + offset: real for offset, real in starts} if lead else {}
        window = Window(tree, span)
        del tree
        yield window
        window.tree = None
        start = span.cut


def _window(language: Any, source: bytes, span: Span) -> tuple[Any, Span]:
    """The tree of a window ending at ``span.end``, with the brackets open there closed."""
    tree = span.parse(language, source)
    if span.end == len(source):
        return tree, span
    end, closers = _closers(tree.root_node, span.start, span.end)
    for _ in range(_REPARSES):
        del tree  # one tree alive at a time
        span = replace(span, end=end, closers=closers)
        tree = span.parse(language, source)
        # a tree with its end closed may show brackets the first one hid in ERROR
        more = _open_at_end(tree.root_node, end + len(closers))
        if not more:
            break
        closers += more
    return tree, span


def context(root: Any, at: int) -> list[Any]:
    """The nodes open at byte ``at`` (starting before it), outermost first, the file's root
    left out."""
    chain: list[Any] = []
    node = root.descendant_for_byte_range(at, at)
    while node is not None and node.parent is not None:
        if node.start_byte < at:
            chain.append(node)
        node = node.parent
    return chain[::-1]


def _parse(
    language: Any, source: bytes, start: int, end: int, prefix: bytes, closers: bytes
) -> Any:
    """``prefix`` just before ``start``, ``source[start:end]``, then ``closers``: at the file's
    offsets, lines and columns."""
    lead, base, first = _lead(source, start, prefix)
    last_row, last_column = _point(source, end)
    stop = end + len(closers)
    span = tree_sitter.Range(first, (last_row, last_column + len(closers)), base, stop)
    # a copy of the file up to the window's end (one at a time): nodes' text is read from it
    text = b"".join((source[:base], lead, source[start:end], closers))
    return tree_sitter.Parser(language, included_ranges=[span]).parse(text)


def _lead(source: bytes, start: int, prefix: bytes) -> tuple[bytes, int, tuple[int, int]]:
    """The bytes written over the file's just before ``start`` for ``prefix`` (on the line
    before when it does not fit on ``start``'s own, so that lines and columns stay the file's),
    where they begin, and the line and column there; no bytes when they do not fit at all."""
    row, column = _point(source, start)
    if not prefix:
        return b"", start, (row, column)
    if column >= len(prefix):
        lead, first = prefix, (row, column - len(prefix))
    else:
        lead, first = prefix + b"\n" + b" " * column, (row - 1, 0)
    if row < 0 or start - len(lead) < 0 or (b"\n" in lead and row == 0):
        return b"", start, (row, column)
    return lead, start - len(lead), first


def _point(source: bytes, offset: int) -> tuple[int, int]:
    row = source.count(b"\n", 0, offset)
    return row, offset - (source.rfind(b"\n", 0, offset) + 1)


def _cut(root: Any, start: int, end: int, size: int, *, strict: bool) -> int | None:
    """The start of a statement in a list of statements, outside every literal, as near ``end``
    minus the overlap as there is one in the last three quarters of the window; None when there
    is none (the window must grow). Not ``strict`` (a window grown four times over without one),
    the start of any node outside a literal will do."""
    overlap = max(1, size // 8)
    for target in range(end - overlap, start + (end - start) // 4, -overlap):
        chain: list[Any] = []
        node = root.descendant_for_byte_range(target, target)
        while node is not None:
            chain.append(node)
            node = node.parent
        literal = max((i for i, n in enumerate(chain) if _is_literal(n)), default=-1)
        if literal >= 0 and _literal_start(chain[literal]) <= start:
            return None  # a literal longer than the window
        for node in chain[literal + 1 :]:
            if int(node.start_byte) <= start:
                break
            if not strict or (node.parent is not None and node.parent.type in _STATEMENT_LISTS):
                return int(node.start_byte)
    return None


def _is_literal(node: Any) -> bool:
    """A literal, or a part of one the window's end left open (tree-sitter's ERROR)."""
    return node.type in _LITERALS or (
        node.type in _LITERAL_PARTS and node.parent is not None and node.parent.type == "ERROR"
    )


def _literal_start(node: Any) -> int:
    if node.type in _LITERALS:
        return int(node.start_byte)
    quote = node.prev_sibling  # where the unterminated literal opens: its quote
    return (
        int(quote.start_byte) if quote is not None and not quote.is_named else node.start_byte - 1
    )


def unclosed(node: Any, at: int) -> list[str]:
    """The closers of the brackets among ``node``'s own tokens that open before byte ``at`` and
    do not close before it, in the order they opened."""
    pending: list[str] = []
    for child in node.children:
        if child.start_byte >= at:
            break
        if child.is_named:
            continue
        if child.type in OPENERS:
            pending.append(OPENERS[child.type])
        elif child.type in CLOSERS and pending:
            pending.pop()
    return pending


def _closers(root: Any, start: int, end: int) -> tuple[int, bytes]:
    """Where a window's text ends (before a literal or comment open at ``end``: closers after
    it would be read as its text) and the closers of the brackets open there, innermost first."""
    node = root.descendant_for_byte_range(end - 1, end)
    chain: list[Any] = []
    while node is not None:
        chain.append(node)
        if _is_literal(node) and start < _literal_start(node) < end:
            end, chain = _literal_start(node), []  # after the cut: the next window reads it
            node = root.descendant_for_byte_range(end - 1, end)
        else:
            node = node.parent
    return end, "".join(c for node in chain for c in reversed(unclosed(node, end))).encode()


def _open_at_end(root: Any, stop: int) -> bytes:
    """The closers of the brackets still open at ``stop``, the end of a window's closers."""
    chain: list[Any] = []
    node = root.descendant_for_byte_range(stop - 1, stop)
    while node is not None:
        chain.append(node)
        node = node.parent
    return "".join(c for node in chain for c in reversed(unclosed(node, stop))).encode()


def _prefix(root: Any, span: Span) -> tuple[bytes, list[tuple[int, int]]]:
    """The code that opens, for the window starting at ``span.cut``, what is open there: the
    functions (with the starts of the functions they stand for), classes, objects, calls, arrays,
    blocks and switch cases around the cut, each written from the context the one around it
    leaves (statements, a class body, an object, an expression)."""
    parts: list[str] = []
    starts: list[tuple[int, int]] = []  # (offset in the prefix, start of the real function)
    where = _STATEMENTS
    function: int | None = None
    for node in context(root, span.cut):
        kind = node.type
        if kind in FUNCTIONS:
            function = span.aliases.get(int(node.start_byte), int(node.start_byte))
            body = node.child_by_field_name("body")
            if body is not None and body.type != "statement_block":
                # an arrow's expression body: the arrow is written here
                text = _ENTER[where] + ("()=>" if where != _STATEMENTS else "_=()=>")
                starts.append((sum(map(len, parts)) + len(text) - 4, function))
                parts.append(text)
                where, function = _EXPRESSION, None
        elif kind == "statement_block":
            if function is not None:
                head = {_CLASS: "_(){", _OBJECT: "_(){", _EXPRESSION: "function(){"}.get(
                    where, "function _(){"
                )
                starts.append((sum(map(len, parts)), function))
                parts.append(head)
            else:
                parts.append("{")
            where, function = _STATEMENTS, None
        elif kind in _OPENS:
            text, inside = _OPENS[kind]
            lead = _ENTER[where]
            if where == _STATEMENTS and kind in ("object", "array", "class_body"):
                lead = "_="
            parts.append(lead + text)
            where, function = inside, None
        elif kind == "switch_body":
            parts.append("switch(_){")
            where = _SWITCH
        elif kind in ("switch_case", "switch_default"):
            parts.append("case _:")
            where = _STATEMENTS
        elif kind == "class_static_block":
            parts.append("static{")
            where = _STATEMENTS
    prefix = "".join(parts).encode()
    return (prefix, starts) if len(prefix) <= _MAX_PREFIX else (b"", [])
