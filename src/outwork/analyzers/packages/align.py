"""Statements of a Python or JavaScript module by structure, for comparing two releases.

Each statement is keyed by its scope (the functions and classes around it) and its shape: the
syntax tree with every string constant blanked and nested blocks left out (a compound
statement is its header; its body's statements are statements of their own). Two releases'
statements are then aligned by key with a sequence matcher, so code that moved down a file keeps
its partner and a statement that differs only in a string constant is the same statement with
another constant. Nothing is run; a module that does not parse has no statements.
"""

from __future__ import annotations

import ast
import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import tree_sitter
import tree_sitter_javascript

#: Statements of one module beyond which it is not aligned (the matcher is quadratic at worst).
MAX_STATEMENTS = 20_000
MAX_SOURCE = 8 * 1024 * 1024
_BLANK = "\x00"


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement: where it is, what it looks like without its strings, and its strings."""

    key: str
    line: int
    constants: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Swap:
    """A string constant replaced in an aligned statement."""

    old: str
    new: str
    old_line: int
    new_line: int


def statements(source: str, language: str) -> list[Statement] | None:
    """The module's statements in order, or None when it does not parse or is too large."""
    if len(source) > MAX_SOURCE:
        return None
    found = _python(source) if language == "python" else _javascript(source)
    if found is None or len(found) > MAX_STATEMENTS:
        return None
    return found


def swaps(old: list[Statement], new: list[Statement]) -> Iterator[Swap]:
    """String constants that differ between statements aligned by scope and shape."""
    matcher = difflib.SequenceMatcher(
        None, [s.key for s in old], [s.key for s in new], autojunk=False
    )
    for tag, i1, i2, j1, _j2 in matcher.get_opcodes():
        if tag != "equal":
            continue
        for offset in range(i2 - i1):
            before, after = old[i1 + offset], new[j1 + offset]
            for a, b in zip(before.constants, after.constants, strict=False):
                if a != b:
                    yield Swap(a, b, before.line, after.line)


def strings(found: list[Statement]) -> Iterator[tuple[str, int]]:
    """Every string constant of the statements with its line."""
    for statement in found:
        for value in statement.constants:
            yield value, statement.line


# --- Python ------------------------------------------------------------------------------------


def _python(source: str) -> list[Statement] | None:
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    out: list[Statement] = []
    try:
        _python_body(tree.body, "", out)
    except RecursionError:
        return None
    return out


_BODIES = ("body", "orelse", "finalbody")


def _python_body(body: list[ast.stmt], scope: str, out: list[Statement]) -> None:
    for index, node in enumerate(body):
        if index == 0 and _docstring(node):
            continue
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            inner = f"{scope}.{node.name}" if scope else node.name
            header: list[ast.AST] = list(node.decorator_list)
            if isinstance(node, ast.ClassDef):
                header += [*node.bases, *node.keywords]
            else:
                header.append(node.args)
            out.append(_python_statement(f"def {node.name}", header, scope, node.lineno))
            _python_body(node.body, inner, out)
            continue
        parts = _python_header(node)
        if parts is None:
            out.append(_python_statement(type(node).__name__, [node], scope, node.lineno))
            continue
        out.append(_python_statement(type(node).__name__, parts, scope, node.lineno))
        for field in _BODIES:
            nested = getattr(node, field, None)
            if isinstance(nested, list):
                _python_body(nested, scope, out)
        for handler in getattr(node, "handlers", ()):
            _python_body(handler.body, scope, out)
        for case in getattr(node, "cases", ()):
            _python_body(case.body, scope, out)


def _docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def _python_header(node: ast.stmt) -> list[ast.AST] | None:
    """The parts of a compound statement outside its bodies; None for a simple statement."""
    if isinstance(node, ast.If | ast.While):
        return [node.test]
    if isinstance(node, ast.For | ast.AsyncFor):
        return [node.target, node.iter]
    if isinstance(node, ast.With | ast.AsyncWith):
        return list(node.items)
    if isinstance(node, ast.Try | ast.TryStar):
        return [h.type for h in node.handlers if h.type is not None]
    if isinstance(node, ast.Match):
        return [node.subject, *(c.pattern for c in node.cases)]
    return None


