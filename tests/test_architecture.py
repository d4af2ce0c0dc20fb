"""The layering DESIGN.md promises, read from the source's imports so that it keeps holding:
no cycle between top-level packages, core imports nothing above it, and no analyzer imports
another analyzer's modules."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

SRC = Path(__file__).resolve().parents[1] / "src" / "outwork"


def _imports() -> list[tuple[str, str]]:
    """(importing module, imported outwork module) for every import anywhere in a module,
    function-level and type-checking imports included."""
    edges: list[tuple[str, str]] = []
    for path in SRC.rglob("*.py"):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                names = [base] + [f"{base}.{alias.name}" for alias in node.names]
            else:
                continue
            edges.extend((module, name) for name in names if name.startswith("outwork."))
    return edges


def _top(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_top_level_packages_have_no_import_cycle() -> None:
    graph = nx.DiGraph()
    graph.add_edges_from(
        (_top(a), _top(b)) for a, b in _imports() if _top(a) != _top(b) and _top(b)
    )
    assert list(nx.simple_cycles(graph)) == []


def test_core_imports_nothing_above_it() -> None:
    above = [(a, b) for a, b in _imports() if _top(a) == "core" and _top(b) not in ("core", "")]
    assert above == []


def test_analyzers_never_import_each_other() -> None:
    def layer(module: str) -> str:
        parts = module.split(".")
        return parts[2] if len(parts) > 2 and parts[1] == "analyzers" else ""

    crossing = [(a, b) for a, b in _imports() if layer(a) and layer(b) and layer(a) != layer(b)]
    assert crossing == []


def test_the_reader_sees_every_module() -> None:
    importing = {a for a, _ in _imports()}
    assert {"outwork.core.analyzer", "outwork.engine.pipeline", "outwork.cli.main"} <= importing
