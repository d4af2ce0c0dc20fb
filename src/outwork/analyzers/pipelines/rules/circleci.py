"""CircleCI rules and their checks: CI073 to CI075."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator, Mapping
from typing import ClassVar

from outwork.analyzers.pipelines.checks import SystemCheck
from outwork.analyzers.pipelines.circleci import BUILTIN_STEPS, CircleFile, Owner
from outwork.analyzers.pipelines.data import systems
from outwork.analyzers.pipelines.paths import key_path
from outwork.analyzers.pipelines.scripts import (
    MAX_FINDINGS_PER_SCRIPT,
    Landing,
    Origin,
    injection_finding,
    injections,
)
from outwork.analyzers.pipelines.workflow import Where
from outwork.analyzers.pipelines.yamlpos import Node
from outwork.core.analyzer import Emitted
from outwork.core.findings import Fact, finding
from outwork.core.rules import Confidence, Layer, Rule, Severity

_FULL_VERSION_RE = re.compile(r"^\d+\.\d+\.\d+$")
_FLOATING_RE = re.compile(r"^\d+(?:\.\d+)?$")
#: Branch filters that keep fork pull requests (CircleCI names their branch ``pull/N``) out.
_PULL_RE = re.compile(r"pull")


class OrbInput(enum.Enum):
    """An attacker's value handed to an orb's command: the orb's source decides its fate."""

    PASSED = "passed as a parameter of an orb's command, whose script is not in the file"


class CircleciScriptInjection(Rule):
    """A CircleCI `run` step holds a branch name, commit message or parameter as code.

    ## What it finds
    `run` commands whose text holds a value CircleCI substitutes when it compiles the
    configuration, before the shell runs: pipeline values an outsider chooses
    (`<< pipeline.git.branch >>`, `<< pipeline.git.tag >>`, the commit subject and body,
    `<< pipeline.trigger_parameters.github_app.commit_message >>` and the GitLab and webhook
    trigger parameters) and `<< parameters.x >>` of a job or command that receives one of them
    from a workflow, a default or a calling step (followed through any number of commands).
    `<< pipeline.parameters.x >>`, set by whoever triggers the pipeline through the API, is low.
    Run-time uses of `$CIRCLE_BRANCH` and `$CIRCLE_TAG` are reported when an evaluator parses
    them (`eval`, `bash -c`) or, at low severity, when they are left unquoted. A tainted value
    passed to an orb's command is reported at low severity: the orb's script, not in the file,
    decides whether it is code.

    Severity follows who chooses the value: commit text reaches the builds of the default
    branch after a merge (high); branch and tag names are chosen by whoever pushes them, who
    can also edit the configuration of that branch (medium). Builds of forked pull requests
    are named `pull/N`, so a fork does not choose `CIRCLE_BRANCH`.

    ## Why it matters
    The job runs with the project's environment variables, its contexts and its SSH keys.

    ## Example
    ```yaml
    jobs:
      notify:
        steps:
          - run: echo "Deploying << pipeline.git.branch >>"
    ```

    ## Remediation
    Read the value from the environment inside the script and quote it
    (`echo "Deploying $CIRCLE_BRANCH"`); never splice pipeline values into `run` text.

    ## References
    - CircleCI Docs, "Pipeline values and parameters"
    - CircleCI Docs, "Project values and variables"
    - CWE-78: Improper Neutralization of Special Elements used in an OS Command
    """

    code = "CI073"
    name = "circleci-script-injection"
    layer = Layer.CI
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Origin.TEXT: Severity.HIGH,
        Origin.BRANCH: Severity.MEDIUM,
        Origin.PARAMETER: Severity.LOW,
        Landing.UNQUOTED: Severity.LOW,
        OrbInput.PASSED: Severity.LOW,
    }
    cwe = (78, 94)
    attack = ("T1059",)


class CircleciPullRequestSecrets(Rule):
    """A CircleCI job hands a context to every branch, pull requests included.

    ## What it finds
    Workflow job invocations with a `context:` that run for every branch: no
    `filters.branches.only`, no `ignore` of `pull/...` branches, and, among the jobs it
    `requires` (directly or through other jobs), no manual approval job (`type: approval`)
    and no job with such a branch filter (CircleCI does not run a job whose required job was
    filtered out).

    Whether builds of forked pull requests receive the secrets is the project setting "Pass
    secrets to builds from forked pull requests", which is not in the file; confidence is low
    for that reason. With it on, the fork's configuration runs with the context's variables.
    Contexts restricted to security groups or by expression restrictions are also outside the
    file.

    ## Why it matters
    A context usually holds deploy and registry credentials shared by many projects.

    ## Example
    ```yaml
    workflows:
      build:
        jobs:
          - test:
              context: aws-prod
    ```

    ## Remediation
    Give secret-using jobs `filters: branches: only: main` or an approval job, restrict the
    context to a security group or by project, and keep forked pull requests without secrets.

    ## References
    - CircleCI Docs, "Build open source projects: pass secrets to builds from forked pull
      requests"
    - CircleCI Docs, "Using contexts: restrict a context"
    - CWE-668: Exposure of Resource to Wrong Sphere
    """

    code = "CI074"
    name = "circleci-pull-request-secrets"
    layer = Layer.CI
    severity = Severity.MEDIUM
    confidence = Confidence.LOW
    cwe = (668, 200)


