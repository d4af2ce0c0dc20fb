"""The HTML report: one self-contained page, safe to open whatever the scanned files said.

Findings carry attacker-controlled strings, so every one of them is escaped (``html.escape``
with quotes) after control and invisible characters are made visible. The page loads no external
resource and runs one script, the filter below, which its Content-Security-Policy names by hash:
a script that escaped escaping would not run, and nothing can call home.

Navigation: links to each layer's section and an index of the rules that fired; filters by
severity, layer and rule and a text search, kept in the address's fragment (``#severity=high,
critical&layer=PKG``) so a filtered view can be shared. Without the script every finding shows.
The attack paths are drawn as a graph (inline SVG, laid out here) above their step lists.
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections import Counter

from outwork.core.findings import AttackPath, Finding, ScanResult
from outwork.core.rules import Layer, Severity
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

#: The page's only script: filters findings by severity, layer, rule and text, and keeps the
#: filter in the fragment. It reads text and sets ``hidden``, never writes markup.
SCRIPT = """
(function () {
  "use strict";
  var form = document.getElementById("filters");
  if (!form) { return; }
  form.hidden = false;
  var items = Array.prototype.slice.call(document.querySelectorAll("[data-severity]"));
  var sections = Array.prototype.slice.call(document.querySelectorAll("section[data-layer]"));
  var boxes = Array.prototype.slice.call(form.querySelectorAll("input[name=severity]"));
  function read() {
    return {
      severity: boxes.filter(function (b) { return b.checked; }).map(function (b) {
        return b.value; }),
      layer: form.elements.layer.value,
      rule: form.elements.rule.value,
      q: form.elements.q.value.trim().toLowerCase()
    };
  }
  function show(s) {
    var shown = 0;
    items.forEach(function (el) {
      var ok = s.severity.indexOf(el.dataset.severity) >= 0 &&
        (!s.layer || el.dataset.layer === s.layer) &&
        (!s.rule || el.dataset.rule === s.rule) &&
        (!s.q || el.textContent.toLowerCase().indexOf(s.q) >= 0);
      el.hidden = !ok;
      if (ok) { shown += 1; }
    });
    sections.forEach(function (sec) {
      sec.hidden = !sec.querySelector("[data-severity]:not([hidden])");
    });
    document.getElementById("shown").textContent =
      shown + " of " + items.length + " findings shown";
  }
  function fragment(s) {
    var p = new URLSearchParams();
    if (s.severity.length !== boxes.length) { p.set("severity", s.severity.join(",")); }
    if (s.layer) { p.set("layer", s.layer); }
    if (s.rule) { p.set("rule", s.rule); }
    if (s.q) { p.set("q", s.q); }
    return p.toString();
  }
  function load() {
    var p = new URLSearchParams(window.location.hash.slice(1));
    var sev = p.has("severity") ? p.get("severity").split(",") : null;
    boxes.forEach(function (b) { b.checked = sev === null || sev.indexOf(b.value) >= 0; });
    form.elements.layer.value = p.get("layer") || "";
    form.elements.rule.value = p.get("rule") || "";
    form.elements.q.value = p.get("q") || "";
  }
  form.addEventListener("input", function () {
    var s = read();
    show(s);
    history.replaceState(null, "", "#" + fragment(s));
  });
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  window.addEventListener("hashchange", function () {
    if (window.location.hash.indexOf("=") >= 0) { load(); show(read()); }
  });
  load();
  show(read());
})();
""".strip()
SCRIPT_HASH = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
CSP = (
    f"default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src"
    f" 'sha256-{SCRIPT_HASH}'; base-uri 'none'; form-action 'none'"
)
#: Attack-graph drawing: box size, gaps and the longest label drawn in a box (the whole text is
#: its tooltip); graphs with more nodes are listed, not drawn.
BOX_W, BOX_H, GAP_X, GAP_Y, LABEL_CHARS, GRAPH_MAX_NODES = 230, 44, 90, 22, 30, 80

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
nav { position: sticky; top: 0; background: var(--bg); border-bottom: 1px solid var(--line);
  padding: .4rem 0; z-index: 1; } nav a { margin-right: .8rem; }
form#filters { display: flex; flex-wrap: wrap; gap: .6rem; align-items: center; margin-top: .3rem; }
form#filters input[type=search] { min-width: 14rem; }
svg.graph { max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 8px; }
svg.graph rect { fill: var(--code); stroke: var(--muted); } svg.graph text { fill: var(--fg);
  font: 12px system-ui, sans-serif; } svg.graph .edge { stroke: var(--muted); fill: none; }
svg.graph .rel { fill: var(--muted); font-size: 11px; } svg.graph rect.entry { stroke: #0969da;
  stroke-width: 2; } svg.graph rect.crown { stroke: #d1242f; stroke-width: 2; }
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
    groups = grouped(active)
    if not active:
        parts.append("<p><strong>No findings.</strong></p>")
    else:
        parts.append(_navigation(result, groups))
    for layer, findings in groups:
        parts.append(
            f'<section id="layer-{_e(layer.value)}" data-layer="{_e(layer.value)}">'
            f"<h2>{_e(layer.display_name)} ({_e(layer.value)})"
            f' <span class="muted">{_e(plural(len(findings), "finding"))}</span></h2>'
        )
        parts.extend(_finding(f, filtered=True) for f in findings)
        parts.append("</section>")
    inventory = crypto_summary(result)
    if inventory:
        parts.append(_inventory(inventory))
    if result.paths:
        parts.append(f'<section id="paths"><h2>Attack paths ({len(result.paths)})</h2>')
        parts.append(attack_graph(result.paths))
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
    if active:
        parts.append(f"<script>{SCRIPT}</script>")
    parts += ["</body>", "</html>", ""]
    return "\n".join(parts)


def _navigation(result: ScanResult, groups: list[tuple[Layer, list[Finding]]]) -> str:
    """Links to the sections, the rules that fired, and the filters (shown by the script)."""
    links = [
        f'<a href="#layer-{_e(layer.value)}">{_e(layer.value)} ({len(fs)})</a>'
        for layer, fs in groups
    ]
    if result.paths:
        links.append(f'<a href="#paths">attack paths ({len(result.paths)})</a>')
    links.append('<a href="#rules">rules</a>')
    counts = Counter(f.code for f in result.active)
    severities = "".join(
        f'<label><input type="checkbox" name="severity" value="{s.label}" checked>'
        f" {s.label}</label>"
        for s in sorted(Severity, reverse=True)
    )
    layers = "".join(
        f'<option value="{_e(layer.value)}">{_e(layer.display_name)}</option>'
        for layer, _ in groups
    )
    rules = "".join(
        f'<option value="{_e(code)}">{_e(code)} ({n})</option>'
        for code, n in sorted(counts.items())
    )
    form = (
        '<form id="filters" hidden>'
        f"{severities}"
        f'<select name="layer" aria-label="layer"><option value="">every layer</option>{layers}'
        "</select>"
        f'<select name="rule" aria-label="rule"><option value="">every rule</option>{rules}'
        "</select>"
        '<input type="search" name="q" placeholder="search findings" aria-label="search">'
        '<span id="shown" class="muted"></span></form>'
    )
    firsts: dict[str, Finding] = {}
    for _layer, findings in groups:
        for item in findings:
            firsts.setdefault(item.code, item)
    index = "".join(
        f'<tr><td><a href="#f-{_e(item.fingerprint)}"><code>{_e(code)}</code></a></td>'
        f"<td>{_e(item.rule.name)}</td><td>{counts[code]}</td></tr>"
        for code, item in sorted(firsts.items())
    )
    return (
        f"<nav>{''.join(links)}{form}</nav>"
        '<details id="rules"><summary>rules that fired</summary><table><tr><th>rule</th>'
        f"<th>name</th><th>findings</th></tr>{index}</table></details>"
    )


def attack_graph(paths: list[AttackPath]) -> str:
    """The attack paths as one graph: every entity a box, every fact an arrow, columns by the
    longest chain that reaches a box (entry points left, crown jewels right). Entries and
    targets are outlined; a label longer than a box is cut, with the whole text as its tooltip."""
    edges: dict[tuple[str, str], str] = {}
    order: list[str] = []
    for path in paths:
        for step in path.steps:
            for node in (step.source, step.target):
                if node not in order:
                    order.append(node)
            edges.setdefault((step.source, step.target), step.relation)
    if not order or len(order) > GRAPH_MAX_NODES:
        return (
            f'<p class="muted">{len(order)} entities: too many to draw; the paths are listed.</p>'
            if order
            else ""
        )
    column = dict.fromkeys(order, 0)
    for _round in range(len(order)):  # longest chain, bounded: a cycle cannot loop forever
        changed = False
        for source, target in edges:
            if column[target] < column[source] + 1 <= len(order):
                column[target] = column[source] + 1
                changed = True
        if not changed:
            break
    rows: dict[int, int] = {}
    place: dict[str, tuple[int, int]] = {}
    for node in order:
        col = column[node]
        row = rows.get(col, 0)
        rows[col] = row + 1
        place[node] = (10 + col * (BOX_W + GAP_X), 10 + row * (BOX_H + GAP_Y))
    width = 20 + (max(column.values()) + 1) * (BOX_W + GAP_X) - GAP_X
    height = 20 + max(rows.values()) * (BOX_H + GAP_Y) - GAP_Y
    entries = {p.entry for p in paths}
    crowns = {p.target for p in paths}
    parts = [
        f'<svg class="graph" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}"'
        f' width="{width}" height="{height}" role="img" aria-label="attack graph">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8"'
        ' markerHeight="8" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z"/>'
        "</marker></defs>",
    ]
    for (source, target), relation in edges.items():
        (x1, y1), (x2, y2) = place[source], place[target]
        start = (x1 + BOX_W, y1 + BOX_H // 2)
        end = (x2, y2 + BOX_H // 2)
        if x2 <= x1:  # back or sideways: from the bottom of one box to the top of the other
            start, end = (x1 + BOX_W // 2, y1 + BOX_H), (x2 + BOX_W // 2, y2)
        parts.append(
            f'<path class="edge" marker-end="url(#arrow)" d="M {start[0]} {start[1]}'
            f' L {end[0]} {end[1]}"><title>{_e(relation)}</title></path>'
            f'<text class="rel" x="{(start[0] + end[0]) // 2}" y="{(start[1] + end[1]) // 2 - 4}"'
            f' text-anchor="middle">{_e(_cut(relation, 14))}</text>'
        )
    for node in order:
        x, y = place[node]
        css = "entry" if node in entries else "crown" if node in crowns else ""
        parts.append(
            f'<g><title>{_e(node)}</title><rect class="{css}" x="{x}" y="{y}" width="{BOX_W}"'
            f' height="{BOX_H}" rx="6"/><text x="{x + 8}" y="{y + BOX_H // 2 + 4}">'
            f"{_e(_cut(node, LABEL_CHARS), keep_newlines=False)}</text></g>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


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


def _finding(item: Finding, *, filtered: bool = False) -> str:
    """One finding; ``filtered`` ones carry what the filters match (severity, layer, rule)."""
    label = item.severity.label
    data = (
        f' data-severity="{label}" data-layer="{_e(item.rule.layer.value)}"'
        f' data-rule="{_e(item.code)}"'
        if filtered
        else ""
    )
    rows = [
        f'<div class="finding" id="f-{item.fingerprint}"{data}>',
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
