"""A bounded YAML reader that keeps the position of every node.

The composer of ruamel.yaml builds the node graph (no Python objects are constructed, no tags are
resolved); this module turns that graph into :class:`Node` trees with 1-based lines and columns,
expanding aliases and merge keys under a budget so that an alias bomb ("billion laughs") stops
with :class:`YamlBudgetError` instead of exhausting memory.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import yaml  # type: ignore[import-untyped]  # PyYAML ships no stubs; only its composer is used

from outwork.analyzers.pipelines.paths import parse_path

#: Largest document read, in characters.
MAX_TEXT = 4 * 1024 * 1024
#: Nodes produced once aliases are expanded; real workflows use a few thousand.
MAX_NODES = 100_000
#: Nesting depth of collections (also stops recursive aliases).
MAX_DEPTH = 128


class YamlBudgetError(ValueError):
    """The document exceeds a budget (size, expanded nodes, depth)."""


class YamlSyntaxError(ValueError):
    """The document is not YAML this reader accepts; ``line`` is where the broken construct
    starts, when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


@dataclass(slots=True, eq=False)
class Node:
    """A YAML node: a mapping (``dict[str, Node]``), a sequence (``list[Node]``) or a scalar
    (``str``; tags are not resolved, so ``on`` stays the string ``"on"``)."""

    value: Any
    line: int
    col: int
    start: int = 0
    end: int = 0
    style: str | None = None
    #: For mappings: the position (line, column) of each key.
    keys: dict[str, tuple[int, int]] = field(default_factory=dict)
    #: True when the node came from an alias (its position is the anchor's).
    aliased: bool = False
    #: An explicit local tag written in the document (GitLab's ``!reference``), else None.
    tag: str | None = None

    # --- typed accessors -------------------------------------------------------------------
    @property
    def is_map(self) -> bool:
        return isinstance(self.value, dict)

    @property
    def is_seq(self) -> bool:
        return isinstance(self.value, list)

    @property
    def is_str(self) -> bool:
        return isinstance(self.value, str)

    def get(self, key: str) -> Node | None:
        value = self.value
        if isinstance(value, dict):
            found: Node | None = value.get(key)
            return found
        return None

    def text(self, key: str | None = None, default: str = "") -> str:
        node = self if key is None else self.get(key)
        if node is not None and isinstance(node.value, str):
            return node.value
        return default

    def children(self, key: str) -> list[Node]:
        """The items of the sequence under ``key`` (empty when absent or not a sequence)."""
        child = self.get(key)
        return child.seq() if child is not None else []

    def sub_text(self, key: str, sub: str, default: str = "") -> str:
        """``self[key][sub]`` as text, or ``default``."""
        child = self.get(key)
        return child.text(sub, default) if child is not None else default

    def sub(self, key: str, sub: str) -> Node | None:
        child = self.get(key)
        return child.get(sub) if child is not None else None

    def items(self) -> list[tuple[str, Node]]:
        return list(self.value.items()) if isinstance(self.value, dict) else []

    def seq(self) -> list[Node]:
        return list(self.value) if isinstance(self.value, list) else []

    def key_pos(self, key: str) -> tuple[int, int]:
        return self.keys.get(key, (self.line, self.col))

    def strings(self) -> list[Node]:
        """Every scalar below this node, in document order."""
        out: list[Node] = []
        append = out.append
        stack: list[Node] = [self]
        pop, push = stack.pop, stack.extend
        while stack:
            node = pop()
            value = node.value
            if isinstance(value, str):
                append(node)
            elif isinstance(value, dict):
                push(reversed(value.values()))
            elif isinstance(value, list):
                push(reversed(value))
        return out


def _libyaml() -> tuple[Any, type[Exception]] | None:
    """PyYAML's libyaml composer (much faster than a pure-Python one), when PyYAML was built
    with libyaml."""
    # CBaseLoader: libyaml's parser without implicit tag resolution (values stay strings)
    base = getattr(yaml, "CBaseLoader", None)
    if base is None or not getattr(yaml, "__with_libyaml__", False):
        return None
    tags = {
        yaml.ScalarNode: base.DEFAULT_SCALAR_TAG,
        yaml.SequenceNode: base.DEFAULT_SEQUENCE_TAG,
        yaml.MappingNode: base.DEFAULT_MAPPING_TAG,
    }

    class Loader(base):  # type: ignore[misc, valid-type]
        """CBaseLoader without the per-node call into the resolver's generic code: a base
        loader has no implicit or path resolvers, so every node gets its kind's default tag
        (and the tags are never read here)."""

        def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
            tag: str = tags[kind]
            return tag

    return Loader, yaml.YAMLError


_FAST = _libyaml()


def _compose(text: str) -> Any:
    """The first document's node graph, from libyaml when available, else ruamel.yaml.

    YAML 1.2 lets a document define an anchor again (an alias names the latest definition
    before it), and the CI systems accept it; libyaml refuses. Such a document is composed by
    ruamel.yaml, which follows the specification.
    """
    if _FAST is not None:
        try:
            for document in yaml.compose_all(text, Loader=_FAST[0]):
                return document
        except yaml.composer.ComposerError as exc:
            if "duplicate anchor" not in str(exc):
                raise
        else:
            return None
    return _compose_ruamel(text)


def _compose_ruamel(text: str) -> Any:
    from ruamel.yaml.error import ReusedAnchorWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ReusedAnchorWarning)
        return _ruamel()[0].compose(text)


