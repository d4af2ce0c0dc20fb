"""Each row of the pipelines rules' severity tables, with the adversarial variants: a harmless
trigger added beside a dangerous one never lowers a verdict (the worst trigger decides)."""

from __future__ import annotations

import pytest

from outwork.analyzers.pipelines import PipelineAnalyzer, data
from outwork.analyzers.pipelines.context import EVENT_CONTEXTS, Trigger, trigger_contexts
from outwork.analyzers.pipelines.rules import ALL_RULES
from outwork.core.analyzer import AnalysisContext
from outwork.core.artifact import Artifact, Kind
from outwork.core.findings import Finding
from outwork.core.rules import Severity

H, M, L = Severity.HIGH, Severity.MEDIUM, Severity.LOW


def severities(path: str, text: str, code: str) -> dict[int, Severity]:
    """Line -> severity of each ``code`` finding of one file."""
    raw = text.encode()
    art = Artifact(path=path, kind=Kind.YAML, size=len(raw), data=raw)
    emitted = PipelineAnalyzer().analyze(art, AnalysisContext())
    found = [e for e in emitted if isinstance(e, Finding) and e.code == code]
    return {f.location.line or 0: f.severity for f in found}


RUNNER = """\
on: {on}
permissions: {{}}
jobs:
  a:
    runs-on: self-hosted
    steps:
      - run: echo a
"""


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        ("pull_request", H),
        ("pull_request_target", H),
        ("[push, pull_request]", H),  # a trusted trigger beside does not lower it
        ("[pull_request_review, pull_request]", H),
        ("issues", M),
        ("workflow_run", M),
        ("[issues, pull_request_review]", M),
    ],
)
def test_self_hosted_runner_by_trigger(on: str, expected: Severity) -> None:
    assert severities("r/.github/workflows/w.yml", RUNNER.format(on=on), "CI010") == {5: expected}


BOT = """\
on: {on}
permissions: {{}}
jobs:
  a:
    runs-on: ubuntu-latest
    if: github.actor == 'dependabot[bot]'
    steps:
      - run: echo a
"""


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        ("pull_request_target", H),
        ("pull_request", H),
        ("issue_comment", H),
        ("workflow_run", H),
        ("[push, issue_comment]", H),
        ("issues", M),
        ("push", M),
        ("workflow_call", M),
    ],
)
def test_spoofable_bot_condition_by_trigger(on: str, expected: Severity) -> None:
    assert severities("r/.github/workflows/w.yml", BOT.format(on=on), "CI011") == {6: expected}


ENV_WRITE = """\
on: {on}
permissions: {{}}
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - run: echo "M=${{{{ github.event.head_commit.message }}}}" >> "$GITHUB_ENV"
"""

ENV_WRITE_ACTION = """\
runs:
  using: composite
  steps:
    - shell: bash
      run: echo "M=${{ github.event.head_commit.message }}" >> "$GITHUB_ENV"
"""


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        ("issues", H),
        ("workflow_run", H),
        ("pull_request_target", H),
        ("[push, issues]", H),
        ("push", M),
        ("pull_request", M),
        ("workflow_call", M),
    ],
)
def test_github_env_write_by_trigger(on: str, expected: Severity) -> None:
    text = ENV_WRITE.format(on=on)
    assert severities("r/.github/workflows/w.yml", text, "CI008") == {7: expected}


def test_github_env_write_in_an_action_is_judged_for_its_worst_caller() -> None:
    assert severities("r/act/action.yml", ENV_WRITE_ACTION, "CI008") == {5: H}


def test_template_injection_by_whose_value_it_is() -> None:
    text = """\
on: issues
permissions: {}
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - run: echo "${{ github.event.issue.title }}"
      - run: echo "${{ github.ref_name }}"
"""
    assert severities("r/.github/workflows/w.yml", text, "CI001") == {7: H, 8: M}


def test_excessive_permissions_by_grant() -> None:
    text = """\
on: push
permissions:
  contents: write  # a high-risk scope for every job
  statuses: write  # another scope for every job
jobs:
  a:
    runs-on: ubuntu-latest
    permissions: write-all
    steps: [{run: echo}]
  b:
    runs-on: ubuntu-latest
    permissions: read-all
    steps: [{run: echo}]
"""
    assert severities("r/.github/workflows/w.yml", text, "CI004") == {3: H, 4: M, 8: H, 12: M}
    default = "on: push\njobs:\n  a:\n    runs-on: x\n  b:\n    runs-on: x\n"
    assert set(severities("r/.github/workflows/d.yml", default, "CI004").values()) == {M}


def test_unpinned_action_by_publisher() -> None:
    text = """\
on: push
permissions: {}
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions-evil/checkout@v4
      - uses: someone/thing@main
"""
    found = severities("r/.github/workflows/w.yml", text, "CI005")
    # a look-alike owner is not GitHub's
    assert found == {7: M, 8: H, 9: H}


