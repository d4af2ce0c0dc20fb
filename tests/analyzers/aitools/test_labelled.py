"""Every attack of the labelled set raises an alarm (medium or above); no benign case does."""

from __future__ import annotations

from pathlib import Path

from outwork.core.rules import Severity
from outwork.engine.pipeline import ScanOptions, scan
from tests.analyzers.aitools import labelled


def test_labelled_set(tmp_path: Path) -> None:
    cases = labelled.write(tmp_path)
    result = scan([str(tmp_path)], ScanOptions(jobs=1, cache_dir=None, select=("AI",)))
    assert not result.errors
    alarms: dict[str, list[str]] = {}
    for found in result.findings:
        if found.severity >= Severity.MEDIUM:
            folder = found.location.path.removeprefix(str(tmp_path) + "/").split("/", 1)[0]
            alarms.setdefault(folder, []).append(found.rule.code)
    missed = [n for n, c in cases.items() if c.malicious and n not in alarms]
    false = {n: alarms[n] for n, c in cases.items() if not c.malicious and n in alarms}
    assert not missed, missed
    assert not false, false
