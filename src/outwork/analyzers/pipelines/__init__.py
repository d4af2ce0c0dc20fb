"""The pipelines analyzer: GitHub Actions workflows and actions, Dependabot, GitLab CI, Azure
Pipelines, CircleCI, Bitbucket Pipelines and Jenkinsfiles.

It takes YAML artifacts by path (``.github/workflows/*.yml``, ``action.yml`` anywhere,
``.github/dependabot.yml``, ``.gitlab-ci.yml`` and files under ``.gitlab/``/``ci/``,
``azure-pipelines.yml`` and files under ``.azure-pipelines/``/``.azuredevops/``,
``.circleci/*.yml``, ``bitbucket-pipelines.yml``), Jenkinsfiles by name (``Jenkinsfile``,
``Jenkinsfile*``, ``*.jenkinsfile``) and, for YAML found elsewhere, by a
cheap look at the content (top-level ``jobs:`` with ``on:``, ``runs:``, Dependabot's
``updates:``, GitLab's ``stages:``/``script:``, Azure's ``task:``), because attackers and
monorepos put pipelines where names do not say so. Pipeline files inside a package archive
(an sdist, a wheel, an npm tarball) or an installed package (under ``node_modules``,
``site-packages``) are not read: they never run for the package's installer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import cast

from outwork.core.analyzer import AnalysisContext, Analyzer, Component, Emitted, rules_in
from outwork.core.artifact import (
    Artifact,
    Kind,
    inside_installed_packages,
    inside_package_archive,
)
from outwork.core.findings import Fact, Finding
from outwork.core.locate import register_resolver
from outwork.core.rules import Layer

register_resolver(Kind.YAML, "outwork.analyzers.pipelines.yamlpos:resolve")

_WORKFLOW_HEAD = re.compile(r"^jobs[ \t]*:", re.M)
_ON_HEAD = re.compile(r"""^(?:on|"on"|'on'|true)[ \t]*:""", re.M)
_ACTION_HEAD = re.compile(r"^runs[ \t]*:", re.M)
_DEPENDABOT_HEAD = re.compile(r"^updates[ \t]*:", re.M)
# [ \t] where a line's indentation is meant: \s would cross lines, and a run of blank lines
# would cost quadratic time at every line start
_AZURE_DIRS = frozenset({".azure-pipelines", ".azuredevops", "azure-pipelines", ".pipelines"})
_JENKINSFILE_RE = re.compile(r"^(?:jenkinsfile[\w.-]*|[\w.-]+\.jenkinsfile)$")
#: GitLab keys: a top-level ``stages``/``include``, a job's scripts or ``extends`` (a file of
#: templates and of jobs that only extend them is GitLab too).
_GITLAB_HEAD = re.compile(
    r"^(?:stages|include)[ \t]*:|^[ \t]+(?:(?:before_|after_)?script|extends)[ \t]*:", re.M
)
_GITLAB_JOB_KEY = re.compile(
    r"^[ \t]+(?:-[ \t]+)?(?:(?:before_|after_)?script|extends)[ \t]*:", re.M
)
#: Azure Pipelines' own keys: a step ``task:``, ``pwsh:``, a ``stage:`` or ``pool: vmImage``.
_AZURE_HEAD = re.compile(r"^[ \t]*-[ \t]+(?:task|pwsh|stage)[ \t]*:|^[ \t]+vmImage[ \t]*:", re.M)
_INCLUDE_HEAD = re.compile(r"^include[ \t]*:(.*)$", re.M)
_INCLUDE_KIND = re.compile(r"^[\s{\[-]*(?:local|project|remote|template|component)\s*:")
#: Lines after ``include:`` looked at for an include entry.
_INCLUDE_LINES = 50
#: The analyzer option that picks the persona (``--persona``): ``pedantic`` adds the audits and
#: severities of zizmor's pedantic persona (naming, concurrency, every expression in a script).
PERSONA_OPTION = "pipelines.persona"
PERSONAS = ("regular", "pedantic")
#: Bytes of a YAML file read to decide whether it is a pipeline.
SNIFF_BYTES = 65536


def role(artifact: Artifact) -> str | None:
    """What pipeline file this is: workflow, action, dependabot, gitlab, azure, circleci,
    bitbucket, jenkins, ``sniff`` (YAML to look into), or None."""
    member = artifact.member_path.replace("\\", "/")
    # PurePosixPath(member).parts lower-cased, without its root ("/" never matches below)
    parts = [p.lower() for p in member.split("/") if p and p != "."]
    name = parts[-1] if parts else ""
    if _JENKINSFILE_RE.match(name):
        return "jenkins"
    if not name.endswith((".yml", ".yaml")):
        return None
    if name in ("action.yml", "action.yaml"):
        return "action"
    if name in ("dependabot.yml", "dependabot.yaml") and ".github" in parts:
        return "dependabot"
    if len(parts) >= 3 and parts[-3:-1] == [".github", "workflows"]:
        return "workflow"
    if name == ".gitlab-ci.yml" or name.endswith(".gitlab-ci.yml") or ".gitlab" in parts:
        return "gitlab"
    if len(parts) >= 2 and parts[-2] == ".circleci":
        return "circleci"
    if name in ("bitbucket-pipelines.yml", "bitbucket-pipelines.yaml"):
        return "bitbucket"
    stem = name.rsplit(".", 1)[0]
    if stem == "azure-pipelines" or stem.endswith((".azure-pipelines", "-azure-pipelines")):
        return "azure"
    if any(part in _AZURE_DIRS for part in parts[:-1]):
        return "azure-sniff"
    return "sniff"


class PipelineAnalyzer(Analyzer):
    """Audits GitHub Actions, Dependabot, GitLab CI, Azure Pipelines, CircleCI, Bitbucket
    Pipelines and Jenkins configuration."""

    name = "pipelines"
    version = "4"
    layer = Layer.CI
    kinds = frozenset({Kind.YAML, Kind.TEXT})
    rules = rules_in("outwork.analyzers.pipelines.rules")
    implementation = "outwork.analyzers.pipelines.analysis"

    def accepts(self, artifact: Artifact) -> bool:
        if artifact.kind not in (Kind.YAML, Kind.TEXT):
            return False
        if inside_package_archive(artifact.path):
            # CI files an sdist happens to ship never run for whoever installs it: they are the
            # publisher's repository hygiene, audited where they run (scan the repository).
            return False
        found = role(artifact)
        if found is None:
            return False
        if found != "action" and inside_installed_packages(artifact.path):
            # An installed dependency's workflows never run for the project; an action.yml there
            # does when the project's workflow names it (uses: ./node_modules/...), so it is read.
            return False
        if found not in ("sniff", "azure-sniff"):
            return True
        return _sniff(artifact.read(SNIFF_BYTES).decode("utf-8", "replace")) is not None

    def analyze(self, artifact: Artifact, context: AnalysisContext) -> Iterable[Emitted]:
        persona = context.options.get(PERSONA_OPTION, "regular")
        if persona not in PERSONAS:
            raise ValueError(
                f"analyzer option {PERSONA_OPTION} is {persona!r}: use one of "
                + ", ".join(PERSONAS)
            )
        return cast(
            Iterable[Emitted],
            self.work.analyze(artifact, role(artifact), pedantic=persona == "pedantic"),
        )

    def finish(
        self, components: Sequence[tuple[str, Component]], context: AnalysisContext
    ) -> Iterable[Finding | Fact]:
        """What spans files: a caller's attacker data into a local action's or reusable
        workflow's script, and GitLab pipelines made of a root file and its includes."""
        if not any(c.type.startswith("_pipeline") for _, c in components):
            return ()
        return cast(Iterable[Finding | Fact], self.work.finish(components))