def test_unpinned_images_by_tag() -> None:
    github = """\
on: push
permissions: {}
jobs:
  a:
    runs-on: ubuntu-latest
    container: node
    services:
      db: {image: "postgres:latest"}
      cache: {image: "redis:7"}
    steps: [{run: echo}]
"""
    assert severities("r/.github/workflows/w.yml", github, "CI006") == {6: H, 8: H, 9: M}
    gitlab = "a:\n  image: node\n  services: [postgres:latest, redis:7]\n  script: [echo]\n"
    assert severities("r/.gitlab-ci.yml", gitlab, "CI032") == {2: H, 3: M}


def test_persisted_checkout_credentials_by_where_the_workspace_goes() -> None:
    kept = """\
on: push
permissions: {}
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
"""
    uploaded = kept + "      - uses: actions/upload-artifact@v4\n        with: {path: .}\n"
    assert severities("r/.github/workflows/k.yml", kept, "CI007") == {7: M}
    assert severities("r/.github/workflows/u.yml", uploaded, "CI007") == {7: H}


def test_unsound_condition_by_flaw() -> None:
    text = """\
on: push
permissions: {}
jobs:
  a:
    runs-on: ubuntu-latest
    if: ${{ github.ref == 'refs/heads/main' }} && true
    steps:
      - if: contains('refs/heads/main', github.ref)
        run: echo
"""
    assert severities("r/.github/workflows/w.yml", text, "CI018") == {6: H, 8: M}


def test_dependabot_cooldown_by_what_is_missing() -> None:
    text = """\
version: 2
updates:
  - package-ecosystem: pip
    directory: /
  - package-ecosystem: npm
    directory: /
    cooldown: {semver-major-days: 7}
  - package-ecosystem: cargo
    directory: /
    cooldown: {default-days: 1}
"""
    assert severities("r/.github/dependabot.yml", text, "CI021") == {3: M, 7: L, 10: M}


def test_pipeline_unreadable_by_why() -> None:
    bomb = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    bomb += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    found = severities("r/.github/workflows/b.yml", "\n".join(bomb) + "\n", "CI023")
    assert list(found.values()) == [H]
    broken = severities("r/.github/workflows/s.yml", "on: [push\njobs: {\n", "CI023")
    assert list(broken.values()) == [M]


GITLAB_SCRIPT = """\
a:
{rules}  script:
    - eval "$CI_COMMIT_MESSAGE"
    - git checkout $CI_COMMIT_REF_NAME
    - eval "deploy $CI_COMMIT_REF_NAME"
"""
N = Severity.INFO


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        # branch and tag pipelines: commit text is an outsider's (merged merge requests), ref
        # names are members'
        ("", {3: H, 4: N, 5: L}),
        ("  rules:\n    - if: $CI_COMMIT_TAG\n", {5: H, 6: N, 7: L}),
        # a fork's merge request: its branch name is the fork author's
        (
            '  rules:\n    - if: $CI_PIPELINE_SOURCE == "merge_request_event"\n',
            {5: H, 6: L, 7: H},
        ),
        # the same, only for this project's branches: a member's name again
        (
            "  rules:\n    - if: $CI_MERGE_REQUEST_SOURCE_PROJECT_ID == $CI_PROJECT_ID\n",
            {5: H, 6: N, 7: L},
        ),
        # adversarial: the fork's check spelled so that it does not exclude forks
        (
            "  rules:\n    - if: $CI_MERGE_REQUEST_SOURCE_PROJECT_ID != $CI_PROJECT_ID\n",
            {5: H, 6: L, 7: H},
        ),
    ],
)
def test_gitlab_script_injection_by_use_and_pipeline(
    rules: str, expected: dict[int, Severity]
) -> None:
    text = GITLAB_SCRIPT.format(rules=rules)
    assert severities("r/.gitlab-ci.yml", text, "CI030") == expected


def test_gitlab_unpinned_include_by_what_is_included() -> None:
    text = """\
include:
  - remote: https://example.com/ci.yml
  - https://example.com/plain.yml
  - project: group/templates
    ref: main
    file: ci.yml
  - component: gitlab.com/group/comp/build@1.0
"""
    found = severities("r/.gitlab-ci.yml", text, "CI031")
    assert found == {2: H, 3: M, 5: M, 7: M}


def test_trigger_tables_name_every_context() -> None:
    """A rule judged by trigger must have a row for every context (a missing one raises)."""
    for rule in ALL_RULES:
        keys = set(rule.severities)
        if keys & set(Trigger):
            assert keys == set(Trigger), rule.code


def test_event_contexts_follow_the_trigger_tables() -> None:
    assert EVENT_CONTEXTS["pull_request_target"] is Trigger.PRIVILEGED_PULL_REQUEST
    assert EVENT_CONTEXTS["pull_request"] is Trigger.PULL_REQUEST
    for event in data.PR_CODE_TRIGGERS - {"pull_request_target"}:
        assert EVENT_CONTEXTS[event] is Trigger.PRIVILEGED_FOLLOW_UP
    for event in data.PRIVILEGED_TRIGGERS - data.PR_CODE_TRIGGERS:
        assert EVENT_CONTEXTS[event] is Trigger.PRIVILEGED_EVENT
    assert trigger_contexts([]) == {Trigger.TRUSTED}
    assert trigger_contexts(["push", "schedule"]) == {Trigger.TRUSTED}
    assert trigger_contexts(["push"], action=True) == {Trigger.ACTION}
