"""The AI-toolchain layer (AI): what coding agents obey and launch.

Instruction files (``AGENTS.md``, ``CLAUDE.md``, Cursor and Windsurf rules, Copilot instructions,
agent skills) are read as an agent reads them: every character, the hidden ones revealed
(:mod:`.hidden`), encoded blobs decoded, and the instructions they give matched against what an
attacker wants an agent to do (:mod:`.rules`). MCP client configurations are parsed for what
they launch and what they hand it (:mod:`.mcp`), and MCP server code for the tool descriptions
the model reads (:mod:`.toolcode`). The work is in :mod:`.analysis`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import cast

from outwork.analyzers.aitools.files import (
    APP_MARKERS,
    MCP_SDK_MARKERS,
    SCAN_LIMIT,
    SERVICE_MARKERS,
    find_marker,
    imports_loader,
    role_of,
    service_file,
)
from outwork.analyzers.aitools.modelrepo import claims_safe_format, is_lfs_pointer, is_model_card
from outwork.core.analyzer import AnalysisContext, Analyzer, Component, rules_in
from outwork.core.artifact import TEXT_KINDS, Artifact, Kind
from outwork.core.findings import Finding
from outwork.core.rules import Layer

#: Bytes of a source file read to decide whether it is an MCP server.
PROBE = 64 * 1024


class AIToolsAnalyzer(Analyzer):
    """Instruction files, MCP client configurations, MCP server code, application code that
    loads models, and the deployment files that launch AI services."""

    name = "aitools"
    version = "16"
    layer = Layer.AI
    #: An instruction file that does not look like text is still read by the agent.
    kinds = TEXT_KINDS | {Kind.BINARY, Kind.PICKLE, Kind.PYTORCH_ZIP}
    rules = rules_in("outwork.analyzers.aitools.rules")
    implementation = "outwork.analyzers.aitools.analysis"

    def accepts(self, artifact: Artifact) -> bool:
        if artifact.kind not in self.kinds:
            return False
        if artifact.kind in (Kind.PICKLE, Kind.PYTORCH_ZIP):
            return claims_safe_format(artifact.name)
        if role_of(artifact.path) is not None:
            return True
        deployment = service_file(
            artifact.path, is_yaml=artifact.kind is Kind.YAML, is_shell=artifact.kind is Kind.SHELL
        )
        if deployment in ("jupyter", "streamlit"):
            return True
        if deployment is not None:
            # the whole file is searched: padding past a probe must not hide a launch
            return _mentions(artifact, SERVICE_MARKERS) or artifact.size > SCAN_LIMIT
        # a card's code blocks can make its content read as Python: the name decides
        if artifact.name.lower() == "readme.md" and is_model_card(
            artifact.name, artifact.read(PROBE)
        ):
            return True
        if artifact.kind is Kind.TEXT and is_lfs_pointer(artifact.name, artifact.read(256)):
            return True
        if artifact.kind is Kind.JAVASCRIPT:
            return _mentions(artifact, MCP_SDK_MARKERS) or artifact.size > SCAN_LIMIT
        if artifact.kind is Kind.PYTHON:
            markers = MCP_SDK_MARKERS + APP_MARKERS + SERVICE_MARKERS
            if _mentions(artifact, markers) or artifact.size > SCAN_LIMIT:
                return True
            with artifact.open() as stream:
                return imports_loader(stream)
        return False

    def finish(
        self, components: Sequence[tuple[str, Component]], context: AnalysisContext
    ) -> Iterable[Finding]:
        """Across configuration files: tools and servers two configurations of one client
        define for the same folder, and launched packages the packages layer judged in this
        scan (when it ran: its components are the verdicts); findings of application code in
        a package archive, graded by what the packages layer found the package runs."""
        if not any(c.type in ("_mcp-server", "_mcp-code", "_ai-in-package") for _, c in components):
            return ()
        return cast(Iterable[Finding], self.work.finish(components))

    @classmethod
    def finish_inputs(cls, offline: bool) -> tuple[str, ...]:
        # what the packages layer finds of a package grades the loads in its tests and scripts
        return ("packages",)


def _mentions(artifact: Artifact, markers: tuple[bytes, ...]) -> bool:
    """Whether any marker is anywhere in the file's first :data:`SCAN_LIMIT` bytes."""
    with artifact.open() as stream:
        return find_marker(stream, markers) is not None
