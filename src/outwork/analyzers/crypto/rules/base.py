"""What every CRY check receives: one asset, its verdict, and where it was found."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from outwork.analyzers.crypto.model import Asset
from outwork.analyzers.crypto.policy import Verdict
from outwork.core.findings import Finding, finding
from outwork.core.rules import Rule, Severity

#: The highest severity a finding in test code or test data gets: weak keys and hashes there
#: protect nothing real. The message says so, and the same code outside tests keeps its grade.
TEST_CODE_CAP = Severity.LOW

#: The highest severity of a finding in a third-party package's own source (installed, or in a
#: package archive): its maintainers choose its algorithms, often for a protocol's sake (SSH's
#: ``ssh-rsa`` is SHA-1), and its users cannot change them; what the project's own code asks of
#: it keeps its grade. The CBOM lists the asset either way.
DEPENDENCY_CAP = Severity.MEDIUM

#: The highest severity of an algorithm only named where it is found (a cipher class in a table
#: of supported algorithms): the call that uses it, and what for, is elsewhere.
REFERENCE_CAP = Severity.LOW

Check = Callable[[Asset, Verdict], Iterator[Finding]]

#: Every check, registered by the module that defines it (see :func:`check`).
CHECKS: list[Check] = []


def check(fn: Check) -> Check:
    CHECKS.append(fn)
    return fn


def raise_on(
    rule: type[Rule],
    asset: Asset,
    verdict: Verdict,
    message: str,
    *,
    severity: Severity | None = None,
    remediation: str = "",
) -> Finding:
    """A finding at the asset's place, carrying the asset and its verdict as properties."""
    properties: dict[str, Any] = {
        "algorithm": asset.algorithm,
        "asset": asset.label,
        "primitive": asset.primitive,
        "status": verdict.status.value,
        "purpose": asset.purpose.name.lower(),
        "api": asset.api,
    }
    if verdict.deprecated_after:
        properties["deprecated_after"] = verdict.deprecated_after
    if verdict.disallowed_after:
        properties["disallowed_after"] = verdict.disallowed_after
    if verdict.cnsa2_after:
        properties["cnsa2_after"] = verdict.cnsa2_after
    if verdict.target:
        properties["migration_target"] = verdict.target
    if asset.unknown:
        properties["unknown"] = list(asset.unknown)
    logical = asset.detail("logical")
    graded = rule.severity if severity is None else severity
    if asset.in_tests and graded > TEST_CODE_CAP:
        graded = TEST_CODE_CAP
        message += f" (in test code, test data or documentation: {TEST_CODE_CAP.label} at most)"
        properties["in_tests"] = True
    if asset.in_dependency and graded > DEPENDENCY_CAP:
        graded = DEPENDENCY_CAP
        message += f" (in a third-party package's own source: {DEPENDENCY_CAP.label} at most)"
        properties["in_dependency"] = True
    if asset.referenced and graded > REFERENCE_CAP:
        graded = REFERENCE_CAP
        message += f" (named here, called elsewhere: {REFERENCE_CAP.label} at most)"
        properties["referenced"] = True
    return finding(
        rule,
        message,
        line=asset.line,
        column=asset.column,
        logical=logical,
        severity=graded,
        evidence=f"{asset.api}: {asset.label}",
        remediation=remediation or (f"Move to {verdict.target}." if verdict.target else ""),
        properties=properties,
    )
