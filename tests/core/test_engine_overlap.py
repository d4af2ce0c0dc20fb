"""Workers analyse one window while the walk reads the next: a window is handed to the pool when
it is full and collected only after the next one was handed over (or at the end), so the walk
(an archive's decompression, a tree's reading) never leaves the workers idle. The result is the
same as in one process, in the same order."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest

from outwork.engine import pipeline as engine
from outwork.engine.pipeline import ScanOptions, scan
from tests.core.test_engine import MarkerAnalyzer, marker  # noqa: F401 - the fixture

EVENTS: list[str] = []


class DeferredPool:
    """Stands in for ProcessPoolExecutor: a batch runs when its result is asked for, and every
    submission and collection is recorded."""

    def __init__(self, max_workers: int) -> None:
        self.submitted = 0

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        self.submitted += 1
        number = self.submitted
        EVENTS.append(f"submit {number}")

        class _Deferred(Future[Any]):
            def result(self, timeout: float | None = None) -> Any:
                EVENTS.append(f"collect {number}")
                return fn(*args)

        return _Deferred()

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        return None


@pytest.fixture
def windows_of_three(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(engine, "WINDOW_JOBS", 3)
    monkeypatch.setattr(engine, "INPROCESS_JOBS", 2)
    monkeypatch.setattr(engine, "BATCH", 3)
    monkeypatch.setattr(engine, "POOL_MIN_JOB_SECONDS", 0.0)  # every artifact counts as costly
    monkeypatch.setattr(engine, "PROBE_SECONDS", 0.0)
    monkeypatch.setattr(engine, "_new_pool", DeferredPool)
    EVENTS.clear()
    yield


def _tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    root.mkdir()
    for i in range(13):
        (root / f"f{i:02d}.txt").write_text(f"line one\nMARK {i}\n")
    return root


def _summary(root: Path, jobs: int) -> list[tuple[str, int | None]]:
    result = scan([str(root)], ScanOptions(jobs=jobs, analyzers=(MarkerAnalyzer.name,)))
    assert result.stats.analyzed == 13
    assert [a.path for a in result.artifacts] == sorted(a.path for a in result.artifacts)
    return [(f.location.path, f.location.line) for f in result.findings]


@pytest.mark.usefixtures("marker", "windows_of_three")
def test_the_next_window_is_handed_over_before_the_last_is_collected(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    expected = _summary(root, jobs=1)
    EVENTS.clear()
    assert _summary(root, jobs=2) == expected
    # the first window is probed in process (one job), the rest of it goes to the pool
    submits = [int(e.split()[1]) for e in EVENTS if e.startswith("submit")]
    assert len(submits) >= 3
    for number in submits[1:]:
        # batch N is submitted before batch N-1 is collected: the walk went on meanwhile
        assert EVENTS.index(f"submit {number}") < EVENTS.index(f"collect {number - 1}"), EVENTS
    assert all(f"collect {n}" in EVENTS for n in submits)
