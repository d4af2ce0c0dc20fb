"""What the image's config says about how its containers run."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

from outwork.analyzers.images.model import Image
from outwork.core.analyzer import Emitted
from outwork.core.findings import Fact, finding
from outwork.core.rules import Confidence, Layer, Rule, Severity

#: Names of variables that hold credentials (the whole name is split at ``_``, ``-`` and ``.``).
SECRET_WORDS = frozenset(
    {
        "PASSWORD",
        "PASSWD",
        "PASS",
        "PWD",
        "SECRET",
        "TOKEN",
        "APIKEY",
        "CREDENTIAL",
        "CREDENTIALS",
        "PRIVATE",
        "AUTH",
    }
)
#: Two-word names (``API_KEY``, ``ACCESS_KEY``).
SECRET_PAIRS = frozenset({("API", "KEY"), ("ACCESS", "KEY"), ("SECRET", "KEY"), ("AUTH", "KEY")})
#: Values that name a place or say nothing: not a credential.
_NOT_A_VALUE = re.compile(
    r"^(|true|false|yes|no|none|null|changeme|\$\{?\w+\}?|/[\w./-]*|[\w.-]*\.(txt|json|pem|key|file))$",
    re.I,
)
_ROOT_USERS = frozenset({"", "root", "0", "0:0", "root:root", "root:0", "0:root"})
#: ``ENV NAME=value``, ``ARG NAME=value`` and ``NAME=value`` words in a build command.
_ASSIGNMENT = re.compile(
    r"(?:^|[\s;])(?:export\s+)?(?P<name>[A-Za-z_][\w.-]*)=(?P<value>\"[^\"]*\"|'[^']*'|\S+)"
)


class ImageRunsAsRoot(Rule):
    """The image's containers run as root: its config names no user, or root.

    ## What it finds

    An image config whose `User` is empty, `root`, `0` or a `0:` group pair, so that every
    container started from it runs its entrypoint as root unless the runtime overrides it.

    ## Why it matters

    Root in a container is one kernel or runtime bug (or one mounted socket, one privileged flag)
    away from root on the host; code an attacker gets to run in the container (a poisoned
    dependency, a web shell) starts with every privilege the container has.

    ## Example

    ```dockerfile
    FROM python:3.12-slim
    COPY app /app
    CMD ["python", "/app/main.py"]   # no USER: runs as root
    ```

    ## Remediation

    Create an unprivileged user and switch to it (`RUN useradd -r app` then `USER app`), or
    start from a base image that does (distroless `:nonroot`).

    ## References

    - CIS Docker Benchmark 4.1: ensure that a user for the container has been created
    - Dockle CIS-DI-0001, hadolint DL3002
    - CWE-250
    """

    code = "IMG001"
    name = "image-runs-as-root"
    layer = Layer.IMG
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    cwe = (250,)
    attack = ("T1611",)


class SecretInImageConfig(Rule):
    """The image's config or build history carries a credential in clear.

    ## What it finds

    An environment variable of the image (`ENV`), or a build argument or assignment recorded in
    its history (`ARG`, `RUN TOKEN=...`), whose name says credential (`PASSWORD`, `TOKEN`,
    `SECRET`, `API_KEY`...) and whose value is a literal, not a reference or a file path.

    ## Why it matters

    The config and history ship with the image: `docker history` and `docker inspect` show them
    to anyone who can pull it, and deleting the variable in a later step does not remove it.

    ## Example

    ```dockerfile
    ARG NPM_TOKEN=npm_abc123
    ENV DB_PASSWORD=hunter2
    ```

    ## Remediation

    Rotate the credential. Pass secrets at run time (orchestrator secrets, mounted files) and to
    builds with `RUN --mount=type=secret`, never through `ENV` or `ARG`.

    ## References

    - Docker documentation: build secrets
    - hadolint DL3044-style checks; Dockle CIS-DI-0010
    - CWE-798
    """

    code = "IMG002"
    name = "secret-in-image-config"
    layer = Layer.IMG
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    cwe = (798, 538)
    attack = ("T1552.001",)
    quotes_source = False
    inline_suppressible = False


def is_secret_name(name: str) -> bool:
    words = [w for w in re.split(r"[_.\-]", name.upper()) if w]
    if any(w in SECRET_WORDS for w in words):
        return True
    return any(pair in SECRET_PAIRS for pair in itertools.pairwise(words))


def is_literal(value: str) -> bool:
    return not _NOT_A_VALUE.match(value.strip().strip("\"'"))


def mask(value: str) -> str:
    value = value.strip().strip("\"'")
    return value[:2] + "*" * max(len(value) - 2, 3) if len(value) > 4 else "*****"


def check(image: Image) -> Iterator[Emitted]:
    settings = image.settings
    user = str(settings.get("User") or "").strip()
    if user in _ROOT_USERS:
        shown = user or "(none)"
        yield finding(
            ImageRunsAsRoot,
            f"image {image.name} runs as root (config User: {shown})",
            path=image.config_path,
            logical="config.User",
            evidence=f"User={shown}",
        )
        yield Fact(image.node, "runs-as", "user:root", proof=image.config_path)
    yield from _env_secrets(image, settings)
    yield from _history_secrets(image)


def _env_secrets(image: Image, settings: dict[str, object]) -> Iterator[Emitted]:
    env = settings.get("Env")
    if not isinstance(env, list):
        return
    for index, item in enumerate(env):
        name, sep, value = str(item).partition("=")
        if sep and is_secret_name(name) and is_literal(value):
            yield finding(
                SecretInImageConfig,
                f"image {image.name} sets {name} in its environment: every container and every"
                " puller sees it",
                path=image.config_path,
                logical=f"config.Env[{index}]",
                evidence=f"{name}={mask(value)}",
                subject=name,
            )
            yield Fact(image.node, "carries-secret", f"jewel:secret:{name}", image.config_path)


def _history_secrets(image: Image) -> Iterator[Emitted]:
    history = image.config.get("history")
    if not isinstance(history, list):
        return
    env_names = {str(e).partition("=")[0] for e in image.settings.get("Env") or []}
    for index, entry in enumerate(history):
        if not isinstance(entry, dict):
            continue
        command = str(entry.get("created_by") or "")
        for match in _ASSIGNMENT.finditer(command):
            name, value = match["name"], match["value"]
            if name in env_names or not is_secret_name(name) or not is_literal(value):
                continue  # an ENV is reported once, from the environment
            yield finding(
                SecretInImageConfig,
                f"image {image.name}'s build history records {name} with its value",
                path=image.config_path,
                logical=f"history[{index}].created_by",
                evidence=f"{name}={mask(value)}",
                subject=name,
            )
            yield Fact(image.node, "carries-secret", f"jewel:secret:{name}", image.config_path)
