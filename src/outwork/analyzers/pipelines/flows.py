"""Taint across files: a workflow hands attacker data to a composite action or a reusable workflow
of the same repository (``uses: ./...``), whose script expands the input.

Each file is analysed alone (and cached alone), so each records what crosses its boundary in a
private component (:data:`FLOWS`): the inputs its scripts expand (``sinks``) and what it passes to
local actions and workflows (``calls``: attacker data with its path and the caller's triggers, or
one of its own inputs handed on). :func:`cross_file` joins them once per scan, following inputs
handed on through any number of files, and reports each sink reached with the path from the
caller's trigger to the sink.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from outwork.core.analyzer import Component

#: The component type of a file's flow summary (private: reports leave out ``_`` types).
FLOWS = "_pipeline-flows"
#: Files an attacker's value may cross before a sink (longer chains are not followed).
MAX_HOPS = 8


def local_target(caller: str, uses: str) -> str | None:
    """The path of the file a ``uses: ./...`` of ``caller`` names (a workflow file, or an
    action's directory), resolved against the repository root the caller's path shows."""
    text = uses.strip()
    if not text.startswith("./") or "@" in text:
        return None
    path = caller.replace("\\", "/")
    at = path.rfind("/.github/")
    if at >= 0:
        root = path[:at]
    elif path.startswith(".github/"):
        root = ""
    else:
        return None
    joined = posixpath.normpath(posixpath.join(root or ".", text[2:]))
    return joined if root else joined.removeprefix("./")


@dataclass(frozen=True, slots=True)
class Reached:
    """Attacker data arriving at one input of one file."""

    chain: tuple[str, ...]
    caller: str
    events: tuple[str, ...]
    line: int | None


def cross_file(
    components: Sequence[tuple[str, Component]],
) -> Iterator[tuple[str, dict[str, Any], Reached, str]]:
    """(callee path, sink, how the attacker's value reached it, the input) for every sink of a
    local action or reusable workflow that attacker data reaches from another file."""
    summaries = {
        posixpath.normpath(path.replace("\\", "/")): c.properties
        for path, c in components
        if c.type == FLOWS
    }
    reached: dict[tuple[str, str], Reached] = {}
    work: list[tuple[str, str]] = []
    for path, summary in summaries.items():
        for call in summary.get("calls", ()):
            if "chain" not in call:
                continue
            target = _resolve(str(call["target"]), summaries)
            key = (target, str(call["input"]).lower()) if target else None
            if key is None or key in reached:
                continue
            reached[key] = Reached(
                (*call["chain"], f"{path}:{call['line']} {call['at']}"),
                path,
                tuple(summary.get("events", ())),
                call.get("line"),
            )
            work.append(key)
    hops = 0
    while work and hops < MAX_HOPS * len(summaries):
        hops += 1
        file, name = work.pop()
        came = reached[(file, name)]
        for call in summaries[file].get("calls", ()):
            if str(call.get("forward", "")).lower() != name:
                continue
            target = _resolve(str(call["target"]), summaries)
            key = (target, str(call["input"]).lower()) if target else None
            if key is None or key in reached or len(came.chain) > 4 * MAX_HOPS:
                continue
            reached[key] = Reached(
                (*came.chain, f"inputs.{name}", f"{file}:{call['line']} {call['at']}"),
                came.caller,
                came.events,
                came.line,
            )
            work.append(key)
    for (file, name), came in sorted(reached.items()):
        for sink in summaries[file].get("sinks", ()):
            if str(sink["input"]).lower() == name:
                yield file, sink, came, name


def _resolve(target: str, summaries: dict[str, Any]) -> str | None:
    """The summarised file a call's target names (an action directory holds ``action.yml``)."""
    target = posixpath.normpath(target)
    for candidate in (target, f"{target}/action.yml", f"{target}/action.yaml"):
        if candidate in summaries:
            return candidate
    return None
