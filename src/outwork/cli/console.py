"""What the command line draws with rich: the progress bar of a scan on a terminal, and the
colour and width of the terminal report. Imported only when one of them is drawn (a scan piped
to a file or written as JSON never loads rich; docs/benchmarks.md, "start-up")."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from rich.console import Console

from outwork.core.findings import ScanResult

Progressed = Callable[[int, int], None]
#: Width of the terminal report written to a pipe or a file: no line is ever that long.
NO_WRAP = 10_000


def with_progress(err: TextIO, run: Callable[[Progressed], ScanResult]) -> ScanResult:
    """``run(progress)`` under a transient progress bar drawn on ``err`` (rich's progress
    module is imported here, by a scan on a terminal only)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    with Progress(
        TextColumn("scanning"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(file=err),
        transient=True,
    ) as bar:
        task = bar.add_task("scan", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return run(progress)


def terminal_options(out: TextIO, color: str | None) -> dict[str, object]:
    """The terminal report's colour and width for ``out``, as rich decides for any program that
    uses it: colour on a terminal unless NO_COLOR is set, none in a pipe or a file (``--color
    always/never`` overrides both), the terminal's width."""
    forced = {"always": True, "never": False}.get(color or "")
    console = Console(file=out, force_terminal=forced, no_color=None if forced is None else False)
    options: dict[str, object] = {"color": console.is_terminal and not console.no_color}
    # In a pipe or a file no line wraps (a path:line is never split): the reader's pager or
    # editor wraps if it wants to.
    options["width"] = console.width if out.isatty() else NO_WRAP
    return options
