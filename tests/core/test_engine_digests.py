"""Every artifact whose content was read carries the real sha256 of that content, in every
report, wherever it was analysed (in process or in a worker) and with the cache off, cold or
warm; a file too large to hash carries none, never its cache identity."""

from __future__ import annotations

import hashlib
import io
import json
import pickle
import zipfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest

from outwork.core.analyzer import AnalysisContext, Analyzer, Emitted
from outwork.core.artifact import Artifact, Kind
from outwork.core.corerules import ArchiveUnreadable
from outwork.core.findings import ScanResult
from outwork.core.rules import Layer
from outwork.engine import pipeline as engine
from outwork.engine.pipeline import ScanOptions, scan
from outwork.engine.registry import load_analyzers
from outwork.report import render
from tests.core.test_engine import MarkerAnalyzer, marker  # noqa: F401 - the fixture

BATCHES: list[int] = []


class PicklingPool:
    """Stands in for ProcessPoolExecutor with its process boundary: each batch's arguments and
    results are pickled and unpickled, as they are on their way to a worker and back."""

    def __init__(self, max_workers: int) -> None:
        return None

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future[Any]:
        BATCHES.append(len(args[0]))
        future: Future[Any] = Future()
        sent = pickle.loads(pickle.dumps(args))
        future.set_result(pickle.loads(pickle.dumps(fn(*sent))))
        return future

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        return None


class HeadAnalyzer(Analyzer):
    """Reads only the first bytes of text files, as the models analyzer reads a header."""

    name = "test-head"
    version = "1"
    layer = Layer.CORE
    kinds = frozenset({Kind.TEXT})
    rules = (ArchiveUnreadable,)

    def analyze(self, artifact: Artifact, context: AnalysisContext) -> Iterable[Emitted]:
        artifact.read(64)
        return ()


@pytest.fixture
def head_analyzer() -> Iterator[None]:
    registry = load_analyzers()
    registry[HeadAnalyzer.name] = HeadAnalyzer
    yield
    registry.pop(HeadAnalyzer.name, None)


