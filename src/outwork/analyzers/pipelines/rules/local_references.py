"""CI036: a local action taken from the workspace (``./...``) instead of the workflow's own
repository (``$/...``)."""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from typing import ClassVar

from outwork.analyzers.pipelines.checks import WorkflowCheck
from outwork.analyzers.pipelines.paths import key_path
from outwork.analyzers.pipelines.workflow import Job, Step
from outwork.analyzers.pipelines.yamlpos import Node
from outwork.core.analyzer import Emitted
from outwork.core.findings import finding
from outwork.core.rules import Confidence, Layer, Rule, Severity


class LocalUse(enum.Enum):
    """Where a ``./`` reference is resolved and what the workspace holds."""

    UNTRUSTED_WORKSPACE = (
        "a step's action read from a workspace that holds code checked out from a pull request"
    )
    WORKSPACE = "a step's action read from the workspace (whatever the job checked out)"
    REUSABLE_WORKFLOW = "a reusable workflow, read from the caller's own commit"


class WorkspaceLocalAction(Rule):
    """A step runs a local action from the workspace (`./...`) rather than from the workflow's
    own repository (`$/...`).

    ## What it finds
    `uses: ./path` on a step (of a workflow or a composite action) and on a job calling a
    reusable workflow. GitHub's `$/path` form names the file in the repository and commit the
    workflow itself comes from; `./path` on a step names whatever is at that path in the
    workspace when the step starts, that is, whatever the job checked out.

    ## Why it matters
    A job that checks out another ref (a pull request's head in `pull_request_target` or
    `workflow_run`, another repository, a branch named by an input) and then runs
    `uses: ./.github/actions/setup` runs the action of that ref, with the job's token and
    secrets: the pull request's author writes the action. That case is high. Otherwise the
    workspace holds the workflow's own commit and the finding is low: the reference is correct
    today and turns dangerous when someone adds a checkout of other code above it.

    A job-level `uses: ./.github/workflows/x.yml` is resolved by GitHub from the caller's own
    commit, never from a workspace, so it carries no such risk. zizmor's `self-repository`
    reports it at the same low severity as steps; outwork reports it at info, to say that `$/`
    is the explicit spelling and nothing more.

    ## Example
    ```yaml
    on: pull_request_target
    jobs:
      build:
        steps:
          - uses: actions/checkout@v4
            with: {ref: "${{ github.event.pull_request.head.sha }}"}
          - uses: ./.github/actions/setup   # the pull request's action
    ```

    ## Remediation
    Write `uses: $/.github/actions/setup`, so the action always comes from the workflow's own
    repository and commit whatever the job checked out.

    ## References
    - GitHub Docs, "Workflow syntax: jobs.<job_id>.steps[*].uses"
    - zizmor audit `self-repository`
    - CWE-829: Inclusion of Functionality from Untrusted Control Sphere
    """

    code = "CI036"
    name = "workspace-local-action"
    layer = Layer.CI
    severity = Severity.LOW
    confidence = Confidence.HIGH
    cwe = (829,)
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        LocalUse.UNTRUSTED_WORKSPACE: Severity.HIGH,
        LocalUse.WORKSPACE: Severity.LOW,
        LocalUse.REUSABLE_WORKFLOW: Severity.INFO,
    }


class LocalReferenceCheck(WorkflowCheck):
    """``./`` references of steps (after the checks of checkouts ran for them) and jobs."""

    rules = (WorkspaceLocalAction,)

    def job(self, job: Job) -> Iterator[Emitted]:
        assert job.node is not None
        uses = job.node.get("uses")
        if uses is None or not _workspace_path(uses):
            return
        yield finding(
            WorkspaceLocalAction,
            f"reusable workflow referenced as {uses.value.strip()}: `$/` names the caller's"
            " repository explicitly (GitHub reads it from the caller's commit either way)",
            line=uses.line,
            column=uses.col,
            logical=key_path(*job.base, "uses"),
            severity=WorkspaceLocalAction.severity_in(LocalUse.REUSABLE_WORKFLOW),
            evidence=uses.value.strip(),
        )

    def step(self, step: Step) -> Iterator[Emitted]:
        node = step.uses_node
        if node is None or not _workspace_path(node):
            return
        untrusted = step.job.runs_fork_code
        use = LocalUse.UNTRUSTED_WORKSPACE if untrusted else LocalUse.WORKSPACE
        message = (
            f"{step.uses} is read from the workspace, which holds pull request code checked out"
            " earlier in the job: the pull request writes this action"
            if untrusted
            else f"{step.uses} is read from the workspace (whatever the job checked out), not"
            " from the workflow's own repository ($/...)"
        )
        yield finding(
            WorkspaceLocalAction,
            message,
            line=node.line,
            column=node.col,
            logical=key_path(*step.where, "uses"),
            severity=WorkspaceLocalAction.severity_in(use),
            confidence=Confidence.HIGH
            if untrusted or step.job.id is not None
            else Confidence.MEDIUM,
            evidence=step.uses,
        )


def _workspace_path(node: Node) -> bool:
    return node.is_str and node.value.strip().startswith(("./", ".\\"))
