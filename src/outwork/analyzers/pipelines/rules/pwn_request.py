"""CI002, CI013, CI014: a privileged workflow that runs a pull request's code ("pwn request"),
what it runs after the checkout, and the cloud credentials the job holds meanwhile."""

from __future__ import annotations

import re
from collections.abc import Iterator

from outwork.analyzers.pipelines import data
from outwork.analyzers.pipelines.checks import WorkflowCheck
from outwork.analyzers.pipelines.expressions import contexts, expressions, matches
from outwork.analyzers.pipelines.paths import key_path
from outwork.analyzers.pipelines.workflow import (
    Job,
    Step,
    Where,
    Workflow,
    action_of,
    has_write,
    is_action,
    job_permissions,
    matching,
)
from outwork.analyzers.pipelines.yamlpos import Node
from outwork.core.analyzer import Emitted
from outwork.core.findings import Fact, finding
from outwork.core.rules import Confidence, Layer, Rule, Severity

_UNTRUSTED_FETCH = [re.compile(p, re.I) for p in data.UNTRUSTED_FETCH_COMMANDS]
_LOTP = [(re.compile(p, re.I | re.M), what) for p, what in data.LOTP_COMMANDS.items()]
_HEAD_REF_NAME_RE = re.compile(r"head|sha|commit|ref", re.I)
_TRUSTED_REF_NAME_RE = re.compile(r"base|target|default|main|master", re.I)
_GATE_NOTE = "check of who asked"


class UntrustedCheckout(Rule):
    """A privileged workflow checks out and so runs code from a pull request ("pwn request").

    ## What it finds
    Jobs of workflows triggered by `pull_request_target`, `workflow_run` or `issue_comment`
    that check out the pull request's head (`ref: ${{ github.event.pull_request.head.sha }}`,
    `refs/pull/N/merge`, `github.head_ref`, `workflow_run.head_sha`, `gh pr checkout`,
    `git fetch origin pull/...`).

    ## Why it matters
    These triggers run with the base repository's secrets and a write token. Once the fork's
    code is on disk, any build step, test runner or local action executes it with those
    privileges.

    ## Example
    ```yaml
    on: pull_request_target
    jobs:
      test:
        steps:
          - uses: actions/checkout@v4
            with:
              ref: ${{ github.event.pull_request.head.sha }}
    ```

    ## Remediation
    Use `pull_request` for anything that builds or tests the contribution. If a privileged
    follow-up is needed, split it: an unprivileged `pull_request` workflow uploads results and a
    `workflow_run` workflow consumes them as data, never as code.

    ## References
    - GitHub Security Lab, "Keeping your GitHub Actions and workflows secure: Preventing pwn
      requests"
    - zizmor audit `dangerous-triggers`
    - CWE-829: Inclusion of Functionality from Untrusted Control Sphere
    """

    code = "CI002"
    name = "untrusted-checkout-in-privileged-workflow"
    layer = Layer.CI
    severity = Severity.CRITICAL
    confidence = Confidence.HIGH
    cwe = (829,)
    attack = ("T1195.002",)


class LivingOffThePipeline(Rule):
    """After an untrusted checkout, a tool runs configuration the pull request controls.

    ## What it finds
    Steps that follow a checkout of a pull request's code in a privileged workflow and run tools
    that execute repository-controlled configuration: `npm install`/`npm ci`/`yarn`, `pip
    install .`, `make`, `pre-commit`, `pytest`/`tox`/`nox`, `cargo build`, `go generate`,
    Gradle and Maven wrappers, repository scripts and local actions (`uses: ./...`).

    ## Why it matters
    No `run:` line needs to mention the attacker's code: `package.json` lifecycle scripts,
    `setup.py`, `conftest.py`, `Makefile` and build scripts come from the fork and run with the
    privileged job's secrets.

    ## Example
    ```yaml
    on: pull_request_target
    steps:
      - uses: actions/checkout@v4
        with: {ref: "${{ github.event.pull_request.head.sha }}"}
      - run: npm ci
    ```

    ## Remediation
    Do not build or test untrusted code in privileged workflows; move it to `pull_request`.

    ## References
    - BoostSecurity, "Living Off the Pipeline" (LOTP) catalogue
    - CWE-829: Inclusion of Functionality from Untrusted Control Sphere
    """

    code = "CI013"
    name = "living-off-the-pipeline"
    layer = Layer.CI
    severity = Severity.CRITICAL
    confidence = Confidence.HIGH
    cwe = (829, 94)
    attack = ("T1195.002",)


