"""``outwork db update`` and ``outwork db status``: the embedded OSV advisory database."""

from __future__ import annotations

import argparse
import contextlib
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from outwork.core.errors import UsageError
from outwork.store import (
    ADVISORIES_BASE_URL,
    ADVISORIES_FILENAME,
    DEFAULT_ECOSYSTEMS,
    OSV_API_URL,
    STALE_AFTER_DAYS,
)

if TYPE_CHECKING:
    from rich.progress import TaskID

    from outwork.store import advisories


def add_db_arguments(db: argparse.ArgumentParser) -> None:
    """``outwork db``'s arguments (its one-line help is in ``outwork.cli.main.COMMANDS``)."""
    db.add_argument(
        "--database",
        type=Path,
        metavar="FILE",
        help=f"database file (default: {ADVISORIES_FILENAME} in the user data directory)",
    )
    actions = db.add_subparsers(dest="db_command", metavar="{update,status}")
    update = actions.add_parser(
        "update",
        help="download OSV all.zip feeds and import them (interrupted: the old data stays)",
    )
    update.add_argument(
        "--ecosystem",
        action="append",
        metavar="NAME",
        help="OSV ecosystem to fetch, repeatable (default: " + ", ".join(DEFAULT_ECOSYSTEMS) + ")",
    )
    update.add_argument(
        "--base-url",
        default=ADVISORIES_BASE_URL,
        metavar="URL",
        help="where the feeds live: URL/<ecosystem>/all.zip (default: OSV's public bucket)",
    )
    update.add_argument(
        "--from-file",
        type=Path,
        metavar="ZIP",
        help="import an all.zip (or a folder of OSV JSON records) instead of downloading;"
        " needs exactly one --ecosystem",
    )
    update.add_argument("--timeout", type=float, default=60.0, help="network timeout in seconds")
    status = actions.add_parser("status", help="what the database holds and how fresh it is")
    status.add_argument(
        "--max-age-days",
        type=float,
        default=STALE_AFTER_DAYS,
        help="exit 1 when a feed is older than this",
    )


def run_db(args: argparse.Namespace, data_dir: Path, err: TextIO) -> int:
    """Run ``db update`` or ``db status``; returns the exit code."""
    # The database module (and packaging, sqlite3) is imported by the commands that use it:
    # a scan names the defaults above without it (docs/benchmarks.md, issue 21).
    from outwork.store import advisories

    path = args.database or advisories.default_path(data_dir)
    command = getattr(args, "db_command", None)
    if command == "update":
        return _update(args, path, err)
    if command == "status":
        return _status(args, path, err)
    raise UsageError("say `outwork db update` or `outwork db status`")


def _update(args: argparse.Namespace, path: Path, err: TextIO) -> int:
    from outwork.store import advisories  # as in run_db

    ecosystems: list[str] = args.ecosystem or list(DEFAULT_ECOSYSTEMS)
    if args.from_file is not None:
        if len(ecosystems) != 1 or not args.ecosystem:
            raise UsageError("--from-file imports one feed: name its ecosystem with --ecosystem")
        source: Path = args.from_file
        if not source.exists():
            raise UsageError(f"{source}: no such file or directory")
        if source.is_dir():
            with tempfile.TemporaryDirectory() as tmp:
                packed = Path(tmp) / "all.zip"
                _pack(source, packed)
                report = advisories.import_zip(
                    path, ecosystems[0], packed, url=source.resolve().as_uri()
                )
        else:
            report = advisories.import_zip(path, ecosystems[0], source)
        reports = [report]
    else:
        try:
            with transfer_display(err) as transfer:
                reports = advisories.update(
                    path,
                    ecosystems,
                    base_url=args.base_url,
                    timeout=args.timeout,
                    progress=lambda text: _say(err, text),
                    transfer=transfer,
                )
        except advisories.UpdateIncompleteError as exc:
            _print_reports(exc.reports, path, err)
            raise
    _print_reports(reports, path, err)
    return 0


