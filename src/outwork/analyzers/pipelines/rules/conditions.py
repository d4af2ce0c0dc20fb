"""CI011, CI018: ``if:`` conditions that do not guard what they seem to."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator, Mapping
from typing import ClassVar

from outwork.analyzers.pipelines.checks import WorkflowCheck
from outwork.analyzers.pipelines.context import Trigger, worst
from outwork.analyzers.pipelines.expressions import expressions
from outwork.analyzers.pipelines.paths import key_path
from outwork.analyzers.pipelines.workflow import Job, Step, Where
from outwork.analyzers.pipelines.yamlpos import Node
from outwork.core.analyzer import Emitted
from outwork.core.findings import finding
from outwork.core.rules import Confidence, Layer, Rule, Severity

_ACTOR = r"github\s*(?:\.\s*|\[\s*')(?:actor|triggering_actor)(?:_id)?'?\s*\]?"
_BOT_VALUE = r"(?:'[^']*\[bot\]'|'?\d{5,}'?)"
_BOT_RE = re.compile(_ACTOR + r"\s*==\s*" + _BOT_VALUE, re.I)
_BOT_RE_REV = re.compile(_BOT_VALUE + r"\s*==\s*" + _ACTOR, re.I)
_CONTAINS_LITERAL_RE = re.compile(r"contains\(\s*'[^']*'\s*,\s*[A-Za-z_]", re.I)


class BotConditionSpoofable(Rule):
    """A condition trusts `github.actor` to identify a bot.

    ## What it finds
    `if:` conditions comparing `github.actor` or `github.triggering_actor` with a `[bot]`
    account (`dependabot[bot]`, `renovate[bot]`).

    ## Why it matters
    `github.actor` is whoever caused the latest event, not the author of the pull request: an
    attacker can make the bot act on their branch (for example with `@dependabot recreate`)
    and pass the check.

    ## Example
    ```yaml
    if: github.actor == 'dependabot[bot]'
    ```

    ## Remediation
    Check the pull request's author (`github.event.pull_request.user.login`) and use the
    `pull_request` trigger for bot automation.

    ## References
    - Synacktiv, "GitHub Actions exploitation: Dependabot"
    - zizmor audit `bot-conditions`
    - CWE-290: Authentication Bypass by Spoofing
    """

    code = "CI011"
    name = "spoofable-bot-condition"
    layer = Layer.CI
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        **dict.fromkeys(Trigger, Severity.MEDIUM),
        Trigger.PRIVILEGED_PULL_REQUEST: Severity.HIGH,
        Trigger.PULL_REQUEST: Severity.HIGH,
        Trigger.PRIVILEGED_FOLLOW_UP: Severity.HIGH,
    }
    cwe = (290,)


#: ``a && <falsy literal> || b`` (string literals blanked first, an empty one kept as ``''``).
_FALSY_TERNARY_RE = re.compile(r"&&\s*(?:''|0|false|null)\s*\|\|", re.I)
_STRINGS_RE = re.compile(r"'(?:[^']|'')*'")


def _blank_string(match: re.Match[str]) -> str:
    return "''" if match.group(0) == "''" else "'x'"


class Unsound(enum.Enum):
    """How the condition fails."""

    TEXT_AROUND_EXPRESSION = "text outside `${{ }}`: a non-empty string, always true"
    CONTAINS_LITERAL = "contains() on a literal string: any substring matches"
    FALSY_TERNARY = "a && b || c with a falsy b: always c"


class UnsoundCondition(Rule):
    """An `if:` condition is always true, or matches far more than intended.

    ## What it finds
    Conditions where an expression is mixed with literal text (a block scalar `|` that adds a
    newline, `${{ a }} && ${{ b }}`): the result is a non-empty string, which is true. Also
    `contains('literal string', context)`, which matches any substring. And, in any expression,
    the pseudo-ternary `cond && X || Y` whose `X` is falsy (`''`, `0`, `false`, `null`): `&&`
    then yields the falsy `X`, so `||` always returns `Y` (low: a logic error, rarely a guard).

    ## Why it matters
    Guards such as "only on the main repository" or "only for maintainers" silently stop
    guarding.

    ## Example
    ```yaml
    if: |
      ${{ github.event_name == 'push' }}
    ```

    ## Remediation
    Write the whole condition as one expression (`if: github.event_name == 'push'`); compare
    against a list with `contains(fromJSON('["a","b"]'), x)`.

    ## References
    - zizmor audits `unsound-condition` and `unsound-contains`
    - CWE-697: Incorrect Comparison
    """

    code = "CI018"
    name = "unsound-condition"
    layer = Layer.CI
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Unsound.TEXT_AROUND_EXPRESSION: Severity.HIGH,
        Unsound.CONTAINS_LITERAL: Severity.MEDIUM,
        Unsound.FALSY_TERNARY: Severity.LOW,
    }
    cwe = (697, 570)


class ConditionCheck(WorkflowCheck):
    rules = (BotConditionSpoofable, UnsoundCondition)

    def job(self, job: Job) -> Iterator[Emitted]:
        assert job.node is not None
        return self._condition(job.node.get("if"), (*job.base, "if"))

    def step(self, step: Step) -> Iterator[Emitted]:
        return self._condition(step.node.get("if"), (*step.where, "if"))

    def document(self) -> Iterator[Emitted]:
        for node, expr in self.wf.expressions:
            match = _FALSY_TERNARY_RE.search(_STRINGS_RE.sub(_blank_string, expr.body))
            if match is None:
                continue
            raw = node.value[expr.start : expr.end]
            line, col = self.wf.doc.find(node, raw)
            yield finding(
                UnsoundCondition,
                "pseudo-ternary with a falsy true value: `&&` yields it, so `||` always"
                " returns the other value",
                line=line,
                column=col,
                severity=UnsoundCondition.severity_in(Unsound.FALSY_TERNARY),
                evidence=f"${{{{ {expr.body[:160]} }}}}",
            )

    def _condition(self, node: Node | None, where: Where) -> Iterator[Emitted]:
        if node is None or not node.is_str:
            return
        text = node.value
        logical = key_path(*where)
        spans = list(expressions(text))
        if spans:
            outside = text
            for span in reversed(spans):
                outside = outside[: span.start] + outside[span.end :]
            if outside or len(spans) > 1:
                yield finding(
                    UnsoundCondition,
                    "condition mixes an expression with text: it is a non-empty string, "
                    "always true",
                    line=node.line,
                    column=node.col,
                    logical=logical,
                    severity=UnsoundCondition.severity_in(Unsound.TEXT_AROUND_EXPRESSION),
                    evidence=f"if: {text!r}",
                )
        body = " ".join(s.body for s in spans) if spans else text
        if _CONTAINS_LITERAL_RE.search(body):
            yield finding(
                UnsoundCondition,
                "contains() on a literal string matches any substring",
                line=node.line,
                column=node.col,
                logical=logical,
                severity=UnsoundCondition.severity_in(Unsound.CONTAINS_LITERAL),
                confidence=Confidence.MEDIUM,
                evidence=f"if: {text.strip()}",
            )
        if _BOT_RE.search(body) or _BOT_RE_REV.search(body):
            yield finding(
                BotConditionSpoofable,
                "github.actor identifies whoever caused the latest event, not the author",
                line=node.line,
                column=node.col,
                logical=logical,
                severity=worst(BotConditionSpoofable, self.wf.contexts),
                evidence=f"if: {text.strip()}",
            )
