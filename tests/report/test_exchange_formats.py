"""GitLab code quality and JUnit XML: valid documents, one entry per active finding, hostile
scanned text made harmless, members attached to their archive."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import replace

from outwork.core.findings import ScanResult
from outwork.report import format_for, render
from outwork.report.exchange import GITLAB_SEVERITY
from tests.report.richresult import rich_result


def test_gitlab_code_quality_has_one_issue_per_active_finding() -> None:
    result = rich_result()
    issues = json.loads(render("gitlab", result))
    assert len(issues) == len(result.active)
    assert len({i["fingerprint"] for i in issues}) == len({f.fingerprint for f in result.active})
    by_print = {f.fingerprint: f for f in result.active}
    for issue in issues:
        assert set(issue) == {
            "type",
            "check_name",
            "description",
            "categories",
            "severity",
            "fingerprint",
            "location",
        }
        finding = by_print[issue["fingerprint"]]
        assert issue["severity"] == GITLAB_SEVERITY[finding.severity]
        assert issue["check_name"].startswith(finding.code)
        assert issue["location"]["lines"]["begin"] == (finding.location.line or 1)
        assert "!/" not in issue["location"]["path"]  # a member attaches to its archive
        if "!/" in finding.location.path:
            assert "(in " in issue["description"]
        assert "\x1b" not in issue["description"] and "\u202e" not in issue["description"]


def test_gitlab_report_of_a_clean_scan_is_an_empty_array() -> None:
    assert json.loads(render("gitlab", ScanResult(targets=["x"]))) == []


def test_junit_is_valid_xml_with_a_failing_case_per_finding() -> None:
    result = rich_result()
    text = render("junit", result)
    root = ET.fromstring(text.encode())
    assert root.tag == "testsuites"
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == len(result.active)
    assert int(root.get("failures", "-1")) == len(result.active)
    assert all(case.find("failure") is not None for case in cases)
    codes = sorted(case.get("classname", "").split()[0] for case in cases)
    assert codes == sorted(f.code for f in result.active)
    for case in cases:
        failure = case.find("failure")
        assert failure is not None
        for value in (failure.get("message", ""), failure.text or "", case.get("name", "")):
            assert "\x1b" not in value and "\u202e" not in value
        assert "!/" not in case.get("file", "")


def test_junit_of_a_clean_scan_is_one_passing_case() -> None:
    root = ET.fromstring(render("junit", ScanResult(targets=["x"])).encode())
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == 1 and cases[0].find("failure") is None
    assert root.get("failures") == "0"


def test_junit_holds_text_xml_cannot_carry() -> None:
    result = rich_result()
    index = next(i for i, f in enumerate(result.findings) if f.suppressed is None)
    hostile = "nul \x00 and \x07 bell and \ufffe and \ud800"
    result.findings[index] = replace(result.findings[index], message=hostile, evidence=hostile)
    root = ET.fromstring(render("junit", result).encode("utf-8", "surrogatepass"))
    assert any("bell" in (c.get("message") or "") for c in root.iter("failure"))


def test_output_suffix_picks_junit() -> None:
    assert format_for("report.junit.xml") == "junit"
