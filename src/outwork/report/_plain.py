"""The terminal report of a scan with nothing to list, without rich.

A clean scan prints one summary line; importing rich for it costs about a sixth of the command's
start-up. :func:`render_text` returns exactly what :func:`outwork.report.terminal.render_text`
renders through rich, or None when the report has more than that line (or a line rich would
wrap), and the caller then renders it with rich.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from outwork.core.findings import Finding, ScanResult
from outwork.core.rules import Severity
from outwork.report._common import human_bytes, plural, severity_counts, visible

SEVERITY_STYLE: dict[Severity, str] = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "bold yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}
#: Characters one terminal cell wide that rich prints as they are (the summary's separator).
_SINGLE_CELL = frozenset(" !\"#$%&'()*+,-./0123456789:;<=>?@[\\]^_`{|}~·") | frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
)


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


def render_text(
    result: ScanResult, *, width: int = 100, color: bool = False, show_suppressed: bool = False
) -> str | None:
    """What :func:`outwork.report.terminal.render_text` returns (same signature) when the report
    is the uncoloured summary line alone; else None."""
    if color or result.active or result.paths or result.skipped or result.errors:
        return None
    if show_suppressed and any(f.suppressed is not None for f in result.findings):
        return None
    line = "".join(text for text, _ in summary_parts(result))
    if len(line) > max(40, width) or not _SINGLE_CELL.issuperset(line):
        return None  # rich would wrap it, or measure characters differently
    return "\n" + line.rstrip() + "\n"
