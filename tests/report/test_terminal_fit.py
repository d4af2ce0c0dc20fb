"""The terminal report's shortcut for lines that fit (``terminal._lines``) draws exactly what
rich's wrapping draws, at the edge of the width, with wide characters, tabs and newlines."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from rich.segment import Segment
from rich.text import Text

from outwork.report import terminal


def _console() -> Console:
    return Console(file=io.StringIO(), width=100, force_terminal=True, color_system="standard")


def _wrapped(console: Console, text: Text, width: int) -> list[Segment]:
    segments: list[Segment] = []
    for line in text.wrap(console, width, no_wrap=text.no_wrap, overflow=text.overflow):
        segments += [Segment("  "), *line.render(console), Segment.line()]
    return segments


@pytest.mark.parametrize(
    "plain",
    [
        "x" * 15,
        "x" * 16,  # with "at: ", the 20 cells of the width
        "x" * 17,
        "漢字" * 4,  # 16 cells
        "漢字" * 4 + "x",  # 17 cells
        "a\tb",
        "first line\nsecond",
        "ends with blanks   ",
        "",
    ],
)
@pytest.mark.parametrize("no_wrap", [False, True])
def test_a_line_that_fits_is_drawn_as_rich_wraps_it(plain: str, no_wrap: bool) -> None:
    console = _console()
    text = Text(no_wrap=no_wrap, overflow="ellipsis" if no_wrap else None)
    text.append("at: ", style="dim")
    text.append(plain, style="bold")
    shortcut = list(terminal._lines(console, text, 20, Segment("  ")))
    assert shortcut == _wrapped(console, text, 20)
