"""Certificates past their validity."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from outwork.analyzers.crypto.model import Asset, AssetType
from outwork.analyzers.crypto.policy import Verdict
from outwork.analyzers.crypto.rules.base import check, raise_on
from outwork.core.findings import Finding
from outwork.core.rules import Confidence, Layer, Rule, Severity


class ExpiredCertificate(Rule):
    """A certificate in the scanned files has expired.

    ## What it finds

    An X.509 certificate (PEM, DER, PKCS#7 or PKCS#12) whose ``notValidAfter`` is in the past at
    the time of the scan. The inventory lists every certificate with its dates; this rule names
    the ones already past them.

    ## Why it matters

    An expired certificate shipped with software is either dead weight or a sign that
    verification is switched off somewhere; a pinned expired CA breaks clients the day it lapses.

    ## Example

    ```text
    certs/server.pem: CN=api.example.com, notValidAfter 2021-03-01
    ```

    ## Remediation

    Replace the certificate (with an ML-DSA or hybrid chain where the peers support it) or remove
    it; check that whatever loads it verifies validity.

    ## References

    - RFC 5280, section 4.1.2.5 (Validity)
    - CWE-298
    """

    code = "CRY009"
    name = "expired-certificate"
    layer = Layer.CRY
    severity = Severity.LOW
    confidence = Confidence.HIGH
    cwe = (298,)


@check
def check_expiry(asset: Asset, verdict: Verdict) -> Iterator[Finding]:
    if asset.asset_type is AssetType.CERTIFICATE and expired(asset):
        subject = asset.detail("subject") or "a certificate"
        yield raise_on(
            ExpiredCertificate,
            asset,
            verdict,
            f"{subject} expired on {asset.detail('notValidAfter')}",
            remediation="Replace or remove the certificate.",
        )


def expired(asset: Asset, now: datetime | None = None) -> bool:
    after = asset.detail("notValidAfter")
    if not after:
        return False
    return datetime.fromisoformat(after) < (now or datetime.now(UTC))