class CloudCredentialsForkCode(Rule):
    """Cloud credentials are available to a job that runs a fork's code.

    ## What it finds
    Jobs that check out untrusted code in a privileged workflow and also hold cloud credentials:
    `id-token: write` (OIDC), `role-to-assume`, `workload_identity_provider`, Azure login, or
    cloud keys from secrets.

    ## Why it matters
    The fork's code can mint an OIDC token or read the assumed role's session and act in the
    cloud account: the path from a pull request to production.

    ## Example
    ```yaml
    on: pull_request_target
    permissions: {id-token: write}
    steps:
      - uses: actions/checkout@v4
        with: {ref: "${{ github.event.pull_request.head.sha }}"}
      - uses: aws-actions/configure-aws-credentials@v4
        with: {role-to-assume: arn:aws:iam::123456789012:role/deploy}
    ```

    ## Remediation
    Never combine untrusted code and cloud credentials in one job; restrict the cloud role's
    trust policy to protected branches and environments.

    ## References
    - GitHub Docs, "Security hardening with OpenID Connect"
    - CWE-522: Insufficiently Protected Credentials
    """

    code = "CI014"
    name = "cloud-credentials-exposed-to-fork-code"
    layer = Layer.CI
    severity = Severity.CRITICAL
    confidence = Confidence.HIGH
    cwe = (522, 269)
    attack = ("T1078.004",)


