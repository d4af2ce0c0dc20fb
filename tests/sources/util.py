"""Run the archive source on bytes and sort what comes out."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from outwork.core.artifact import HEAD_BYTES, Artifact, Kind, classify, refine_zip
from outwork.core.budgets import Budgets
from outwork.core.findings import Finding, Skip
from outwork.sources.archives import iter_archive

SMALL = Budgets(
    max_members=1000,
    max_total_bytes=64 * 1024 * 1024,
    max_member_bytes=16 * 1024 * 1024,
    max_seconds=20.0,
)


@dataclass
class Opened:
    artifacts: list[Artifact] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    skips: list[Skip] = field(default_factory=list)
    seconds: float = 0.0

    def codes(self) -> set[str]:
        return {f.code for f in self.findings}

    def at(self, code: str) -> list[str]:
        return [f.location.path for f in self.findings if f.code == code]

    def paths(self) -> list[str]:
        return [a.path for a in self.artifacts]

    def member(self, path: str) -> Artifact:
        return next(a for a in self.artifacts if a.path == path)


def artifact_of(name: str, data: bytes) -> Artifact:
    kind = classify(data[:HEAD_BYTES], name, len(data))
    if kind is Kind.ZIP:
        kind = refine_zip(data)
    return Artifact(path=name, kind=kind, size=len(data), data=data, root=name)


def open_bytes(
    name: str,
    data: bytes,
    budgets: Budgets = SMALL,
    *,
    kind: Kind | None = None,
    wants: Callable[[Artifact], bool] | None = None,
) -> Opened:
    artifact = artifact_of(name, data)
    if kind is not None:
        artifact = Artifact(path=name, kind=kind, size=len(data), data=data, root=name)
    out = Opened()
    started = time.monotonic()
    deadline = budgets.deadline()
    for item in iter_archive(artifact, budgets, depth=1, deadline=deadline, wants=wants):
        if isinstance(item, Artifact):
            out.artifacts.append(item)
        elif isinstance(item, Finding):
            out.findings.append(item)
        else:
            out.skips.append(item)
    out.seconds = time.monotonic() - started
    return out
