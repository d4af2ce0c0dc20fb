"""The seam between the pipelines scanners and their checks: every rule is reported by a check
in its own module, and a check is called for the hooks it overrides only."""

from __future__ import annotations

from collections.abc import Iterator

from outwork.analyzers.pipelines import PipelineAnalyzer, checks
from outwork.analyzers.pipelines.checks import (
    DependabotCheck,
    GitlabCheck,
    SystemCheck,
    WorkflowCheck,
    overriding,
)
from outwork.analyzers.pipelines.rules import (
    ALL_RULES,
    DEPENDABOT_CHECKS,
    GITLAB_CHECKS,
    SYSTEM_CHECKS,
    WORKFLOW_CHECKS,
)
from outwork.analyzers.pipelines.rules.unreadable import PipelineUnreadable
from outwork.analyzers.pipelines.workflow import Job
from outwork.core.analyzer import Emitted

CHECKS: tuple[type[WorkflowCheck | GitlabCheck | DependabotCheck | SystemCheck[object]], ...] = (
    *WORKFLOW_CHECKS,
    *GITLAB_CHECKS,
    *DEPENDABOT_CHECKS,
    *SYSTEM_CHECKS,
)


def test_every_rule_is_reported_by_one_check_in_its_own_module() -> None:
    reported = [rule for check in CHECKS for rule in check.rules]
    assert len(reported) == len(set(reported))
    # the scanner reports a file it cannot read: there is no model for a check to read
    assert set(reported) == set(ALL_RULES) - {PipelineUnreadable}
    for check in CHECKS:
        for rule in check.rules:
            assert rule.__module__ == check.__module__, (check, rule.code)


def test_the_analyzer_declares_the_rules_its_checks_report() -> None:
    assert tuple(PipelineAnalyzer.rules) == ALL_RULES


def test_a_check_is_called_for_the_hooks_it_overrides() -> None:
    class JobsOnly(WorkflowCheck):
        def job(self, job: Job) -> Iterator[Emitted]:
            return iter(())

    try:
        assert overriding([JobsOnly], "job", WorkflowCheck) == (JobsOnly,)
        assert overriding([JobsOnly], "step", WorkflowCheck) == ()
    finally:
        checks.WORKFLOW_CHECKS.remove(JobsOnly)  # declaring it registered it
