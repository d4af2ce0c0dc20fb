"""SEC006: JSON Web Tokens, with their claims decoded."""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from typing import ClassVar

from outwork.analyzers.secrets import formats
from outwork.analyzers.secrets.table import Detector, Exposure
from outwork.core.rules import Confidence, Layer, Rule, Severity


class JsonWebToken(Rule):
    """A signed JSON Web Token is written in a file.

    ## What it finds
    Three base64url parts whose header and claims decode to JSON with an algorithm other than
    `none`. The claims (issuer, subject, audience, role, expiry) are reported as the token's
    identity. An expired token, or one whose role is a public one (`anon`), is reported lower.

    ## Why it matters
    A bearer token is a session: until it expires, whoever holds it is the subject it names to
    every service that trusts its issuer. Tokens without `exp` never expire.

    ## Example
    ```javascript
    const SERVICE_TOKEN =
      "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJiYWNrdXAtam9iIiwicm9sZSI6InNlcnZpY2UifQ.<signature>";
    ```

    ## Remediation
    Revoke the token (or rotate the issuer's signing key if it cannot be revoked), and fetch
    tokens at run time with short lifetimes.

    ## References
    - https://datatracker.ietf.org/doc/html/rfc7519
    - CWE-798: Use of Hard-coded Credentials
    """

    code = "SEC006"
    name = "json-web-token-in-file"
    layer = Layer.SEC
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    cwe = (798,)
    quotes_source = False
    attack = ("T1528",)
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Exposure.CHECKED: Severity.HIGH,
        Exposure.SHAPED: Severity.HIGH,
        Exposure.WEAKENED: Severity.LOW,
        Exposure.TEST: Severity.LOW,
        Exposure.FAKE: Severity.INFO,
    }


#: Roles that some platforms publish on purpose (Supabase's anon key ships in web pages).
PUBLIC_ROLES = frozenset({"anon", "anonymous", "public"})


def json_web_token(text: str) -> formats.Structure | None:
    found = formats.jwt(text)
    if found is None or found.weakened:
        return found
    role = found.identity.get("jwt_role", "")
    if role.lower() in PUBLIC_ROLES:
        return formats.Structure(
            found.kind,
            found.checked,
            found.identity,
            weakened=f"its role {role!r} is public by design",
        )
    return found


DETECTORS = (
    Detector(
        "jwt",
        "JWT",
        JsonWebToken,
        re.compile(
            r"(?<![A-Za-z0-9_-])(?P<secret>eyJ[A-Za-z0-9_-]{8,4000}\.eyJ[A-Za-z0-9_-]{2,16000}"
            r"\.[A-Za-z0-9_-]{16,2000})(?![A-Za-z0-9_-])"
        ),
        ("eyj",),
        lambda match: json_web_token(match.group("secret")),
        reach=22_100,
    ),
)
