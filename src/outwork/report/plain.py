"""Short text formats: ``concise`` (one line per finding, like a compiler), ``github`` (workflow
commands that GitHub Actions turns into annotations on the pull request) and ``markdown`` (a job
summary for ``$GITHUB_STEP_SUMMARY`` or a pull request comment).

Scanned text reaches these reports, so every field is escaped for where it lands: control
characters made visible in ``concise``, the workflow-command escapes in ``github`` (a message
cannot end the command and start another), Markdown and HTML specials in ``markdown``.
"""

from __future__ import annotations

import re

from outwork.core.artifact import MEMBER_SEP
from outwork.core.findings import AttackPath, Finding, ScanResult
from outwork.core.rules import Severity
from outwork.report._common import (
    grouped,
    in_report_order,
    on_disk,
    plural,
    severity_counts,
    visible,
)

#: GitHub annotation level per severity.
GITHUB_LEVEL: dict[Severity, str] = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "notice",
    Severity.INFO: "notice",
}
#: Findings listed one by one in a job summary before "and N more" (GitHub caps it at 1 MiB).
SUMMARY_LIMIT = 200
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def render_concise(result: ScanResult) -> str:
    """``path:line:col: SEVERITY CODE message`` per active finding, then the summary line."""
    lines = [concise_line(f) for f in in_report_order(result.active)]
    lines.append(_summary(result))
    return "\n".join(lines) + "\n"


def concise_line(item: Finding) -> str:
    loc = item.location
    where = visible(loc.path, keep_newlines=False)
    if loc.line is not None:
        where += f":{loc.line}"
        if loc.column is not None:
            where += f":{loc.column}"
    message = visible(item.message or item.rule.summary(), keep_newlines=False)
    return f"{where}: {item.severity.label.upper()} {item.code} {message}"


def render_github(result: ScanResult) -> str:
    """One ``::error``/``::warning``/``::notice`` workflow command per active finding."""
    out = []
    for item in in_report_order(result.active):
        loc = item.location
        props = [f"file={_property(on_disk(loc.path))}"]
        if loc.line is not None:
            props.append(f"line={loc.line}")
            if loc.end_line is not None:
                props.append(f"endLine={loc.end_line}")
            if loc.column is not None:
                props.append(f"col={loc.column}")
        props.append(f"title={_property(f'{item.code} {item.rule.name} ({item.severity.label})')}")
        text = item.message or item.rule.summary()
        if MEMBER_SEP in loc.path:
            text = f"{text} (in {loc.path})"
        out.append(f"::{GITHUB_LEVEL[item.severity]} {','.join(props)}::{_data(text)}")
    return "".join(line + "\n" for line in out)


def render_markdown(result: ScanResult) -> str:
    """A job summary: counts by severity, findings by layer (a table each), attack paths."""
    active = result.active
    parts = ["## outwork scan", "", _md(_summary(result)), ""]
    if active:
        counts = severity_counts(active)
        parts += ["| severity | findings |", "| --- | ---: |"]
        parts += [f"| {s.label} | {n} |" for s, n in counts.items() if n]
        parts.append("")
    shown = 0
    for layer, findings in grouped(active):
        parts += [f"### {_md(layer.display_name)} ({layer.value})", ""]
        parts += ["| severity | rule | location | message |", "| --- | --- | --- | --- |"]
        for item in findings:
            if shown >= SUMMARY_LIMIT:
                break
            shown += 1
            parts.append(
                f"| {item.severity.label} | `{item.code}` {_md(item.rule.name)} |"
                f" `{_code(str(item.location))}` | {_md(item.message)} |"
            )
        parts.append("")
    if len(active) > shown:
        parts += [f"… and {len(active) - shown} more findings (see the full report).", ""]
    if result.paths:
        parts += ["### Attack paths", ""]
        parts += [f"- {_path(p)}" for p in result.paths[:SUMMARY_LIMIT]]
        parts.append("")
    if result.skipped:
        parts += [f"{plural(len(result.skipped), 'artifact')} skipped (see the full report).", ""]
    return "\n".join(parts)


def _summary(result: ScanResult) -> str:
    active = result.active
    if not active:
        head = "No findings"
    else:
        counts = severity_counts(active)
        detail = ", ".join(f"{n} {s.label}" for s, n in counts.items() if n)
        head = f"{plural(len(active), 'finding')} ({detail})"
    stats = result.stats
    return f"{head} · {plural(stats.artifacts, 'artifact')} · {stats.seconds:.2f} s"


def _data(text: str) -> str:
    """A workflow command's message: ``%``, CR and LF escaped, so it stays one command."""
    clean = visible(text, keep_newlines=True)
    return clean.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    """A workflow command's property value: also ``:`` and ``,`` escaped."""
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def _md(text: str) -> str:
    one_line = visible(text, keep_newlines=False).replace("\n", " ")
    return _MD_SPECIAL.sub(r"\\\1", one_line)


def _code(text: str) -> str:
    return visible(text, keep_newlines=False).replace("`", "'")


def _path(path: AttackPath) -> str:
    steps = " → ".join(
        [f"`{_code(path.entry)}`"] + [f"`{_code(step.target)}`" for step in path.steps]
    )
    return f"**{path.severity.label}** {steps}"
