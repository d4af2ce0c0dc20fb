"""A large package's modules scanned in several processes give the verdict one process gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from outwork.analyzers import AnalysisContext
from outwork.analyzers.packages import package
from outwork.analyzers.packages.package import analyze_files, read_archive
from outwork.core import engine
from outwork.core.engine import ScanOptions
from tests.analyzers.packages.helpers import sdist

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "rules"


def _package() -> package.PackageFiles:
    """Every Python fixture of the packages rules as a module of one sdist, plus a setup.py
    that imports one of them (install-time modules stay in this process)."""
    files: dict[str, str | bytes] = {
        "setup.py": "from setuptools import setup\nimport helper\nsetup(name='big')\n",
        "helper.py": "import os\nos.system('echo built')\n",
    }
    for i, path in enumerate(sorted(FIXTURES.glob("PKG*/**/*.py"))):
        files[f"big/m{i}_{path.stem}.py"] = path.read_bytes()
    assert len(files) > 30
    found = read_archive(sdist("big", "1.0", files), "big-1.0.tar.gz")
    assert found is not None
    return found


def test_verdict_is_the_same_in_one_or_several_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    files = _package()
    alone = analyze_files(files, workers=1)
    calls: list[int] = []
    original = package._scan_in_processes

    def counted(*args: object) -> object:
        result = original(*args)  # type: ignore[arg-type]
        calls.append(0 if result is None else len(result))
        return result

    monkeypatch.setattr(package, "PARALLEL_MIN_CHARS", 1)
    monkeypatch.setattr(package, "_scan_in_processes", counted)
    shared = analyze_files(files, workers=3)
    assert calls and calls[0] > 20  # the modules really went through the processes
    assert shared.signals == alone.signals
    assert (shared.score, shared.severity, shared.reasons) == (
        alone.score,
        alone.severity,
        alone.reasons,
    )
    assert alone.signals  # the fixtures fire: the comparison is not between two empty lists


def test_small_packages_and_one_worker_stay_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    def forbidden(*args: object) -> None:
        raise AssertionError("no process for this package")

    monkeypatch.setattr(package, "_scan_in_processes", forbidden)
    files = _package()
    analyze_files(files, workers=4)  # below PARALLEL_MIN_CHARS
    monkeypatch.setattr(package, "PARALLEL_MIN_CHARS", 1)
    analyze_files(files, workers=1)


def test_processes_that_cannot_start_leave_the_work_here(monkeypatch: pytest.MonkeyPatch) -> None:
    files = _package()
    alone = analyze_files(files, workers=1)

    class Broken:
        def __init__(self, *args: object, **kwargs: object) -> None:
            raise OSError("no more processes")

    monkeypatch.setattr(package, "PARALLEL_MIN_CHARS", 1)
    monkeypatch.setattr("concurrent.futures.ProcessPoolExecutor", Broken)
    assert analyze_files(files, workers=2).signals == alone.signals


def test_the_scan_gives_its_jobs_to_analyzers_in_process_and_one_in_workers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert engine._context(ScanOptions(jobs=3)).workers == 3
    assert engine._context(ScanOptions(jobs=0)).workers == 1
    seen: list[int] = []

    def record(artifact: object, names: object, context: AnalysisContext, cache: object) -> None:
        seen.append(context.workers)

    monkeypatch.setattr(engine, "analyze_artifact", record)
    engine._analyze_batch([(object(), ("x",))], AnalysisContext(workers=4))  # type: ignore[list-item]
    assert seen == [1]
