"""Dependabot configuration audits."""

from __future__ import annotations

from collections.abc import Iterator

from outwork.analyzers.pipelines import data
from outwork.analyzers.pipelines.rules import dependabot as rules
from outwork.analyzers.pipelines.yamlpos import Node, key_path
from outwork.core.analyzer import Emitted
from outwork.core.findings import finding


def audit(root: Node) -> Iterator[Emitted]:
    updates = root.get("updates")
    for index, entry in enumerate(updates.seq() if updates is not None else []):
        if not entry.is_map:
            continue
        where = ("updates", index)
        ecosystem = entry.text("package-ecosystem").strip().lower()
        execution = entry.get("insecure-external-code-execution")
        if execution is not None and execution.text().strip().lower() == "allow":
            line, col = entry.key_pos("insecure-external-code-execution")
            yield finding(
                rules.DependabotInsecureExecution,
                f"Dependabot may run {ecosystem or 'dependency'} code while resolving updates",
                line=line,
                column=col,
                logical=key_path(*where, "insecure-external-code-execution"),
                evidence=f"{ecosystem}: insecure-external-code-execution: allow",
            )
        if ecosystem in data.NO_COOLDOWN_ECOSYSTEMS:
            continue
        cooldown = entry.get("cooldown")
        if cooldown is None or not cooldown.is_map:
            line, col = entry.key_pos("package-ecosystem")
            yield finding(
                rules.DependabotMissingCooldown,
                f"no cooldown for {ecosystem or 'this entry'}: new releases are proposed at once",
                line=line,
                column=col,
                logical=key_path(*where),
                severity=rules.DependabotMissingCooldown.severity_in(rules.Cooldown.NONE),
                evidence=f"{ecosystem}: no cooldown",
            )
            continue
        days_node = cooldown.get("default-days")
        if days_node is None:
            line, col = entry.key_pos("cooldown")
            yield finding(
                rules.DependabotMissingCooldown,
                f"cooldown for {ecosystem} sets no default-days (default is 0)",
                line=line,
                column=col,
                logical=key_path(*where, "cooldown"),
                severity=rules.DependabotMissingCooldown.severity_in(
                    rules.Cooldown.NO_DEFAULT_DAYS
                ),
                evidence=f"{ecosystem}: cooldown without default-days",
            )
            continue
        try:
            days = int(days_node.text().strip())
        except ValueError:
            days = -1
        if days < data.MIN_COOLDOWN_DAYS:
            yield finding(
                rules.DependabotMissingCooldown,
                f"cooldown of {days_node.text().strip()} day(s) for {ecosystem} is shorter than "
                f"{data.MIN_COOLDOWN_DAYS}",
                line=days_node.line,
                column=days_node.col,
                logical=key_path(*where, "cooldown", "default-days"),
                severity=rules.DependabotMissingCooldown.severity_in(rules.Cooldown.SHORT),
                evidence=f"{ecosystem}: default-days {days_node.text().strip()}",
            )
