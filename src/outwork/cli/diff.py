"""``outwork diff OLD NEW``: what a new release of a package does that the old one did not."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TextIO

from outwork import report
from outwork.core import policy as pol
from outwork.core.errors import UsageError
from outwork.core.rules import Severity
from outwork.engine.conclude import conclude
from outwork.engine.registry import selector_known
from outwork.sources import DEFAULT_NPM, DEFAULT_PYPI, RegistryOptions

#: A release always changes something; the gate stops at what a compromise looks like.
DEFAULT_FAIL_ON = Severity.HIGH


def add_diff_arguments(diff: argparse.ArgumentParser) -> None:
    """``outwork diff``'s arguments (its one-line help is in ``outwork.cli.main.COMMANDS``)."""
    diff.description = (
        "Compare two releases of one package (sdists, wheels, npm tarballs or"
        " unpacked folders; with --online, pypi:NAME==V or npm:NAME@V, alone for the release"
        " before it) and report what the new one does that the old one did not (PKG040-PKG044)."
        " Nothing is installed or run."
    )
    diff.add_argument("old", metavar="OLD", help="the old release, or the new one alone (--online)")
    diff.add_argument("new", nargs="?", metavar="NEW", help="the new release")
    diff.add_argument("--format", "-f", choices=report.FORMATS, help="report format")
    diff.add_argument("--output", "-o", type=Path, metavar="FILE", help="write the report to FILE")
    diff.add_argument(
        "--fail-on",
        metavar="SEVERITY",
        help="exit 1 when a finding reaches this severity, or none (default: high)",
    )
    diff.add_argument("--select", action="append", default=[], metavar="CODES")
    diff.add_argument("--ignore", action="append", default=[], metavar="CODES")
    diff.add_argument(
        "--online", action="store_true", help="allow pypi:/npm: releases, fetched from the registry"
    )
    diff.add_argument("--index-url", metavar="URL", help="PyPI JSON API base for pypi: releases")
    diff.add_argument("--npm-registry", metavar="URL", help="npm registry base for npm: releases")
    diff.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    diff.add_argument("--quiet", "-q", action="store_true", help="no summary on standard error")


def run_diff(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from outwork.analyzers.packages.diff import diff_targets  # the layer, when asked

    fail_on: Severity | None = DEFAULT_FAIL_ON
    if args.fail_on:
        fail_on = None if args.fail_on.lower() == "none" else _severity(args.fail_on)
    select = _split(args.select) or ("ALL",)
    ignore = _split(args.ignore)
    for selector in (*select, *ignore):
        if not selector_known(selector):
            raise UsageError(f"{selector!r} matches no rule; see `outwork rules` for codes")
    policy = pol.Policy(select=select, ignore=ignore, fail_on=fail_on, inline_suppressions=False)
    old, new = (args.old, args.new) if args.new else (None, args.old)
    registry = RegistryOptions(
        pypi_url=args.index_url or DEFAULT_PYPI, npm_url=args.npm_registry or DEFAULT_NPM
    )
    result = conclude(diff_targets(old, new, online=args.online, registry=registry), policy)
    guessed = report.format_for(str(args.output)) if args.output else None
    fmt = args.format or guessed or "terminal"
    options: dict[str, object] = {"srcroot": str(Path.cwd())}
    if args.output:
        args.output.write_text(report.render(fmt, result, color=False, **options), "utf-8")
    else:
        if fmt == "terminal":
            from outwork.cli import console  # rich, only for the terminal report

            options.update(console.terminal_options(out, args.color))
        out.write(report.render(fmt, result, **options))
    if not args.quiet:
        counts: dict[str, int] = {}
        for f in result.active:
            counts[f.severity.label] = counts.get(f.severity.label, 0) + 1
        parts = ", ".join(
            f"{counts[s.label]} {s.label}"
            for s in sorted(Severity, reverse=True)
            if s.label in counts
        )
        err.write(f"outwork: {parts or 'no changes reported'}; {result.stats.seconds:.2f}s\n")
    return pol.exit_code(result, policy)


def _severity(value: str) -> Severity:
    try:
        return Severity.parse(value)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _split(values: list[str]) -> tuple[str, ...]:
    return tuple(v.strip() for value in values for v in value.split(",") if v.strip())
