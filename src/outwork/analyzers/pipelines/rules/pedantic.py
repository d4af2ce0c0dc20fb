"""CI060, CI061: hygiene audits of zizmor's pedantic persona, reported only with
``--persona pedantic`` (analyzer option ``pipelines.persona``): they flag style, not danger, and
would bury the regular findings of ordinary projects."""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from typing import ClassVar

from outwork.analyzers.pipelines.checks import WorkflowCheck
from outwork.analyzers.pipelines.paths import key_path
from outwork.analyzers.pipelines.yamlpos import Node
from outwork.core.analyzer import Emitted
from outwork.core.findings import finding
from outwork.core.rules import Confidence, Layer, Rule, Severity


class ConcurrencyLimits(Rule):
    """A workflow's runs are not limited: new runs pile up beside old ones (pedantic persona).

    ## What it finds
    Reported only with `--persona pedantic`. A workflow with no top-level `concurrency:`, listing
    the jobs that set none of their own, and `concurrency:` settings (workflow or job) without
    `cancel-in-progress`. `cancel-in-progress: false` or an expression is a decision and is not
    reported; nor is a workflow started only by `workflow_call` (its callers' concurrency
    applies). Jobs that call a reusable workflow count like any other job (zizmor leaves a
    workflow of such jobs out): their runs pile up the same way.

    ## Why it matters
    Without a concurrency group, every push to a pull request starts another full run: runner
    minutes are spent on outdated commits, and a slow deploy or release job can run twice at once
    and race with itself (two uploads, two tag pushes).

    ## Example
    ```yaml
    on: push
    jobs:
      test:
        runs-on: ubuntu-latest
        steps:
          - run: make test
    ```

    ## Remediation
    Add `concurrency: {group: ${{ github.workflow }}-${{ github.ref }}, cancel-in-progress:
    true}` at the top, or per job; set `cancel-in-progress: false` where runs must finish.

    ## References
    - GitHub Docs, "Control the concurrency of workflows and jobs"
    - zizmor audit `concurrency-limits` (pedantic persona)
    - CWE-400: Uncontrolled Resource Consumption
    """

    code = "CI060"
    name = "workflow-concurrency-unlimited"
    layer = Layer.CI
    severity = Severity.LOW
    confidence = Confidence.HIGH
    cwe = (400,)


class Definition(enum.Enum):
    """What has no name."""

    WORKFLOW = "a workflow: its runs are listed under its file path"
    JOB = "a job: its checks are listed under its id"


class AnonymousDefinition(Rule):
    """A workflow or job has no `name:` (pedantic persona).

    ## What it finds
    Reported only with `--persona pedantic`. Workflows without a top-level `name:` and jobs
    without `name:`, including jobs that call a reusable workflow: zizmor leaves those out,
    but their checks are listed under the caller's job id as well (`call / build`).

    ## Why it matters
    Branch protection, required status checks and audit logs show these names. Without them the
    file path or job id appears, and a renamed file or job silently stops satisfying a required
    check or makes two checks look alike to a reviewer.

    ## Example
    ```yaml
    on: push
    jobs:
      test:
        runs-on: ubuntu-latest
    ```

    ## Remediation
    Give the workflow and each job a `name:`.

    ## References
    - GitHub Docs, "Workflow syntax for GitHub Actions: name, jobs.<job_id>.name"
    - zizmor audit `anonymous-definition` (pedantic persona)
    - CWE-1099: Inconsistent Naming Conventions for Identifiers
    """

    code = "CI061"
    name = "anonymous-definition"
    layer = Layer.CI
    severity = Severity.INFO
    confidence = Confidence.HIGH
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Definition.WORKFLOW: Severity.LOW,
        Definition.JOB: Severity.INFO,
    }
    cwe = (1099,)


class PedanticCheck(WorkflowCheck):
    rules = (ConcurrencyLimits, AnonymousDefinition)

    def workflow(self) -> Iterator[Emitted]:
        wf = self.wf
        if not wf.pedantic:
            return
        root = wf.root
        jobs = root.get("jobs")
        job_items = [(k, j) for k, j in (jobs.items() if jobs is not None else []) if j.is_map]
        yield from _anonymous(root, jobs)
        if wf.names and wf.names <= {"workflow_call"}:
            return
        on_key = "on" if "on" in root.keys else "true"
        on_line, on_col = root.key_pos(on_key)
        concurrency = root.get("concurrency")
        if concurrency is not None:
            yield from _no_cancel(root, "concurrency", ("concurrency",), "workflow")
            return
        bare = []
        for job_id, job in job_items:
            if job.get("concurrency") is None:
                bare.append(job_id)
            else:
                yield from _no_cancel(job, "concurrency", ("jobs", job_id, "concurrency"), job_id)
        if bare:
            yield finding(
                ConcurrencyLimits,
                "the workflow sets no concurrency group: new runs of "
                + ", ".join(bare)
                + " start beside the ones in progress",
                line=on_line,
                column=on_col,
                logical=key_path(on_key),
                evidence="no top-level concurrency; jobs without their own: " + ", ".join(bare),
            )


def _anonymous(root: Node, jobs: Node | None) -> Iterator[Emitted]:
    if root.get("name") is None:
        yield finding(
            AnonymousDefinition,
            "the workflow has no name: checks and logs show its file path",
            line=root.line,
            column=root.col,
            severity=AnonymousDefinition.severity_in(Definition.WORKFLOW),
            evidence="no top-level name:",
        )
    if jobs is None:
        return
    for job_id, job in jobs.items():
        if job.is_map and job.get("name") is None:
            line, col = jobs.key_pos(job_id)
            yield finding(
                AnonymousDefinition,
                f"job {job_id} has no name: checks show its id",
                line=line,
                column=col,
                logical=key_path("jobs", job_id),
                severity=AnonymousDefinition.severity_in(Definition.JOB),
                evidence=f"jobs.{job_id}: no name:",
            )


def _no_cancel(owner: Node, key: str, where: tuple[str, ...], whose: str) -> Iterator[Emitted]:
    node = owner.get(key)
    if node is None or (node.is_map and node.get("cancel-in-progress") is not None):
        return
    line, col = owner.key_pos(key)
    yield finding(
        ConcurrencyLimits,
        f"the concurrency of {whose} has no cancel-in-progress: a new run waits behind the one in"
        " progress instead of replacing it",
        line=line,
        column=col,
        logical=key_path(*where),
        evidence=f"{key_path(*where)}: {node.value if node.is_str else 'no cancel-in-progress'}",
    )
