"""The HTML report: one self-contained page, safe to open whatever the scanned files said.

Findings carry attacker-controlled strings, so every one of them is escaped (``html.escape``
with quotes) after control and invisible characters are made visible. The page has no script
and no external resource, and says so in a Content-Security-Policy that forbids both, so even a
mistake in escaping could not run code or call home.
"""

from __future__ import annotations

import html
from collections import Counter

from outwork.core.findings import AttackPath, Finding, ScanResult
from outwork.report._common import (
    TOOL_NAME,
    TOOL_URI,
    TOOL_VERSION,
    grouped,
    human_bytes,
    plural,
    public_properties,
    rule_sections,
    severity_counts,
    visible,
)
from outwork.report.cryptosummary import FamilyRow, crypto_summary, year
from outwork.report.terminal import EVIDENCE_LIMIT, TAB

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none';"
    " form-action 'none'"
)

STYLE = """
:root { color-scheme: light dark; --fg: #1b1f24; --bg: #ffffff; --muted: #59636e;
  --line: #d1d9e0; --code: #f6f8fa; --mark: #ffebe9; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --bg: #0d1117; --muted: #9198a1;
  --line: #3d444d; --code: #151b23; --mark: #3c1618; } }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg);
  background: var(--bg); max-width: 1100px; margin: 2rem auto; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; } h2 { border-bottom: 1px solid var(--line);
  padding-bottom: .3rem; margin-top: 2rem; } .muted { color: var(--muted); }
.summary { display: flex; flex-wrap: wrap; gap: .5rem; margin: 1rem 0; }
.summary span { border: 1px solid var(--line); border-radius: 6px; padding: .3rem .7rem; }
.finding { border: 1px solid var(--line); border-radius: 8px; padding: .8rem 1rem;
  margin: .8rem 0; }
.finding h3 { margin: 0 0 .4rem; font-size: 1rem; } .finding p { margin: .3rem 0; }
.badge { display: inline-block; min-width: 5.5rem; text-align: center; border-radius: 4px;
  font-size: .8rem; font-weight: 700; padding: .05rem .4rem; margin-right: .5rem; color: #fff; }
.critical { background: #a40e26; } .high { background: #d1242f; } .medium { background: #9a6700; }
.low { background: #0969da; } .info { background: #59636e; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  font-size: .85rem; }
pre { background: var(--code); border-radius: 6px; padding: .5rem 0; overflow-x: auto; }
pre span { display: block; padding: 0 .8rem; white-space: pre; }
pre span.hit { background: var(--mark); }
.label { color: var(--muted); min-width: 6rem; display: inline-block; }
table { border-collapse: collapse; width: 100%; } td, th { text-align: left; padding: .25rem .5rem;
  border-bottom: 1px solid var(--line); vertical-align: top; word-break: break-all; }
details { margin: .5rem 0; } .finding p code { white-space: pre-wrap; word-break: break-all; }
""".strip()


def _e(text: object, *, keep_newlines: bool = True) -> str:
    return html.escape(visible(str(text), keep_newlines=keep_newlines), quote=True)


def render(result: ScanResult, *, title: str | None = None, show_suppressed: bool = True) -> str:
    """The report as one HTML document."""
    page_title = title or f"{TOOL_NAME} report: {', '.join(result.targets) or 'scan'}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="referrer" content="no-referrer">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(page_title, keep_newlines=False)}</title>",
        f"<style>\n{STYLE}\n</style>",
        "</head>",
        "<body>",
        f"<h1>{_e(page_title, keep_newlines=False)}</h1>",
        f'<p class="muted">{_e(TOOL_NAME)} {_e(TOOL_VERSION)} · {_e(TOOL_URI)}</p>',
        _summary(result),
    ]
    active = result.active
    if not active:
        parts.append("<p><strong>No findings.</strong></p>")
    for layer, findings in grouped(active):
        parts.append(
            f"<section><h2>{_e(layer.display_name)} ({_e(layer.value)})"
            f' <span class="muted">{_e(plural(len(findings), "finding"))}</span></h2>'
        )
        parts.extend(_finding(f) for f in findings)
        parts.append("</section>")
    inventory = crypto_summary(result)
    if inventory:
        parts.append(_inventory(inventory))
    if result.paths:
        parts.append(f"<section><h2>Attack paths ({len(result.paths)})</h2>")
        parts.extend(_attack_path(p) for p in result.paths)
        parts.append("</section>")
    suppressed = [f for f in result.findings if f.suppressed is not None]
    if suppressed and show_suppressed:
        parts.append(
            f"<section><h2>Suppressed ({len(suppressed)})</h2><details><summary>show</summary>"
        )
        parts.extend(_finding(f) for f in suppressed)
        parts.append("</details></section>")
    if result.skipped:
        rows = "".join(
            f"<tr><td><code>{_e(s.path)}</code></td><td>{_e(s.reason)}</td></tr>"
            for s in sorted(result.skipped, key=lambda s: (s.path, s.reason))
        )
        parts.append(
            f"<section><h2>Skipped ({len(result.skipped)})</h2>"
            f"<table><tr><th>path</th><th>reason</th></tr>{rows}</table></section>"
        )
    if result.errors:
        rows = "".join(
            f"<tr><td><code>{_e(e.path)}</code></td><td>{_e(e.analyzer)}</td>"
            f"<td><pre><span>{_e(e.error)}</span></pre></td></tr>"
            for e in sorted(result.errors, key=lambda e: (e.path, e.analyzer))
        )
        parts.append(
            f"<section><h2>Analyzer errors ({len(result.errors)})</h2>"
            f"<table><tr><th>path</th><th>analyzer</th><th>error</th></tr>{rows}</table></section>"
        )
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)


