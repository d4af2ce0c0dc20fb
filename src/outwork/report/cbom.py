"""The CBOM part of the CycloneDX report: ``cryptographic-asset`` components.

The crypto analyzer lists each asset as a component whose properties carry what the CycloneDX 1.6
``cryptoProperties`` need (asset type, primitive, mode, padding, curve, key size, OID, NIST
quantum security level, certificate dates and references, protocol version) and the lines it
was found on. This module maps them, one component per distinct asset across the scan with an
``occurrence`` per file and line, and records which file uses which asset, for the
``dependencies`` from the code to the algorithm. Certificates point at the algorithm components
of their subject key and signature (``subjectPublicKeyRef``, ``signatureAlgorithmRef``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

from cyclonedx.model import Property
from cyclonedx.model.bom_ref import BomRef
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.component_evidence import ComponentEvidence, Occurrence
from cyclonedx.model.crypto import (
    AlgorithmProperties,
    CertificateProperties,
    CryptoAssetType,
    CryptoMode,
    CryptoPadding,
    CryptoPrimitive,
    CryptoProperties,
    ProtocolProperties,
    ProtocolPropertiesType,
    RelatedCryptoMaterialProperties,
    RelatedCryptoMaterialType,
)

from outwork.report._common import utf8_safe

CRYPTO_TYPE = ComponentType.CRYPTOGRAPHIC_ASSET.value
PREFIX = "outwork:crypto"
#: Analyzer properties mapped into ``cryptoProperties``; the rest become ``outwork:crypto:*``.
_MAPPED = frozenset(
    {
        "assetType",
        "primitive",
        "mode",
        "padding",
        "curve",
        "keySize",
        "oid",
        "parameterSet",
        "nistQuantumSecurityLevel",
        "classicalSecurityLevel",
        "version",
        "material",
        "lines",
        "details",
    }
)
_PADDINGS = {"PKCS1v15": CryptoPadding.PKCS1V15, "OAEP": CryptoPadding.OAEP}
_MATERIAL_TYPES = {t.value: t for t in RelatedCryptoMaterialType}
_PRIMITIVES = {p.value: p for p in CryptoPrimitive}
_MODES = {m.value: m for m in CryptoMode}


def identity(name: str, props: dict[str, Any]) -> str:
    """One component per distinct asset: a certificate by its fingerprint, anything else by
    what it is and how it stands."""
    details = props.get("details") or {}
    if props.get("assetType") == "certificate" and details.get("sha256"):
        return f"crypto:certificate:{details['sha256']}"
    parts = [props.get("assetType"), name, props.get("primitive"), props.get("status")]
    parts.append(props.get("material"))
    return "crypto:" + ":".join(str(p) for p in parts if p)


class CbomBuilder:
    """Collects the crypto components of a scan."""

    def __init__(self, claim: Callable[[str], str]) -> None:
        self.claim = claim
        self.components: dict[str, Component] = {}
        self.occurrences: dict[str, set[tuple[str, int | None]]] = {}
        #: bom-ref of each file's crypto components (the dependencies from code to algorithm).
        self.uses: dict[str, set[str]] = {}
        self._links: list[tuple[Component, dict[str, Any]]] = []
        self._by_name: dict[str, str] = {}

    def add(self, raw: dict[str, Any], found_in: str, file_ref: str | None) -> None:
        name = utf8_safe(str(raw["name"]))
        props = dict(raw.get("properties") or {})
        key = identity(name, props)
        lines = [n for n in props.get("lines") or [] if isinstance(n, int)]
        places = self.occurrences.setdefault(key, set())
        places.update((found_in, n) for n in lines) if lines else places.add((found_in, None))
        if key not in self.components:
            ref = self.claim(key)
            component = Component(
                type=ComponentType.CRYPTOGRAPHIC_ASSET,
                name=name,
                bom_ref=ref,
                crypto_properties=_crypto_properties(props),
                properties=[
                    Property(name=f"{PREFIX}:{k}", value=_text(v))
                    for k, v in sorted(props.items())
                    if k not in _MAPPED and v not in (None, "", [])
                ],
            )
            self.components[key] = component
            self._links.append((component, props))
            if props.get("assetType") == "algorithm":
                self._by_name.setdefault(name, ref)
        if file_ref is not None:
            self.uses.setdefault(file_ref, set()).add(str(self.components[key].bom_ref.value))

    def refs(self) -> list[str]:
        return [str(c.bom_ref.value) for c in self.components.values()]

    def finish(self) -> list[Component]:
        """Occurrences and certificate references, once every component is known."""
        for key, component in self.components.items():
            places = sorted(self.occurrences[key], key=lambda p: (p[0], p[1] or 0))
            component.evidence = ComponentEvidence(
                occurrences=[
                    Occurrence(location=utf8_safe(path), line=line) for path, line in places
                ]
            )
        for component, props in self._links:
            crypto = component.crypto_properties
            if crypto is None:
                continue
            if crypto.certificate_properties is not None:
                details = props.get("details") or {}
                signature = self._by_name.get(str(details.get("signatureAlgorithm", "")))
                subject_key = self._by_name.get(str(details.get("subjectPublicKey", "")))
                if signature:
                    crypto.certificate_properties.signature_algorithm_ref = BomRef(signature)
                if subject_key:
                    crypto.certificate_properties.subject_public_key_ref = BomRef(subject_key)
            if crypto.related_crypto_material_properties is not None:
                algorithm = self._by_name.get(str(props.get("algorithmLabel", "")))
                if algorithm:
                    crypto.related_crypto_material_properties.algorithm_ref = BomRef(algorithm)
        return list(self.components.values())


def _crypto_properties(props: dict[str, Any]) -> CryptoProperties:
    asset_type = str(props.get("assetType") or "algorithm")
    oid = props.get("oid") if isinstance(props.get("oid"), str) else None
    if asset_type == "protocol":
        version = str(props.get("version") or "")
        return CryptoProperties(
            asset_type=CryptoAssetType.PROTOCOL,
            protocol_properties=ProtocolProperties(
                type=ProtocolPropertiesType.TLS
                if str(props.get("algorithm")) == "TLS"
                else ProtocolPropertiesType.OTHER,
                version=version.removeprefix("TLSv").removeprefix("SSLv") or None,
            ),
            oid=oid,
        )
    if asset_type == "certificate":
        details = props.get("details") or {}
        return CryptoProperties(
            asset_type=CryptoAssetType.CERTIFICATE,
            certificate_properties=CertificateProperties(
                subject_name=_opt(details.get("subject")),
                issuer_name=_opt(details.get("issuer")),
                not_valid_before=_date(details.get("notValidBefore")),
                not_valid_after=_date(details.get("notValidAfter")),
                certificate_format=_opt(details.get("certificateFormat")),
            ),
            oid=oid,
        )
    if asset_type == "related-crypto-material":
        size = props.get("keySize")
        return CryptoProperties(
            asset_type=CryptoAssetType.RELATED_CRYPTO_MATERIAL,
            related_crypto_material_properties=RelatedCryptoMaterialProperties(
                type=_MATERIAL_TYPES.get(
                    str(props.get("material")), RelatedCryptoMaterialType.OTHER
                ),
                size=size if isinstance(size, int) and size >= 0 else None,
                format=_opt((props.get("details") or {}).get("format")),
            ),
            oid=oid,
        )
    return CryptoProperties(
        asset_type=CryptoAssetType.ALGORITHM, algorithm_properties=_algorithm(props), oid=oid
    )


def _algorithm(props: dict[str, Any]) -> AlgorithmProperties:
    mode = str(props.get("mode") or "").lower()
    padding = str(props.get("padding") or "")
    size = props.get("keySize")
    parameter_set = props.get("parameterSet") or (str(size) if isinstance(size, int) else None)
    level = props.get("nistQuantumSecurityLevel")
    classical = props.get("classicalSecurityLevel")
    return AlgorithmProperties(
        primitive=_PRIMITIVES.get(str(props.get("primitive")), CryptoPrimitive.UNKNOWN),
        parameter_set_identifier=parameter_set,
        curve=_opt(props.get("curve")),
        mode=_MODES.get(mode, CryptoMode.OTHER) if mode else None,
        padding=_PADDINGS.get(padding, CryptoPadding.OTHER) if padding else None,
        classical_security_level=classical if isinstance(classical, int) else None,
        nist_quantum_security_level=level if isinstance(level, int) and 0 <= level <= 6 else None,
    )


def _opt(value: object) -> str | None:
    return utf8_safe(str(value)) if value not in (None, "") else None


def _date(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    with contextlib.suppress(ValueError):
        return datetime.fromisoformat(value)
    return None


def _text(value: object) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return utf8_safe(str(value))
