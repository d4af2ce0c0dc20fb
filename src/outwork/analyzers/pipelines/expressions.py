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
    find = text.find
    while True:
        start = find("${{", index)
        if start < 0:
            return
        pos = start + 3
        end = -1
        limit = min(len(text), start + MAX_EXPRESSION)
        # jump from quote to quote and to the closing braces instead of walking every character
        while pos < limit:
            quote = find("'", pos, limit)
            close = find("}}", pos, limit + 1)  # braces may start on the last character
            if close >= 0 and (quote < 0 or close < quote):
                end = close + 2
                break
            if quote < 0:
                break
            pos = quote + 1  # inside a string literal: '' is an escaped quote
            while True:
                quote = find("'", pos, limit)
                if quote < 0:
                    pos = limit
                    break
                if text[quote + 1 : quote + 2] == "'":
                    pos = quote + 2
                    continue
                pos = quote + 1
                break
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


_SPACE_RE = re.compile(r"\s+")
_INDEX_STR_RE = re.compile(r"\['([^']*)'\]")
_INDEX_NUM_RE = re.compile(r"\[\d+\]")


def normalise(path: str) -> str:
    """``github.event['issue'].title`` -> ``github.event.issue.title`` (lower-cased)."""
    path = _SPACE_RE.sub("", path)
    if "[" in path:
        path = _INDEX_STR_RE.sub(r".\1", path)
        path = path.replace("[*]", ".*")
        path = _INDEX_NUM_RE.sub(".*", path)
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


def matches(path: str, pattern: str) -> bool:
    """Whether a normalised context path matches a pattern with ``*`` segments (prefix match:
    ``github.event.pull_request.head`` matches ``github.event.pull_request.head.ref``)."""
    p_parts = pattern.split(".")
    c_parts = path.split(".")
    if len(c_parts) < len(p_parts):
        return False
    return all(p in ("*", c) or c == "*" for p, c in zip(p_parts, c_parts, strict=False))


_MEMBER_RE = re.compile(r"\s*(?:\.\s*[A-Za-z_*][\w-]*|\[\s*(?:'[^']*'|\*|\d+)\s*\])+\s*")
_BOOLEAN_CALL_RE = re.compile(r"\b(?:contains|startswith|endswith)\s*\(", re.I)
_COMPARISON_RE = re.compile(r"==|!=|<=|>=|<|>")


def value_contexts(body: str) -> list[str]:
    """The contexts whose value can reach the expression's result.

    Operands that are comparisons, negations or calls of ``contains``/``startsWith``/``endsWith``
    produce booleans, so the contexts inside them cannot inject text; ``a && b`` and ``a || b``
    return one of their operands, so those propagate. Parenthesised operands are opened
    iteratively (hostile nesting cannot exhaust the stack).
    """
    masked = _STRING_RE.sub(lambda m: "'" + "_" * (len(m.group(0)) - 2) + "'", body)
    out: list[str] = []
    #: (start, end, the member access that follows the parenthesised span, if any)
    work: list[tuple[int, int, str]] = [(0, len(masked), "")]
    while work:
        low, high, suffix = work.pop()
        for start, end in _top_level_operands(masked[low:high]):
            start, end = start + low, end + low
            text = masked[start:end]
            operand = text.strip()
            if not operand:
                continue
            first = start + text.index(operand[0])
            close = _closing(operand, 0) if operand.startswith("(") else -1
            if close == len(operand) - 1:
                work.append((first + 1, first + len(operand) - 1, suffix))
                continue
            member = _MEMBER_RE.fullmatch(operand[close + 1 :]) if close > 0 else None
            if member:  # (a || b).number: the field of whichever operand is chosen
                inner = normalise(body[first + close + 1 : first + len(operand)])
                work.append((first + 1, first + close, inner + suffix))
                continue
            if operand.startswith("!") or _COMPARISON_RE.search(_strip_calls(operand)):
                continue
            if _BOOLEAN_CALL_RE.match(operand):
                continue
            out.extend(f"{c}{suffix}" for c in contexts(body[start:end]))
    return out


def _strip_calls(text: str) -> str:
    """``f(a == b)`` -> ``f()``: comparisons inside call arguments do not make a boolean."""
    out: list[str] = []
    depth = 0
    for char in text:
        if char == "(":
            depth += 1
            if depth == 1:
                out.append("(")
            continue
        if char == ")":
            depth -= 1
            if depth == 0:
                out.append(")")
            continue
        if depth == 0:
            out.append(char)
    return "".join(out)


def _closing(text: str, index: int) -> int:
    depth = 0
    for pos in range(index, len(text)):
        if text[pos] == "(":
            depth += 1
        elif text[pos] == ")":
            depth -= 1
            if depth == 0:
                return pos
    return -1


def _top_level_operands(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    depth = 0
    start = 0
    pos = 0
    while pos < len(text):
        char = text[pos]
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif depth == 0 and text.startswith(("&&", "||"), pos):
            spans.append((start, pos))
            start = pos + 2
            pos += 2
            continue
        pos += 1
    spans.append((start, len(text)))
    return spans
