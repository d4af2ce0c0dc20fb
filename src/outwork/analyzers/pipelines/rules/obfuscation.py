"""CI019: expressions and action paths written to hide what they do."""

from __future__ import annotations

import re
from collections.abc import Iterator

from outwork.analyzers.pipelines.checks import WorkflowCheck
from outwork.analyzers.pipelines.expressions import contexts
from outwork.analyzers.pipelines.workflow import Uses
from outwork.core.analyzer import Emitted
from outwork.core.findings import finding
from outwork.core.rules import Confidence, Layer, Rule, Severity

_LITERAL_ONLY_RE = re.compile(r"\s*'(?:[^']|'')*'\s*")
_LITERAL_INDEX_RE = re.compile(r"\b(?:github|env|secrets|inputs|vars|steps|needs)\s*\[\s*'")
_IMPURE_FUNCTIONS_RE = re.compile(r"\b(?:hashfiles|success|always|failure|cancelled)\s*\(", re.I)


class ObfuscatedExpression(Rule):
    """An action reference or expression is written in a needlessly indirect way.

    ## What it finds
    `uses:` paths with `.`/`..` or empty components (`actions/checkout/./@v4`), and
    expressions that only evaluate literals or index contexts with literal strings
    (`${{ 'a' }}`, `github['event']`).

    ## Why it matters
    Such forms hide what a workflow really does from reviewers and from tools that match plain
    spellings; they have no legitimate use.

    ## Example
    ```yaml
    - uses: actions/checkout/./@v4
    ```

    ## Remediation
    Write the plain form.

    ## References
    - zizmor audit `obfuscation`
    - CWE-506: Embedded Malicious Code
    """

    code = "CI019"
    name = "obfuscated-expression"
    layer = Layer.CI
    severity = Severity.LOW
    confidence = Confidence.HIGH
    cwe = (506,)


class ObfuscationCheck(WorkflowCheck):
    rules = (ObfuscatedExpression,)

    def uses(self, ref: Uses) -> Iterator[Emitted]:
        parts = ref.name.split("/")
        if any(p in (".", "..", "") for p in parts[2:]) or "//" in ref.name:
            yield finding(
                ObfuscatedExpression,
                f"action path {ref.text} has empty, '.' or '..' components",
                line=ref.node.line,
                column=ref.node.col,
                logical=ref.logical,
                evidence=ref.text,
            )

    def document(self) -> Iterator[Emitted]:
        for node, expr in self.wf.expressions:
            body = expr.body
            why = ""
            if _LITERAL_ONLY_RE.fullmatch(body):
                why = "an expression that is only a literal"
            elif body and not contexts(body) and not _IMPURE_FUNCTIONS_RE.search(body):
                why = "an expression that reduces to a constant"
            elif _LITERAL_INDEX_RE.search(body):
                why = "a context indexed with a literal string"
            if why:
                raw = node.value[expr.start : expr.end]
                line, col = self.wf.doc.find(node, raw)
                yield finding(
                    ObfuscatedExpression,
                    f"{why}: {raw[:80]}",
                    line=line,
                    column=col,
                    evidence=raw[:200],
                )