class OrbVersion(enum.Enum):
    """How an orb's version is given."""

    VOLATILE = "volatile: the latest version published, whatever it is"
    DEV = "a dev: version, which its publisher overwrites at will"
    FLOATING = "a major or minor version: the newest release within it"
    FLOATING_CERTIFIED = "a major or minor version of an orb CircleCI publishes (circleci/)"


class CircleciUnpinnedOrb(Rule):
    """A CircleCI configuration imports an orb at a version that moves.

    ## What it finds
    `orbs:` entries at `@volatile` or `@dev:...` (high), or at a major or minor version such as
    `@5` or `@5.1` (medium; low for the `circleci/` namespace CircleCI publishes itself). A full
    `x.y.z` version is quiet: CircleCI never republishes a released orb version.

    ## Why it matters
    An orb's commands and jobs run inside this configuration with its contexts and
    environment; whoever publishes a new version of it runs code in this pipeline.

    ## Example
    ```yaml
    orbs:
      notify: acme/slack-notify@volatile
    ```

    ## Remediation
    Pin every orb to a full semantic version and review updates.

    ## References
    - CircleCI Docs, "Orb versioning"
    - CWE-829: Inclusion of Functionality from Untrusted Control Sphere
    """

    code = "CI075"
    name = "circleci-unpinned-orb"
    layer = Layer.CI
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        OrbVersion.VOLATILE: Severity.HIGH,
        OrbVersion.DEV: Severity.HIGH,
        OrbVersion.FLOATING: Severity.MEDIUM,
        OrbVersion.FLOATING_CERTIFIED: Severity.LOW,
    }
    cwe = (829, 494)
    attack = ("T1195.001",)


class CircleciInjectionCheck(SystemCheck[CircleFile]):
    rules = (CircleciScriptInjection,)
    system = "circleci"

    def document(self) -> Iterator[Emitted]:
        file = self.model
        file.propagate()
        for owner in file.owners.values():
            for step, script in file.scripts(owner):
                derived = file.environment(owner, step)
                origins = {**systems.CIRCLECI_ENV}
                for chain in derived.values():
                    origin = _origin_of(chain)
                    if origin is not None:
                        origins[chain[0]] = origin
                for count, found in enumerate(injections(script, origins, derived)):
                    if count >= MAX_FINDINGS_PER_SCRIPT:
                        break
                    if found.landing is Landing.SPLICED:
                        end = script.text.find(">>", found.offset)
                        what = script.text[found.offset : end + 2]
                    else:
                        what = f"${found.name}"
                    yield injection_finding(CircleciScriptInjection, script, found, what)
            for step, at in file.steps(owner):
                yield from _orb_call(file, step, at, owner)
        for call, where, _ in file.workflow_calls():
            yield from _orb_call(file, call, where, None)


def _orb_call(file: CircleFile, call: Node, where: Where, owner: Owner | None) -> Iterator[Emitted]:
    """Attacker values passed as parameters of an orb's command or job."""
    if not call.is_map:
        return
    for name, args in call.items():
        if name in BUILTIN_STEPS or "/" not in name or not args.is_map:
            continue
        if name.split("/", 1)[0] not in file.orbs:
            continue
        for param, value in args.items():
            ref = next(iter(file.taint_of(value.value, owner)), None) if value.is_str else None
            if ref is None:
                continue
            yield finding(
                CircleciScriptInjection,
                f"<< {ref.name} >> is passed to the orb's {name} as {param}: the orb's"
                " script, not in this file, decides whether it runs as code",
                line=value.line,
                column=value.col,
                logical=key_path(*where, name, param),
                severity=CircleciScriptInjection.severity_in(OrbInput.PASSED),
                confidence=Confidence.LOW,
                evidence=" -> ".join((*ref.chain, ref.name, f"{name}.{param}")),
            )


def _origin_of(chain: tuple[str, ...]) -> Origin | None:
    for prefix, origin in systems.CIRCLECI_TAINTED.items():
        if chain and chain[0].lower().startswith(prefix):
            return origin
    return None


