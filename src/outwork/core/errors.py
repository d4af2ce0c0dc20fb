"""Errors that carry their remedy: the message tells the user what to do next."""

from __future__ import annotations


class OutworkError(Exception):
    """Base of every error the library raises on purpose."""


class UsageError(OutworkError):
    """The user asked for something that cannot be done as asked (exit code 2)."""


class ConfigError(UsageError):
    """A configuration file or option is invalid."""


class TargetError(UsageError):
    """A scan target does not exist or cannot be opened."""


class RuleDefinitionError(OutworkError):
    """A rule class is declared wrongly; raised at import time so it never ships."""


class BudgetExceeded(OutworkError):  # noqa: N818 - reads as a condition, like StopIteration
    """A parser hit one of its budgets (bytes, items, depth, time)."""

    def __init__(self, what: str, limit: int | float) -> None:
        super().__init__(f"{what} exceeds the budget of {limit}")
        self.what = what
        self.limit = limit