@lru_cache(maxsize=1)
def _ruamel() -> tuple[Any, type[Exception]]:
    """ruamel.yaml's pure-Python composer: the fallback where PyYAML lacks libyaml, loaded only
    there (never a second YAML library beside the first)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    return YAML(typ="rt", pure=True), YAMLError


def _errors() -> tuple[type[Exception], ...]:
    if _FAST is not None:
        return (_FAST[1], _ruamel()[1])
    return (_ruamel()[1],)


def load(text: str) -> Node | None:
    """Parse one YAML document (the first, when there are several) into a positioned tree.

    Returns None for an empty document. Raises :class:`YamlSyntaxError` or
    :class:`YamlBudgetError`; never constructs Python objects from tags.
    """
    if len(text) > MAX_TEXT:
        raise YamlBudgetError(f"document of {len(text)} characters exceeds {MAX_TEXT}")
    _precheck(text)
    try:
        root = _compose(text)
    except _errors() as exc:
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise YamlSyntaxError(_first_line(str(exc)), line) from None
    except RecursionError:
        raise YamlBudgetError("nesting too deep for the parser") from None
    except (ValueError, TypeError, AttributeError, IndexError) as exc:
        raise YamlSyntaxError(f"{type(exc).__name__}: {_first_line(str(exc))}") from None
    if root is None:
        return None
    return _Converter().convert(root, 0, False)


_DEEP_INDENT_RE = re.compile(rf"^[ \t-]{{{MAX_DEPTH * 8},}}", re.M)


def _precheck(text: str) -> None:
    """Refuse nesting the parser would spend seconds on before giving up (flow brackets or
    indentation far deeper than any pipeline)."""
    if text.count("[") + text.count("{") > MAX_DEPTH:
        depth = deepest = 0
        for char in text:
            if char in "[{":
                depth += 1
                deepest = max(deepest, depth)
            elif char in "]}" and depth:
                depth -= 1
        if deepest > MAX_DEPTH:
            raise YamlBudgetError(f"flow collections nested deeper than {MAX_DEPTH}")
    if len(text) > MAX_DEPTH * 8 and _DEEP_INDENT_RE.search(text):
        raise YamlBudgetError(f"indentation deeper than {MAX_DEPTH * 8} columns")


def _first_line(message: str) -> str:
    return " ".join(message.split())[:300]


class _Converter:
    def __init__(self) -> None:
        self.count = 0
        self.seen: set[int] = set()

    def convert(self, node: Any, depth: int, aliased: bool) -> Node:
        self.count += 1
        if self.count > MAX_NODES:
            raise YamlBudgetError(
                f"more than {MAX_NODES} nodes once aliases are expanded (alias bomb?)"
            )
        if depth > MAX_DEPTH:
            raise YamlBudgetError(f"nesting deeper than {MAX_DEPTH} (recursive alias?)")
        ident = id(node)
        seen = self.seen
        again = aliased or ident in seen
        seen.add(ident)
        mark = node.start_mark
        end_mark = node.end_mark
        start = mark.index
        end = end_mark.index if end_mark is not None else start
        kind = getattr(node, "id", "")
        tag = getattr(node.tag, "value", node.tag)  # ruamel.yaml wraps it in a Tag
        written = tag if isinstance(tag, str) and tag.startswith("!") else None
        if kind == "scalar":
            value = node.value
            text = str(value) if value is not None else ""
            return Node(
                text, mark.line + 1, mark.column + 1, start, end, node.style, {}, again, written
            )
        out = Node(None, mark.line + 1, mark.column + 1, start, end, None, {}, again, written)
        if kind == "sequence":
            convert = self.convert
            deeper = depth + 1
            out.value = [convert(child, deeper, again) for child in node.value]
        elif kind == "mapping":
            convert = self.convert
            deeper = depth + 1
            mapping: dict[str, Node] = {}
            keys = out.keys
            merged: list[Node] = []
            for key_node, value_node in node.value:
                key = (
                    str(key_node.value)
                    if getattr(key_node, "id", "") == "scalar"
                    else _key_text(key_node)
                )
                if key == "<<" and not getattr(key_node, "style", None):
                    merged.append(convert(value_node, deeper, True))
                    continue
                mapping[key] = convert(value_node, deeper, again)
                key_mark = key_node.start_mark
                keys[key] = (key_mark.line + 1, key_mark.column + 1)
            for source in merged:
                for part in source.value if isinstance(source.value, list) else [source]:
                    if isinstance(part.value, dict):
                        for key, value in part.value.items():
                            if key not in mapping:
                                mapping[key] = value
                                keys[key] = part.keys.get(key, (part.line, part.col))
            out.value = mapping
        else:  # pragma: no cover - the composer only builds the three kinds
            out.value = ""
        return out


def _key_text(node: Any) -> str:
    if getattr(node, "id", "") == "scalar":
        return str(node.value)
    return f"<complex key at line {node.start_mark.line + 1}>"


def locate(root: Node, logical: str) -> tuple[int, int] | None:
    """The line and column of a key path: the key's position for mapping members."""
    node = root
    position: tuple[int, int] | None = (root.line, root.col)
    for part in parse_path(logical):
        if isinstance(part, int):
            items = node.seq()
            if not 0 <= part < len(items):
                return None
            node = items[part]
            position = (node.line, node.col)
        else:
            child = node.get(part)
            if child is None:
                return None
            position = node.key_pos(part)
            node = child
    return position


@lru_cache(maxsize=16)
def _cached(text: str) -> Node | None:
    return load(text)


def resolve(text: str, logical: str) -> tuple[int, int] | None:
    """Resolver for the shared locator (``Kind.YAML``)."""
    try:
        root = _cached(text)
    except (YamlSyntaxError, YamlBudgetError):
        return None
    if root is None:
        return None
    return locate(root, logical)
