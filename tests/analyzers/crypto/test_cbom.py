"""The CBOM: cryptographic-asset components valid against the official CycloneDX 1.6 schema,
with occurrences at file and line, dependencies from code to algorithm and certificate refs."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from outwork.engine.pipeline import ScanOptions, scan
from outwork.report import cyclonedx
from tests.analyzers.crypto import material

CODE = """
import ssl
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from Crypto.Cipher import AES

def keys(key, iv):
    a = rsa.generate_private_key(65537, 2048)
    b = rsa.generate_private_key(65537, 2048)
    c = AES.new(key, AES.MODE_ECB)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLSv1)
    return a, b, c, ctx
"""


@pytest.fixture(scope="module")
def cbom(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root: Path = tmp_path_factory.mktemp("cbom")
    (root / "app.py").write_text(textwrap.dedent(CODE))
    ca = material.rsa_key()
    leaf = material.certificate("svc.example", material.ec_key(), issuer="CA", issuer_key=ca)
    (root / "svc.pem").write_bytes(material.pem(leaf))
    (root / "id.key").write_bytes(material.key_pem(material.rsa_key(3072)))
    result = scan([str(root)], ScanOptions(jobs=1, cache_dir=None, select=("CRY",)))
    text = cyclonedx.render(result)
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    assert error is None, str(error)
    data: dict[str, Any] = json.loads(text)
    return data


def crypto(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in data["components"] if c["type"] == "cryptographic-asset"}


def test_one_component_per_asset_with_an_occurrence_per_line(cbom: dict[str, Any]) -> None:
    rsa = crypto(cbom)["RSA-2048"]
    lines = sorted(
        o["line"] for o in rsa["evidence"]["occurrences"] if o["location"].endswith("app.py")
    )
    assert lines == [8, 9]
    props = rsa["cryptoProperties"]
    assert props["assetType"] == "algorithm"
    assert props["oid"] == "1.2.840.113549.1.1.1"
    assert props["algorithmProperties"]["parameterSetIdentifier"] == "2048"
    assert props["algorithmProperties"]["nistQuantumSecurityLevel"] == 0
    assert props["algorithmProperties"]["classicalSecurityLevel"] == 112
    named = {p["name"]: p["value"] for p in rsa["properties"]}
    assert named["outwork:crypto:deprecatedAfter"] == "2030"
    assert named["outwork:crypto:disallowedAfter"] == "2035"


def test_mode_protocol_and_material(cbom: dict[str, Any]) -> None:
    components = crypto(cbom)
    ecb = next(c for n, c in components.items() if n.startswith("AES") and "ECB" in n)
    assert ecb["cryptoProperties"]["algorithmProperties"]["mode"] == "ecb"
    tls = components["TLSv1.0"]["cryptoProperties"]
    assert tls["assetType"] == "protocol"
    assert tls["protocolProperties"] == {"type": "tls", "version": "1.0"}
    key = next(
        c
        for c in components.values()
        if c["cryptoProperties"]["assetType"] == "related-crypto-material"
    )
    material_props = key["cryptoProperties"]["relatedCryptoMaterialProperties"]
    assert material_props["type"] == "private-key" and material_props["size"] == 3072
    assert material_props["algorithmRef"] == components["RSA-3072"]["bom-ref"]


def test_certificate_points_at_its_key_and_signature(cbom: dict[str, Any]) -> None:
    components = crypto(cbom)
    cert = next(
        c for c in components.values() if c["cryptoProperties"]["assetType"] == "certificate"
    )
    props = cert["cryptoProperties"]["certificateProperties"]
    assert props["subjectName"] == "CN=svc.example" and props["issuerName"] == "CN=CA"
    assert props["subjectPublicKeyRef"] == components["ECDSA P-256"]["bom-ref"]
    assert props["signatureAlgorithmRef"] == components["RSA with SHA-256"]["bom-ref"]


def test_code_depends_on_the_algorithms_it_uses(cbom: dict[str, Any]) -> None:
    components = crypto(cbom)
    app = next(d for d in cbom["dependencies"] if d["ref"].endswith("app.py"))
    assert components["RSA-2048"]["bom-ref"] in app["dependsOn"]
    assert components["TLSv1.0"]["bom-ref"] in app["dependsOn"]
    refs = {d["ref"] for d in cbom["dependencies"]}
    assert {c["bom-ref"] for c in components.values()} <= refs
