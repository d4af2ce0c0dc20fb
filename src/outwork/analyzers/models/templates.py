"""Jinja chat templates analysed by their syntax tree: parsed, never rendered."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from jinja2 import Environment, nodes
from jinja2.exceptions import TemplateError, TemplateSyntaxError

#: Names whose attributes lead out of a Jinja sandbox, and callables a template never needs.
RISKY_NAMES = frozenset(
    {
        "os",
        "sys",
        "subprocess",
        "eval",
        "exec",
        "compile",
        "__import__",
        "getattr",
        "setattr",
        "open",
        "popen",
        "system",
        "config",
        "request",
        "url_for",
        "get_flashed_messages",
    }
)
RISKY_CALLS = frozenset({"popen", "system", "eval", "exec", "__import__", "getattr", "open"})
_DUNDER = re.compile(r"__\w+__")


def _private(attr: str) -> bool:
    return attr.startswith("_")


#: Templates up to this many characters are remembered by their text for the process's life:
#: a folder of model repositories carries the same few templates again and again (every GGUF
#: and ``tokenizer_config.json`` of a family), and parsing one costs more than finding it.
CACHED_CHARS = 64 * 1024

#: One parser for every template: parsing reads the environment, never changes it.
_ENVIRONMENT = Environment(extensions=["jinja2.ext.loopcontrols", "jinja2.ext.do"])  # noqa: S701 - parse only, never rendered


def analyse(source: str, *, limit: int = 1_000_000) -> list[str]:
    """Reasons the template escapes its sandbox; empty when it only formats messages.

    Raises ValueError when the template does not parse (the caller reports it as malformed).
    """
    if len(source) > limit:
        return [f"template longer than {limit} characters"]
    if len(source) <= CACHED_CHARS:
        return list(_remembered(source))
    return _analyse(source)


@functools.lru_cache(maxsize=64)
def _remembered(source: str) -> tuple[str, ...]:
    return tuple(_analyse(source))


def _analyse(source: str) -> list[str]:
    try:
        tree = _ENVIRONMENT.parse(source)
    except TemplateSyntaxError as exc:
        raise ValueError(f"template does not parse: {exc.message} (line {exc.lineno})") from None
    except TemplateError as exc:
        raise ValueError(f"template does not parse: {exc}") from None
    except RecursionError:
        raise ValueError("template nests too deeply to parse") from None
    reasons = [reason for node in _walk(tree) for reason in _node_reasons(node)]
    return list(dict.fromkeys(reasons))


def _node_reasons(node: nodes.Node) -> Iterator[str]:
    """What one node of the tree does that a chat template never needs."""
    if isinstance(node, nodes.Getattr) and _private(node.attr):
        yield f"reads attribute {node.attr!r} (line {node.lineno})"
    elif isinstance(node, nodes.Getitem):
        yield from _getitem_reasons(node)
    elif isinstance(node, nodes.Include | nodes.Import | nodes.FromImport | nodes.Extends):
        yield f"loads another template from disk (line {node.lineno})"
    elif isinstance(node, nodes.Filter) and node.name in ("attr", "map", "selectattr"):
        yield from _filter_reasons(node)
    elif isinstance(node, nodes.Name) and node.name in RISKY_NAMES:
        yield f"uses the name {node.name!r} (line {node.lineno})"
    elif isinstance(node, nodes.Call):
        callee = node.node
        called = getattr(callee, "attr", None) or getattr(callee, "name", None)
        if isinstance(called, str) and called in RISKY_CALLS:
            yield f"calls {called}() (line {node.lineno})"
    elif isinstance(node, nodes.Const) and isinstance(node.value, str):
        for dunder in _DUNDER.findall(node.value):
            yield f"string literal {dunder!r} (line {node.lineno})"


def _getitem_reasons(node: nodes.Getitem) -> Iterator[str]:
    arg = node.arg
    if isinstance(arg, nodes.Const) and isinstance(arg.value, str) and _private(arg.value):
        yield f"reads item {arg.value!r} (line {node.lineno})"
    elif not isinstance(arg, nodes.Const | nodes.Name | nodes.Getattr | nodes.Slice) and (
        _builds_a_string(arg)
    ):
        yield f"builds an attribute name at run time (line {node.lineno})"


def _filter_reasons(node: nodes.Filter) -> Iterator[str]:
    """``|attr``, ``|map`` and ``|selectattr`` given a private or computed attribute."""
    for kwarg in node.kwargs:
        value = kwarg.value
        if isinstance(value, nodes.Const) and isinstance(value.value, str):
            if _private(value.value) and kwarg.key == "attribute":
                yield f"|{node.name}(attribute={value.value!r}) (line {node.lineno})"
        elif kwarg.key == "attribute":
            yield f"|{node.name}() with a computed attribute (line {node.lineno})"
    for arg in node.args:
        if isinstance(arg, nodes.Const) and isinstance(arg.value, str):
            if node.name == "attr" and _private(arg.value):
                yield f"|attr({arg.value!r}) (line {node.lineno})"
            elif node.name != "attr" and _DUNDER.search(arg.value):
                yield f"|{node.name}({arg.value!r}) (line {node.lineno})"
        elif node.name == "attr":
            yield f"|attr() with a computed name (line {node.lineno})"


#: Filters that build or reshape strings: in a subscript they compute an attribute name.
STRING_FILTERS = frozenset(
    {
        "format",
        "join",
        "replace",
        "reverse",
        "string",
        "lower",
        "upper",
        "list",
        "first",
        "last",
        "batch",
        "slice",
        "center",
        "trim",
        "title",
        "capitalize",
        "urlencode",
        "indent",
        "wordwrap",
    }
)


def _builds_a_string(node: nodes.Node) -> bool:
    """Whether a subscript computes a string (concatenation, string filters, underscores)."""
    for child in _walk(node):
        if isinstance(child, nodes.Concat):
            return True
        if isinstance(child, nodes.Filter) and child.name in STRING_FILTERS:
            return True
        if isinstance(child, nodes.Const) and isinstance(child.value, str):
            return True
    return False


def _walk(node: nodes.Node) -> Iterator[nodes.Node]:
    stack = [node]
    seen = 0
    while stack and seen < 200_000:
        current = stack.pop()
        seen += 1
        yield current
        stack.extend(current.iter_child_nodes())
