"""Terraform expressions evaluated from the parse tree of python-hcl2's grammar, as far as the
module knows their inputs.

python-hcl2 hands an attribute's expression over as text (``${merge(local.a, {b = 1})}``); the
text is parsed again with the same grammar and its tree evaluated here: literals, strings and
heredocs with interpolations and ``%{ if }``/``%{ for }`` directives, references (through the
module: variables, locals, resources, data sources, module outputs, ``each``, ``count``,
``path``), operators, conditionals, ``for`` expressions, splats, and the functions of
:mod:`.functions` plus ``file``, ``templatefile``, ``jsonencode``, ``try`` and ``can``. A value
not known stays :class:`~.values.Unknown`, spelled as written, and the reference or function
that made it so is reported once by the module; values made from it are not known either,
without a second report.
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol

import hcl2
from lark import Token, Tree

from outwork.analyzers.identities.aws.terraform.functions import FUNCTIONS, NotKnownError
from outwork.analyzers.identities.aws.terraform.values import (
    Doc,
    Key,
    Missing,
    PartlyKnown,
    Sourced,
    Unknown,
)

if TYPE_CHECKING:
    from outwork.analyzers.identities.aws.terraform.module import Context

Node = Tree[Token] | Token
_ESCAPE_RE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|(.))", re.S)
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
_SKIP = frozenset({"new_line_or_comment"})
#: Characters of a template (``templatefile``, a heredoc) that is evaluated.
MAX_TEMPLATE_CHARS = 256 * 1024
#: Items a ``for`` expression or ``%{ for }`` directive makes.
MAX_ITERATIONS = 4096


class Scope(Protocol):
    """What an expression asks of the module that evaluates it."""

    #: Above zero while ``try``/``can`` arguments are tried: what they cannot know is not
    #: reported.
    quiet: int

    def resolve(
        self, head: str, parts: list[Any], text: str, context: Context, depth: int
    ) -> Any: ...

    def unknown(self, text: str, context: Context, why: str = "") -> Unknown: ...

    def spend(self, context: Context, depth: int) -> bool: ...

    def read_file(self, path: str, context: Context) -> Sourced | Unknown: ...

    def doc(self, document: Any, context: Context) -> Doc: ...


@lru_cache(maxsize=8192)
def parse(text: str) -> tuple[Node, str] | None:
    """The tree of one expression and the text it was parsed from; None when the grammar does
    not read it."""
    source = f"v = {text}\n"
    try:
        tree = hcl2.parses_to_tree(source)
    except RecursionError:
        return None
    except Exception:  # lark's errors: the text is no expression the grammar reads
        return None
    body = tree.children[0] if tree.children else None
    for child in body.children if isinstance(body, Tree) else []:
        if isinstance(child, Tree) and child.data == "attribute":
            return child.children[-1], source
    return None


def quote_template(text: str) -> str:
    """A template's text (a heredoc's body, a ``templatefile``) as an HCL quoted string: its
    literal text escaped, its ``${...}`` and ``%{...}`` sequences kept as they are."""
    out: list[str] = []
    i = 0
    while i < len(text):
        if text.startswith(("$${", "%%{"), i):
            out.append(text[i : i + 3])
            i += 3
        elif text.startswith(("${", "%{"), i):
            end = _sequence_end(text, i + 2)
            out.append(text[i:end].replace("\n", " ").replace("\r", " "))
            i = end
        else:
            char = text[i]
            out.append(
                {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char, char)
            )
            i += 1
    return '"' + "".join(out) + '"'


#: Evaluates a constant of a type (an ``optional`` default) written in ``source``.
Literal = Callable[[Tree[Token], str], Any]


def conform(value: Any, kind: str, literal: Literal) -> Any:
    """``value`` converted to the type ``kind`` declares (``map(object({a = optional(list(string))
    }))``) as far as objects go: an attribute the type declares and the value lacks is added,
    null or the default ``optional`` gives. Anything the type does not shape is left as it is."""
    text = kind[2:-1] if kind.startswith("${") and kind.endswith("}") else kind
    parsed = parse(text)
    if parsed is None:
        return value
    return _conform(value, parsed[0], parsed[1], literal)


def _conform(value: Any, node: Node, source: str, literal: Literal) -> Any:
    call = _type_call(node)
    if call is None or isinstance(value, Unknown):
        return value
    name, arguments = call
    if name in ("map", "list", "set") and arguments:
        if isinstance(value, dict) and name == "map":
            return {k: _conform(v, arguments[0], source, literal) for k, v in value.items()}
        if isinstance(value, list) and name != "map":
            return [_conform(v, arguments[0], source, literal) for v in value]
        return value
    if name == "optional" and arguments:
        return _conform(value, arguments[0], source, literal)
    if name != "object" or not arguments or not isinstance(value, dict):
        return value
    shape = _object_node(arguments[0])
    if shape is None:
        return value
    out = dict(value)
    for elem in _trees(shape):
        trees = _trees(elem)
        key = Evaluator.literal_key(trees[0])
        if key is None:
            continue
        if key in out:
            out[key] = _conform(out[key], trees[-1], source, literal)
        else:
            default = _type_call(trees[-1])
            if default is not None and default[0] == "optional" and len(default[1]) > 1:
                out[key] = literal(default[1][1], source)
            else:
                out[key] = None
    return out


def _type_call(node: Node) -> tuple[str, list[Tree[Token]]] | None:
    """A type constructor (``object(...)``, ``optional(...)``) and its arguments."""
    while isinstance(node, Tree) and node.data == "expr_term" and len(_children(node)) == 1:
        node = _children(node)[0]
    if not isinstance(node, Tree) or node.data != "function_call":
        return None
    names = [str(t.children[0]) for t in _trees(node) if t.data == "identifier"]
    arguments = next((t for t in _trees(node) if t.data == "arguments"), None)
    return (names[-1] if names else ""), (_trees(arguments) if arguments is not None else [])


def _object_node(node: Tree[Token]) -> Tree[Token] | None:
    current: Node = node
    while (
        isinstance(current, Tree) and current.data == "expr_term" and len(_children(current)) == 1
    ):
        current = _children(current)[0]
    return current if isinstance(current, Tree) and current.data == "object" else None


def blank_template(text: str) -> str:
    """A template's text with nothing known: directives dropped, an interpolation inside a JSON
    string kept as written (the evaluator reads ``${...}`` as not known), one outside strings
    made ``null``; what is left reads as the document the template writes, unless its text is
    broken whatever the values."""
    out: list[str] = []
    i = 0
    quoted = False
    while i < len(text):
        if text.startswith(("$${", "%%{"), i):
            out.append(text[i + 1 : i + 3])
            i += 3
        elif text.startswith("%{", i):
            i = _sequence_end(text, i + 2)
        elif text.startswith("${", i):
            end = _sequence_end(text, i + 2)
            out.append(text[i:end] if quoted else "null")
            i = end
        else:
            char = text[i]
            if char == "\\" and quoted:
                out.append(text[i : i + 2])
                i += 2
                continue
            if char == '"':
                quoted = not quoted
            out.append(char)
            i += 1
    return "".join(out)


def _sequence_end(text: str, start: int) -> int:
    """The index after the ``}`` that closes a ``${``/``%{`` opened before ``start``."""
    depth = 1
    quote = False
    i = start
    while i < len(text):
        char = text[i]
        if quote:
            if char == "\\":
                i += 1
            elif char == '"':
                quote = False
        elif char == '"':
            quote = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return len(text)


def unescape(text: str) -> str:
    def one(match: re.Match[str]) -> str:
        if match.group(1) or match.group(2):
            return chr(int(match.group(1) or match.group(2), 16))
        return _SIMPLE_ESCAPES.get(match.group(3), "\\" + match.group(3))

    return _ESCAPE_RE.sub(one, text)


def heredoc_body(token: str, trim: bool) -> str:
    """The text of a heredoc token (``<<EOT\\n...\\nEOT\\n``), its indentation removed for
    ``<<-``."""
    lines = token.split("\n")
    body = lines[1:-2] if lines and lines[-1] == "" else lines[1:-1]
    if trim:
        indents = [len(line) - len(line.lstrip()) for line in body if line.strip()]
        cut = min(indents, default=0)
        body = [line[cut:] for line in body]
    return "\n".join(body) + ("\n" if body else "")


def _children(node: Tree[Token]) -> list[Node]:
    return [
        c for c in node.children if not (isinstance(c, Tree) and c.data in _SKIP) and c is not None
    ]


def _trees(node: Tree[Token]) -> list[Tree[Token]]:
    return [c for c in _children(node) if isinstance(c, Tree)]


class Evaluator:
    """One expression's tree evaluated in a context."""

    def __init__(self, scope: Scope, context: Context, source: str, depth: int) -> None:
        self.scope = scope
        self.context = context
        self.source = source
        self.depth = depth

    def text(self, node: Node) -> str:
        """The source text of a node, as written."""
        if isinstance(node, Token):
            return str(node)
        tokens = list(node.scan_values(lambda v: isinstance(v, Token)))
        if not tokens:
            return ""
        start, end = tokens[0].start_pos, tokens[-1].end_pos
        if start is None or end is None:
            return " ".join(str(t) for t in tokens)
        return self.source[start:end]

    def unknown(self, node: Node, why: str = "") -> Unknown:
        return self.scope.unknown(self.text(node), self.context, why)

    def unknowable(self, node: Node) -> Unknown:
        """A value made from one already reported as not known: not reported again."""
        return Unknown("${" + self.text(node) + "}")

    # --- dispatch -------------------------------------------------------------------------

    def eval(self, node: Node) -> Any:
        self.depth += 1
        try:
            if not self.scope.spend(self.context, self.depth):
                return Unknown("${...}")
            if isinstance(node, Token):
                return self.token(node)
            method = _NODES.get(str(node.data))
            if method is None:
                return self.unknown(node, "an expression outwork does not evaluate")
            return method(self, node)
        finally:
            self.depth -= 1

    def token(self, token: Token) -> Any:
        if token.type == "NAME":
            return self.name(str(token), token)
        return self.unknown(token)

    def node_expr_term(self, node: Tree[Token]) -> Any:
        inner = [
            c for c in _children(node) if not (isinstance(c, Token) and c.type in ("LPAR", "RPAR"))
        ]
        return self.eval(inner[0]) if inner else None

    def node_int_lit(self, node: Tree[Token]) -> Any:
        return int(str(node.children[0]))

    def node_float_lit(self, node: Tree[Token]) -> Any:
        return float(str(node.children[0]))

    def node_literal_value(self, node: Tree[Token]) -> Any:
        return {"true": True, "false": False}.get(str(node.children[0]))

    def node_identifier(self, node: Tree[Token]) -> Any:
        return self.name(str(node.children[0]), node)

    def name(self, name: str, node: Node) -> Any:
        bindings = self.context.bindings
        if name in bindings:
            return bindings[name]
        return self.resolve(name, [], node)

    def node_tuple(self, node: Tree[Token]) -> Any:
        return [self.eval(c) for c in _trees(node)]

    def node_object(self, node: Tree[Token]) -> Any:
        out: dict[str, Any] = {}
        for elem in _trees(node):
            key_node, value_node = _trees(elem)[0], _trees(elem)[-1]
            key = self.key(key_node)
            if isinstance(key, Unknown):
                return key
            out[key] = self.eval(value_node)
        return out

    @staticmethod
    def literal_key(node: Tree[Token]) -> str | None:
        """An object key written as a bare name or a plain string; None for any other."""
        inner = _children(node)[0]
        if isinstance(inner, Tree) and inner.data == "keyword":
            return str(inner.children[0])
        if isinstance(inner, Tree) and inner.data == "expr_term":
            first = _children(inner)
            if len(first) == 1 and isinstance(first[0], Tree):
                if first[0].data == "identifier":
                    return str(first[0].children[0])
                if first[0].data == "string":
                    parts = _trees(first[0])
                    if all(isinstance(p.children[0], Token) for p in parts):
                        return "".join(unescape(str(p.children[0])) for p in parts)
        return None

    def key(self, node: Tree[Token]) -> Any:
        """An object key: a bare name is the key itself; anything else is evaluated."""
        inner = _children(node)[0]
        if isinstance(inner, Tree) and inner.data == "keyword":
            return str(inner.children[0])
        if isinstance(inner, Tree) and inner.data == "expr_term":
            first = _children(inner)
            if len(first) == 1 and isinstance(first[0], Tree) and first[0].data == "identifier":
                return str(first[0].children[0])
        found = self.eval(inner)
        if isinstance(found, Unknown):
            return found
        return _as_text(found) if not isinstance(found, str) else found

    # --- strings and templates ------------------------------------------------------------

    def node_string(self, node: Tree[Token]) -> Any:
        parts = [c for c in _children(node) if isinstance(c, Tree) and c.data == "string_part"]
        return self.template(parts)

    def node_template_string(self, node: Tree[Token]) -> Any:
        return unescape(str(node.children[0])[2:-2])

    def node_heredoc_template(self, node: Tree[Token]) -> Any:
        return self.heredoc(node, trim=False)

    def node_heredoc_template_trim(self, node: Tree[Token]) -> Any:
        return self.heredoc(node, trim=True)

    def heredoc(self, node: Tree[Token], trim: bool) -> Any:
        body = heredoc_body(str(node.children[0]), trim)
        if "${" not in body and "%{" not in body:
            return body
        return self.render(body, self.context)

    def render(self, body: str, context: Context) -> Any:
        """A template's text evaluated in ``context``."""
        if len(body) > MAX_TEMPLATE_CHARS:
            return self.scope.unknown("a template", context, "larger than the template budget")
        parsed = parse(quote_template(body))
        if parsed is None or not isinstance(parsed[0], Tree):
            return self.scope.unknown("a template", context, "not a template outwork reads")
        inner = Evaluator(self.scope, context, parsed[1], self.depth)
        return inner.eval(parsed[0])

    def template(self, parts: list[Tree[Token]]) -> Any:
        items = _template_items(parts)
        if len(items) == 1 and items[0][0] == "expr":
            return self.eval(items[0][1])  # a lone interpolation keeps its value's type
        pieces = self.pieces(items, 0, len(items))
        if all(isinstance(p, str) and not isinstance(p, Unknown) for p in pieces):
            return "".join(pieces)
        return Unknown("".join(pieces))

    def pieces(self, items: list[tuple[Any, ...]], start: int, stop: int) -> list[str]:
        """The rendered pieces of ``items[start:stop]``."""
        out: list[str] = []
        i = start
        while i < stop:
            kind = items[i][0]
            if kind == "text":
                out.append(items[i][1])
            elif kind == "expr":
                out.append(_piece(self.eval(items[i][1])))
            elif kind in ("if", "for"):
                middle, end = _close(items, i)
                render = self.directive_if if kind == "if" else self.directive_for
                out.extend(render(items, i, middle, end))
                i = end
            i += 1
        return out

    def directive_if(
        self, items: list[tuple[Any, ...]], i: int, middle: int | None, end: int
    ) -> list[str]:
        condition = self.eval(items[i][1])
        if not isinstance(condition, bool):
            return [self.unknowable(items[i][1])]
        if condition:
            return self.pieces(items, i + 1, middle if middle is not None else end)
        return self.pieces(items, middle + 1, end) if middle is not None else []

    def directive_for(
        self, items: list[tuple[Any, ...]], i: int, middle: int | None, end: int
    ) -> list[str]:
        _, names, collection = items[i]
        pairs = _pairs(self.eval(collection))
        if pairs is None:
            return [self.unknowable(collection)]
        out: list[str] = []
        size = 0
        for key, value in pairs[:MAX_ITERATIONS]:
            if not self.scope.spend(self.context, self.depth):
                return [Unknown("${...}")]
            bound = _bind(names, key, value)
            context = replace(self.context, bindings={**self.context.bindings, **bound})
            saved, self.context = self.context, context
            try:
                rendered = self.pieces(items, i + 1, end)
            finally:
                self.context = saved
            out.extend(rendered)
            size += sum(len(p) for p in rendered)
            if size > MAX_TEMPLATE_CHARS:
                return [self.unknown(collection, "repeated past the template budget")]
        return out

    # --- references -----------------------------------------------------------------------

    def node_get_attr_expr_term(self, node: Tree[Token]) -> Any:
        return self.reference(node)

    def node_index_expr_term(self, node: Tree[Token]) -> Any:
        return self.reference(node)

    def node_full_splat_expr_term(self, node: Tree[Token]) -> Any:
        return self.splat(node)

    def node_attr_splat_expr_term(self, node: Tree[Token]) -> Any:
        return self.splat(node)

    def chain(self, node: Tree[Token]) -> tuple[Node, list[Any]]:
        """A reference's base and its parts (attribute names, :class:`Key` indexes)."""
        parts: list[Any] = []
        current: Node = node
        while isinstance(current, Tree) and current.data in (
            "get_attr_expr_term",
            "index_expr_term",
        ):
            base, step = _trees(current)[0], _trees(current)[-1]
            parts.insert(0, self.part(step))
            current = base
        if isinstance(current, Tree) and current.data == "expr_term":
            inner = _children(current)
            if len(inner) == 1 and isinstance(inner[0], Tree):
                if inner[0].data in ("get_attr_expr_term", "index_expr_term"):
                    deeper, more = self.chain(inner[0])
                    return deeper, more + parts
                return inner[0], parts
        return current, parts

    def part(self, step: Tree[Token]) -> Any:
        inner = _children(step)
        if step.data == "get_attr":
            last = inner[-1]
            return str(last.children[0]) if isinstance(last, Tree) else str(last)
        if step.data == "short_index":
            return Key(int(str(inner[-1])))
        value = self.eval(_trees(step)[0])
        return Key(value)

    def reference(self, node: Tree[Token]) -> Any:
        base, parts = self.chain(node)
        if isinstance(base, Tree) and base.data == "identifier":
            name = str(base.children[0])
            if name in self.context.bindings:
                return self.walk(self.context.bindings[name], parts, node)
            return self.resolve(name, parts, node)
        return self.walk(self.eval(base), parts, node)

    def resolve(self, head: str, parts: list[Any], node: Node) -> Any:
        if any(isinstance(p, Key) and isinstance(p.value, Unknown) for p in parts):
            return self.unknowable(node)
        if self.context.template:
            return self.unknown(node, "not a variable the template is given")
        return self.scope.resolve(head, parts, self.text(node), self.context, self.depth)

    def walk(self, value: Any, parts: list[Any], node: Node) -> Any:
        for part in parts:
            index = part.value if isinstance(part, Key) else part
            if isinstance(value, Unknown):
                return value
            if isinstance(value, dict) and str(index) in value:
                value = value[str(index)]
            elif (
                isinstance(value, list)
                and isinstance(index, int)
                and -len(value) <= index < len(value)
            ):
                value = value[index]
            else:
                self.scope.unknown(self.text(node), self.context, "not in the value it names")
                return Missing("${" + self.text(node) + "}")
        return value

    def splat(self, node: Tree[Token]) -> Any:
        base, step = _trees(node)[0], _trees(node)[-1]
        items = self.eval(base)
        if isinstance(items, Unknown):
            return items
        if items is None:
            return []
        if not isinstance(items, list):
            items = [items]
        parts = [self.part(s) for s in _trees(step)]
        return [self.walk(item, parts, node) for item in items]

    # --- operators ------------------------------------------------------------------------

    def node_conditional(self, node: Tree[Token]) -> Any:
        condition, then, other = _trees(node)
        found = self.eval(condition)
        if isinstance(found, bool):
            return self.eval(then if found else other)
        if found is None or not isinstance(found, Unknown):
            return self.unknown(condition, "not a bool")
        return self.unknowable(node)

    def node_unary_op(self, node: Tree[Token]) -> Any:
        operator = str(node.children[0])
        value = self.eval(node.children[-1])
        if isinstance(value, Unknown):
            return value
        if operator == "!" and isinstance(value, bool):
            return not value
        if operator == "-" and isinstance(value, int | float) and not isinstance(value, bool):
            return -value
        return self.unknown(node, "an operator on a value of the wrong type")

    def node_binary_op(self, node: Tree[Token]) -> Any:
        left_node, term = _trees(node)
        operator = str(_trees(term)[0].children[0])
        right_node = _trees(term)[-1]
        left = self.eval(left_node)
        if operator in ("&&", "||"):
            decisive = operator == "||"
            if left is decisive:
                return decisive
            right = self.eval(right_node)
            if right is decisive:
                return decisive
            if isinstance(left, bool) and isinstance(right, bool):
                return not decisive
            return self.unknowable(node)
        right = self.eval(right_node)
        if isinstance(left, Unknown) or isinstance(right, Unknown):
            return self.unknowable(node)
        try:
            return _binary(operator, left, right)
        except (TypeError, ValueError, ZeroDivisionError, OverflowError):
            return self.unknown(node, "an operator on values of the wrong type")

    # --- for expressions ------------------------------------------------------------------

    def node_for_tuple_expr(self, node: Tree[Token]) -> Any:
        out: list[Any] = []
        for context in self.iterations(node):
            if context is None:
                return self.unknowable(node)
            keep = self.keep(node, context)
            if keep is None:
                return self.unknowable(node)
            if keep:
                out.append(self.within(context, _body(node)[0]))
        return out

    def node_for_object_expr(self, node: Tree[Token]) -> Any:
        grouping = any(isinstance(c, Token) and c.type == "ELLIPSIS" for c in node.children)
        out: dict[str, Any] = {}
        for context in self.iterations(node):
            if context is None:
                return self.unknowable(node)
            keep = self.keep(node, context)
            if keep is None:
                return self.unknowable(node)
            if not keep:
                continue
            key_node, value_node = _body(node)[:2]
            key = self.within(context, key_node)
            if key is None or isinstance(key, Unknown | dict | list):
                return self.unknowable(node)
            value = self.within(context, value_node)
            if grouping:
                out.setdefault(_as_text(key), []).append(value)
            else:
                out[_as_text(key)] = value
        return out

    def iterations(self, node: Tree[Token]) -> list[Context | None]:
        intro = next(c for c in _trees(node) if c.data == "for_intro")
        names = [str(c.children[0]) for c in _trees(intro) if c.data == "identifier"]
        collection = [c for c in _trees(intro) if c.data != "identifier"][-1]
        pairs = _pairs(self.eval(collection))
        if pairs is None:
            return [None]
        out: list[Context | None] = []
        for key, value in pairs[:MAX_ITERATIONS]:
            if not self.scope.spend(self.context, self.depth):
                return [None]
            bound = _bind(names, key, value)
            out.append(replace(self.context, bindings={**self.context.bindings, **bound}))
        return out

    def keep(self, node: Tree[Token], context: Context) -> bool | None:
        condition = next((c for c in _trees(node) if c.data == "for_cond"), None)
        if condition is None:
            return True
        found = self.within(context, _trees(condition)[0])
        return found if isinstance(found, bool) else None

    def within(self, context: Context, node: Node) -> Any:
        saved = self.context
        self.context = context
        try:
            return self.eval(node)
        finally:
            self.context = saved

    # --- functions ------------------------------------------------------------------------

    def node_function_call(self, node: Tree[Token]) -> Any:
        trees = _trees(node)
        names = [str(t.children[0]) for t in trees if t.data == "identifier"]
        name = names[-1] if names else ""
        arguments = next((t for t in trees if t.data == "arguments"), None)
        argument_nodes = _trees(arguments) if arguments is not None else []
        expand = arguments is not None and any(
            isinstance(c, Token) and c.type == "ELLIPSIS" for c in arguments.children
        )
        special = _CALLS.get(name) if len(names) == 1 else None
        if special is not None:
            return special(self, node, argument_nodes)
        function = FUNCTIONS.get(name) if len(names) == 1 else None
        if function is None:
            return self.unknown(node, f"made by {name}(), which outwork does not evaluate")
        values = [self.eval(a) for a in argument_nodes]
        if expand and values:
            if isinstance(values[-1], Unknown):
                return self.unknowable(node)
            values = values[:-1] + list(
                values[-1] if isinstance(values[-1], list) else [values[-1]]
            )
        try:
            return function(*values)
        except NotKnownError:
            return self.unknowable(node)
        except (TypeError, ValueError, IndexError, KeyError, OverflowError, RecursionError) as exc:
            return self.unknown(node, f"an error in Terraform ({type(exc).__name__})")

    def call_jsonencode(self, node: Tree[Token], arguments: list[Tree[Token]]) -> Any:
        if len(arguments) != 1:
            return self.unknown(node, "jsonencode() takes one argument")
        value = self.eval(arguments[0])
        if isinstance(value, Unknown):
            return value
        return self.scope.doc(value, self.context)

    def call_try(self, node: Tree[Token], arguments: list[Tree[Token]]) -> Any:
        for argument in arguments[:-1]:
            self.scope.quiet += 1
            try:
                found = self.eval(argument)
            finally:
                self.scope.quiet -= 1
            if not isinstance(found, Missing):
                if isinstance(found, Unknown):
                    return self.eval(argument)  # reported this time
                return found
        return self.eval(arguments[-1]) if arguments else None

    def call_can(self, node: Tree[Token], arguments: list[Tree[Token]]) -> Any:
        self.scope.quiet += 1
        try:
            found = self.eval(arguments[0]) if arguments else None
        finally:
            self.scope.quiet -= 1
        if isinstance(found, Missing):
            return False
        return self.unknowable(node) if isinstance(found, Unknown) else True

    def call_file(self, node: Tree[Token], arguments: list[Tree[Token]]) -> Any:
        path = self.eval(arguments[0]) if arguments else None
        if not isinstance(path, str) or isinstance(path, Unknown):
            return self.unknowable(node)
        return self.scope.read_file(path, self.context)

    def call_templatefile(self, node: Tree[Token], arguments: list[Tree[Token]]) -> Any:
        if len(arguments) != 2:
            return self.unknown(node, "templatefile() takes two arguments")
        path = self.eval(arguments[0])
        variables = self.eval(arguments[1])
        if not isinstance(path, str) or isinstance(path, Unknown):
            return self.unknowable(node)
        text = self.scope.read_file(path, self.context)
        if isinstance(text, Unknown):
            return text
        if isinstance(variables, Unknown) or not isinstance(variables, dict):
            return self.unknown(node, "given variables that are not known")
        context = replace(self.context, bindings=dict(variables), where=text.where, template=True)
        rendered = self.render(str(text), context)
        if isinstance(rendered, Unknown):
            return PartlyKnown(rendered, text.where)
        if isinstance(rendered, str):
            return Sourced(rendered, text.where)
        return rendered


#: Node kinds of the grammar and the method that evaluates each.
_NODES: dict[str, Callable[[Evaluator, Tree[Token]], Any]] = {
    "expr_term": Evaluator.node_expr_term,
    "int_lit": Evaluator.node_int_lit,
    "float_lit": Evaluator.node_float_lit,
    "literal_value": Evaluator.node_literal_value,
    "identifier": Evaluator.node_identifier,
    "tuple": Evaluator.node_tuple,
    "object": Evaluator.node_object,
    "string": Evaluator.node_string,
    "template_string": Evaluator.node_template_string,
    "heredoc_template": Evaluator.node_heredoc_template,
    "heredoc_template_trim": Evaluator.node_heredoc_template_trim,
    "get_attr_expr_term": Evaluator.node_get_attr_expr_term,
    "index_expr_term": Evaluator.node_index_expr_term,
    "full_splat_expr_term": Evaluator.node_full_splat_expr_term,
    "attr_splat_expr_term": Evaluator.node_attr_splat_expr_term,
    "conditional": Evaluator.node_conditional,
    "unary_op": Evaluator.node_unary_op,
    "binary_op": Evaluator.node_binary_op,
    "for_tuple_expr": Evaluator.node_for_tuple_expr,
    "for_object_expr": Evaluator.node_for_object_expr,
    "function_call": Evaluator.node_function_call,
}
#: Functions that need the module (files, where a document is written) or their arguments
#: unevaluated (``try``, ``can``).
_CALLS: dict[str, Callable[[Evaluator, Tree[Token], list[Tree[Token]]], Any]] = {
    "jsonencode": Evaluator.call_jsonencode,
    "try": Evaluator.call_try,
    "can": Evaluator.call_can,
    "file": Evaluator.call_file,
    "templatefile": Evaluator.call_templatefile,
}


def _template_items(parts: list[Tree[Token]]) -> list[tuple[Any, ...]]:
    """A template's parts as items: ("text", str), ("expr", node), ("if", node), ("else",),
    ("endif",), ("for", names, node), ("endfor",); strip markers (``~``) applied to the text
    beside them."""
    items: list[tuple[Any, ...]] = []
    strip_next = False
    for part in parts:
        inner = part.children[0]
        if isinstance(inner, Token):
            text = str(inner)
            if inner.type == "ESCAPED_INTERPOLATION" or inner.type == "ESCAPED_DIRECTIVE":
                text = text[1:]
            else:
                text = unescape(text)
            if strip_next:
                text = text.lstrip()
            strip_next = False
            items.append(("text", text))
            continue
        strip_next = False
        if inner.data == "interpolation":
            items.append(("expr", _trees(inner)[0]))
            continue
        tokens = [c for c in inner.children if isinstance(c, Token)]
        markers = [i for i, t in enumerate(tokens) if t.type == "STRIP_MARKER"]
        if 1 in markers and items and items[-1][0] == "text":
            items[-1] = ("text", items[-1][1].rstrip())
        strip_next = bool(markers) and markers[-1] == len(tokens) - 2
        trees = _trees(inner)
        if inner.data == "template_if_start":
            items.append(("if", trees[-1]))
        elif inner.data == "template_for_start":
            names = [str(t.children[0]) for t in trees if t.data == "identifier"]
            items.append(("for", names, trees[-1]))
        else:
            items.append((inner.data.removeprefix("template_"),))
    return items


def _close(items: list[tuple[Any, ...]], start: int) -> tuple[int | None, int]:
    """For the ``if``/``for`` directive at ``start``: the index of its ``else`` (None when it
    has none) and of the directive that ends it (the last item when it is not closed)."""
    depth = 0
    middle: int | None = None
    for i in range(start + 1, len(items)):
        kind = items[i][0]
        if kind in ("if", "for"):
            depth += 1
        elif kind in ("endif", "endfor"):
            if depth == 0:
                return middle, i
            depth -= 1
        elif kind == "else" and depth == 0:
            middle = i
    return middle, len(items)


def _body(node: Tree[Token]) -> list[Tree[Token]]:
    """The expressions of a ``for`` expression after its intro (value, or key and value)."""
    return [c for c in _trees(node) if c.data not in ("for_intro", "for_cond")]


def _pairs(collection: Any) -> list[tuple[Any, Any]] | None:
    if isinstance(collection, dict):
        return list(collection.items())
    if isinstance(collection, list):
        return list(enumerate(collection))
    return None


def _bind(names: list[str], key: Any, value: Any) -> dict[str, Any]:
    if len(names) >= 2:
        return {names[0]: key, names[1]: value}
    return {names[0]: value} if names else {}


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _piece(value: Any) -> str:
    """A value interpolated into a template."""
    if isinstance(value, Unknown):
        return value
    if isinstance(value, Doc) and value.policy is None:
        try:
            return json.dumps(value.document)
        except (TypeError, ValueError):
            return Unknown("${policy document}")
    if value is None or isinstance(value, dict | list | Doc):
        return Unknown("${" + type(value).__name__ + "}")
    return _as_text(value)


def _binary(op: str, left: Any, right: Any) -> Any:
    if op == "==":
        return left == right
    if op == "!=":
        return left != right
    if isinstance(left, bool) or isinstance(right, bool):
        raise TypeError("arithmetic on a bool")
    a, b = _numeric(left), _numeric(right)
    if op in _COMPARE:
        return _COMPARE[op](a, b)
    if op in _ARITHMETIC:
        return _ARITHMETIC[op](a, b)
    raise ValueError(op)


_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    ">": operator.gt,
    "<=": operator.le,
    ">=": operator.ge,
}
_ARITHMETIC: dict[str, Callable[[float, float], float]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "%": operator.mod,
}


def _numeric(value: Any) -> int | float:
    if isinstance(value, int | float):
        return value
    text = str(value)
    return float(text) if "." in text else int(text)
