"""outwork: a static security scanner for the doors automated attackers walk through.

``outwork.scan(...)`` scans and returns the result model (see :mod:`outwork.api` and
``docs/api.md``); ``outwork.failed(result, "high")`` applies a gate to it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # type checkers see the real signatures
    from outwork.api import failed, scan

__version__ = "0.1.0"
__all__ = ["__version__", "failed", "scan"]


def __getattr__(name: str) -> Any:
    """``scan`` and ``failed`` are imported on first use: ``import outwork`` (every command
    does, for the version) stays free of the engine."""
    if name in ("scan", "failed"):
        from outwork import api

        return getattr(api, name)
    raise AttributeError(f"module 'outwork' has no attribute {name!r}")
