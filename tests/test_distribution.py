"""Where users run outwork: the GitHub Action, the pre-commit hook and the Dockerfile install
it from this repository's own source, never from a package index under a name this project
does not publish; and no document tells users to."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import yaml

from outwork.cli.main import run

REPO = Path(__file__).resolve().parents[1]


def test_the_action_installs_its_own_source_and_injects_nothing() -> None:
    action = yaml.safe_load((REPO / "action.yml").read_text("utf-8"))
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    scripts = [step["run"] for step in steps if "run" in step]
    assert any("pip install" in s and '"$GITHUB_ACTION_PATH"' in s for s in scripts)
    for script in scripts:
        assert "${{" not in script  # inputs arrive through env, never spliced into shell
    # third-party code only pinned to a full commit, never at a moving tag
    uses = [step["uses"] for step in steps if "uses" in step]
    assert uses == ["github/codeql-action/upload-sarif@8aad20d150bbac5944a9f9d289da16a4b0d87c1e"]
    assert all(re.fullmatch(r"[^@]+@[0-9a-f]{40}", u) for u in uses)
    assert "--format github" in scripts[-1] and "--format sarif" in scripts[-1]
    (upload,) = [step for step in steps if "uses" in step]
    assert upload["with"]["sarif_file"] == "${{ inputs.sarif-file }}"
    assert "!cancelled()" in upload["if"]  # the log is uploaded even when the gate failed


def test_the_action_passes_outworks_own_pipeline_audit(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    argv = ["scan", str(REPO / "action.yml"), "--select", "CI", "--no-cache", "--no-config"]
    code = run([*argv, "-f", "json", "--fail-on", "low"], out, err)
    findings = json.loads(out.getvalue())["findings"]
    assert code == 0, [(f["code"], f["location"]["line"], f["message"]) for f in findings]


def test_the_pre_commit_hook_runs_the_scan() -> None:
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text("utf-8"))
    assert hook["id"] == "outwork" and hook["entry"] == "outwork scan"
    assert hook["language"] == "python" and hook["pass_filenames"] is False


def test_the_image_is_built_from_this_checkout() -> None:
    text = (REPO / "Dockerfile").read_text("utf-8")
    assert "COPY src ./src" in text and "USER outwork" in text
    assert not re.search(r"pip install[^\n]*\boutwork\b", text)


def test_no_document_installs_an_unpublished_name() -> None:
    bare = re.compile(r"pip3? install (?:-U |--upgrade )?['\"]?outwork(?:[=<>~\[\s'\"]|$)", re.M)
    documents = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    offending = [str(p.relative_to(REPO)) for p in documents if bare.search(p.read_text("utf-8"))]
    assert offending == []
