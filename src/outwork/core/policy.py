"""Policy: selection, confidence floor, inline suppressions, baselines and the severity gate.

All filtering happens here, once, after analysis. Suppressed findings stay in the result with the
reason, so reporters can show what was hidden and by what.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace
from pathlib import Path

from outwork.core.artifact import MEMBER_SEP
from outwork.core.errors import ConfigError
from outwork.core.findings import Finding, ScanResult
from outwork.core.rules import Confidence, Rule, Severity, selector_matches

BASELINE_VERSION = 1
#: Targets that name a registry package, not a path: their findings' paths are kept as they are.
REGISTRY_PREFIXES = ("pypi:", "npm:")


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
    #: The project root baseline paths are relative to (see :func:`baseline_key`).
    root: str | None = None


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
    if policy.baseline and (
        baseline_key(item, policy.root) in policy.baseline or item.fingerprint in policy.baseline
    ):
        return "baseline"
    return None


def project_path(path: str, root: str | None) -> str:
    """A finding's path as a baseline records it: the part on disk relative to the project
    root (``./x``, ``x`` and ``/abs/x`` are one file), members and registry targets as they are.
    A path outside the root stays absolute."""
    if root is None or path.startswith(REGISTRY_PREFIXES):
        return path
    disk, sep, member = path.partition(MEMBER_SEP)
    where = Path(os.path.normpath(disk))
    try:  # the folder resolved as the root was, the file itself not (it may be a link)
        absolute = str(
            where.absolute().parent.resolve() / where.name if where.name else where.resolve()
        )
    except (OSError, RuntimeError):
        return path
    relative = os.path.relpath(absolute, root)
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        relative = absolute
    return relative.replace(os.sep, "/") + sep + member


def baseline_key(item: Finding, root: str | None) -> str:
    """The fingerprint a baseline records: :attr:`Finding.fingerprint` of the finding with its
    path (and that path where the evidence or message quotes it) relative to the project root,
    so the spelling of the target does not matter."""
    path = item.location.path
    moved = project_path(path, root)
    if moved == path:
        return item.fingerprint
    return replace(
        item,
        location=replace(item.location, path=moved),
        evidence=item.evidence.replace(path, moved),
        message=item.message.replace(path, moved),
    ).fingerprint


def exit_code(result: ScanResult, policy: Policy) -> int:
    """0 when nothing active reaches the gate, 1 otherwise (usage errors and empty scans are the
    caller's: 2 and 3)."""
    if policy.fail_on is None:
        return 0
    gate = policy.fail_on
    return 1 if any(f.severity >= gate for f in result.active) else 0


def write_baseline(result: ScanResult, path: Path, root: str | None = None) -> int:
    """Record the active findings' fingerprints, paths relative to ``root`` (see
    :func:`baseline_key`); returns how many were written."""
    entries = sorted(
        (
            {
                "fingerprint": baseline_key(f, root),
                "code": f.code,
                "path": project_path(f.location.path, root),
            }
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
