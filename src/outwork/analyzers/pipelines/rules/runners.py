"""CI010: self-hosted runners that outsiders' events start jobs on."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator, Mapping
from typing import ClassVar

from outwork.analyzers.pipelines import data
from outwork.analyzers.pipelines.checks import WorkflowCheck
from outwork.analyzers.pipelines.context import Trigger, worst
from outwork.analyzers.pipelines.paths import key_path
from outwork.analyzers.pipelines.workflow import Job
from outwork.analyzers.pipelines.yamlpos import Node
from outwork.core.analyzer import Emitted
from outwork.core.findings import finding
from outwork.core.rules import Confidence, Layer, Rule, Severity

_HOSTED_RE = re.compile(data.GITHUB_HOSTED_RUNNER)


class SelfHostedRunnerPublic(Rule):
    """A self-hosted runner runs jobs that outsiders can trigger.

    ## What it finds
    Jobs with `runs-on: self-hosted` (or a label list containing it, or a runner group) in
    workflows triggered by pull requests, comments, issues or `workflow_run`. Labels that name no
    GitHub-hosted runner image are reported with low confidence: they are usually self-hosted
    runners, sometimes GitHub's larger runners.

    ## Why it matters
    Self-hosted runners are usually not ephemeral: a fork's pull request can plant persistence
    on the machine and read what later, trusted jobs handle, or pivot into the internal network.

    ## Example
    ```yaml
    on: pull_request
    jobs:
      test:
        runs-on: [self-hosted, linux]
    ```

    ## Remediation
    Use GitHub-hosted or ephemeral, isolated runners for public triggers; require approval for
    fork pull requests.

    ## References
    - GitHub Docs, "Self-hosted runner security"
    - zizmor audit `self-hosted-runner`
    - CWE-668: Exposure of Resource to Wrong Sphere
    """

    code = "CI010"
    name = "self-hosted-runner-public-trigger"
    layer = Layer.CI
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        **dict.fromkeys(Trigger, Severity.MEDIUM),
        Trigger.PRIVILEGED_PULL_REQUEST: Severity.HIGH,
        Trigger.PULL_REQUEST: Severity.HIGH,
    }
    cwe = (668,)


class RunnerCheck(WorkflowCheck):
    rules = (SelfHostedRunnerPublic,)

    def job(self, job: Job) -> Iterator[Emitted]:
        assert job.node is not None
        runs_on = job.node.get("runs-on")
        public = self.wf.public
        if runs_on is None or not public:
            return
        labels = [n.value for n in runs_on.strings()]
        if runs_on.is_map:
            labels = [n.value for n in (runs_on.get("labels") or runs_on).strings()]
            if runs_on.get("group") is not None:
                labels.append("self-hosted")
        text = " ".join(labels).lower()
        matrix_self_hosted = "matrix." in text and "self-hosted" in _matrix_text(job.node)
        confidence = Confidence.MEDIUM
        if "self-hosted" not in text and not matrix_self_hosted:
            unknown = [
                label
                for label in labels
                if "${{" not in label and not _HOSTED_RE.match(label.strip().lower())
            ]
            if not unknown:
                return
            confidence = Confidence.LOW
        events = ", ".join(sorted(public))
        yield finding(
            SelfHostedRunnerPublic,
            f"job {job.id} runs on a "
            + ("self-hosted" if confidence is Confidence.MEDIUM else "probably self-hosted")
            + f" runner and is triggered by {events}",
            line=runs_on.line,
            column=runs_on.col,
            logical=key_path("jobs", str(job.id), "runs-on"),
            severity=worst(SelfHostedRunnerPublic, self.wf.contexts),
            confidence=confidence,
            evidence=f"{events} -> jobs.{job.id} -> runs-on: {' '.join(labels)}",
        )


def _matrix_text(job: Node) -> str:
    strategy = job.get("strategy")
    matrix = strategy.get("matrix") if strategy is not None else None
    return " ".join(n.value for n in matrix.strings()).lower() if matrix is not None else ""