def _inventory(rows: list[FamilyRow]) -> str:
    """The cryptographic inventory: algorithm families by status, with their dates."""
    head = "".join(
        f"<th>{_e(c)}</th>"
        for c in ("family", "status", "files", "uses", "deprecated", "disallowed", "CNSA 2.0")
    )
    body = "".join(
        f"<tr><td>{_e(r.family)}</td><td>{_e(r.status)}</td><td>{r.artifacts}</td>"
        f"<td>{r.uses}</td><td>{year(r.deprecated_after)}</td><td>{year(r.disallowed_after)}</td>"
        f"<td>{year(r.cnsa2_after)}</td><td>{_e(r.target)}</td></tr>"
        for r in rows
    )
    return (
        f"<section><h2>Cryptographic inventory ({_e(plural(len(rows), 'family', 'families'))})"
        '</h2><p class="muted">NIST IR 8547: quantum-vulnerable algorithms deprecated and'
        " disallowed; CNSA 2.0: quantum-resistant only, for national-security systems.</p>"
        f"<table><tr>{head}<th>move to</th></tr>{body}</table></section>"
    )


def _summary(result: ScanResult) -> str:
    counts = severity_counts(result.active)
    chips = [
        f'<span><span class="badge {s.label}">{s.label.upper()}</span>{n}</span>'
        for s, n in counts.items()
        if n
    ]
    stats = result.stats
    reasons = Counter(f.suppressed for f in result.findings if f.suppressed is not None)
    facts = [
        plural(len(result.active), "finding"),
        f"{sum(reasons.values())} suppressed" if reasons else "",
        f"{plural(stats.artifacts, 'artifact')} ({human_bytes(stats.bytes)})",
        f"{len(result.skipped)} skipped" if result.skipped else "",
        plural(len(result.errors), "error") if result.errors else "",
        f"{stats.seconds:.2f} s",
        plural(stats.cache_hits, "cache hit") if stats.cache_hits else "",
    ]
    chips += [f"<span>{_e(f)}</span>" for f in facts if f]
    targets = ", ".join(f"<code>{_e(t)}</code>" for t in result.targets)
    return f'<div class="summary">{"".join(chips)}</div>' + (
        f'<p class="muted">targets: {targets}</p>' if targets else ""
    )


def _finding(item: Finding) -> str:
    label = item.severity.label
    rows = [
        f'<div class="finding" id="f-{item.fingerprint}">',
        f'<h3><span class="badge {label}">{label.upper()}</span>'
        f"<code>{_e(item.code)}</code> {_e(item.rule.name)}"
        f' <span class="muted">confidence {_e(item.confidence.label)}</span></h3>',
        f"<p>{_e(item.message or item.rule.summary())}</p>",
        _row("at", f"<code>{_e(_where(item))}</code>"),
    ]
    if item.subject:
        rows.append(_row("subject", f"<code>{_e(item.subject)}</code>"))
    for related in item.related:
        rows.append(_row("also", f"<code>{_e(str(related))}</code>"))
    if item.evidence:
        evidence = item.evidence
        if len(evidence) > EVIDENCE_LIMIT:
            evidence = evidence[:EVIDENCE_LIMIT] + " …"
        rows.append(_row("evidence", f"<code>{_e(evidence)}</code>"))
    if item.snippet:
        rows.append(_code_frame(item))
    hint = item.remediation or rule_sections(item.rule).get("Remediation", "")
    if hint:
        rows.append(_row("fix", _e(hint)))
    props = public_properties(item.properties)
    for key in ("advisory_ids", "aliases"):
        values = props.get(key)
        if isinstance(values, list | tuple) and values:
            rows.append(_row(key.replace("_", " "), _e(", ".join(str(v) for v in values))))
    if item.suppressed is not None:
        rows.append(_row("suppressed", _e(item.suppressed)))
    rows.append(
        _row(
            "rule",
            f'<a href="{_e(item.rule.help_uri())}" rel="noreferrer">{_e(item.code)}</a>'
            f" · {_e(', '.join(f'CWE-{c}' for c in item.rule.cwe))}"
            f' · <span class="muted">fingerprint {_e(item.fingerprint)}</span>',
        )
    )
    rows.append("</div>")
    return "\n".join(rows)


def _where(item: Finding) -> str:
    loc = item.location
    text = str(loc)
    if loc.line is not None and loc.logical:
        text += f" [{loc.logical}]"
    return text


def _row(label: str, value_html: str) -> str:
    return f'<p><span class="label">{_e(label)}</span> {value_html}</p>'


def _code_frame(item: Finding) -> str:
    numbers = [n for n, _ in item.snippet]
    gutter = len(str(max(numbers))) if numbers else 1
    lines = []
    for number, source in item.snippet:
        hit = number == item.location.line
        shown = visible(source, keep_newlines=False).expandtabs(TAB)
        marker = "&gt;" if hit else " "
        css = ' class="hit"' if hit else ""
        lines.append(
            f"<span{css}>{marker} {number:>{gutter}} │ {html.escape(shown, quote=True)}</span>"
        )
    return "<pre>" + "".join(lines) + "</pre>"


def _attack_path(path: AttackPath) -> str:
    label = path.severity.label
    steps = "".join(
        f"<li><code>{_e(s.source)}</code> —{_e(s.relation)}→ <code>{_e(s.target)}</code>"
        + (f' <span class="muted">({_e(s.proof)})</span>' if s.proof else "")
        + "</li>"
        for s in path.steps
    )
    return (
        f'<div class="finding"><h3><span class="badge {label}">{label.upper()}</span>'
        f"<code>{_e(path.entry)}</code> → <code>{_e(path.target)}</code></h3><ol>{steps}</ol></div>"
    )
