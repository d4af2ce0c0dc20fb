"""Helm chart templates rendered as far as a file can say: ``{{ .Values.x }}`` and
``{{ toYaml .Values.x | nindent 8 }}`` from the chart's ``values.yaml``, ``if``/``with``/
``range`` blocks decided from the values where they name them, everything else (named
templates, ``lookup``, functions this renderer does not know) left as an unknown word.

Nothing is executed: this is text substitution over Go template actions, bounded by the
caller's byte limit, by :mod:`.yamldoc`'s budgets for the values, and by :data:`MAX_OUTPUT`.
Each rendered line remembers the template line it came from, so findings point at the
template.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from outwork.analyzers.aitools import yamldoc

#: Lines one template may render to (``toYaml`` of a large value).
MAX_OUTPUT = 100_000
#: Templates of one chart read to find the Services and Ingresses that publish a pod.
MAX_TEMPLATES = 200
#: Items of one ``range`` rendered.
MAX_ITEMS = 1_000
#: Bytes of ``values.yaml`` read.
MAX_VALUES = 1024 * 1024
#: Words that stand for a value the file does not give (a named template, ``lookup``).
UNKNOWN = "${__helm__}"

_ACTION = re.compile(r"\{\{-?(?P<body>.*?)-?\}\}", re.S)
_COMMENT = re.compile(r"\{\{-?\s*/\*.*?\*/\s*-?\}\}", re.S)
_CONTROL = re.compile(r"^(if|else|end|range|with|define|block)\b")
_ASSIGN = re.compile(r"^\s*\{\{-?\s*(?P<name>\$\w+)\s*:?=\s*(?P<value>.*?)\s*-?\}\}\s*$")
_UNSET = object()


class HelmError(ValueError):
    """The chart's values do not parse, or rendering is past a budget."""

    def __init__(self, message: str, *, budget: bool = False) -> None:
        super().__init__(message)
        self.budget = budget


@dataclass(frozen=True, slots=True)
class Chart:
    """A chart's root folder, its name and its values."""

    root: Path
    name: str
    values: Any

    def templates(self) -> list[Path]:
        folder = self.root / "templates"
        found = sorted(p for p in folder.rglob("*") if p.suffix in (".yaml", ".yml"))
        return found[:MAX_TEMPLATES]


def chart_of(fs_path: str | None) -> Chart | None:
    """The chart a template file belongs to: the folder above its ``templates`` folder that
    holds a ``Chart.yaml``; None when there is none (a template read alone, in an archive)."""
    if not fs_path:
        return None
    path = Path(fs_path)
    for parent in path.parents:
        if parent.name == "templates" and (parent.parent / "Chart.yaml").is_file():
            root = parent.parent
            return Chart(root, _chart_name(root), _values(root / "values.yaml"))
    return None


def _chart_name(root: Path) -> str:
    try:
        docs = yamldoc.documents((root / "Chart.yaml").read_text("utf-8", "replace")[:65536])
    except (OSError, yamldoc.YamlError):
        return root.name
    first = docs[0] if docs else None
    return str(first.get("name", root.name)) if isinstance(first, dict) else root.name


def _values(path: Path) -> Any:
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_VALUES + 1)
    except OSError:
        return {}
    if len(raw) > MAX_VALUES:
        raise HelmError(f"values.yaml is larger than {MAX_VALUES} bytes", budget=True)
    try:
        docs = yamldoc.documents(raw.decode("utf-8", "replace"))
    except yamldoc.YamlError as error:
        raise HelmError(
            f"values.yaml: {error}", budget=isinstance(error, yamldoc.YamlBudgetError)
        ) from None
    return docs[0] if docs and isinstance(docs[0], dict) else {}


@dataclass(slots=True)
class _Frame:
    kind: str
    active: bool
    dot: Any
    taken: bool = False


