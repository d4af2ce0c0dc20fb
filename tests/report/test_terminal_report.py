"""The terminal report: grouped, complete, readable without colour, immune to hostile strings."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from outwork.core.corerules import ArchiveUnreadable
from outwork.core.findings import ScanResult, finding
from outwork.report import render, terminal
from tests.report.richresult import empty_result, rich_result


@pytest.fixture(scope="module")
def text() -> str:
    return terminal.render_text(rich_result(), width=100, show_suppressed=True)


def test_grouped_by_layer_then_severity(text: str) -> None:
    assert "Scanner and archives (CORE)" in text
    order = [text.index(f" {code} ") for code in ("CORE002", "CORE001", "CORE005", "CORE008")]
    assert order == sorted(order)  # critical, high, medium, low
    assert text.index("CRITICAL") < text.index(" HIGH ")


def test_each_finding_shows_what_it_must(text: str) -> None:
    assert "archive-path-traversal" in text
    assert "at: dist/evil-1.0.tar.gz!/evil-1.0/setup.py:7:1" in text
    assert "subject: pkg:pypi/evil-pkg@1.0" in text
    assert "also: dist/evil-1.0.tar.gz!/evil-1.0/setup.py:12:3" in text
    assert "evidence: ratio 4000" in text
    assert "fix: Remove the call." in text
    assert "at: models/model.pt!/archive/data.pkl [pickle@0x1f]" in text
    assert "confidence low" in text


def test_code_frame_marks_the_line_and_column(text: str) -> None:
    lines = text.splitlines()
    hit = next(i for i, line in enumerate(lines) if "> 3 │" in line)
    assert "eval(base64" in lines[hit]
    caret = lines[hit + 1]
    assert caret.rstrip().endswith("^")
    # column 5 in "\teval": the tab expands to 4 cells, so the caret sits under "l"
    source_start = lines[hit].index("│") + 2
    assert lines[hit][caret.index("^")] == "l"
    assert caret.index("^") == source_start + 7
    assert "  4 │ print('漢字 done')" in text


def test_hostile_strings_are_neutralised(text: str) -> None:
    assert "\x1b" not in text
    assert "\u202e" not in text
    assert "\\x1b[31mred" in text
    assert "<U+202E>gnp.exe" in text
    assert "\\x1b[2J" in text
    assert "tree/bad\\xffname.txt" in text
    text.encode("utf-8")


def test_markup_in_strings_is_not_interpreted() -> None:
    item = finding(ArchiveUnreadable, "[bold red]not markup[/] [link=http://x]y[/link]")
    item = item.__class__(**{**_fields(item), "location": item.location.rebase("a[b].py")})
    out = terminal.render_text(ScanResult(findings=[item]))
    assert "[bold red]not markup[/] [link=http://x]y[/link]" in out
    assert "a[b].py" in out


def _fields(item: object) -> dict[str, object]:
    return {name: getattr(item, name) for name in item.__slots__}  # type: ignore[attr-defined]


def test_sections_and_summary(text: str) -> None:
    assert "Attack paths" in text
    assert "entry:public-registry → jewel:host-code-execution" in text
    assert "Suppressed  2" in text and "CORE004 src/setup.py:1  (inline)" in text
    assert "Skipped  2" in text and "larger than the 2 GB budget" in text
    assert "Analyzer errors  1" in text and "models on models/model.pt!/archive/data.pkl" in text
    last = " ".join(text.strip().splitlines()[-2:])
    assert last.startswith("6 findings (1 critical, 3 high, 1 medium, 1 low)")
    for part in ("2 suppressed", "4 artifacts", "2 skipped", "1 error", "1.25 s", "1 cache hit"):
        assert part in last


def test_suppressed_hidden_by_default() -> None:
    out = terminal.render_text(rich_result())
    assert "CORE004" not in out
    assert "2 suppressed (baseline 1, inline 1)" in out


def test_empty_result() -> None:
    out = terminal.render_text(empty_result())
    assert out.strip().startswith("No findings")


def test_plain_output_has_no_ansi_and_no_trailing_blanks(text: str) -> None:
    assert "\x1b[" not in text
    assert all(line == line.rstrip() for line in text.splitlines())


def test_colour_output_when_asked() -> None:
    out = render("terminal", rich_result(), color=True)
    assert "\x1b[" in out
    # attacker escapes are still shown, not executed: no raw ESC from the message survives
    assert "\x1b[31mred" not in out


def test_render_to_a_console_the_caller_owns() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, width=80, no_color=True, force_terminal=False)
    terminal.render(rich_result(), console)
    assert "CORE002" in buffer.getvalue()


def test_narrow_width_does_not_crash() -> None:
    out = terminal.render_text(rich_result(), width=10)
    assert "CORE002" in out


@settings(max_examples=60, deadline=None)
@given(st.text(), st.text(), st.integers(min_value=-3, max_value=50))
def test_any_text_renders(message: str, source: str, column: int) -> None:
    item = finding(ArchiveUnreadable, message, line=2, column=column, evidence=source)
    fields = {**_fields(item), "snippet": ((1, source), (2, source + message))}
    item = item.__class__(**fields)
    item = item.__class__(**{**_fields(item), "location": item.location.rebase(source or "x")})
    out = terminal.render_text(ScanResult(findings=[item]), width=60)
    out.encode("utf-8")
    assert "\x1b" not in out
