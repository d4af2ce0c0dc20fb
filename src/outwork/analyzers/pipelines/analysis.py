"""Parsing and auditing one pipeline file: the implementation behind
:meth:`~outwork.analyzers.pipelines.PipelineAnalyzer.analyze`. It reads the YAML, tells which
kind of pipeline it is, and hands the document to that kind's scanner (GitHub Actions in
``github``; GitLab CI and Dependabot here, over their models and checks)."""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Iterator, Sequence

from outwork.analyzers.pipelines.azure import AzureFile, looks_like_azure
from outwork.analyzers.pipelines.bitbucket import BitbucketFile, looks_like_bitbucket
from outwork.analyzers.pipelines.checks import GitlabCheck, SystemCheck, overriding
from outwork.analyzers.pipelines.circleci import CircleFile, looks_like_circleci
from outwork.analyzers.pipelines.github import WorkflowAudit
from outwork.analyzers.pipelines.gitlab import (
    MAX_INCLUDES,
    GitlabFile,
    Pipeline,
    includes,
    is_root,
    looks_like_gitlab,
    resolve_local,
)
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
from outwork.core.findings import Fact, Finding, finding
from outwork.core.locate import annotate


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
        yield from gitlab_file(GitlabFile(doc, path))
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
    # A YAML anchor reused by several jobs is one text: its finding is reported once.
    seen: set[tuple[str, int | None, int | None, str]] = set()
    for check in checks:
        for item in check.document():
            if isinstance(item, Finding):
                where = item.location
                key = (item.rule.code, where.line, where.column, item.message)
                if key in seen:
                    continue
                seen.add(key)
            yield item


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


#: The component type of a GitLab file that another file's pipeline may need (private).
GITLAB_FILE = "_pipeline-gitlab"


def gitlab_file(file: GitlabFile) -> Iterator[Emitted]:
    """A root ``.gitlab-ci.yml`` that includes no file of its repository is a whole pipeline:
    audited here (and cached with the file). Any other GitLab file belongs to the pipeline of
    whichever root includes it: its text is handed to the scan-wide step (:func:`finish`),
    which audits each pipeline with all its files."""
    local = [i for i in includes(file) if i.kind == "local"]
    if is_root(file.path) and not local:
        pipeline = Pipeline([file], rooted=True)
        pipeline.external = [i for i in includes(file) if i.kind != "local"]
        yield from gitlab_audit(pipeline)
        return
    yield Component(GITLAB_FILE, file.path, properties={"text": file.doc.text})


def gitlab_audit(pipeline: Pipeline) -> Iterator[Emitted]:
    """Every GitLab check over one pipeline: each file's document, each job, then the end."""
    checks = {check: check(pipeline) for check in GITLAB_CHECKS}
    for check in overriding(GITLAB_CHECKS, "document", GitlabCheck):
        for file in pipeline.files:
            yield from checks[check].document(file)
    consumers = [checks[check] for check in overriding(GITLAB_CHECKS, "job", GitlabCheck)]
    for job in pipeline.jobs():
        for consumer in consumers:
            yield from consumer.job(job)
    for check in overriding(GITLAB_CHECKS, "end", GitlabCheck):
        yield from checks[check].end()


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


def finish(components: Sequence[tuple[str, Component]]) -> Iterator[Finding | Fact]:
    """The scan-wide step: taint that crosses from a workflow into a local action or reusable
    workflow (each file's flows were recorded while it was analysed), and the GitLab pipelines
    that span files."""
    yield from cross_file_findings(components)
    yield from gitlab_pipelines(components)


def gitlab_pipelines(components: Sequence[tuple[str, Component]]) -> Iterator[Finding | Fact]:
    """Each root ``.gitlab-ci.yml`` with the files it includes from its repository, audited as
    one pipeline; then every GitLab file no root includes, alone (its includer decides where
    its jobs run, so every kind of pipeline is assumed)."""
    files: dict[str, GitlabFile] = {}
    for path, component in components:
        if component.type != GITLAB_FILE:
            continue
        try:
            root = load(str(component.properties.get("text", "")))
        except (YamlSyntaxError, YamlBudgetError):
            continue  # reported when the file was analysed
        if root is not None and root.is_map:
            text = str(component.properties["text"])
            files[path] = GitlabFile(Document(text, root), path)
    known = sorted(files)
    claimed: set[str] = set()
    for path in known:
        if is_root(path):
            pipeline = _joined(files[path], files, known)
            claimed.update(f.path for f in pipeline.files)
            yield from _emitted(gitlab_audit(pipeline), files)
    for path in known:
        if path not in claimed:
            pipeline = _joined(files[path], files, known, rooted=False)
            yield from _emitted(gitlab_audit(pipeline), files)


def _joined(
    first: GitlabFile, files: dict[str, GitlabFile], known: list[str], *, rooted: bool = True
) -> Pipeline:
    """The pipeline of ``first``: its local includes followed (nested, globbed, bounded)."""
    repo = posixpath.dirname(first.path) if rooted else _repository(first.path)
    order = [first]
    external = []
    missing = []
    index = 0
    while index < len(order) and len(order) <= MAX_INCLUDES:
        for item in includes(order[index]):
            if item.kind != "local":
                external.append(item)
                continue
            targets = resolve_local(item, repo, known)
            if not targets:
                missing.append(item)
            for target in targets:
                if all(f.path != target for f in order):
                    order.append(files[target])
        index += 1
    pipeline = Pipeline(order[:MAX_INCLUDES], rooted=rooted, joined=True)
    pipeline.external, pipeline.missing = external, missing
    return pipeline


def _repository(path: str) -> str:
    """The repository root a file outside the root's folder lives in: above ``.gitlab/``, or
    its own folder."""
    at = path.rfind("/.gitlab/")
    if at >= 0:
        return path[:at]
    return posixpath.dirname(path)


def _emitted(items: Iterable[Emitted], files: dict[str, GitlabFile]) -> Iterator[Finding | Fact]:
    """Findings with the code frame and inline suppression of the file they point at."""
    for item in items:
        if isinstance(item, Finding):
            file = files.get(item.location.path)
            yield annotate(item, file.doc.text) if file is not None else item
        elif isinstance(item, Fact):
            yield item