@dataclass(slots=True)
class Rendered:
    """The rendered text and, per rendered line, the template line it came from."""

    lines: list[str] = field(default_factory=list)
    origin: list[int] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines) + "\n"

    def line_of(self, rendered: int) -> int:
        return self.origin[rendered - 1] if 0 < rendered <= len(self.origin) else rendered


def render(template: str, chart: Chart) -> Rendered:
    """The template as YAML text, line by line."""
    template = _COMMENT.sub(lambda m: "\n" * m.group(0).count("\n"), template)
    root = {"Values": chart.values, "Chart": {"Name": chart.name}, "Release": {"Name": "release"}}
    out = Rendered()
    _render(list(enumerate(template.splitlines(), start=1)), root, root, out)
    return out


def _control_only(line: str) -> list[str] | None:
    """The bodies of a line's actions when the line holds only control actions."""
    actions = [a.group("body").strip() for a in _ACTION.finditer(line)]
    if actions and _ACTION.sub("", line).strip() == "" and all(_CONTROL.match(a) for a in actions):
        return actions
    return None


def _render(lines: list[tuple[int, str]], dot: Any, root: Any, out: Rendered) -> None:
    stack = [_Frame("root", True, dot)]
    index = 0
    while index < len(lines):
        number, line = lines[index]
        controls = _control_only(line)
        if controls is not None:
            active = all(frame.active for frame in stack)
            if active and len(controls) == 1 and controls[0].startswith("range "):
                end = _matching_end(lines, index)
                for item, scope in _iterations(controls[0], stack[-1].dot, root):
                    _render(lines[index + 1 : end], item, scope, out)
                index = end + 1
                continue
            for body in controls:
                _control(body, stack, root)
            index += 1
            continue
        index += 1
        if not all(frame.active for frame in stack):
            continue
        bare = _ACTION.sub("", line).strip() == ""
        assigned = _ASSIGN.match(line)
        if assigned and isinstance(root, dict):  # ``{{- $values := .Values.worker }}``
            value = _condition(assigned.group("value"), stack[-1].dot, root)
            root.setdefault("$vars", {})[assigned.group("name")] = value
            continue
        text = _substitute(line, stack[-1].dot, root)
        if bare and text.strip() == UNKNOWN:
            continue  # a named template's fragment (labels, env): its shape is not known
        for piece in text.split("\n"):
            if bare and not piece.strip():
                continue
            out.lines.append(piece)
            out.origin.append(number)
        if len(out.lines) > MAX_OUTPUT:
            raise HelmError(f"renders to more than {MAX_OUTPUT} lines", budget=True)


def _iterations(control: str, dot: Any, root: Any) -> Iterator[tuple[Any, Any]]:
    """(``.``, root with the loop's ``$key, $value`` variables) per item of a ``range``."""
    text = control[len("range ") :].strip()
    names: list[str] = []
    if ":=" in text:
        declared, text = text.split(":=", 1)
        names = [n.strip() for n in declared.split(",") if n.strip().startswith("$")]
    value = _condition(text.strip(), dot, root)
    if value is _UNSET:
        yield _UNSET, root
        return
    pairs = (
        list(value.items()) if isinstance(value, dict)
        else list(enumerate(value)) if isinstance(value, list) else []
    )  # fmt: skip
    for key, item in pairs[:MAX_ITEMS]:
        bound = dict(zip(names[::-1], (item, key), strict=False))
        yield item, {**root, "$vars": {**root.get("$vars", {}), **bound}}


def _substitute(line: str, dot: Any, root: Any) -> str:
    return _ACTION.sub(lambda m: _output(m.group("body").strip(), dot, root), line)


def _matching_end(lines: list[tuple[int, str]], start: int) -> int:
    """The index of the line whose ``end`` closes the block opened on line ``start``."""
    depth = 0
    for index in range(start, len(lines)):
        for body in _control_only(lines[index][1]) or []:
            if re.match(r"(if|with|range|define|block)\b", body):
                depth += 1
            elif body.startswith("end"):
                depth -= 1
                if depth == 0:
                    return index
    return len(lines)


