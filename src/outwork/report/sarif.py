"""SARIF 2.1.0, as GitHub code scanning reads it.

One run; ``tool.driver.rules`` holds the rules that have results (suppressed ones included), each
with its documentation as help text and markdown, ``helpUri``, tags (``security``, the layer,
``external/cwe/cwe-N``), ``precision`` and GitHub's numeric ``security-severity``.

Locations: SARIF has no notion of a file inside an archive that a viewer could open, so a
finding in ``dist/pkg.tar.gz!/pkg/setup.py`` points at ``dist/pkg.tar.gz`` (the artifact on disk)
and names the member in a logical location of kind ``member`` whose fully qualified name is the
whole logical path. Lines inside a member are not lines of the archive, so they go to the
location's property bag (``memberRegion``) instead of ``region``. Relative paths are given
against ``%SRCROOT%`` (the directory the scan ran in), which is what code scanning expects.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from outwork.core.findings import Finding, Location, ScanResult
from outwork.core.rules import Confidence, Rule, Severity
from outwork.report._common import (
    TOOL_NAME,
    TOOL_URI,
    TOOL_VERSION,
    dump_json,
    is_sha256,
    public_properties,
    raw_bytes,
    rule_sections,
    rules_of,
    split_members,
)

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SRCROOT = "%SRCROOT%"
#: The key of ``partialFingerprints``; bump the suffix if the fingerprint recipe ever changes.
FINGERPRINT_KEY = "outwork/v1"

#: GitHub's ``security-severity``: >= 9.0 critical, >= 7.0 high, >= 4.0 medium, else low.
SECURITY_SEVERITY: dict[Severity, str] = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "1.0",
}
LEVEL: dict[Severity, str] = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
PRECISION: dict[Confidence, str] = {
    Confidence.HIGH: "high",
    Confidence.MEDIUM: "medium",
    Confidence.LOW: "low",
}
#: Code scanning reads at most this many related locations per result.
MAX_RELATED = 1000
#: ``suppressed`` reasons written by the policy that come from the scanned file itself.
IN_SOURCE_REASONS = frozenset({"inline"})


def render(result: ScanResult, *, srcroot: str | None = None, indent: int | None = 2) -> str:
    """The SARIF log as JSON text.

    ``srcroot`` is the directory the scan ran in (the checkout root in CI). Relative paths are
    always written against ``%SRCROOT%``; absolute paths under ``srcroot`` are made relative to
    it, other absolute paths become ``file://`` URIs.
    """
    return dump_json(to_data(result, srcroot=srcroot), indent=indent)


def to_data(result: ScanResult, *, srcroot: str | None = None) -> dict[str, Any]:
    rules = rules_of(result)
    index = {rule.code: i for i, rule in enumerate(rules)}
    worst: dict[str, Severity] = {}
    for item in result.active:
        worst[item.code] = max(worst.get(item.code, item.severity), item.severity)
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "version": TOOL_VERSION,
                "semanticVersion": TOOL_VERSION,
                "informationUri": TOOL_URI,
                "rules": [_rule(r, worst.get(r.code, r.severity)) for r in rules],
            }
        },
        "invocations": [_invocation(result, srcroot)],
        "results": [_result(f, index[f.code], srcroot) for f in result.findings],
        "columnKind": "unicodeCodePoints",
        "properties": {"targets": list(result.targets), "stats": result.stats.to_dict()},
    }
    artifacts = _artifacts(result, srcroot)
    if artifacts:
        run["artifacts"] = artifacts
    if srcroot:
        run["originalUriBaseIds"] = {SRCROOT: {"uri": _directory_uri(srcroot)}}
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def _artifacts(result: ScanResult, srcroot: str | None) -> list[dict[str, Any]]:
    """The files on disk that results point at, with the SHA-256 of their content when the scan
    has it. A member of an archive is not a file a SARIF viewer can open (results point at its
    archive), so members' digests are in the JSON report and the SBOM, not here."""
    pointed = {split_members(f.location.path)[0] for f in result.findings}
    out: list[dict[str, Any]] = []
    for artifact in sorted(result.artifacts, key=lambda a: a.path):
        if artifact.path in pointed and is_sha256(artifact.sha256):
            out.append(
                {
                    "location": artifact_location(artifact.path, srcroot),
                    "length": artifact.size,
                    "hashes": {"sha-256": artifact.sha256},
                }
            )
    return out


def _rule(rule: type[Rule], severity: Severity) -> dict[str, Any]:
    sections = rule_sections(rule)
    remediation = sections.get("Remediation", "")
    help_text = rule.summary() + (f"\n\nRemediation: {remediation}" if remediation else "")
    tags = ["security", rule.layer.value.lower(), rule.layer.display_name.lower()]
    tags += [f"external/cwe/cwe-{c}" for c in rule.cwe]
    tags += [f"external/attack/{t.lower()}" for t in rule.attack]
    return {
        "id": rule.code,
        "name": pascal_case(rule.name),
        "shortDescription": {"text": rule.summary()},
        "fullDescription": {"text": sections.get("What it finds") or rule.summary()},
        "help": {"text": help_text, "markdown": rule.markdown()},
        "helpUri": rule.help_uri(),
        "defaultConfiguration": {"level": LEVEL[rule.severity]},
        "properties": {
            "tags": tags,
            "precision": PRECISION[rule.confidence],
            "security-severity": SECURITY_SEVERITY[severity],
            "problem.severity": {"error": "error", "warning": "warning"}.get(
                LEVEL[rule.severity], "recommendation"
            ),
            "kebabName": rule.name,
            "layer": rule.layer.value,
            "cwe": [f"CWE-{c}" for c in rule.cwe],
        },
    }


