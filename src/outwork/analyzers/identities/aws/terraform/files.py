"""Terraform files as the identities layer reads them: parsed with python-hcl2 (never planned or
applied), their blocks, variables, locals, module calls and outputs indexed with the lines they
span."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import hcl2
from hcl2.utils import SerializationOptions

from outwork.analyzers.identities.documents import DocumentError

OPTIONS = SerializationOptions(strip_string_quotes=True, with_comments=False)
_BLOCK_RE = re.compile(
    r"^[ \t]*(resource|data|module|variable|output|locals)\b"
    r'[ \t]*(?:"([\w-]+)")?[ \t]*(?:"([\w-]+)")?',
    re.M,
)
_TRAILING_RE = re.compile(r"[ \t\r]+$", re.M)
#: Characters of one Terraform file the parser is given: python-hcl2 (lark) is slow on large
#: input (docs/benchmarks.md), and real files are tens of KB.
MAX_HCL_CHARS = 512 * 1024


@dataclass(frozen=True, slots=True)
class Range:
    """Where an expression is written: a file and its lines."""

    file: TerraformFile
    line: int
    end: int


@dataclass(slots=True)
class Block:
    kind: str  # resource or data
    type: str
    name: str
    body: dict[str, Any]
    line: int
    end: int
    file: TerraformFile

    def range(self) -> Range:
        return Range(self.file, self.line, self.end)


@dataclass(slots=True)
class TerraformFile:
    path: str
    text: str
    lines: list[str] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    #: name -> (default or None, has a default, where)
    variables: dict[str, tuple[Any, bool, Range]] = field(default_factory=dict)
    #: name -> the type a variable declares, as written (``map(object({...}))``)
    types: dict[str, str] = field(default_factory=dict)
    #: name -> (expression, where)
    locals: dict[str, tuple[Any, Range]] = field(default_factory=dict)
    #: name -> (body, where)
    modules: dict[str, tuple[dict[str, Any], Range]] = field(default_factory=dict)
    outputs: dict[str, tuple[Any, Range]] = field(default_factory=dict)


def load(text: str, path: str = "") -> TerraformFile:
    if len(text) > MAX_HCL_CHARS:
        raise DocumentError(
            f"Terraform file of {len(text)} characters exceeds the HCL parser's budget of"
            f" {MAX_HCL_CHARS}: not read",
            budget=True,
        )
    try:
        # Terraform ignores trailing blanks (a heredoc's closing marker followed by spaces, CRLF
        # line ends) where python-hcl2 stops: parse without them, lines unchanged
        tree = hcl2.loads(_TRAILING_RE.sub("", text), serialization_options=OPTIONS)
    except RecursionError:
        raise DocumentError("HCL nested deeper than the parser's limit", budget=True) from None
    except Exception as exc:  # python-hcl2 raises lark's exceptions, with their position
        line = getattr(exc, "line", None)
        column = getattr(exc, "column", None)
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DocumentError(
            f"HCL: {message}",
            line if isinstance(line, int) else None,
            column if isinstance(column, int) else None,
            budget=False,
        ) from None
    file = TerraformFile(path, text, lines=text.splitlines())
    if isinstance(tree, dict):
        _index(file, tree)
    return file


def _index(file: TerraformFile, tree: dict[str, Any]) -> None:
    starts = sorted(
        (text_line(file.text, m.start()), m.group(1), m.group(2) or "", m.group(3) or "")
        for m in _BLOCK_RE.finditer(file.text)
    )
    ranges: dict[tuple[str, str, str], list[tuple[int, int]]] = {}
    for i, (line, kind, first, second) in enumerate(starts):
        end = starts[i + 1][0] - 1 if i + 1 < len(starts) else len(file.lines)
        ranges.setdefault((kind, first, second), []).append((line, end))

    def where(kind: str, first: str = "", second: str = "") -> Range:
        found = ranges.get((kind, first, second)) or [(1, len(file.lines))]
        return Range(file, found[0][0], found[0][1])

    for kind in ("resource", "data"):
        for rtype, name, body in _named(tree.get(kind), 2):
            span = where(kind, rtype, name)
            file.blocks.append(Block(kind, rtype, name, body, span.line, span.end, file))
    for _, name, body in _named(tree.get("variable"), 1):
        file.variables[name] = (body.get("default"), "default" in body, where("variable", name))
        if isinstance(body.get("type"), str):
            file.types[name] = body["type"]
    for _, name, body in _named(tree.get("module"), 1):
        file.modules[name] = (body, where("module", name))
    for _, name, body in _named(tree.get("output"), 1):
        file.outputs[name] = (body.get("value"), where("output", name))
    for entry in tree.get("locals") or []:
        if not isinstance(entry, dict):
            continue
        for name, value in entry.items():
            if not name.startswith("__"):
                file.locals[name] = (
                    value,
                    _local_range(file, name, ranges.get(("locals", "", ""))),
                )


def _named(entries: Any, depth: int) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """``(type, name, body)`` of ``resource``/``data`` (depth 2) or ``("", name, body)`` of
    ``variable``/``module``/``output`` (depth 1) entries."""
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        for first, inner in entry.items():
            if depth == 1:
                if isinstance(inner, dict):
                    yield "", str(first), inner
                continue
            for name, body in inner.items() if isinstance(inner, dict) else []:
                if isinstance(body, dict):
                    yield str(first), str(name), body


def _local_range(file: TerraformFile, name: str, blocks: list[tuple[int, int]] | None) -> Range:
    pattern = re.compile(rf"^\s*{re.escape(name)}\s*=")
    for start, end in blocks or []:
        for number in range(start, end + 1):
            if pattern.match(file.lines[number - 1] if number <= len(file.lines) else ""):
                return Range(file, number, end)
    return Range(file, 1, len(file.lines))


def text_line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


# --- evaluation ----------------------------------------------------------------------------------
