"""Attack paths from entry points to crown jewels."""

from __future__ import annotations

from outwork.core.findings import Fact
from outwork.core.rules import Severity
from outwork.graph import build_paths


def test_paths_join_layers_on_shared_nodes() -> None:
    facts = [
        Fact("entry:fork-pull-request", "triggers", "job:ci.yml#test"),
        Fact("job:ci.yml#test", "installs", "pkg:pypi/evil@1.0"),
        Fact(
            "pkg:pypi/evil@1.0",
            "executes-at-install",
            "jewel:host-code-execution",
            properties={"severity": "critical"},
        ),
        Fact("job:ci.yml#test", "exposes", "jewel:secret:NPM_TOKEN"),
        Fact("entry:model-hub", "provides", "model:abc"),
    ]
    paths = build_paths(facts)
    assert [(p.entry, p.target, len(p.steps)) for p in paths] == [
        ("entry:fork-pull-request", "jewel:host-code-execution", 3),
        ("entry:fork-pull-request", "jewel:secret:NPM_TOKEN", 2),
    ]
    assert paths[0].severity is Severity.CRITICAL
    assert paths[1].severity is Severity.HIGH


def test_cycles_and_dead_ends_terminate() -> None:
    facts = [Fact("entry:x", "a", "n:1"), Fact("n:1", "b", "n:2"), Fact("n:2", "c", "n:1")]
    assert build_paths(facts) == []


def test_a_step_that_depends_on_a_setting_outside_the_files_caps_the_path_at_medium() -> None:
    def facts(confidence: str | None) -> list[Fact]:
        props = {"trust": "untrusted-code"} | ({"confidence": confidence} if confidence else {})
        return [
            Fact("entry:fork-pull-request", "triggers", "job:ci#build", properties=props),
            Fact("job:ci#build", "exposes", "jewel:secret:DEPLOY_KEY"),
        ]

    (guessed,) = build_paths(facts("low"))
    assert guessed.severity is Severity.MEDIUM
    (proven,) = build_paths(facts(None))  # the twin: the file itself proves the exposure
    assert proven.severity is Severity.HIGH
