"""The pipelines analyzer: which files it takes, taint paths, facts, and the real corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

from outwork.analyzers.pipelines import PipelineAnalyzer, role
from outwork.core.analyzer import AnalysisContext
from outwork.core.artifact import Artifact, Kind
from outwork.core.findings import Fact, Finding
from outwork.engine.pipeline import ScanOptions, scan
from outwork.graph import build_paths
from outwork.report.json_report import to_data

REPO = Path(__file__).resolve().parents[3]


def artifact(path: str, text: str, kind: Kind = Kind.YAML) -> Artifact:
    data = text.encode()
    return Artifact(path=path, kind=kind, size=len(data), data=data)


def run(path: str, text: str) -> tuple[list[Finding], list[Fact]]:
    emitted = list(PipelineAnalyzer().analyze(artifact(path, text), AnalysisContext()))
    return (
        [e for e in emitted if isinstance(e, Finding)],
        [e for e in emitted if isinstance(e, Fact)],
    )


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("repo/.github/workflows/ci.yml", "workflow"),
        ("repo/.github/workflows/ci.yaml", "workflow"),
        ("repo/actions/setup/action.yml", "action"),
        ("repo/.github/dependabot.yml", "dependabot"),
        ("repo/.gitlab-ci.yml", "gitlab"),
        ("repo/.gitlab/ci/build.yml", "gitlab"),
        ("repo/config/settings.yml", "sniff"),
        ("repo/README.md", None),
    ],
)
def test_role_by_path(path: str, expected: str | None) -> None:
    assert role(artifact(path, "x: 1\n")) == expected


def test_accepts_sniffs_content_outside_the_usual_paths() -> None:
    analyzer = PipelineAnalyzer()
    workflow = "on: push\njobs:\n  a:\n    runs-on: x\n    steps: []\n"
    assert analyzer.accepts(artifact("tmp/renamed.yml", workflow))
    assert not analyzer.accepts(artifact("tmp/k8s.yml", "apiVersion: v1\nkind: Pod\n"))
    assert not analyzer.accepts(artifact("tmp/x.py", "print(1)\n", Kind.PYTHON))


def test_taint_path_through_env_and_job_outputs() -> None:
    text = """\
on: issue_comment
permissions: {}
jobs:
  parse:
    runs-on: ubuntu-latest
    outputs:
      cmd: ${{ steps.p.outputs.cmd }}
    steps:
      - id: p
        env:
          BODY: ${{ github.event.comment.body }}
        run: echo "cmd=$BODY" >> "$GITHUB_OUTPUT"
  act:
    needs: parse
    runs-on: ubuntu-latest
    steps:
      - run: ${{ needs.parse.outputs.cmd }}
"""
    findings, _ = run("r/.github/workflows/bot.yml", text)
    injection = [f for f in findings if f.code == "CI001"]
    assert len(injection) == 1
    hit = injection[0]
    assert hit.location.line == 17
    assert hit.evidence == (
        "github.event.comment.body -> env.BODY (jobs.parse.steps[0].env) -> $BODY"
        " -> steps.p.outputs.cmd -> needs.parse.outputs.cmd -> jobs.act.steps[0].run"
    )


def test_boolean_uses_of_attacker_data_are_not_injection() -> None:
    text = """\
on: issues
permissions: {}
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - run: echo "${{ contains(github.event.issue.title, 'bug') }}"
      - run: echo "${{ github.event.issue.title == 'x' }}"
"""
    findings, _ = run("r/.github/workflows/i.yml", text)
    assert not [f for f in findings if f.code == "CI001"]


def test_facts_name_trigger_trust_secrets_and_roles() -> None:
    text = (REPO / "examples/pipelines/.github/workflows/pr.yml").read_text()
    _, facts = run("ex/.github/workflows/pr.yml", text)
    edges = {(f.source, f.relation, f.target) for f in facts}
    job = "job:ex/.github/workflows/pr.yml#preview"
    assert ("entry:fork-pull-request", "triggers", job) in edges
    assert (job, "exposes", "jewel:secret:PREVIEW_TOKEN") in edges
    assert (job, "can-assume", "jewel:cloud-role:arn:aws:iam::123456789012:role/preview") in edges
    trigger = next(f for f in facts if f.relation == "triggers")
    assert trigger.properties["trust"] == "untrusted-code"


def test_tj_actions_changed_files_cve_2025_30066() -> None:
    """The mutable tag that leaked secrets in March 2025, and its attacker-named outputs."""
    text = """\
on: pull_request_target
permissions: {}
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - id: changed
        uses: tj-actions/changed-files@v45
      - run: echo ${{ steps.changed.outputs.all_changed_files }}
"""
    findings, _ = run("r/.github/workflows/c.yml", text)
    codes = {(f.code, f.location.line) for f in findings}
    assert ("CI005", 8) in codes
    assert ("CI001", 9) in codes


def test_alias_bomb_is_a_finding_not_a_hang() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    findings, _ = run("r/.github/workflows/bomb.yml", "\n".join(lines) + "\n")
    assert [f.code for f in findings] == ["CI023"]


def test_gitlab_facts_for_fork_merge_requests() -> None:
    text = """\
