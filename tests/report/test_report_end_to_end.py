"""Real scans rendered in every format: what the engine produces validates, not only our samples."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import jsonschema
import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from outwork.core.findings import ScanResult
from outwork.engine.pipeline import ScanOptions, scan
from outwork.report import FORMATS, render
from tests.report.test_json_report import SCHEMA as JSON_SCHEMA
from tests.report.test_sarif_report import SCHEMA as SARIF_SCHEMA


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> ScanResult:
    root = tmp_path_factory.mktemp("e2e")
    (root / "pkg").mkdir()
    (root / "pkg" / "setup.py").write_text("import os\nos.system('echo outwork-test')\n")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("../../escape.txt", "echo outwork-test\n")
        zf.writestr("ok/readme.txt", "hello\n")
    (root / "dist.zip").write_bytes(buffer.getvalue())
    (root / "broken.zip").write_bytes(b"PK\x03\x04" + b"\x00" * 20)
    return scan([str(root)], ScanOptions(jobs=1, cache_dir=None))


def test_all_formats_validate(scanned: ScanResult) -> None:
    assert scanned.artifacts
    report = json.loads(render("json", scanned))
    jsonschema.Draft202012Validator(JSON_SCHEMA).validate(report)
    log = json.loads(render("sarif", scanned, srcroot=scanned.targets[0]))
    jsonschema.Draft7Validator(SARIF_SCHEMA).validate(log)
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(render("cyclonedx", scanned))
    assert error is None, str(error)
    for fmt in FORMATS:
        assert render(fmt, scanned, color=False).strip()


def test_sarif_paths_are_relative_to_srcroot(scanned: ScanResult) -> None:
    log = json.loads(render("sarif", scanned, srcroot=scanned.targets[0]))
    uris = {
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for result in log["runs"][0]["results"]
        for loc in result["locations"]
    }
    assert uris, "the hostile zips produce findings"
    assert all(not uri.startswith(("/", "file:")) for uri in uris)
    assert all((Path(scanned.targets[0]) / uri).exists() for uri in uris)
