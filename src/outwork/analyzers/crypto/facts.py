"""Facts for the attack graph from the crypto layer: which file or endpoint protects which
data with what, and the private keys a live endpoint's certificate leads to.

Node ids: ``file:PATH`` (source, configuration and key files), ``endpoint:HOST:PORT`` (from
``outwork tls``), ``crypto:LABEL`` (an algorithm or protocol version), ``key:spki-sha256:HEX``
(a public key, by the SHA-256 of its SubjectPublicKeyInfo) and ``jewel:private-key:spki-sha256:
HEX`` (its private half, found in a scanned file). A path appears when an endpoint presents a
certificate whose private key lies in a scanned artifact.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from outwork.analyzers.crypto.model import Asset, AssetType, Purpose
from outwork.analyzers.crypto.policy import classify
from outwork.core.findings import Fact

#: The relation a use's purpose names (``file --encrypts-with--> crypto:AES-128-ECB``).
RELATIONS = {
    Purpose.SIGNATURE: "signs-with",
    Purpose.PASSWORD: "stores-passwords-with",
    Purpose.SECRET: "makes-secrets-with",
    Purpose.ENCRYPTION: "encrypts-with",
    Purpose.INTEGRITY: "checks-integrity-with",
    Purpose.UNKNOWN: "uses",
}


def asset_facts(path: str, assets: Iterable[Asset]) -> Iterator[Fact]:
    """One fact per distinct use in a file, and one per private key it holds."""
    seen: set[tuple[str, str]] = set()
    node = f"file:{path}"
    for asset in assets:
        where = _proof(path, asset)
        fingerprint = asset.detail("spkiSha256")
        if asset.material == "private-key" and fingerprint:
            key = f"key:spki-sha256:{fingerprint}"
            yield Fact(
                key,
                "private-key-readable-in",
                f"jewel:private-key:spki-sha256:{fingerprint}",
                proof=where,
                properties={"algorithm": asset.label},
            )
            continue
        if asset.asset_type is AssetType.PROTOCOL:
            relation = "protects-traffic-with"
        elif asset.asset_type is AssetType.ALGORITHM and asset.purpose in RELATIONS:
            relation = RELATIONS[asset.purpose]
        else:
            continue
        target = f"crypto:{asset.label}"
        if (relation, target) in seen:
            continue
        seen.add((relation, target))
        yield Fact(
            node, relation, target, proof=where, properties={"status": classify(asset).status.value}
        )


def _proof(path: str, asset: Asset) -> str:
    if asset.line is not None:
        return f"{path}:{asset.line}"
    logical = asset.detail("logical")
    return f"{path}: {logical}" if logical else path