def _python_statement(kind: str, parts: list[ast.AST], scope: str, line: int) -> Statement:
    tokens: list[str] = []
    constants: list[str] = []
    for part in parts:
        _python_shape(part, tokens, constants)
    return Statement(f"{scope}|{kind}|{' '.join(tokens)}", line, tuple(constants))


def _python_shape(root: ast.AST, tokens: list[str], constants: list[str]) -> None:
    """The node's fields in pre-order, string constants blanked (collected in ``constants``):
    what ``ast.dump`` shows without its formatting, which cost most of a large diff."""
    stack: list[object] = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Constant):
            if isinstance(node.value, str):
                tokens.append(_BLANK)
                constants.append(node.value)
            else:
                tokens.append(repr(node.value))
        elif isinstance(node, ast.AST):
            tokens.append(type(node).__name__)
            stack.extend(reversed([getattr(node, name, None) for name in node._fields]))
        elif isinstance(node, list):
            tokens.append(f"[{len(node)}")
            stack.extend(reversed(node))
        else:
            tokens.append(str(node))


# --- JavaScript --------------------------------------------------------------------------------

_JS_SIMPLE = frozenset(
    {
        "expression_statement",
        "lexical_declaration",
        "variable_declaration",
        "return_statement",
        "throw_statement",
        "import_statement",
        "export_statement",
    }
)
_JS_NAMED = frozenset(
    {
        "function_declaration",
        "generator_function_declaration",
        "class_declaration",
        "method_definition",
    }
)
_JS_BLOCKS = frozenset({"statement_block", "class_body", "switch_body"})
_JS_STRINGS = frozenset({"string", "template_string"})
_JS_LEAVES = frozenset(
    {"identifier", "property_identifier", "shorthand_property_identifier", "number", "regex"}
)
MAX_NODES = 3_000_000


@cache
def _js_parser() -> Any:
    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_javascript.language()))


def _javascript(source: str) -> list[Statement] | None:
    tree = _js_parser().parse(source.encode("utf-8", "surrogatepass"))
    out: list[Statement] = []
    budget = [MAX_NODES]
    # an explicit stack: minified bundles nest deeper than Python's recursion allows
    stack: list[tuple[Any, str]] = [(tree.root_node, "")]
    while stack:
        node, scope = stack.pop()
        if budget[0] <= 0:
            return None
        children = list(reversed(node.named_children))
        if node.type in _JS_SIMPLE or node.type in _JS_NAMED or node.type.endswith("_statement"):
            name = node.child_by_field_name("name") if node.type in _JS_NAMED else None
            label = _text(name) if name is not None else ""
            tokens: list[str] = []
            constants: list[str] = []
            blocks: list[Any] = []
            _js_shape(node, tokens, constants, blocks, budget)
            kind = node.type + (f" {label}" if label else "")
            out.append(
                Statement(
                    f"{scope}|{kind}|{' '.join(tokens)}", node.start_point[0] + 1, tuple(constants)
                )
            )
            inner = f"{scope}.{label}" if label else scope
            stack.extend((block, inner) for block in reversed(blocks))
            continue
        stack.extend((child, scope) for child in children)
    return out


def _js_shape(
    root: Any, tokens: list[str], constants: list[str], blocks: list[Any], budget: list[int]
) -> None:
    """The statement's tokens with strings blanked (collected in ``constants``) and its nested
    blocks left out (collected in ``blocks``, aligned as statements of their own)."""
    stack = [root]
    while stack:
        node = stack.pop()
        budget[0] -= 1
        if node is not root and node.type in _JS_BLOCKS:
            tokens.append("{}")
            blocks.append(node)
            continue
        if node.type in _JS_STRINGS:
            tokens.append(_BLANK)
            constants.append(_string_value(node))
            continue
        if node.type in _JS_LEAVES:
            tokens.append(_text(node))
            continue
        tokens.append(node.type)
        stack.extend(reversed(node.children))


def _text(node: Any) -> str:
    raw: bytes = node.text or b""
    return raw.decode("utf-8", "replace")


def _string_value(node: Any) -> str:
    text = _text(node)
    return text[1:-1] if len(text) >= 2 else text
