"""Reporters: each renders one :class:`~outwork.core.findings.ScanResult`, computing nothing new.

``render(fmt, result, **options)`` returns the report as text for every format in
:data:`FORMATS`. The terminal format has a richer entry point for live output,
:func:`outwork.report.terminal.render`, which prints to a ``rich`` console the caller owns.

Options per format (unknown options are an error, so typos surface; ``color``, ``width`` and
``srcroot`` are accepted by every format and ignored where they mean nothing, so a caller can
pass them whatever the format):

- ``terminal``: ``width`` (default 100), ``color`` (default False), ``show_suppressed``.
- ``json``: ``indent`` (default 2; ``None`` for one line).
- ``sarif``: ``srcroot`` (the directory the scan ran in), ``indent``.
- ``cyclonedx``: ``serial_number`` (a UUID; default derived from the content),
  ``timestamp`` (a datetime; default none, so the same scan gives the same SBOM).
- ``html``: ``title``, ``show_suppressed`` (default True).
"""

from __future__ import annotations

from typing import Any

from outwork.core.errors import UsageError
from outwork.core.findings import ScanResult

FORMATS: tuple[str, ...] = ("terminal", "json", "sarif", "cyclonedx", "html")

#: Options every format accepts, and the formats that use them.
SHARED_OPTIONS: dict[str, tuple[str, ...]] = {
    "color": ("terminal",),
    "width": ("terminal",),
    "srcroot": ("sarif",),
}

#: File name suffixes a caller may use to pick a format from ``--output``.
SUFFIXES: dict[str, str] = {
    ".json": "json",
    ".sarif": "sarif",
    ".sarif.json": "sarif",
    ".cdx.json": "cyclonedx",
    ".html": "html",
    ".htm": "html",
    ".txt": "terminal",
}


def render(fmt: str, result: ScanResult, **options: Any) -> str:
    """Render ``result`` in format ``fmt``; raises :class:`UsageError` for an unknown format or
    option."""
    name = fmt.strip().lower()
    # Options a caller may pass whatever the format; each format takes the ones it uses.
    for option, formats in SHARED_OPTIONS.items():
        if name not in formats:
            options.pop(option, None)
    try:
        if name == "terminal":
            from outwork.report import _plain

            plain = _plain.render_text(result, **options)  # a clean scan needs no rich
            if plain is not None:
                return plain
            from outwork.report import terminal as terminal_report

            return terminal_report.render_text(result, **options)
        if name == "json":
            from outwork.report import json_report

            return json_report.render(result, **options)
        if name == "sarif":
            from outwork.report import sarif

            return sarif.render(result, **options)
        if name == "cyclonedx":
            from outwork.report import cyclonedx

            return cyclonedx.render(result, **options)
        if name == "html":
            from outwork.report import html

            return html.render(result, **options)
    except TypeError as exc:
        if "unexpected keyword argument" in str(exc):
            raise UsageError(f"format {name}: {exc}; see outwork.report for its options") from None
        raise
    raise UsageError(f"unknown report format {fmt!r}: choose one of {', '.join(FORMATS)}")


def format_for(path: str) -> str | None:
    """The format an output file name suggests (``report.sarif`` -> ``sarif``), if any."""
    lower = path.lower()
    for suffix in sorted(SUFFIXES, key=len, reverse=True):
        if lower.endswith(suffix):
            return SUFFIXES[suffix]
    return None
