"""``outwork watch pypi`` and ``outwork watch npm``: follow a registry's feed, scan every new
release, record the verdicts in the results store (one JSON line per verdict on stdout)."""

from __future__ import annotations

import argparse
import json
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import platformdirs

from outwork.core.errors import UsageError
from outwork.engine.pipeline import ScanOptions
from outwork.sources import DEFAULT_NPM, DEFAULT_PYPI, RegistryOptions
from outwork.sources.registries import DEFAULT_NPM_CHANGES
from outwork.store import RESULTS_FILENAME

if TYPE_CHECKING:
    from outwork.store.results import Release
    from outwork.watch.feeds import Feed


def add_watch_arguments(watch: argparse.ArgumentParser) -> None:
    """``outwork watch``'s arguments (its one-line help is in ``outwork.cli.main.COMMANDS``)."""
    watch.description = (
        "Follow PyPI's changelog or npm's changes feed from the stored position,"
        " scan every new release (packages, models, dependencies layers) and record its verdict"
        " with the position, until SIGINT or SIGTERM. Verdicts are printed as JSON lines."
    )
    watch.add_argument("registry", choices=("pypi", "npm"), help="the registry to follow")
    watch.add_argument(
        "--store",
        metavar="URL",
        help=f"results store: a file, sqlite:///PATH or postgresql://... (default:"
        f" {RESULTS_FILENAME} in the user data directory; env OUTWORK_STORE)",
    )
    watch.add_argument(
        "--feed",
        choices=("changelog", "rss"),
        default="changelog",
        help="PyPI only: the XML-RPC changelog serial (default) or the RSS updates feed",
    )
    watch.add_argument("--index-url", metavar="URL", help=f"PyPI's base (default: {DEFAULT_PYPI})")
    watch.add_argument(
        "--npm-registry", metavar="URL", help=f"npm registry (default: {DEFAULT_NPM})"
    )
    watch.add_argument(
        "--changes-url",
        metavar="URL",
        default=DEFAULT_NPM_CHANGES,
        help=f"npm's replication database, URL/_changes (default: {DEFAULT_NPM_CHANGES})",
    )
    watch.add_argument(
        "--since",
        metavar="POSITION",
        help="where to start when the store has no position (default: the feed's current end)",
    )
    watch.add_argument(
        "--concurrency", "-j", type=int, default=2, metavar="N", help="releases scanned at once"
    )
    watch.add_argument(
        "--interval", type=float, default=10.0, metavar="SECONDS", help="wait between idle polls"
    )
    watch.add_argument(
        "--attempts",
        type=int,
        default=6,
        metavar="N",
        help="tries of a release on registry errors before its verdict is `error`",
    )
    watch.add_argument(
        "--max-backoff", type=float, default=300.0, metavar="SECONDS", help="longest back-off"
    )
    watch.add_argument(
        "--online",
        action="store_true",
        help="the packages layer's registry checks too (PKG031-PKG036)",
    )
    watch.add_argument(
        "--stop-after",
        type=int,
        metavar="N",
        help="stop once N releases have verdicts (tests, benchmarks)",
    )
    watch.add_argument("--cache-dir", type=Path, metavar="DIR", help="scan cache directory")
    watch.add_argument("--no-cache", action="store_true", help="no scan cache")
    watch.add_argument("--timeout", type=float, default=60.0, help="network timeout in seconds")


def run_watch(args: argparse.Namespace, data_dir: Path, out: TextIO, err: TextIO) -> int:
    # The feeds and the worker pool (xmlrpc's network stack, multiprocessing) and the results
    # store: imported by this command only, so that `outwork scan` of local files starts
    # without them.
    from outwork.store import results
    from outwork.watch.watcher import WATCH_ANALYZERS, Watcher, WatchOptions

    if args.concurrency < 1 or args.attempts < 1 or args.interval < 0:
        raise UsageError("--concurrency and --attempts must be at least 1, --interval not negative")
    registry = RegistryOptions(
        pypi_url=args.index_url or DEFAULT_PYPI,
        npm_url=args.npm_registry or DEFAULT_NPM,
        timeout=args.timeout,
    )
    analyzer_options: dict[str, object] = {}
    if args.online:
        analyzer_options = {
            "packages.pypi_url": registry.pypi_url,
            "packages.npm_url": registry.npm_url,
        }
    cache_dir = None
    if not args.no_cache:
        cache_dir = args.cache_dir or Path(platformdirs.user_cache_dir("outwork", appauthor=False))
    scan_options = ScanOptions(
        cache_dir=str(cache_dir) if cache_dir else None,
        offline=not args.online,
        analyzers=WATCH_ANALYZERS,
        data_dir=str(data_dir),
        analyzer_options=analyzer_options,
        registry=registry,
    )
    options = WatchOptions(
        scan=scan_options,
        concurrency=args.concurrency,
        interval=args.interval,
        max_backoff=args.max_backoff,
        attempts=args.attempts,
        start=args.since,
    )
    feed = _feed(args, registry)
    location = args.store or os.environ.get("OUTWORK_STORE") or data_dir / RESULTS_FILENAME
    stop = threading.Event()

    def verdict(release: Release, label: str, scan_id: int) -> None:
        record = {"release": release.target, "verdict": label, "scan": scan_id}
        out.write(json.dumps(record) + "\n")
        out.flush()

    def say(text: str) -> None:
        err.write(f"outwork watch: {text}\n")
        err.flush()

    with results.open_store(location) as store, _stopping(stop):
        watcher = Watcher(feed, store, options, log=say, on_verdict=verdict)
        limit = args.stop_after
        stats = watcher.run(
            stop, until=(lambda s: s.scanned + s.errors >= limit) if limit else None
        )
        position = store.position(feed.name)
    say(
        f"stopped at {feed.name} position {position}: {stats.scanned} scanned,"
        f" {stats.errors} errors, {stats.already_judged} already judged, {stats.retries} retries"
    )
    return 0


def _feed(args: argparse.Namespace, registry: RegistryOptions) -> Feed:
    from outwork.watch.feeds import NpmChanges, PyPIChangelog, PyPIUpdatesRSS  # as in run_watch

    if args.registry == "npm":
        return NpmChanges(registry, changes_url=args.changes_url)
    if args.feed == "rss":
        return PyPIUpdatesRSS(registry)
    return PyPIChangelog(registry)


@contextmanager
def _stopping(stop: threading.Event) -> Iterator[None]:
    """SIGINT and SIGTERM ask the watcher to stop (it records what finishes in time)."""
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def handler(signum: int, _frame: object) -> None:
        del signum
        stop.set()

    for sig in previous:
        signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
