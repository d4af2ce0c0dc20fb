"""VUL003: dependencies the advisory database cannot clear (none, no feed for their ecosystem,
or too old), and the checks that decide it once the analysis has tried to open the store."""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from outwork.analyzers.dependencies.context import Database
from outwork.core.findings import Finding, finding
from outwork.core.rules import Confidence, Layer, Rule, Severity

if TYPE_CHECKING:
    from outwork.analyzers.dependencies.model import Dependency


class AdvisoryDatabaseUnavailable(Rule):
    """Dependencies were found but the advisory database is missing or stale.

    ## What it finds
    A lockfile or manifest scanned without an advisory database (never downloaded, or unreadable),
    with one that holds no feed for the dependencies' ecosystem, or with one older than the
    freshness limit (7 days by default, reported at low severity). Without current advisories the
    dependencies cannot be cleared.

    ## Why it matters
    A scanner that passes a lockfile it could not check gives false assurance: fail closed. New
    advisories and malicious-package reports arrive daily; a stale database misses exactly the
    ones attackers are exploiting now.

    ## Example
    A CI job that scans `poetry.lock` on a fresh runner where `outwork db update` never ran.

    ## Remediation
    Run `outwork db update` (online), or `outwork db update --from-file all.zip --ecosystem PyPI`
    with a feed fetched elsewhere, and cache the database between CI runs.

    ## References
    - CWE-1104: Use of Unmaintained Third Party Components
    - OSV data dumps: https://google.github.io/osv.dev/data/
    """

    code = "VUL003"
    name = "advisory-database-unavailable"
    layer = Layer.VUL
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Database.MISSING: Severity.MEDIUM,
        Database.NO_FEED: Severity.MEDIUM,
        Database.STALE: Severity.LOW,
    }
    cwe = (1104,)


def check_unopened(reason: str, matchable: list[Dependency], db_path: Path | None) -> Finding:
    """VUL003 when no database could be opened (``reason`` says why): nothing was checked."""
    return finding(
        AdvisoryDatabaseUnavailable,
        f"{_count(len(matchable))} not checked for known vulnerabilities or malware: {reason}",
        line=matchable[0].line,
        severity=AdvisoryDatabaseUnavailable.severity_in(Database.MISSING),
        evidence=str(db_path or "no database configured"),
        remediation="Run `outwork db update` (or `outwork db update --from-file all.zip"
        " --ecosystem PyPI` offline), then scan again.",
    )


def check_coverage(
    matchable: list[Dependency],
    uncovered: Mapping[str, list[Dependency]],
    age: float | None,
    max_age: float,
    db_path: Path | None,
) -> Iterator[Finding]:
    """VUL003 once per ecosystem of ``uncovered`` (dependencies whose ecosystem the database
    has no feed for), and once when its oldest feed is older than ``max_age`` days (or it has
    none)."""
    for ecosystem, deps in uncovered.items():
        yield finding(
            AdvisoryDatabaseUnavailable,
            f"{_count(len(deps))} from {ecosystem} not checked: the advisory database holds"
            f" no {ecosystem} feed",
            line=deps[0].line,
            severity=AdvisoryDatabaseUnavailable.severity_in(Database.NO_FEED),
            evidence=str(db_path),
            remediation=f"Run `outwork db update --ecosystem {ecosystem}`.",
        )
    if age is None or age > max_age:
        what = "has no feeds" if age is None else f"is {age:.0f} days old"
        yield finding(
            AdvisoryDatabaseUnavailable,
            f"the advisory database {what} (limit {max_age:g} days): recent advisories and"
            " malicious-package reports are missing",
            line=matchable[0].line,
            severity=AdvisoryDatabaseUnavailable.severity_in(Database.STALE),
            evidence=str(db_path),
            remediation="Run `outwork db update`.",
        )


def _count(n: int) -> str:
    return f"{n} dependency" if n == 1 else f"{n} dependencies"