@pytest.fixture
def workers(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every window of two or more jobs goes to the (pickling) worker pool after one probe."""
    monkeypatch.setattr(engine, "INPROCESS_JOBS", 2)
    monkeypatch.setattr(engine, "POOL_MIN_JOB_SECONDS", 0.0)
    monkeypatch.setattr(engine, "PROBE_SECONDS", 0.0)
    monkeypatch.setattr(engine, "_new_pool", PicklingPool)
    BATCHES.clear()
    yield


def _tree(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    """Files held whole by the walker (under 8 KiB), read from disk (over 8 KiB), and members
    of a zip (held in memory): the content of each, by logical path."""
    root = tmp_path / "tree"
    root.mkdir()
    contents: dict[str, bytes] = {}
    for i in range(4):
        data = f"line one\nMARK {i}\n".encode()
        (root / f"small{i}.txt").write_bytes(data)
        contents[f"{root}/small{i}.txt"] = data
    large = b"MARK\n" + b"".join(b"a line of a larger text file, %05d\n" % n for n in range(600))
    assert len(large) > 16 * 1024
    (root / "large.txt").write_bytes(large)
    contents[f"{root}/large.txt"] = large
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in (("a.txt", b"MARK in a member\n"), ("b.txt", large[: 12 * 1024])):
            zf.writestr(name, data)
            contents[f"{root}/bundle.zip!/{name}"] = data
    (root / "bundle.zip").write_bytes(buffer.getvalue())
    return root, contents


def _digests(result: ScanResult) -> dict[str, str | None]:
    return {a.path: a.sha256 for a in result.artifacts}


def _scan_modes(root: Path, tmp_path: Path, cache: str, jobs: int) -> ScanResult:
    cache_dir = str(tmp_path / "cache") if cache != "off" else None
    options = ScanOptions(jobs=jobs, cache_dir=cache_dir, analyzers=(MarkerAnalyzer.name,))
    result = scan([str(root)], options)
    if cache == "warm":
        result = scan([str(root)], options)
        assert result.stats.cache_hits == len(result.artifacts)
    return result


def _reported(result: ScanResult) -> tuple[dict[str, str | None], dict[str, str | None]]:
    """The digests the JSON report and the CycloneDX SBOM give each artifact."""
    report = json.loads(render("json", result))
    in_json = {a["path"]: a["sha256"] for a in report["artifacts"]}
    bom = json.loads(render("cyclonedx", result))
    in_bom: dict[str, str | None] = {}
    for component in bom["components"]:
        if component["type"] == "file":
            hashes = component.get("hashes", [])
            assert all(h["alg"] == "SHA-256" for h in hashes)
            in_bom[component["name"]] = hashes[0]["content"] if hashes else None
    return in_json, in_bom


@pytest.mark.usefixtures("marker", "workers")
@pytest.mark.parametrize("cache", ["off", "cold", "warm"])
def test_digests_come_back_from_worker_processes(tmp_path: Path, cache: str) -> None:
    root, contents = _tree(tmp_path)
    expected = {path: hashlib.sha256(data).hexdigest() for path, data in contents.items()}
    result = _scan_modes(root, tmp_path, cache, jobs=2)
    if cache != "warm":
        assert sum(BATCHES) == len(contents) - 1  # all but the probed one went to workers
    assert _digests(result) == expected
    assert _reported(result) == (expected, expected)
    sarif = json.loads(render("sarif", result))
    in_sarif = {a["location"]["uri"]: a["hashes"]["sha-256"] for a in sarif["runs"][0]["artifacts"]}
    on_disk = {f"file://{p}": d for p, d in expected.items() if "!/" not in p}
    assert in_sarif == on_disk  # every file with a finding, and only those


@pytest.mark.usefixtures("marker")
@pytest.mark.parametrize("cache", ["off", "cold", "warm"])
def test_digests_of_artifacts_analysed_in_process(tmp_path: Path, cache: str) -> None:
    root, contents = _tree(tmp_path)
    expected = {path: hashlib.sha256(data).hexdigest() for path, data in contents.items()}
    result = _scan_modes(root, tmp_path, cache, jobs=1)
    assert _digests(result) == expected
    assert _reported(result) == (expected, expected)


@pytest.mark.usefixtures("marker")
def test_digests_come_back_from_a_real_worker_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "INPROCESS_JOBS", 2)
    monkeypatch.setattr(engine, "POOL_MIN_JOB_SECONDS", 0.0)
    monkeypatch.setattr(engine, "PROBE_SECONDS", 0.0)
    root, contents = _tree(tmp_path)
    expected = {path: hashlib.sha256(data).hexdigest() for path, data in contents.items()}
    result = scan([str(root)], ScanOptions(jobs=2, analyzers=(MarkerAnalyzer.name,)))
    assert _digests(result) == expected


@pytest.mark.usefixtures("head_analyzer", "marker")
@pytest.mark.parametrize("cache", ["off", "cold", "warm"])
@pytest.mark.parametrize("pool", [False, True])
def test_files_over_the_hash_limit_carry_no_digest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cache: str, pool: bool
) -> None:
    """Over the limit a file on disk is not read whole to hash it, and the cache keys it by
    identity (``stat:...``): that identity is never shown as a digest. Whether an analyzer
    happened to read it whole does not matter: the same input gives the same report."""
    monkeypatch.setattr(engine, "HASH_LIMIT", 16 * 1024)
    if pool:
        monkeypatch.setattr(engine, "INPROCESS_JOBS", 2)
        monkeypatch.setattr(engine, "POOL_MIN_JOB_SECONDS", 0.0)
        monkeypatch.setattr(engine, "PROBE_SECONDS", 0.0)
        monkeypatch.setattr(engine, "_new_pool", PicklingPool)
    root = tmp_path / "tree"
    root.mkdir()
    huge = b"".join(b"not read whole by the head analyzer, line %05d\n" % n for n in range(600))
    (root / "huge.txt").write_bytes(huge)
    (root / "small.txt").write_bytes(b"small\n")
    lines = (b"read whole by the marker analyzer, line %05d\n" % n for n in range(600))
    whole = b"MARK\n" + b"".join(lines)
    (root / "whole.py").write_bytes(whole)
    medium = b"MARK\n" + b"under the limit, read from disk\n" * 300
    assert 8 * 1024 < len(medium) < 16 * 1024
    (root / "medium.py").write_bytes(medium)
    cache_dir = str(tmp_path / "cache") if cache != "off" else None
    options = ScanOptions(
        jobs=2 if pool else 1,
        cache_dir=cache_dir,
        analyzers=(HeadAnalyzer.name, MarkerAnalyzer.name),
    )
    result = scan([str(root)], options)
    if cache == "warm":
        result = scan([str(root)], options)
        assert result.stats.cache_hits == 4
    expected: dict[str, str | None] = {
        f"{root}/huge.txt": None,
        f"{root}/medium.py": hashlib.sha256(medium).hexdigest(),
        f"{root}/small.txt": hashlib.sha256(b"small\n").hexdigest(),
        f"{root}/whole.py": None,
    }
    assert _digests(result) == expected
    assert _reported(result) == (expected, expected)
    assert "stat:" not in render("json", result)


@pytest.mark.usefixtures("workers")
def test_models_analysed_in_workers_keep_the_digest_the_analyzer_computed(
    tmp_path: Path,
) -> None:
    """The reported defect: the models analyzer hashes what it reads, in the process that
    analyses; a worker's digest was lost on the way back, an in-process one was not."""
    root = tmp_path / "models"
    root.mkdir()
    expected = {}
    for i in range(5):
        data = pickle.dumps({"weights": list(range(i + 3))}, protocol=4)  # never loaded
        (root / f"m{i}.pkl").write_bytes(data)
        expected[f"{root}/m{i}.pkl"] = hashlib.sha256(data).hexdigest()
    result = scan([str(root)], ScanOptions(jobs=2, analyzers=("models",)))
    assert sum(BATCHES) == 4
    assert _digests(result) == expected
    in_json, in_bom = _reported(result)
    assert in_json == in_bom == expected
