"""The ``random`` module generating secrets."""

from __future__ import annotations

from collections.abc import Iterator

from outwork.analyzers.crypto.model import Asset
from outwork.analyzers.crypto.policy import Verdict, row
from outwork.analyzers.crypto.rules.base import check, raise_on
from outwork.core.findings import Finding
from outwork.core.rules import Confidence, Layer, Rule, Severity

#: Generators that are not cryptographic: Python's ``random``, JavaScript's ``Math.random``,
#: Go's ``math/rand``, Java's ``java.util.Random`` and ``Math.random``.
NON_CRYPTOGRAPHIC = frozenset({"Mersenne-Twister", "xorshift128+", "math/rand", "java.util.Random"})


class InsecureRandomSecret(Rule):
    """A password, token, key, salt or nonce is drawn from a generator that is not cryptographic.

    ## What it finds

    A call to Python's ``random`` (``choice``, ``randint``, ``getrandbits``, ``randbytes``...),
    JavaScript's ``Math.random()``, Go's ``math/rand`` or Java's ``java.util.Random`` and
    ``Math.random()`` whose result
    is assigned to, passed as, or returned from something named as a secret: a password, token,
    nonce, salt, OTP, CSRF value or API / secret / session key. ``random`` used for anything else
    (shuffling, sampling, jitter) is not a finding.

    ## Why it matters

    ``random`` is a Mersenne Twister: 624 outputs reveal its whole state, after which every past
    and future "secret" can be computed. ``java.util.Random`` is a 48-bit linear congruential
    generator (two outputs give its state); V8's ``Math.random`` is xorshift128+; Go documents
    ``math/rand`` as unsuitable for security-sensitive work.

    ## Example

    ```python
    token = "".join(random.choice(ALPHABET) for _ in range(32))
    ```

    ## Remediation

    Use ``secrets`` (``secrets.token_urlsafe()``, ``secrets.choice``) or ``os.urandom``; in
    JavaScript ``crypto.randomBytes``, ``crypto.randomUUID`` or ``crypto.getRandomValues``; in Go
    ``crypto/rand``; in Java ``java.security.SecureRandom``.

    ## References

    - https://docs.python.org/3/library/random.html (warning: not for security)
    - CWE-338
    """

    code = "CRY006"
    name = "insecure-random-for-secret"
    layer = Layer.CRY
    severity = Severity.HIGH
    confidence = Confidence.MEDIUM
    cwe = (338,)


def _why(asset: Asset) -> str:
    entry = row(asset.algorithm)
    return entry.why if entry and entry.why else "not a cryptographic generator"


@check
def check_random(asset: Asset, verdict: Verdict) -> Iterator[Finding]:
    if asset.algorithm in NON_CRYPTOGRAPHIC:
        yield raise_on(
            InsecureRandomSecret,
            asset,
            verdict,
            f"{asset.api} makes a secret ({asset.purpose_reason}): {_why(asset)}",
        )
