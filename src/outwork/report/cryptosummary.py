"""The cryptographic inventory in one table: each algorithm family with how it stands, how
often it is used, and its NIST IR 8547 and CNSA 2.0 dates (terminal and HTML reports).

It reads the ``cryptographic-asset`` components the crypto layer listed for each artifact (the
same ones the CBOM is made of) and only counts them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from outwork.core.findings import ScanResult

#: Component type of a crypto asset (CycloneDX).
CRYPTO_ASSET = "cryptographic-asset"
#: Worst first: the order the table reads in.
STATUS_ORDER = ("broken", "quantum-vulnerable", "weakened", "unknown", "quantum-safe")


@dataclass(frozen=True, slots=True)
class FamilyRow:
    family: str
    status: str
    #: Artifacts (files, endpoints) where the family is used with this status.
    artifacts: int
    #: Places: lines in source, objects in files, versions on an endpoint.
    uses: int
    deprecated_after: int | None
    disallowed_after: int | None
    cnsa2_after: int | None
    target: str


def _components(result: ScanResult) -> Iterator[tuple[str, dict[str, Any]]]:
    for artifact in result.artifacts:
        for component in artifact.properties.get("components", ()):
            if component.get("type") == CRYPTO_ASSET:
                yield artifact.path, dict(component.get("properties") or {})


def crypto_summary(result: ScanResult) -> list[FamilyRow]:
    """One row per algorithm family and status (and dates), worst and soonest first."""
    groups: dict[tuple[Any, ...], tuple[set[str], list[int], str]] = {}
    for path, props in _components(result):
        family = str(props.get("algorithm") or "unknown")
        if props.get("assetType") == "protocol":
            family = str(props.get("version") or family)
        key = (
            family,
            str(props.get("status") or "unknown"),
            props.get("deprecatedAfter"),
            props.get("disallowedAfter"),
            props.get("cnsa2After"),
        )
        paths, uses, target = groups.setdefault(key, (set(), [0], ""))
        paths.add(path)
        uses[0] += max(1, len(props.get("lines") or ()))
        if not target and props.get("migrationTarget"):
            groups[key] = (paths, uses, str(props["migrationTarget"]))
    rows = [
        FamilyRow(family, status, len(paths), uses[0], dep, dis, cnsa, target)
        for (family, status, dep, dis, cnsa), (paths, uses, target) in groups.items()
    ]
    return sorted(rows, key=_order)


def _order(row: FamilyRow) -> tuple[int, int, int, str]:
    rank = STATUS_ORDER.index(row.status) if row.status in STATUS_ORDER else len(STATUS_ORDER)
    soonest = min(d for d in (row.deprecated_after, row.disallowed_after, 9999) if d)
    return rank, soonest, -row.uses, row.family


def year(value: int | None) -> str:
    return str(value) if value else "-"
