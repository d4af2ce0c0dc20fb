"""Dockerfile and Containerfile rules, and their image-config counterparts: who the image runs
as, code fetched and run at build time, secrets in ENV and ARG, unpinned bases, health checks,
sudo, package caches."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import ClassVar

from outwork.analyzers.images import DOCKERFILE_STEPS, IMAGE_STEPS
from outwork.analyzers.images.dockerfile import Stage, build_step, parse
from outwork.analyzers.images.indicators import SUSPICIOUS_COMMAND, matches
from outwork.analyzers.images.model import Image
from outwork.analyzers.images.ospackages import inventory
from outwork.analyzers.images.rules.config import is_literal, is_secret_name, mask
from outwork.core.analyzer import Component, Emitted
from outwork.core.findings import Fact, finding
from outwork.core.rules import Confidence, Layer, Rule, Severity

_ROOT = frozenset({"root", "0", "0:0", "root:root", "root:0", "0:root"})
_INSTALL_SUDO = re.compile(
    r"\b(?:apt-get|apt|yum|dnf|microdnf|zypper|apk)\b[^;&|]*\b(?:install|add)\b[^;&|]*\bsudo\b"
)
_USES_SUDO = re.compile(r"(?:^|[;&|(]\s*)sudo\s")
_ASSIGN = re.compile(r"([A-Za-z_][\w.-]*)=(\"[^\"]*\"|'[^']*'|\S+)")


class Fetch(enum.Enum):
    PIPE_TO_SHELL = "a download piped into a shell or decoded into one"
    ADD_URL = "ADD of a remote URL (no checksum)"


class Pinning(enum.Enum):
    LATEST = "no tag or the latest tag: a different image every build"
    TAG = "a tag without a digest: the tag can be moved"


class DockerfileRunsAsRoot(Rule):
    """The Dockerfile's final stage never switches to an unprivileged user (or switches back
    to root).

    ## What it finds

    A final build stage without a `USER` instruction, or whose last `USER` is `root` or `0`.

    ## Why it matters

    The image then runs as root unless every deployment overrides it; see IMG001 for what root
    in a container costs.

    ## Example

    ```dockerfile
    FROM node:20-slim
    COPY . /app
    CMD ["node", "/app/server.js"]
    ```

    ## Remediation

    Add `USER` with an unprivileged user (`USER node`, `USER 10001`) after the steps that need
    root.

    ## References

    - hadolint DL3002; CIS Docker Benchmark 4.1
    - CWE-250
    """

    code = "IMG015"
    name = "dockerfile-runs-as-root"
    layer = Layer.IMG
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    cwe = (250,)


class BuildFetchesAndRunsCode(Rule):
    """A build step runs code straight from the network: `curl | sh`, a decoded payload, or
    `ADD` of a URL.

    ## What it finds

    `RUN` steps that pipe a download into a shell or decode base64 into one, and `ADD`
    instructions whose source is an `http(s)` URL (fetched without a checksum unless
    `--checksum` is given). A Dockerfile in a package's test, example or documentation folder
    (an integration test's fixture image) builds no image of the package's users, and one among
    a package's own files (an sdist's `docker/Dockerfile`) builds none for its installer: medium
    at most, like every Dockerfile finding there; the same file at a repository's root, in its
    `docker/` or `tests/` folder keeps its grade.

    ## Why it matters

    Whoever controls that URL (or the network between the builder and it) decides what goes
    into the image, at every build; nothing records what was run.

    ## Example

    ```dockerfile
    RUN curl -fsSL https://get.example.sh | sh
    ADD https://example.com/tool.tar.gz /opt/
    ```

    ## Remediation

    Download to a file, verify its checksum or signature, then run it; use `ADD --checksum=` or
    `COPY` from a verified build context.

    ## References

    - hadolint DL3020, DL4006; Docker documentation: ADD --checksum
    - CWE-494
    """

    code = "IMG016"
    name = "build-fetches-and-runs-code"
    layer = Layer.IMG
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    cwe = (494, 829)
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Fetch.PIPE_TO_SHELL: Severity.HIGH,
        Fetch.ADD_URL: Severity.MEDIUM,
    }


class SecretInDockerfile(Rule):
    """A Dockerfile sets a credential in `ENV` or as an `ARG` default.

    ## What it finds

    `ENV` and `ARG` instructions whose name says credential (`PASSWORD`, `TOKEN`, `SECRET`,
    `API_KEY`...) and whose value is a literal. A Dockerfile in a package's test, example or
    documentation folder (a test image's `ENV password root`) or among a package's own files
    builds no image of the package's users: medium at most; the same file at a repository's
    root, in its `docker/` or `tests/` folder keeps its grade.

    ## Why it matters

    `ENV` values are in the image config for anyone who pulls it, and `ARG` values used by a
    `RUN` are recorded in the image history; both also sit in the repository.

    ## Example

    ```dockerfile
    ARG NPM_TOKEN=npm_abc123
    ENV DB_PASSWORD=hunter2
    ```

    ## Remediation

    Rotate it; use `RUN --mount=type=secret` for builds and run-time secrets for containers.

    ## References

    - Docker documentation: build secrets; Dockle CIS-DI-0010
    - CWE-798
    """

    code = "IMG017"
    name = "secret-in-dockerfile"
    layer = Layer.IMG
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    cwe = (798,)
    quotes_source = False


class UnpinnedBaseImage(Rule):
    """A `FROM` names its base image by a moving tag (or `latest`), not by digest.

    ## What it finds

    `FROM` instructions without `@sha256:`; without a tag or with `:latest` the severity is
    higher. Stage names and `scratch` are not images.

    ## Why it matters

    A tag is a pointer the registry's owner (or whoever takes over the account) can move: the
    next build pulls different code with the same Dockerfile.

    ## Example

    ```dockerfile
    FROM python:latest
    ```

    ## Remediation

    Pin by digest (`FROM python:3.12-slim@sha256:...`) and let a bot (Dependabot, Renovate)
    update it.

    ## References

    - hadolint DL3006, DL3007
    - CWE-1357
    """

    code = "IMG018"
    name = "unpinned-base-image"
    layer = Layer.IMG
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    cwe = (1357, 829)
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Pinning.LATEST: Severity.MEDIUM,
        Pinning.TAG: Severity.LOW,
    }


class MissingHealthcheck(Rule):
    """The image (or its Dockerfile's final stage) declares no `HEALTHCHECK`.

    ## What it finds

    A final stage without `HEALTHCHECK`, and an image config without `Healthcheck`.

    ## Why it matters

    Without one, a hung or hijacked container that still runs looks healthy to Docker and
    Swarm; orchestrators with their own probes (Kubernetes) do not need it.

    ## Example

    ```dockerfile
    FROM nginx:1.25
    ```

    ## Remediation

    Add `HEALTHCHECK CMD ...`, or rely on the orchestrator's probes and ignore this rule.

    ## References

    - Dockle CIS-DI-0006; CIS Docker Benchmark 4.6
    - CWE-1059
    """

    code = "IMG019"
    name = "missing-healthcheck"
    layer = Layer.IMG
    severity = Severity.INFO
    confidence = Confidence.HIGH
    cwe = (1059,)


class SudoInImage(Rule):
    """The image installs or uses `sudo`.

    ## What it finds

    `RUN` steps that install `sudo` or call it, and images whose package database lists it.

    ## Why it matters

    `sudo` in a container is a way back to root from the unprivileged user the image switched
    to, and its behaviour (TTY, PAM) is unpredictable there.

    ## Example

    ```dockerfile
    RUN apt-get update && apt-get install -y sudo
    ```

    ## Remediation

    Run the steps that need root before `USER`; use `gosu` or `su-exec` for an entrypoint that
    drops privileges.

    ## References

    - hadolint DL3004
    - CWE-250
    """

    code = "IMG020"
    name = "sudo-in-image"
    layer = Layer.IMG
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    cwe = (250,)


class PackageCacheLeft(Rule):
    """A build step installs packages and leaves the package manager's cache in the layer.

    ## What it finds

    `apt-get install` without removing `/var/lib/apt/lists` in the same `RUN`, `apk add`
    without `--no-cache`, `pip install` without `--no-cache-dir`.

    ## Why it matters

    Caches add megabytes to every pull and keep package indexes that make the image look like
    it has packages it does not; removing them in a later step does not shrink the layer.

    ## Example

    ```dockerfile
    RUN apt-get update && apt-get install -y curl
    ```

    ## Remediation

    Clean in the same `RUN` (`&& rm -rf /var/lib/apt/lists/*`), or use `--no-cache`,
    `--no-cache-dir`, or a cache mount.

    ## References

    - hadolint DL3009, DL3019, DL3042
    - CWE-1059
    """

    code = "IMG021"
    name = "package-cache-left"
    layer = Layer.IMG
    severity = Severity.LOW
    confidence = Confidence.MEDIUM
    cwe = (1059,)


def check_dockerfile(text: str, path: str) -> Iterator[Emitted]:
    stages = parse(text)
    names = {s.name.lower() for s in stages if s.name}
    if len(stages) > 1:
        final = [build_step(i.arguments) for i in stages[-1].instructions if i.keyword == "RUN"]
        steps = [step for step in final if step]
        if steps:
            node = f"dockerfile:{path}"
            yield Component(DOCKERFILE_STEPS, path, properties={"node": node, "steps": steps})
    for stage in stages[1:]:
        yield from _base(stage, names, path)
        for instruction in stage.instructions:
            if instruction.keyword == "RUN":
                yield from _run(instruction.arguments, instruction.line)
            elif instruction.keyword == "ADD":
                sources = [w for w in instruction.arguments.split() if not w.startswith("--")]
                checksum = "--checksum" in instruction.arguments
                if (
                    any(w.startswith(("http://", "https://")) for w in sources[:-1])
                    and not checksum
                ):
                    yield finding(
                        BuildFetchesAndRunsCode,
                        "ADD fetches a URL at build time, unverified",
                        line=instruction.line,
                        severity=BuildFetchesAndRunsCode.severity_in(Fetch.ADD_URL),
                        evidence=instruction.arguments[:200],
                    )
    for stage in stages:
        for instruction in stage.instructions:
            if instruction.keyword in ("ENV", "ARG"):
                yield from _secrets(instruction.keyword, instruction.arguments, instruction.line)
    if len(stages) > 1:
        yield from _final(stages[-1])


def _base(stage: Stage, names: set[str], path: str) -> Iterator[Emitted]:
    base = stage.base
    if not base or base.lower() == "scratch" or base.lower() in names or "$" in base:
        return
    yield Fact(f"dockerfile:{path}", "builds-from", f"image-ref:{base}")
    if "@sha256:" in base:
        return
    # a tag moves: whoever can push it chooses what this Dockerfile builds on
    yield Fact("entry:public-registry", "publishes", f"image-ref:{base}")
    yield Fact(f"image-ref:{base}", "base-of", f"dockerfile:{path}")
    last = base.rsplit("/", 1)[-1]
    tag = last.split(":", 1)[1] if ":" in last else ""
    pinning = Pinning.LATEST if tag in ("", "latest") else Pinning.TAG
    yield finding(
        UnpinnedBaseImage,
        f"FROM {base}: {pinning.value}",
        line=stage.line,
        severity=UnpinnedBaseImage.severity_in(pinning),
        evidence=base,
    )


def _run(command: str, line: int) -> Iterator[Emitted]:
    for indicator, _ in matches(SUSPICIOUS_COMMAND, command.encode()):
        if indicator.strong:
            yield finding(
                BuildFetchesAndRunsCode,
                f"RUN runs code from the network ({indicator.name})",
                line=line,
                severity=BuildFetchesAndRunsCode.severity_in(Fetch.PIPE_TO_SHELL),
                evidence=command[:200],
            )
            break
    if _INSTALL_SUDO.search(command) or _USES_SUDO.search(command):
        yield finding(SudoInImage, "RUN installs or uses sudo", line=line, evidence=command[:200])
    caches = []
    if re.search(r"\bapt(?:-get)?\s+(?:-\S+\s+)*install\b", command) and (
        "/var/lib/apt/lists" not in command
    ):
        caches.append("apt lists kept (no rm -rf /var/lib/apt/lists/*)")
    if re.search(r"\bapk\s+(?:-\S+\s+)*add\b", command) and "--no-cache" not in command:
        caches.append("apk cache kept (no --no-cache)")
    if re.search(r"\bpip3?\s+(?:-\S+\s+)*install\b", command) and "--no-cache-dir" not in command:
        caches.append("pip cache kept (no --no-cache-dir)")
    if caches:
        yield finding(PackageCacheLeft, "; ".join(caches), line=line, evidence=command[:200])


def _secrets(keyword: str, arguments: str, line: int) -> Iterator[Emitted]:
    pairs = _ASSIGN.findall(arguments)
    if not pairs and keyword == "ENV":  # legacy form: ENV NAME value
        name, _, value = arguments.partition(" ")
        pairs = [(name, value)] if value else []
    for name, value in pairs:
        if is_secret_name(name) and is_literal(value):
            yield finding(
                SecretInDockerfile,
                f"{keyword} {name} holds a literal credential",
                line=line,
                evidence=f"{name}={mask(value)}",
                subject=name,
            )


def _final(stage: Stage) -> Iterator[Emitted]:
    users = [i for i in stage.instructions if i.keyword == "USER"]
    last = users[-1] if users else None
    if last is None or last.arguments.strip() in _ROOT:
        yield finding(
            DockerfileRunsAsRoot,
            "the final stage runs as root" + ("" if last else " (no USER)"),
            line=last.line if last else stage.line,
            evidence=f"USER {last.arguments}" if last else f"FROM {stage.base}",
        )
    if not any(i.keyword == "HEALTHCHECK" for i in stage.instructions):
        yield finding(
            MissingHealthcheck,
            "the final stage declares no HEALTHCHECK",
            line=stage.line,
            evidence=f"FROM {stage.base}",
        )


def check(image: Image) -> Iterator[Emitted]:
    """The image-config side: no health check, sudo among its packages, listening ports, and
    the build steps its history records (see :func:`link_builds`)."""
    settings = image.settings
    history = image.config.get("history")
    entries = history if isinstance(history, list) else []
    recorded = [
        build_step(str(entry.get("created_by") or ""))
        for entry in entries
        if isinstance(entry, dict)
    ]
    if any(recorded):
        steps = [step for step in recorded if step]
        yield Component(IMAGE_STEPS, image.name, properties={"node": image.node, "steps": steps})
    if not settings.get("Healthcheck"):
        yield finding(
            MissingHealthcheck,
            f"image {image.name} declares no health check",
            path=image.config_path,
            logical="config.Healthcheck",
        )
    for package in inventory(image).packages:
        if package.name == "sudo":
            yield finding(
                SudoInImage,
                f"image {image.name} has sudo installed ({package.manager} {package.version})",
                path=image.config_path,
                evidence=f"{package.name} {package.version}",
            )
    ports = settings.get("ExposedPorts")
    if isinstance(ports, dict):
        for port in sorted(ports):
            yield Fact(image.node, "listens-on", f"port:{port}", image.config_path)


def link_builds(components: Sequence[tuple[str, Component]]) -> Iterator[Fact]:
    """Which Dockerfile of the scan built which image of the scan: every ``RUN`` of the
    Dockerfile's final stage, in order, among the build steps the image's history records
    (which also holds its base image's steps). The fact lets an attack path go from what a
    Dockerfile lets in (a moving base image, a script piped to a shell) to what the image
    carries."""
    dockerfiles = [(p, c) for p, c in components if c.type == DOCKERFILE_STEPS]
    images = [c for _, c in components if c.type == IMAGE_STEPS]
    for path, dockerfile in dockerfiles:
        wanted = [str(s) for s in dockerfile.properties.get("steps") or []]
        for image in images:
            have = iter(str(s) for s in image.properties.get("steps") or [])
            if wanted and all(step in have for step in wanted):  # in order: one iterator
                yield Fact(
                    str(dockerfile.properties["node"]),
                    "builds",
                    str(image.properties["node"]),
                    proof=path,
                    properties={"steps": len(wanted)},
                )
