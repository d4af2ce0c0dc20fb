"""The command line: the only code that reads argv and the environment, prints, or exits.

Exit codes: 0 nothing at or above the gate; 1 findings at or above the gate; 2 usage,
configuration or internal error; 3 nothing was scanned.
"""

from __future__ import annotations

import argparse
import copy
import io
import json
import os
import sys
import traceback
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO, TypeVar, cast

import platformdirs

from outwork import __version__, report
from outwork.cli.db import first_use_fetcher, osv_api_querier
from outwork.core import config as cfg
from outwork.core import policy as pol
from outwork.core import reference
from outwork.core.docs import index_markdown, write_rule_docs
from outwork.core.errors import OutworkError, UsageError
from outwork.core.findings import ScanResult
from outwork.core.rules import Confidence, Layer, Rule, Severity, layer_selected
from outwork.engine.conclude import conclude
from outwork.engine.pipeline import ScanOptions
from outwork.engine.pipeline import scan as do_scan
from outwork.engine.registry import all_rules, get_rule, selector_known
from outwork.sources import DEFAULT_NPM, DEFAULT_PYPI, RegistryOptions
from outwork.sources.exclude import Exclusion
from outwork.store import ADVISORIES_BASE_URL, OSV_API_URL

T = TypeVar("T")

EXIT_OK = 0
EXIT_ERROR = 2
EXIT_NOTHING = 3

FORMATS = report.FORMATS


@dataclass(frozen=True, slots=True)
class Command:
    """A command that lives in its own module: its one-line help (for ``outwork --help``),
    the ``module:function`` that adds its arguments to its parser and the one that runs it."""

    help: str
    arguments: str
    run: str


#: The commands whose code is imported only when they run or their parser is needed (their
#: ``--help``, the completion script): a scan does not load a server, a feed follower or the
#: registry client (the lazy-group pattern of click and argparse command lines).
COMMANDS: dict[str, Command] = {
    "diff": Command(
        "compare two releases of a package: new behaviour, destinations, binaries, hooks",
        "outwork.cli.diff:add_diff_arguments",
        "outwork.cli.diff:run_diff",
    ),
    "db": Command(
        "the advisory database (OSV)", "outwork.cli.db:add_db_arguments", "outwork.cli.db:run_db"
    ),
    "watch": Command(
        "follow a registry's feed, scan each new release, store the verdicts",
        "outwork.cli.watch:add_watch_arguments",
        "outwork.cli.watch:run_watch",
    ),
    "serve": Command(
        "serve the HTTP API and its page: submit scans, query results (needs the serve extra)",
        "outwork.cli.serve:add_serve_arguments",
        "outwork.cli.serve:run_serve",
    ),
    "token": Command(
        "create, list and revoke the service's tokens",
        "outwork.cli.serve:add_token_arguments",
        "outwork.cli.serve:run_token",
    ),
}


