"""Signals: what the package analysers observed, before they become findings and a verdict."""

from __future__ import annotations

import enum
from dataclasses import field

from outwork.core.records import record
from outwork.core.rules import Rule, Severity


class Context(enum.IntEnum):
    """When a piece of code runs; install time weighs most."""

    RUNTIME = 1
    IMPORT = 2
    INSTALL = 3

    @property
    def label(self) -> str:
        return {1: "when called", 2: "on import", 3: "at install time"}[self.value]


@record
class Signal:
    """One observation: a rule, a place, a severity already graded by context."""

    rule: type[Rule]
    severity: Severity
    message: str
    path: str = ""
    line: int | None = None
    evidence: str = ""
    context: Context = Context.RUNTIME
    #: Graph relations this signal proves (``executes-at-install``, ``exfiltrates``).
    relations: tuple[str, ...] = field(default=())

    def __init__(
        self,
        rule: type[Rule],
        severity: Severity,
        message: str,
        path: str = "",
        line: int | None = None,
        evidence: str = "",
        context: Context = Context.RUNTIME,
        relations: tuple[str, ...] = (),
    ) -> None:
        setter = object.__setattr__
        setter(self, "rule", rule)
        setter(self, "severity", severity)
        setter(self, "message", message)
        setter(self, "path", path)
        setter(self, "line", line)
        setter(self, "evidence", evidence)
        setter(self, "context", context)
        setter(self, "relations", relations)


def clip(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
