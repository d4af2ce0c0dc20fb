"""Policy before paths: attack paths are joined from what the policy left active."""

from __future__ import annotations

from outwork.core.corerules import ArchiveUnreadable
from outwork.core.findings import Fact, Finding, Location, ScanResult
from outwork.core.policy import Policy
from outwork.core.rules import Confidence, Severity
from outwork.engine.conclude import conclude

WORKFLOW = "repo/.github/workflows/pr.yml"


def _finding(logical: str, line: int) -> Finding:
    return Finding(
        rule=ArchiveUnreadable,
        message=f"finding at {logical}",
        location=Location(WORKFLOW, line, logical=logical),
        severity=Severity.HIGH,
        confidence=Confidence.HIGH,
    )


def _result() -> ScanResult:
    """fork PR --triggers--> job (proven by a finding on the trigger)
    job --exposes--> secret (proven by the job, which has a finding on one of its steps)
    job --runs--> helper (no finding backs it: a plain link)."""
    trigger = _finding("on.pull_request_target", 3)
    step = _finding("jobs.build.steps[1].run", 12)
    other_job = _finding("jobs.builder.steps[0].run", 30)
    return ScanResult(
        findings=[trigger, step, other_job],
        facts=[
            Fact(
                "entry:fork-pull-request",
                "triggers",
                "job:b",
                f"{WORKFLOW}: on.pull_request_target",
            ),
            Fact("job:b", "runs", "job:helper", "repo/other.yml"),
            Fact("job:helper", "exposes", "jewel:secret:TOKEN", f"{WORKFLOW}: jobs.build"),
        ],
    )


def _fingerprints(result: ScanResult, *logicals: str) -> frozenset[str]:
    return frozenset(f.fingerprint for f in result.findings if f.location.logical in logicals)


def test_paths_are_joined_when_nothing_is_suppressed() -> None:
    result = conclude(_result(), Policy())
    assert [p.target for p in result.paths] == ["jewel:secret:TOKEN"]
    assert result.paths[0].suppressed_steps == ()
    assert [f.code for f in result.findings].count("PATH001") == 1


def test_a_path_whose_every_backed_step_is_baselined_is_gone() -> None:
    raw = _result()
    baseline = _fingerprints(raw, "on.pull_request_target", "jobs.build.steps[1].run")
    result = conclude(raw, Policy(baseline=baseline))
    assert result.paths == []
    assert not [f for f in result.findings if f.code == "PATH001"]


def test_a_path_with_some_steps_suppressed_says_which() -> None:
    raw = _result()
    baseline = _fingerprints(raw, "on.pull_request_target")
    result = conclude(raw, Policy(baseline=baseline))
    assert len(result.paths) == 1
    assert result.paths[0].suppressed_steps == (0,)
    (path_finding,) = [f for f in result.findings if f.code == "PATH001"]
    assert "step 1 suppressed" in path_finding.message
    assert path_finding.properties["suppressed_steps"] == [0]


def test_a_finding_in_a_sibling_key_does_not_back_the_job() -> None:
    """``jobs.builder`` is not inside ``jobs.build``: suppressing the job's own finding drops the
    path even though the sibling job's finding stays active."""
    raw = _result()
    baseline = _fingerprints(raw, "on.pull_request_target", "jobs.build.steps[1].run")
    result = conclude(raw, Policy(baseline=baseline))
    assert any(f.location.logical == "jobs.builder.steps[0].run" for f in result.active)
    assert result.paths == []


def test_ignored_rules_count_as_suppressed_and_path_findings_obey_the_policy() -> None:
    assert conclude(_result(), Policy(ignore=(ArchiveUnreadable.code,))).paths == []
    ignored_paths = conclude(_result(), Policy(ignore=("PATH001",)))
    assert len(ignored_paths.paths) == 1
    assert not [f for f in ignored_paths.findings if f.code == "PATH001"]
