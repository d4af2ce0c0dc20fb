"""Large windows of cheap artifacts stay in process; expensive ones go to workers. Either way
the result is the same."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest

from outwork.engine import pipeline as engine
from outwork.engine.pipeline import ScanOptions, scan
from tests.core.test_engine import MarkerAnalyzer, marker  # noqa: F401 - the fixture

POOLS: list[object] = []


class InlinePool:
    """Stands in for ProcessPoolExecutor: runs each batch at once, in this process."""

    def __init__(self, max_workers: int) -> None:
        POOLS.append(self)

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        future: Future[Any] = Future()
        future.set_result(fn(*args))
        return future

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        return None


@pytest.fixture
def large_windows(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(engine, "INPROCESS_JOBS", 2)
    monkeypatch.setattr(engine, "_new_pool", InlinePool)
    POOLS.clear()
    yield


def _tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    root.mkdir()
    for i in range(12):
        (root / f"f{i:02d}.txt").write_text(f"line one\nMARK {i}\n")
    return root


def _summary(root: Path, jobs: int) -> list[tuple[str, int | None]]:
    options = ScanOptions(jobs=jobs, analyzers=(MarkerAnalyzer.name,))
    result = scan([str(root)], options)
    assert result.stats.analyzed == 12
    return [(f.location.path, f.location.line) for f in result.findings]


@pytest.mark.usefixtures("marker", "large_windows")
def test_cheap_artifacts_never_start_workers(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    expected = _summary(root, jobs=1)
    assert _summary(root, jobs=2) == expected
    assert POOLS == []


@pytest.mark.usefixtures("marker", "large_windows")
def test_expensive_artifacts_go_to_workers_after_the_probe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _tree(tmp_path)
    expected = _summary(root, jobs=1)
    monkeypatch.setattr(engine, "POOL_MIN_JOB_SECONDS", 0.0)  # every artifact counts as costly
    monkeypatch.setattr(engine, "PROBE_SECONDS", 0.0)
    assert _summary(root, jobs=2) == expected
    assert len(POOLS) == 1
