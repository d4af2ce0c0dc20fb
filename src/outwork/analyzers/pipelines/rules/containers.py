"""CI006, CI016: the container images jobs and actions run, and registry passwords written
beside them."""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from typing import ClassVar

from outwork.analyzers.pipelines.checks import WorkflowCheck
from outwork.analyzers.pipelines.context import ImageTag
from outwork.analyzers.pipelines.paths import key_path
from outwork.analyzers.pipelines.workflow import Image, Job
from outwork.core.analyzer import Emitted
from outwork.core.findings import finding
from outwork.core.rules import Confidence, Layer, Rule, Severity


class UnpinnedImage(Rule):
    """A job container or service image is referenced without a digest.

    ## What it finds
    `container:` and `services.*.image` values (and Docker action images) without an
    `@sha256:` digest; images with no tag or `latest` are reported at high severity.

    ## Why it matters
    Whoever controls the tag controls the code the job runs, with its secrets and token.

    ## Example
    ```yaml
    container: node:latest
    ```

    ## Remediation
    Pin images by digest (`node:20@sha256:...`) and update the digest with a bot.

    ## References
    - zizmor audit `unpinned-images`
    - CWE-829: Inclusion of Functionality from Untrusted Control Sphere
    """

    code = "CI006"
    name = "unpinned-container-image"
    layer = Layer.CI
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        ImageTag.MOVING: Severity.HIGH,
        ImageTag.TAGGED: Severity.MEDIUM,
    }
    cwe = (829, 494)


class HardcodedContainerCredentials(Rule):
    """A container or service registry password is written in the workflow.

    ## What it finds
    `container.credentials.password` and `services.*.credentials.password` given as a literal
    rather than a `${{ secrets.* }}` expression.

    ## Why it matters
    The workflow file is readable by everyone who can read the repository, and forks copy it.

    ## Example
    ```yaml
    container:
      image: registry.example.com/app
      credentials: {username: ci, password: hunter2}
    ```

    ## Remediation
    Revoke the password and read it from a secret.

    ## References
    - zizmor audit `hardcoded-container-credentials`
    - CWE-798: Use of Hard-coded Credentials
    """

    code = "CI016"
    name = "hardcoded-container-credentials"
    layer = Layer.CI
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    cwe = (798,)


class ContainersCheck(WorkflowCheck):
    rules = (UnpinnedImage, HardcodedContainerCredentials)

    def image(self, image: Image) -> Iterator[Emitted]:
        value = image.value
        if not value or "${{" in value or "@sha256:" in value:
            return
        last = value.rsplit("/", 1)[-1]
        tag = last.split(":", 1)[1] if ":" in last else ""
        node = image.node
        line, col = (node.line, node.col) if node is not None else (None, None)
        yield finding(
            UnpinnedImage,
            f"container image {value} is {'not tagged' if not tag else 'tagged ' + tag} "
            "and has no digest",
            line=line,
            column=col,
            logical=image.logical,
            severity=UnpinnedImage.severity_in(
                ImageTag.MOVING if tag in ("", "latest") else ImageTag.TAGGED
            ),
            evidence=value,
        )

    def job(self, job: Job) -> Iterator[Emitted]:
        assert job.node is not None
        for node, where in self.wf.containers(job.node, job.base):
            creds = node.get("credentials") if node.is_map else None
            password = creds.get("password") if creds is not None else None
            literal = password is not None and password.is_str and password.value.strip()
            if password is not None and literal and "${{" not in password.value:
                yield finding(
                    HardcodedContainerCredentials,
                    "registry password written in the workflow",
                    line=password.line,
                    column=password.col,
                    logical=key_path(*where, "credentials", "password"),
                    evidence=f"{key_path(*where, 'credentials', 'password')}: <literal>",
                )
