"""Secrets leaving a script, and images that move, in Azure Pipelines, CircleCI, Bitbucket
Pipelines and Jenkins: CI082 and CI083 (GitHub Actions and GitLab CI have their own rules)."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import ClassVar

from outwork.analyzers.pipelines import azure, bitbucket, circleci
from outwork.analyzers.pipelines.azure import AzureFile
from outwork.analyzers.pipelines.bitbucket import BitbucketFile
from outwork.analyzers.pipelines.checks import SystemCheck
from outwork.analyzers.pipelines.circleci import CircleFile
from outwork.analyzers.pipelines.context import ImageTag
from outwork.analyzers.pipelines.paths import key_path
from outwork.analyzers.pipelines.scripts import Exposure, Script, secret_leaks
from outwork.analyzers.pipelines.workflow import Where
from outwork.analyzers.pipelines.yamlpos import Node
from outwork.core.analyzer import Emitted
from outwork.core.findings import finding
from outwork.core.rules import Confidence, Layer, Rule, Severity

#: Secret findings reported for one file; the rest are left out.
MAX_LEAKS = 200


class PipelineSecretExposed(Rule):
    """A pipeline script prints a secret, publishes it, traces it or interpolates it.

    ## What it finds
    In Azure Pipelines, CircleCI, Bitbucket Pipelines and Jenkinsfile scripts, a variable that
    holds a credential (its name says so: `*_TOKEN`, `*_PASSWORD`, `*_SECRET`, `*_KEY`, ...; in
    Jenkins, the variables `withCredentials` and `credentials()` bind):

    - written by `echo`/`printf` into a file under a path the same job publishes
      (`store_artifacts`, `persist_to_workspace`, Bitbucket `artifacts`, Azure `publish` and the
      publishing tasks): high, anyone who can read the build's artifacts has the secret;
    - interpolated by Groovy into an `sh`/`bat`/`powershell` string (`sh "curl -u $PASS"`
      with double quotes): medium, the value lands on the command line of the agent's
      processes, the warning Jenkins itself prints;
    - printed to the build log (`echo "$NPM_TOKEN"`, not piped into a command): medium,
      log masking misses encoded, split or transformed copies;
    - used after `set -x` (or `bash -x`) in the same script: low, the shell echoes every
      command with the value expanded.

    Piping a secret into a command (`echo "$TOKEN" | docker login --password-stdin`) and writing
    it to a file that is not published are quiet.

    ## Why it matters
    A secret in a log or an artifact outlives the job and is readable by everyone who can see
    the build, pull requests' authors included.

    ## Example
    ```yaml
    - run: |
        echo "NPM_TOKEN=$NPM_TOKEN" > build/env.txt
    - store_artifacts:
        path: build
    ```

    ## Remediation
    Pass secrets to commands through the environment or standard input; keep them out of
    published paths; turn tracing off around commands that use them; in Jenkins use single
    quotes (`sh 'curl -u "$PASS" ...'`) so the shell, not Groovy, expands the credential.

    ## References
    - Jenkins Pipeline documentation, "String interpolation: interpolation of sensitive
      environment variables"
    - CircleCI Docs, "Security features: secrets masking"
    - CWE-532: Insertion of Sensitive Information into Log File
    - CWE-312: Cleartext Storage of Sensitive Information
    """

    code = "CI082"
    name = "pipeline-secret-exposed"
    layer = Layer.CI
    severity = Severity.MEDIUM
    confidence = Confidence.MEDIUM
    quotes_source = False
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Exposure.PUBLISHED: Severity.HIGH,
        Exposure.INTERPOLATED: Severity.MEDIUM,
        Exposure.PRINTED: Severity.MEDIUM,
        Exposure.TRACED: Severity.LOW,
    }
    cwe = (532, 312)


class PipelineUnpinnedImage(Rule):
    """An Azure, CircleCI, Bitbucket or Jenkins job runs a container image without a digest.

    ## What it finds
    Azure `resources.containers` images and `container:` images, CircleCI `docker` images of
    jobs and executors, Bitbucket default, step and service images, and Jenkins
    `agent { docker { image ... } }` and `docker.image(...)`, without `@sha256:`. Untagged and
    `latest` images are medium, other tags low. Images named by a variable are left out.

    ## Why it matters
    The job's scripts run inside the image with the job's secrets; whoever can push the tag
    controls that environment.

    ## Example
    ```yaml
    image: node:latest
    ```

    ## Remediation
    Pin images by digest (`node:20@sha256:...`) and update them deliberately.

    ## References
    - CircleCI Docs, "Using the Docker execution environment: image pinning"
    - CWE-829: Inclusion of Functionality from Untrusted Control Sphere
    """

    code = "CI083"
    name = "pipeline-unpinned-image"
    layer = Layer.CI
    severity = Severity.LOW
    confidence = Confidence.HIGH
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        ImageTag.MOVING: Severity.MEDIUM,
        ImageTag.TAGGED: Severity.LOW,
    }
    cwe = (829, 494)


def leak_findings(
    sites: Iterable[tuple[Script, frozenset[str], Sequence[str]]],
) -> Iterator[Emitted]:
    """CI082 for every leak of every script: (script, names known to be secrets, published
    paths of its job)."""
    count = 0
    for script, secrets, published in sites:
        for leak in secret_leaks(script, secrets, published):
            count += 1
            if count > MAX_LEAKS:
                return
            line, col = script.position(leak.offset)
            where = f" ({leak.detail})" if leak.exposure is Exposure.PUBLISHED else ""
            yield finding(
                PipelineSecretExposed,
                f"${leak.name} is {leak.exposure.value}{where}",
                line=line,
                column=col,
                logical=script.logical,
                severity=PipelineSecretExposed.severity_in(leak.exposure),
                evidence=f"{leak.name} -> {leak.exposure.name.lower()} ({script.logical})",
            )


def image_tag(value: str) -> ImageTag | None:
    """How an image reference moves, or None when it is pinned or not a literal."""
    text = value.strip()
    if not text or "@sha256:" in text or "$" in text or "<<" in text or "{{" in text:
        return None
    last = text.rsplit("/", 1)[-1]
    tag = last.split(":", 1)[1] if ":" in last else ""
    return ImageTag.MOVING if tag in ("", "latest") else ImageTag.TAGGED


def image_findings(images: Iterable[tuple[Node, Where]]) -> Iterator[Emitted]:
    seen: set[tuple[int, int]] = set()
    for node, where in images:
        what = image_tag(node.value)
        if what is None or (node.line, node.col) in seen:
            continue
        seen.add((node.line, node.col))
        shape = "not tagged" if what is ImageTag.MOVING else "tagged"
        yield finding(
            PipelineUnpinnedImage,
            f"image {node.value.strip()} is {shape} and has no digest",
            line=node.line,
            column=node.col,
            logical=key_path(*where),
            severity=PipelineUnpinnedImage.severity_in(what),
            evidence=node.value.strip(),
        )


class AzureExposureCheck(SystemCheck[AzureFile]):
    rules = (PipelineSecretExposed, PipelineUnpinnedImage)
    system = "azure"

    def document(self) -> Iterator[Emitted]:
        file = self.model
        sites = (
            (script, frozenset[str](), paths)
            for job, paths in ((job, azure.published(job)) for job in file.jobs)
            for _, script, _ in file.scripts(job)
        )
        yield from leak_findings(sites)
        yield from image_findings(azure.images(file.root))


class CircleciExposureCheck(SystemCheck[CircleFile]):
    rules = ()  # CI082 and CI083, declared once by AzureExposureCheck
    system = "circleci"

    def document(self) -> Iterator[Emitted]:
        file = self.model
        sites = (
            (script, frozenset[str](), paths)
            for owner, paths in ((o, circleci.published(file, o)) for o in file.owners.values())
            for _, script in file.scripts(owner)
        )
        yield from leak_findings(sites)
        yield from image_findings(circleci.images(file.root))


class BitbucketExposureCheck(SystemCheck[BitbucketFile]):
    rules = ()  # CI082 and CI083, declared once by AzureExposureCheck
    system = "bitbucket"

    def document(self) -> Iterator[Emitted]:
        file = self.model
        sites = (
            (script, frozenset[str](), paths)
            for step, paths in ((s, file.artifacts(s)) for s in file.steps)
            for script in file.scripts(step)
        )
        yield from leak_findings(sites)
        yield from image_findings(bitbucket.images(file))
