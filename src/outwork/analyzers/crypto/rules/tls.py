"""TLS and SSL versions that are deprecated and attackable."""

from __future__ import annotations

from collections.abc import Iterator

from outwork.analyzers.crypto.model import Asset, AssetType
from outwork.analyzers.crypto.policy import Status, Verdict
from outwork.analyzers.crypto.rules.base import check, raise_on
from outwork.core.findings import Finding
from outwork.core.rules import Confidence, Layer, Rule, Severity


class LegacyTlsVersion(Rule):
    """SSLv2, SSLv3, TLS 1.0 or TLS 1.1 is pinned or allowed.

    ## What it finds

    A protocol constant that pins or allows an old version: ``ssl.PROTOCOL_TLSv1``,
    ``ssl.PROTOCOL_SSLv3``, ``ctx.minimum_version = ssl.TLSVersion.TLSv1``, pyOpenSSL's
    ``SSL.TLSv1_METHOD`` or ``set_min_proto_version(SSL.TLS1_VERSION)``, wherever the constant
    is passed or assigned (tables and comparisons that only name it are not uses).

    ## Why it matters

    POODLE, BEAST and the downgrade attacks live in these versions; RFC 8996 deprecated TLS 1.0
    and 1.1 in 2021, and none of them can carry post-quantum key exchange.

    ## Example

    ```python
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLSv1)
    ```

    ## Remediation

    Use ``ssl.create_default_context()`` (TLS 1.2 and up) and set
    ``minimum_version = ssl.TLSVersion.TLSv1_2`` or ``TLSv1_3``.

    ## References

    - RFC 8996, Deprecating TLS 1.0 and TLS 1.1
    - RFC 7568, Deprecating Secure Sockets Layer Version 3.0
    """

    code = "CRY007"
    name = "legacy-tls-version"
    layer = Layer.CRY
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    cwe = (327, 757)


@check
def check_tls(asset: Asset, verdict: Verdict) -> Iterator[Finding]:
    if asset.asset_type is AssetType.PROTOCOL and verdict.status is Status.BROKEN:
        yield raise_on(LegacyTlsVersion, asset, verdict, f"{asset.version}: {verdict.reason}")
