"""Sources turn what the user names into artifacts: directories, files, archives, registries.

Every source is bounded (:class:`Budgets`) and never writes outside a private temporary area,
never follows a link out of the tree, and reports hostile containers as core findings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from outwork.core.artifact import Artifact
from outwork.core.budgets import Budgets
from outwork.core.findings import Finding, Skip
from outwork.sources.exclude import Exclusion
from outwork.sources.filesystem import walk
from outwork.sources.images import IMAGE_PREFIXES, open_image
from outwork.sources.reader import Keeps

if TYPE_CHECKING:
    from outwork.sources.registries import RegistryOptions

Yielded = Artifact | Finding | Skip
#: Targets fetched from a registry; the network code is imported only for them.
REGISTRY_PREFIXES = ("pypi:", "npm:")

__all__ = ["Budgets", "Exclusion", "Yielded", "open_target"]


def open_target(
    target: str,
    budgets: Budgets,
    *,
    include_git: bool = False,
    registry: RegistryOptions | None = None,
    wants: Callable[[Artifact], bool] | None = None,
    exclusion: Exclusion | None = None,
    keeps: Keeps | None = None,
) -> Iterator[Yielded]:
    """Everything a target holds: artifacts to analyse, findings about containers, skips.

    ``target`` is a path (file or directory), an image (``oci:PATH``, ``docker-archive:PATH``;
    a folder or plain tar that is one is recognised without the prefix too) or a registry
    reference (``pypi:NAME[==VER]``, ``npm:NAME[@VER]``), downloaded through ``registry``
    (index URLs, bounds) first.
    ``wants`` tells whether any analyzer reads an archive member, from its start (see
    :func:`outwork.sources.archives.iter_archive`); without it every member is held.
    ``exclusion`` leaves entries of folders on disk out (see :mod:`outwork.sources.exclude`).
    ``keeps`` says what an analyzer that reads an archive whole reads of its members: the walk
    keeps that and hands the archive over after its members (see
    :func:`outwork.sources.archives.archive_and_members`).
    """
    if target.startswith(IMAGE_PREFIXES):
        yield from open_image(target, budgets, wants=wants)
        return
    if target.startswith(REGISTRY_PREFIXES):
        from outwork.sources.registries import RegistryOptions, open_registry

        yield from open_registry(
            target, budgets, registry or RegistryOptions(), wants=wants, keeps=keeps
        )
        return
    yield from walk(
        target, budgets, include_git=include_git, wants=wants, exclusion=exclusion, keeps=keeps
    )
