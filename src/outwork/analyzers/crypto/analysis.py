"""One artifact in, assets out: each asset classified, checked, and listed for the CBOM."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any

from outwork.analyzers.crypto.model import Asset
from outwork.analyzers.crypto.policy import Verdict, classify, curve_bits, row, table
from outwork.analyzers.crypto.rules.base import CHECKS
from outwork.core.analyzer import Component, Emitted

#: CycloneDX component type of every asset.
COMPONENT_TYPE = "cryptographic-asset"


def judge(assets: Iterable[Asset], *, in_tests: bool = False) -> Iterator[Emitted]:
    """Findings from every check, then one component per distinct asset with all its lines."""
    grouped: dict[tuple[object, ...], tuple[Asset, Verdict, list[int]]] = {}
    for found in assets:
        asset = replace(found, in_tests=True) if in_tests else found
        verdict = classify(asset)
        for check in CHECKS:
            yield from check(asset, verdict)
        key = (asset.label, asset.asset_type, asset.primitive, asset.purpose, asset.details)
        if key not in grouped:
            grouped[key] = (asset, verdict, [])
        if asset.line is not None:
            grouped[key][2].append(asset.line)
    for asset, verdict, lines in grouped.values():
        yield Component(COMPONENT_TYPE, asset.label, properties=properties(asset, verdict, lines))


def properties(asset: Asset, verdict: Verdict, lines: list[int]) -> dict[str, Any]:
    """Everything the CBOM needs about one asset, as plain data (components cross processes
    and the cache as JSON)."""
    entry = row(asset.algorithm)
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
    }
    props.update({k: v for k, v in optional.items() if v is not None})
    return props
