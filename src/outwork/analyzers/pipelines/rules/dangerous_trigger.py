"""CI003: triggers that run with secrets on events outsiders cause."""

from __future__ import annotations

from collections.abc import Iterator

from outwork.analyzers.pipelines import data
from outwork.analyzers.pipelines.checks import WorkflowCheck
from outwork.analyzers.pipelines.paths import key_path
from outwork.core.analyzer import Emitted
from outwork.core.findings import finding
from outwork.core.rules import Confidence, Layer, Rule, Severity


class DangerousTrigger(Rule):
    """The workflow uses a trigger that runs with secrets on events outsiders can cause.

    ## What it finds
    `pull_request_target`, `workflow_run` and `issue_comment` triggers. They are reported even
    without an untrusted checkout (that case is CI002) because they are almost never needed and
    are easy to turn into a pwn request by a later edit.

    ## Why it matters
    All three run in the context of the base repository with access to secrets and a write
    token, while the event is caused by an outsider: a fork's pull request or anyone's comment.

    ## Example
    ```yaml
    on:
      pull_request_target:
    ```

    ## Remediation
    Prefer `pull_request`. Where a privileged trigger is required, never check out or execute the
    contribution, and keep permissions and secrets to the minimum.

    ## References
    - GitHub Docs, "Events that trigger workflows: pull_request_target"
    - zizmor audit `dangerous-triggers`
    - CWE-829: Inclusion of Functionality from Untrusted Control Sphere
    """

    code = "CI003"
    name = "dangerous-trigger"
    layer = Layer.CI
    severity = Severity.MEDIUM
    confidence = Confidence.LOW
    cwe = (829,)


class DangerousTriggerCheck(WorkflowCheck):
    rules = (DangerousTrigger,)

    def workflow(self) -> Iterator[Emitted]:
        for event in sorted(self.wf.names & data.DANGEROUS_TRIGGERS):
            line, col = self.wf.events[event]
            yield finding(
                DangerousTrigger,
                f"{event} runs with the repository's secrets on events a fork can cause",
                line=line,
                column=col,
                logical=key_path("on", event),
                evidence=f"trigger {event}",
            )
