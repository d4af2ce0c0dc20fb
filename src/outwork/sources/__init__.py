"""Sources turn what the user names into artifacts: directories, files, archives, registries.

Every source is bounded (:class:`Budgets`) and never writes outside a private temporary area,
never follows a link out of the tree, and reports hostile containers as core findings.
"""

from __future__ import annotations

from collections.abc import Iterator

from outwork.core.artifact import Artifact
from outwork.core.findings import Finding, Skip
from outwork.sources.budgets import Budgets

Yielded = Artifact | Finding | Skip

__all__ = ["Budgets", "Yielded", "open_target"]


def open_target(target: str, budgets: Budgets, *, include_git: bool = False) -> Iterator[Yielded]:
    """Everything a target holds: artifacts to analyse, findings about containers, skips.

    ``target`` is a path (file or directory). Registry references (``pypi:NAME``) are resolved
    by the packages layer before they reach here.
    """
    from outwork.sources.filesystem import walk

    yield from walk(target, budgets, include_git=include_git)
