"""Formats other CI systems read: ``gitlab`` (GitLab's code quality report, shown on merge
requests) and ``junit`` (JUnit XML, which GitLab, Jenkins, Azure Pipelines and most CI systems
show as a test report: one failing test case per finding).

Scanned text reaches both, so strings are made visible (control characters, terminal escapes and
bidirectional overrides) before they are written; the XML is built by ElementTree, which escapes
markup, and characters XML 1.0 cannot hold at all are replaced.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

from outwork.core.findings import Finding, ScanResult
from outwork.core.rules import Severity
from outwork.report._common import dump_json, grouped, in_report_order, on_disk, visible

#: GitLab code quality severities (info, minor, major, critical, blocker) per outwork severity.
GITLAB_SEVERITY: dict[Severity, str] = {
    Severity.CRITICAL: "blocker",
    Severity.HIGH: "critical",
    Severity.MEDIUM: "major",
    Severity.LOW: "minor",
    Severity.INFO: "info",
}
#: What XML 1.0 cannot hold even escaped (C0 controls but tab, newline and carriage return,
#: surrogates, U+FFFE and U+FFFF).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def render_gitlab(result: ScanResult) -> str:
    """A JSON array of code quality issues, one per active finding.

    GitLab attaches an issue to a file of the repository, so a finding inside an archive names
    the archive (its member is in the description), and keeps the finding's own fingerprint,
    which GitLab uses to tell new issues from fixed ones between pipelines."""
    issues = [_gitlab_issue(item) for item in in_report_order(result.active)]
    return dump_json(issues)


def _gitlab_issue(item: Finding) -> dict[str, Any]:
    loc = item.location
    description = visible(item.message or item.rule.summary(), keep_newlines=False)
    path = on_disk(loc.path)
    if path != loc.path:
        description = f"{description} (in {visible(loc.path, keep_newlines=False)})"
    return {
        "type": "issue",
        "check_name": f"{item.code} {item.rule.name}",
        "description": description,
        "categories": ["Security"],
        "severity": GITLAB_SEVERITY[item.severity],
        "fingerprint": item.fingerprint,
        "location": {"path": path, "lines": {"begin": loc.line or 1}},
    }


def render_junit(result: ScanResult) -> str:
    """JUnit XML: a test suite per layer, a failing test case per active finding; a scan with
    none is one passing test case, so the report is never empty."""
    suites = ET.Element("testsuites", name="outwork")
    total = failures = 0
    for layer, findings in grouped(result.active):
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=f"outwork {layer.display_name}",
            tests=str(len(findings)),
            failures=str(len(findings)),
            errors="0",
            skipped="0",
        )
        for item in findings:
            _junit_case(suite, item)
        total += len(findings)
        failures += len(findings)
    if not total:
        suite = ET.SubElement(
            suites, "testsuite", name="outwork", tests="1", failures="0", errors="0", skipped="0"
        )
        ET.SubElement(
            suite,
            "testcase",
            classname="outwork",
            name=f"no findings in {result.stats.artifacts} artifacts",
            time=f"{result.stats.seconds:.3f}",
        )
        total = 1
    suites.set("tests", str(total))
    suites.set("failures", str(failures))
    suites.set("time", f"{result.stats.seconds:.3f}")
    ET.indent(suites)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
    )


def _junit_case(suite: ET.Element, item: Finding) -> None:
    loc = item.location
    where = _xml(visible(loc.path, keep_newlines=False))
    if loc.line is not None:
        where += f":{loc.line}"
    case = ET.SubElement(
        suite,
        "testcase",
        classname=f"{item.code} {item.rule.name}",
        name=where,
        file=_xml(visible(on_disk(loc.path), keep_newlines=False)),
    )
    if loc.line is not None:
        case.set("line", str(loc.line))
    message = _xml(visible(item.message or item.rule.summary(), keep_newlines=False))
    failure = ET.SubElement(case, "failure", message=message, type=item.severity.label)
    details = [f"{item.severity.label.upper()} {item.code} {message}", f"at {where}"]
    if item.evidence:
        details.append(f"evidence: {_xml(visible(item.evidence))}")
    if item.remediation:
        details.append(f"remediation: {_xml(visible(item.remediation))}")
    failure.text = "\n".join(details)


def _xml(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)
