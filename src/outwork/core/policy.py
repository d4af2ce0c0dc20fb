"""Policy: selection, confidence floor, inline suppressions, baselines and the severity gate.

All filtering happens here, once, after analysis. Suppressed findings stay in the result with the
reason, so reporters can show what was hidden and by what.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

from outwork.core.errors import ConfigError
from outwork.core.findings import Finding, ScanResult
from outwork.core.rules import Confidence, Rule, Severity, selector_matches

BASELINE_VERSION = 1


@dataclass(frozen=True, slots=True)
class Policy:
    """What of a scan's findings to keep, and which of them fail it."""

    select: tuple[str, ...] = ("ALL",)
    ignore: tuple[str, ...] = ()
    min_confidence: Confidence = Confidence.LOW
    #: The gate: findings at or above it make the exit code 1. None never fails.
    fail_on: Severity | None = Severity.LOW
    baseline: frozenset[str] = frozenset()
    #: Honour ``outwork: ignore[...]`` comments (for rules that allow it).
    inline_suppressions: bool = True
    #: Codes whose findings ``min_confidence`` never filters (protected from discovered config).
    confidence_exempt: frozenset[str] = frozenset()


def rule_enabled(rule: type[Rule], policy: Policy) -> bool:
    selected = any(selector_matches(s, rule) for s in policy.select)
    ignored = any(selector_matches(s, rule) for s in policy.ignore)
    return selected and not ignored


def apply(result: ScanResult, policy: Policy) -> ScanResult:
    """Filter findings by selection and confidence; mark inline and baseline suppressions."""
    kept: list[Finding] = []
    for item in result.findings:
        if not rule_enabled(item.rule, policy):
            continue
        if item.confidence < policy.min_confidence and item.code not in policy.confidence_exempt:
            continue
        reason = _suppression(item, policy)
        kept.append(replace(item, suppressed=reason) if reason else item)
    result.findings = kept
    return result


def _suppression(item: Finding, policy: Policy) -> str | None:
    markers = item.properties.get("_inline_markers")
    if (
        policy.inline_suppressions
        and markers
        and item.rule.inline_suppressible
        and any(m.upper() == "ALL" or selector_matches(m, item.rule) for m in markers)
    ):
        return "inline"
    if item.fingerprint in policy.baseline:
        return "baseline"
    return None


def exit_code(result: ScanResult, policy: Policy) -> int:
    """0 when nothing active reaches the gate, 1 otherwise (usage errors and empty scans are the
    caller's: 2 and 3)."""
    if policy.fail_on is None:
        return 0
    gate = policy.fail_on
    return 1 if any(f.severity >= gate for f in result.active) else 0


def write_baseline(result: ScanResult, path: Path) -> int:
    """Record the active findings' fingerprints; returns how many were written."""
    entries = sorted(
        (
            {"fingerprint": f.fingerprint, "code": f.code, "path": f.location.path}
            for f in result.active
        ),
        key=lambda e: (e["path"], e["code"], e["fingerprint"]),
    )
    payload = {"version": BASELINE_VERSION, "tool": "outwork", "findings": entries}
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return len(entries)


def read_baseline(path: Path) -> frozenset[str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"baseline {path} does not exist; create one with --write-baseline {path}"
        ) from None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"baseline {path} cannot be read as JSON ({exc}); rewrite it") from None
    if not isinstance(data, dict) or data.get("version") != BASELINE_VERSION:
        raise ConfigError(
            f"baseline {path} is not an outwork baseline of version {BASELINE_VERSION};"
            " rewrite it with --write-baseline"
        )
    entries = data.get("findings", [])
    if not isinstance(entries, list):
        raise ConfigError(f"baseline {path}: 'findings' must be a list")
    return frozenset(
        str(e["fingerprint"]) for e in entries if isinstance(e, dict) and "fingerprint" in e
    )