def _control(body: str, stack: list[_Frame], root: Any) -> None:
    word, _, rest = body.partition(" ")
    parent = all(frame.active for frame in stack)
    dot = stack[-1].dot
    if word in ("if", "with", "range"):
        value = _condition(rest.strip(), dot, root)
        truthy = value is _UNSET or _truthy(value)
        inner = dot
        if word == "with":
            inner = value  # what ``.`` is inside; unknown when the value is
        elif word == "range":
            items = (
                value
                if isinstance(value, list)
                else list(value.values())
                if isinstance(value, dict)
                else []
            )
            inner = items[0] if items else _UNSET
            truthy = value is _UNSET or bool(items)
        stack.append(_Frame(word, parent and truthy, inner, taken=truthy))
    elif word in ("define", "block"):
        stack.append(_Frame(word, False, dot, taken=True))
    elif word == "else" and len(stack) > 1:
        frame = stack.pop()
        outer = all(f.active for f in stack)
        if rest.strip().startswith("if "):
            value = _condition(rest.strip()[3:].strip(), stack[-1].dot, root)
            truthy = not frame.taken and (value is _UNSET or _truthy(value))
            stack.append(_Frame("if", outer and truthy, stack[-1].dot, frame.taken or truthy))
        else:
            stack.append(_Frame(frame.kind, outer and not frame.taken, stack[-1].dot, True))
    elif word == "end" and len(stack) > 1:
        stack.pop()


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() not in ("", "false", "0", "null", "~")
    return bool(value)


def _condition(text: str, dot: Any, root: Any) -> Any:
    """The value an ``if``/``with``/``range`` tests, or ``_UNSET`` when it cannot be told
    (then the block is taken as written: a file states what it renders by default)."""
    text = text.strip()
    if text.startswith("$") and ":=" in text:
        text = text.split(":=", 1)[1].strip()
    words = _words(text)
    if len(words) == 1:
        return _path(words[0], dot, root)
    if words[:1] == ["not"] and len(words) == 2:
        value = _path(words[1], dot, root)
        return _UNSET if value is _UNSET else not _truthy(value)
    if words[:1] in (["eq"], ["ne"]) and len(words) == 3:
        left, right = (_literal_or_path(w, dot, root) for w in words[1:])
        if left is _UNSET or right is _UNSET:
            return _UNSET
        return (str(left) == str(right)) == (words[0] == "eq")
    if words[:1] == ["concat"] and len(words) >= 2:
        parts = [_path(w, dot, root) for w in words[1:]]
        if any(p is _UNSET for p in parts):
            return _UNSET
        return [item for part in parts if isinstance(part, list) for item in part]
    if words[:1] in (["and"], ["or"]) and len(words) >= 3:
        values = [_path(w, dot, root) for w in words[1:]]
        if any(v is _UNSET for v in values):
            return _UNSET
        truths = [_truthy(v) for v in values]
        return all(truths) if words[0] == "and" else any(truths)
    return _UNSET


def _words(text: str) -> list[str]:
    try:
        return shlex.split(text, posix=False)
    except ValueError:
        return text.split()


def _literal_or_path(word: str, dot: Any, root: Any) -> Any:
    if word[:1] in ('"', "`"):
        return word[1:-1]
    if re.fullmatch(r"-?\d+(?:\.\d+)?|true|false", word):
        return word
    return _path(word, dot, root)


