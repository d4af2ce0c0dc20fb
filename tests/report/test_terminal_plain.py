"""The summary-only terminal report is rendered without rich, and must be exactly what rich
renders: any input where the two could differ goes to rich."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from outwork.core.corerules import ArchiveUnreadable
from outwork.core.findings import ScanResult, Stats, finding
from outwork.report import _plain, render, terminal
from tests.report.richresult import empty_result, rich_result


def _through_rich(result: ScanResult, **options: object) -> str:
    with mock.patch.object(_plain, "render_text", return_value=None):
        return terminal.render_text(result, **options)  # type: ignore[arg-type]


def _suppressed(reason: str) -> object:
    return replace(finding(ArchiveUnreadable, "m"), suppressed=reason)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(0, 10**7),
    st.integers(0, 10**13),
    st.floats(0, 10**5),
    st.integers(0, 10**6),
    st.lists(st.text(max_size=40), max_size=4),
    st.integers(0, 130),
    st.booleans(),
)
def test_plain_summary_is_what_rich_prints(
    artifacts: int,
    size: int,
    seconds: float,
    hits: int,
    reasons: list[str],
    width: int,
    show_suppressed: bool,
) -> None:
    result = ScanResult(
        findings=[_suppressed(r) for r in reasons],  # type: ignore[misc]
        stats=Stats(artifacts=artifacts, bytes=size, seconds=seconds, cache_hits=hits),
    )
    options = {"width": width, "show_suppressed": show_suppressed}
    plain = _plain.render_text(result, **options)  # type: ignore[arg-type]
    expected = _through_rich(result, **options)
    assert terminal.render_text(result, **options) == expected  # type: ignore[arg-type]
    assert render("terminal", result, **options) == expected
    if plain is not None:
        assert plain == expected


def test_a_clean_scan_takes_the_plain_path() -> None:
    assert _plain.render_text(empty_result()) is not None
    assert _plain.render_text(empty_result(), color=True) is None
    assert _plain.render_text(rich_result()) is None


def test_a_clean_report_does_not_import_rich() -> None:
    probe = (
        "import sys\n"
        "from outwork.core.findings import ScanResult\n"
        "from outwork.report import render\n"
        "assert render('terminal', ScanResult()).startswith('\\nNo findings')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'rich'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"
