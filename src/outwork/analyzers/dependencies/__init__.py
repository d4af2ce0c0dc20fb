"""The dependency layer (VUL): lockfiles, manifests, SBOMs and installed environments matched
offline against the embedded OSV database.

Results depend on the advisory database, not only on the file's bytes, so the analyzer is not
cached. The database path comes from ``context.options["dependencies.db"]`` or, failing that,
``context.data_dir``; the library never looks anywhere else.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, ClassVar, cast

from outwork.analyzers.dependencies.parsers import has_parser, looks_like_sbom
from outwork.core.analyzer import AnalysisContext, Analyzer, Component, Emitted, rules_in
from outwork.core.artifact import Artifact, Kind
from outwork.core.findings import Fact, Finding
from outwork.core.rules import Layer

if TYPE_CHECKING:
    from outwork.analyzers.dependencies.analysis import OpenStore


class DependencyAnalyzer(Analyzer):
    name = "dependencies"
    version = "2"
    layer = Layer.VUL
    kinds = frozenset({Kind.LOCKFILE})
    rules = rules_in("outwork.analyzers.dependencies.rules")
    implementation = "outwork.analyzers.dependencies.analysis"
    cacheable = False

    _stores: ClassVar[dict[tuple[str, int, int], OpenStore]] = {}

    def accepts(self, artifact: Artifact) -> bool:
        if has_parser(artifact.path):
            return artifact.kind not in (Kind.EMPTY, Kind.BINARY)
        if artifact.kind == Kind.JSON and artifact.name.lower().endswith(".json"):
            return looks_like_sbom(artifact.read(4096))
        return False

    def analyze(self, artifact: Artifact, context: AnalysisContext) -> Iterable[Emitted]:
        return cast(Iterable[Emitted], self.work.analyze(self._stores, artifact, context))

    @classmethod
    def finish_inputs(cls, offline: bool) -> tuple[str, ...]:
        """The images layer: an image's OS packages are matched here, after the scan."""
        return ("images",)

    def finish(
        self, components: Sequence[tuple[str, Component]], context: AnalysisContext
    ) -> Iterable[Finding | Fact]:
        if not any("lockfile" in c.properties for _, c in components):
            return ()  # no dependency to match (finish_scan's own test): its code stays unloaded
        return cast(
            Iterable[Finding | Fact], self.work.finish_scan(self._stores, components, context)
        )
