"""The service's scans: queued in the results store, run by a few threads of the server, each
through the same engine, budgets and cache as ``outwork scan``.

An uploaded archive is written to its own folder of the scratch area and removed when its scan
ends; the engine reads it through the bounded sources, which keep members in memory, so nothing
of it is extracted anywhere. A scan that was queued or running when the server stopped runs
again when it starts (its upload stays in the scratch area until then).
"""

from __future__ import annotations

import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from outwork.core.budgets import Budgets
from outwork.core.errors import OutworkError
from outwork.core.policy import Policy
from outwork.engine.pipeline import ScanOptions
from outwork.engine.pipeline import scan as run_scan
from outwork.sources import RegistryOptions
from outwork.sources.exclude import Exclusion
from outwork.store.results import QUEUED, RUNNING, Release, ResultStore

#: Origins of the scans the service runs: ``api:<token name>``.
ORIGIN = "api:"
#: Progress is written to the store at most this often (readers in other processes see it).
DETAIL_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class ServiceOptions:
    """How the service scans: what ``outwork serve`` was started with."""

    #: Folder whose files and folders may be named as targets (None: no server paths).
    root: Path | None = None
    #: Where uploads are kept while they wait and are scanned.
    scratch: Path = field(default_factory=lambda: Path("scratch"))
    budgets: Budgets = field(default_factory=Budgets)
    cache_dir: str | None = None
    jobs: int | None = None
    ray: str | None = None
    registry: RegistryOptions | None = None
    #: Scans run at once (each also uses ``jobs`` worker processes, or the cluster).
    concurrency: int = 1


@dataclass(slots=True)
class Progress:
    done: int = 0
    total: int = 0
    written: float = 0.0


class ScanService:
    """Submits scans to the store and runs them; one per server process."""

    def __init__(self, store: ResultStore, options: ServiceOptions) -> None:
        self.store = store
        self.options = options
        self.options.scratch.mkdir(parents=True, exist_ok=True)
        self._pool = ThreadPoolExecutor(
            max_workers=max(1, options.concurrency), thread_name_prefix="outwork-scan"
        )
        self._progress: dict[int, Progress] = {}
        self._lock = threading.Lock()

    def submit(self, target: str, origin: str, release: Release | None = None) -> int:
        """Queue a scan of every rule on ``target`` (already checked by the caller)."""
        scan_id = self.store.create_scan(target, origin=origin, release=release)
        self._pool.submit(self._run, scan_id, target)
        return scan_id

    def resume(self) -> int:
        """Queue again the service's scans that a stopped server left queued or running."""
        count = 0
        for status in (RUNNING, QUEUED):
            for record in self.store.scans(status=status, limit=10_000):
                if record.origin.startswith(ORIGIN):
                    self._pool.submit(self._run, record.id, record.target)
                    count += 1
        return count

    def progress(self, scan_id: int) -> Progress | None:
        with self._lock:
            return self._progress.get(scan_id)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def upload_folder(self) -> Path:
        """A new folder of the scratch area for one upload."""
        folder = self.options.scratch / f"upload-{time.time_ns():x}"
        folder.mkdir(parents=True)
        return folder

    def _run(self, scan_id: int, target: str) -> None:
        upload = _upload_folder(Path(target), self.options.scratch)
        progress = Progress()
        with self._lock:
            self._progress[scan_id] = progress
        try:
            self.store.start_scan(scan_id)
            if upload is not None and not Path(target).is_file():
                raise OutworkError("the uploaded file is gone from the scratch area")
            result = run_scan(
                [target],
                self._scan_options(),
                progress=lambda done, total: self._tick(scan_id, progress, done, total),
                policy=Policy(),
            )
            self.store.finish_scan(scan_id, result)
        except OutworkError as exc:
            self.store.fail_scan(scan_id, str(exc))
        except Exception as exc:  # the scan fails, the service stays up
            self.store.fail_scan(scan_id, f"internal error: {type(exc).__name__}: {exc}")
        finally:
            with self._lock:
                self._progress.pop(scan_id, None)
            if upload is not None:
                shutil.rmtree(upload, ignore_errors=True)

    def _scan_options(self) -> ScanOptions:
        return ScanOptions(
            jobs=self.options.jobs,
            ray=self.options.ray,
            budgets=self.options.budgets,
            cache_dir=self.options.cache_dir,
            offline=True,
            registry=self.options.registry,
            exclusion=Exclusion(),
        )

    def _tick(self, scan_id: int, progress: Progress, done: int, total: int) -> None:
        progress.done, progress.total = done, total
        now = time.monotonic()
        if now - progress.written >= DETAIL_SECONDS:
            progress.written = now
            self.store.set_detail(scan_id, f"analysed {done} of {total} artifacts")


def _upload_folder(target: Path, scratch: Path) -> Path | None:
    """The scratch folder an uploaded target lives in, or None for any other target."""
    try:
        relative = target.resolve().relative_to(scratch.resolve())
    except ValueError:
        return None
    return scratch / relative.parts[0] if len(relative.parts) > 1 else None
