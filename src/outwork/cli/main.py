"""The command line: the only code that reads argv and the environment, prints, or exits.

Exit codes: 0 nothing at or above the gate; 1 findings at or above the gate; 2 usage,
configuration or internal error; 3 nothing was scanned.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO, TypeVar

from outwork import __version__
from outwork.core.errors import OutworkError, UsageError

if TYPE_CHECKING:
    from outwork.core.findings import ScanResult
    from outwork.core.policy import Policy
    from outwork.core.rules import Rule
    from outwork.engine.pipeline import ScanOptions

T = TypeVar("T")

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2
EXIT_NOTHING = 3

FORMATS = ("terminal", "json", "sarif", "cyclonedx", "html")


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter, told the terminal's width without importing ``shutil``.

    argparse builds a formatter for every argument it declares, and the stock one imports
    ``shutil`` (with ``bz2`` and ``lzma``) for ``shutil.get_terminal_size``: ~1.5 ms of every
    command. :func:`_terminal_columns` is that function's column count, computed the same way.
    """

    def __init__(
        self,
        prog: str,
        indent_increment: int = 2,
        max_help_position: int = 24,
        width: int | None = None,
    ) -> None:
        if width is None:
            width = _terminal_columns() - 2
        super().__init__(prog, indent_increment, max_help_position, width)


def _terminal_columns() -> int:
    """``shutil.get_terminal_size().columns``: ``$COLUMNS``, else standard output's terminal,
    else 80."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            size = os.get_terminal_size(sys.__stdout__.fileno())  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            size = os.terminal_size((80, 24))
        columns = size.columns or 80
    return columns


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser; given ``argv``, the ``db`` command's own parser (which imports the
    advisory store, a tenth of a second) is built only when ``argv`` names it."""
    parser = argparse.ArgumentParser(
        prog="outwork",
        formatter_class=_HelpFormatter,
        description="Static security scanner for packages, AI models, lockfiles, pipelines"
        " and more.",
    )
    parser.add_argument("--version", action="version", version=f"outwork {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    scan = sub.add_parser(
        "scan",
        help="scan files, folders, archives and registry packages",
        formatter_class=_HelpFormatter,
    )
    scan.add_argument(
        "targets", nargs="*", metavar="TARGET", help="paths or pypi:/npm: references (default: .)"
    )
    scan.add_argument("--format", "-f", choices=FORMATS, help="report format (default: terminal)")
    scan.add_argument(
        "--output", "-o", type=Path, help="write the report to FILE instead of standard output"
    )
    scan.add_argument(
        "--select",
        action="append",
        default=[],
        metavar="CODES",
        help="only these rules: codes, prefixes or names, comma-separated",
    )
    scan.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="CODES",
        help="skip these rules: codes, prefixes or names, comma-separated",
    )
    scan.add_argument(
        "--fail-on",
        metavar="SEVERITY",
        help="exit 1 when a finding reaches this severity: info, low, medium, high, critical"
        " or none (default: low)",
    )
    scan.add_argument(
        "--min-confidence", metavar="LEVEL", help="drop findings below: low, medium, high"
    )
    scan.add_argument(
        "--baseline", type=Path, metavar="FILE", help="suppress findings recorded in FILE"
    )
    scan.add_argument(
        "--write-baseline",
        type=Path,
        metavar="FILE",
        help="record the current findings in FILE (exit 0)",
    )
    scan.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="configuration file (default: outwork.toml or pyproject.toml found upward)",
    )
    scan.add_argument("--no-config", action="store_true", help="ignore configuration files")
    net = scan.add_mutually_exclusive_group()
    net.add_argument(
        "--offline",
        dest="offline",
        action="store_true",
        default=None,
        help="never touch the network (default, except for pypi:/npm: targets)",
    )
    net.add_argument(
        "--online",
        dest="offline",
        action="store_false",
        help="allow registry look-ups that need the network",
    )
    scan.add_argument(
        "--jobs", "-j", type=int, metavar="N", help="worker processes (default: cores)"
    )
    scan.add_argument("--no-cache", action="store_true", help="do not read or write the scan cache")
    scan.add_argument("--cache-dir", type=Path, metavar="DIR", help="scan cache directory")
    scan.add_argument("--include-git", action="store_true", help="also scan .git folders")
    scan.add_argument(
        "--no-inline-suppressions", action="store_true", help="ignore outwork: ignore[...] comments"
    )
    scan.add_argument(
        "--advisory-db", type=Path, metavar="FILE", help="advisory database (see `outwork db`)"
    )
    scan.add_argument(
        "--advisory-max-age",
        type=int,
        metavar="DAYS",
        help="warn when the advisory database is older than DAYS (default: 7)",
    )
    scan.add_argument("--index-url", metavar="URL", help="PyPI JSON API base for pypi: targets")
    scan.add_argument("--npm-registry", metavar="URL", help="npm registry base for npm: targets")
    scan.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    scan.add_argument(
        "--show-suppressed", action="store_true", help="list suppressed findings in the terminal"
    )
    scan.add_argument("--quiet", "-q", action="store_true", help="no summary on standard error")

    rules = sub.add_parser(
        "rules", help="list the rule catalogue or show one rule", formatter_class=_HelpFormatter
    )
    rules.add_argument("code", nargs="?", help="a rule code or name")
    rules.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    rules.add_argument(
        "--write-docs",
        type=Path,
        metavar="DIR",
        help="regenerate the rule pages (docs/rules) into DIR",
    )

    if argv is not None and "db" not in argv:
        # listed, never parsed
        sub.add_parser("db", help="the advisory database (OSV)", formatter_class=_HelpFormatter)
        return parser
    try:
        from outwork.cli.db import add_db_parser
    except ImportError:
        pass
    else:
        add_db_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    if argv is not None:  # called as a function: the caller's process goes on
        return run(list(argv), sys.stdout, sys.stderr)
    code = run(sys.argv[1:], sys.stdout, sys.stderr)
    _before_exit()
    return code


