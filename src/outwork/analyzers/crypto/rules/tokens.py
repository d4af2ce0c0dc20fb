"""Tokens accepted or issued without a signature."""

from __future__ import annotations

from collections.abc import Iterator

from outwork.analyzers.crypto.model import Asset
from outwork.analyzers.crypto.policy import Verdict
from outwork.analyzers.crypto.rules.base import check, raise_on
from outwork.core.findings import Finding
from outwork.core.rules import Confidence, Layer, Rule, Severity


class UnsignedToken(Rule):
    """A JSON Web Token is issued or accepted with the ``none`` algorithm.

    ## What it finds

    ``alg: none`` in the JOSE libraries the layer reads: ``jwt.encode(..., algorithm="none")``,
    ``jwt.decode(..., algorithms=["none", ...])`` (PyJWT, python-jose, authlib) and
    ``jsonwebtoken``'s ``sign``/``verify`` options.

    ## Why it matters

    An unsigned token carries claims anyone can write: a verifier that accepts ``none`` lets an
    attacker name any user or role (the classic JWT algorithm-confusion bypass).

    ## Example

    ```python
    claims = jwt.decode(token, key, algorithms=["HS256", "none"])
    ```

    ## Remediation

    List only the signature algorithms the issuer uses (``algorithms=["EdDSA"]``) and never
    ``none``; sign every token.

    ## References

    - RFC 8725, JSON Web Token Best Current Practices, section 3.1
    - CWE-347
    """

    code = "CRY011"
    name = "unsigned-token-algorithm"
    layer = Layer.CRY
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    cwe = (347, 327)


@check
def check_unsigned(asset: Asset, verdict: Verdict) -> Iterator[Finding]:
    if asset.algorithm == "none":
        yield raise_on(
            UnsignedToken,
            asset,
            verdict,
            f"{asset.api} allows unsigned tokens (alg none)",
            remediation="List only real signature algorithms; never none.",
        )
