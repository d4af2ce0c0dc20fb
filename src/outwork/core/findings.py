"""The one findings model: findings, facts, skips, errors and the scan result."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from typing import Any

from outwork.core.rules import Confidence, Rule, Severity, registered_rule


@dataclass(frozen=True, slots=True)
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


@dataclass(frozen=True, slots=True)
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
            rule=registered_rule(data["code"]),
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


@dataclass(frozen=True, slots=True)
class Fact:
    """A typed edge for the attack graph: ``source --relation--> target``, with its proof."""

    source: str
    relation: str
    target: str
    proof: str = ""
    properties: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

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


@dataclass(frozen=True, slots=True)
class Skip:
    """An artifact that was not analysed, and why."""

    path: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class AnalyzerError:
    """An analyzer failed on one artifact; the rest of the scan went on."""

    path: str
    analyzer: str
    error: str

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "analyzer": self.analyzer, "error": self.error}


@dataclass(frozen=True, slots=True)
class ScannedArtifact:
    """What the scan looked at: the components of an SBOM."""

    path: str
    kind: str
    size: int
    sha256: str | None
    analyzers: tuple[str, ...] = ()
    properties: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "kind": self.kind,
            "size": self.size,
            "sha256": self.sha256,
            "analyzers": list(self.analyzers),
            "properties": self.properties,
        }


@dataclass(frozen=True, slots=True)
class AttackPath:
    """A chain of facts from an entry point to a crown jewel."""

    entry: str
    target: str
    steps: tuple[Fact, ...]
    severity: Severity
    #: Indexes of the steps whose proving findings the policy suppressed (the others still hold).
    suppressed_steps: tuple[int, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "entry": self.entry,
            "target": self.target,
            "severity": self.severity.label,
            "steps": [s.to_dict() for s in self.steps],
            "suppressed_steps": list(self.suppressed_steps),
        }


@dataclass(slots=True)
class Stats:
    """Counts and time of one scan."""

    artifacts: int = 0
    analyzed: int = 0
    bytes: int = 0
    seconds: float = 0.0
    cache_hits: int = 0
    targets: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "targets": self.targets,
            "artifacts": self.artifacts,
            "analyzed": self.analyzed,
            "bytes": self.bytes,
            "seconds": round(self.seconds, 3),
            "cache_hits": self.cache_hits,
        }


@dataclass(slots=True)
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

    @property
    def active(self) -> list[Finding]:
        """Findings that survived suppressions and baselines."""
        return [f for f in self.findings if f.suppressed is None]
