"""Configuration discovery and parsing; selection, suppression, baselines and the gate."""

from __future__ import annotations

from pathlib import Path

import pytest

from outwork.core import config, policy
from outwork.core.corerules import ArchivePathTraversal, ArchiveSpecialFile, ArchiveUnreadable
from outwork.core.errors import ConfigError
from outwork.core.findings import Finding, Location, ScanResult
from outwork.core.rules import Confidence, Severity


def _finding(rule: type, line: int = 1, markers: list[str] | None = None, **kw: object) -> Finding:
    props = {"_inline_markers": markers} if markers else {}
    return Finding(
        rule=rule,
        message="m",
        location=Location("a/b.txt", line, 1),
        severity=kw.pop("severity", rule.severity),  # type: ignore[arg-type]
        confidence=kw.pop("confidence", rule.confidence),  # type: ignore[arg-type]
        properties=props,
    )


def test_discovers_outwork_toml_upward(tmp_path: Path) -> None:
    (tmp_path / "outwork.toml").write_text('ignore = ["CORE004"]\nfail-on = "high"\n')
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    found = config.discover(deep)
    assert found == tmp_path / "outwork.toml"
    loaded = config.load(found)
    assert loaded.ignore == ("CORE004",)
    assert loaded.fail_on is Severity.HIGH and loaded.fail_on_given


def test_pyproject_without_table_is_passed_over(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    assert config.discover(tmp_path) is None
    (tmp_path / "pyproject.toml").write_text("[tool.outwork]\nselect=['CORE']\n")
    assert config.load(tmp_path / "pyproject.toml").select == ("CORE",)


def test_unknown_key_names_the_known_ones(tmp_path: Path) -> None:
    (tmp_path / "outwork.toml").write_text("ignroe = ['x']\n")
    with pytest.raises(ConfigError, match=r"unknown key.*ignroe.*known keys"):
        config.load(tmp_path / "outwork.toml")


def test_bad_toml_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "outwork.toml").write_text("select = [\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        config.load(tmp_path / "outwork.toml")


def test_budgets_from_config(tmp_path: Path) -> None:
    loaded = config.parse({"budgets": {"max-depth": 2, "max-members": 10}})
    budgets = config.budgets_from(loaded.budgets)
    assert budgets.max_depth == 2 and budgets.max_members == 10
    with pytest.raises(ConfigError, match="unknown budget"):
        config.parse({"budgets": {"max-dpeth": 2}})


def test_select_ignore_by_code_prefix_and_name() -> None:
    result = ScanResult(
        findings=[
            _finding(ArchivePathTraversal),
            _finding(ArchiveSpecialFile),
            _finding(ArchiveUnreadable),
        ]
    )
    kept = policy.apply(
        result, policy.Policy(select=("CORE",), ignore=("archive-special-file", "CORE005"))
    )
    assert [f.code for f in kept.findings] == ["CORE002"]


def test_min_confidence_drops_weaker_findings() -> None:
    result = ScanResult(findings=[_finding(ArchiveUnreadable, confidence=Confidence.LOW)])
    assert not policy.apply(result, policy.Policy(min_confidence=Confidence.MEDIUM)).findings


def test_inline_suppression_respects_rule_choice() -> None:
    class Suppressible(ArchiveUnreadable):
        abstract = True  # not registered: a variant that allows inline suppression
        inline_suppressible = True

    allowed = _finding(Suppressible, markers=["CORE005"])
    refused = _finding(ArchivePathTraversal, markers=["CORE002"])
    result = policy.apply(ScanResult(findings=[allowed, refused]), policy.Policy())
    by_code = {f.code: f for f in result.findings}
    assert by_code["CORE005"].suppressed == "inline"
    assert by_code["CORE002"].suppressed is None
    off = policy.apply(
        ScanResult(findings=[_finding(Suppressible, markers=["ALL"])]),
        policy.Policy(inline_suppressions=False),
    )
    assert off.findings[0].suppressed is None


def test_baseline_round_trip_and_gate(tmp_path: Path) -> None:
    result = ScanResult(findings=[_finding(ArchivePathTraversal)])
    assert policy.exit_code(result, policy.Policy()) == 1
    path = tmp_path / "baseline.json"
    assert policy.write_baseline(result, path) == 1
    baseline = policy.read_baseline(path)
    again = policy.apply(
        ScanResult(findings=[_finding(ArchivePathTraversal, line=40)]),
        policy.Policy(baseline=baseline),
    )
    assert again.findings[0].suppressed == "baseline"
    assert policy.exit_code(again, policy.Policy()) == 0


def test_gate_levels() -> None:
    result = ScanResult(findings=[_finding(ArchiveSpecialFile)])  # medium
    assert policy.exit_code(result, policy.Policy(fail_on=Severity.HIGH)) == 0
    assert policy.exit_code(result, policy.Policy(fail_on=Severity.MEDIUM)) == 1
    assert policy.exit_code(result, policy.Policy(fail_on=None)) == 0


def test_bad_baseline_says_how_to_fix(tmp_path: Path) -> None:
    path = tmp_path / "b.json"
    with pytest.raises(ConfigError, match="--write-baseline"):
        policy.read_baseline(path)
    path.write_text("{}")
    with pytest.raises(ConfigError, match="rewrite it"):
        policy.read_baseline(path)


def test_found_configuration_keeps_protected_rules() -> None:
    from outwork.engine.registry import all_rules, load_analyzers

    load_analyzers()
    catalogue = all_rules()
    parsed = config.parse(
        {"select": ["CI", "CORE001"], "ignore": ["PKG001", "CI001"], "min-confidence": "high"}
    )
    guarded, kept = config.keep_protected_rules(parsed, catalogue)
    assert "PKG001" in kept and "MDL001" in kept and "CORE001" not in kept
    assert "CI001" not in kept  # an ordinary rule: the file may switch it off
    pol = policy.Policy(
        select=guarded.select or ("ALL",),
        ignore=guarded.ignore,
        min_confidence=guarded.min_confidence or Confidence.LOW,
        confidence_exempt=guarded.protected,
    )
    chosen = {r.code for r in catalogue if policy.rule_enabled(r, pol)}
    assert {"PKG001", "MDL001", "CORE001", "CI002"} <= chosen and "CI001" not in chosen
    assert not any(c.startswith("VUL00") and c != "VUL002" for c in chosen)
    weak = ScanResult(
        findings=[
            _finding(ArchiveUnreadable, confidence=Confidence.LOW),
            _finding(catalogue_rule(catalogue, "CI002"), confidence=Confidence.LOW),
        ]
    )
    assert [f.code for f in policy.apply(weak, pol).findings] == ["CORE005"]
    # Nothing protected is touched: the file is returned as it was.
    plain = config.parse({"ignore": ["CI001"]})
    assert config.keep_protected_rules(plain, catalogue) == (plain, ())


def catalogue_rule(catalogue: list[type], code: str) -> type:
    return next(r for r in catalogue if r.code == code)
