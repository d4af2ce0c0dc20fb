"""VUL001, VUL002: locked versions affected by a published vulnerability or a malicious-package
report, and the check that turns the advisory matches of one file into findings."""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from outwork.analyzers.dependencies.context import Rating
from outwork.core.analyzer import Emitted
from outwork.core.findings import Fact, Location, finding
from outwork.core.rules import Confidence, Layer, Rule, Severity

if TYPE_CHECKING:  # the rules load on every scan; matching pulls in the store and versions
    from outwork.analyzers.dependencies.matching import Match
    from outwork.analyzers.dependencies.model import Dependency


class VulnerableDependency(Rule):
    """A dependency's locked version is affected by a published vulnerability.

    ## What it finds
    Packages in lockfiles, manifests (exact pins), SBOMs and installed environments whose version
    falls in the affected ranges of an OSV advisory (CVE, GHSA, PYSEC, RUSTSEC, GO ...). Records
    that are aliases of each other are merged into one finding per vulnerability and package.
    Severity comes from the base score of the advisory's CVSS vector when it has one, else from the
    qualitative level its database states, else high; the finding
    lists the fixed versions and the smallest upgrade that fixes every advisory on that package.

    ## Why it matters
    Automated attackers scan for known-vulnerable versions within hours of a disclosure. A
    vulnerable transitive dependency is as exploitable as a direct one.

    ## Example
    `requests==2.19.0` in `requirements.txt` (CVE-2018-18074, credentials leaked on redirect).

    ## Remediation
    Upgrade to the version named in the finding (the smallest that fixes every advisory on the
    package) and regenerate the lockfile. If the vulnerable code is unreachable in your use,
    record that in a baseline with the reason.

    ## References
    - CWE-1395: Dependency on Vulnerable Third-Party Component
    - OSV schema: https://ossf.github.io/osv-schema/
    - OWASP Top 10 A06:2021 Vulnerable and Outdated Components
    """

    code = "VUL001"
    name = "vulnerable-dependency"
    layer = Layer.VUL
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    #: The advisory's own rating decides; an advisory without one is taken as high.
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Rating.CRITICAL: Severity.CRITICAL,
        Rating.HIGH: Severity.HIGH,
        Rating.MEDIUM: Severity.MEDIUM,
        Rating.LOW: Severity.LOW,
        Rating.NONE: Severity.INFO,
        Rating.UNRATED: Severity.HIGH,
    }
    cwe = (1395,)
    attack = ("T1195.001",)


class MaliciousDependency(Rule):
    """A dependency is a package version known to be malicious (an OSV `MAL-` record).

    ## What it finds
    Packages named in a lockfile, manifest, SBOM or installed environment that the OpenSSF
    malicious-packages feed (OSV `MAL-` records) lists as malware: typosquats, dependency-confusion
    uploads, hijacked releases.

    ## Why it matters
    Malicious packages run their payload at install or import time: credential theft, reverse
    shells, crypto-miners. A lockfile that names one means the payload may already have run on
    every machine that installed it, CI runners included.

    ## Example
    A `package-lock.json` that resolves a typosquat such as `crossenv` instead of `cross-env`.

    ## Remediation
    Remove the package, rotate every secret the machines that installed it could read, rebuild
    those machines and images from a clean state, and look for persistence. Pin the intended
    package by name and hash.

    ## References
    - CWE-506: Embedded Malicious Code
    - OpenSSF malicious-packages: https://github.com/ossf/malicious-packages
    - MITRE ATT&CK T1195.002 Compromise Software Supply Chain
    """

    code = "VUL002"
    name = "malicious-dependency"
    layer = Layer.VUL
    severity = Severity.CRITICAL
    confidence = Confidence.HIGH
    cwe = (506,)
    attack = ("T1195.002",)
    inline_suppressible = False


def check_matches(path: str, matches: list[Match]) -> Iterator[Emitted]:
    """One VUL001 or VUL002 finding per package and vulnerability (further occurrences of the
    package in the file become related locations), with a fact per advisory."""
    grouped: dict[tuple[str, str], list[Match]] = {}
    for match in matches:
        grouped.setdefault((match.dependency.purl, match.primary), []).append(match)
    for (purl, _), same in grouped.items():
        first = same[0]
        dep = first.dependency
        # a malicious package is critical whatever its record says (VUL002 has no table)
        rule: type[Rule] = MaliciousDependency if first.malicious else VulnerableDependency
        related = tuple(
            Location(path, m.dependency.line) for m in same[1:] if m.dependency.line is not None
        )
        yield finding(
            rule,
            _message(dep, first),
            line=dep.line,
            severity=rule.severity_in(first.rating),
            evidence=f"{purl} {first.primary}",
            remediation=_remediation(dep, first),
            subject=purl,
            related=related,
            properties=_properties(first),
        )
        for identifier in first.advisory_ids:
            yield Fact(purl, "has-vulnerability", f"vuln:{identifier}", proof=path)


def _message(dep: Dependency, match: Match) -> str:
    others = [i for i in (*match.advisory_ids, *match.aliases) if i != match.primary]
    also = f" ({', '.join(others)})" if others else ""
    if match.malicious:
        text = f"{dep.name} {dep.version} is a known malicious package: {match.primary}{also}"
    else:
        text = f"{dep.name} {dep.version} is affected by {match.primary}{also}"
    if match.summary:
        text += f": {match.summary}"
    return text


def _remediation(dep: Dependency, match: Match) -> str:
    if match.malicious:
        return (
            f"Remove {dep.name}, rotate every secret reachable from machines that installed it,"
            " and rebuild them from a clean state."
        )
    if match.upgrade:
        return (
            f"Upgrade {dep.name} to {match.upgrade}, the smallest version that fixes every known"
            " advisory on it, and regenerate the lockfile."
        )
    if match.fixed:
        return f"Upgrade {dep.name} to a fixed version ({', '.join(match.fixed)})."
    return f"No fixed version of {dep.name} is known: replace it or mitigate the flaw."


def _properties(match: Match) -> dict[str, Any]:
    props: dict[str, Any] = {
        "advisory_ids": list(match.advisory_ids),
        "aliases": list(match.aliases),
        "fixed": list(match.fixed),
        "ecosystem": match.dependency.ecosystem,
        "package": match.dependency.name,
        "version": match.dependency.version,
    }
    if match.upgrade:
        props["upgrade"] = match.upgrade
    if match.cvss_vector:
        props["cvss_vector"] = match.cvss_vector
    if match.cvss_score is not None:
        props["cvss_score"] = match.cvss_score
    if match.malicious:
        props["malicious"] = True
    return props