class PwnRequestCheck(WorkflowCheck):
    """Where a job of a privileged workflow gets the pull request's code (checkout, fetch, a
    called workflow handed its head), what runs it afterwards, and what the job holds."""

    rules = (UntrustedCheckout, LivingOffThePipeline, CloudCredentialsForkCode)

    def __init__(self, wf: Workflow) -> None:
        super().__init__(wf)
        #: The step from which the job's workspace holds the pull request's code, and how.
        self.checkout_at: int | None = None
        self.checkout_desc = ""

    def job(self, job: Job) -> Iterator[Emitted]:
        self.checkout_at, self.checkout_desc = None, ""
        assert job.node is not None
        uses = job.node.get("uses")
        if uses is not None and uses.is_str:
            yield from self._handed_over(job, uses.value.strip())

    def step(self, step: Step) -> Iterator[Emitted]:
        job = step.job
        if is_action(step.name, "actions/checkout"):
            yield from self._checkout(step)
        elif step.script and self.wf.pr_code and job.id is not None:
            yield from self._fetch(step)
        if self.checkout_at is not None and step.index > self.checkout_at:
            yield from self._lotp(step)

    def job_end(self, job: Job) -> Iterator[Emitted]:
        if job.id is not None and job.node is not None and self.checkout_at is not None:
            yield from self._cloud(job)

    # --- where the code comes in -----------------------------------------------------------
    def _handed_over(self, job: Job, callee: str) -> Iterator[Emitted]:
        """A privileged workflow hands the pull request's head to a reusable workflow, which
        exists to check it out."""
        assert job.node is not None
        with_ = job.node.get("with")
        if not self.wf.pr_code or with_ is None:
            return
        events = self.wf.pr_events()
        for key, value in with_.items():
            ctx = untrusted_ref(value.value) if value.is_str else None
            if ctx is None:
                continue
            yield finding(
                UntrustedCheckout,
                f"{events} workflow hands the pull request's code ({ctx}) to {callee}",
                line=value.line,
                column=value.col,
                logical=key_path("jobs", str(job.id), "with", key),
                confidence=Confidence.MEDIUM,
                evidence=f"{events} -> {ctx} -> jobs.{job.id}.with.{key} -> {callee}",
            )
            job.runs_fork_code = True
            return

    def _checkout(self, step: Step) -> Iterator[Emitted]:
        with_ = step.node.get("with")
        untrusted = self._untrusted_checkout(step.node)
        same_path = not (with_ and with_.text("path").strip())
        if untrusted is None and self.checkout_at is not None and same_path:
            self.checkout_at = None  # the trusted tree replaces the untrusted one
        if untrusted is None or step.job.id is None:
            return
        node, why = untrusted
        if step.job.gated:
            why += f" (after a {_GATE_NOTE})"
        if self.checkout_at is None:
            self.checkout_at = step.index
            step.job.runs_fork_code = True
        self.checkout_desc = why
        events = self.wf.pr_events()
        yield finding(
            UntrustedCheckout,
            f"{events} workflow checks out pull request code ({why})",
            line=node.line,
            column=node.col,
            confidence=Confidence.MEDIUM if _GATE_NOTE in why else None,
            logical=key_path(*step.where, "with"),
            evidence=f"{events} -> actions/checkout {why} ({key_path(*step.where)})",
        )

    def _untrusted_checkout(self, step: Node) -> tuple[Node, str] | None:
        if not self.wf.pr_code:
            return None
        with_ = step.get("with")
        if with_ is None:
            return None
        for key in ("ref", "repository"):
            node = with_.get(key)
            if node is None or not node.is_str:
                continue
            value = node.value
            if "refs/pull/" in value:
                return node, f"{key}: {value.strip()}"
            for expr in expressions(value):
                for ctx in contexts(expr.body):
                    if any(matches(ctx, p) for p in data.UNTRUSTED_REF_CONTEXTS):
                        return node, f"{key}: {ctx}"
                    derived = ctx.startswith(("steps.", "needs.", "env.")) and key == "ref"
                    if derived and _TRUSTED_REF_NAME_RE.search(ctx.rsplit(".", 1)[-1]):
                        continue  # a base or target ref names the repository's own code
                    if derived and self.wf.pr_code & {"issue_comment", "workflow_run"}:
                        return node, f"{key}: {ctx} (derived from the event)"
        return None

    def _fetch(self, step: Step) -> Iterator[Emitted]:
        for pattern in (*_UNTRUSTED_FETCH, *self._ref_var_fetch(step)):
            match = pattern.search(step.script)
            if not match:
                continue
            run = step.run
            line, col = self.wf.doc.find(run, match.group(0)) if run else (None, None)
            why = f"`{match.group(0).strip()}`"
            if self.checkout_at is None:
                self.checkout_at, self.checkout_desc = step.index, why
                step.job.runs_fork_code = True
            events = self.wf.pr_events()
            yield finding(
                UntrustedCheckout,
                f"{events} workflow fetches pull request code with {why}",
                line=line,
                column=col,
                logical=key_path(*step.where, "run"),
                evidence=f"{events} -> {why} ({key_path(*step.where)})",
            )
            return

    def _ref_var_fetch(self, step: Step) -> list[re.Pattern[str]]:
        """Patterns for `git fetch/checkout/clone ... $VAR` where VAR (from this step's or the
        job's ``env``) holds the pull request's head."""
        assert step.job.node is not None
        names: list[str] = []
        blocks = (step.node.get("env"), step.job.node.get("env"), self.wf.root.get("env"))
        for block in blocks:
            for name, value in block.items() if block is not None else []:
                if value.is_str and untrusted_ref(value.value):
                    names.append(re.escape(name))
        if not names:
            return []
        alternatives = "|".join(names)
        return [
            re.compile(
                r"\bgit\s+(?:fetch|checkout|switch|clone|pull|reset)\b[^\n]*\$\{?(?:"
                + alternatives
                + r")\b\}?"
            )
        ]

    # --- what runs it ----------------------------------------------------------------------
    def _lotp(self, step: Step) -> Iterator[Emitted]:
        what = ""
        line, col = step.node.line, step.node.col
        logical = key_path(*step.where)
        uses = step.uses_node
        if step.uses.startswith("./"):
            what = f"local action {step.uses}"
            if uses is not None:
                line, col = uses.line, uses.col
            logical = key_path(*step.where, "uses")
        elif step.name:
            for action, runs in matching(data.LOTP_ACTIONS, step.name):
                if action:
                    what = f"{action} ({runs})"
                    if uses is not None:
                        line, col = uses.line, uses.col
                    logical = key_path(*step.where, "uses")
                    break
        elif step.script and step.run is not None:
            for pattern, runs in _LOTP:
                match = pattern.search(step.script)
                if match:
                    what = f"`{match.group(0).strip()}` ({runs})"
                    line, col = self.wf.doc.find(step.run, match.group(0).strip())
                    logical = key_path(*step.where, "run")
                    break
        if not what:
            return
        checkout = self.checkout_desc
        yield finding(
            LivingOffThePipeline,
            f"after checking out pull request code, this step runs {what} from the fork",
            line=line,
            column=col,
            logical=logical,
            confidence=Confidence.MEDIUM if _GATE_NOTE in checkout else None,
            evidence=f"{self.wf.pr_events()} -> checkout {checkout} -> {what}",
        )

    # --- what the job holds ----------------------------------------------------------------
    def _cloud(self, job: Job) -> Iterator[Emitted]:
        assert job.node is not None
        job_id = str(job.id)
        perms = job_permissions(self.wf.root, job.node)
        hits: list[tuple[Node, str, str, str]] = []
        if has_write(perms, "id-token") and perms is not None:
            node = perms.get("id-token") or perms
            where: Where = (
                ("jobs", job_id, "permissions") if job.node.get("permissions") else ("permissions",)
            )
            hits.append((node, "id-token: write", "oidc", key_path(*where)))
        for index, step in enumerate(job.steps):
            name, _ = action_of(step.text("uses"))
            for action, inputs in matching(data.CLOUD_LOGIN_ACTIONS, name):
                with_ = step.get("with")
                for key in inputs:
                    value = with_.get(key) if with_ is not None else None
                    if value is not None:
                        logical = key_path("jobs", job_id, "steps", index, "with", key)
                        what = f"{action} {key}: {value.text().strip()}"
                        hits.append((value, what, value.text(), logical))
                        break
        path = self.wf.path
        for node, what, identity, logical in hits:
            yield finding(
                CloudCredentialsForkCode,
                f"job {job_id} runs pull request code and holds cloud credentials ({what})",
                line=node.line,
                column=node.col,
                logical=logical,
                evidence=f"{self.wf.pr_events()} -> checkout {self.checkout_desc} -> {what}",
            )
            yield Fact(
                f"job:{path}#{job_id}",
                "can-assume",
                f"jewel:cloud-role:{identity.strip() or 'oidc'}",
                proof=f"{path}:{node.line}",
                properties={"runs_untrusted_code": True},
            )


def untrusted_ref(text: str) -> str | None:
    """The context in ``text`` that names the pull request's code (its head commit or branch),
    directly or through an output named like one; None when there is none."""
    for expr in expressions(text):
        for ctx in contexts(expr.body):
            leaf = ctx.rsplit(".", 1)[-1]
            if "number" in leaf:
                continue
            if any(matches(ctx, p) for p in data.UNTRUSTED_REF_CONTEXTS):
                return ctx
            if (
                ctx.startswith(("needs.", "steps."))
                and _HEAD_REF_NAME_RE.search(leaf)
                and not _TRUSTED_REF_NAME_RE.search(leaf)
            ):
                return ctx
    return None
