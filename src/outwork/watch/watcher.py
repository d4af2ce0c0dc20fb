"""The watcher: follows a registry feed, scans every new release, records the verdicts.

Ordering and restarts: the feed's entries are held in feed order. Each release is scanned in a
worker process (at most ``concurrency`` at once) and its verdict is committed to the results
store together with the feed's position, which only ever moves to the end of the longest prefix
of entries whose releases all have verdicts. A watcher killed at any point restarts from that
position: the entries after it are read again, and a release that already has a verdict (it
finished out of order before the kill) is not scanned again. So nothing is skipped and nothing
is scanned twice; scans that were running when the process died are marked ``failed``
(interrupted) at the next start, without a verdict, and run again.

Registry errors (HTTP 429/5xx, timeouts, unreachable) back off exponentially up to
``max_backoff`` (or as the registry's ``Retry-After`` says), the feed and each release
separately; a release that still cannot be fetched after ``attempts`` tries, or that the registry
says does not exist, gets the ``error`` verdict with the reason.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path

from outwork.core.artifact import MEMBER_SEP
from outwork.core.errors import OutworkError
from outwork.core.findings import ScanResult
from outwork.engine.pipeline import ScanOptions
from outwork.engine.pipeline import scan as run_scan
from outwork.sources import RegistryOptions
from outwork.sources.registries import TRANSIENT_ERRORS, RegistryBusyError
from outwork.store.results import ERROR, FeedPosition, Release, ResultStore, VerdictRecord
from outwork.watch.feeds import Change, Feed

#: The layers a watcher runs on a release (DESIGN.md: packages, models, dependencies).
WATCH_ANALYZERS = ("packages", "models", "dependencies")

Log = Callable[[str], None]
#: Called with each release's verdict and the scan that decided it, once committed.
OnVerdict = Callable[[Release, str, int], None]


@dataclass(frozen=True, slots=True)
class WatchOptions:
    scan: ScanOptions = field(default_factory=ScanOptions)
    #: Releases scanned at once, each in its own worker process.
    concurrency: int = 2
    #: Seconds between two polls of a feed that had nothing new.
    interval: float = 10.0
    #: Longest wait between two tries (feed or release) after registry errors.
    max_backoff: float = 300.0
    #: Tries of one release before its registry errors become an ``error`` verdict.
    attempts: int = 6
    #: Feed entries held at once; the feed is not polled further until the oldest are judged.
    max_pending: int = 2000
    #: Where a feed that has no stored position starts (None: its current end).
    start: str | None = None
    #: Seconds a stop (SIGINT, SIGTERM) waits for the scans that are running.
    grace: float = 20.0
    #: Scans a worker process runs before it is replaced (memory stays flat over days).
    tasks_per_worker: int = 200


@dataclass(slots=True)
class WatchStats:
    entries: int = 0
    scanned: int = 0
    #: Releases met again that already had a verdict (after a restart, or listed twice).
    already_judged: int = 0
    errors: int = 0
    retries: int = 0
    verdicts: dict[str, int] = field(default_factory=dict)


@dataclass(slots=True)
class _Entry:
    change: Change
    resolved: bool = False
    waiting: int = 0
    tries: int = 0
    not_before: float = 0.0


@dataclass(slots=True)
class _Job:
    release: Release
    entry: _Entry
    #: The store's scan, created when the job first starts (a queue that a kill drops is
    #: not a scan).
    scan_id: int = 0
    tries: int = 0
    not_before: float = 0.0


@dataclass(frozen=True, slots=True)
class ScanOutcome:
    """What a worker sends back: a result, or an error that is retried or final."""

    result: ScanResult | None = None
    error: str = ""
    transient: bool = False
    retry_after: float | None = None


def scan_release(target: str, options: ScanOptions) -> ScanOutcome:
    """Fetch and scan one release in a private folder removed afterwards (in a worker)."""
    with tempfile.TemporaryDirectory(prefix="outwork-watch-") as folder:
        registry = replace(
            options.registry or RegistryOptions(), download_dir=folder, raise_transient=True
        )
        try:
            result = run_scan([target], replace(options, registry=registry, jobs=1))
        except TRANSIENT_ERRORS as exc:
            retry = exc.retry_after if isinstance(exc, RegistryBusyError) else None
            return ScanOutcome(error=str(exc), transient=True, retry_after=retry)
        except OutworkError as exc:
            return ScanOutcome(error=str(exc))
        except Exception as exc:  # a bug: this release's verdict says so, the watch goes on
            return ScanOutcome(error=_internal(exc))
    return ScanOutcome(result=result)


def _internal(exc: BaseException) -> str:
    return f"internal error while scanning ({type(exc).__name__}: {exc}); report it as a bug"


#: What a worker process has imported before it is forked (the forkserver loads it once).
_PRELOAD = [
    "outwork.engine.pipeline",
    "outwork.analyzers.packages",
    "outwork.analyzers.models",
    "outwork.analyzers.dependencies",
]


def _worker_start(watcher: int) -> None:
    """Workers leave SIGINT to the watcher, which stops them in order, and end when the
    watcher is gone (killed: nothing else would ever end a worker waiting for work)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def orphaned() -> None:
        while True:
            time.sleep(2.0)
            try:
                os.kill(watcher, 0)
            except ProcessLookupError:
                os._exit(0)
            except PermissionError:  # the pid was reused by another user's process
                os._exit(0)

    threading.Thread(target=orphaned, name="outwork-watch-orphaned", daemon=True).start()


