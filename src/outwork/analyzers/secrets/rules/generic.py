"""SEC007: a secret-looking name assigned a random-looking value."""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from typing import ClassVar

from outwork.analyzers.secrets import formats
from outwork.analyzers.secrets.table import Detector, Exposure
from outwork.core.rules import Confidence, Layer, Rule, Severity


class GenericSecret(Rule):
    """A value that looks random is assigned to a name that says it is a secret.

    ## What it finds
    `api_key = "..."`, `DB_PASSWORD: ...`, `"client_secret": "..."` and the like, in code,
    configuration and notebooks, when the value is long and random enough (Shannon entropy
    bound) and is not one of the things entropy scanners are known to flag: a hash in a
    lockfile, an SRI `integrity` string, a UUID, an identifier such as `accessTokenExpiry`, a
    reference (`${TOKEN}`, `os.environ[...]`), a placeholder or a masked value. Names that
    are about a secret rather than one (`password_field`, `token_url`, `max_tokens`) do not
    count. Minified lines and lockfiles are not searched by this rule.

    ## Why it matters
    Most leaked credentials have no provider prefix: database passwords, internal API keys,
    signing secrets. A high-entropy literal under a secret's name is usually one.

    ## Example
    ```python
    INTERNAL_API_KEY = "q8Zt4vN1xR7mB2kL9pW3sD6f"
    ```

    ## Remediation
    Rotate the value where it is accepted, then read it from the environment or a secret
    manager at run time.

    ## References
    - https://cwe.mitre.org/data/definitions/798.html
    - CWE-798: Use of Hard-coded Credentials
    """

    code = "SEC007"
    name = "generic-secret-assignment"
    layer = Layer.SEC
    severity = Severity.MEDIUM
    confidence = Confidence.LOW
    cwe = (798,)
    quotes_source = False
    attack = ("T1552.001",)
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Exposure.SHAPED: Severity.MEDIUM,
        Exposure.WEAKENED: Severity.LOW,
        Exposure.TEST: Severity.LOW,
        Exposure.FAKE: Severity.INFO,
    }


_NAME_WORDS = (
    r"(?:secret|token|passw(?:or)?d|passwd|pwd|api_?key|apikey|api-key|access_?key|accesskey"
    r"|private_?key|privatekey|auth_?key|authkey|credentials?|signing_?key|encryption_?key)"
)
_NAME = rf"(?P<name>(?:[A-Za-z_$][A-Za-z0-9_.$-]{{0,60}}?)?{_NAME_WORDS}[A-Za-z0-9_]{{0,30}})"


def assigned(match: re.Match[str]) -> formats.Structure | None:
    return formats.Structure(f"value of {match.group('name')[:60]}", checked=False)


#: Names that say an assignment holds a secret (lower case, found in one pass over the text).
_KEYWORDS = (
    "secret",
    "token",
    "passw",
    "pwd",
    "api_key",
    "apikey",
    "api-key",
    "access_key",
    "accesskey",
    "private_key",
    "privatekey",
    "auth_key",
    "authkey",
    "credential",
)


DETECTORS = (
    Detector(
        "generic-quoted",
        "generic",
        GenericSecret,
        re.compile(
            _NAME + r"""(?:\\?["'`]|\])?\s*(?::=|=>|==|=|:)\s*(?:[rbuf]|[A-Za-z]+\()?"""
            r"""(?P<q>\\?["'`])(?P<secret>[^"'`\s\\]{12,256})(?P=q)""",
            re.I,
        ),
        (*_KEYWORDS, "signing_key", "signingkey", "encryption_key"),
        assigned,
        reach=400,
        lookback=90,
        generic=True,
        priority=-5,
        anchor="name",
    ),
    Detector(
        "generic-config",
        "generic",
        GenericSecret,
        re.compile(
            r"(?m)^[ \t]*(?:export[ \t]+)?"
            + _NAME
            + r"""[ \t]*[=:][ \t]*(?P<secret>[^\s"'`#;,]{12,256})[ \t]*(?:[#;].*)?$""",
            re.I,
        ),
        _KEYWORDS,
        assigned,
        reach=400,
        lookback=90,
        generic=True,
        config_only=True,
        priority=-5,
        anchor="line",
    ),
)
