"""The classification table and its verdicts."""

from __future__ import annotations

from outwork.analyzers.crypto.model import Asset, AssetType
from outwork.analyzers.crypto.policy import Status, algorithm_name, classify, curve_name


def algo(name: str, **kw: object) -> Asset:
    return Asset(AssetType.ALGORITHM, name, "x", "test", **kw)  # type: ignore[arg-type]


def test_names_normalise() -> None:
    assert algorithm_name("sha256") == algorithm_name("SHA-256") == "SHA-256"
    assert algorithm_name("TripleDES") == "3DES"
    assert curve_name("prime256v1") == curve_name("SECP256R1") == "P-256"


def test_rsa_dates_follow_strength() -> None:
    rsa2048 = classify(algo("RSA", key_size=2048))
    assert rsa2048.status is Status.QUANTUM_VULNERABLE
    assert (rsa2048.deprecated_after, rsa2048.disallowed_after) == (2030, 2035)
    rsa3072 = classify(algo("RSA", key_size=3072))
    assert (rsa3072.deprecated_after, rsa3072.disallowed_after) == (None, 2035)
    assert classify(algo("RSA", key_size=1024)).status is Status.BROKEN
    assert classify(algo("ECDSA", curve="P-224")).deprecated_after == 2030


def test_symmetric_and_hash_levels() -> None:
    assert classify(algo("AES", key_size=256)).status is Status.QUANTUM_SAFE
    assert classify(algo("AES", key_size=128)).status is Status.WEAKENED
    assert classify(algo("AES")).status is Status.UNKNOWN
    assert classify(algo("SHA-384")).nist_quantum_level == 4
    assert classify(algo("MD5")).status is Status.BROKEN
    assert classify(algo("ML-KEM")).status is Status.QUANTUM_SAFE


def test_protocol_versions() -> None:
    tls10 = Asset(AssetType.PROTOCOL, "TLS", "protocol", "t", version="TLSv1.0")
    tls13 = Asset(AssetType.PROTOCOL, "TLS", "protocol", "t", version="TLSv1.3")
    assert classify(tls10).status is Status.BROKEN
    assert classify(tls13).status is Status.QUANTUM_VULNERABLE
