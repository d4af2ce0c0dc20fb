"""The one findings model: findings, facts, skips, errors and the scan result.

Every command imports this module: its classes are :func:`~outwork.core.records.record`
dataclasses, which cost nothing to build at import (``@dataclass`` compiled each one's methods).
"""

from __future__ import annotations

from dataclasses import field, replace
from typing import Any

from outwork.core.records import FACTORY, record
from outwork.core.rules import Confidence, Rule, Severity, get_rule


@record
class Location:
    """Where a finding is.

    ``path`` is the logical path: archive members are joined with ``!/``
    (``dist/pkg-1.0.tar.gz!/pkg-1.0/setup.py``). ``logical`` is a position inside the artifact that
    is not a line: a YAML key path (``jobs.build.steps[2].run``), a pickle opcode offset
    (``pickle@0x1f``), a zip member. The shared locator turns key paths into lines when it can.
    """

    path: str
    line: int | None = None
    column: int | None = None
    end_line: int | None = None
    end_column: int | None = None
    logical: str | None = None

    def __init__(
        self,
        path: str,
        line: int | None = None,
        column: int | None = None,
        end_line: int | None = None,
        end_column: int | None = None,
        logical: str | None = None,
    ) -> None:
        setter = object.__setattr__
        setter(self, "path", path)
        setter(self, "line", line)
        setter(self, "column", column)
        setter(self, "end_line", end_line)
        setter(self, "end_column", end_column)
        setter(self, "logical", logical)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "logical": self.logical,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Location:
        return cls(
            path=str(data["path"]),
            line=data.get("line"),
            column=data.get("column"),
            end_line=data.get("end_line"),
            end_column=data.get("end_column"),
            logical=data.get("logical"),
        )

    def rebase(self, path: str) -> Location:
        return replace(self, path=path)

    def __str__(self) -> str:
        text = self.path
        if self.line is not None:
            text += f":{self.line}"
            if self.column is not None:
                text += f":{self.column}"
        elif self.logical:
            text += f" [{self.logical}]"
        return text


@record
class Finding:
    """One problem, reported by one rule at one primary location."""

    rule: type[Rule]
    message: str
    location: Location
    severity: Severity
    confidence: Confidence
    evidence: str = ""
    remediation: str = ""
    subject: str | None = None
    related: tuple[Location, ...] = ()
    #: Extra structured data for machine consumers (advisory ids, scores, taint paths).
    properties: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    #: The source lines around the location, filled in by the engine for text artifacts.
    snippet: tuple[tuple[int, str], ...] = field(default=(), hash=False, compare=False)
    suppressed: str | None = None

    def __init__(
        self,
        rule: type[Rule],
        message: str,
        location: Location,
        severity: Severity,
        confidence: Confidence,
        evidence: str = "",
        remediation: str = "",
        subject: str | None = None,
        related: tuple[Location, ...] = (),
        properties: dict[str, Any] = FACTORY,
        snippet: tuple[tuple[int, str], ...] = (),
        suppressed: str | None = None,
    ) -> None:
        setter = object.__setattr__
        setter(self, "rule", rule)
        setter(self, "message", message)
        setter(self, "location", location)
        setter(self, "severity", severity)
        setter(self, "confidence", confidence)
        setter(self, "evidence", evidence)
        setter(self, "remediation", remediation)
        setter(self, "subject", subject)
        setter(self, "related", related)
        setter(self, "properties", {} if properties is FACTORY else properties)
        setter(self, "snippet", snippet)
        setter(self, "suppressed", suppressed)

    @property
    def code(self) -> str:
        return self.rule.code

    @property
    def fingerprint(self) -> str:
        """Stable across runs and unrelated edits: rule, path, logical position and evidence.

        Line numbers are left out on purpose so that inserting a line above a finding does not
        turn it into a new one in a baseline.
        """
        anchor = self.location.logical or self.evidence or self.message
        material = "\x00".join((self.rule.code, self.location.path, anchor, self.subject or ""))
        import hashlib  # where used: a scan with nothing to report never loads OpenSSL (~2 ms)

        return hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()[:32]

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.rule.code,
            "name": self.rule.name,
            "layer": self.rule.layer.value,
            "severity": self.severity.label,
            "confidence": self.confidence.label,
            "message": self.message,
            "location": self.location.to_dict(),
            "related": [r.to_dict() for r in self.related],
            "evidence": self.evidence,
            "remediation": self.remediation,
            "subject": self.subject,
            "fingerprint": self.fingerprint,
            "properties": self.properties,
            "suppressed": self.suppressed,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        return cls(
            rule=get_rule(data["code"]),
            message=data["message"],
            location=Location.from_dict(data["location"]),
            severity=Severity.parse(data["severity"]),
            confidence=Confidence.parse(data["confidence"]),
            evidence=data.get("evidence", ""),
            remediation=data.get("remediation", ""),
            subject=data.get("subject"),
            related=tuple(Location.from_dict(r) for r in data.get("related", [])),
            properties=dict(data.get("properties") or {}),
            suppressed=data.get("suppressed"),
        )


def finding(
    rule: type[Rule],
    message: str,
    *,
    line: int | None = None,
    column: int | None = None,
    end_line: int | None = None,
    end_column: int | None = None,
    logical: str | None = None,
    path: str = "",
    severity: Severity | None = None,
    confidence: Confidence | None = None,
    evidence: str = "",
    remediation: str = "",
    subject: str | None = None,
    related: tuple[Location, ...] = (),
    properties: dict[str, Any] | None = None,
) -> Finding:
    """Build a finding with the rule's defaults. Analyzers leave ``path`` empty: the engine sets
    it to the artifact's logical path (or appends ``path`` after ``!/`` for members it names)."""
    return Finding(
        rule=rule,
        message=message,
        location=Location(path, line, column, end_line, end_column, logical),
        severity=rule.severity if severity is None else severity,
        confidence=rule.confidence if confidence is None else confidence,
        evidence=evidence,
        remediation=remediation,
        subject=subject,
        related=related,
        properties=properties or {},
    )