def _before_exit() -> None:
    """The process is about to end: spare it the interpreter's last garbage collection.

    At exit Python collects every object still alive, which after a package scan is a tenth of
    the command's time (~10 ms). ``gc.freeze`` moves them out of the collector's sight; they go
    with the process. Nothing is lost: every file, database and worker pool the command opened
    is closed by its own ``with`` or ``finally`` before this point, and ``atexit`` handlers,
    ``weakref.finalize`` callbacks and the flushing of standard streams still run.
    """
    import gc

    gc.freeze()


def run(argv: list[str], out: TextIO, err: TextIO) -> int:
    parser = build_parser(argv)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return EXIT_OK if exc.code in (0, None) else EXIT_ERROR
    try:
        if args.command == "scan":
            return _scan(args, out, err)
        if args.command == "rules":
            return _rules(args, out, err)
        if args.command == "db":
            from outwork.cli.db import run_db

            return run_db(args, _data_dir(), err)
        parser.print_help(err)
        return EXIT_ERROR
    except OutworkError as exc:
        err.write(f"outwork: error: {exc}\n")
        return EXIT_ERROR
    except KeyboardInterrupt:
        err.write("outwork: interrupted\n")
        return EXIT_ERROR
    except Exception as exc:
        import traceback

        if os.environ.get("OUTWORK_DEBUG"):
            traceback.print_exc(file=err)
        err.write(
            f"outwork: internal error: {type(exc).__name__}: {exc}\n"
            "outwork: this is a bug; rerun with OUTWORK_DEBUG=1 and report the trace\n"
        )
        return EXIT_ERROR


def _data_dir() -> Path:
    env = os.environ.get("OUTWORK_DATA_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_data_dir("outwork", appauthor=False))


#: Built-in analyzers that never read ``AnalysisContext.data_dir`` (the dependencies analyzer
#: keeps its advisory database there; tests/core/test_cli_startup.py checks these never name it).
NO_DATA_DIR = frozenset({"packages", "models", "pipelines"})


def _reads_data_dir(select: tuple[str, ...], ignore: tuple[str, ...], offline: bool) -> bool:
    """Whether an analyzer this scan may run reads the data folder.

    Its default location comes from platformdirs, which imports tempfile, random and shutil:
    ~3 ms of a command whose rules are all the packages layer's (the per-package comparison with
    other scanners). Any other analyzer with a selected rule, one without rules, or an online
    scan (whose registry checks run the dependencies analyzer too) gets the folder.
    """
    if not offline:
        return True
    from outwork.core.rules import selector_matches
    from outwork.engine.registry import load_analyzers

    for analyzer in load_analyzers().values():
        if analyzer.name in NO_DATA_DIR:
            continue
        if not analyzer.rules:
            return True
        for rule in analyzer.rules:
            if any(selector_matches(s, rule) for s in select) and not any(
                selector_matches(s, rule) for s in ignore
            ):
                return True
    return False


def _cache_dir(args: argparse.Namespace) -> Path | None:
    if args.no_cache or os.environ.get("OUTWORK_NO_CACHE"):
        return None
    if args.cache_dir:
        return Path(args.cache_dir)
    env = os.environ.get("OUTWORK_CACHE_DIR")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("outwork", appauthor=False))


