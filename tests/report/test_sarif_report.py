"""SARIF 2.1.0: valid against the official schema, shaped the way GitHub code scanning reads it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from outwork.report import sarif
from tests.report.richresult import SHA_A, empty_result, rich_result

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json").read_text())


def _validate(log: dict[str, Any]) -> None:
    jsonschema.Draft7Validator.check_schema(SCHEMA)
    errors = sorted(
        jsonschema.Draft7Validator(
            SCHEMA, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
        ).iter_errors(log),
        key=str,
    )
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


@pytest.fixture(scope="module")
def log() -> dict[str, Any]:
    return json.loads(sarif.render(rich_result(), srcroot="/abs/target"))


def _results_by_code(log: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["ruleId"]: r for r in log["runs"][0]["results"]}


def test_valid_against_official_schema(log: dict[str, Any]) -> None:
    _validate(log)
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1


def test_empty_result_is_valid() -> None:
    log = json.loads(sarif.render(empty_result()))
    _validate(log)
    assert log["runs"][0]["results"] == []
    assert log["runs"][0]["tool"]["driver"]["rules"] == []


def test_driver_and_rules(log: dict[str, Any]) -> None:
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "outwork"
    assert driver["informationUri"].startswith("https://")
    ids = [r["id"] for r in driver["rules"]]
    assert ids == sorted(ids)
    assert set(ids) == {f"CORE00{n}" for n in range(1, 9)} - {"CORE007"} | {"CORE007"}
    bomb = next(r for r in driver["rules"] if r["id"] == "CORE001")
    assert bomb["name"] == "ArchiveDecompressionBomb"
    assert bomb["helpUri"].endswith("/CORE001.md")
    assert "## Remediation" in bomb["help"]["markdown"]
    assert bomb["help"]["text"]
    assert bomb["shortDescription"]["text"].startswith("An archive member expands")
    props = bomb["properties"]
    assert "security" in props["tags"] and "core" in props["tags"]
    assert "external/cwe/cwe-409" in props["tags"]
    assert props["security-severity"] == "8.0"
    assert props["precision"] == "high"
    # the rule's security-severity follows the worst active finding of that rule
    traversal = next(r for r in driver["rules"] if r["id"] == "CORE002")
    assert traversal["properties"]["security-severity"] == "9.5"


def test_rule_index_points_at_rule(log: dict[str, Any]) -> None:
    run = log["runs"][0]
    for result in run["results"]:
        assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == result["ruleId"]


def test_plain_file_has_region_and_srcroot(log: dict[str, Any]) -> None:
    result = _results_by_code(log)["CORE005"]
    loc = result["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": "src/app.py", "uriBaseId": "%SRCROOT%"}
    assert loc["region"] == {"startLine": 3, "startColumn": 5}
    assert result["level"] == "warning"
    assert result["message"]["text"].startswith("<script>")
    assert len(result["partialFingerprints"]["outwork/v1"]) == 32
    assert log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] == "file:///abs/target/"


def test_archive_member_is_logical_location(log: dict[str, Any]) -> None:
    result = _results_by_code(log)["CORE002"]
    location = result["locations"][0]
    physical = location["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "dist/evil-1.0.tar.gz"
    assert "region" not in physical  # line 7 is inside the member, not the tarball
    assert location["properties"]["memberRegion"]["startLine"] == 7
    assert location["logicalLocations"][0] == {
        "name": "evil-1.0/setup.py",
        "fullyQualifiedName": "dist/evil-1.0.tar.gz!/evil-1.0/setup.py",
        "kind": "member",
    }
    assert result["level"] == "error"
    assert result["relatedLocations"][0]["id"] == 1
    assert result["properties"]["outwork"]["advisory_ids"] == ["MAL-2025-1234"]
    assert "_inline_markers" not in result["properties"]["outwork"]


def test_unknown_line_has_no_region(log: dict[str, Any]) -> None:
    result = _results_by_code(log)["CORE008"]
    location = result["locations"][0]
    assert "region" not in location["physicalLocation"]
    kinds = [entry["kind"] for entry in location["logicalLocations"]]
    assert kinds == ["member", "element"]
    assert location["logicalLocations"][1]["name"] == "pickle@0x1f"
    bomb = _results_by_code(log)["CORE001"]
    assert "region" not in bomb["locations"][0]["physicalLocation"]


def test_uris_are_encoded(log: dict[str, Any]) -> None:
    results = _results_by_code(log)
    absolute = results["CORE007"]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert absolute == {
        "uri": "donn%C3%A9es/%E3%83%95%E3%82%A1%E3%82%A4%E3%83%AB.zip",
        "uriBaseId": "%SRCROOT%",
    }
    odd = results["CORE003"]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert odd["uri"] == "tree/bad%FFname.txt"


def test_absolute_path_outside_srcroot_is_file_uri() -> None:
    log = json.loads(sarif.render(rich_result()))
    _validate(log)
    result = _results_by_code(log)["CORE007"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith(
        "file:///abs/target/"
    )
    assert "originalUriBaseIds" not in log["runs"][0]


def test_suppressions(log: dict[str, Any]) -> None:
    results = _results_by_code(log)
    assert results["CORE004"]["suppressions"][0]["kind"] == "inSource"
    assert results["CORE006"]["suppressions"][0]["kind"] == "external"
    assert "suppressions" not in results["CORE005"]


def test_invocation_notifications(log: dict[str, Any]) -> None:
    invocation = log["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is True
    notes = invocation["toolExecutionNotifications"]
    errors = [n for n in notes if n["level"] == "error"]
    assert len(errors) == 1 and "models" in errors[0]["message"]["text"]
    assert {n["descriptor"]["id"] for n in notes if n["level"] == "note"} == {"skipped"}


def test_deterministic() -> None:
    assert sarif.render(rich_result()) == sarif.render(rich_result())
    text = sarif.render(rich_result())
    text.encode("utf-8")  # never a lone surrogate in the output


def test_invalid_positions_are_left_out() -> None:
    from outwork.core.corerules import ArchiveUnreadable
    from outwork.core.findings import Location, ScanResult, finding

    item = finding(ArchiveUnreadable, "line zero", line=0, column=0, path="x.py")
    weird = finding(
        ArchiveUnreadable,
        "backwards range",
        line=5,
        column=9,
        end_line=5,
        end_column=3,
        path="./y.py",
        related=tuple(Location("z.py", n) for n in range(1, 1200)),
    )
    log = json.loads(sarif.render(ScanResult(findings=[item, weird])))
    _validate(log)
    first, second = log["runs"][0]["results"]
    assert "region" not in first["locations"][0]["physicalLocation"]
    assert second["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 5,
        "startColumn": 9,
        "endLine": 5,
    }
    assert second["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "y.py"
    assert len(second["relatedLocations"]) == sarif.MAX_RELATED


def test_files_results_point_at_carry_their_digest(log: dict[str, Any]) -> None:
    """SARIF's place for a digest: ``run.artifacts[].hashes``, for the files on disk results
    point at whose content the scan hashed (a member's digest is in the JSON report and SBOM)."""
    assert log["runs"][0]["artifacts"] == [
        {
            "location": {"uri": "src/app.py", "uriBaseId": "%SRCROOT%"},
            "length": 120,
            "hashes": {"sha-256": SHA_A},
        }
    ]
    assert "artifacts" not in sarif.to_data(empty_result())["runs"][0]
