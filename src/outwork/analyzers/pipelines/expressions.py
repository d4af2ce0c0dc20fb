"""GitHub Actions expressions (``${{ ... }}``): finding them and the contexts they read.

Nothing here evaluates an expression; it only tokenises enough to name the context paths an
expression reads (``github.event.issue.title``, ``env.TITLE``, ``steps.meta.outputs.tag``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

#: Longest expression considered (hostile inputs can be large).
MAX_EXPRESSION = 4096


@dataclass(frozen=True, slots=True)
class Expression:
    """One ``${{ ... }}`` span: ``start``/``end`` index the whole span in the scalar."""

    body: str
    start: int
    end: int


def expressions(text: str) -> Iterator[Expression]:
    """Every ``${{ ... }}`` in ``text``, honouring single-quoted string literals."""
    index = 0
    while True:
        start = text.find("${{", index)
        if start < 0:
            return
        pos = start + 3
        in_string = False
        end = -1
        limit = min(len(text), start + MAX_EXPRESSION)
        while pos < limit:
            char = text[pos]
            if in_string:
                if char == "'":
                    if text[pos + 1 : pos + 2] == "'":
                        pos += 2
                        continue
                    in_string = False
            elif char == "'":
                in_string = True
            elif text.startswith("}}", pos):
                end = pos + 2
                break
            pos += 1
        if end < 0:
            return
        yield Expression(text[start + 3 : end - 2].strip(), start, end)
        index = end


_STRING_RE = re.compile(r"(?<!\[)'(?:[^']|'')*'")
_CONTEXT_RE = re.compile(
    r"(?<![\w.\-])([A-Za-z_][\w-]*(?:\s*(?:\.\s*[A-Za-z_*][\w-]*|\[\s*'[^']*'\s*\]|\[\s*\*\s*\]|"
    r"\[\s*\d+\s*\]))*)(\s*\()?"
)
_FUNCTIONS = frozenset(
    {
        "contains",
        "startswith",
        "endswith",
        "format",
        "join",
        "tojson",
        "fromjson",
        "hashfiles",
        "success",
        "always",
        "cancelled",
        "failure",
        "case",
    }
)
_LITERALS = frozenset({"true", "false", "null", "nan", "infinity"})


def normalise(path: str) -> str:
    """``github.event['issue'].title`` -> ``github.event.issue.title`` (lower-cased)."""
    path = re.sub(r"\s+", "", path)
    path = re.sub(r"\['([^']*)'\]", r".\1", path)
    path = path.replace("[*]", ".*")
    path = re.sub(r"\[\d+\]", ".*", path)
    return path.lower()


def contexts(body: str) -> list[str]:
    """The context paths an expression reads, normalised, in order (function names left out)."""
    masked = _STRING_RE.sub(lambda m: " " * len(m.group(0)), body)
    out: list[str] = []
    for match in _CONTEXT_RE.finditer(masked):
        name, call = match.group(1), match.group(2)
        head = name.split(".", 1)[0].split("[", 1)[0].strip().lower()
        if call and head in _FUNCTIONS:
            continue
        if head in _LITERALS or head[0].isdigit():
            continue
        out.append(normalise(name))
    return out


def is_pure_call(body: str, function: str) -> bool:
    return body.replace(" ", "").lower().startswith(function.lower() + "(")


def matches(path: str, pattern: str) -> bool:
    """Whether a normalised context path matches a pattern with ``*`` segments (prefix match:
    ``github.event.pull_request.head`` matches ``github.event.pull_request.head.ref``)."""
    p_parts = pattern.split(".")
    c_parts = path.split(".")
    if len(c_parts) < len(p_parts):
        return False
    return all(p in ("*", c) or c == "*" for p, c in zip(p_parts, c_parts, strict=False))
