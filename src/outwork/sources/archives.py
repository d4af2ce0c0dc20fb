"""Archive sources (placeholder until the bounded readers land)."""

from __future__ import annotations

from collections.abc import Iterator

from outwork.core.artifact import Artifact
from outwork.core.findings import Finding, Skip
from outwork.sources.budgets import Budgets


def iter_archive(
    artifact: Artifact, budgets: Budgets, *, depth: int, deadline: float
) -> Iterator[Artifact | Finding | Skip]:
    """Members of an archive artifact, as artifacts with logical paths joined by ``!/``."""
    del budgets, depth, deadline
    yield Skip(artifact.path, "archive members are not read yet")
