"""Which files of a tree on disk the walk leaves out: ``exclude`` patterns and ``.gitignore``.

Patterns are gitignore-style (pathspec's :class:`~pathspec.GitIgnoreSpec`) and match paths
relative to the project root (the folder whose configuration or repository the scan belongs to),
or to the target when it lies outside that root. ``.gitignore`` files count only inside a git
repository (a ``.git`` folder at or above the target): an unpacked package cannot hide its
own files by shipping one. Exclusion never applies inside archives or to a target named on
the command line, and every excluded entry is a skip that names the pattern, so nothing is
left out in silence.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec

#: Bytes of one .gitignore file read; a larger one is read up to here.
MAX_GITIGNORE_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Exclusion:
    """What to leave out of walks on disk."""

    #: Gitignore-style patterns, relative to ``root``.
    patterns: tuple[str, ...] = ()
    #: Read ``.gitignore`` files inside git repositories.
    respect_gitignore: bool = True
    #: The project root patterns are relative to (None: the target).
    root: str | None = None


class Excluder:
    """Decides, entry by entry while a tree is walked, what the walk leaves out."""

    def __init__(self, exclusion: Exclusion, target: Path) -> None:
        self.target = target
        root = Path(exclusion.root).resolve() if exclusion.root else target
        self.root = root if _within(target, root) else target
        self.spec = _gitignore_spec(exclusion.patterns) if exclusion.patterns else None
        self.repository = _repository_of(target) if exclusion.respect_gitignore else None
        #: .gitignore patterns by the folder that holds them (None: the folder has none).
        self._ignores: dict[Path, GitIgnoreSpec | None] = {}
        if self.repository is not None:
            # Files above the target, from the repository's root down, apply to it too.
            above = [target, *target.parents]
            for folder in reversed(above[: above.index(self.repository) + 1]):
                self._load(folder)

    @property
    def active(self) -> bool:
        return self.spec is not None or self.repository is not None

    def enter(self, directory: Path) -> None:
        """Read the ``.gitignore`` of a folder the walk enters."""
        if self.repository is not None and directory not in self._ignores:
            self._load(directory)

    def excluded(self, path: Path, *, is_dir: bool) -> str | None:
        """Why ``path`` is left out, or None."""
        suffix = "/" if is_dir else ""
        if self.spec is not None:
            relative = _relative(path, self.root)
            if relative and self.spec.match_file(relative + suffix):
                return "excluded by the exclude patterns"
        if self.repository is not None:
            # The deepest .gitignore with a verdict decides (a "!pattern" there re-includes).
            for folder in (path.parent, *path.parent.parents):
                ignore = self._ignores.get(folder)
                if ignore is not None:
                    verdict = ignore.check_file(_relative(path, folder) + suffix).include
                    if verdict is not None:
                        where = _relative(folder / ".gitignore", self.repository)
                        return f"ignored by {where}" if verdict else None
                if folder == self.repository:
                    break
        return None

    def _load(self, directory: Path) -> None:
        path = directory / ".gitignore"
        try:
            with path.open("rb") as fh:
                text = fh.read(MAX_GITIGNORE_BYTES).decode("utf-8", "replace")
        except OSError:  # none, or unreadable: nothing is ignored by it
            self._ignores[directory] = None
            return
        spec = _gitignore_spec(text.splitlines())
        self._ignores[directory] = spec if spec.patterns else None


def _gitignore_spec(lines: Iterable[str]) -> GitIgnoreSpec:
    """pathspec's matcher for gitignore-style lines, imported by the scans that have some: a
    folder outside a repository scanned without exclude patterns starts without it
    (docs/benchmarks.md, issue 21)."""
    from pathspec import GitIgnoreSpec

    return GitIgnoreSpec.from_lines(lines)


def _relative(path: Path, base: Path) -> str:
    return os.path.relpath(path, base).replace(os.sep, "/")


def _within(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _repository_of(target: Path) -> Path | None:
    """The git work tree that holds ``target`` (its folder with ``.git``), or None."""
    for folder in (target, *target.parents):
        if (folder / ".git").exists():
            return folder
    return None
