"""Certificates, keys and stores made at test time with pyca/cryptography (nothing checked in)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

NOW = dt.datetime.now(dt.UTC)


def rsa_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def certificate(
    subject: str,
    key: Any,
    *,
    issuer: str | None = None,
    issuer_key: Any = None,
    hash_algorithm: hashes.HashAlgorithm | None = None,
    days: int = 365,
    start_days_ago: int = 1,
) -> x509.Certificate:
    """A certificate for ``key``; self-signed unless an issuer is given."""
    signer = issuer_key if issuer_key is not None else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(name(subject))
        .issuer_name(name(issuer or subject))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=start_days_ago))
        .not_valid_after(NOW + dt.timedelta(days=days))
    )
    algorithm = None if isinstance(signer, ed25519.Ed25519PrivateKey) else hash_algorithm
    if algorithm is None and not isinstance(signer, ed25519.Ed25519PrivateKey):
        algorithm = hashes.SHA256()
    return builder.sign(signer, algorithm)


def pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def key_pem(key: Any) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def ssh_public(key: Any) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )


def p12(key: Any, cert: x509.Certificate, password: bytes | None) -> bytes:
    encryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    return pkcs12.serialize_key_and_certificates(b"test", key, cert, None, encryption)


def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


#: DER of the sha256WithRSAEncryption and sha1WithRSAEncryption / md5WithRSAEncryption OIDs.
_SHA256_RSA = bytes.fromhex("06092a864886f70d01010b")
_WEAK_RSA = {
    "sha1": bytes.fromhex("06092a864886f70d010105"),
    "md5": bytes.fromhex("06092a864886f70d010104"),
}


def weak_signature(cert: x509.Certificate, digest: str = "sha1") -> bytes:
    """The certificate's DER with its RSA signature algorithm renamed to SHA-1 or MD5 (the
    library refuses to sign with them; the layer parses and never verifies, so a relabelled
    signature is what a legacy certificate looks like to it)."""
    der = cert.public_bytes(serialization.Encoding.DER)
    assert der.count(_SHA256_RSA) == 2
    return der.replace(_SHA256_RSA, _WEAK_RSA[digest])


def der_to_pem(der: bytes) -> bytes:
    return x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM)