def pascal_case(kebab: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in kebab.split("-"))


def _result(item: Finding, rule_index: int, srcroot: str | None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "ruleId": item.code,
        "ruleIndex": rule_index,
        "level": LEVEL[item.severity],
        "message": {"text": item.message or item.rule.summary()},
        "locations": [_location(item.location, srcroot)],
        "partialFingerprints": {FINGERPRINT_KEY: item.fingerprint},
        "properties": _result_properties(item),
    }
    if item.related:
        data["relatedLocations"] = [
            {**_location(loc, srcroot), "id": i, "message": {"text": str(loc)}}
            for i, loc in enumerate(item.related[:MAX_RELATED], start=1)
        ]
    if item.suppressed is not None:
        kind = "inSource" if item.suppressed in IN_SOURCE_REASONS else "external"
        data["suppressions"] = [
            {"kind": kind, "status": "accepted", "justification": item.suppressed}
        ]
    return data


def _result_properties(item: Finding) -> dict[str, Any]:
    props: dict[str, Any] = {
        "severity": item.severity.label,
        "confidence": item.confidence.label,
        "layer": item.rule.layer.value,
        "ruleName": item.rule.name,
        "logicalPath": item.location.path,
    }
    if item.evidence:
        props["evidence"] = item.evidence
    if item.remediation:
        props["remediation"] = item.remediation
    if item.subject:
        props["subject"] = item.subject
    extra = public_properties(item.properties)
    if extra:
        props["outwork"] = extra
    return props


def _location(loc: Location, srcroot: str | None) -> dict[str, Any]:
    chain = split_members(loc.path)
    physical: dict[str, Any] = {"artifactLocation": artifact_location(chain[0], srcroot)}
    region = _region(loc)
    data: dict[str, Any] = {}
    logical: list[dict[str, Any]] = []
    if len(chain) > 1:
        logical.append(
            {
                "name": chain[-1],
                "fullyQualifiedName": loc.path,
                "kind": "member",
            }
        )
        if region:
            data["properties"] = {"memberRegion": region}
    elif region:
        physical["region"] = region
    if loc.logical:
        logical.append(
            {
                "name": loc.logical,
                "fullyQualifiedName": f"{loc.path}#{loc.logical}",
                "kind": "element",
            }
        )
    data["physicalLocation"] = physical
    if logical:
        data["logicalLocations"] = logical
    return data


def _region(loc: Location) -> dict[str, int] | None:
    """A region only when the start line is known and valid (code scanning rejects 0)."""
    if not isinstance(loc.line, int) or loc.line < 1:
        return None
    region = {"startLine": loc.line}
    if isinstance(loc.column, int) and loc.column >= 1:
        region["startColumn"] = loc.column
    if isinstance(loc.end_line, int) and loc.end_line >= loc.line:
        region["endLine"] = loc.end_line
        end_column = loc.end_column
        if (
            isinstance(end_column, int)
            and end_column >= 1
            and (loc.end_line > loc.line or end_column > region.get("startColumn", 0))
        ):
            region["endColumn"] = end_column
    return region


_DOT_SLASH = re.compile(r"^(?:\./)+")


def artifact_location(path: str, srcroot: str | None) -> dict[str, str]:
    """A path on disk as an ``artifactLocation``: relative against ``%SRCROOT%`` when possible."""
    if path.startswith("/"):
        if srcroot:
            root = PurePosixPath(srcroot)
            candidate = PurePosixPath(path)
            if candidate.is_relative_to(root) and candidate != root:
                return {"uri": _quote(str(candidate.relative_to(root))), "uriBaseId": SRCROOT}
        return {"uri": "file://" + _quote(path)}
    relative = _DOT_SLASH.sub("", path) or "."
    return {"uri": _quote(relative), "uriBaseId": SRCROOT}


def _quote(path: str) -> str:
    return quote(raw_bytes(path), safe="/")


def _directory_uri(directory: str) -> str:
    uri = "file://" + _quote(directory if directory.startswith("/") else "/" + directory)
    return uri if uri.endswith("/") else uri + "/"


def _invocation(result: ScanResult, srcroot: str | None) -> dict[str, Any]:
    notifications: list[dict[str, Any]] = []
    for error in sorted(result.errors, key=lambda e: (e.path, e.analyzer, e.error)):
        notifications.append(
            {
                "level": "error",
                "message": {"text": f"analyzer {error.analyzer} failed: {error.error}"},
                "locations": [_location(Location(error.path), srcroot)],
                "descriptor": {"id": f"analyzer/{error.analyzer}"},
                "properties": {"analyzer": error.analyzer},
            }
        )
    for skip in sorted(result.skipped, key=lambda s: (s.path, s.reason)):
        notifications.append(
            {
                "level": "note",
                "message": {"text": f"skipped: {skip.reason}"},
                "locations": [_location(Location(skip.path), srcroot)],
                "descriptor": {"id": "skipped"},
            }
        )
    invocation: dict[str, Any] = {
        # The scan ran to its end; analyzer failures are partial and reported per artifact,
        # here and as CORE008 results, so code scanning keeps the results it did get.
        "executionSuccessful": True,
        "toolExecutionNotifications": notifications,
    }
    if srcroot:
        invocation["workingDirectory"] = {"uri": _directory_uri(srcroot)}
    return invocation