@record
class Fact:
    """A typed edge for the attack graph: ``source --relation--> target``, with its proof."""

    source: str
    relation: str
    target: str
    proof: str = ""
    properties: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def __init__(
        self,
        source: str,
        relation: str,
        target: str,
        proof: str = "",
        properties: dict[str, Any] = FACTORY,
    ) -> None:
        setter = object.__setattr__
        setter(self, "source", source)
        setter(self, "relation", relation)
        setter(self, "target", target)
        setter(self, "proof", proof)
        setter(self, "properties", {} if properties is FACTORY else properties)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "relation": self.relation,
            "target": self.target,
            "proof": self.proof,
            "properties": self.properties,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fact:
        return cls(
            source=data["source"],
            relation=data["relation"],
            target=data["target"],
            proof=data.get("proof", ""),
            properties=dict(data.get("properties") or {}),
        )


@record
class Skip:
    """An artifact that was not analysed, and why."""

    path: str
    reason: str

    def __init__(self, path: str, reason: str) -> None:
        object.__setattr__(self, "path", path)
        object.__setattr__(self, "reason", reason)

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "reason": self.reason}


@record
class AnalyzerError:
    """An analyzer failed on one artifact; the rest of the scan went on."""

    path: str
    analyzer: str
    error: str

    def __init__(self, path: str, analyzer: str, error: str) -> None:
        object.__setattr__(self, "path", path)
        object.__setattr__(self, "analyzer", analyzer)
        object.__setattr__(self, "error", error)

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "analyzer": self.analyzer, "error": self.error}


@record
class ScannedArtifact:
    """What the scan looked at: the components of an SBOM."""

    path: str
    kind: str
    size: int
    sha256: str | None
    analyzers: tuple[str, ...] = ()
    properties: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def __init__(
        self,
        path: str,
        kind: str,
        size: int,
        sha256: str | None,
        analyzers: tuple[str, ...] = (),
        properties: dict[str, Any] = FACTORY,
    ) -> None:
        setter = object.__setattr__
        setter(self, "path", path)
        setter(self, "kind", kind)
        setter(self, "size", size)
        setter(self, "sha256", sha256)
        setter(self, "analyzers", analyzers)
        setter(self, "properties", {} if properties is FACTORY else properties)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "kind": self.kind,
            "size": self.size,
            "sha256": self.sha256,
            "analyzers": list(self.analyzers),
            "properties": self.properties,
        }


@record
class AttackPath:
    """A chain of facts from an entry point to a crown jewel."""

    entry: str
    target: str
    steps: tuple[Fact, ...]
    severity: Severity

    def __init__(
        self, entry: str, target: str, steps: tuple[Fact, ...], severity: Severity
    ) -> None:
        setter = object.__setattr__
        setter(self, "entry", entry)
        setter(self, "target", target)
        setter(self, "steps", steps)
        setter(self, "severity", severity)

    def to_dict(self) -> dict[str, Any]:
        return {
            "entry": self.entry,
            "target": self.target,
            "severity": self.severity.label,
            "steps": [s.to_dict() for s in self.steps],
        }


@record(frozen=False)
class Stats:
    """Counts and time of one scan."""

    artifacts: int = 0
    analyzed: int = 0
    bytes: int = 0
    seconds: float = 0.0
    cache_hits: int = 0
    targets: int = 0

    def __init__(
        self,
        artifacts: int = 0,
        analyzed: int = 0,
        bytes: int = 0,  # the field's name, kept for the JSON output
        seconds: float = 0.0,
        cache_hits: int = 0,
        targets: int = 0,
    ) -> None:
        self.artifacts = artifacts
        self.analyzed = analyzed
        self.bytes = bytes
        self.seconds = seconds
        self.cache_hits = cache_hits
        self.targets = targets

    def to_dict(self) -> dict[str, Any]:
        return {
            "targets": self.targets,
            "artifacts": self.artifacts,
            "analyzed": self.analyzed,
            "bytes": self.bytes,
            "seconds": round(self.seconds, 3),
            "cache_hits": self.cache_hits,
        }


@record(frozen=False)
class ScanResult:
    """Everything one scan produced. Reporters render it; none of them computes anything new."""

    findings: list[Finding] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    paths: list[AttackPath] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    errors: list[AnalyzerError] = field(default_factory=list)
    artifacts: list[ScannedArtifact] = field(default_factory=list)
    stats: Stats = field(default_factory=Stats)
    targets: list[str] = field(default_factory=list)

    def __init__(
        self,
        findings: list[Finding] = FACTORY,
        facts: list[Fact] = FACTORY,
        paths: list[AttackPath] = FACTORY,
        skipped: list[Skip] = FACTORY,
        errors: list[AnalyzerError] = FACTORY,
        artifacts: list[ScannedArtifact] = FACTORY,
        stats: Stats = FACTORY,
        targets: list[str] = FACTORY,
    ) -> None:
        self.findings = [] if findings is FACTORY else findings
        self.facts = [] if facts is FACTORY else facts
        self.paths = [] if paths is FACTORY else paths
        self.skipped = [] if skipped is FACTORY else skipped
        self.errors = [] if errors is FACTORY else errors
        self.artifacts = [] if artifacts is FACTORY else artifacts
        self.stats = Stats() if stats is FACTORY else stats
        self.targets = [] if targets is FACTORY else targets

    @property
    def active(self) -> list[Finding]:
        """Findings that survived suppressions and baselines."""
        return [f for f in self.findings if f.suppressed is None]