deploy:
  rules:
    - if: $CI_PIPELINE_SOURCE == "merge_request_event"
  script:
    - ./deploy.sh "$DEPLOY_TOKEN"
"""
    findings, facts = run("r/.gitlab-ci.yml", text)
    assert [f.code for f in findings] == ["CI033"]
    assert ("entry:fork-merge-request", "triggers", "job:r/.gitlab-ci.yml#deploy") in {
        (f.source, f.relation, f.target) for f in facts
    }


def test_real_workflows_analyse_without_errors(corpus: Path) -> None:
    analyzer = PipelineAnalyzer()
    context = AnalysisContext()
    seen = 0
    for path in sorted((corpus / "workflows").rglob("*.y*ml")):
        item = Artifact(path=str(path), kind=Kind.YAML, size=path.stat().st_size, fs_path=str(path))
        if analyzer.accepts(item):
            list(analyzer.analyze(item, context))
            seen += 1
    assert seen > 300


def test_ultralytics_head_ref_injection_december_2024() -> None:
    """The ultralytics 8.3.41 compromise: a branch name expanded into a pull_request_target
    script, which led to a poisoned cache in the release workflow (reduced reproduction,
    harmless commands)."""
    text = """\
on:
  pull_request_target:
    branches: [main]
permissions:
  contents: write
jobs:
  format:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.head_ref }}
      - run: |
          git pull origin ${{ github.head_ref }} || true
          pip install -e .
"""
    findings, facts = run("r/.github/workflows/format.yml", text)
    codes = {(f.code, f.location.line) for f in findings}
    assert ("CI001", 14) in codes  # the branch name in the script
    assert ("CI002", 12) in codes  # the fork's branch checked out
    assert ("CI013", 15) in codes  # and its setup.py run
    trigger = next(f for f in facts if f.relation == "triggers")
    assert trigger.properties["trust"] == "untrusted-code"


def test_nx_s1ngularity_title_injection_august_2025() -> None:
    """GHSA-cxm3-wv7p-598c: a pull request title expanded into a pull_request_target script
    with a write token (reduced reproduction, harmless commands)."""
    text = """\
on: pull_request_target
jobs:
  validate:
    runs-on: ubuntu-latest
    steps:
      - run: |
          echo "${{ github.event.pull_request.title }}" > /tmp/title.txt
