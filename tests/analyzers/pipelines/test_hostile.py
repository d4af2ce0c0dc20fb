"""Hostile pipeline files: truncated, mistyped, nested and random input never crash the audits."""

from __future__ import annotations

import json
import time
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from outwork.analyzers.pipelines import PipelineAnalyzer
from outwork.core.analyzer import AnalysisContext
from outwork.core.artifact import Artifact, Kind
from outwork.core.findings import Finding

REPO = Path(__file__).resolve().parents[3]
EXAMPLE = (REPO / "examples/pipelines/.github/workflows/pr.yml").read_text()
KEYS = [
    "on",
    "jobs",
    "steps",
    "run",
    "uses",
    "with",
    "env",
    "permissions",
    "runs-on",
    "container",
    "services",
    "outputs",
    "needs",
    "if",
    "strategy",
    "matrix",
    "include",
    "secrets",
    "script",
    "image",
    "rules",
    "updates",
    "cooldown",
    "runs",
    "using",
    "id",
    "ref",
    "credentials",
    "password",
]
SCALARS = st.sampled_from(
    [
        "${{ github.event.issue.title }}",
        "${{ steps.x.outputs.y }}",
        "${{ matrix.a }}",
        "${{",
        "}}",
        "actions/checkout@v4",
        "./local",
        "docker://alpine",
        "pull_request_target",
        "write-all",
        "write",
        "self-hosted",
        "echo x >> $GITHUB_ENV",
        "",
        "true",
        "1",
    ]
)
TREES = st.recursive(
    st.one_of(SCALARS, st.integers(), st.none(), st.booleans()),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.sampled_from(KEYS), children, max_size=5),
    ),
    max_leaves=40,
)


def analyze(path: str, text: str) -> list[Finding]:
    data = text.encode()
    item = Artifact(path=path, kind=Kind.YAML, size=len(data), data=data)
    emitted = PipelineAnalyzer().analyze(item, AnalysisContext())
    return [e for e in emitted if isinstance(e, Finding)]


@settings(max_examples=300, deadline=None)
@given(TREES, st.sampled_from([".github/workflows/w.yml", "a/action.yml", ".gitlab-ci.yml"]))
def test_mistyped_structures_never_crash(tree: object, path: str) -> None:
    # JSON is YAML: any nesting of the workflow vocabulary, with wrong types everywhere
    analyze(path, json.dumps(tree))


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=0, max_value=len(EXAMPLE)))
def test_truncated_workflows_finish_with_findings_or_a_reason(cut: int) -> None:
    findings = analyze(".github/workflows/pr.yml", EXAMPLE[:cut])
    assert all(f.location.line is None or f.location.line >= 1 for f in findings)


def test_deeply_nested_steps_are_bounded() -> None:
    text = "on: push\njobs:\n  a:\n    steps: " + "[" * 400 + "]" * 400 + "\n"
    assert [f.code for f in analyze(".github/workflows/deep.yml", text)] == ["CI023"]


def test_huge_expression_counts_are_bounded() -> None:
    body = "echo " + " ".join("${{ github.event.issue.title }}" for _ in range(5000))
    text = f"on: issues\npermissions: {{}}\njobs:\n  a:\n    steps:\n      - run: {body}\n"
    findings = analyze(".github/workflows/many.yml", text)
    assert len([f for f in findings if f.code == "CI001"]) == 200


def test_long_taint_chains_stay_linear() -> None:
    assigns = "\n".join(f'          V{i}="$V{i - 1}"' for i in range(1, 20000))
    text = (
        "on: issues\npermissions: {}\njobs:\n  a:\n    steps:\n      - id: s\n        run: |\n"
        '          V0="${{ github.event.issue.title }}"\n'
        + assigns
        + '\n          echo "o=$V19999" >> $GITHUB_OUTPUT\n'
        + '      - run: echo "${{ steps.s.outputs.o }}"\n'
    )
    started = time.monotonic()
    findings = [f for f in analyze(".github/workflows/chain.yml", text) if f.code == "CI001"]
    assert time.monotonic() - started < 10
    assert findings and findings[-1].evidence.count("->") <= 17


