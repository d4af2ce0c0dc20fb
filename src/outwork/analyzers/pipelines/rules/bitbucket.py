"""Bitbucket Pipelines rules and their checks: CI076 to CI078."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator, Mapping
from typing import ClassVar

from outwork.analyzers.pipelines.bitbucket import BitbucketFile, BitbucketStep
from outwork.analyzers.pipelines.checks import SystemCheck
from outwork.analyzers.pipelines.paths import key_path
from outwork.analyzers.pipelines.scripts import (
    MAX_FINDINGS_PER_SCRIPT,
    SECRET_REF_RE,
    Landing,
    Origin,
    injection_finding,
    injections,
    is_secret_name,
    ref_name,
)
from outwork.analyzers.pipelines.yamlpos import Node
from outwork.core.analyzer import Emitted
from outwork.core.findings import Fact, finding
from outwork.core.rules import Confidence, Layer, Rule, Severity

_FULL_TAG_RE = re.compile(r"^v?\d+\.\d+\.\d+(?:[-+][\w.]+)?$")


class BitbucketScriptInjection(Rule):
    """A Bitbucket pipeline evaluates a branch or tag name, or a run-time variable, as code.

    ## What it finds
    `script` and `after-script` lines that pass `$BITBUCKET_BRANCH`, `$BITBUCKET_TAG` or
    `$BITBUCKET_BOOKMARK` (or a shell variable assigned from one of them earlier in the same
    line list item), or a variable that a `custom` pipeline asks for when it is run (without
    `allowed-values`), to an evaluator: `eval`, `sh -c`, `bash -c`, `python -c`,
    `ssh host "..."` (medium for names, low for custom variables). Bare uses (split into
    words, globbed) are low. Inside double quotes the value is one word and never parsed
    again, so nothing is reported; inside single quotes it is not expanded.

    `$BITBUCKET_PR_ID` is a number and `$BITBUCKET_PR_DESTINATION_BRANCH` names a branch that
    already exists in the repository, so neither is reported. Bitbucket substitutes nothing
    into the script text itself, and has no variable for a pull request's title or a commit
    message: the branch name is chosen by whoever pushes the
    branch, who can also edit that branch's `bitbucket-pipelines.yml`, hence medium, not high.

    ## Why it matters
    The step runs with the repository's and deployment's secured variables and its OIDC
    token.

    ## Example
    ```yaml
    pipelines:
      branches:
        '**':
          - step:
              script:
                - eval "deploy $BITBUCKET_BRANCH"
    ```

    ## Remediation
    Quote the variables (`"$BITBUCKET_BRANCH"`) and never evaluate them; give custom
    variables `allowed-values`.

    ## References
    - Bitbucket Cloud documentation, "Variables and secrets"
    - CWE-78: Improper Neutralization of Special Elements used in an OS Command
    """

    code = "CI076"
    name = "bitbucket-script-injection"
    layer = Layer.CI
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Origin.TEXT: Severity.HIGH,
        Origin.BRANCH: Severity.MEDIUM,
        Origin.PARAMETER: Severity.LOW,
        Landing.UNQUOTED: Severity.LOW,
    }
    cwe = (78, 94)
    attack = ("T1059",)


class BitbucketPullRequestSecrets(Rule):
    """A Bitbucket `pull-requests` pipeline reads secured variables or deploys.

    ## What it finds
    Steps of `pipelines.pull-requests` that read secret-looking variables (`$NPM_TOKEN`,
    `$AWS_SECRET_ACCESS_KEY`, ...), use a `deployment` environment (its variables), ask for an
    OIDC token (`oidc: true`) or pass secrets to a pipe.

    A pull-request pipeline runs the configuration and the code of the pull request's source
    branch: whoever can push a branch and open a pull request, who need not be allowed to see
    secured variables, can make the step print them. Whether pull requests from forks run
    at all depends on the workspace (not in the file); confidence is low for that reason.

    ## Why it matters
    Secured variables are masked in logs, not from the script: an edited step can send them
    anywhere.

    ## Example
    ```yaml
    pipelines:
      pull-requests:
        '**':
          - step:
              script:
                - npm publish --token "$NPM_TOKEN"
    ```

    ## Remediation
    Run secret-using steps only in `branches` pipelines of protected branches, and keep
    deployment environments restricted to them.

    ## References
    - Bitbucket Cloud documentation, "Pipeline start conditions: pull-requests"
    - Bitbucket Cloud documentation, "Variables and secrets: secured variables"
    - CWE-668: Exposure of Resource to Wrong Sphere
    """

    code = "CI077"
    name = "bitbucket-pull-request-secrets"
    layer = Layer.CI
    severity = Severity.MEDIUM
    confidence = Confidence.LOW
    cwe = (668, 200)


class PipeRef(enum.Enum):
    """How a pipe is referenced."""

    MOVING = "no tag or latest: whatever was pushed last"
    MAJOR = "a major or minor tag (the publisher moves it with every release)"
    TAGGED = "a full version tag (a tag can still be moved)"


class BitbucketUnpinnedPipe(Rule):
    """A Bitbucket pipeline runs a pipe that is not pinned by digest.

    ## What it finds
    `- pipe:` references without `@sha256:`: untagged or `latest` (high), a major or minor
    tag such as `:1` (medium), a full version tag such as `:1.2.3` (low).

    ## Why it matters
    A pipe is a container image that runs with the step's variables passed to it, secured
    ones included; whoever can push the tag controls that code.

    ## Example
    ```yaml
    script:
      - pipe: acme/deploy-pipe:1
        variables:
          TOKEN: $DEPLOY_TOKEN
    ```

    ## Remediation
    Pin pipes by digest (`pipe: docker://acme/deploy-pipe@sha256:...`), or to a full version
    of a publisher you trust.

    ## References
    - Bitbucket Cloud documentation, "What are pipes?"
    - CWE-829: Inclusion of Functionality from Untrusted Control Sphere
    """

    code = "CI078"
    name = "bitbucket-unpinned-pipe"
    layer = Layer.CI
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        PipeRef.MOVING: Severity.HIGH,
        PipeRef.MAJOR: Severity.MEDIUM,
        PipeRef.TAGGED: Severity.LOW,
    }
    cwe = (829, 494)
    attack = ("T1195.001",)


class BitbucketInjectionCheck(SystemCheck[BitbucketFile]):
    rules = (BitbucketScriptInjection,)
    system = "bitbucket"

    def document(self) -> Iterator[Emitted]:
        file = self.model
        for step in file.steps:
            environment = file.environment(step)
            for script in file.scripts(step):
                for count, found in enumerate(injections(script, environment, {})):
                    if count >= MAX_FINDINGS_PER_SCRIPT:
                        break
                    what = f"${found.name}"
                    yield injection_finding(BitbucketScriptInjection, script, found, what)


class BitbucketPullRequestCheck(SystemCheck[BitbucketFile]):
    rules = (BitbucketPullRequestSecrets,)
    system = "bitbucket"

    def document(self) -> Iterator[Emitted]:
        file = self.model
        for step in file.steps:
            if step.trigger != "pull-requests":
                continue
            uses = _secret_uses(file, step)
            if not uses:
                continue
            node, what, _ = uses[0]
            yield finding(
                BitbucketPullRequestSecrets,
                f"step {step.label} of the pull-requests pipeline {step.pattern!r} uses {what}",
                line=node.line,
                column=node.col,
                logical=key_path(*step.where),
                evidence=f"pull-requests {step.pattern} -> {step.label} -> {what}",
            )
            target = f"job:{file.path}#{step.label}"
            yield Fact(
                "entry:pull-request",
                "triggers",
                target,
                proof=f"{file.path}: pipelines.pull-requests",
                # whether forks' builds get the secrets is a setting of the service, not the file
                properties={"trust": "untrusted-code", "confidence": "low"},
            )
            for label in sorted({label for _, _, label in uses}):
                yield Fact(target, "exposes", f"jewel:secret:{label}", proof=file.path)


def _secret_uses(file: BitbucketFile, step: BitbucketStep) -> list[tuple[Node, str, str]]:
    """(where, description, the secret's name) of each secret the step reads."""
    found: list[tuple[Node, str, str]] = []
    deployment = step.node.get("deployment")
    if deployment is not None and deployment.is_str:
        name = deployment.value.strip()
        found.append((deployment, f"deployment {name}", f"deployment:{name}"))
    oidc = step.node.get("oidc")
    if oidc is not None and oidc.text().strip().lower() == "true":
        found.append((oidc, "an OIDC token", "oidc"))
    for key in ("script", "after-script"):
        node = step.node.get(key)
        for text_node in node.strings() if node is not None else []:
            for match in SECRET_REF_RE.finditer(text_node.value):
                name = ref_name(match)
                if is_secret_name(name) and not name.startswith("BITBUCKET_"):
                    found.append((text_node, f"${name}", name))
    return found


class BitbucketPipeCheck(SystemCheck[BitbucketFile]):
    rules = (BitbucketUnpinnedPipe,)
    system = "bitbucket"

    def document(self) -> Iterator[Emitted]:
        file = self.model
        for step in file.steps:
            for pipe, _item, where in file.pipes(step):
                ref = pipe.value.strip()
                if "@sha256:" in ref or ref.startswith("$"):
                    continue
                image = ref.removeprefix("docker://")
                last = image.rsplit("/", 1)[-1]
                tag = last.split(":", 1)[1] if ":" in last else ""
                if tag in ("", "latest"):
                    what = PipeRef.MOVING
                elif _FULL_TAG_RE.match(tag):
                    what = PipeRef.TAGGED
                else:
                    what = PipeRef.MAJOR
                yield finding(
                    BitbucketUnpinnedPipe,
                    f"pipe {ref} is {what.value}, not pinned by digest",
                    line=pipe.line,
                    column=pipe.col,
                    logical=key_path(*where, "pipe"),
                    severity=BitbucketUnpinnedPipe.severity_in(what),
                    evidence=ref,
                )