"""
    findings, facts = run("r/.github/workflows/pr-title.yml", text)
    hit = next(f for f in findings if f.code == "CI001")
    assert hit.location.line == 7
    assert hit.evidence == "github.event.pull_request.title -> jobs.validate.steps[0].run"
    assert ("CI003", 1) in {(f.code, f.location.line) for f in findings}
    token = [f for f in facts if f.target == "jewel:secret:GITHUB_TOKEN"]
    assert token and token[0].properties["write_scopes"] == ["default"]


def test_attack_path_through_a_reusable_workflow(tmp_path: Path) -> None:
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "caller.yml").write_text(
        "on: pull_request_target\npermissions: {}\njobs:\n  call:\n"
        "    uses: ./.github/workflows/build.yml\n    secrets: inherit\n"
        "    with:\n      title: ${{ github.event.pull_request.title }}\n"
    )
    (workflows / "build.yml").write_text(
        "on: workflow_call\npermissions: {}\njobs:\n  build:\n    runs-on: ubuntu-latest\n"
        '    steps:\n      - run: ./deploy.sh "${{ secrets.DEPLOY_KEY }}"\n'
    )
    result = scan([str(tmp_path)], ScanOptions(jobs=1, cache_dir=None, analyzers=("pipelines",)))
    paths = build_paths(result.facts)
    assert [(p.entry, p.target, [s.relation for s in p.steps]) for p in paths] == [
        (
            "entry:fork-pull-request",
            "jewel:secret:DEPLOY_KEY",
            ["triggers", "invokes", "runs", "exposes"],
        )
    ]


def test_taint_followed_into_called_files_with_the_callers_trigger(tmp_path: Path) -> None:
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    action = tmp_path / ".github" / "actions" / "post"
    action.mkdir(parents=True)
    (workflows / "caller.yml").write_text(
        "on: pull_request_target\npermissions: {}\njobs:\n  call:\n"
        "    uses: ./.github/workflows/build.yml\n"
        "    with:\n      title: ${{ github.event.pull_request.title }}\n"
        "      number: ${{ github.event.pull_request.number }}\n"
    )
    (workflows / "build.yml").write_text(
        "on:\n  workflow_call:\n    inputs:\n      title: {type: string}\n"
        "      number: {type: string}\n"
        "permissions: {}\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n"
        '      - run: echo "${{ inputs.number }}"\n'
        "      - uses: ./.github/actions/post\n        with:\n          text: ${{ inputs.title }}\n"
    )
    (action / "action.yml").write_text(
        "name: post\ninputs:\n  text: {description: text}\nruns:\n  using: composite\n"
        "  steps:\n    - shell: bash\n      env:\n        T: ${{ inputs.text }}\n"
        '      run: echo "${{ env.T }}"\n'
    )
    result = scan([str(tmp_path)], ScanOptions(jobs=1, cache_dir=None, analyzers=("pipelines",)))
    high = [
        (Path(f.location.path).relative_to(tmp_path).as_posix(), f.location.line, f.evidence)
        for f in result.findings
        if f.rule.code == "CI001" and f.severity.name == "HIGH"
    ]
    assert len(high) == 1, high
    path, line, evidence = high[0]
    assert (path, line) == (".github/actions/post/action.yml", 10)
    steps = evidence.split(" -> ")
    assert steps[0].startswith("on pull_request_target")
    assert steps[1] == "github.event.pull_request.title"
    assert "inputs.title" in steps and "inputs.text" in steps
    assert steps[-1] == "runs.steps[0].run"
    # the flows are private notes: in the scan result, never in the report
    recorded = [c for a in result.artifacts for c in a.properties.get("components", ())]
    assert {c["type"] for c in recorded} == {"_pipeline-flows"}
    reported = [
        c
        for a in to_data(result)["artifacts"]
        for c in a.get("properties", {}).get("components", [])
    ]
    assert reported == []


def test_adhoc_install_continued_over_lines_is_reported_where_it_starts() -> None:
    text = (
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: |\n          echo hi\n          npm install \\\n            express\n"
    )
    findings, _ = run(".github/workflows/a.yml", text)
    assert [(f.rule.code, f.location.line) for f in findings if f.rule.code == "CI037"] == [
        ("CI037", 8)
    ]


def test_every_evaluation_path_reaches_a_called_action_with_the_callers_trigger(
    tmp_path: Path,
) -> None:
    """The labelled set: attacker data through a matrix from fromJSON, a step output, a job
    output and GITHUB_ENV, handed to a local composite action whose inputs reach a script,
    actions/github-script and a docker:// step's arguments; the safe twins (a number, a
    constant) stay quiet."""
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    action = tmp_path / ".github" / "actions" / "sinks"
    action.mkdir(parents=True)
    (workflows / "target.yml").write_text(
        "on: pull_request_target\npermissions: {}\njobs:\n"
        "  produce:\n    runs-on: ubuntu-latest\n"
        "    outputs:\n      title: ${{ steps.t.outputs.title }}\n"
        "    steps:\n      - id: t\n        env:\n"
        "          T: ${{ github.event.pull_request.title }}\n"
        '        run: echo "title=$T" >> "$GITHUB_OUTPUT"\n'
        "  use:\n    needs: produce\n    runs-on: ubuntu-latest\n"
        "    strategy:\n      matrix: ${{ fromJSON(github.event.pull_request.body) }}\n"
        "    steps:\n"
        "      - id: o\n        env:\n          B: ${{ github.event.pull_request.body }}\n"
        '        run: echo "body=$B" >> "$GITHUB_OUTPUT"\n'
        "      - env:\n          REF: ${{ github.head_ref }}\n"
        '        run: echo "BRANCH=$REF" >> "$GITHUB_ENV"\n'
        "      - uses: ./.github/actions/sinks\n        with:\n"
        "          script-in: ${{ matrix.cmd }}\n"
        "          code-in: ${{ steps.o.outputs.body }}\n"
        "          args-in: ${{ needs.produce.outputs.title }}\n"
        "          env-in: ${{ env.BRANCH }}\n"
        "          number-in: ${{ github.event.pull_request.number }}\n"
        "          constant-in: hello\n"
    )
    (action / "action.yml").write_text(
        "name: sinks\nruns:\n  using: composite\n  steps:\n"
        '    - shell: bash\n      run: echo "${{ inputs.script-in }}"\n'  # line 6
        "    - uses: actions/github-script@60a0d83039c74a4aee543508d2ffcb1c3799cdea\n"
        "      with:\n        script: console.log('${{ inputs.code-in }}')\n"  # line 9
        "    - uses: docker://alpine@sha256:" + "0" * 64 + "\n"
        "      with:\n        args: echo ${{ inputs.args-in }}\n"  # line 12
        '    - shell: bash\n      run: echo "${{ inputs.env-in }}"\n'  # line 14
        '    - shell: bash\n      run: echo "${{ inputs.number-in }}"\n'  # line 16
        '    - shell: bash\n      run: echo "${{ inputs.constant-in }}"\n'  # line 18
    )
    result = scan([str(tmp_path)], ScanOptions(jobs=1, cache_dir=None, analyzers=("pipelines",)))
    high = {
        f.location.line: f.evidence
        for f in result.findings
        if f.rule.code == "CI001"
        and f.severity.name == "HIGH"
        and f.location.path.endswith("sinks/action.yml")
    }
    assert sorted(high) == [6, 9, 12, 14]
    sources = {
        6: "github.event.pull_request.body",
        9: "github.event.pull_request.body",
        12: "github.event.pull_request.title",
        14: "github.head_ref",
    }
    for line, evidence in high.items():
        steps = evidence.split(" -> ")
        assert steps[0].startswith("on pull_request_target"), evidence
        assert steps[1] == sources[line], evidence
