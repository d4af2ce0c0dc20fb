"""CI004, CI025: what the ``GITHUB_TOKEN`` is given, and whether each write says why."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator, Mapping
from typing import ClassVar

from outwork.analyzers.pipelines import data
from outwork.analyzers.pipelines.checks import WorkflowCheck
from outwork.analyzers.pipelines.paths import key_path
from outwork.analyzers.pipelines.workflow import Job, Where
from outwork.analyzers.pipelines.yamlpos import Node
from outwork.core.analyzer import Emitted
from outwork.core.findings import finding
from outwork.core.rules import Confidence, Layer, Rule, Severity


class Grant(enum.Enum):
    """What the token is given."""

    WRITE_ALL = "permissions: write-all"
    READ_ALL = "permissions: read-all on a job (anywhere, with the pedantic persona)"
    HIGH_RISK_WRITE = "write to a high-risk scope at workflow level, for several jobs"
    WRITE = "write to another scope at workflow level, for several jobs"
    DEFAULT = "no permissions block: the repository's default token permissions"


class ExcessivePermissions(Rule):
    """The `GITHUB_TOKEN` is given more power than the job needs, or the default is left in place.

    ## What it finds
    `permissions: write-all`, write scopes granted at workflow level (every job gets them), and
    jobs with no `permissions` block in a workflow without one (the repository default applies,
    which is read-write in older repositories and organisations).

    A workflow of one job is judged by its job: workflow-level scopes and `read-all` there are
    the job's own grant, and the missing block is reported on the job. With
    `--persona pedantic` (zizmor's pedantic persona) they are reported at workflow level too:
    write scopes and `read-all` at the top of a one-job workflow, and the missing top-level
    block of any workflow, reusable-only ones (`on: workflow_call`) included.

    ## Why it matters
    Any compromise of a job (an injected command, a malicious action) acts with the token's
    permissions: pushing code, publishing releases, approving pull requests.

    ## Example
    ```yaml
    permissions: write-all
    ```

    ## Remediation
    Set `permissions: {}` or `contents: read` at the top and grant write scopes per job, only
    where needed.

    ## References
    - GitHub Docs, "Assigning permissions to jobs"
    - zizmor audit `excessive-permissions`
    - CWE-250: Execution with Unnecessary Privileges
    """

    code = "CI004"
    name = "excessive-token-permissions"
    layer = Layer.CI
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Grant.WRITE_ALL: Severity.HIGH,
        Grant.READ_ALL: Severity.MEDIUM,
        Grant.HIGH_RISK_WRITE: Severity.HIGH,
        Grant.WRITE: Severity.MEDIUM,
        Grant.DEFAULT: Severity.MEDIUM,
    }
    cwe = (250, 272)


class UndocumentedPermissions(Rule):
    """A write scope of the token is granted without a comment saying why.

    ## What it finds
    `permissions:` entries with `write` (at workflow or job level) that have no comment on their
    line explaining what needs them. An empty `#` or a comment that only silences a tool
    (`# zizmor: ignore[...]`) explains nothing. With `--persona pedantic`, `read` grants of
    scopes other than `contents` and `metadata` need a reason too.

    ## Why it matters
    Undocumented write scopes are never removed: nobody dares to, because nobody knows which step
    needs them. A one-line reason keeps the token's power reviewable.

    ## Example
    ```yaml
    permissions:
      contents: write
    ```

    ## Remediation
    Add the reason on the line: `contents: write  # push the changelog commit`.

    ## References
    - zizmor audit `undocumented-permissions`
    - CWE-1059: Insufficient Technical Documentation
    """

    code = "CI025"
    name = "undocumented-token-permissions"
    layer = Layer.CI
    severity = Severity.INFO
    confidence = Confidence.HIGH
    cwe = (1059, 250)


#: Read scopes every workflow needs: the pedantic persona asks no reason for them.
_SELF_EXPLAINING = frozenset({"contents", "metadata"})
#: Comments that are directives to a tool, not a reason.
_DIRECTIVE_RE = re.compile(r"\b(?:zizmor|outwork)\s*:\s*ignore(?:\[[^\]]*\])?", re.I)


def _explains(rest: str) -> bool:
    """Whether the text after a scope holds a comment with words beyond tool directives."""
    _, hash_, comment = rest.partition("#")
    return bool(hash_) and bool(_DIRECTIVE_RE.sub("", comment).strip(" #\t"))


class PermissionsCheck(WorkflowCheck):
    rules = (ExcessivePermissions, UndocumentedPermissions)

    def workflow(self) -> Iterator[Emitted]:
        root = self.wf.root
        perms = root.get("permissions")
        jobs = root.get("jobs")
        if perms is not None:
            yield from self._permissions(perms, ("permissions",), workflow_level=True)
            return
        if jobs is None or self._called_only():
            return
        bare = [(k, j) for k, j in jobs.items() if j.is_map and j.get("permissions") is None]
        default = ExcessivePermissions.severity_in(Grant.DEFAULT)
        if (bare and len(jobs.items()) > 1) or self.wf.pedantic:
            yield finding(
                ExcessivePermissions,
                "no permissions block: jobs without their own get the repository's default "
                "token permissions"
                if bare
                else "no top-level permissions block: a job added later gets the repository's"
                " default token permissions",
                line=root.line,
                column=root.col,
                logical="permissions",
                severity=default,
                evidence="no top-level permissions; jobs without permissions: "
                + (", ".join(k for k, _ in bare) or "none"),
            )
        for job_id, _ in bare:
            line, col = jobs.key_pos(job_id)
            yield finding(
                ExcessivePermissions,
                f"job {job_id} runs with the repository's default token permissions",
                line=line,
                column=col,
                logical=key_path("jobs", job_id),
                severity=default,
                evidence=f"jobs.{job_id}: no permissions here or at workflow level",
            )

    def job(self, job: Job) -> Iterator[Emitted]:
        assert job.node is not None
        perms = job.node.get("permissions")
        if perms is not None:
            yield from self._permissions(perms, (*job.base, "permissions"), workflow_level=False)

    def _called_only(self) -> bool:
        """A reusable-only workflow runs with its callers' token: judged there, except by the
        pedantic persona."""
        names = self.wf.names
        return not self.wf.pedantic and bool(names) and names <= {"workflow_call"}

    def _permissions(self, perms: Node, where: Where, *, workflow_level: bool) -> Iterator[Emitted]:
        logical = key_path(*where)
        if perms.is_str:
            value = perms.value.strip()
            read_all = value == "read-all" and (not workflow_level or self.wf.pedantic)
            if value == "write-all" or read_all:
                yield finding(
                    ExcessivePermissions,
                    f"permissions: {value} grants every scope",
                    line=perms.line,
                    column=perms.col,
                    logical=logical,
                    severity=ExcessivePermissions.severity_in(
                        Grant.WRITE_ALL if value == "write-all" else Grant.READ_ALL
                    ),
                    confidence=Confidence.HIGH,
                    evidence=f"{logical}: {value}",
                )
            return
        yield from self._undocumented(perms, where)
        if not workflow_level:
            return
        jobs = self.wf.root.get("jobs")
        job_count = len(jobs.items()) if jobs is not None else 0
        if self._called_only() or (job_count < 2 and not self.wf.pedantic):
            return  # one job: workflow and job permissions are the same thing
        for scope, value in perms.items():
            if value.text().strip() != "write":
                continue
            line, col = perms.key_pos(scope)
            high = scope in data.HIGH_RISK_SCOPES
            yield finding(
                ExcessivePermissions,
                f"{scope}: write at workflow level is granted to every job",
                line=line,
                column=col,
                logical=key_path(*where, scope),
                severity=ExcessivePermissions.severity_in(
                    Grant.HIGH_RISK_WRITE if high else Grant.WRITE
                ),
                confidence=Confidence.HIGH,
                evidence=f"{scope}: write for {job_count} job(s)",
            )

    def _undocumented(self, perms: Node, where: Where) -> Iterator[Emitted]:
        lines = self.wf.doc.lines()
        for scope, value in perms.items():
            grant = value.text().strip()
            if value.aliased or not (
                grant == "write"
                or (self.wf.pedantic and grant == "read" and scope not in _SELF_EXPLAINING)
            ):
                continue
            line, col = perms.key_pos(scope)
            text = lines[line - 1] if 0 < line <= len(lines) else ""
            if _explains(text[col:]):
                continue
            yield finding(
                UndocumentedPermissions,
                f"{scope}: {grant} has no comment saying which step needs it",
                line=line,
                column=col,
                logical=key_path(*where, scope),
                evidence=text.strip()[:120],
            )
