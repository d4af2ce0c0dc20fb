"""Certificates, keys and stores made at test time with pyca/cryptography (nothing checked in)."""

from __future__ import annotations

import base64
import datetime as dt
import os
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


def ppk(key: Any, *, version: int = 3, encrypted: bool = False) -> bytes:
    """A PuTTY private key file (the public blob real; the private lines stand-ins: the layer
    reads the key from the public blob, never the private one)."""
    key_type, blob = ssh_public(key).split()[:2]
    public = [blob[i : i + 64] for i in range(0, len(blob), 64)]
    secret = base64.b64encode(os.urandom(96))
    lines = [
        f"PuTTY-User-Key-File-{version}: {key_type.decode()}".encode(),
        b"Encryption: " + (b"aes256-cbc" if encrypted else b"none"),
        b"Comment: made-in-a-test",
        f"Public-Lines: {len(public)}".encode(),
        *public,
    ]
    if version == 3 and encrypted:
        lines += [
            b"Key-Derivation: Argon2id",
            b"Argon2-Memory: 8192",
            b"Argon2-Passes: 13",
            b"Argon2-Parallelism: 1",
            b"Argon2-Salt: " + os.urandom(16).hex().encode(),
        ]
    lines += [b"Private-Lines: 2", secret[:64], secret[64:], b"Private-MAC: " + b"0" * 64]
    return b"\r\n".join(lines) + b"\r\n"


def rfc4716(key: Any) -> bytes:
    """PuTTYgen's public key export (RFC 4716), with a header continued on a second line."""
    blob = ssh_public(key).split()[1]
    body = [blob[i : i + 70] for i in range(0, len(blob), 70)]
    return (
        b"\n".join(
            [
                b"---- BEGIN SSH2 PUBLIC KEY ----",
                b'Comment: "a long comment that goes on \\',
                b'on the next line"',
                *body,
                b"---- END SSH2 PUBLIC KEY ----",
            ]
        )
        + b"\n"
    )
