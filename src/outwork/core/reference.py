"""``"package.module:name"`` references: how a declaration names code that is imported only when
it is first used (an analyzer's implementation, a report format, a position resolver)."""

from __future__ import annotations

import importlib
from typing import Any


def load(reference: str) -> Any:
    """The object ``reference`` names, importing its module."""
    module, _, name = reference.partition(":")
    return getattr(importlib.import_module(module), name)
