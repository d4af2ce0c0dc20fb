"""Parsing and auditing one pipeline file: the implementation behind
:meth:`~outwork.analyzers.pipelines.PipelineAnalyzer.analyze`. It reads the YAML, tells which
kind of pipeline it is, and hands the document to that kind's scanner (GitHub Actions in
``github``; GitLab CI and Dependabot here, over their models and checks)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from outwork.analyzers.pipelines.azure import AzureFile, looks_like_azure
from outwork.analyzers.pipelines.bitbucket import BitbucketFile, looks_like_bitbucket
from outwork.analyzers.pipelines.checks import GitlabCheck, SystemCheck, overriding
from outwork.analyzers.pipelines.circleci import CircleFile, looks_like_circleci
from outwork.analyzers.pipelines.github import WorkflowAudit
from outwork.analyzers.pipelines.gitlab import GitlabFile, jobs, looks_like_gitlab
from outwork.analyzers.pipelines.groovy import GroovyError
from outwork.analyzers.pipelines.jenkins import JenkinsFile
from outwork.analyzers.pipelines.rules import DEPENDABOT_CHECKS, GITLAB_CHECKS, SYSTEM_CHECKS
from outwork.analyzers.pipelines.rules.template_injection import cross_file_findings
from outwork.analyzers.pipelines.rules.unreadable import PipelineUnreadable, Unreadable
from outwork.analyzers.pipelines.workflow import Document
from outwork.analyzers.pipelines.yamlpos import (
    MAX_TEXT,
    Node,
    YamlBudgetError,
    YamlSyntaxError,
    load,
)
from outwork.core.analyzer import Component, Emitted
from outwork.core.artifact import Artifact
from outwork.core.findings import Finding, finding


def analyze(artifact: Artifact, found: str | None, *, pedantic: bool = False) -> Iterable[Emitted]:
    """Findings and facts of one pipeline file whose role (see ``role``) is ``found``; with
    ``pedantic``, the pedantic persona's audits too."""
    if artifact.size > MAX_TEXT:
        yield finding(
            PipelineUnreadable,
            f"pipeline file of {artifact.size} bytes exceeds the {MAX_TEXT}-byte budget",
            severity=PipelineUnreadable.severity_in(Unreadable.OVERSIZED),
            evidence=f"size {artifact.size}",
        )
        return
    text = artifact.text()
    if found == "jenkins":
        yield from jenkins_audit(text, artifact.path)
        return
    try:
        root = load(text)
    except (YamlSyntaxError, YamlBudgetError) as exc:
        yield finding(
            PipelineUnreadable,
            f"pipeline file cannot be read: {exc}",
            line=exc.line if isinstance(exc, YamlSyntaxError) else None,
            severity=PipelineUnreadable.severity_in(
                Unreadable.BUDGET if isinstance(exc, YamlBudgetError) else Unreadable.SYNTAX
            ),
            evidence=str(exc)[:300],
        )
        return
    if root is None or not root.is_map:
        return
    if found in ("sniff", "azure-sniff"):
        found = classify(root, azure=found == "azure-sniff")
    yield from audit(found, Document(text, root), artifact.path, pedantic=pedantic)


def audit(
    found: str | None, doc: Document, path: str, *, pedantic: bool = False
) -> Iterable[Emitted]:
    root = doc.root
    if found == "workflow":
        if root.get("jobs") is None and root.get("runs") is not None:
            found = "action"
        yield from WorkflowAudit(doc, found, path, pedantic=pedantic).run()
    elif found == "action":
        yield from WorkflowAudit(doc, "action", path, pedantic=pedantic).run()
    elif found == "dependabot":
        yield from dependabot_audit(root)
    elif found == "gitlab":
        yield from gitlab_audit(GitlabFile(doc, path))
    elif found == "azure":
        yield from system_audit(found, AzureFile(doc, path))
    elif found == "circleci":
        yield from system_audit(found, CircleFile(doc, path))
    elif found == "bitbucket":
        yield from system_audit(found, BitbucketFile(doc, path))


def jenkins_audit(text: str, path: str) -> Iterator[Emitted]:
    """A Jenkinsfile: tokenised (what cannot be is reported as unreadable), then its checks."""
    try:
        model = JenkinsFile(text, path)
    except GroovyError as exc:
        yield finding(
            PipelineUnreadable,
            f"Jenkinsfile cannot be read: {exc}",
            line=exc.line,
            severity=PipelineUnreadable.severity_in(
                Unreadable.BUDGET if exc.budget else Unreadable.SYNTAX
            ),
            evidence=str(exc)[:300],
        )
        return
    yield from system_audit("jenkins", model)


def system_audit(system: str, model: object) -> Iterator[Emitted]:
    """Every check of another CI system (``azure``, ``circleci``, ``bitbucket``, ``jenkins``)
    over the model its module built."""
    checks: list[SystemCheck[object]] = [c(model) for c in SYSTEM_CHECKS if c.system == system]
    for check in checks:
        yield from check.document()


def dependabot_audit(root: Node) -> Iterator[Emitted]:
    """Every Dependabot check, for each ``updates:`` entry."""
    checks = [check() for check in DEPENDABOT_CHECKS]
    updates = root.get("updates")
    for index, entry in enumerate(updates.seq() if updates is not None else []):
        if not entry.is_map:
            continue
        ecosystem = entry.text("package-ecosystem").strip().lower()
        for check in checks:
            yield from check.update(entry, ("updates", index), ecosystem)


def gitlab_audit(file: GitlabFile) -> Iterator[Emitted]:
    """Every GitLab check: the document, then the ``default`` section and each job."""
    checks = {check: check(file) for check in GITLAB_CHECKS}
    for check in overriding(GITLAB_CHECKS, "document", GitlabCheck):
        yield from checks[check].document()
    consumers = [checks[check] for check in overriding(GITLAB_CHECKS, "job", GitlabCheck)]
    for job in jobs(file.root):
        for consumer in consumers:
            yield from consumer.job(job)


def classify(root: Node, *, azure: bool = False) -> str | None:
    """The role of a YAML file found outside the usual places, from its parsed content
    (``azure``: it sits in a folder Azure pipelines and templates are kept in)."""
    if azure and looks_like_azure(root):
        return "azure"
    if root.get("jobs") is not None and (
        root.get("on") is not None or root.get("true") is not None
    ):
        return "workflow"
    runs = root.get("runs")
    if runs is not None and runs.is_map and runs.get("using") is not None:
        return "action"
    if root.get("updates") is not None and root.get("version") is not None:
        return "dependabot"
    if looks_like_gitlab(root):
        return "gitlab"
    if looks_like_azure(root):
        return "azure"
    if looks_like_circleci(root):
        return "circleci"
    if looks_like_bitbucket(root):
        return "bitbucket"
    return None


def finish(components: Sequence[tuple[str, Component]]) -> Iterable[Finding]:
    """The scan-wide step: taint that crosses from a workflow into a local action or reusable
    workflow (each file's flows were recorded while it was analysed)."""
    return cross_file_findings(components)
