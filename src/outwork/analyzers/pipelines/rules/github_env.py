"""CI008: writes to ``GITHUB_ENV`` and ``GITHUB_PATH`` that attacker data can reach."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator, Mapping
from typing import ClassVar

from outwork.analyzers.pipelines.checks import WorkflowCheck
from outwork.analyzers.pipelines.context import Trigger, worst
from outwork.analyzers.pipelines.paths import key_path
from outwork.analyzers.pipelines.workflow import (
    MAX_FINDINGS_PER_SINK,
    Step,
    strongest,
)
from outwork.core.analyzer import Emitted
from outwork.core.findings import finding
from outwork.core.rules import Confidence, Layer, Rule, Severity

#: Something in a line that is computed when the script runs (variables, substitutions).
_DYNAMIC_RE = re.compile(r"\$|`|%\w+%")


class GithubEnvInjection(Rule):
    """A privileged workflow writes untrusted data into `GITHUB_ENV` or `GITHUB_PATH`.

    ## What it finds
    Scripts that append to `$GITHUB_ENV` or `$GITHUB_PATH` in workflows triggered by
    `pull_request_target`, `workflow_run` or `issue_comment`, or anywhere the written value
    carries attacker-controlled data.

    ## Why it matters
    Lines written to `GITHUB_ENV` become environment variables of every later step: an attacker
    who controls one can set `LD_PRELOAD`, `NODE_OPTIONS` or `BASH_ENV` and run code; a
    controlled `GITHUB_PATH` entry shadows any tool.

    ## Example
    ```yaml
    on: workflow_run
    steps:
      - run: echo "PR_TITLE=$(cat artifact/title)" >> "$GITHUB_ENV"
    ```

    ## Remediation
    Keep untrusted values in step outputs or files and validate them; never write them to
    `GITHUB_ENV`/`GITHUB_PATH`.

    ## References
    - GitHub Security Lab, "GitHub Actions: environment variable injection"
    - zizmor audit `github-env`
    - CWE-454: External Initialization of Trusted Variables or Data Stores
    """

    code = "CI008"
    name = "github-env-injection"
    layer = Layer.CI
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        **dict.fromkeys(Trigger, Severity.MEDIUM),
        Trigger.PRIVILEGED_PULL_REQUEST: Severity.HIGH,
        Trigger.PRIVILEGED_FOLLOW_UP: Severity.HIGH,
        Trigger.PRIVILEGED_EVENT: Severity.HIGH,
        Trigger.ACTION: Severity.HIGH,
    }
    cwe = (454, 78)


class GithubEnvCheck(WorkflowCheck):
    rules = (GithubEnvInjection,)

    def step(self, step: Step) -> Iterator[Emitted]:
        run = step.run
        if run is None or not step.env_writes:
            return
        wf = self.wf
        in_action = wf.kind == "action"
        cursor = run.start - 1
        emitted = 0
        where = key_path(*step.where, "run")
        for write in step.env_writes:
            target, line_text, hits = write.target, write.line, write.hits
            if not wf.privileged and not in_action:
                # outside privileged triggers only proven attacker data counts
                hits = [h for h in hits if h[1].confidence is Confidence.HIGH]
                if not hits:
                    continue
            if not hits and not _DYNAMIC_RE.search(line_text[: write.start]):
                continue  # a constant line such as `echo FOO=bar >> $GITHUB_ENV`
            index = wf.doc.find_after(run, line_text.strip(), cursor)
            if index >= 0:
                cursor = index
            line, col = wf.doc.position(index) if index >= 0 else (run.line, run.col)
            emitted += 1
            if emitted > MAX_FINDINGS_PER_SINK:
                return
            if hits:
                taint = strongest(hits)
                chain = " -> ".join((*taint.chain, target))
                confidence = taint.confidence
            else:
                origin = "/".join(sorted(wf.privileged)) or "caller of this action"
                chain = f"{origin} -> {target}"
                confidence = Confidence.LOW
            yield finding(
                GithubEnvInjection,
                f"write to {target} in "
                + (
                    "an action: callers may run it on untrusted triggers"
                    if in_action and not hits
                    else "a workflow triggered by "
                    + "/".join(sorted(wf.privileged or wf.names))
                    + (" with attacker-controlled data" if hits else "")
                ),
                line=line,
                column=col,
                logical=where,
                severity=worst(GithubEnvInjection, wf.contexts),
                confidence=confidence,
                evidence=chain,
            )
