"""Helpers shared by the reporters: safe text, grouping and the mappings every format needs.

Findings carry attacker-controlled strings (file names, messages quoting code, evidence). Each
reporter escapes for its own medium; this module supplies what they share: strings that can be
encoded as UTF-8 whatever the file system handed us, and visible stand-ins for characters that
hide or reorder text on a screen (terminal escape sequences, bidirectional overrides).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from outwork import __version__
from outwork.core.artifact import MEMBER_SEP
from outwork.core.findings import Finding, ScanResult
from outwork.core.rules import Layer, Rule, Severity

TOOL_NAME = "outwork"
TOOL_VERSION = __version__
TOOL_URI = "https://github.com/outwork-security/outwork"

#: Characters that change how surrounding text is displayed without being seen: bidirectional
#: controls (Trojan Source, CVE-2021-42574), zero-width characters and the byte-order mark.
INVISIBLE: frozenset[str] = frozenset(
    "\u061c\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff\u2028\u2029"
)


#: What :func:`visible` escapes: control characters, lone surrogates and :data:`INVISIBLE`.
NEEDS_SHOWING = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff" + "".join(sorted(INVISIBLE)) + "]"
)


def utf8_safe(text: str) -> str:
    """Make ``text`` encodable as UTF-8.

    Lone surrogates come from undecodable file names (``os.fsdecode``'s surrogateescape); they
    are turned back into the bytes they stand for and shown as ``\\xNN``.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return raw_bytes(text).decode("utf-8", "backslashreplace")
    return text


def raw_bytes(text: str) -> bytes:
    """The bytes a file-system string stands for (surrogate escapes turned back into bytes)."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


def visible(text: str, *, keep_newlines: bool = True) -> str:
    """``text`` with control and invisible characters replaced by visible escapes.

    For media that show text to a person (terminal, HTML): an ESC byte in a file name must not
    reach the terminal, and a right-to-left override must not reorder a line of evidence.
    Tabs (and newlines unless ``keep_newlines`` is false) are kept.
    """
    text = utf8_safe(text)
    if not keep_newlines:
        text = text.replace("\r\n", "\n").replace("\n", "\u23ce ")
    return NEEDS_SHOWING.sub(_escape_char, text)


def _escape_char(match: re.Match[str]) -> str:
    char = match.group(0)
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"<U+{code:04X}>"


def clean_data(value: Any) -> Any:
    """A JSON-ready copy of ``value``: UTF-8-safe strings, sets sorted, unknown objects as text.

    Analyzers may put any value in ``properties``; the reports must still serialise
    deterministically and never fail on one odd value.
    """
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, str):
        return utf8_safe(value)
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", "backslashreplace")
    if isinstance(value, Mapping):
        return {utf8_safe(str(k)): clean_data(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        items = [clean_data(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    if isinstance(value, list | tuple):
        return [clean_data(v) for v in value]
    return utf8_safe(str(value))


def public_components(components: Any) -> list[Any]:
    """An artifact's components without analyzers' private notes for their whole-scan step
    (types starting ``_``, such as the pipelines layer's cross-file flows)."""
    return [
        c
        for c in components or ()
        if not (isinstance(c, dict) and str(c.get("type", "")).startswith("_"))
    ]


def public_properties(finding_properties: Mapping[str, Any]) -> dict[str, Any]:
    """A finding's properties without the engine's private bookkeeping (keys starting ``_``)."""
    return {k: v for k, v in finding_properties.items() if not str(k).startswith("_")}


def dump_json(data: Any, *, indent: int | None = 2) -> str:
    """Deterministic JSON of :func:`clean_data` ``(data)``: sorted keys, UTF-8 text (not ``\\u``
    escapes), a final newline; compact separators when ``indent`` is None."""
    separators = (",", ":") if indent is None else None
    text = json.dumps(
        clean_data(data), indent=indent, separators=separators, sort_keys=True, ensure_ascii=False
    )
    return text + "\n"


_HEX = frozenset("0123456789abcdef")


def is_sha256(digest: str | None) -> bool:
    """Whether ``digest`` is a real SHA-256 (64 lower-case hex digits): what reports may call a
    hash. Anything else (a cache identity, a truncated value) is never shown as one."""
    return digest is not None and len(digest) == 64 and all(c in _HEX for c in digest)


def split_members(path: str) -> list[str]:
    """``a.zip!/b.tar!/c.py`` -> ``["a.zip", "b.tar", "c.py"]``."""
    return path.split(MEMBER_SEP)


def layer_order(layer: Layer) -> int:
    return list(Layer).index(layer)


def grouped(findings: Iterable[Finding]) -> list[tuple[Layer, list[Finding]]]:
    """Findings grouped by layer (in the catalogue's layer order), most severe first within a
    layer; the scan's order is kept among equals."""
    groups: dict[Layer, list[Finding]] = {}
    for item in findings:
        groups.setdefault(item.rule.layer, []).append(item)
    return [
        (layer, sorted(groups[layer], key=lambda f: -f.severity))
        for layer in sorted(groups, key=layer_order)
    ]


def in_report_order(findings: Iterable[Finding]) -> list[Finding]:
    """Findings in the order every report lists them: by layer, then as :func:`grouped` sorts."""
    return [f for _layer, group in grouped(findings) for f in group]


def on_disk(path: str) -> str:
    """The file a finding attaches to in a CI system's view: the archive itself for a member."""
    return path.split(MEMBER_SEP, 1)[0]


def severity_counts(findings: Iterable[Finding]) -> dict[Severity, int]:
    counts = dict.fromkeys(sorted(Severity, reverse=True), 0)
    for item in findings:
        counts[item.severity] += 1
    return counts


def rules_of(result: ScanResult) -> list[type[Rule]]:
    """The rules that have findings in ``result`` (suppressed included), sorted by code."""
    seen: dict[str, type[Rule]] = {}
    for item in result.findings:
        seen.setdefault(item.rule.code, item.rule)
    return sorted(seen.values(), key=lambda r: (layer_order(r.layer), r.code))


_SECTIONS: dict[type[Rule], dict[str, str]] = {}


def rule_sections(rule: type[Rule]) -> dict[str, str]:
    """A rule's documentation sections, parsed once per rule rather than once per finding."""
    if rule not in _SECTIONS:
        _SECTIONS[rule] = rule.sections()
    return _SECTIONS[rule]


def human_bytes(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} B"  # pragma: no cover - the loop always returns


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count} {word if count == 1 else (many or word + 's')}"
