"""Jenkinsfile rules and their checks: CI079 to CI081, and CI082/CI083 for Jenkinsfiles."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator, Mapping
from typing import ClassVar

from outwork.analyzers.pipelines.checks import SystemCheck
from outwork.analyzers.pipelines.data import systems
from outwork.analyzers.pipelines.groovy import Token
from outwork.analyzers.pipelines.jenkins import JenkinsFile
from outwork.analyzers.pipelines.rules.exposure import (
    PipelineSecretExposed,
    PipelineUnpinnedImage,
    image_tag,
    leak_findings,
)
from outwork.analyzers.pipelines.scripts import (
    MAX_FINDINGS_PER_SCRIPT,
    Exposure,
    Landing,
    Origin,
    Script,
    injection_finding,
    injections,
)
from outwork.core.analyzer import Emitted
from outwork.core.findings import Fact, finding
from outwork.core.rules import Confidence, Layer, Rule, Severity

_SHA_RE = re.compile(r"^[0-9a-f]{40}$")
_VERSION_RE = re.compile(r"^v?\d+(?:\.\d+)*(?:[-+.][\w.]+)?$")


class JenkinsScriptInjection(Rule):
    """A Jenkinsfile interpolates a pull request's title, a branch name or a webhook field into
    a shell step.

    ## What it finds
    `sh`, `bat`, `powershell` and `pwsh` steps whose script is a GString (`"..."`,
    `\"\"\"...\"\"\"`, `/.../`, `$/.../$`) interpolating, or a concatenation (`"make " + x`)
    adding, a value an outsider chooses: the change-request variables of multibranch
    pipelines (`env.CHANGE_TITLE`, `env.CHANGE_AUTHOR_DISPLAY_NAME`, `env.CHANGE_BRANCH`,
    `env.CHANGE_FORK`: high), branch and tag names (`env.BRANCH_NAME`, `env.GIT_BRANCH`,
    `env.TAG_NAME`: medium), variables the Generic Webhook Trigger fills from a request
    (`genericVariables`, `genericRequestVariables`, `genericHeaderVariables` keys, read as
    `${ref}`, `env.ref` or `params.ref`: high) and other build parameters (`params.x`, or a
    free `string`/`text` parameter read by its name, in Groovy or by the shell: low; `choice`
    and `booleanParam` are quiet),
    also through `environment { X = "${env.CHANGE_TITLE}" }` and local variables
    (`def cmd = "..."; sh cmd`).

    Groovy pastes these into the script before the shell parses it, so quotes in the script do
    not help. Single-quoted scripts (`sh 'echo "$CHANGE_TITLE"'`) leave expansion to the
    shell: quoted there, the value stays data (nothing is reported); evaluated (`eval`,
    `bash -c`) it is reported at the value's severity, and bare at low.

    For pull requests from forks, a multibranch pipeline runs the Jenkinsfile of the target
    branch (forks are not trusted to change it), so the pull request's title and branch name
    are the outsider's only way in: this rule is that way.

    ## Why it matters
    The step runs on the agent with the job's credentials and workspace, often on a
    controller-adjacent agent that holds more.

    ## Example
    ```groovy
    stage('Notify') {
      steps {
        sh "echo Building ${env.CHANGE_TITLE}"
      }
    }
    ```

    ## Remediation
    Use single quotes and let the shell expand quoted variables:
    `sh 'echo "Building $CHANGE_TITLE"'`; pass webhook fields through the environment the same
    way, never through Groovy interpolation.

    ## References
    - Jenkins Pipeline documentation, "String interpolation" and "Injection via
      interpolation"
    - Generic Webhook Trigger plugin documentation
    - CWE-78: Improper Neutralization of Special Elements used in an OS Command
    """

    code = "CI079"
    name = "jenkins-script-injection"
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


class JenkinsUntrustedBuildCredentials(Rule):
    """A Jenkinsfile that builds pull requests binds credentials in a stage that runs for them.

    ## What it finds
    `withCredentials` bindings and `environment { X = credentials('id') }` in a Jenkinsfile
    that builds change requests (it reads `CHANGE_*` variables, tests `changeRequest()`, or is
    started by the Generic Webhook Trigger), in a stage whose `when` does not keep change
    requests out (`branch 'main'`, `buildingTag()`, `not { changeRequest() }`, a test of
    `env.CHANGE_ID`, an `expression` comparing `env.BRANCH_NAME` with a branch that is not
    `PR-*`) and outside a scripted `if` that does (`if (env.CHANGE_ID == null)`,
    `if (env.BRANCH_NAME == 'main')`).

    A multibranch pipeline runs a fork's pull request with the target branch's Jenkinsfile,
    but with the fork's code: the `sh './gradlew test'` inside `withCredentials` runs the
    fork's build script with the credential in its environment. Whether fork pull requests
    are built is the job's configuration, not in the file; confidence is low for that reason.

    ## Why it matters
    Whoever opens a pull request gets the credential: the build script it changes can print
    or send it.

    ## Example
    ```groovy
    stage('Test') {
      steps {
        withCredentials([string(credentialsId: 'sonar', variable: 'SONAR_TOKEN')]) {
          sh './gradlew test sonar'
        }
      }
    }
    ```

    ## Remediation
    Guard credential-using stages with `when { not { changeRequest() } }` or
    `when { branch 'main' }`, and keep fork pull requests on agents without credentials.

    ## References
    - Jenkins documentation, "Pipeline: Multibranch: trust for pull requests from forks"
    - Jenkins documentation, "Using credentials"
    - CWE-668: Exposure of Resource to Wrong Sphere
    """

    code = "CI080"
    name = "jenkins-untrusted-build-credentials"
    layer = Layer.CI
    severity = Severity.MEDIUM
    confidence = Confidence.LOW
    cwe = (668, 200)


class LibraryVersion(enum.Enum):
    """How a shared library's version is given."""

    DEFAULT = "no version: the default version configured on the controller (usually a branch)"
    BRANCH = "a branch"
    TAG = "a tag (a tag can be moved)"


