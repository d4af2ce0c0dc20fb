"""The attack graph: facts from every layer joined into paths from entry points to crown jewels.

Node ids are ``type:id``. Nodes whose id starts with ``entry:`` are where an outside attacker
starts (a fork's pull request, a public registry, a model hub); nodes starting with ``jewel:`` are
what they want (a secret, code execution on a host, a cloud role). Facts from different layers join
on shared node ids (``pkg:pypi/requests@2.0`` from a lockfile and from an image), which is what
turns separate findings into one chain.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

import networkx as nx

from outwork.core.findings import AttackPath, Fact
from outwork.core.rules import Severity

ENTRY_PREFIX = "entry:"
JEWEL_PREFIX = "jewel:"
#: Longest chain considered, in facts.
MAX_HOPS = 8
#: Paths reported at most, shortest first.
MAX_PATHS = 200


def build_paths(facts: Iterable[Fact]) -> list[AttackPath]:
    """Every simple path from an entry node to a crown-jewel node, shortest first, bounded."""
    graph = nx.MultiDiGraph()
    for fact in facts:
        graph.add_edge(fact.source, fact.target, fact=fact)
    entries = sorted(n for n in graph.nodes if str(n).startswith(ENTRY_PREFIX))
    jewels = {n for n in graph.nodes if str(n).startswith(JEWEL_PREFIX)}
    found: list[AttackPath] = []
    seen: set[tuple[str, ...]] = set()
    for entry in entries:
        reachable = nx.descendants(graph, entry) & jewels
        for jewel in sorted(reachable):
            for nodes in nx.all_simple_paths(graph, entry, jewel, cutoff=MAX_HOPS):
                key = tuple(nodes)
                if key in seen:
                    continue
                seen.add(key)
                steps = tuple(_edge_fact(graph, a, b) for a, b in itertools.pairwise(nodes))
                found.append(AttackPath(entry, jewel, steps, _severity(steps)))
                if len(found) >= MAX_PATHS * 4:
                    break
    found.sort(key=lambda p: (-p.severity, len(p.steps), p.entry, p.target))
    return found[:MAX_PATHS]


def _edge_fact(graph: nx.MultiDiGraph, a: str, b: str) -> Fact:
    data = graph.get_edge_data(a, b)
    first = min(data.values(), key=lambda d: (d["fact"].relation, d["fact"].proof))
    fact: Fact = first["fact"]
    return fact


def _severity(steps: tuple[Fact, ...]) -> Severity:
    best = Severity.HIGH
    for step in steps:
        label = step.properties.get("severity")
        if isinstance(label, str):
            try:
                best = max(best, Severity.parse(label))
            except ValueError:
                continue
    return best
