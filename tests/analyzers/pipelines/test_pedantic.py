"""The pedantic persona: its audits and severities appear only when asked for (``--persona
pedantic``, analyzer option ``pipelines.persona``); the regular persona stays quiet on the same
files, and a mistyped persona is an error that names the valid ones."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from outwork.analyzers.pipelines import PipelineAnalyzer
from outwork.cli.main import run
from outwork.core.analyzer import AnalysisContext
from outwork.core.artifact import Artifact, Kind
from outwork.core.findings import Finding
from outwork.core.rules import Severity

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "rules"
PEDANTIC_FILES = sorted(
    [
        *(FIXTURES / "CI060" / ".github" / "workflows").glob("*.yml"),
        *(FIXTURES / "CI061" / ".github" / "workflows").glob("*.yml"),
    ]
)


def findings(path: Path, persona: str | None) -> list[Finding]:
    data = path.read_bytes()
    rel = "repo/.github/workflows/" + path.name
    art = Artifact(path=rel, kind=Kind.YAML, size=len(data), data=data)
    options = {"pipelines.persona": persona} if persona else {}
    emitted = PipelineAnalyzer().analyze(art, AnalysisContext(options=options))
    return [e for e in emitted if isinstance(e, Finding)]


def pedantic_only(found: list[Finding]) -> list[Finding]:
    """The findings only the pedantic persona gives: its rules, CI001's FIXED row (low, high
    confidence, its note), CI004 at workflow level in a workflow of one job."""
    return [
        f
        for f in found
        if f.code in ("CI060", "CI061")
        or (f.code == "CI001" and "pedantic persona" in f.message)
        or (f.code == "CI025" and ": read has no comment" in f.message)
        or (f.code == "CI038" and "conveniences" in f.message)
        or (f.code == "CI004" and f.location.logical in ("permissions", None, ""))
        or (f.code == "CI004" and (f.location.logical or "").startswith("permissions."))
    ]


@pytest.mark.parametrize("path", PEDANTIC_FILES, ids=lambda p: p.name)
def test_regular_persona_is_quiet(path: Path) -> None:
    assert pedantic_only(findings(path, None)) == []
    assert pedantic_only(findings(path, "regular")) == []


def test_pedantic_persona_adds_findings() -> None:
    added = [f for p in PEDANTIC_FILES for f in pedantic_only(findings(p, "pedantic"))]
    codes = {f.code for f in added}
    assert codes == {"CI001", "CI004", "CI025", "CI038", "CI060", "CI061"}
    fixed = [f for f in added if f.code == "CI001"]
    assert all(f.severity is Severity.LOW for f in fixed)


def test_pedantic_template_injection_does_not_mark_the_job_injected() -> None:
    """A constant expanded into a script is reported by the persona, but it is no attacker data:
    no attack-graph entry follows from it."""
    text = (
        b"name: w\non: issues\npermissions: {}\njobs:\n  a:\n    name: a\n"
        b"    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ runner.temp }}\n"
    )
    art = Artifact(path="r/.github/workflows/w.yml", kind=Kind.YAML, size=len(text), data=text)
    context = AnalysisContext(options={"pipelines.persona": "pedantic"})
    emitted = list(PipelineAnalyzer().analyze(art, context))
    assert any(isinstance(e, Finding) and e.code == "CI001" for e in emitted)
    trust = [getattr(e, "properties", {}).get("trust") for e in emitted]
    assert "injected-data" not in trust


def test_unknown_persona_names_the_valid_ones() -> None:
    art = Artifact(path="r/.github/workflows/w.yml", kind=Kind.YAML, size=2, data=b"{}")
    with pytest.raises(ValueError, match="regular, pedantic"):
        list(PipelineAnalyzer().analyze(art, AnalysisContext(options={"pipelines.persona": "x"})))


def test_command_line_flag(tmp_path: Path) -> None:
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "w.yml").write_text(
        "on: push\npermissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: make\n"
    )
    codes = {}
    for persona in ("regular", "pedantic"):
        out, err = io.StringIO(), io.StringIO()
        argv = ["scan", str(tmp_path), "--format", "json", "--no-cache", "-j", "1"]
        run([*argv, "--select", "CI", "--persona", persona], out, err)
        codes[persona] = {f["code"] for f in json.loads(out.getvalue())["findings"]}
    assert not codes["regular"] & {"CI060", "CI061"}
    assert {"CI060", "CI061"} <= codes["pedantic"]