def _split(values: list[str]) -> tuple[str, ...]:
    return tuple(v.strip() for value in values for v in value.split(",") if v.strip())


def _scan(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from outwork.core import config as cfg
    from outwork.core import policy as pol
    from outwork.core.rules import Confidence, Severity, selector_matches
    from outwork.engine.pipeline import ScanOptions
    from outwork.engine.registry import all_rules

    targets = list(args.targets) or ["."]
    file_config = cfg.FileConfig()
    if not args.no_config:
        config_path = args.config or cfg.discover(_local_start(targets))
        if args.config and not args.config.is_file():
            raise UsageError(f"--config {args.config}: no such file")
        if config_path:
            file_config = cfg.load(config_path)
            if not args.quiet:
                err.write(f"outwork: using configuration {config_path}\n")
            if not args.config:
                file_config, kept = cfg.keep_protected_rules(file_config, all_rules())
                if kept and not args.quiet:
                    err.write(
                        f"outwork: {config_path} was found, not named, so it cannot switch off"
                        f" {', '.join(kept)} (rules the scanned content's authors control);"
                        " name it with --config or use --ignore to do so\n"
                    )

    fail_on: Severity | None = Severity.LOW
    if file_config.fail_on_given:
        fail_on = file_config.fail_on
    if args.fail_on:
        fail_on = None if args.fail_on.lower() == "none" else _parse(Severity.parse, args.fail_on)
    min_conf = file_config.min_confidence or Confidence.LOW
    if args.min_confidence:
        min_conf = _parse(Confidence.parse, args.min_confidence)

    select = _split(args.select) or file_config.select or ("ALL",)
    ignore = _split(args.ignore) + file_config.ignore
    catalogue = all_rules()
    for selector in (*select, *ignore):
        if selector.upper() != "ALL" and not any(selector_matches(selector, r) for r in catalogue):
            raise UsageError(
                f"{selector!r} matches no rule; see `outwork rules` for codes and names"
            )

    baseline_path = args.baseline or file_config.baseline
    baseline = pol.read_baseline(baseline_path) if baseline_path else frozenset()
    policy = pol.Policy(
        select=select,
        ignore=ignore,
        min_confidence=min_conf,
        fail_on=fail_on,
        baseline=baseline,
        inline_suppressions=not args.no_inline_suppressions,
        confidence_exempt=frozenset() if args.min_confidence else file_config.protected,
    )

    jobs = args.jobs or file_config.jobs
    if jobs is not None and jobs < 1:
        raise UsageError("--jobs must be at least 1")
    offline = args.offline if args.offline is not None else file_config.offline
    analyzer_options = dict(file_config.analyzers)
    index_url = args.index_url or file_config.index_url
    npm_registry = args.npm_registry or file_config.npm_registry
    if args.advisory_db:
        analyzer_options["dependencies.db"] = str(args.advisory_db)
    if args.advisory_max_age is not None:
        analyzer_options["dependencies.max_age_days"] = args.advisory_max_age
    if offline is False:  # the packages analyzer's online checks ask the same registries
        for key, url in (("packages.pypi_url", index_url), ("packages.npm_url", npm_registry)):
            if url:
                analyzer_options.setdefault(key, url)
    registry = None
    if index_url or npm_registry:
        from outwork.sources.registries import DEFAULT_NPM, DEFAULT_PYPI, RegistryOptions

        registry = RegistryOptions(
            pypi_url=index_url or DEFAULT_PYPI, npm_url=npm_registry or DEFAULT_NPM
        )
    cache_dir = _cache_dir(args)
    scan_offline = True if offline is None else offline
    data_dir = _data_dir() if _reads_data_dir(select, ignore, scan_offline) else None
    options = ScanOptions(
        jobs=jobs,
        budgets=cfg.budgets_from(file_config.budgets),
        include_git=args.include_git or bool(file_config.include_git),
        cache_dir=str(cache_dir) if cache_dir else None,
        offline=scan_offline,
        data_dir=str(data_dir) if data_dir else None,
        analyzer_options=analyzer_options,
        select=select,
        ignore=ignore,
        registry=registry,
    )

    result = _run_scan(targets, options, policy, err)

    if args.write_baseline:
        count = pol.write_baseline(result, args.write_baseline)
        err.write(f"outwork: wrote {count} finding(s) to baseline {args.write_baseline}\n")
        return EXIT_OK

    from outwork.report import format_for

    guessed = format_for(str(args.output)) if args.output else None
    fmt = args.format or guessed or file_config.format or "terminal"
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    _emit(fmt, result, args, out)
    if not args.quiet and (fmt != "terminal" or args.output):
        err.write(_summary(result) + "\n")
    if result.stats.artifacts == 0 and not result.findings:
        err.write("outwork: nothing was scanned; check the target paths\n")
        return EXIT_NOTHING
    return pol.exit_code(result, policy)


def _local_start(targets: list[str]) -> Path:
    for target in targets:
        if ":" in target.split("/", 1)[0] and not Path(target).exists():
            continue
        return Path(target)
    return Path.cwd()


def _parse(parser: Callable[[str], T], value: str) -> T:
    try:
        return parser(value)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def _run_scan(targets: list[str], options: ScanOptions, policy: Policy, err: TextIO) -> ScanResult:
    from outwork.engine.pipeline import scan as do_scan

    if not err.isatty():
        return do_scan(targets, options, policy=policy)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(file=err)
    with Progress(
        TextColumn("scanning"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("scan", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        return do_scan(targets, options, progress=progress, policy=policy)


def _emit(fmt: str, result: ScanResult, args: argparse.Namespace, out: TextIO) -> None:
    from outwork import report

    options: dict[str, object] = {"srcroot": str(Path.cwd())}
    if fmt == "terminal" and args.show_suppressed:
        options["show_suppressed"] = True
    if args.output:
        text = report.render(fmt, result, color=False, **options)
        Path(args.output).write_text(text, encoding="utf-8")
        return
    tty = out.isatty()
    color = args.color == "always" or (
        args.color == "auto" and tty and not os.environ.get("NO_COLOR")
    )
    if tty:
        import shutil

        options["width"] = shutil.get_terminal_size().columns
    out.write(report.render(fmt, result, color=color, **options))


def _summary(result: ScanResult) -> str:
    counts: dict[str, int] = {}
    for f in result.active:
        counts[f.severity.label] = counts.get(f.severity.label, 0) + 1
    parts = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "no findings"
    return (
        f"outwork: {parts}; {result.stats.artifacts} artifacts, {result.stats.analyzed} analysed, "
        f"{len(result.skipped)} skipped, {len(result.errors)} errors, "
        f"{result.stats.seconds:.2f}s"
    )


def _rules(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    import json

    from outwork.core.docs import write_rule_docs
    from outwork.engine.registry import all_rules, get_rule

    if args.write_docs:
        written = write_rule_docs(args.write_docs, all_rules())
        err.write(f"outwork: wrote {written} rule page(s) to {args.write_docs}\n")
        return EXIT_OK
    if args.code:
        try:
            rule = get_rule(args.code)
        except KeyError:
            raise UsageError(
                f"no rule {args.code!r}; run `outwork rules` for the catalogue"
            ) from None
        if args.format == "json":
            out.write(json.dumps(_rule_dict(rule), indent=2) + "\n")
        else:
            out.write(rule.markdown())
        return EXIT_OK
    rules = all_rules()
    if args.format == "json":
        out.write(json.dumps([_rule_dict(r) for r in rules], indent=2) + "\n")
        return EXIT_OK
    if args.format == "markdown":
        from outwork.core.docs import index_markdown

        out.write(index_markdown(rules))
        return EXIT_OK
    width = max(len(r.name) for r in rules)
    for rule in rules:
        out.write(
            f"{rule.code:<8} {rule.name:<{width}}  {rule.severity.label:<8} {rule.summary()}\n"
        )
    return EXIT_OK


def _rule_dict(rule: type[Rule]) -> dict[str, object]:
    return {
        "code": rule.code,
        "name": rule.name,
        "layer": rule.layer.value,
        "severity": rule.severity.label,
        "confidence": rule.confidence.label,
        "cwe": list(rule.cwe),
        "attack": list(rule.attack),
        "summary": rule.summary(),
        "help_uri": rule.help_uri(),
        "sections": rule.sections(),
    }


if __name__ == "__main__":
    raise SystemExit(main())
