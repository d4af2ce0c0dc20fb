"""The secrets layer (SEC): credentials left in any text the engine hands over.

Source trees, configuration, notebooks (cells and outputs are in the file's text), members of
package archives and model repositories all arrive as text artifacts; this layer reads each one
once, with a table of provider formats (:mod:`table`, rows in :mod:`rules`) and the parsers of
the tools' credential files. Reports carry the value masked and a keyed fingerprint, never the
value (see :mod:`redact`).
"""

from __future__ import annotations

from collections.abc import Iterable

from outwork.analyzers.secrets.analysis import analyze
from outwork.core.analyzer import AnalysisContext, Analyzer, Emitted, rules_in
from outwork.core.artifact import TEXT_KINDS, Artifact
from outwork.core.rules import Layer


class SecretAnalyzer(Analyzer):
    """Leaked credentials in every text artifact."""

    name = "secrets"
    version = "1"
    layer = Layer.SEC
    kinds = TEXT_KINDS
    rules = rules_in("outwork.analyzers.secrets.rules")

    def analyze(self, artifact: Artifact, context: AnalysisContext) -> Iterable[Emitted]:
        return analyze(artifact, context)