def _context() -> multiprocessing.context.BaseContext:
    """A forkserver where there is one (workers forked from a process that imported the
    engine and the layers once: fast to start, and never forked from the watcher's threads);
    spawn elsewhere."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(_PRELOAD)
        return context
    return multiprocessing.get_context("spawn")


class Watcher:
    """One feed into one store. :meth:`run` returns when ``stop`` is set (or ``until`` says)."""

    def __init__(
        self,
        feed: Feed,
        store: ResultStore,
        options: WatchOptions | None = None,
        *,
        log: Log | None = None,
        on_verdict: OnVerdict | None = None,
    ) -> None:
        self.feed = feed
        self.store = store
        self.options = options or WatchOptions()
        self.log = log or (lambda _: None)
        self.on_verdict = on_verdict or (lambda *_: None)
        self.stats = WatchStats()
        self.origin = f"watch:{feed.name}"
        self._entries: deque[_Entry] = deque()
        self._jobs: deque[_Job] = deque()
        self._owners: set[Release] = set()
        self._running: dict[Future[ScanOutcome], _Job] = {}
        self._resolving: dict[Future[list[Release]], _Entry] = {}
        self._unresolved: deque[_Entry] = deque()

    # --- the loop -------------------------------------------------------------------------------

    def run(
        self, stop: threading.Event, *, until: Callable[[WatchStats], bool] | None = None
    ) -> WatchStats:
        position, since = self._start()
        pool = self._pool()
        lookups = ThreadPoolExecutor(max_workers=4, thread_name_prefix="outwork-watch-lookup")
        next_poll = 0.0
        feed_failures = 0
        try:
            while not stop.is_set() and not (until and until(self.stats)):
                now = time.monotonic()
                if now >= next_poll and len(self._entries) < self.options.max_pending:
                    try:
                        batch = self.feed.poll(position)
                    except TRANSIENT_ERRORS as exc:
                        feed_failures += 1
                        delay = self._backoff(feed_failures, exc)
                        self.log(f"{self.feed.name}: {exc}; polling again in {delay:.0f} s")
                        next_poll = now + delay
                    else:
                        feed_failures = 0
                        self._take(batch.changes, batch.position, position)
                        fresh = bool(batch.changes) or batch.position != position
                        position = batch.position
                        next_poll = now if fresh else now + self.options.interval
                self._resolve(lookups, since)
                pool = self._submit(pool)
                self._collect(max(0.0, min(next_poll - time.monotonic(), 0.5)))
        finally:
            self._drain(pool)
            lookups.shutdown(wait=True, cancel_futures=True)
        return self.stats

    def _start(self) -> tuple[str, float]:
        """The stored position (or the feed's end on a first run), and when watching began."""
        abandoned = self.store.abandon_scans(self.origin)
        if abandoned:
            self.log(f"{self.feed.name}: {abandoned} scans interrupted by the last stop run again")
        position = self.store.position(self.feed.name)
        if position is None:
            position = self.options.start or self.feed.head()
            self.store.set_position(FeedPosition(self.feed.name, position))
            self.log(f"{self.feed.name}: first run, watching from {position}")
        started = self.store.position(f"{self.feed.name}#since")
        if started is None:
            started = f"{time.time():.3f}"
            self.store.set_position(FeedPosition(f"{self.feed.name}#since", started))
        return position, float(started)

    def _pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.options.concurrency,
            mp_context=_context(),
            initializer=_worker_start,
            initargs=(os.getpid(),),
            max_tasks_per_child=self.options.tasks_per_worker,
        )

    def _take(self, changes: list[Change], end: str, start: str) -> None:
        self.stats.entries += len(changes)
        for change in changes:
            entry = _Entry(change)
            self._entries.append(entry)
            self._unresolved.append(entry)
        if end != start and (not changes or changes[-1].position != end):
            # The batch read past its last release (other events): a marker moves the position.
            self._entries.append(_Entry(Change(end, ""), resolved=True))
        self._advance()

    # --- resolving feed entries into releases ---------------------------------------------------

    def _resolve(self, lookups: ThreadPoolExecutor, since: float) -> None:
        now = time.monotonic()
        for _ in range(len(self._unresolved)):
            entry = self._unresolved.popleft()
            if entry.not_before > now or len(self._resolving) >= 8:
                self._unresolved.append(entry)
                continue
            self._resolving[lookups.submit(self.feed.releases, entry.change, since)] = entry
        for future in [f for f in self._resolving if f.done()]:
            entry = self._resolving.pop(future)
            try:
                releases = future.result()
            except TRANSIENT_ERRORS as exc:
                entry.tries += 1
                entry.not_before = time.monotonic() + self._backoff(entry.tries, exc)
                self.stats.retries += 1
                self._unresolved.append(entry)
                continue
            except OutworkError as exc:
                self.log(f"{entry.change.package}: {exc}; nothing to scan")
                releases = []
            self._resolved(entry, releases)
        self._advance()

    def _resolved(self, entry: _Entry, releases: list[Release]) -> None:
        entry.resolved = True
        for release in releases:
            if release in self._owners:
                continue  # already queued by an earlier entry, which the position waits for
            verdict = self.store.verdict(release)
            if verdict is not None and not self._new_file(release, entry.change.file, verdict):
                self.stats.already_judged += 1
                continue
            self._owners.add(release)
            entry.waiting += 1
            self._jobs.append(_Job(release, entry))

    def _new_file(self, release: Release, file: str | None, verdict: VerdictRecord) -> bool:
        """Whether a judged release got a file its scan did not read (a wheel uploaded after
        the sdist): the release is scanned again, all its files, so that a payload uploaded
        later is not hidden behind the first verdict. Bounded: only while the last scan read
        fewer files than the registry source fetches for one release."""
        if not file or verdict.scan_id is None:
            return False
        prefix = f"{release.target}/"
        read = {
            a.path[len(prefix) :]
            for a in self.store.artifacts(scan_id=verdict.scan_id)
            if a.path.startswith(prefix) and MEMBER_SEP not in a.path
        }
        limit = (self.options.scan.registry or RegistryOptions()).max_files
        return Path(file).name not in read and len(read) < limit

    # --- scanning -------------------------------------------------------------------------------

    def _submit(self, pool: ProcessPoolExecutor) -> ProcessPoolExecutor:
        now = time.monotonic()
        for _ in range(len(self._jobs)):
            if len(self._running) >= self.options.concurrency:
                break
            job = self._jobs.popleft()
            if job.not_before > now:
                self._jobs.append(job)
                continue
            if not job.scan_id:
                job.scan_id = self.store.create_scan(
                    job.release.target, origin=self.origin, release=job.release
                )
            self.store.start_scan(job.scan_id)
            try:
                future = pool.submit(scan_release, job.release.target, self.options.scan)
            except BrokenProcessPool:
                self._jobs.appendleft(job)
                pool.shutdown(wait=False, cancel_futures=True)
                return self._pool()
            self._running[future] = job
        return pool

    def _collect(self, timeout: float) -> None:
        if not self._running:
            if timeout:
                time.sleep(timeout)
            return
        done, _ = wait(list(self._running), timeout=timeout, return_when="FIRST_COMPLETED")
        for future in done:
            job = self._running.pop(future)
            try:
                outcome = future.result()
            except BrokenProcessPool as exc:  # a worker died (out of memory, killed): retry
                outcome = ScanOutcome(error=f"the worker process died ({exc})", transient=True)
            except Exception as exc:  # the result could not come back (a bug)
                outcome = ScanOutcome(error=_internal(exc))
            self._record(job, outcome)

    def _record(self, job: _Job, outcome: ScanOutcome) -> None:
        if outcome.transient and job.tries + 1 < self.options.attempts:
            job.tries += 1
            job.not_before = time.monotonic() + self._backoff(job.tries, outcome.retry_after)
            self.stats.retries += 1
            self.log(f"{job.release.target}: {outcome.error}; try {job.tries + 1} later")
            self._jobs.append(job)
            return
        job.entry.waiting -= 1
        self._owners.discard(job.release)
        feed = self._reachable()
        if outcome.result is not None:
            verdict = self.store.finish_scan(job.scan_id, outcome.result, feed=feed)
            self.stats.scanned += 1
        else:
            reason = outcome.error
            if outcome.transient:
                reason = f"{reason} (gave up after {self.options.attempts} tries)"
            self.store.fail_scan(job.scan_id, reason, feed=feed)
            self.stats.errors += 1
            verdict = ERROR
            self.log(f"{job.release.target}: {reason}")
        self.stats.verdicts[verdict] = self.stats.verdicts.get(verdict, 0) + 1
        self._pop_done()
        self.on_verdict(job.release, verdict, job.scan_id)

    # --- the position ---------------------------------------------------------------------------

    def _reachable(self) -> FeedPosition | None:
        """Where the position may move now: past the leading entries that are all judged."""
        last = None
        for entry in self._entries:
            if not entry.resolved or entry.waiting:
                break
            last = entry.change.position
        return FeedPosition(self.feed.name, last) if last is not None else None

    def _pop_done(self) -> None:
        while self._entries and self._entries[0].resolved and not self._entries[0].waiting:
            self._entries.popleft()

    def _advance(self) -> None:
        """Commit the position past entries that needed no scan (nothing new, all judged)."""
        feed = self._reachable()
        if feed is not None:
            self.store.set_position(feed)
            self._pop_done()

    def _backoff(self, tries: int, reason: object) -> float:
        hinted = getattr(reason, "retry_after", reason)
        delay = min(self.options.max_backoff, 2.0 ** min(tries, 16))
        if isinstance(hinted, int | float):
            delay = min(self.options.max_backoff, max(delay, float(hinted)))
        return delay

    def _drain(self, pool: ProcessPoolExecutor) -> None:
        """On stop: record the scans that finish within the grace period, then end the workers.
        What is left unrecorded runs again at the next start."""
        deadline = time.monotonic() + self.options.grace
        while self._running and time.monotonic() < deadline:
            self._collect(min(0.5, max(0.0, deadline - time.monotonic())))
        self._running.clear()
        # The pool's processes (a private attribute: Python 3.11's executor cannot end a worker
        # that is busy, and waiting for a long scan would make a stop slow).
        processes = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(timeout=5)
