"""The terminal report (rich): findings grouped by layer, then severity, with code frames.

Every string that came from a scanned artifact (paths, messages, evidence, code) goes through
:func:`~outwork.report._common.visible` and is handed to rich as plain :class:`~rich.text.Text`,
never as markup: a file name holding ``[bold]`` or an ESC sequence prints as itself and cannot
restyle, clear or rewrite the reader's terminal. The same layout reads well without colour
(``Console(no_color=True)``, or a console that is not a terminal): severity badges are words,
the finding's line in a code frame is marked with ``>`` and a caret.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterable, Iterator

from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from outwork.core.findings import AttackPath, Finding, ScanResult
from outwork.core.rules import Confidence, Layer, Severity
from outwork.report._common import (
    grouped,
    human_bytes,
    plural,
    rule_sections,
    severity_counts,
    visible,
)
from outwork.report.cryptosummary import FamilyRow, crypto_summary, year

BADGE_WIDTH = max(len(s.label) for s in Severity)
INDENT = BADGE_WIDTH + 3
#: Characters of evidence shown before it is cut (the JSON report keeps all of it).
EVIDENCE_LIMIT = 600
TAB = 4
#: Examples listed per skip reason and errors listed before "and N more".
SKIP_EXAMPLES = 3
ERROR_LIMIT = 20
SEVERITY_STYLE: dict[Severity, str] = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "bold yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}


def render(result: ScanResult, console: Console, *, show_suppressed: bool = False) -> None:
    """Print the report to ``console``; the caller decides colour, width and the stream."""
    for part in renderables(result, show_suppressed=show_suppressed):
        console.print(part, soft_wrap=False, crop=False)


def render_text(
    result: ScanResult,
    *,
    width: int = 100,
    color: bool = False,
    show_suppressed: bool = False,
) -> str:
    """The report as text: plain unless ``color`` (then with ANSI styles for a terminal)."""
    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=max(40, width),
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
        highlight=False,
        emoji=False,
        markup=False,
        legacy_windows=False,
    )
    render(result, console, show_suppressed=show_suppressed)
    text = buffer.getvalue()
    if color:
        return text
    # rich pads padded blocks to the full width; plain text has no use for trailing blanks.
    return "\n".join(line.rstrip() for line in text.split("\n"))


def renderables(result: ScanResult, *, show_suppressed: bool = False) -> list[RenderableType]:
    parts: list[RenderableType] = []
    active = result.active
    if result.paths:  # each path is drawn once, in its own section, not also as a finding
        active = [f for f in active if f.rule.layer is not Layer.PATH]
    for layer, findings in grouped(active):
        parts.append(
            _heading(f"{layer.display_name} ({layer.value})", plural(len(findings), "finding"))
        )
        for item in findings:
            parts.append(_finding(item))
    inventory = crypto_summary(result)
    if inventory:
        parts.append(
            _heading("Cryptographic inventory", plural(len(inventory), "family", "families"))
        )
        parts.append(_inventory(inventory))
    if result.paths:
        parts.append(_heading("Attack paths", str(len(result.paths))))
        parts.extend(_attack_path(p) for p in result.paths)
    suppressed = [f for f in result.findings if f.suppressed is not None]
    if suppressed and show_suppressed:
        parts.append(_heading("Suppressed", str(len(suppressed))))
        parts.extend(_suppressed(f) for f in suppressed)
    if result.skipped:
        parts.append(_heading("Skipped", str(len(result.skipped))))
        parts.append(_skipped(result))
    if result.errors:
        parts.append(_heading("Analyzer errors", str(len(result.errors))))
        parts.append(_errors(result))
    parts.append(Text(""))
    parts.append(summary_line(result))
    return parts


def _inventory(rows: list[FamilyRow]) -> Table:
    """Algorithm families by status, with their NIST IR 8547 and CNSA 2.0 dates."""
    table = Table(box=box.SIMPLE, show_edge=False, pad_edge=False, header_style="bold")
    for column in ("family", "status", "files", "uses", "deprecated", "disallowed", "CNSA 2.0"):
        table.add_column(column, justify="right" if column in ("files", "uses") else "left")
    table.add_column("move to", overflow="fold")
    styles = {"broken": "bold red", "quantum-vulnerable": "yellow", "quantum-safe": "green"}
    for row in rows:
        table.add_row(
            Text(visible(row.family, keep_newlines=False)),
            Text(row.status, style=styles.get(row.status, "")),
            str(row.artifacts),
            str(row.uses),
            year(row.deprecated_after),
            year(row.disallowed_after),
            year(row.cnsa2_after),
            Text(visible(row.target, keep_newlines=False)),
        )
    return table


class Block:
    """A blank line, a title line, then lines of text indented under it (wrapped lines keep
    the indent).

    Wrapping is done here, once per text, and segments are yielded directly: nesting rich's
    ``Padding`` and ``Group`` re-wraps every line several times and made large reports slow.
    A line that fits is its own line (most of a report's lines, and every line of a report
    written to a pipe or a file): rich's wrapping would split it into words, measure each and
    join them again into the same line (docs/benchmarks.md, issue 21).
    """

    def __init__(self, title: Text, body: list[Text]) -> None:
        self.title = title
        self.body = body

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield Segment.line()
        yield from _lines(console, self.title, options.max_width, None)
        pad = Segment(" " * INDENT)
        width = max(10, options.max_width - INDENT)
        for text in self.body:
            yield from _lines(console, text, width, pad)


def _lines(console: Console, text: Text, width: int, pad: Segment | None) -> Iterator[Segment]:
    """``text`` wrapped to ``width`` (or cut, when it does not wrap), each line after ``pad``."""
    plain = text.plain
    if "\n" not in plain and "\t" not in plain and cell_len(plain) <= width:
        lines: Iterable[Text] = (text,)
    else:
        lines = text.wrap(console, width, no_wrap=text.no_wrap, overflow=text.overflow)
    for line in lines:
        if pad is not None:
            yield pad
        yield from line.render(console)
        yield Segment.line()


def _heading(title: str, count: str) -> Text:
    text = Text("\n")
    text.append(title, style="bold underline")
    text.append(f"  {count}", style="dim")
    return text


def _badge(severity: Severity) -> Text:
    return Text(f" {severity.label.upper():<{BADGE_WIDTH}} ", style=SEVERITY_STYLE[severity])


def _finding(item: Finding) -> RenderableType:
    title = Text()
    title.append_text(_badge(item.severity))
    title.append(" ")
    title.append(item.code, style="bold")
    title.append(" ")
    title.append(item.rule.name, style="bold")
    if item.confidence is not Confidence.HIGH:
        title.append(f"  confidence {item.confidence.label}", style="dim")
    body: list[Text] = [Text(visible(item.message or item.rule.summary()))]
    body.append(_labelled("at", _where(item), "blue"))
    if item.subject:
        body.append(_labelled("subject", visible(item.subject), "magenta"))
    for related in item.related:
        body.append(_labelled("also", visible(str(related)), "blue"))
    if item.evidence:
        evidence = item.evidence
        if len(evidence) > EVIDENCE_LIMIT:
            evidence = evidence[:EVIDENCE_LIMIT] + " …"
        body.append(_labelled("evidence", visible(evidence)))
    if item.snippet:
        body.extend(code_frame(item))
    hint = item.remediation or _first_paragraph(rule_sections(item.rule).get("Remediation", ""))
    if hint:
        body.append(_labelled("fix", visible(hint), "green"))
    body.append(Text(f"docs: outwork rules {item.code}", style="dim"))
    return Block(title, body)


def _where(item: Finding) -> str:
    loc = item.location
    text = visible(str(loc), keep_newlines=False)
    if loc.line is not None and loc.logical:
        text += f" [{visible(loc.logical, keep_newlines=False)}]"
    return text


def _labelled(label: str, value: str, style: str = "") -> Text:
    text = Text()
    text.append(f"{label}: ", style="dim")
    text.append(value, style=style)
    return text


def _first_paragraph(text: str) -> str:
    return text.split("\n\n", 1)[0].replace("\n", " ").strip()


def code_frame(item: Finding) -> list[Text]:
    """The finding's source lines, numbered, with its line marked ``>`` and a caret under the
    column when it is known: one text per line, each cut (never wrapped) at the width."""
    line_no = item.location.line
    numbers = [n for n, _ in item.snippet]
    gutter = len(str(max(numbers))) if numbers else 1
    frame: list[Text] = []
    for number, source in item.snippet:
        current = number == line_no
        shown = visible(source, keep_newlines=False).expandtabs(TAB)
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append("> " if current else "  ", style="bold red" if current else "dim")
        line.append(f"{number:>{gutter}} │ ", style="dim")
        line.append(shown, style="bold" if current else "")
        frame.append(line)
        column = item.location.column
        if current and isinstance(column, int) and column >= 1:
            before = visible(source[: column - 1], keep_newlines=False).expandtabs(TAB)
            caret = Text(no_wrap=True, overflow="ellipsis")
            caret.append(" " * (gutter + 2) + " │ ", style="dim")
            caret.append(" " * cell_len(before) + "^", style="bold red")
            frame.append(caret)
    if frame:
        frame[-1].rstrip()
    return frame


def _attack_path(path: AttackPath) -> RenderableType:
    title = Text()
    title.append_text(_badge(path.severity))
    title.append(" ")
    title.append(visible(path.entry, keep_newlines=False), style="bold")
    title.append(" → ", style="dim")
    title.append(visible(path.target, keep_newlines=False), style="bold")
    steps = Text()
    for step in path.steps:
        steps.append(visible(step.source, keep_newlines=False))
        steps.append(f" —{visible(step.relation, keep_newlines=False)}→ ", style="dim")
        steps.append(visible(step.target, keep_newlines=False))
        if step.proof:
            steps.append(f"  ({visible(step.proof, keep_newlines=False)})", style="dim")
        steps.append("\n")
    steps.rstrip()
    return Block(title, [steps])


def _suppressed(item: Finding) -> Text:
    text = Text()
    text.append(f"{item.code} ", style="bold")
    text.append(visible(str(item.location), keep_newlines=False))
    text.append(f"  ({visible(item.suppressed or '')})", style="dim")
    return text


def _skipped(result: ScanResult) -> Text:
    by_reason: dict[str, list[str]] = {}
    for skip in result.skipped:
        by_reason.setdefault(skip.reason, []).append(skip.path)
    text = Text()
    for reason, paths in sorted(by_reason.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        text.append(f"{len(paths):>5}  ", style="bold")
        text.append(visible(reason, keep_newlines=False))
        examples = ", ".join(visible(p, keep_newlines=False) for p in sorted(paths)[:SKIP_EXAMPLES])
        more = f", … {len(paths) - SKIP_EXAMPLES} more" if len(paths) > SKIP_EXAMPLES else ""
        text.append(f"  ({examples}{more})\n", style="dim")
    text.rstrip()
    return text


def _errors(result: ScanResult) -> Text:
    text = Text()
    errors = sorted(result.errors, key=lambda e: (e.path, e.analyzer))
    for error in errors[:ERROR_LIMIT]:
        first = error.error.strip().splitlines()[-1:] or [""]
        text.append(visible(error.analyzer, keep_newlines=False), style="bold")
        text.append(" on ")
        text.append(visible(error.path, keep_newlines=False), style="blue")
        text.append(": ")
        text.append(visible(first[0][:300], keep_newlines=False))
        text.append("\n")
    if len(errors) > ERROR_LIMIT:
        text.append(f"… and {len(errors) - ERROR_LIMIT} more (the JSON report lists all)\n")
    text.rstrip()
    return text


def summary_line(result: ScanResult) -> Text:
    """One line: active findings by severity, suppressed, artifacts, skips, errors, time, cache."""
    text = Text()
    for part, style in summary_parts(result):
        if style is None:
            text.append(part)
        else:
            text.append(part, style=style)
    return text


def summary_parts(result: ScanResult) -> list[tuple[str, str | None]]:
    """The summary line as ``(text, style)`` pieces: active findings by severity, suppressed,
    artifacts, skips, errors, time, cache."""
    active = result.active
    parts: list[tuple[str, str | None]] = []
    if active:
        parts.append((plural(len(active), "finding"), "bold"))
        counts = severity_counts(active)
        present = [(s, n) for s, n in counts.items() if n]
        parts.append((" (", None))
        for i, (severity, count) in enumerate(present):
            if i:
                parts.append((", ", None))
            parts.append((f"{count} {severity.label}", SEVERITY_STYLE[severity]))
        parts.append((")", None))
    else:
        parts.append(("No findings", "bold green"))
    stats = result.stats
    tail = [
        *_suppressed_counts(result.findings),
        f"{plural(stats.artifacts, 'artifact')} ({human_bytes(stats.bytes)})",
    ]
    if result.skipped:
        tail.append(f"{len(result.skipped)} skipped")
    if result.errors:
        tail.append(plural(len(result.errors), "error"))
    tail.append(f"{stats.seconds:.2f} s")
    if stats.cache_hits:
        tail.append(plural(stats.cache_hits, "cache hit"))
    parts.append((" · " + " · ".join(tail), ""))
    return parts


def _suppressed_counts(findings: Iterable[Finding]) -> list[str]:
    reasons = Counter(f.suppressed for f in findings if f.suppressed is not None)
    if not reasons:
        return []
    detail = ", ".join(f"{visible(str(r))} {n}" for r, n in sorted(reasons.items()))
    return [f"{sum(reasons.values())} suppressed ({detail})"]