class CircleciContextCheck(SystemCheck[CircleFile]):
    rules = (CircleciPullRequestSecrets,)
    system = "circleci"

    def document(self) -> Iterator[Emitted]:
        file = self.model
        workflows = file.root.get("workflows")
        gates, requires = _gates(workflows)
        for job, options, where, flow in file.workflow_jobs():
            context = options.get("context")
            if context is None:
                continue
            names = [context.value] if context.is_str else [n.value for n in context.strings()]
            flow_node = workflows.get(flow) if workflows is not None else None
            if _branch_guarded(options) or _workflow_guarded(flow_node):
                continue
            if _gated(options.text("name") or job, flow, gates, requires):
                continue
            yield finding(
                CircleciPullRequestSecrets,
                f"job {job} of workflow {flow} gets context {', '.join(names)} on every branch,"
                " pull requests included, without a branch filter or an approval job",
                line=context.line,
                column=context.col,
                logical=key_path(*where),
                evidence=f"{flow} -> {job} -> context {', '.join(names)}",
            )
            target = f"job:{file.path}#{job}"
            yield Fact(
                "entry:fork-pull-request",
                "triggers",
                target,
                proof=f"{file.path}: workflows.{flow}",
                # whether forks' builds get the secrets is a setting of the service, not the file
                properties={"trust": "untrusted-code", "confidence": "low"},
            )
            for name in names:
                yield Fact(target, "exposes", f"jewel:secret:context:{name}", proof=file.path)


def _patterns(node: Node | None) -> list[str]:
    if node is None:
        return []
    return [node.value] if node.is_str else [n.value for n in node.strings()]


def _matches_pull(pattern: str) -> bool:
    """Whether a branch filter (a name, or ``/regex/``) matches a fork's ``pull/N`` branch."""
    text = pattern.strip()
    if len(text) > 1 and text.startswith("/") and text.endswith("/"):
        try:
            return re.fullmatch(text[1:-1], "pull/1") is not None
        except re.error:
            return True
    return text == "pull/1"


def _branch_guarded(options: Node) -> bool:
    branches = options.sub("filters", "branches")
    if branches is None:
        return False
    only = _patterns(branches.get("only"))
    if only:
        return not any(_matches_pull(p) for p in only)
    return any(_matches_pull(p) or _PULL_RE.search(p) for p in _patterns(branches.get("ignore")))


def _workflow_guarded(flow: Node | None) -> bool:
    if flow is None or not flow.is_map:
        return False
    for key in ("when", "unless"):
        cond = flow.get(key)
        if cond is not None and any("pipeline.git.branch" in n.value for n in cond.strings()):
            return True
    return False


def _gates(
    workflows: Node | None,
) -> tuple[set[tuple[str, str]], dict[tuple[str, str], list[str]]]:
    """The jobs that hold back what requires them (approval jobs, and jobs whose branch filter
    keeps fork pull requests out: CircleCI skips a job whose required job was filtered out),
    and the ``requires`` of every job, by (workflow, job name)."""
    gates: set[tuple[str, str]] = set()
    requires: dict[tuple[str, str], list[str]] = {}
    for flow, node in workflows.items() if workflows is not None else []:
        for item in node.children("jobs") if node.is_map else []:
            for job, options in item.items() if item.is_map else []:
                if not options.is_map:
                    requires[(flow, job)] = []
                    continue
                name = options.text("name") or job
                if options.text("type") == "approval" or _branch_guarded(options):
                    gates.add((flow, name))
                requires[(flow, name)] = _patterns(options.get("requires"))
    return gates, requires


def _gated(
    job: str, flow: str, gates: set[tuple[str, str]], requires: dict[tuple[str, str], list[str]]
) -> bool:
    """Whether the job waits, directly or through the jobs it requires, for an approval or a
    job that does not run for fork pull requests."""
    seen: set[str] = set()
    work = list(requires.get((flow, job), []))
    while work and len(seen) < 1000:
        name = work.pop()
        if name in seen:
            continue
        seen.add(name)
        if (flow, name) in gates:
            return True
        work.extend(requires.get((flow, name), []))
    return False


class CircleciOrbCheck(SystemCheck[CircleFile]):
    rules = (CircleciUnpinnedOrb,)
    system = "circleci"

    def document(self) -> Iterator[Emitted]:
        for alias, node in self.model.orbs.items():
            if not node.is_str:
                continue  # an inline orb is part of this file
            ref = node.value.strip()
            name, _, version = ref.partition("@")
            if _FULL_VERSION_RE.match(version):
                continue
            if version == "volatile" or not version:
                what = OrbVersion.VOLATILE
            elif version.startswith("dev:"):
                what = OrbVersion.DEV
            elif _FLOATING_RE.match(version):
                certified = name.startswith("circleci/")
                what = OrbVersion.FLOATING_CERTIFIED if certified else OrbVersion.FLOATING
            else:
                continue
            yield finding(
                CircleciUnpinnedOrb,
                f"orb {alias} is {ref}: {what.value}",
                line=node.line,
                column=node.col,
                logical=key_path("orbs", alias),
                severity=CircleciUnpinnedOrb.severity_in(what),
                evidence=ref,
            )
