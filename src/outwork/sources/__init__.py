"""Sources turn what the user names into artifacts: directories, files, archives, registries.

Every source is bounded (:class:`Budgets`) and never writes outside a private temporary area,
never follows a link out of the tree, and reports hostile containers as core findings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from outwork.core.artifact import Artifact
from outwork.core.budgets import Budgets
from outwork.core.findings import Finding, Skip
from outwork.sources.exclude import Exclusion
from outwork.sources.filesystem import walk
from outwork.sources.images import IMAGE_PREFIXES, open_image
from outwork.sources.reader import Keeps

Yielded = Artifact | Finding | Skip
#: Targets fetched from a registry; the network code is imported only for them.
REGISTRY_PREFIXES = ("pypi:", "npm:")
DEFAULT_PYPI = "https://pypi.org/pypi"
DEFAULT_NPM = "https://registry.npmjs.org"

__all__ = ["Budgets", "Exclusion", "RegistryOptions", "Yielded", "open_target"]


@dataclass(frozen=True, slots=True)
class RegistryOptions:
    """Where to fetch from and how much (the CLI's ``--index-url`` and ``--npm-registry``):
    here rather than beside the registry client, which a scan imports for registry targets
    only."""

    pypi_url: str = DEFAULT_PYPI
    npm_url: str = DEFAULT_NPM
    timeout: float = 60.0
    #: Bytes downloaded for one release file.
    max_file_bytes: int = 512 * 1024 * 1024
    #: Release files fetched for one PyPI version (the sdist and the wheels, in that order).
    max_files: int = 8
    #: Seconds one release file may take to arrive in full (a registry that drips bytes slower
    #: than ``timeout`` per read would otherwise hold the scan forever).
    max_seconds: float = 900.0
    #: Download into this folder, which the caller removes (a long-running watcher), instead of
    #: a private one removed when the process exits.
    download_dir: str | None = None
    #: Raise when a release file cannot be fetched for now (unreachable, HTTP 429 or 5xx)
    #: instead of reporting it as skipped: a watcher retries the release later.
    raise_transient: bool = False


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
        from outwork.sources.registries import open_registry

        yield from open_registry(
            target, budgets, registry or RegistryOptions(), wants=wants, keeps=keeps
        )
        return
    yield from walk(
        target, budgets, include_git=include_git, wants=wants, exclusion=exclusion, keeps=keeps
    )
