"""CI012: a privileged workflow trusts an artifact that another, untrusted run produced."""

from __future__ import annotations

import re
from collections.abc import Iterator

from outwork.analyzers.pipelines.checks import WorkflowCheck
from outwork.analyzers.pipelines.paths import key_path
from outwork.analyzers.pipelines.workflow import Job, Step, Workflow, is_action
from outwork.core.analyzer import Emitted
from outwork.core.findings import finding
from outwork.core.rules import Confidence, Layer, Rule, Severity

_GH_RUN_DOWNLOAD_RE = re.compile(r"\bgh\s+run\s+download\b")
_EXTRACT_RE = re.compile(r"\b(?:unzip|tar\s+-?x\w*)\b[^\n]*")
_TRIGGERS = frozenset({"workflow_run", "pull_request_target"})


class ArtifactPoisoning(Rule):
    """A privileged workflow downloads an artifact from an untrusted run and uses it unsafely.

    ## What it finds
    Jobs triggered by `workflow_run` (or `pull_request_target`) that download artifacts of
    another run (`actions/download-artifact` with `run-id`, `dawidd6/action-download-artifact`,
    `gh run download`) into the workspace and then execute commands, or that extract them with
    `unzip`/`tar` over the working tree.

    ## Why it matters
    The artifact was produced by the fork's code in an unprivileged run. Extracted over the
    checkout, it replaces scripts and configuration that the privileged job then executes with
    secrets.

    ## Example
    ```yaml
    on: workflow_run
    steps:
      - uses: actions/download-artifact@v4
        with: {run-id: "${{ github.event.workflow_run.id }}", github-token: "${{ github.token }}"}
      - run: ./scripts/report.sh
    ```

    ## Remediation
    Download into `${{ runner.temp }}`, treat every file as data, validate it, and never let it
    overwrite code or feed `GITHUB_ENV`.

    ## References
    - GitHub Security Lab, "Keeping your GitHub Actions and workflows secure Part 1" (artifact
      poisoning)
    - Legit Security, "Artifact poisoning in GitHub Actions"
    - CWE-494: Download of Code Without Integrity Check
    """

    code = "CI012"
    name = "artifact-poisoning"
    layer = Layer.CI
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    cwe = (494, 829)
    attack = ("T1195.002",)


class ArtifactCheck(WorkflowCheck):
    rules = (ArtifactPoisoning,)

    def __init__(self, wf: Workflow) -> None:
        super().__init__(wf)
        #: Downloads of another run's artifacts so far: (step index, key path, into workspace).
        self.downloads: list[tuple[int, str, bool]] = []

    def step(self, step: Step) -> Iterator[Emitted]:
        if _is_download(step):
            path = step.node.sub_text("with", "path").strip()
            into_workspace = path in ("", ".", "./") or "github.workspace" in path
            self.downloads.append((step.index, key_path(*step.where), into_workspace))
        if self.downloads and self.wf.names & _TRIGGERS:
            for item in self._use(step):
                if step.job.id is not None:  # the job now runs what the untrusted run produced
                    step.job.runs_fork_code = True
                yield item

    def job_end(self, job: Job) -> Iterator[Emitted]:
        self.downloads = []
        return iter(())

    def _use(self, step: Step) -> Iterator[Emitted]:
        last, download_where, into_workspace = self.downloads[-1]
        if step.index <= last:
            return
        reason = ""
        line, col = None, None
        run, script, uses = step.run, step.script, step.uses
        if run is not None and script:
            unzip = _EXTRACT_RE.search(script)
            if unzip and " -d " not in unzip.group(0) and "runner.temp" not in unzip.group(0):
                reason = f"extracts it over the workspace with `{unzip.group(0).strip()[:60]}`"
                line, col = self.wf.doc.find(run, unzip.group(0))
            elif into_workspace:
                reason = "runs commands in a workspace the artifact was extracted into"
                line, col = run.line, run.col
        elif uses.startswith("./") and into_workspace:
            reason = f"runs local action {uses} from a workspace the artifact was extracted into"
        if not reason:
            return
        self.downloads.clear()
        logical = key_path(*step.where, "run" if run is not None else "uses")
        yield finding(
            ArtifactPoisoning,
            f"artifact from another run ({download_where}) is trusted: this step {reason}",
            line=line,
            column=col,
            logical=logical,
            confidence=Confidence.HIGH if into_workspace else Confidence.MEDIUM,
            evidence=f"{'/'.join(sorted(self.wf.names & _TRIGGERS))}"
            f" -> download-artifact ({download_where}) -> {logical}",
        )


def _is_download(step: Step) -> bool:
    name = step.name
    if is_action(name, "dawidd6/action-download-artifact"):
        return True
    if is_action(name, "actions/download-artifact"):
        # without run-id it reads the current run's artifacts, not the untrusted run's
        with_ = step.node.get("with")
        return with_ is not None and with_.get("run-id") is not None
    if is_action(name, "actions/github-script"):
        code = step.node.sub_text("with", "script")
        return "downloadArtifact" in code
    return bool(_GH_RUN_DOWNLOAD_RE.search(step.script))
