"""Signals: what the package analysers observed, before they become findings and a verdict."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from outwork.core.rules import Rule, Severity


class Context(enum.IntEnum):
    """When a piece of code runs; install time weighs most."""

    RUNTIME = 1
    IMPORT = 2
    INSTALL = 3

    @property
    def label(self) -> str:
        return {1: "when called", 2: "on import", 3: "at install time"}[self.value]


@dataclass(frozen=True, slots=True)
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
    #: For a finding of a module's top level (or what it certainly runs): the severity its
    #: rule declares one column further, for code reached from import time. A module of a
    #: package that nothing of the package imports, names or starts runs only when its user
    #: imports or runs it, and is graded so (``package._unreached_modules``).
    reachable: Severity | None = None


def clip(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