def _includes_only(head: str) -> bool:
    """Whether a top-level ``include:`` holds a GitLab include entry (``local:``,
    ``project:``, ...), inline or in the indented lines under it."""
    match = _INCLUDE_HEAD.search(head)
    if match is None:
        return False
    if _INCLUDE_KIND.match(match.group(1)):
        return True
    for line in head[match.end() + 1 :].split("\n", _INCLUDE_LINES)[:_INCLUDE_LINES]:
        if line.strip() and not line[0].isspace() and not line.startswith("-"):
            return False
        if _INCLUDE_KIND.match(line):
            return True
    return False


def _sniff(head: str) -> str | None:
    if _WORKFLOW_HEAD.search(head) and _ON_HEAD.search(head):
        return "workflow"
    if _ACTION_HEAD.search(head) and re.search(r"^[ \t]+using[ \t]*:", head, re.M):
        return "action"
    if _DEPENDABOT_HEAD.search(head) and re.search(r"package-ecosystem", head):
        return "dependabot"
    if _GITLAB_HEAD.search(head) and _GITLAB_JOB_KEY.search(head):
        return "gitlab"
    if _AZURE_HEAD.search(head):
        return "azure"
    if _includes_only(head):
        return "gitlab"  # a file of includes only: a pipeline's root may include it
    return None