class JenkinsUnpinnedLibrary(Rule):
    """A Jenkinsfile loads a shared library at a version that moves.

    ## What it finds
    `@Library('name')` and `library 'name'` without a version, or with a branch
    (`@Library('ci@main')`), at medium; with a tag (`@Library('ci@v1.2')`) at low. A full
    commit SHA is quiet. `library identifier: 'name@version', retriever: ...` is read too.

    ## Why it matters
    A shared library's code runs inside the pipeline with its credentials, and a global
    library configured as trusted runs outside the Groovy sandbox; whoever can push to the
    branch changes every pipeline that loads it.

    ## Example
    ```groovy
    @Library('pipeline-lib') _
    ```

    ## Remediation
    Pin libraries to a commit SHA or a protected tag, and do not allow the default version to
    be overridden by untrusted branches.

    ## References
    - Jenkins documentation, "Extending with Shared Libraries: library versions"
    - CWE-829: Inclusion of Functionality from Untrusted Control Sphere
    """

    code = "CI081"
    name = "jenkins-unpinned-library"
    layer = Layer.CI
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        LibraryVersion.DEFAULT: Severity.MEDIUM,
        LibraryVersion.BRANCH: Severity.MEDIUM,
        LibraryVersion.TAG: Severity.LOW,
    }
    cwe = (829, 494)
    attack = ("T1195.001",)


class JenkinsInjectionCheck(SystemCheck[JenkinsFile]):
    rules = (JenkinsScriptInjection,)
    system = "jenkins"

    def document(self) -> Iterator[Emitted]:
        file = self.model
        for step in file.steps:
            built = file.script(step)
            if built is None:
                continue
            script = file.spliced(step, *built)
            origins = dict.fromkeys(file.declared_parameters, Origin.PARAMETER)
            origins.update(systems.JENKINS_ENV)
            origins.update(dict.fromkeys(file.webhook_variables, Origin.TEXT))
            derived = file.environment(step.frames)
            chains: dict[str, tuple[str, ...]] = {}
            for name, (chain, origin) in derived.items():
                origins.setdefault(chain[0], origin)
                chains[name] = (*chain, name)
            for count, found in enumerate(injections(script, origins, chains)):
                if count >= MAX_FINDINGS_PER_SCRIPT:
                    break
                if found.landing is Landing.SPLICED:
                    what = "${" + found.name + "}"
                else:
                    what = f"${found.name}"
                yield injection_finding(JenkinsScriptInjection, script, found, what)


