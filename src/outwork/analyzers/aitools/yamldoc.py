"""YAML documents (compose files, Kubernetes manifests) as plain values with the line of every
mapping key, read under a budget: PyYAML's composer (no tags constructed, no objects built),
aliases expanded by count so an alias bomb stops, nesting bounded."""

from __future__ import annotations

from typing import Any

import yaml  # type: ignore[import-untyped]  # PyYAML ships no stubs; only its composer is used

#: Nodes once aliases are expanded, over every document of one file.
MAX_NODES = 200_000
#: Nesting depth of collections (also stops recursive aliases).
MAX_DEPTH = 64
#: Documents read from one multi-document file.
MAX_DOCUMENTS = 2_000

_LOADER = getattr(yaml, "CBaseLoader", yaml.BaseLoader)


class YamlError(ValueError):
    """The text is not YAML, or is past a budget."""


class YamlBudgetError(YamlError):
    """The text is past a budget (an alias bomb, deep nesting, too many documents)."""


class Mapping(dict[str, Any]):
    """A YAML mapping: its keys' lines (1-based) and its own."""

    __slots__ = ("key_lines", "line")

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[str, int] = {}

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


def documents(text: str) -> list[Any]:
    """Every document of the text as dicts (:class:`Mapping`), lists and strings."""
    try:
        nodes = []
        for node in yaml.compose_all(text, Loader=_LOADER):
            nodes.append(node)
            if len(nodes) > MAX_DOCUMENTS:
                raise YamlBudgetError(f"more than {MAX_DOCUMENTS} documents")
    except yaml.YAMLError as error:
        raise YamlError(" ".join(str(error).split())[:200]) from None
    except RecursionError:
        raise YamlBudgetError("nesting too deep for the parser") from None
    budget = [MAX_NODES]
    return [_value(node, 0, budget) for node in nodes if node is not None]


def _value(node: Any, depth: int, budget: list[int]) -> Any:
    budget[0] -= 1
    if budget[0] < 0:
        raise YamlBudgetError(
            f"more than {MAX_NODES} nodes once aliases are expanded (alias bomb?)"
        )
    if depth > MAX_DEPTH:
        raise YamlBudgetError(f"nesting deeper than {MAX_DEPTH} (recursive alias?)")
    if isinstance(node, yaml.ScalarNode):
        return str(node.value)
    if isinstance(node, yaml.SequenceNode):
        return [_value(child, depth + 1, budget) for child in node.value]
    out = Mapping(node.start_mark.line + 1)
    for key_node, value_node in node.value:
        key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else ""
        if key == "<<":
            merged = _value(value_node, depth + 1, budget)
            for part in merged if isinstance(merged, list) else [merged]:
                if isinstance(part, Mapping):
                    for name, value in part.items():
                        out.setdefault(name, value)
                        out.key_lines.setdefault(name, part.line_of(name))
            continue
        out[key] = _value(value_node, depth + 1, budget)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out
