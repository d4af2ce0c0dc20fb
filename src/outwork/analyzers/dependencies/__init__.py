"""The dependency layer (VUL): lockfiles, manifests, SBOMs and installed environments matched
offline against the embedded OSV database.

Results depend on the advisory database, not only on the file's bytes, so the analyzer is not
cached. The database path comes from ``context.options["dependencies.db"]`` or, failing that,
``context.data_dir``; the library never looks anywhere else.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from outwork.analyzers.dependencies.parsers import has_parser, looks_like_sbom
from outwork.analyzers.dependencies.rules import VulnerableDependency
from outwork.core.analyzer import AnalysisContext, Analyzer, Emitted, rules_in
from outwork.core.artifact import Artifact, Kind

if TYPE_CHECKING:
    from outwork.store.advisories import AdvisoryStore

#: An open store, the age in days of its oldest feed, and the ecosystems it has feeds for.
_OpenStore = tuple["AdvisoryStore", float | None, frozenset[str]]

#: Largest lockfile read (bytes); bigger ones are refused with a CORE008 error, never truncated.
MAX_LOCKFILE_BYTES = 64 * 1024 * 1024
#: Sources whose version is the one really installed and can be matched.
MATCHABLE_SOURCES = frozenset({"registry", "installed", "sbom"})


def database_path(context: AnalysisContext) -> Path | None:
    configured = context.options.get("dependencies.db")
    if configured:
        return Path(str(configured))
    if context.data_dir:
        from outwork.store.advisories import DB_FILENAME

        return Path(context.data_dir) / DB_FILENAME
    return None


class DependencyAnalyzer(Analyzer):
    name = "dependencies"
    version = "2"
    layer = VulnerableDependency.layer
    kinds = frozenset({Kind.LOCKFILE})
    rules = rules_in("outwork.analyzers.dependencies.rules")
    cacheable = False

    _stores: ClassVar[dict[tuple[str, int, int], _OpenStore]] = {}

    def accepts(self, artifact: Artifact) -> bool:
        if has_parser(artifact.path):
            return artifact.kind not in (Kind.EMPTY, Kind.BINARY)
        if artifact.kind == Kind.JSON and artifact.name.lower().endswith(".json"):
            return looks_like_sbom(artifact.read(4096))
        return False

    def analyze(self, artifact: Artifact, context: AnalysisContext) -> Iterable[Emitted]:
        from outwork.analyzers.dependencies.analysis import analyze

        return analyze(self, artifact, context)

    def _open(self, db_path: Path | None) -> _OpenStore | str:
        from outwork.analyzers.dependencies.analysis import open_store

        return open_store(self._stores, db_path)