class JenkinsCredentialsCheck(SystemCheck[JenkinsFile]):
    rules = (JenkinsUntrustedBuildCredentials,)
    system = "jenkins"

    def document(self) -> Iterator[Emitted]:
        file = self.model
        if not file.builds_change_requests:
            return
        for name, token, frames in file.binding_sites():
            if file.guarded(frames):
                continue
            stage = next(
                (file.frames[i] for i in reversed(frames) if file.frames[i].name == "stage"), None
            )
            label = _label(stage.args[0]) if stage is not None and stage.args else "(pipeline)"
            yield finding(
                JenkinsUntrustedBuildCredentials,
                f"credential variable {name} is bound in stage {label} of a pipeline that builds"
                " pull requests, without a when condition that keeps them out",
                line=token.line,
                column=token.col,
                logical=f"stage:{label}",
                evidence=f"change request -> stage {label} -> {name}",
            )
            target = f"job:{file.path}#{label}"
            yield Fact(
                "entry:fork-pull-request",
                "triggers",
                target,
                proof=f"{file.path}: change-request build",
                # whether forks' builds get the secrets is a setting of the service, not the file
                properties={"trust": "untrusted-code", "confidence": "low"},
            )
            yield Fact(target, "exposes", f"jewel:secret:{name}", proof=file.path)


def _label(token: Token) -> str:
    """A stage's name as written (an interpolated name keeps its ``${...}``)."""
    if token.kind != "string" or token.quote is None:
        return token.text
    size = len(token.quote.value)
    return token.text[size : len(token.text) - size].strip() or "(unnamed)"


class JenkinsLibraryCheck(SystemCheck[JenkinsFile]):
    rules = (JenkinsUnpinnedLibrary,)
    system = "jenkins"

    def document(self) -> Iterator[Emitted]:
        for token, ref in self.model.libraries():
            name, _, version = ref.strip().partition("@")
            if _SHA_RE.match(version):
                continue
            if not version:
                what = LibraryVersion.DEFAULT
            elif _VERSION_RE.match(version):
                what = LibraryVersion.TAG
            else:
                what = LibraryVersion.BRANCH
            yield finding(
                JenkinsUnpinnedLibrary,
                f"shared library {name} is loaded at {what.value}"
                + (f" ({version})" if version else ""),
                line=token.line,
                column=token.col,
                logical=f"library:{name}",
                severity=JenkinsUnpinnedLibrary.severity_in(what),
                evidence=ref,
            )


class JenkinsExposureCheck(SystemCheck[JenkinsFile]):
    rules = ()  # CI082 and CI083, declared once by AzureExposureCheck
    system = "jenkins"

    def document(self) -> Iterator[Emitted]:
        file = self.model
        sites: list[tuple[Script, frozenset[str], tuple[str, ...]]] = []
        for step in file.steps:
            built = file.script(step)
            if built is None:
                continue
            script, refs = built
            bound = file.credentials(step.frames)
            sites.append((script, frozenset(bound), ()))
            for ref in refs:
                name = ref.path.split(".", 1)[1] if ref.path.startswith("env.") else ref.path
                if name in bound:
                    line, col = script.position(ref.start)
                    yield finding(
                        PipelineSecretExposed,
                        f"credential {name} is {Exposure.INTERPOLATED.value}",
                        line=line,
                        column=col,
                        logical=script.logical,
                        severity=PipelineSecretExposed.severity_in(Exposure.INTERPOLATED),
                        evidence=f"{name} -> interpolated ({script.logical})",
                    )
                    break
        yield from leak_findings(sites)
        for token, image in file.images():
            what = image_tag(image)
            if what is None:
                continue
            shape = "not tagged" if what.name == "MOVING" else "tagged"
            yield finding(
                PipelineUnpinnedImage,
                f"image {image} is {shape} and has no digest",
                line=token.line,
                column=token.col,
                logical=f"image:{image}",
                severity=PipelineUnpinnedImage.severity_in(what),
                evidence=image,
            )
