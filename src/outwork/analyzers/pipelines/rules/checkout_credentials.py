"""CI007: ``actions/checkout`` leaves the token in ``.git/config``."""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from typing import ClassVar

from outwork.analyzers.pipelines.checks import WorkflowCheck
from outwork.analyzers.pipelines.paths import key_path
from outwork.analyzers.pipelines.workflow import Job, Step, Workflow, is_action
from outwork.core.analyzer import Emitted
from outwork.core.findings import finding
from outwork.core.rules import Confidence, Layer, Rule, Severity


class Workspace(enum.Enum):
    """Where the checked-out workspace, with the token in ``.git/config``, goes."""

    UPLOADED = "the job uploads its workspace as an artifact"
    KEPT = "the workspace stays on the runner"


class PersistedCheckoutCredentials(Rule):
    """`actions/checkout` leaves the job's token in `.git/config` for every later step.

    ## What it finds
    Checkout steps without `persist-credentials: false`. When a later step uploads the
    workspace as an artifact, the token is published with it and the finding is raised to high.

    ## Why it matters
    Every later step, including third-party actions and build scripts, can read the token; an
    uploaded workspace leaks it to anyone who can download the artifact ("ArtiPACKED").

    ## Example
    ```yaml
    - uses: actions/checkout@v4
    ```

    ## Remediation
    Add `with: {persist-credentials: false}` and pass a token explicitly to the one step that
    pushes.

    ## References
    - Palo Alto Unit 42, "ArtiPACKED: Hacking Giants Through a Race Condition in GitHub Actions
      Artifacts"
    - zizmor audit `artipacked`
    - CWE-522: Insufficiently Protected Credentials
    """

    code = "CI007"
    name = "persisted-checkout-credentials"
    layer = Layer.CI
    severity = Severity.MEDIUM
    confidence = Confidence.LOW
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Workspace.UPLOADED: Severity.HIGH,
        Workspace.KEPT: Severity.MEDIUM,
    }
    cwe = (522,)


class CheckoutCredentialsCheck(WorkflowCheck):
    rules = (PersistedCheckoutCredentials,)

    def __init__(self, wf: Workflow) -> None:
        super().__init__(wf)
        self.persisted: list[Step] = []
        self.uploads_workspace = False

    def step(self, step: Step) -> Iterator[Emitted]:
        if is_action(step.name, "actions/checkout"):
            with_ = step.node.get("with")
            persist = with_.text("persist-credentials").strip().lower() if with_ else ""
            if persist not in ("false", "true"):  # "true" is a documented decision
                self.persisted.append(step)
        if is_action(step.name, "actions/upload-artifact"):
            path = step.node.sub_text("with", "path").strip()
            if any(p.strip() in (".", "./", "${{ github.workspace }}") for p in path.splitlines()):
                self.uploads_workspace = True
        return iter(())

    def job_end(self, job: Job) -> Iterator[Emitted]:
        high = self.uploads_workspace
        for step in self.persisted:
            assert step.uses_node is not None
            yield finding(
                PersistedCheckoutCredentials,
                "checkout keeps the token in .git/config"
                + ("; the workspace is uploaded as an artifact" if high else ""),
                line=step.uses_node.line,
                column=step.uses_node.col,
                logical=key_path(*step.where, "uses"),
                severity=PersistedCheckoutCredentials.severity_in(
                    Workspace.UPLOADED if high else Workspace.KEPT
                ),
                confidence=Confidence.MEDIUM if high else Confidence.LOW,
                evidence="persist-credentials not false",
            )
        self.persisted, self.uploads_workspace = [], False