def test_many_gitlab_script_lines_are_bounded() -> None:
    lines = "\n".join(f'      eval "x $CI_COMMIT_MESSAGE {i}"' for i in range(20000))
    started = time.monotonic()
    findings = analyze(".gitlab-ci.yml", "job:\n  script:\n    - |\n" + lines + "\n")
    assert time.monotonic() - started < 10
    assert len(findings) == 200


def test_deeply_parenthesised_expression_is_iterative() -> None:
    body = "(" * 1500 + "github.event.issue.title" + ")" * 1500
    head = "on: issues\npermissions: {}\njobs:\n  a:\n    steps:\n      - run: echo "
    findings = analyze(".github/workflows/parens.yml", head + "${{ " + body + " }}\n")
    assert [f.code for f in findings if f.code.startswith("CI00")] == ["CI001"]


def _scan_tree(root: Path) -> list[Finding]:
    from outwork.engine.pipeline import ScanOptions, scan

    result = scan([str(root)], ScanOptions(jobs=1, cache_dir=None))
    assert not result.errors, result.errors
    return result.findings


def test_gitlab_cycles_end(tmp_path: Path) -> None:
    """Includes that include each other, templates that extend each other and ``!reference``
    tags that name each other end (bounded, cycle-safe) with the findings they reach."""
    (tmp_path / ".gitlab").mkdir()
    (tmp_path / ".gitlab-ci.yml").write_text(
        "include: [{local: .gitlab/a.yml}]\n"
        ".x:\n  extends: .y\n  script: [!reference [.y, script]]\n"
        ".y:\n  extends: .x\n  script: [!reference [.x, script]]\n"
        "job:\n  extends: .x\n  rules: [{if: $CI_MERGE_REQUEST_IID}]\n"
        '  before_script: [eval "$CI_MERGE_REQUEST_TITLE"]\n'
    )
    (tmp_path / ".gitlab" / "a.yml").write_text("include: [{local: .gitlab-ci.yml}]\n")
    started = time.monotonic()
    found = _scan_tree(tmp_path)
    assert time.monotonic() - started < 30
    assert [(f.code, f.location.line) for f in found if f.code == "CI030"] == [("CI030", 11)]


def test_gitlab_rules_expressions_are_bounded() -> None:
    deep = "(" * 500 + "$CI_MERGE_REQUEST_IID" + ")" * 500
    long = " || ".join(f'$V{i} == "x"' for i in range(2000))
    for condition in (deep, long, "$CI_PIPELINE_SOURCE =~ /(/", "$A == ", "&& ||"):
        text = (
            f"job:\n  rules:\n    - if: '{condition}'\n"
            '  script: [eval "$CI_MERGE_REQUEST_TITLE"]\n'
        )
        started = time.monotonic()
        found = [f for f in analyze(".gitlab-ci.yml", text) if f.code == "CI030"]
        assert time.monotonic() - started < 5
        # what the evaluator cannot read counts as possible: the job may run for a fork
        assert [f.severity.label for f in found] == ["high"], condition


def test_sniffing_blank_lines_is_linear() -> None:
    """Deciding whether a YAML file is a pipeline reads its first 64 KiB with patterns that stay
    on one line: a file of blank or space-only lines is refused at once, not in minutes."""
    analyzer = PipelineAnalyzer()
    for filler in (" \n", "\n", "  - \n", "\t\n"):
        data = ("include:\n" + filler * 30000 + "x: 1\n").encode()
        art = Artifact(path="repo/conf/x.yml", kind=Kind.YAML, size=len(data), data=data)
        started = time.monotonic()
        assert not analyzer.accepts(art)
        assert time.monotonic() - started < 2
