"""Dependabot configuration rules and their checks: CI021, CI022."""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from typing import ClassVar

from outwork.analyzers.pipelines import data
from outwork.analyzers.pipelines.checks import DependabotCheck
from outwork.analyzers.pipelines.paths import key_path
from outwork.analyzers.pipelines.workflow import Where
from outwork.analyzers.pipelines.yamlpos import Node
from outwork.core.analyzer import Emitted
from outwork.core.findings import finding
from outwork.core.rules import Confidence, Layer, Rule, Severity


class Cooldown(enum.Enum):
    """What the update entry says about waiting for new releases."""

    NONE = "no cooldown"
    NO_DEFAULT_DAYS = "a cooldown without default-days (other keys may set some days)"
    SHORT = "default-days shorter than the minimum"


class DependabotMissingCooldown(Rule):
    """Dependabot proposes new releases the day they are published.

    ## What it finds
    `updates` entries of `.github/dependabot.yml` without a `cooldown`, or with a
    `default-days` shorter than the recommended minimum (7 days). Ecosystems that do not
    support cooldowns are skipped.

    ## Why it matters
    Most malicious releases are found and removed within days. Without a cooldown, the bot opens
    a pull request for a compromised version within hours, and automerge or a hurried review does
    the rest.

    ## Example
    ```yaml
    updates:
      - package-ecosystem: npm
        directory: /
        schedule: {interval: daily}
    ```

    ## Remediation
    Add `cooldown: {default-days: 7}` to every update entry.

    ## References
    - GitHub Docs, "Dependabot options reference: cooldown"
    - zizmor audit `dependabot-cooldown`
    - CWE-1357: Reliance on Insufficiently Trustworthy Component
    """

    code = "CI021"
    name = "dependabot-missing-cooldown"
    layer = Layer.CI
    severity = Severity.MEDIUM
    confidence = Confidence.HIGH
    severities: ClassVar[Mapping[enum.Enum, Severity]] = {
        Cooldown.NONE: Severity.MEDIUM,
        Cooldown.NO_DEFAULT_DAYS: Severity.LOW,
        Cooldown.SHORT: Severity.MEDIUM,
    }
    cwe = (1357,)


class DependabotInsecureExecution(Rule):
    """Dependabot is allowed to run code from dependencies while updating them.

    ## What it finds
    `insecure-external-code-execution: allow` in an update entry.

    ## Why it matters
    Resolving some ecosystems (Bundler, Mix, pip with `setup.py`) executes the dependency's code;
    with this option, a malicious release runs inside Dependabot's job with access to the
    configured registry credentials.

    ## Example
    ```yaml
    - package-ecosystem: bundler
      insecure-external-code-execution: allow
    ```

    ## Remediation
    Remove the option (the default is `deny`).

    ## References
    - GitHub Docs, "Dependabot options reference: insecure-external-code-execution"
    - zizmor audit `dependabot-execution`
    - CWE-829: Inclusion of Functionality from Untrusted Control Sphere
    """

    code = "CI022"
    name = "dependabot-insecure-code-execution"
    layer = Layer.CI
    severity = Severity.HIGH
    confidence = Confidence.HIGH
    cwe = (829,)


class InsecureExecutionCheck(DependabotCheck):
    rules = (DependabotInsecureExecution,)

    def update(self, entry: Node, where: Where, ecosystem: str) -> Iterator[Emitted]:
        execution = entry.get("insecure-external-code-execution")
        if execution is None or execution.text().strip().lower() != "allow":
            return
        line, col = entry.key_pos("insecure-external-code-execution")
        yield finding(
            DependabotInsecureExecution,
            f"Dependabot may run {ecosystem or 'dependency'} code while resolving updates",
            line=line,
            column=col,
            logical=key_path(*where, "insecure-external-code-execution"),
            evidence=f"{ecosystem}: insecure-external-code-execution: allow",
        )


class CooldownCheck(DependabotCheck):
    rules = (DependabotMissingCooldown,)

    def update(self, entry: Node, where: Where, ecosystem: str) -> Iterator[Emitted]:
        if ecosystem in data.NO_COOLDOWN_ECOSYSTEMS:
            return
        cooldown = entry.get("cooldown")
        if cooldown is None or not cooldown.is_map:
            line, col = entry.key_pos("package-ecosystem")
            yield finding(
                DependabotMissingCooldown,
                f"no cooldown for {ecosystem or 'this entry'}: new releases are proposed at once",
                line=line,
                column=col,
                logical=key_path(*where),
                severity=DependabotMissingCooldown.severity_in(Cooldown.NONE),
                evidence=f"{ecosystem}: no cooldown",
            )
            return
        days_node = cooldown.get("default-days")
        if days_node is None:
            line, col = entry.key_pos("cooldown")
            yield finding(
                DependabotMissingCooldown,
                f"cooldown for {ecosystem} sets no default-days (default is 0)",
                line=line,
                column=col,
                logical=key_path(*where, "cooldown"),
                severity=DependabotMissingCooldown.severity_in(Cooldown.NO_DEFAULT_DAYS),
                evidence=f"{ecosystem}: cooldown without default-days",
            )
            return
        text = days_node.text().strip()
        try:
            days = int(text)
        except ValueError:
            days = -1
        if days < data.MIN_COOLDOWN_DAYS:
            yield finding(
                DependabotMissingCooldown,
                f"cooldown of {text} day(s) for {ecosystem} is shorter than "
                f"{data.MIN_COOLDOWN_DAYS}",
                line=days_node.line,
                column=days_node.col,
                logical=key_path(*where, "cooldown", "default-days"),
                severity=DependabotMissingCooldown.severity_in(Cooldown.SHORT),
                evidence=f"{ecosystem}: default-days {text}",
            )
