"""The GitHub Actions scanner: builds the model of a workflow or action once (see ``workflow``),
walks it in document order calling the checks of ``rules/``, and records the attack graph's facts
(who can start each job, what it exposes, which workflows it calls)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from outwork.analyzers.pipelines.checks import WorkflowCheck, overriding
from outwork.analyzers.pipelines.rules import WORKFLOW_CHECKS
from outwork.analyzers.pipelines.workflow import (
    Document,
    Image,
    Job,
    Uses,
    Workflow,
    flat_steps,
    job_permissions,
)
from outwork.analyzers.pipelines.yamlpos import Node
from outwork.core.analyzer import Emitted
from outwork.core.findings import Fact

_SECRET_RE = re.compile(r"\bsecrets\.([A-Za-z_][\w-]*)", re.I)
_HOOKS = ("workflow", "job", "uses", "image", "step", "job_end", "document")
#: hook -> (position in WORKFLOW_CHECKS, the hook's function) of each check that consumes it
_CONSUMERS: dict[str, list[tuple[int, Callable[..., Iterator[Emitted]]]]] = {
    hook: [
        (WORKFLOW_CHECKS.index(check), getattr(check, hook))
        for check in overriding(WORKFLOW_CHECKS, hook, WorkflowCheck)
    ]
    for hook in _HOOKS
}


class WorkflowAudit:
    """Every check of one workflow (``kind="workflow"``) or action (``kind="action"``)."""

    def __init__(self, doc: Document, kind: str, path: str, *, pedantic: bool = False) -> None:
        self.wf = Workflow(doc, kind, path, pedantic=pedantic)
        self.checks = [check(self.wf) for check in WORKFLOW_CHECKS]

    def _call(self, hook: str, *args: object) -> Iterator[Emitted]:
        checks = self.checks
        for index, function in _CONSUMERS[hook]:
            yield from function(checks[index], *args)

    def run(self) -> Iterator[Emitted]:
        wf = self.wf
        if wf.kind == "workflow":
            yield from self._call("workflow")
            jobs = wf.root.get("jobs")
            job_items = jobs.items() if jobs is not None else []
            # job outputs feed later jobs: compute their taint in two passes
            for _ in range(2):
                for job_id, node in job_items:
                    wf.job_output_taint(job_id, node)
            for job_id, node in job_items:
                if node.is_map:
                    yield from self._job(wf.job(job_id, node))
        else:
            yield from self._action()
        yield from self._call("document")

    def _job(self, job: Job) -> Iterator[Emitted]:
        assert job.node is not None and job.id is not None
        yield from self._call("job", job)
        uses = job.node.get("uses")
        if uses is not None and uses.is_str:
            ref = self.wf.uses(uses, (*job.base, "uses"))
            if ref is not None:
                yield from self._call("uses" if isinstance(ref, Uses) else "image", ref)
            yield from self._invokes(job, uses)
        for image in self.wf.images(job.node, job.base):
            yield from self._call("image", image)
        yield from self._steps(job)
        yield from self._facts(job.id, job.node, job)

    def _action(self) -> Iterator[Emitted]:
        runs = self.wf.root.get("runs")
        if runs is None or not runs.is_map:
            return
        using = runs.text("using").strip().lower()
        image = runs.text("image").strip()
        if using == "docker" and image.startswith("docker://"):
            yield from self._call(
                "image", Image(image[len("docker://") :], runs.get("image"), "runs.image")
            )
        if using == "composite":
            yield from self._steps(self.wf.composite(runs))

    def _steps(self, job: Job) -> Iterator[Emitted]:
        wf, checks = self.wf, self.checks
        consumers = _CONSUMERS["step"]
        for index, (where, node) in enumerate(flat_steps(job.steps, job.base)):
            step = wf.step(job, index, where, node)
            if step.uses_node is not None:
                ref = wf.uses(step.uses_node, (*where, "uses"))
                if ref is not None:
                    yield from self._call("uses" if isinstance(ref, Uses) else "image", ref)
            for position, function in consumers:
                yield from function(checks[position], step)
            wf.after_step(step)
        yield from self._call("job_end", job)

    # --- facts for the attack graph ------------------------------------------------------
    def _invokes(self, job: Job, uses: Node) -> Iterator[Emitted]:
        """A job that calls a reusable workflow of this repository invokes it."""
        assert job.node is not None
        target = self._local_workflow(uses.value.strip())
        if target is None:
            return
        secrets = job.node.get("secrets")
        passed = (
            ["*"]
            if secrets is not None and secrets.is_str
            else [k for k, _ in secrets.items()]
            if secrets is not None
            else []
        )
        yield Fact(
            f"job:{self.wf.path}#{job.id}",
            "invokes",
            f"workflow:{target}",
            proof=f"{self.wf.path}:{uses.line}",
            properties={"secrets": passed},
        )

    def _local_workflow(self, uses: str) -> str | None:
        """The logical path of a reusable workflow of this repository (``./.github/...``)."""
        path = self.wf.path
        if not uses.startswith("./") or "@" in uses:
            return None
        if path.startswith(".github/workflows/"):
            return uses[2:]
        at = path.rfind("/.github/workflows/")
        return f"{path[:at]}/{uses[2:]}" if at >= 0 else None

    def _facts(self, job_id: str, node: Node, job: Job) -> Iterator[Emitted]:
        wf = self.wf
        ref = f"job:{wf.path}#{job_id}"
        if "workflow_call" in wf.names:
            yield Fact(f"workflow:{wf.path}", "runs", ref, proof=f"{wf.path}: jobs.{job_id}")
        for event in sorted(wf.privileged):
            yield self._trigger(event, ref, job)
        secrets = sorted({m.upper() for n in node.strings() for m in _SECRET_RE.findall(n.value)})
        for secret in secrets:
            yield Fact(ref, "exposes", f"jewel:secret:{secret}", proof=f"{wf.path}: jobs.{job_id}")
        perms = job_permissions(wf.root, node)
        writes = [
            k
            for k, v in (perms.items() if perms is not None else [])
            if v.text().strip() == "write" and k != "id-token"
        ]
        if perms is None or (perms.is_str and perms.value.strip() == "write-all") or writes:
            yield Fact(
                ref,
                "exposes",
                "jewel:secret:GITHUB_TOKEN",
                proof=f"{wf.path}: jobs.{job_id}.permissions",
                properties={"write_scopes": writes or ["default"]},
            )

    def _trigger(self, event: str, ref: str, job: Job) -> Fact:
        entry = (
            "entry:fork-pull-request"
            if event in ("pull_request_target", "workflow_run")
            else "entry:public-comment-or-issue"
        )
        if job.runs_fork_code:
            trust = "untrusted-code"
        elif job.injected:
            trust = "injected-data"
        else:
            # outsiders only start the job; nothing shows their data reaching code, so this
            # trigger is recorded without an entry point (no attack path through it)
            trust, entry = "untrusted-data", f"trigger:{event}"
        return Fact(
            entry,
            "triggers",
            ref,
            proof=f"{self.wf.path}: on {event}",
            properties={
                "trigger": event,
                "trust": trust,
                "severity": "critical" if job.runs_fork_code else "high",
            },
        )
