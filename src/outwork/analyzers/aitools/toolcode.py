"""The text an MCP server gives the model about its tools, read from the server's source.

Python is read by syntax tree: the docstrings of functions registered as tools, prompts or
resources (``@mcp.tool()``, ``@server.tool``, ``@app.call_tool``...), and every string passed as
``description=`` (``Tool(...)``, ``Field(...)``, ``@mcp.tool(description=...)``).
JavaScript and TypeScript are read for string literals in ``description:`` properties,
``.describe("...")`` (zod parameter docs) and the description argument of
``server.tool("name", "description", ...)``; adjacent literals joined with ``+`` count as one.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass

_REGISTERS = frozenset({"tool", "prompt", "resource", "call_tool", "list_tools", "add_tool"})


@dataclass(frozen=True, slots=True)
class Described:
    """One description the model reads: which tool (or parameter) it documents, and where."""

    owner: str
    text: str
    line: int
    column: int
    #: For text that spans lines in the source as it does in the description (a docstring):
    #: the line of an offset is ``line`` plus the line breaks before it.
    multiline: bool = False

    def line_of(self, offset: int) -> int:
        return self.line + self.text.count("\n", 0, offset) if self.multiline else self.line


def python_descriptions(source: str) -> Iterator[Described]:
    """Descriptions of a Python MCP server; nothing when the source does not parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and _registered(node):
            doc = ast.get_docstring(node, clean=False)
            if doc and node.body:
                first = node.body[0]
                yield Described(node.name, doc, first.lineno, first.col_offset + 1, multiline=True)
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg == "description":
                    text = _literal(keyword.value)
                    if text:
                        yield Described(
                            _owner(node), text, keyword.value.lineno, keyword.value.col_offset + 1
                        )


def _registered(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
        if name in _REGISTERS:
            return True
    return False


def _owner(call: ast.Call) -> str:
    for keyword in call.keywords:
        if keyword.arg == "name":
            text = _literal(keyword.value)
            if text:
                return text
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "call")


def _literal(node: ast.expr) -> str:
    """A string constant, or constants joined by ``+`` or implicit concatenation."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _literal(node.left), _literal(node.right)
        return left + right if left and right else ""
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)
        )
    return ""


_STRING = r"(?:\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`)"
_GAP = r"(?:\s|//[^\n]*\n|/\*(?:[^*]|\*(?!/))*\*/)*"
_JOINED = rf"{_STRING}(?:{_GAP}\+{_GAP}{_STRING})*"
_JS_DESCRIPTIONS = re.compile(
    rf"(?:\bdescription\s*:\s*(?P<prop>{_JOINED})"
    rf"|\.describe\(\s*(?P<zod>{_JOINED})"
    rf"|\.(?:tool|registerTool|prompt)\(\s*(?P<name>{_STRING})\s*,\s*(?P<arg>{_JOINED}))",
)
_PIECE = re.compile(_STRING)
_ESCAPES = {"n": "\n", "t": "\t", "r": "", "\\": "\\", '"': '"', "'": "'", "`": "`"}


def js_descriptions(source: str) -> Iterator[Described]:
    """Descriptions of a JavaScript or TypeScript MCP server."""
    starts = [0] + [m.end() for m in re.finditer("\n", source)]
    for match in _JS_DESCRIPTIONS.finditer(source):
        group = next(g for g in ("prop", "zod", "arg") if match.group(g))
        text = "".join(_unquote(p.group()) for p in _PIECE.finditer(match.group(group)))
        if not text:
            continue
        offset = match.start(group)
        line = _line(starts, offset)
        owner = _unquote(match.group("name")) if match.group("name") else group
        yield Described(owner, text, line, offset - starts[line - 1] + 1)


def _line(starts: list[int], offset: int) -> int:
    low, high = 0, len(starts)
    while low < high:
        mid = (low + high) // 2
        if starts[mid] <= offset:
            low = mid + 1
        else:
            high = mid
    return low


def _unquote(literal: str) -> str:
    body = literal[1:-1]
    return re.sub(r"\\(u\{?[0-9a-fA-F]{4,6}\}?|x[0-9a-fA-F]{2}|.)", _escape, body)


def _escape(match: re.Match[str]) -> str:
    code = match.group(1)
    if code[0] in "ux" and len(code) > 1:
        try:
            return chr(int(code[1:].strip("{}"), 16))
        except ValueError:
            return code
    return _ESCAPES.get(code, code)


# -- the tool names a server declares ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Declared:
    """A tool name an MCP server's code registers, and the line that registers it."""

    name: str
    line: int


def python_tool_names(source: str) -> Iterator[Declared]:
    """``@server.tool()`` functions (their ``name=`` or the function's name),
    ``add_tool(fn, name=...)`` and ``Tool(name=...)`` of the low-level SDK; nothing when the
    source does not parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for decorator in node.decorator_list:
                target = decorator.func if isinstance(decorator, ast.Call) else decorator
                if isinstance(target, ast.Attribute) and target.attr == "tool":
                    named = _keyword(decorator, "name") if isinstance(decorator, ast.Call) else ""
                    yield Declared(named or node.name, node.lineno)
        elif isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in ("Tool", "add_tool"):
                named = _keyword(node, "name")
                if named:
                    yield Declared(named, node.lineno)


def _keyword(call: ast.Call, name: str) -> str:
    return next((_literal(k.value) for k in call.keywords if k.arg == name), "")


_JS_REGISTERED = re.compile(rf"\.(?:tool|registerTool)\(\s*(?P<name>{_STRING})")
_JS_NAMED = re.compile(rf"\bname\s*:\s*(?P<name>{_STRING})")
#: Characters after a ``name:`` property searched for the rest of its object.
_OBJECT_WINDOW = 4096


def js_tool_names(source: str) -> Iterator[Declared]:
    """``server.tool("name", ...)``, ``server.registerTool("name", ...)`` and tool objects
    (``{name: "x", ..., inputSchema: ...}``, as a ``ListTools`` handler returns them)."""
    starts = [0] + [m.end() for m in re.finditer("\n", source)]
    for match in _JS_REGISTERED.finditer(source):
        yield Declared(_unquote(match.group("name")), _line(starts, match.start("name")))
    for match in _JS_NAMED.finditer(source):
        rest = _object_rest(source[match.end() : match.end() + _OBJECT_WINDOW])
        if re.search(r"\binputSchema\s*:", rest):
            yield Declared(_unquote(match.group("name")), _line(starts, match.start("name")))


def _object_rest(text: str) -> str:
    """The text up to the end of the object the property belongs to."""
    depth = 0
    for index, char in enumerate(text):
        if char in "{[(":
            depth += 1
        elif char in "}])":
            depth -= 1
            if depth < 0:
                return text[:index]
    return text
