"""The JSON report: outwork's own versioned, documented format (``docs/json-format.md``).

Other tools read these keys, so they only ever grow within a major schema version; the JSON
Schema beside this module (``schemas/outwork-report-1.0.schema.json``) is the contract.
"""

from __future__ import annotations

from typing import Any

from outwork.core.findings import Finding, ScanResult
from outwork.core.rules import Severity
from outwork.report._common import (
    TOOL_NAME,
    TOOL_URI,
    TOOL_VERSION,
    dump_json,
    public_components,
    public_properties,
    severity_counts,
)

#: Version of the report's schema (not of the tool): major changes break readers.
SCHEMA_VERSION = "1.0"
SCHEMA_ID = "https://github.com/outwork-security/outwork/blob/main/src/outwork/report/schemas/outwork-report-1.0.schema.json"


def render(result: ScanResult, *, indent: int | None = 2) -> str:
    """The report as JSON text (UTF-8, sorted keys, final newline)."""
    return dump_json(to_data(result), indent=indent)


def to_data(result: ScanResult) -> dict[str, Any]:
    """The report as plain data, before serialisation."""
    counts = severity_counts(result.active)
    suppressed = [f for f in result.findings if f.suppressed is not None]
    return {
        "$schema": SCHEMA_ID,
        "version": SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": TOOL_VERSION, "uri": TOOL_URI},
        "targets": list(result.targets),
        "findings": [finding_data(f) for f in result.findings],
        "skipped": sorted((s.to_dict() for s in result.skipped), key=_by("path", "reason")),
        "errors": sorted(
            (e.to_dict() for e in result.errors), key=_by("path", "analyzer", "error")
        ),
        "artifacts": sorted((_artifact(a.to_dict()) for a in result.artifacts), key=_by("path")),
        "facts": sorted(
            (f.to_dict() for f in result.facts), key=_by("source", "relation", "target", "proof")
        ),
        "paths": [p.to_dict() for p in result.paths],
        "stats": result.stats.to_dict(),
        "summary": {
            "findings": len(result.findings),
            "active": len(result.active),
            "suppressed": len(suppressed),
            "by_severity": {s.label: counts[s] for s in Severity},
        },
    }


def finding_data(item: Finding) -> dict[str, Any]:
    data = item.to_dict()
    _valid_positions(data["location"])
    for related in data["related"]:
        _valid_positions(related)
    data["properties"] = public_properties(item.properties)
    data["cwe"] = [f"CWE-{c}" for c in item.rule.cwe]
    data["help_uri"] = item.rule.help_uri()
    data["snippet"] = [{"line": n, "text": t} for n, t in item.snippet]
    return data


def _valid_positions(location: dict[str, Any]) -> None:
    """Lines and columns are 1-based: a position below 1 (an analyzer's slip) is unknown."""
    for key in ("line", "column", "end_line", "end_column"):
        value = location.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            location[key] = None


def _artifact(data: dict[str, Any]) -> dict[str, Any]:
    data["kind"] = str(data["kind"])
    properties = data.get("properties")
    if isinstance(properties, dict) and "components" in properties:
        public = public_components(properties["components"])
        data["properties"] = {**properties, "components": public}
        if not public:
            del data["properties"]["components"]
    return data


def _by(*keys: str) -> Any:
    def key(entry: dict[str, Any]) -> tuple[str, ...]:
        return tuple(str(entry.get(k, "")) for k in keys)

    return key
