"""Parsing and auditing one pipeline file: the implementation behind
:meth:`~outwork.analyzers.pipelines.PipelineAnalyzer.analyze`.

Kept out of the package's ``__init__`` so that learning the analyzer and its rules (every scan
does, whatever it selects) does not import the YAML reader and the audits.
"""

from __future__ import annotations

from collections.abc import Iterable

from outwork.analyzers.pipelines import dependabot, gitlab
from outwork.analyzers.pipelines.github import Document, WorkflowAudit
from outwork.analyzers.pipelines.rules.github import PipelineUnreadable, Unreadable
from outwork.analyzers.pipelines.yamlpos import (
    MAX_TEXT,
    Node,
    YamlBudgetError,
    YamlSyntaxError,
    load,
)
from outwork.core.analyzer import Emitted
from outwork.core.artifact import Artifact
from outwork.core.findings import finding


def analyze(artifact: Artifact, found: str | None) -> Iterable[Emitted]:
    """Findings and facts of one pipeline file whose role (see ``role``) is ``found``."""
    if artifact.size > MAX_TEXT:
        yield finding(
            PipelineUnreadable,
            f"pipeline file of {artifact.size} bytes exceeds the {MAX_TEXT}-byte budget",
            severity=PipelineUnreadable.severity_in(Unreadable.OVERSIZED),
            evidence=f"size {artifact.size}",
        )
        return
    text = artifact.text()
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
    if found == "sniff":
        found = classify(root)
    yield from audit(found, Document(text, root), artifact.path)


def audit(found: str | None, doc: Document, path: str) -> Iterable[Emitted]:
    root = doc.root
    if found == "workflow":
        if root.get("jobs") is None and root.get("runs") is not None:
            found = "action"
        yield from WorkflowAudit(doc, found, path).run()
    elif found == "action":
        yield from WorkflowAudit(doc, "action", path).run()
    elif found == "dependabot":
        yield from dependabot.audit(root)
    elif found == "gitlab":
        yield from gitlab.audit(doc, path)


def classify(root: Node) -> str | None:
    """The role of a YAML file found outside the usual places, from its parsed content."""
    if root.get("jobs") is not None and (
        root.get("on") is not None or root.get("true") is not None
    ):
        return "workflow"
    runs = root.get("runs")
    if runs is not None and runs.is_map and runs.get("using") is not None:
        return "action"
    if root.get("updates") is not None and root.get("version") is not None:
        return "dependabot"
    if gitlab.looks_like_gitlab(root):
        return "gitlab"
    return None
