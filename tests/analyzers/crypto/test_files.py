"""Certificates, keys, stores, key lists and JWKs: parsed, bounded, hostile input reported."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, mldsa
from cryptography.hazmat.primitives.serialization import pkcs7
from hypothesis import given, settings
from hypothesis import strategies as st

from outwork.analyzers.crypto import files
from outwork.analyzers.crypto.files import read_file
from outwork.analyzers.crypto.model import AssetType, Purpose
from tests.analyzers.crypto import material


def test_certificate_gives_key_and_signature_assets() -> None:
    key = material.rsa_key(3072)
    cert = material.certificate("svc.example", key, issuer="CA", issuer_key=material.rsa_key())
    result = read_file("svc.pem", material.pem(cert))
    certificate, signature = result.assets
    assert certificate.asset_type is AssetType.CERTIFICATE
    assert (certificate.algorithm, certificate.key_size) == ("RSA", 3072)
    assert certificate.detail("subject") == "CN=svc.example"
    assert (signature.algorithm, signature.hash, signature.purpose) == (
        "RSA",
        "SHA-256",
        Purpose.SIGNATURE,
    )


def test_pkcs7_bundle_and_der() -> None:
    key = material.ec_key()
    certs = [material.certificate(f"c{i}", key) for i in range(3)]
    bundle = pkcs7.serialize_certificates(certs, serialization.Encoding.DER)
    result = read_file("bundle.p7b", bundle)
    assert [a.curve for a in result.assets if a.asset_type is AssetType.CERTIFICATE] == [
        "P-256"
    ] * 3


def test_open_pkcs12_reads_and_locked_one_is_a_problem() -> None:
    key = material.ec_key()
    cert = material.certificate("s", key)
    opened = read_file("a.p12", material.p12(key, cert, None))
    assert {a.material for a in opened.assets} >= {"private-key"}
    locked = read_file("b.p12", material.p12(key, cert, b"pw"))
    assert locked.assets == [] and "password" in locked.problems[0][1]


def test_openssh_lists_and_ml_dsa_keys() -> None:
    line = material.ssh_public(ed25519.Ed25519PrivateKey.generate())
    result = read_file("known_hosts", b"|1|abc= " + line + b"\n")
    assert [(a.algorithm, a.line) for a in result.assets] == [("Ed25519", 1)]
    pq = mldsa.MLDSA65PrivateKey.generate()
    result = read_file("pq.key", material.key_pem(pq))
    assert [(a.algorithm, a.parameter_set) for a in result.assets] == [("ML-DSA", "ML-DSA-65")]


def test_jwk_sets() -> None:
    n = base64.urlsafe_b64encode(b"\x01" * 256).rstrip(b"=").decode()
    doc = {
        "keys": [{"kty": "RSA", "n": n, "e": "AQAB"}, {"kty": "OKP", "crv": "Ed25519", "x": "a"}]
    }
    result = read_file("jwks.json", json.dumps(doc).encode())
    assert [(a.algorithm, a.key_size) for a in result.assets] == [("RSA", 2048), ("Ed25519", None)]


def test_object_budget_is_reported(monkeypatch) -> None:
    monkeypatch.setattr(files, "MAX_OBJECTS", 2)
    cert = material.pem(material.certificate("x", material.ec_key()))
    result = read_file("many.pem", cert * 5)
    assert len([a for a in result.assets if a.asset_type is AssetType.CERTIFICATE]) == 2
    assert any("more than 2 objects" in why for _, why in result.problems)


def test_hostile_bytes_are_problems_not_crashes() -> None:
    nested = b"\x30\x80" * 50_000
    assert read_file("deep.der", nested).problems
    garbage = b"-----BEGIN CERTIFICATE-----\n" + b"A" * 1000 + b"\n-----END CERTIFICATE-----\n"
    assert read_file("g.pem", garbage).problems
    assert read_file("bomb.jwk", b'{"keys": ' + b"[" * 100_000).problems
    assert read_file("x.pem", b"-----BEGIN RSA PRIVATE KEY-----\n\xff\xfe\n").problems == []


@settings(max_examples=120, deadline=None)
@given(st.binary(max_size=600), st.sampled_from(["a.pem", "a.der", "known_hosts", "k.jwk"]))
def test_random_input_never_raises(data: bytes, name: str) -> None:
    read_file(name, data)
    read_file(name, b"-----BEGIN CERTIFICATE-----\n" + data + b"\n-----END CERTIFICATE-----\n")


def test_putty_keys_give_type_size_and_protection() -> None:
    data = material.ppk(material.rsa_key(2048), encrypted=True)
    kdf_line = data.split(b"\r\n").index(b"Key-Derivation: Argon2id") + 1
    key, cipher, kdf = read_file("id.ppk", data).assets
    assert (key.label, key.detail("format"), key.detail("encryption")) == (
        "RSA-2048 private-key",
        "PuTTY PPK v3",
        "aes256-cbc",
    )
    assert (cipher.label, kdf.algorithm, kdf.line) == ("AES-256-CBC", "Argon2", kdf_line)
    plain = read_file("id.ppk", material.ppk(ed25519.Ed25519PrivateKey.generate(), version=2))
    assert [(a.label, a.detail("encryption")) for a in plain.assets] == [
        ("Ed25519 private-key", "none")
    ]


@pytest.mark.parametrize(
    "data",
    [
        b"PuTTY-User-Key-File-3: ssh-rsa\nEncryption: none\nPublic-Lines: 999999999\nAAAA",
        b"PuTTY-User-Key-File-3: ssh-rsa\nEncryption: none\nPublic-Lines: 1\n!!notbase64!!\n",
        b"PuTTY-User-Key-File-2: ssh-rsa\nPublic-Lines: 1\nAAAAB3NzaC1yc2EAAAADAQAB\n",
        b"PuTTY-User-Key-File-3:",
        b"---- BEGIN SSH2 PUBLIC KEY ----\nAAAA\n---- END SSH2 PUBLIC KEY ----\n",
    ],
)
def test_broken_putty_files_are_problems_not_crashes(data: bytes) -> None:
    result = read_file("id.ppk", data)
    assert result.assets == [] and result.problems
