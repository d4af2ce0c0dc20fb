"""Values of Terraform expressions as the module reader handles them: unknown values kept as
written, policy documents, reference parts, and the small parsers of expression text
(interpolations, conditionals, ``&&``/``||``) that python-hcl2 hands over as strings."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from outwork.analyzers.identities.aws.policy import Origin, Policy, Statement
from outwork.analyzers.identities.aws.terraform.files import Range

_PART_RE = re.compile(r"\.([\w-]+)|\[([^\]]*)\]")


class Unknown(str):
    """A value only known at deploy time, spelled as written (``${var.x}``)."""


@dataclass(frozen=True, slots=True)
class Doc:
    """A policy document value: a parsed data source, or a JSON document with where it is
    written."""

    policy: Policy | None = None
    document: Any = None
    where: Range | None = None


@dataclass(frozen=True, slots=True)
class Key:
    """An index in a reference (``[0]``, ``["admin"]``), as opposed to an attribute."""

    value: Any
    #: The index is an expression (``[each.key]``), evaluated where the reference is.
    expression: bool = False


def reference_parts(text: str) -> list[Any]:
    """``.a["b"][0]`` -> ``["a", Key("b"), Key(0)]``."""
    out: list[Any] = []
    for match in _PART_RE.finditer(text):
        if match.group(1) is not None:
            out.append(match.group(1))
        else:
            raw = match.group(2).strip()
            if raw.isdigit():
                out.append(Key(int(raw)))
            elif raw.startswith('"'):
                out.append(Key(raw.strip('"')))
            else:
                out.append(Key(raw, expression=True))
    return out


def instance_key(parts: list[Any]) -> tuple[Any, list[Any]]:
    """A reference's instance key (``[0]``, ``["a"]``) and the rest of its parts."""
    if parts and isinstance(parts[0], Key):
        return parts[0].value, parts[1:]
    return None, parts


def closing(text: str, start: int) -> int:
    """The index of the bracket closing the one at ``start`` (quotes respected), or -1."""
    depth = 0
    quote = False
    for i in range(start, len(text)):
        char = text[i]
        if char == '"' and text[i - 1] != "\\":
            quote = not quote
        elif quote:
            continue
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
            if depth == 0:
                return i
    return -1


def split_top(text: str, operator: str) -> list[str]:
    """``text`` split at ``operator`` outside brackets and quotes."""
    parts: list[str] = []
    depth = 0
    quote = False
    start = 0
    i = 0
    while i < len(text):
        char = text[i]
        if char == '"' and text[i - 1] != "\\":
            quote = not quote
        elif not quote and char in "([{":
            depth += 1
        elif not quote and char in ")]}":
            depth -= 1
        elif not quote and depth == 0 and text.startswith(operator, i):
            parts.append(text[start:i])
            i += len(operator)
            start = i
            continue
        i += 1
    parts.append(text[start:])
    return parts


def whole_expression(text: str) -> str | None:
    """The expression of a string that is one interpolation (``${...}``), braces and quotes
    inside it balanced; None for a template with text around or several interpolations."""
    if not text.startswith("${"):
        return None
    depth = 0
    quote = False
    for i, char in enumerate(text):
        if char == '"' and text[i - 1] != "\\":
            quote = not quote
        elif quote:
            continue
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return text[2:i] if i == len(text) - 1 else None
    return None


def split_ternary(text: str) -> tuple[str, str, str] | None:
    """``cond ? a : b`` split at its top level, or None."""
    depth = 0
    quote = False
    question = -1
    for i, char in enumerate(text):
        if char == '"' and (i == 0 or text[i - 1] != "\\"):
            quote = not quote
        elif quote:
            continue
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif depth == 0 and char == "?" and question < 0:
            question = i
        elif depth == 0 and char == ":" and question >= 0:
            return text[:question], text[question + 1 : i].strip(), text[i + 1 :].strip()
    return None


def iam_text(value: Any) -> str:
    """A value as IAM reads it: Terraform's escaped policy variables (``&{aws:username}``)
    back in IAM's spelling."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Doc):
        return "${policy document}"
    return str(value).replace("&{", "${") if value is not None else ""


def iam_values(document: Any) -> Any:
    if isinstance(document, dict):
        return {str(k): iam_values(v) for k, v in document.items()}
    if isinstance(document, list):
        return [iam_values(v) for v in document]
    if isinstance(document, str):
        return document.replace("&{", "${")
    if isinstance(document, Doc):
        return "${policy document}"
    return document


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def with_line(statement: Statement, line: int) -> Statement:
    origin = statement.origin
    return replace(statement, origin=Origin(origin.policy, line, origin.logical, origin.path))
