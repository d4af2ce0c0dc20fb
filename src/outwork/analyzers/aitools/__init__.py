"""The AI-toolchain layer (AI): what coding agents obey and launch.

Instruction files (``AGENTS.md``, ``CLAUDE.md``, Cursor and Windsurf rules, Copilot instructions,
agent skills) are read as an agent reads them: every character, the hidden ones revealed
(:mod:`.hidden`), encoded blobs decoded, and the instructions they give matched against what an
attacker wants an agent to do (:mod:`.rules`). The work is in :mod:`.analysis`.
"""

from __future__ import annotations

from outwork.analyzers.aitools.files import role_of
from outwork.core.analyzer import Analyzer, rules_in
from outwork.core.artifact import TEXT_KINDS, Artifact, Kind
from outwork.core.rules import Layer


class AIToolsAnalyzer(Analyzer):
    """Instruction files of coding agents."""

    name = "aitools"
    version = "1"
    layer = Layer.AI
    #: An instruction file that does not look like text is still read by the agent.
    kinds = TEXT_KINDS | {Kind.BINARY}
    rules = rules_in("outwork.analyzers.aitools.rules")
    implementation = "outwork.analyzers.aitools.analysis"

    def accepts(self, artifact: Artifact) -> bool:
        return artifact.kind in self.kinds and role_of(artifact.path) is not None
