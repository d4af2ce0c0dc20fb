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
- ``concise``: one ``path:line:col: SEVERITY CODE message`` line per finding.
- ``github``: GitHub Actions workflow commands (annotations on the pull request).
- ``markdown``: a job summary (``$GITHUB_STEP_SUMMARY``) or a pull request comment.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from outwork.core import reference
from outwork.core.errors import UsageError
from outwork.core.findings import ScanResult

#: Each format's renderer, ``(result, **options) -> text``, named as ``module:function``: a
#: scan loads only the reporter it writes with (the CycloneDX library alone is most of the
#: memory every reporter together would add to a scan; docs/benchmarks.md, issue 11).
RENDERERS: dict[str, str] = {
    "terminal": "outwork.report.terminal:render_text",
    "json": "outwork.report.json_report:render",
    "sarif": "outwork.report.sarif:render",
    "cyclonedx": "outwork.report.cyclonedx:render",
    "html": "outwork.report.html:render",
    "concise": "outwork.report.plain:render_concise",
    "github": "outwork.report.plain:render_github",
    "markdown": "outwork.report.plain:render_markdown",
    "gitlab": "outwork.report.exchange:render_gitlab",
    "junit": "outwork.report.exchange:render_junit",
}
FORMATS: tuple[str, ...] = tuple(RENDERERS)

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
    ".md": "markdown",
    ".junit.xml": "junit",
}


def render(fmt: str, result: ScanResult, **options: Any) -> str:
    """Render ``result`` in format ``fmt``; raises :class:`UsageError` for an unknown format or
    option."""
    name = fmt.strip().lower()
    # Options a caller may pass whatever the format; each format takes the ones it uses.
    for option, formats in SHARED_OPTIONS.items():
        if name not in formats:
            options.pop(option, None)
    if name not in RENDERERS:
        raise UsageError(f"unknown report format {fmt!r}: choose one of {', '.join(FORMATS)}")
    renderer = cast(Callable[..., str], reference.load(RENDERERS[name]))
    try:
        return renderer(result, **options)
    except TypeError as exc:
        if "unexpected keyword argument" in str(exc):
            raise UsageError(f"format {name}: {exc}; see outwork.report for its options") from None
        raise


def format_for(path: str) -> str | None:
    """The format an output file name suggests (``report.sarif`` -> ``sarif``), if any."""
    lower = path.lower()
    for suffix in sorted(SUFFIXES, key=len, reverse=True):
        if lower.endswith(suffix):
            return SUFFIXES[suffix]
    return None
