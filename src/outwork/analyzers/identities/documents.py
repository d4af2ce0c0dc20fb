"""Bounded readers for the documents identities are written in: JSON and YAML.

Both give plain Python values (``dict``, ``list``, ``str``, numbers) whose mappings are
:class:`PosDict`, a ``dict`` that remembers the line it starts on, so the evaluator works on
ordinary values and findings still point at the statement's line. YAML is composed, never
constructed: tags are not resolved, CloudFormation's short-form tags (``!Ref``, ``!Sub``) become
their long form (``{"Ref": ...}``, ``{"Fn::Sub": ...}``), and aliases are expanded under a node
budget so that an alias bomb stops with :class:`DocumentError` instead of exhausting memory.
"""

from __future__ import annotations

import bisect
import json
import json.decoder
import json.scanner
from collections.abc import Callable
from typing import Any

import yaml  # type: ignore[import-untyped]  # PyYAML ships no stubs; only its composer is used

#: Largest document read, in bytes.
MAX_BYTES = 64 * 1024 * 1024
#: Documents up to this size are read with line numbers (the pure-Python JSON scanner).
LINES_BYTES = 2 * 1024 * 1024
#: Values produced once YAML aliases are expanded.
MAX_NODES = 500_000
#: Nesting depth of collections.
MAX_DEPTH = 200


class DocumentError(ValueError):
    """The document cannot be read: a syntax error, or a budget (size, depth, nodes) it
    exceeds. ``line`` and ``column`` are the parser's position, when it has one."""

    def __init__(
        self, message: str, line: int | None = None, column: int | None = None, *, budget: bool
    ) -> None:
        super().__init__(message)
        self.line = line
        self.column = column
        self.budget = budget


class PosDict(dict[str, Any]):
    """A mapping that remembers the 1-based line it starts on (0 when unknown)."""

    __slots__ = ("line",)

    def __init__(self, items: Any = (), line: int = 0) -> None:
        super().__init__(items)
        self.line = line


def line_of(value: Any, default: int | None = None) -> int | None:
    """The line a parsed mapping starts on, or ``default``."""
    line = getattr(value, "line", 0)
    return line if line else default


def load_json(text: str) -> Any:
    """Parse JSON; mappings carry their line when the document is small enough to afford it."""
    if len(text) > MAX_BYTES:
        raise DocumentError(f"document of {len(text)} characters exceeds the budget", budget=True)
    try:
        if len(text) <= LINES_BYTES:
            return _PositionDecoder(text).decode(text)
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DocumentError(f"JSON: {exc.msg}", exc.lineno, exc.colno, budget=False) from None
    except RecursionError:
        raise DocumentError("JSON nested deeper than the parser's limit", budget=True) from None


class _PositionDecoder(json.JSONDecoder):
    """The standard decoder with the pure-Python scanner, whose object hook is told where each
    object starts."""

    def __init__(self, text: str) -> None:
        super().__init__()
        newlines = [i for i, ch in enumerate(text) if ch == "\n"]

        def parse_object(
            s_and_end: tuple[str, int],
            strict: bool,
            scan_once: Callable[[str, int], tuple[Any, int]],
            _object_hook: Any,
            _object_pairs_hook: Any,
            memo: dict[str, str] | None = None,
        ) -> tuple[Any, int]:
            start = s_and_end[1] - 1
            value, end = json.decoder.JSONObject(  # type: ignore[attr-defined]  # not in typeshed
                s_and_end, strict, scan_once, None, None, memo if memo is not None else {}
            )
            return PosDict(value, bisect.bisect_left(newlines, start) + 1), end

        self.parse_object = parse_object
        self.scan_once = json.scanner.py_make_scanner(self)  # type: ignore[attr-defined]


# --- YAML ---------------------------------------------------------------------------------------

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
#: CloudFormation's short-form intrinsic functions and the key of their long form.
SHORT_TAGS = {
    "!Ref": "Ref",
    "!Condition": "Condition",
    **{
        f"!{name}": f"Fn::{name}"
        for name in (
            "Base64",
            "Cidr",
            "FindInMap",
            "GetAtt",
            "GetAZs",
            "ImportValue",
            "Join",
            "Select",
            "Split",
            "Sub",
            "Transform",
            "And",
            "Equals",
            "If",
            "Not",
            "Or",
            "ToJsonString",
            "Length",
        )
    },
}


def load_yaml_documents(text: str) -> list[Any]:
    """Every document of a YAML stream as plain values (scalars stay strings)."""
    if len(text) > MAX_BYTES:
        raise DocumentError(f"document of {len(text)} characters exceeds the budget", budget=True)
    try:
        nodes = list(yaml.compose_all(text, Loader=_LOADER))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        column = mark.column + 1 if mark is not None else None
        raise DocumentError(f"YAML: {exc.problem or exc}", line, column, budget=False) from None
    except yaml.YAMLError as exc:
        raise DocumentError(f"YAML: {exc}", budget=False) from None
    except RecursionError:
        raise DocumentError("YAML nested deeper than the parser's limit", budget=True) from None
    builder = _Builder()
    return [builder.value(node, 0) for node in nodes if node is not None]


class _Builder:
    def __init__(self) -> None:
        self.count = 0

    def value(self, node: Any, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise DocumentError(
                f"YAML expands to more than {MAX_NODES} values (an alias bomb?)",
                node.start_mark.line + 1,
                budget=True,
            )
        if depth > MAX_DEPTH:
            raise DocumentError(
                f"YAML nested deeper than {MAX_DEPTH} levels", node.start_mark.line + 1, budget=True
            )
        tag = node.tag or ""
        if isinstance(node, yaml.MappingNode):
            result: Any = self.mapping(node, depth)
        elif isinstance(node, yaml.SequenceNode):
            result = [self.value(item, depth + 1) for item in node.value]
        else:
            result = str(node.value)
        if tag in SHORT_TAGS:
            if tag == "!GetAtt" and isinstance(result, str):
                result = result.split(".", 1)
            return PosDict({SHORT_TAGS[tag]: result}, node.start_mark.line + 1)
        return result

    def mapping(self, node: Any, depth: int) -> PosDict:
        out = PosDict(line=node.start_mark.line + 1)
        for key_node, value_node in node.value:
            key = self.value(key_node, depth + 1)
            value = self.value(value_node, depth + 1)
            if key == "<<" and key_node.tag == "tag:yaml.org,2002:merge":
                for merged in value if isinstance(value, list) else [value]:
                    if isinstance(merged, dict):
                        for k, v in merged.items():
                            out.setdefault(k, v)
                continue
            out[key if isinstance(key, str) else json.dumps(key, default=str)] = value
        return out
