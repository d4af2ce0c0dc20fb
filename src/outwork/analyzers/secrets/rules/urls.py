"""SEC004: URLs that carry a password (databases, brokers, caches, registries, proxies)."""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from typing import ClassVar

from outwork.analyzers.secrets import formats
from outwork.analyzers.secrets.table import Detector, Exposure
from outwork.core.rules import Confidence, Layer, Rule, Severity


class PasswordInUrl(Rule):
    """A URL carries a password in its user-info part (`scheme://user:password@host`).

    ## What it finds
    Connection URLs of databases (`postgresql://`, `mysql://`, `mongodb+srv://`), brokers
    (`amqp://`, `redis://`), package indexes and proxies (`https://user:token@...`) written with
    their password. Template values (`${DB_PASSWORD}`, `%s`, `<password>`), the words
    `password`/`pass`/`secret` standing for one, and hosts such as `example.com` are not
    reported; a password for `localhost` or a container-network name (`db`, `redis`) is
    reported lower.

    ## Why it matters
    The URL is enough to connect: whoever reads it reaches the database or the broker with the
    application's rights, or pushes packages to the index it names.

    ## Example
    ```python
    DATABASE_URL = "postgresql://app:...@db.internal.example-corp.net:5432/app"
    ```

    ## Remediation
    Change the password on the server, then build the URL at run time from a secret the
    platform injects (an environment variable, a mounted secret).

    ## References
    - https://datatracker.ietf.org/doc/html/rfc3986#section-3.2.1
    - CWE-798: Use of Hard-coded Credentials
    - CWE-522: Insufficiently Protected Credentials
    """

    code = "SEC004"
    name = "password-in-url"
    layer = Layer.SEC
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    cwe = (798, 522)
    quotes_source = False
    attack = ("T1552.001",)
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Exposure.CHECKED: Severity.HIGH,
        Exposure.SHAPED: Severity.HIGH,
        Exposure.WEAKENED: Severity.LOW,
        Exposure.TEST: Severity.LOW,
        Exposure.FAKE: Severity.INFO,
    }


#: Passwords that stand for one (lower-cased, exact).
_STAND_INS = frozenset(
    {
        "password",
        "passwd",
        "pass",
        "pwd",
        "pw",
        "p",
        "secret",
        "token",
        "apikey",
        "api_key",
        "key",
        "x",
        "xxx",
        "changeme",
        "pass123",
        "password123",
        "mypassword",
        "mysecretpassword",
        "s3cret",
        "tiger",  # Oracle's sample schema (scott/tiger), the stand-in of every database example
        "***",
        "user",
        "username",
        "admin",
        "root",
        "test",
        "guest",
        "none",
        "null",
        "redacted",
        "hidden",
        "masked",
        "foo",
        "bar",
        "baz",
        "pat",
        "access_token",
        "x-oauth-basic",
    }
)
_PLACEHOLDER_HOSTS = re.compile(
    r"(^|\.)(example\.(com|org|net)|example|host|hostname|your[-_]?host|server|domain\.com"
    r"|myhost|my-host|somehost|host\.com|foo\.com|bar\.com|test\.com)$",
    re.I,
)
_LOCAL_HOSTS = re.compile(
    r"^(localhost|127\.\d+\.\d+\.\d+|0\.0\.0\.0|\[::1\]|host\.docker\.internal|[a-z][a-z0-9_-]{0,30})$",
    re.I,
)
_SCHEMES_WITHOUT_SECRETS = frozenset({"data", "file", "urn", "mailto", "javascript"})


def url_credential(match: re.Match[str]) -> formats.Structure | None:
    scheme = match.group("scheme").lower()
    user, password, host = match.group("user"), match.group("secret"), match.group("host")
    if scheme in _SCHEMES_WITHOUT_SECRETS or password.lower() in _STAND_INS:
        return None
    if password.lower() == user.lower() or _PLACEHOLDER_HOSTS.search(host):
        return None
    if re.fullmatch(r"sha\d+", host, re.I):  # docker://image:tag@sha256:digest, not a login
        return None
    if any(c in password for c in "{}$%<>[]()") or password.startswith(":"):
        return None
    identity = {"url_scheme": scheme, "url_user": user[:64], "url_host": host[:200]}
    local = bool(_LOCAL_HOSTS.match(host))
    return formats.Structure(
        f"password in a {scheme} URL",
        checked=False,
        identity=identity,
        weakened="a local or container-network host" if local else "",
    )


DETECTORS = (
    Detector(
        "url-password",
        "URL",
        PasswordInUrl,
        re.compile(
            r"(?<![A-Za-z0-9+._-])(?P<scheme>[A-Za-z][A-Za-z0-9+._-]{1,30})://"
            r"(?P<user>[^\s:@/?#'\"`<>\\]{0,128}):(?P<secret>[^\s@/?#'\"`<>\\]{1,256})"
            r"@(?P<host>[A-Za-z0-9._-]{1,253}|\[[0-9a-fA-F:.]{2,45}\])"
        ),
        ("://",),
        url_credential,
        reach=700,
        lookback=24,
    ),
)
