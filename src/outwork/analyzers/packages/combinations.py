"""Signals that add up: behaviours that each weigh medium alone and together make a verdict.

A package that downloads a program, hides the window it runs in, excludes itself from Windows
Defender and adds a Run key raises four medium findings when each sits in code that only runs
when called; summed as "the strongest finding plus half a point per further kind" they stayed
medium. The table below names the behaviours (each recognised from the findings the checks
already raise: their rule, or the command or call text they quote) and the combinations that set
the package verdict (PKG020) whatever the single findings weigh. A behaviour counts from a
medium or stronger finding, anywhere in the package; tests and examples were already lowered.

The rows are behaviour classes, never one campaign's names: each pattern lists the documented
interfaces a program uses for the behaviour (PowerShell's Defender cmdlets, Windows process
creation flags, the autostart locations of MITRE ATT&CK T1547 and T1053).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from outwork.analyzers.packages.signals import Signal
from outwork.core.reach import TESTS_NOTE, UNPACKAGED_NOTE
from outwork.core.rules import Severity


@dataclass(frozen=True, slots=True)
class Behaviour:
    """One behaviour class: the rule codes that raise it outright, and text that shows it in the
    evidence of any finding."""

    name: str
    summary: str
    codes: frozenset[str]
    pattern: re.Pattern[str] | None


@dataclass(frozen=True, slots=True)
class Combination:
    """Behaviours that together set the verdict's severity."""

    behaviours: frozenset[str]
    severity: Severity
    summary: str


BEHAVIOURS: tuple[Behaviour, ...] = (
    Behaviour(
        "download",
        "fetches a program or script (PKG003, or a downloader in a command)",
        frozenset({"PKG003"}),
        re.compile(
            r"Invoke-WebRequest|\biwr\b|DownloadFile|DownloadString|Start-BitsTransfer|"
            r"bitsadmin|certutil\S*\s+-urlcache|\bcurl\s|\bwget\s|urlretrieve",
            re.IGNORECASE,
        ),
    ),
    Behaviour(
        "hidden",
        "runs a program with its window hidden (PowerShell -WindowStyle Hidden, CREATE_NO_WINDOW,"
        " SW_HIDE, pythonw)",
        frozenset(),
        re.compile(
            r"-w(?:indowstyle)?\s+h(?:idden)?\b|CREATE_NO_WINDOW|0x0?8000000|SW_HIDE|"
            r"STARTF_USESHOWWINDOW|\bpythonw(?:\.exe)?\b|attrib\s+\+h",
            re.IGNORECASE,
        ),
    ),
    Behaviour(
        "defence",
        "weakens the host's defences (Defender exclusions or real-time monitoring off, firewall"
        " rules, UAC bypass through auto-elevating programs, shadow copies or event logs deleted)",
        frozenset(),
        re.compile(
            r"Add-MpPreference|Set-MpPreference|Exclusion(?:Path|Process|Extension)|"
            r"DisableRealtimeMonitoring|DisableAntiSpyware|netsh\s+advfirewall|fodhelper|"
            r"ms-settings\\+shell|ComputerDefaults|eventvwr|sdclt|vssadmin\s+delete|"
            r"wevtutil\s+cl|bcdedit",
            re.IGNORECASE,
        ),
    ),
    Behaviour(
        "persistence",
        "makes itself start again (PKG005, Run keys, scheduled tasks, cron, launch agents,"
        " systemd units)",
        frozenset({"PKG005"}),
        re.compile(
            r"CurrentVersion\\+Run|\bschtasks\b|\bcrontab\b|LaunchAgents|systemctl\s+enable|"
            r"Start Menu\\+Programs\\+Startup",
            re.IGNORECASE,
        ),
    ),
    Behaviour(
        "harvest",
        "reads credential stores (PKG006)",
        frozenset({"PKG006"}),
        None,
    ),
    Behaviour(
        "exfiltration",
        "sends secrets or host identity (PKG002)",
        frozenset({"PKG002"}),
        None,
    ),
)

C, H = Severity.CRITICAL, Severity.HIGH

COMBINATIONS: tuple[Combination, ...] = (
    Combination(frozenset({"download", "hidden"}), C, "fetches a program and runs it unseen"),
    Combination(frozenset({"download", "defence"}), C, "fetches a program and disarms defences"),
    Combination(frozenset({"download", "persistence"}), C, "fetches a program and persists"),
    Combination(frozenset({"defence", "persistence"}), C, "disarms defences and persists"),
    Combination(frozenset({"hidden", "persistence"}), H, "runs unseen and persists"),
    Combination(frozenset({"hidden", "defence"}), H, "runs unseen and disarms defences"),
    Combination(frozenset({"harvest", "exfiltration"}), H, "reads credential stores and sends"),
)


def behaviours(signals: Iterable[Signal]) -> dict[str, Signal]:
    """The behaviour classes a package's medium or stronger signals show, each with the first
    signal that shows it."""
    found: dict[str, Signal] = {}
    for signal in signals:
        if signal.severity < Severity.MEDIUM or signal.message.endswith(
            (TESTS_NOTE, UNPACKAGED_NOTE)
        ):
            continue  # tests, examples and scripts are not installed code: they add up to nothing
        for behaviour in BEHAVIOURS:
            if behaviour.name in found:
                continue
            if signal.rule.code in behaviour.codes or (
                behaviour.pattern is not None and behaviour.pattern.search(signal.evidence)
            ):
                found[behaviour.name] = signal
    return found


def strongest(signals: Iterable[Signal]) -> tuple[Combination, list[Signal]] | None:
    """The strongest combination the signals complete, with one signal per behaviour."""
    shown = behaviours(signals)
    best: tuple[Combination, list[Signal]] | None = None
    for combo in COMBINATIONS:
        if combo.behaviours <= shown.keys() and (best is None or combo.severity > best[0].severity):
            best = (combo, [shown[name] for name in sorted(combo.behaviours)])
    return best


def markdown() -> str:
    """The table as the verdict rule's page shows it."""
    lines = ["| behaviour | shown by |", "| --- | --- |"]
    lines += [f"| {b.name} | {b.summary} |" for b in BEHAVIOURS]
    lines += ["", "| together | verdict at least |", "| --- | --- |"]
    lines += [
        f"| {' + '.join(sorted(c.behaviours))} ({c.summary}) | {c.severity.label} |"
        for c in COMBINATIONS
    ]
    return "\n".join(lines)
