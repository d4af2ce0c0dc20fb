"""Large windows of cheap artifacts stay in process; expensive ones go to workers. Either way
the result is the same."""

from __future__ import annotations

import time
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


class SlowStartAnalyzer(MarkerAnalyzer):
    """Cheap on every artifact but its first, where it spends a probe's worth of CPU, as an
    analyzer that imports its implementation and loads its tables there."""

    name = "test-slow-start"
    started = False

    def analyze(self, artifact: Any, context: Any) -> Any:
        if not SlowStartAnalyzer.started:
            SlowStartAnalyzer.started = True
            until = time.process_time() + 2 * engine.PROBE_SECONDS
            while time.process_time() < until:
                pass
        return super().analyze(artifact, context)


@pytest.mark.usefixtures("large_windows")
def test_an_analyzers_first_artifact_does_not_decide_the_probe(tmp_path: Path) -> None:
    registry = engine.load_analyzers()
    registry[SlowStartAnalyzer.name] = SlowStartAnalyzer
    SlowStartAnalyzer.started = False
    try:
        root = _tree(tmp_path)
        result = scan([str(root)], ScanOptions(jobs=2, analyzers=(SlowStartAnalyzer.name,)))
    finally:
        registry.pop(SlowStartAnalyzer.name, None)
    assert SlowStartAnalyzer.started
    assert result.stats.analyzed == 12
    assert len(result.findings) == 12
    assert POOLS == []  # the eleven cheap artifacts decided: no workers
