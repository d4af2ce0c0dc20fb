"""An archive an analyzer reads whole (a package) comes after its members with what the walk kept
of them, and its analysis starts in the workers, in a batch of its own and before its members,
as soon as the walk goes on past it; a scan of one archive stays in one process. Same result,
same order as in one process."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest

from outwork.core.analyzer import AnalysisContext, Analyzer, Emitted
from outwork.core.artifact import Artifact, Kind, MemberNeeds
from outwork.core.corerules import ArchiveUnreadable
from outwork.core.findings import finding
from outwork.core.rules import Layer
from outwork.engine import pipeline as engine
from outwork.engine.pipeline import ScanOptions, scan
from outwork.engine.registry import load_analyzers
from tests.core.test_engine import MarkerAnalyzer

SUBMITTED: list[list[str]] = []


class WholeAnalyzer(Analyzer):
    """Reads a zip whole, from what the walk kept of its members: one finding per member."""

    name = "test-whole"
    version = "1"
    layer = Layer.CORE
    kinds = frozenset({Kind.ZIP})
    rules = (ArchiveUnreadable,)

    def accepts(self, artifact: Artifact) -> bool:
        return artifact.kind is Kind.ZIP and "!/" not in artifact.path

    def member_needs(self, archive: Artifact) -> MemberNeeds | None:
        return MemberNeeds(lambda name, head: 1 << 20, 1 << 30)

    def analyze(self, artifact: Artifact, context: AnalysisContext) -> Iterable[Emitted]:
        assert artifact.members is not None  # not decompressed again
        for member in artifact.members:
            yield finding(ArchiveUnreadable, f"kept {member.name}: {member.data!r}")


class RecordingPool:
    """Stands in for ProcessPoolExecutor: runs each batch when its result is asked for and
    records what each submission held."""

    def __init__(self, max_workers: int) -> None:
        return None

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        SUBMITTED.append([_short(artifact.path) for artifact, _names in args[0]])

        class _Deferred(Future[Any]):
            def result(self, timeout: float | None = None) -> Any:
                return fn(*args)

        return _Deferred()

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        return None


def _short(path: str) -> str:
    """``a.zip!/a1.txt`` of ``/tmp/.../a.zip!/a1.txt``."""
    container, sep, member = path.partition("!/")
    return Path(container).name + sep + member


@pytest.fixture
def analyzers(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    registry = load_analyzers()
    registry[WholeAnalyzer.name] = WholeAnalyzer
    registry[MarkerAnalyzer.name] = MarkerAnalyzer
    monkeypatch.setattr(engine, "_new_pool", RecordingPool)
    monkeypatch.setattr(engine, "POOL_MIN_JOB_SECONDS", 0.0)  # every artifact counts as costly
    SUBMITTED.clear()
    yield
    registry.pop(WholeAnalyzer.name, None)
    registry.pop(MarkerAnalyzer.name, None)


def _zip(path: Path, members: dict[str, str]) -> str:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, text in members.items():
            zf.writestr(name, text)
    path.write_bytes(buffer.getvalue())
    return str(path)


def _scan(targets: list[str], jobs: int) -> list[tuple[str, str, str]]:
    options = ScanOptions(jobs=jobs, analyzers=(WholeAnalyzer.name, MarkerAnalyzer.name))
    result = scan(targets, options)
    assert not result.errors
    return [(f.code, f.location.path, f.message) for f in result.findings]


@pytest.mark.usefixtures("analyzers")
def test_an_archive_read_whole_starts_first_in_a_batch_of_its_own(tmp_path: Path) -> None:
    first = _zip(tmp_path / "a.zip", {"a1.txt": "MARK a1\n", "a2.txt": "MARK a2\n"})
    second = _zip(tmp_path / "b.zip", {"b1.txt": "MARK b1\n"})
    expected = _scan([first, second], jobs=1)
    assert ("CORE", first, "kept a2.txt: b'MARK a2\\n'") in {(c[:4], p, m) for c, p, m in expected}
    assert not SUBMITTED
    assert _scan([first, second], jobs=2) == expected
    # a.zip's members were walked, then a.zip was handed over and the walk went on: a.zip
    # went to the workers alone and first, then its members; at the end of the walk b.zip
    # too, the workers running (its one member is analysed in process)
    assert SUBMITTED == [["a.zip"], ["a.zip!/a1.txt"], ["a.zip!/a2.txt"], ["b.zip"]]


@pytest.mark.usefixtures("analyzers")
def test_a_scan_of_one_archive_stays_in_one_process(tmp_path: Path) -> None:
    only = _zip(tmp_path / "a.zip", {"a1.txt": "MARK a1\n", "a2.txt": "MARK a2\n"})
    expected = _scan([only], jobs=1)
    assert _scan([only], jobs=2) == expected
    assert SUBMITTED == []