@contextlib.contextmanager
def transfer_display(err: TextIO) -> Iterator[advisories.Transfer | None]:
    """A download progress bar on a terminal (rich, imported only then); nothing elsewhere,
    where the one line per feed that ``progress`` writes is the record."""
    if not err.isatty():
        yield None
        return
    from rich.console import Console  # a terminal only: plain runs never import rich
    from rich.progress import DownloadColumn, Progress, TextColumn, TransferSpeedColumn

    with Progress(
        TextColumn("{task.description}"),
        DownloadColumn(),
        TransferSpeedColumn(),
        console=Console(file=err),
        transient=True,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def transfer(feed: str, done: int, total: int | None) -> None:
            if feed not in tasks:
                tasks[feed] = bar.add_task(feed, total=total)
            bar.update(tasks[feed], completed=done, total=total)

        yield transfer


#: Seconds a first-use fetch waits for the advisory host: a scan must not hang on a network
#: that drops packets (``outwork db update --timeout`` is the patient way).
FIRST_USE_TIMEOUT = 10.0


def first_use_fetcher(
    err: TextIO, base_url: str = ADVISORIES_BASE_URL
) -> Callable[[Path, tuple[str, ...]], str | None]:
    """The scan's fetcher of missing advisory data (``AnalysisContext.fetch_advisories``):
    only the ecosystems the scan needs, one line each on standard error, and on failure the
    reason, once (the scan reports the unchecked ecosystems with it)."""

    def fetch(path: Path, ecosystems: tuple[str, ...]) -> str | None:
        from outwork.store import advisories  # as in run_db, when data is missing

        err.write(
            f"outwork: fetching advisory data for {', '.join(ecosystems)} (first use) into {path}\n"
        )
        try:
            reports = advisories.update(
                path, ecosystems, base_url=base_url, timeout=FIRST_USE_TIMEOUT
            )
        except advisories.AdvisoryDatabaseError as exc:
            return str(exc)
        for r in reports:
            err.write(f"outwork: {r.feed}: {r.records:,} advisories in {r.seconds:.1f}s\n")
        return None

    return fetch


def osv_api_querier(
    err: TextIO, base_url: str = OSV_API_URL
) -> Callable[[tuple[tuple[str, str, str], ...]], list[dict[str, Any]] | str]:
    """The scan's fallback to OSV's query API (``AnalysisContext.query_advisories``): one line
    on standard error saying what is sent where, and on failure the reason."""

    def query(asked: tuple[tuple[str, str, str], ...]) -> list[dict[str, Any]] | str:
        from outwork.store import osvapi  # as in run_db: only when a scan asks the API

        ecosystems = sorted({e for e, _, _ in asked})
        err.write(
            f"outwork: asking {base_url} about {len(asked):,} dependencies of"
            f" {', '.join(ecosystems)} (no local advisory feed; --osv-api)\n"
        )
        queries = [osvapi.Query(e, n, v) for e, n, v in asked]
        try:
            records = osvapi.query_records(queries, base_url=base_url, timeout=FIRST_USE_TIMEOUT)
        except osvapi.OsvApiError as exc:
            return str(exc)
        err.write(f"outwork: the OSV API named {len(records):,} advisories\n")
        return records

    return query


def _print_reports(reports: list[advisories.UpdateReport], path: Path, err: TextIO) -> None:
    for r in reports:
        err.write(
            f"outwork: {r.feed}: {r.records:,} records ({r.added:,} added, {r.changed:,} changed,"
            f" {r.removed:,} removed, {r.unchanged:,} unchanged) in {r.seconds:.1f}s;"
            f" sha256 {r.sha256[:16]}\n"
        )
    err.write(f"outwork: database {path}\n")


def _say(err: TextIO, text: str) -> None:
    err.write(f"outwork: {text}\n")


def _pack(folder: Path, target: Path) -> None:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for record in sorted(folder.rglob("*.json")):
            zf.write(record, record.relative_to(folder).as_posix())


def _status(args: argparse.Namespace, path: Path, err: TextIO) -> int:
    from outwork.store import advisories  # as in run_db

    state = advisories.status(path)
    if not state.exists:
        err.write(f"outwork: no advisory database at {path}; run `outwork db update`\n")
        return 1
    now = datetime.now(UTC)
    err.write(f"outwork: database {path}: {state.records:,} records\n")
    if not state.feeds:
        err.write("outwork: no feeds imported yet; run `outwork db update`\n")
        return 1
    for feed in state.feeds:
        err.write(
            f"  {feed.feed:<12} {feed.records:>8,} records  imported {feed.imported_at[:19]}Z"
            f" ({feed.age_days(now):.1f} days ago)"
            f"  newest record {(feed.newest_modified or '-')[:10]}  from {feed.url}\n"
        )
    if state.stale(args.max_age_days, now):
        err.write(
            f"outwork: warning: a feed is older than {args.max_age_days:g} days;"
            " run `outwork db update`\n"
        )
        return 1
    return 0
