"""The packages layer (PKG): poisoned PyPI and npm packages, caught before they are installed.

The analyzer is declared here (name, version, kinds, rules); what it does is in ``analysis.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import cast

from outwork.core.analyzer import AnalysisContext, Analyzer, Component, rules_in
from outwork.core.artifact import ARCHIVE_KINDS, MEMBER_SEP, Artifact, Kind, MemberNeeds
from outwork.core.findings import Finding
from outwork.core.reach import names_documentation
from outwork.core.rules import Layer

#: Package metadata met as loose files (``loose.py``): ``*.dist-info/METADATA``, ``PKG-INFO``,
#: a checkout's ``pyproject.toml`` and ``setup.cfg``.
_LOOSE_METADATA = ("/METADATA", "/PKG-INFO", "/pyproject.toml", "/setup.cfg")


def _loose_metadata(path: str) -> bool:
    """Decided by the name alone, for every artifact of every scan: cheap string tests."""
    if not path.endswith(_LOOSE_METADATA) and path not in (
        "PKG-INFO",
        "pyproject.toml",
        "setup.cfg",
    ):
        return False
    return not path.endswith("/METADATA") or path[: -len("/METADATA")].endswith(".dist-info")


def _installed_document(artifact: Artifact) -> bool:
    """A document (``README.md``) of an installed Python package: read when a module of the
    package names it (it may ``exec`` it), which the implementation decides."""
    if artifact.kind is not Kind.TEXT or not names_documentation(artifact.name):
        return False
    parts = artifact.path.replace(MEMBER_SEP, "/").split("/")[:-1]
    return any(part in ("site-packages", "dist-packages") for part in parts)


class PackageAnalyzer(Analyzer):
    name = "packages"
    version = "62"
    layer = Layer.PKG
    kinds = frozenset(
        {
            Kind.ZIP,
            Kind.TAR,
            Kind.GZIP,
            Kind.BZIP2,
            Kind.XZ,
            Kind.PYTHON,
            Kind.JAVASCRIPT,
            Kind.JSON,
        }
    )
    rules = rules_in("outwork.analyzers.packages.rules")
    implementation = "outwork.analyzers.packages.analysis"

    def accepts(self, artifact: Artifact) -> bool:
        if (
            artifact.kind not in self.kinds
            and artifact.kind not in ARCHIVE_KINDS
            and not _loose_metadata(artifact.path)
            and not _installed_document(artifact)
        ):
            return False
        return cast(bool, self.work.accepts(artifact))

    def member_needs(self, archive: Artifact) -> MemberNeeds | None:
        return cast(MemberNeeds | None, self.work.member_needs(archive))

    def imitates(self, name: str, ecosystem: str) -> tuple[str, str] | None:
        """The popular package name this one imitates and how (offline, from the layer's
        popular-name data), or None: the table's public face for other layers (reached through
        :func:`outwork.core.analyzer.installed_layer`)."""
        return cast(tuple[str, str] | None, self.work.imitates(name, ecosystem))

    @classmethod
    def finish_inputs(cls, offline: bool) -> tuple[str, ...]:
        # Online, the registry checks also judge the dependencies that manifests declare.
        return () if offline else ("dependencies",)

    def finish(
        self, components: Sequence[tuple[str, Component]], context: AnalysisContext
    ) -> Iterable[Finding]:
        if context.offline:
            return ()
        return cast(Iterable[Finding], self.work.finish(components, context))
