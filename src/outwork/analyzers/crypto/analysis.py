"""One artifact in, assets out: each asset classified, checked, and listed for the CBOM."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any

from outwork.analyzers.crypto.model import Asset, AssetType
from outwork.analyzers.crypto.policy import Verdict, classify, curve_bits, row, table
from outwork.analyzers.crypto.rules.base import CHECKS
from outwork.core.analyzer import Component, Emitted

#: CycloneDX component type of every asset.
COMPONENT_TYPE = "cryptographic-asset"


def judge(
    assets: Iterable[Asset], *, in_tests: bool = False, in_dependency: bool = False
) -> Iterator[Emitted]:
    """Findings from every check, then one component per distinct asset with all its lines."""
    grouped: dict[tuple[object, ...], tuple[Asset, Verdict, list[int]]] = {}
    for found in assets:
        asset = replace(found, in_tests=in_tests or found.in_tests, in_dependency=in_dependency)
        verdict = classify(asset)
        for check in CHECKS:
            yield from check(asset, verdict)
        for listed in (asset, key_algorithm(asset)):
            if listed is None:
                continue
            key = (
                listed.label,
                listed.asset_type,
                listed.primitive,
                listed.purpose,
                listed.details,
            )
            if key not in grouped:
                grouped[key] = (listed, classify(listed) if listed is not asset else verdict, [])
            if listed.line is not None:
                grouped[key][2].append(listed.line)
    for asset, verdict, lines in grouped.values():
        yield Component(COMPONENT_TYPE, asset.label, properties=properties(asset, verdict, lines))


def key_algorithm(asset: Asset) -> Asset | None:
    """The algorithm of a certificate's or key's public key, listed as an algorithm component
    of its own so the CBOM can point at it (it raises no findings of its own: the certificate
    or key does)."""
    if asset.asset_type not in (AssetType.CERTIFICATE, AssetType.MATERIAL):
        return None
    if asset.algorithm == "unknown":
        return None
    return Asset(
        AssetType.ALGORITHM,
        asset.algorithm,
        asset.primitive,
        asset.api,
        line=asset.line,
        key_size=asset.key_size,
        curve=asset.curve,
        parameter_set=asset.parameter_set,
        purpose=asset.purpose,
    )


def properties(asset: Asset, verdict: Verdict, lines: list[int]) -> dict[str, Any]:
    """Everything the CBOM needs about one asset, as plain data (components cross processes
    and the cache as JSON)."""
    entry = row(asset.algorithm)
    key = key_algorithm(asset) if asset.asset_type is AssetType.MATERIAL else None
    props: dict[str, Any] = {
        "assetType": asset.asset_type.value,
        "algorithm": asset.algorithm,
        "primitive": asset.primitive,
        "api": asset.api,
        "purpose": asset.purpose.name.lower(),
        "status": verdict.status.value,
        "reason": verdict.reason,
        "policy": table().version,
    }
    optional: dict[str, Any] = {
        "keySize": asset.key_size,
        "mode": asset.mode,
        "padding": asset.padding,
        "curve": asset.curve,
        "curveBits": curve_bits(asset.curve),
        "parameterSet": asset.parameter_set,
        "hash": asset.hash,
        "version": asset.version,
        "material": asset.material,
        "oid": verdict.oid or (entry.oid if entry else None),
        "nistQuantumSecurityLevel": verdict.nist_quantum_level,
        "classicalSecurityLevel": verdict.classical_bits,
        "deprecatedAfter": verdict.deprecated_after,
        "disallowedAfter": verdict.disallowed_after,
        "cnsa2After": verdict.cnsa2_after,
        "migrationTarget": verdict.target or None,
        "purposeReason": asset.purpose_reason or None,
        "unknown": list(asset.unknown) or None,
        "staticIv": asset.static_iv or None,
        "lines": sorted(set(lines)) or None,
        "details": dict(asset.details) or None,
        "algorithmLabel": key.label if key is not None else None,
    }
    props.update({k: v for k, v in optional.items() if v is not None})
    return props
