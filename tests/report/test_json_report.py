"""The JSON report: valid against its own schema, documented, stable and deterministic."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from outwork.report import json_report
from tests.report.richresult import empty_result, rich_result

REPO = Path(__file__).resolve().parents[2]
SCHEMA_PATH = REPO / "src" / "outwork" / "report" / "schemas" / "outwork-report-1.0.schema.json"
SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
DOC = REPO / "docs" / "json-format.md"


def _validate(report: dict[str, Any]) -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    validator = jsonschema.Draft202012Validator(SCHEMA)
    errors = sorted(validator.iter_errors(report), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    return json.loads(json_report.render(rich_result()))


def test_valid_against_schema(report: dict[str, Any]) -> None:
    _validate(report)
    _validate(json.loads(json_report.render(empty_result())))


def test_issue_keys_present(report: dict[str, Any]) -> None:
    assert report["version"] == "1.0"
    assert report["tool"]["name"] == "outwork"
    for key in ("findings", "skipped", "errors", "artifacts", "facts", "paths", "stats"):
        assert key in report
    first = report["findings"][0]
    for key in (
        "code",
        "name",
        "layer",
        "severity",
        "confidence",
        "message",
        "fingerprint",
        "evidence",
        "remediation",
        "subject",
        "related",
        "properties",
        "suppressed",
    ):
        assert key in first
    assert set(first["location"]) >= {"path", "line", "column"}


def test_findings_keep_scan_order_and_values(report: dict[str, Any]) -> None:
    codes = [f["code"] for f in report["findings"]]
    assert codes == [f.code for f in rich_result().findings]
    by_code = {f["code"]: f for f in report["findings"]}
    app = by_code["CORE005"]
    assert app["location"] == {
        "path": "src/app.py",
        "line": 3,
        "column": 5,
        "end_line": None,
        "end_column": None,
        "logical": None,
    }
    assert app["snippet"][2]["line"] == 3
    assert app["cwe"] == ["CWE-20"]
    assert app["help_uri"].endswith("CORE005.md")
    member = by_code["CORE008"]
    assert member["location"]["path"] == "models/model.pt!/archive/data.pkl"
    assert member["location"]["line"] is None
    assert member["location"]["logical"] == "pickle@0x1f"
    assert by_code["CORE004"]["suppressed"] == "inline"
    assert by_code["CORE006"]["suppressed"] == "baseline"


def test_properties_cleaned(report: dict[str, Any]) -> None:
    props = {f["code"]: f for f in report["findings"]}["CORE002"]["properties"]
    assert "_inline_markers" not in props
    assert props["tags"] == ["a", "b"]  # a set, sorted
    assert props["raw"] == "\x00\\xffbytes"
    assert props["aliases"] == ["GHSA-abcd-efgh-ijkl", "CVE-2025-0001"]


def test_undecodable_names_survive(report: dict[str, Any]) -> None:
    text = json_report.render(rich_result())
    text.encode("utf-8")
    paths = [a["path"] for a in report["artifacts"]]
    assert "tree/bad\\xffname.txt" in paths
    assert "données" in text  # UTF-8, not \\u escapes


def test_summary_and_stats(report: dict[str, Any]) -> None:
    assert report["summary"]["active"] == 6
    assert report["summary"]["suppressed"] == 2
    assert report["summary"]["by_severity"]["critical"] == 1
    assert report["stats"]["seconds"] == 1.25
    assert report["targets"] == ["src", "dist"]


def test_components_facts_and_paths(report: dict[str, Any]) -> None:
    model = next(a for a in report["artifacts"] if a["path"] == "models/model.pt")
    assert model["properties"]["components"][0]["type"] == "machine-learning-model"
    assert [f["relation"] for f in report["facts"]] == ["provides", "executes-on-install"]
    assert report["paths"][0]["severity"] == "critical"


def test_deterministic_and_sorted() -> None:
    first = json_report.render(rich_result())
    assert first == json_report.render(rich_result())
    assert first.endswith("}\n")
    compact = json_report.render(rich_result(), indent=None)
    assert "\n" not in compact.rstrip("\n")
    assert json.loads(compact) == json.loads(first)


def test_every_key_is_documented() -> None:
    """docs/json-format.md names every key the schema defines."""
    text = DOC.read_text(encoding="utf-8")
    documented = set(re.findall(r"`([a-z_$][a-z0-9_]*)`", text))
    keys: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.get("properties", {}).items():
                keys.add(key)
                walk(value)
            for value in node.values():
                if isinstance(value, dict | list):
                    walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(SCHEMA)
    missing = sorted(keys - documented)
    assert not missing, f"keys missing from docs/json-format.md: {missing}"


def test_schema_ships_in_the_package() -> None:
    shipped = resources.files("outwork.report").joinpath("schemas", SCHEMA_PATH.name)
    assert json.loads(shipped.read_text("utf-8")) == SCHEMA
    assert SCHEMA["$id"] == json_report.SCHEMA_ID


def test_invalid_positions_become_null() -> None:
    from outwork.core.corerules import ArchiveUnreadable
    from outwork.core.findings import Location, ScanResult, finding

    item = finding(
        ArchiveUnreadable, "m", line=0, column=-1, path="x", related=(Location("y", 0, 4),)
    )
    report = json.loads(json_report.render(ScanResult(findings=[item])))
    _validate(report)
    assert report["findings"][0]["location"]["line"] is None
    assert report["findings"][0]["location"]["column"] is None
    assert report["findings"][0]["related"][0]["column"] == 4
