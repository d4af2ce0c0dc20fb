"""VUL003: dependencies no advisory data could clear (none, no feed for their ecosystem, a
fetch that failed) and a stale database, said once per scan by the whole-scan step."""

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
    """Dependencies were found but no advisory data could check them, or it is stale.

    ## What it finds
    Said once per scan, never once per file: the ecosystems whose dependencies (in lockfiles,
    manifests, SBOMs and installed environments) were not checked for known vulnerabilities and
    malware, because there is no advisory database, it holds no feed for them, or their data
    could not be fetched on first use; and, separately, a database older than the freshness
    limit (7 days by default). The finding lists every unchecked ecosystem with its counts.

    ## Why it matters
    A scanner that passes a lockfile it could not check gives false assurance, so the gap is
    reported in the summary and every report format. It is informational: the content scanned is
    not at fault, and one finding per manifest used to fail every build on a fresh machine.
    Strict pipelines make it an error with `outwork scan --require-advisories`.

    ## Example
    A CI job that scans `poetry.lock` with `--offline` on a fresh runner where `outwork db
    update` never ran.

    ## Remediation
    Scan without `--offline` (the data for the ecosystems the scan needs is fetched on first use
    and cached), run `outwork db update`, or import a feed fetched elsewhere with
    `outwork db update --from-file all.zip --ecosystem PyPI`; cache the database between CI runs.
    Where only OSV's query API can be reached, `--osv-api` asks it about the scan's dependencies
    (their names and versions are sent).

    ## References
    - CWE-1104: Use of Unmaintained Third Party Components
    - OSV data dumps: https://google.github.io/osv.dev/data/
    """

    code = "VUL003"
    name = "advisory-database-unavailable"
    layer = Layer.VUL
    severity = Severity.INFO
    confidence = Confidence.HIGH
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Database.MISSING: Severity.INFO,
        Database.NO_FEED: Severity.INFO,
        Database.STALE: Severity.INFO,
    }
    cwe = (1104,)


#: A dependency and the path of the file that declares it.
Located = tuple[str, "Dependency"]


def check_unchecked(
    unchecked: Mapping[str, list[Located]], reason: str, db_path: Path | None
) -> Finding:
    """One VUL003 for the whole scan: the ecosystems not checked, with their counts."""
    parts = []
    counts: dict[str, dict[str, int]] = {}
    for ecosystem, located in unchecked.items():
        files = len({path for path, _ in located})
        counts[ecosystem] = {"dependencies": len(located), "files": files}
        parts.append(f"{ecosystem} ({_count(len(located))} in {files} file{'s' * (files != 1)})")
    path, dep = next(iter(unchecked.values()))[0]
    names = " ".join(f"--ecosystem {e}" for e in unchecked)
    return finding(
        AdvisoryDatabaseUnavailable,
        f"not checked for known vulnerabilities or malware: {', '.join(parts)}; {reason}",
        path=path,
        line=dep.line,
        severity=AdvisoryDatabaseUnavailable.severity_in(Database.MISSING),
        evidence=str(db_path or "no database configured"),
        remediation=f"Scan without --offline to fetch the data on first use, or run"
        f" `outwork db update {names}`.",
        properties={"unchecked": counts, "reason": reason},
    )


def check_stale(
    age: float | None, max_age: float, db_path: Path | None, path: str, line: int | None
) -> Iterator[Finding]:
    """One VUL003 when the database's oldest feed is older than ``max_age`` days."""
    if age is not None and age <= max_age:
        return
    what = "has no feeds" if age is None else f"is {age:.0f} days old"
    yield finding(
        AdvisoryDatabaseUnavailable,
        f"the advisory database {what} (limit {max_age:g} days): recent advisories and"
        " malicious-package reports are missing",
        path=path,
        line=line,
        severity=AdvisoryDatabaseUnavailable.severity_in(Database.STALE),
        evidence=str(db_path),
        remediation="Run `outwork db update`.",
        properties={"stale_days": None if age is None else round(age, 1)},
    )


def _count(n: int) -> str:
    return f"{n} dependency" if n == 1 else f"{n} dependencies"