def build_parser(
    file_completion: object = None, commands: Collection[str] | None = None
) -> argparse.ArgumentParser:
    """The command line's parser; ``file_completion`` (shtab's, given when a completion script
    is written) marks the arguments that name files. Of the :data:`COMMANDS`, those named in
    ``commands`` (all by default) get their arguments; the others are listed with their help."""
    parser = argparse.ArgumentParser(
        prog="outwork",
        description="Static security scanner for packages, AI models, lockfiles, pipelines"
        " and more.",
    )
    parser.add_argument("--version", action="version", version=f"outwork {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    scan = sub.add_parser("scan", help="scan files, folders, archives and registry packages")
    targets = scan.add_argument(
        "targets", nargs="*", metavar="TARGET", help="paths or pypi:/npm: references (default: .)"
    )
    if file_completion is not None:
        targets.complete = file_completion  # type: ignore[attr-defined]
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
    scan.add_argument(
        "--ray",
        metavar="ADDRESS",
        help="analyse on a Ray cluster: a head node's host:port, ray://host:port, auto, or local"
        " (a cluster of --jobs CPUs on this machine, for the scan); needs the ray extra",
    )
    scan.add_argument("--no-cache", action="store_true", help="do not read or write the scan cache")
    scan.add_argument("--cache-dir", type=Path, metavar="DIR", help="scan cache directory")
    scan.add_argument("--include-git", action="store_true", help="also scan .git folders")
    scan.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="PATTERNS",
        help="leave out files and folders matching these gitignore-style patterns,"
        " comma-separated (replaces the configuration's exclude)",
    )
    scan.add_argument(
        "--extend-exclude",
        action="append",
        default=[],
        metavar="PATTERNS",
        help="like --exclude, in addition to the configured patterns",
    )
    scan.add_argument(
        "--no-respect-gitignore",
        dest="respect_gitignore",
        action="store_false",
        default=None,
        help="also scan what .gitignore files of a git repository ignore",
    )
    scan.add_argument(
        "--verify",
        action="store_true",
        help="ask each provider whether the credentials found are live (needs --online)",
    )
    scan.add_argument(
        "--persona",
        choices=("regular", "pedantic"),
        help="pipelines: pedantic adds the audits and severities of zizmor's pedantic persona"
        " (style and hygiene findings; off by default)",
    )
    scan.add_argument(
        "--no-inline-suppressions", action="store_true", help="ignore outwork: ignore[...] comments"
    )
    scan.add_argument(
        "--advisory-db", type=Path, metavar="FILE", help="advisory database (see `outwork db`)"
    )
    scan.add_argument(
        "--advisory-url",
        metavar="URL",
        help="where missing advisory feeds are fetched from on first use:"
        " URL/<ecosystem>/all.zip (default: OSV's public bucket)",
    )
    scan.add_argument(
        "--osv-api",
        nargs="?",
        const=OSV_API_URL,
        metavar="URL",
        help="when a needed advisory feed cannot be had, ask OSV's query API about the scan's"
        " dependencies (their names and versions are sent; default URL: %(const)s)",
    )
    scan.add_argument(
        "--require-advisories",
        action="store_true",
        help="exit 2 when dependencies could not be checked for lack of advisory data",
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
    scan.add_argument(
        "--severity",
        metavar="SEVERITY",
        help="show only findings at or above this severity (the gate still sees them all)",
    )
    scan.add_argument(
        "--statistics",
        action="store_true",
        help="print the number of findings per rule instead of the report",
    )

    rules = sub.add_parser("rules", help="list the rule catalogue or show one rule")
    rules.add_argument("code", nargs="?", help="a rule code or name")
    rules.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    rules.add_argument(
        "--write-docs",
        type=Path,
        metavar="DIR",
        help="regenerate the rule pages (docs/rules) into DIR",
    )

    tls = sub.add_parser(
        "tls",
        help="probe live TLS endpoints: versions, cipher suites, certificate chain, and the"
        " hybrid post-quantum key exchange (asks the network)",
    )
    tls.add_argument("targets", nargs="+", metavar="HOST:PORT", help="endpoints (port 443 if none)")
    tls.add_argument("--format", "-f", choices=FORMATS, help="report format (default: terminal)")
    tls.add_argument("--output", "-o", type=Path, metavar="FILE", help="write the report to FILE")
    tls.add_argument(
        "--timeout", type=float, default=5.0, metavar="SECONDS", help="per handshake (default 5)"
    )
    tls.add_argument("--sni", metavar="NAME", help="server name to send (default: the host)")
    tls.add_argument(
        "--fail-on", metavar="SEVERITY", help="exit 1 at or above this severity (default: low)"
    )
    tls.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    tls.add_argument("--quiet", "-q", action="store_true", help="no summary on standard error")

    for name, command in COMMANDS.items():
        parser_of_command = sub.add_parser(name, help=command.help)
        if commands is None or name in commands:
            reference.load(command.arguments)(parser_of_command)

    completion = sub.add_parser(
        "completion",
        help="print the shell completion script",
        description='Print a completion script for SHELL. Bash: eval "$(outwork completion'
        ' bash)" in ~/.bashrc, or save it as ~/.local/share/bash-completion/completions/outwork;'
        " zsh: save it as _outwork in a folder of $fpath.",
    )
    completion.add_argument("shell", metavar="SHELL")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    return run(sys.argv[1:] if argv is None else list(argv), sys.stdout, sys.stderr)


def run(argv: list[str], out: TextIO, err: TextIO) -> int:
    # the command is the first word that is not an option (the program's own options take no
    # value): only its module, if it has one, is imported
    parser = build_parser(commands=[word for word in argv if not word.startswith("-")][:1])
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return EXIT_OK if exc.code in (0, None) else EXIT_ERROR
    try:
        if args.command == "scan":
            return _scan(args, out, err)
        if args.command == "rules":
            return _rules(args, out, err)
        if args.command == "diff":
            return _runner("diff")(args, out, err)
        if args.command == "db":
            return _runner("db")(args, _data_dir(), err)
        if args.command in ("watch", "serve", "token"):
            return _runner(args.command)(args, _data_dir(), out, err)
        if args.command == "tls":
            return _tls(args, out, err)
        if args.command == "completion":
            return _completion(args.shell, out)
        parser.print_help(err)
        return EXIT_ERROR
    except OutworkError as exc:
        err.write(f"outwork: error: {exc}\n")
        return EXIT_ERROR
    except KeyboardInterrupt:
        err.write("outwork: interrupted\n")
        return EXIT_ERROR
    except Exception as exc:
        if os.environ.get("OUTWORK_DEBUG"):
            traceback.print_exc(file=err)
        err.write(
            f"outwork: internal error: {type(exc).__name__}: {exc}\n"
            "outwork: this is a bug; rerun with OUTWORK_DEBUG=1 and report the trace\n"
        )
        return EXIT_ERROR


def _runner(name: str) -> Callable[..., int]:
    """The function that runs command ``name`` of :data:`COMMANDS`, its module imported."""
    return cast(Callable[..., int], reference.load(COMMANDS[name].run))


def _completion(shell: str, out: TextIO) -> int:
    """``outwork completion SHELL``: the script shtab writes from the parser (shtab is imported
    by this command only; docs/benchmarks.md, issue 21)."""
    import shtab

    if shell not in shtab.SUPPORTED_SHELLS:
        raise UsageError(
            f"no completion for shell {shell!r}; choose one of {', '.join(shtab.SUPPORTED_SHELLS)}"
        )
    out.write(shtab.complete(build_parser(file_completion=shtab.FILE), shell=shell))
    return EXIT_OK


def _data_dir() -> Path:
    env = os.environ.get("OUTWORK_DATA_DIR")
    if env:
        return Path(env)
    return Path(platformdirs.user_data_dir("outwork", appauthor=False))


def _cache_dir(args: argparse.Namespace) -> Path | None:
    if args.no_cache or os.environ.get("OUTWORK_NO_CACHE"):
        return None
    if args.cache_dir:
        return Path(args.cache_dir)
    env = os.environ.get("OUTWORK_CACHE_DIR")
    if env:
        return Path(env)
    return Path(platformdirs.user_cache_dir("outwork", appauthor=False))


def _split(values: list[str]) -> tuple[str, ...]:
    return tuple(v.strip() for value in values for v in value.split(",") if v.strip())


def _scan(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    targets = list(args.targets) or ["."]
    file_config = _file_config(args, targets, err)
    root = str(cfg.project_root(_local_start(targets), file_config.source))
    policy = _policy(args, file_config, root)
    options = _scan_options(args, file_config, policy, err)

    endpoints = [t for t in targets if t.lower().startswith("tls:")]
    if endpoints:
        files = [t for t in targets if t not in endpoints]
        offline = args.offline
        if offline is None:
            offline = bool(os.environ.get("OUTWORK_OFFLINE")) or file_config.offline is True
        if offline:
            raise UsageError(
                f"{endpoints[0]}: tls: targets ask the network; drop --offline (and"
                " OUTWORK_OFFLINE) to probe them"
            )
        result = _scan_with_endpoints(files, endpoints, options, policy, err)
    else:
        result = _run_scan(targets, options, policy, err)
    unchecked = _unchecked(result)
    if unchecked and args.require_advisories:
        raise UsageError(
            f"--require-advisories: {unchecked}; run `outwork db update` (or scan without"
            " --offline to fetch the data on first use)"
        )

    if args.write_baseline:
        count = pol.write_baseline(result, args.write_baseline, root)
        err.write(f"outwork: wrote {count} finding(s) to baseline {args.write_baseline}\n")
        return EXIT_OK

    guessed = report.format_for(str(args.output)) if args.output else None
    fmt = args.format or guessed or file_config.format or "terminal"
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    shown = _displayed(result, args.severity)
    if args.statistics:
        out.write(_statistics(shown))
    else:
        _emit(fmt, shown, args, out)
        _job_summary(fmt, shown, err)
    if not args.quiet and (fmt != "terminal" or args.output):
        err.write(_summary(result) + "\n")
    if unchecked and not args.quiet:
        err.write(f"outwork: {unchecked}\n")
    if result.stats.artifacts == 0 and not result.findings:
        err.write("outwork: nothing was scanned; check the target paths\n")
        return EXIT_NOTHING
    return pol.exit_code(result, policy)


def _tls(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """``outwork tls``: the only command of the crypto layer that asks the network."""
    from outwork.analyzers.crypto.endpoint import scan_endpoints  # the layer, when asked

    if args.timeout <= 0:
        raise UsageError("--timeout must be positive")
    fail_on: Severity | None = Severity.LOW
    if args.fail_on:
        fail_on = None if args.fail_on.lower() == "none" else _parse(Severity.parse, args.fail_on)
    policy = pol.Policy(fail_on=fail_on, inline_suppressions=False)
    try:
        result = scan_endpoints(args.targets, timeout=args.timeout, server_name=args.sni)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    result = conclude(result, policy)
    guessed = report.format_for(str(args.output)) if args.output else None
    fmt = args.format or guessed or "terminal"
    args.show_suppressed = False
    _emit(fmt, result, args, out)
    if not args.quiet and (fmt != "terminal" or args.output):
        err.write(_summary(result) + "\n")
    return pol.exit_code(result, policy)


def _scan_with_endpoints(
    files: list[str], endpoints: list[str], options: ScanOptions, policy: pol.Policy, err: TextIO
) -> ScanResult:
    """Files and live TLS endpoints (``tls:HOST:PORT``) in one result, so that their facts join
    into attack paths (an endpoint whose private key lies in a scanned file)."""
    from outwork.analyzers.crypto.endpoint import scan_endpoints  # the layer, when asked

    result = _run_scan(files, options, policy, err) if files else ScanResult()
    try:
        probed = scan_endpoints(endpoints)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    result.findings = [f for f in result.findings if f.rule.layer is not Layer.PATH]
    result.findings += probed.findings
    result.facts += probed.facts
    result.artifacts += probed.artifacts
    result.targets += probed.targets
    result.stats.artifacts += probed.stats.artifacts
    result.stats.analyzed += probed.stats.analyzed
    result.stats.targets += probed.stats.targets
    result.stats.seconds += probed.stats.seconds
    result.paths = []
    return conclude(result, policy)


def _file_config(args: argparse.Namespace, targets: list[str], err: TextIO) -> cfg.FileConfig:
    """The configuration named by ``--config``, else the one found upward of the first local
    target; a found one cannot switch off the rules the scanned content's authors control."""
    if args.no_config:
        return cfg.FileConfig()
    if args.config and not args.config.is_file():
        raise UsageError(f"--config {args.config}: no such file")
    config_path = args.config or cfg.discover(_local_start(targets))
    if not config_path:
        return cfg.FileConfig()
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
    return file_config


def _policy(args: argparse.Namespace, file_config: cfg.FileConfig, root: str) -> pol.Policy:
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
    for selector in (*select, *ignore):
        if not selector_known(selector):
            raise UsageError(
                f"{selector!r} matches no rule; see `outwork rules` for codes and names"
            )

    baseline_path = args.baseline or file_config.baseline
    baseline = pol.read_baseline(baseline_path) if baseline_path else frozenset()
    return pol.Policy(
        select=select,
        ignore=ignore,
        min_confidence=min_conf,
        fail_on=fail_on,
        baseline=baseline,
        inline_suppressions=not args.no_inline_suppressions,
        confidence_exempt=frozenset() if args.min_confidence else file_config.protected,
        root=root,
    )


def _scan_options(
    args: argparse.Namespace, file_config: cfg.FileConfig, policy: pol.Policy, err: TextIO
) -> ScanOptions:
    jobs = args.jobs or file_config.jobs
    if jobs is not None and jobs < 1:
        raise UsageError("--jobs must be at least 1")
    offline = args.offline
    if offline is None:
        offline = True if os.environ.get("OUTWORK_OFFLINE") else file_config.offline
    analyzer_options = dict(file_config.analyzers)
    index_url = args.index_url or file_config.index_url
    npm_registry = args.npm_registry or file_config.npm_registry
    if args.advisory_db:
        analyzer_options["dependencies.db"] = str(args.advisory_db)
    if args.advisory_max_age is not None:
        analyzer_options["dependencies.max_age_days"] = args.advisory_max_age
    if args.persona:
        analyzer_options["pipelines.persona"] = args.persona
    if args.verify:
        if offline is not False:
            raise UsageError("--verify asks the providers over the network: add --online")
        analyzer_options["secrets.verify"] = True
    if offline is False:  # the packages analyzer's online checks ask the same registries
        for key, url in (("packages.pypi_url", index_url), ("packages.npm_url", npm_registry)):
            if url:
                analyzer_options.setdefault(key, url)
    registry = None
    if index_url or npm_registry:
        registry = RegistryOptions(
            pypi_url=index_url or DEFAULT_PYPI, npm_url=npm_registry or DEFAULT_NPM
        )
    if file_config.ray and not args.config and not args.ray:
        err.write(
            f"outwork: warning: {file_config.source} was found, not named, so its ray address"
            " is not used (the scanned content must not choose where its bytes are sent);"
            " name it with --config or pass --ray\n"
        )
    cache_dir = _cache_dir(args)
    fetch = None
    if offline is not True and _checks_advisories(policy):
        fetch = first_use_fetcher(err, args.advisory_url or ADVISORIES_BASE_URL)
    query = None
    if args.osv_api:
        if offline is True:
            raise UsageError("--osv-api asks OSV's API over the network: drop --offline")
        query = osv_api_querier(err, args.osv_api)
    exclude = _split(args.exclude) or file_config.exclude or ()
    respect_gitignore = args.respect_gitignore
    if respect_gitignore is None:
        respect_gitignore = file_config.respect_gitignore is not False
    exclusion = Exclusion(
        patterns=(*exclude, *file_config.extend_exclude, *_split(args.extend_exclude)),
        respect_gitignore=respect_gitignore,
        root=policy.root,
    )
    return ScanOptions(
        jobs=jobs,
        ray=args.ray or (file_config.ray if args.config else None),
        budgets=cfg.budgets_from(file_config.budgets),
        include_git=args.include_git or bool(file_config.include_git),
        cache_dir=str(cache_dir) if cache_dir else None,
        offline=True if offline is None else offline,
        data_dir=str(_data_dir()),
        analyzer_options=analyzer_options,
        select=policy.select,
        ignore=policy.ignore,
        registry=registry,
        exclusion=exclusion,
        fetch_advisories=fetch,
        query_advisories=query,
    )


def _checks_advisories(policy: pol.Policy) -> bool:
    """Whether the policy keeps a rule that reads advisory data (VUL001, VUL002): told from
    the layer's code when the selection names whole layers, so that the dependencies layer's
    rules are imported only by a scan that hands it a file."""
    by_layer = layer_selected(Layer.VUL, policy.select, policy.ignore)
    if by_layer is not None:
        return by_layer
    return any(pol.rule_enabled(get_rule(code), policy) for code in ("VUL001", "VUL002"))


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


def _run_scan(
    targets: list[str], options: ScanOptions, policy: pol.Policy, err: TextIO
) -> ScanResult:
    if not err.isatty():
        return do_scan(targets, options, policy=policy)
    from outwork.cli import console  # rich, only where a bar is drawn (see console.py)

    return console.with_progress(
        err, lambda progress: do_scan(targets, options, progress=progress, policy=policy)
    )


def _emit(fmt: str, result: ScanResult, args: argparse.Namespace, out: TextIO) -> None:
    options: dict[str, object] = {"srcroot": str(Path.cwd())}
    if fmt == "terminal" and args.show_suppressed:
        options["show_suppressed"] = True
    if args.output:
        text = report.render(fmt, result, color=False, **options)
        Path(args.output).write_text(text, encoding="utf-8")
        return
    if fmt == "terminal":
        from outwork.cli import console  # rich, only for the terminal report (see console.py)

        options.update(console.terminal_options(out, args.color))
    out.write(report.render(fmt, result, **options))


def _displayed(result: ScanResult, severity: str | None) -> ScanResult:
    """The result as shown: ``--severity`` hides lower findings from the report only (the gate
    and the baseline see the whole result)."""
    if not severity:
        return result
    floor = _parse(Severity.parse, severity)
    shown = copy.copy(result)
    shown.findings = [f for f in result.findings if f.severity >= floor]
    return shown


def _statistics(result: ScanResult) -> str:
    """Active findings per rule, most first (like ``ruff --statistics``)."""
    counts: dict[str, int] = {}
    rules: dict[str, type[Rule]] = {}
    for f in result.active:
        counts[f.code] = counts.get(f.code, 0) + 1
        rules[f.code] = f.rule
    if not counts:
        return "no findings\n"
    width = max(len(str(n)) for n in counts.values())
    rows = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return "".join(
        f"{n:>{width}}  {code:<8} {rules[code].severity.label:<8} {rules[code].name}\n"
        for code, n in rows
    )


def _job_summary(fmt: str, result: ScanResult, err: TextIO) -> None:
    """With ``--format github`` inside GitHub Actions, also the Markdown job summary."""
    path = os.environ.get("GITHUB_STEP_SUMMARY")
    if fmt != "github" or not path:
        return
    try:
        with Path(path).open("a", encoding="utf-8") as fh:
            fh.write(report.render("markdown", result))
    except OSError as exc:
        err.write(f"outwork: warning: cannot write the job summary to {path}: {exc.strerror}\n")


def _unchecked(result: ScanResult) -> str:
    """The scan's one statement of dependencies no advisory data checked, or ''."""
    for f in result.findings:
        if f.properties.get("unchecked"):
            return f.message
    return ""


def _summary(result: ScanResult) -> str:
    counts: dict[str, int] = {}
    for f in result.active:
        counts[f.severity.label] = counts.get(f.severity.label, 0) + 1
    order = [s.label for s in sorted(Severity, reverse=True)]
    parts = ", ".join(f"{counts[s]} {s}" for s in order if s in counts) or "no findings"
    return (
        f"outwork: {parts}; {result.stats.artifacts} artifacts, {result.stats.analyzed} analysed, "
        f"{len(result.skipped)} skipped, {len(result.errors)} errors, "
        f"{result.stats.seconds:.2f}s"
    )


def _rules(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
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
        elif args.format == "markdown":
            out.write(rule.markdown())
        else:
            out.write(_rendered(rule.markdown(), out))
        return EXIT_OK
    rules = all_rules()
    if args.format == "json":
        out.write(json.dumps([_rule_dict(r) for r in rules], indent=2) + "\n")
        return EXIT_OK
    if args.format == "markdown":
        out.write(index_markdown(rules))
        return EXIT_OK
    width = max(len(r.name) for r in rules)
    for rule in rules:
        out.write(
            f"{rule.code:<8} {rule.name:<{width}}  {rule.severity.label:<8} {rule.summary()}\n"
        )
    return EXIT_OK


def _rendered(markdown: str, out: TextIO) -> str:
    """A rule page rendered for reading (headings, lists, code), coloured on a terminal; the
    ``--format markdown`` page is the raw text."""
    from rich.console import Console  # rich and markdown-it only when a page is shown
    from rich.markdown import Markdown

    buffer = io.StringIO()
    tty = out.isatty()
    console = Console(file=buffer, width=None if tty else 100, force_terminal=tty, no_color=not tty)
    console.print(Markdown(markdown))
    return "\n".join(line.rstrip() for line in buffer.getvalue().splitlines()) + "\n"


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
