"""The secrets layer (SEC): credentials left in any text the engine hands over.

Source trees, configuration, notebooks (cells and outputs are in the file's text), members of
package archives and model repositories all arrive as text artifacts; this layer reads each one
once, with a table of provider formats (:mod:`table`, rows in :mod:`rules`) and the parsers of
the tools' credential files. Reports carry the value masked and a keyed fingerprint, never the
value (see :mod:`redact`). With ``--include-git`` a repository's ``.git/HEAD`` arrives too, and
:class:`SecretHistoryAnalyzer` searches every commit and dangling blob of it (:mod:`history`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, cast

from outwork.core.analyzer import AnalysisContext, Analyzer, Emitted, rules_in
from outwork.core.artifact import TEXT_KINDS, Artifact
from outwork.core.rules import Layer


class SecretAnalyzer(Analyzer):
    """Leaked credentials in every text artifact."""

    name = "secrets"
    version = "2"
    layer = Layer.SEC
    kinds = TEXT_KINDS
    rules = rules_in("outwork.analyzers.secrets.rules")
    implementation = "outwork.analyzers.secrets.analysis"

    @classmethod
    def caches(cls, options: Mapping[str, Any]) -> bool:
        """A provider's answer (``--verify``) changes over time: never cached."""
        return not options.get("secrets.verify")

    def credentials_in(self, text: str, name: str) -> list[tuple[str, str, str]]:
        """(provider, detector id, masked value) of every credential the detector table finds
        in ``text``, judged as a file called ``name``: the table's public face for other layers
        (reached through :func:`outwork.core.analyzer.installed_layer`)."""
        return cast(list[tuple[str, str, str]], self.work.credentials_in(text, name))


_HEAD = re.compile(rb"^(ref: refs/|[0-9a-f]{40}\s*$)")


class SecretHistoryAnalyzer(Analyzer):
    """Leaked credentials in a git repository's history, deleted ones included.

    Its results depend on the whole repository, not on the bytes of ``HEAD``: never cached."""

    name = "secrets-history"
    version = "1"
    layer = Layer.SEC
    kinds = TEXT_KINDS
    rules = rules_in("outwork.analyzers.secrets.rules")
    implementation = "outwork.analyzers.secrets.history"
    cacheable = False

    def accepts(self, artifact: Artifact) -> bool:
        if artifact.name != "HEAD" or not _HEAD.match(artifact.read(64)):
            return False
        parent = artifact.member_path.replace("\\", "/").rsplit("/", 2)
        return len(parent) >= 2 and parent[-2].endswith(".git")

    def analyze(self, artifact: Artifact, context: AnalysisContext) -> Iterable[Emitted]:
        return cast(Iterable[Emitted], self.work.analyze_history(artifact, context))
