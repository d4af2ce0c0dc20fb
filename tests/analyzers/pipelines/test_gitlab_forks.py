"""The labelled set of GitLab merge-request attacks (``tests/fixtures/gitlab-forks``): each case
is a repository whose lines say what must be found (`expect: CODE/severity`) and what must stay
quiet (`ok: CODE`), along every path the pipeline model follows: include -> job -> script
(nested, globbed), extends across files, YAML anchors, ``!reference``, ``default:``,
``only``/``except``, a file whose root is not scanned, and the safe twins whose rules keep forks
out (their merge-request findings drop to a member's value, or vanish)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests import ruleharness

CASES = Path(__file__).resolve().parents[2] / "fixtures" / "gitlab-forks"


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir() if p.is_dir()))
def test_labelled_case(case: str, tmp_path: Path) -> None:
    root = tmp_path / case
    shutil.copytree(CASES / case, root)
    expected = ruleharness.expectations(root)
    assert expected, f"{case} states no expectation"
    findings = ruleharness.run(root, {})
    problems = ruleharness.check(root, findings, expected)
    assert not problems, "\n".join(problems)


def test_evidence_carries_the_pipeline_and_the_job(tmp_path: Path) -> None:
    """A template's finding names the pipeline and the job whose rules expose it, with the
    variable and the sink: the path from the trigger to the script line."""
    root = tmp_path / "case"
    shutil.copytree(CASES / "extends-across-files", root)
    found = [f for f in ruleharness.run(root, {}) if f.code == "CI030"]
    assert len(found) == 1
    assert found[0].location.path.endswith(".gitlab/templates.yml")
    assert found[0].evidence.startswith(
        "merge request pipeline for a fork -> job notify -> CI_MERGE_REQUEST_TITLE -> eval"
    )


def test_included_files_keep_code_frames_and_inline_suppressions(tmp_path: Path) -> None:
    """A finding in an included file is made after the scan, with the pipeline: it still shows
    its lines and honours an ``outwork: ignore`` written there."""
    root = tmp_path / "case"
    shutil.copytree(CASES / "include-workflow", root)
    lint = root / ".gitlab" / "ci" / "lint.yml"
    lint.write_text(lint.read_text().replace("# expect: CI033", "# outwork: ignore[CI033]"))
    found = {f.code: f for f in ruleharness.run(root, {})}
    assert found["CI030"].snippet and "check-title" in dict(found["CI030"].snippet)[3]
    assert found["CI030"].suppressed is None
    assert found["CI033"].suppressed == "inline"