def _path(word: str, dot: Any, root: Any) -> Any:
    """``.Values.a.b``, ``$.Values.a``, ``.a`` (under ``with``), ``.``; ``_UNSET`` for
    anything else, ``None`` for a path the values do not hold."""
    if word in (".", "$"):
        return root if word == "$" else dot
    if re.fullmatch(r"\$\w+", word):
        return root.get("$vars", {}).get(word, _UNSET) if isinstance(root, dict) else _UNSET
    if re.fullmatch(r"\$\w+\..+", word) and isinstance(root, dict):  # ``$values.envFrom``
        name, _, rest = word.partition(".")
        value = root.get("$vars", {}).get(name, _UNSET)
        return _path("." + rest, value, root) if value is not _UNSET else _UNSET
    if word.startswith("$."):
        value, word = root, word[1:]
    elif word.startswith("."):
        value = dot
    else:
        return _UNSET
    if value is _UNSET:
        return _UNSET
    for key in word.strip(".").split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _output(body: str, dot: Any, root: Any) -> str:
    """What an inline action prints."""
    if body.startswith("$") and ":=" in body:
        return ""  # a variable's assignment prints nothing
    value: Any = _UNSET
    indent: int | None = None
    for step, command in enumerate(_pipeline(body)):
        words = _words(command)
        if not words:
            return UNKNOWN
        name, args = words[0], words[1:]
        if step == 0 and not args and (name.startswith((".", "$")) or name[:1] == '"'):
            value = _literal_or_path(name, dot, root)
        elif name == "default" and args:
            given = _literal_or_path(args[0], dot, root)
            current = _literal_or_path(args[1], dot, root) if len(args) > 1 else value
            value = current if current not in (None, "", _UNSET) else given
        elif name in ("quote", "squote", "toString", "trim", "toYaml", "int", "lower", "upper"):
            current = _literal_or_path(args[0], dot, root) if args else value
            value = _apply(name, current)
        elif name in ("nindent", "indent") and args and args[0].isdigit():
            current = _literal_or_path(args[1], dot, root) if len(args) > 1 else value
            value, indent = current, int(args[0])
            if name == "nindent":
                indent = -indent
        else:
            return UNKNOWN  # include, tpl, lookup, printf, required...
    if value is _UNSET:
        return UNKNOWN
    text = _scalar(value)
    if indent is None:
        return text
    pad = " " * abs(indent)
    block = "\n".join(pad + part for part in text.splitlines())
    return ("\n" + block) if indent < 0 else block


def _pipeline(body: str) -> list[str]:
    parts: list[str] = []
    current = ""
    quote = ""
    for char in body:
        if quote:
            quote = "" if char == quote else quote
        elif char in '"`':
            quote = char
        elif char == "|":
            parts.append(current.strip())
            current = ""
            continue
        current += char
    parts.append(current.strip())
    return parts


def _apply(name: str, value: Any) -> Any:
    if value is _UNSET:
        return _UNSET
    if name == "toYaml":
        return _Yaml(value)
    text = _scalar(value)
    if name == "quote":
        return '"' + text.replace('"', '\\"') + '"'
    if name == "squote":
        return "'" + text + "'"
    if name in ("lower", "upper"):
        return text.lower() if name == "lower" else text.upper()
    return text.strip()


@dataclass(frozen=True, slots=True)
class _Yaml:
    value: Any


def _scalar(value: Any) -> str:
    if isinstance(value, _Yaml):
        return _to_yaml(value.value, 0).rstrip("\n")
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return _to_yaml(value, 0).rstrip("\n")
    return str(value)


def _to_yaml(value: Any, depth: int) -> str:
    """Block YAML of a values subtree (strings quoted as JSON, which YAML reads)."""
    pad = "  " * depth
    if isinstance(value, dict):
        if not value:
            return "{}\n"
        out = ""
        for key, item in value.items():
            if isinstance(item, dict | list) and item:
                out += f"{pad}{_quoted(str(key))}:\n{_to_yaml(item, depth + 1)}"
            else:
                out += f"{pad}{_quoted(str(key))}: {_flow(item)}\n"
        return out
    if isinstance(value, list):
        if not value:
            return "[]\n"
        out = ""
        for item in value:
            if isinstance(item, dict | list) and item:
                inner = _to_yaml(item, depth + 1).lstrip(" ")
                out += f"{pad}- {inner}"
            else:
                out += f"{pad}- {_flow(item)}\n"
        return out
    return _flow(value) + "\n"


def _flow(value: Any) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return _quoted("" if value is None else str(value))


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
