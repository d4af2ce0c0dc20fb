"""The end of a scan: the policy first, then attack paths joined from what the policy left.

A fact is proven by a location (``path``, ``path:line``, ``path: logical``); the findings at that
location are what back it. A step whose backing findings were all suppressed, ignored or
baselined is suppressed; a path whose every backed step is suppressed is dropped, and a path with
some suppressed steps names them. A fact no finding backs (a lockfile lists a dependency) is
neither: it stays a plain link of the chain.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from outwork.core.artifact import MEMBER_SEP
from outwork.core.findings import AttackPath, Fact, Finding, Location, ScanResult
from outwork.core.policy import Policy, apply
from outwork.graph import build_paths, path_findings, proof_location


def conclude(result: ScanResult, policy: Policy) -> ScanResult:
    """Apply ``policy`` to the analyzers' findings, join attack paths from the facts the
    remaining findings still back, and apply the policy to the path findings too."""
    everything = list(result.findings)
    apply(result, policy)
    active = [f for f in result.findings if f.suppressed is None]
    backing = _Backing(everything, active)
    paths: list[AttackPath] = []
    for path in build_paths(result.facts):
        states = [backing.state(step) for step in path.steps]
        backed = [i for i, state in enumerate(states) if state is not None]
        suppressed = tuple(i for i in backed if states[i] is False)
        if backed and len(suppressed) == len(backed):
            continue
        paths.append(replace(path, suppressed_steps=suppressed))
    result.paths = paths
    joined = ScanResult(findings=path_findings(paths))
    apply(joined, policy)
    result.findings.extend(joined.findings)
    return result


class _Backing:
    """The findings at each proof location, before and after the policy."""

    def __init__(self, everything: list[Finding], active: list[Finding]) -> None:
        self._all = _by_path(everything)
        self._active = _by_path(active)

    def state(self, fact: Fact) -> bool | None:
        """True when an active finding backs the fact, False when only suppressed ones do,
        None when no finding does."""
        where = proof_location(fact.proof)
        if not self._matching(self._all, where):
            return None
        return bool(self._matching(self._active, where))

    @staticmethod
    def _matching(index: dict[str, list[Finding]], where: Location) -> list[Finding]:
        found = [
            f
            for path, items in index.items()
            if path == where.path or path.startswith(where.path + MEMBER_SEP)
            for f in items
        ]
        if where.line is not None:
            found = [f for f in found if f.location.line == where.line]
        if where.logical is not None:
            found = [f for f in found if _within(f.location.logical, where.logical)]
        return found


def _within(logical: str | None, scope: str) -> bool:
    """``jobs.build.steps[2].run`` is within ``jobs.build``; ``jobs.builder`` is not."""
    return logical is not None and (
        logical == scope or (logical.startswith(scope) and logical[len(scope)] in ".[:")
    )


def _by_path(findings: list[Finding]) -> dict[str, list[Finding]]:
    index: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        index[finding.location.path].append(finding)
    return index
