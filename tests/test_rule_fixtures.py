"""Every rule fires where its fixtures say and stays silent where they say it must."""

from __future__ import annotations

from pathlib import Path

import pytest

from outwork.engine.registry import all_rules
from tests import ruleharness

CODES = [rule.code for rule in all_rules()]


@pytest.mark.parametrize("code", CODES)
def test_rule_has_fixtures_both_ways(code: str, tmp_path: Path) -> None:
    folder = ruleharness.FIXTURES / code
    assert folder.is_dir(), f"{code} has no fixture folder tests/fixtures/rules/{code}/"
    root, _ = ruleharness.prepare(code, tmp_path)
    mine = [e for e in ruleharness.expectations(root) if e.code == code]
    assert any(e.must_fire for e in mine), f"{code} has no fixture that must fire"
    assert any(not e.must_fire for e in mine), f"{code} has no fixture that must not fire"


@pytest.mark.parametrize("code", CODES)
def test_rule_fixtures_hold(code: str, tmp_path: Path) -> None:
    if not (ruleharness.FIXTURES / code).is_dir():
        pytest.fail(f"{code} has no fixture folder")
    root, options = ruleharness.prepare(code, tmp_path)
    expected = ruleharness.expectations(root)
    findings = ruleharness.run(root, options)
    problems = ruleharness.check(root, findings, expected)
    assert not problems, "\n".join(problems)
