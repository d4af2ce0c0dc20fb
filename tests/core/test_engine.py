"""The engine: dispatch by kind, parallel workers, failure isolation, the content cache."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import pytest

from outwork.core.analyzer import AnalysisContext, Analyzer, Component, Emitted
from outwork.core.artifact import Artifact, Kind
from outwork.core.corerules import ArchiveUnreadable
from outwork.core.findings import Fact, Finding, Location, finding
from outwork.core.rules import Layer
from outwork.engine.pipeline import ScanOptions, scan
from outwork.engine.registry import load_analyzers

CALLS: list[str] = []


class MarkerAnalyzer(Analyzer):
    """Reports every line containing MARK in text files; fails on files containing BOOM."""

    name = "test-marker"
    version = "1"
    layer = Layer.CORE
    kinds = frozenset({Kind.TEXT, Kind.PYTHON})
    rules = (ArchiveUnreadable,)

    def analyze(self, artifact: Artifact, context: AnalysisContext) -> Iterable[Emitted]:
        CALLS.append(artifact.path)
        text = artifact.text()
        if "BOOM" in text:
            raise RuntimeError("analyzer bug")
        for number, line in enumerate(text.splitlines(), start=1):
            if "MARK" in line:
                yield finding(
                    ArchiveUnreadable, "marker", line=number, column=line.index("MARK") + 1
                )
                yield Fact("entry:test", "reaches", f"file:{artifact.path}")


@pytest.fixture
def marker() -> Iterator[None]:
    registry = load_analyzers()
    registry[MarkerAnalyzer.name] = MarkerAnalyzer
    CALLS.clear()
    yield
    registry.pop(MarkerAnalyzer.name, None)


def _tree(tmp_path: Path, count: int = 5) -> Path:
    root = tmp_path / "tree"
    (root / "sub").mkdir(parents=True)
    for i in range(count):
        (root / "sub" / f"f{i}.txt").write_text(f"line one\nMARK {i}\n")
    (root / "boom.txt").write_text("BOOM\n")
    (root / ".git").mkdir()
    (root / ".git" / "config.txt").write_text("MARK in git\n")
    return root


def _only(options: ScanOptions) -> ScanOptions:
    return ScanOptions(jobs=options.jobs, cache_dir=options.cache_dir, analyzers=("test-marker",))


@pytest.mark.usefixtures("marker")
@pytest.mark.parametrize("jobs", [1, 2])
def test_findings_errors_and_snippets(tmp_path: Path, jobs: int) -> None:
    root = _tree(tmp_path)
    result = scan([str(root)], _only(ScanOptions(jobs=jobs)))
    marks = sorted(
        (f.location.path, f.location.line) for f in result.findings if f.code == "CORE005"
    )
    assert marks == [(f"{root}/sub/f{i}.txt", 2) for i in range(5)]
    first = next(f for f in result.findings if f.code == "CORE005")
    assert (first.snippet and (2, first.snippet[-1][1]) == first.snippet[-1]) or first.snippet
    assert [e.path for e in result.errors] == [f"{root}/boom.txt"]
    failed = [f for f in result.findings if f.code == "CORE008"]
    assert [f.location.path for f in failed] == [f"{root}/boom.txt"]
    assert not any(".git" in f.location.path for f in result.findings)
    assert len(result.facts) == 5


@pytest.mark.usefixtures("marker")
def test_include_git(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    options = ScanOptions(jobs=1, include_git=True, analyzers=("test-marker",))
    result = scan([str(root)], options)
    assert any(".git/config.txt" in f.location.path for f in result.findings)


@pytest.mark.usefixtures("marker")
def test_warm_cache_skips_analysis_and_keeps_results(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    options = ScanOptions(jobs=1, cache_dir=str(tmp_path / "cache"), analyzers=("test-marker",))
    cold = scan([str(root)], options)
    calls_cold = len(CALLS)
    CALLS.clear()
    warm = scan([str(root)], options)
    # the failing file is never cached, so it is the only one analysed again
    assert CALLS == [f"{root}/boom.txt"]
    assert warm.stats.cache_hits == calls_cold - 1
    key = lambda r: sorted((f.code, f.location.path, f.location.line) for f in r.findings)  # noqa: E731
    assert key(cold) == key(warm)
    # a change to one file invalidates only that file
    (root / "sub" / "f0.txt").write_text("MARK moved\n")
    CALLS.clear()
    third = scan([str(root)], options)
    assert sorted(CALLS) == sorted([f"{root}/boom.txt", f"{root}/sub/f0.txt"])
    assert (f"{root}/sub/f0.txt", 1) in [(f.location.path, f.location.line) for f in third.findings]


@pytest.mark.usefixtures("marker")
def test_inline_markers_are_collected(tmp_path: Path) -> None:
    root = tmp_path / "t"
    root.mkdir()
    (root / "a.txt").write_text("MARK  # outwork: ignore[CORE005]\nMARK\n")
    result = scan([str(root)], ScanOptions(jobs=1, analyzers=("test-marker",)))
    by_line = {f.location.line: f.properties.get("_inline_markers") for f in result.findings}
    assert by_line == {1: ["CORE005"], 2: None}


def test_unknown_analyzer_is_a_usage_error(tmp_path: Path) -> None:
    from outwork.core.errors import UsageError

    with pytest.raises(UsageError, match="unknown analyzer"):
        scan([str(tmp_path)], ScanOptions(analyzers=("nope",)))


def test_missing_target_says_so(tmp_path: Path) -> None:
    from outwork.core.errors import TargetError

    with pytest.raises(TargetError, match="no such file"):
        scan([str(tmp_path / "missing")], ScanOptions(jobs=1))


def test_symlink_out_of_tree_is_reported_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("secret\n")
    root = tmp_path / "root"
    root.mkdir()
    (root / "link").symlink_to(outside)
    (root / "inner.txt").write_text("x\n")
    (root / "ok-link").symlink_to(root / "inner.txt")
    result = scan([str(root)], ScanOptions(jobs=1))
    escapes = [f.location.path for f in result.findings if f.code == "CORE003"]
    assert escapes == [f"{root}/link"]
    assert all("outside" not in a.path for a in result.artifacts)


def test_fifo_on_disk_is_a_skip(tmp_path: Path) -> None:
    import os

    root = tmp_path / "root"
    root.mkdir()
    os.mkfifo(root / "pipe")
    result = scan([str(root)], ScanOptions(jobs=1))
    assert result.findings == []
    assert [s.path for s in result.skipped] == [f"{root}/pipe"]


@pytest.mark.usefixtures("marker")
def test_huge_files_are_cache_keyed_by_identity_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from outwork.engine import pipeline as engine

    monkeypatch.setattr(engine, "HASH_LIMIT", 8)
    root = tmp_path / "t"
    root.mkdir()
    big = root / "big.txt"
    padding = "a line that takes the file past the head the walker reads\n" * 200
    big.write_text("MARK larger than the hash limit\n" + padding)
    options = ScanOptions(jobs=1, cache_dir=str(tmp_path / "cache"), analyzers=("test-marker",))
    cold = scan([str(root)], options)
    assert [a.sha256 for a in cold.artifacts] == [None]  # never hashed
    CALLS.clear()
    warm = scan([str(root)], options)
    assert CALLS == [] and warm.stats.cache_hits == 1
    big.write_text("MARK changed, same length as it\n" + padding)
    CALLS.clear()
    scan([str(root)], options)
    assert CALLS == [str(big)]


@pytest.mark.usefixtures("marker")
def test_analyzers_without_selected_rules_do_not_run(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    scan([str(root)], ScanOptions(jobs=1, analyzers=("test-marker",), select=("CI",)))
    assert CALLS == []
    scan([str(root)], ScanOptions(jobs=1, analyzers=("test-marker",), ignore=("CORE005",)))
    assert CALLS == []
    scan([str(root)], ScanOptions(jobs=1, analyzers=("test-marker",), select=("CORE",)))
    assert CALLS


class WholeScanAnalyzer(Analyzer):
    """Names a component per text file and, after the scan, reports how many it was given."""

    name = "test-whole-scan"
    version = "1"
    layer = Layer.CORE
    kinds = frozenset({Kind.TEXT})
    rules = (ArchiveUnreadable,)
    fail = False

    def analyze(self, artifact: Artifact, context: AnalysisContext) -> Iterable[Emitted]:
        yield Component("library", artifact.name, "1.0", f"pkg:generic/{artifact.name}@1.0")

    def finish(
        self, components: Sequence[tuple[str, Component]], context: AnalysisContext
    ) -> Iterable[Finding]:
        if self.fail:
            raise RuntimeError("whole-scan bug")
        for path, component in sorted(components, key=lambda pc: pc[0]):
            yield Finding(
                rule=ArchiveUnreadable,
                message=f"saw {component.name} offline={context.offline}",
                location=Location(path),
                severity=ArchiveUnreadable.severity,
                confidence=ArchiveUnreadable.confidence,
            )


@pytest.mark.parametrize("cached", [False, True])
def test_finish_sees_every_component_fresh_or_cached(tmp_path: Path, cached: bool) -> None:
    registry = load_analyzers()
    registry[WholeScanAnalyzer.name] = WholeScanAnalyzer
    try:
        root = tmp_path / "t"
        root.mkdir()
        for i in range(3):
            (root / f"c{i}.txt").write_text(f"text {i}\n")
        options = ScanOptions(
            jobs=1,
            analyzers=("test-whole-scan",),
            offline=False,
            cache_dir=str(tmp_path / "cache") if cached else None,
        )
        for _ in range(2 if cached else 1):
            result = scan([str(root)], options)
        seen = [(f.location.path, f.message) for f in result.findings if f.code == "CORE005"]
        assert seen == [(f"{root}/c{i}.txt", f"saw c{i}.txt offline=False") for i in range(3)]
        if cached:
            assert result.stats.cache_hits == 3
        WholeScanAnalyzer.fail = True
        failed = scan([str(root)], options)
        assert [f.code for f in failed.findings if f.code == "CORE008"] == ["CORE008"]
        assert failed.errors and failed.errors[0].analyzer == "test-whole-scan"
    finally:
        WholeScanAnalyzer.fail = False
        registry.pop(WholeScanAnalyzer.name, None)


@pytest.mark.usefixtures("marker")
def test_cached_results_name_the_new_location_of_moved_content(tmp_path: Path) -> None:
    import shutil

    first = _tree(tmp_path)
    second = tmp_path / "copy" / "tree-two"
    shutil.copytree(first, second)
    options = ScanOptions(jobs=1, cache_dir=str(tmp_path / "cache"), analyzers=("test-marker",))
    scan([str(first)], options)
    CALLS.clear()
    moved = scan([str(second)], options)
    assert CALLS == [f"{second}/boom.txt"]  # everything else came from the cache
    paths = {f.location.path for f in moved.findings}
    assert paths and all(p.startswith(f"{second}/") for p in paths), paths
    assert {f.target for f in moved.facts} == {f"file:{second}/sub/f{i}.txt" for i in range(5)}
    assert all(f.snippet for f in moved.findings if f.code == "CORE005")


def test_outcomes_holding_the_prefix_mark_are_not_cached() -> None:
    from outwork.engine import pipeline as engine

    outcome = engine.Outcome(markers={"1": ["\x00outwork-prefix\x00"]})
    assert engine._encode(outcome, "/x") is None
    plain = engine.Outcome(markers={"1": ["/x/a", "/xy/b", "/x"]})
    text = engine._encode(plain, "/x")
    assert text is not None
    assert engine._decode(text, "/new").markers == {"1": ["/new/a", "/xy/b", "/new"]}


def test_a_damaged_cache_file_is_replaced_not_fatal(tmp_path: Path) -> None:
    from outwork.store.cache import ScanCache

    (tmp_path / "scan-cache.sqlite3").write_bytes(b"not a database" * 100)
    cache = ScanCache(tmp_path)
    cache.put_many([("k", "{}")])
    assert cache.get_many(["k"]) == {"k": "{}"}
    cache.close()


@pytest.mark.usefixtures("marker")
def test_facts_without_proof_are_proven_by_their_artifact(tmp_path: Path) -> None:
    class Prover(MarkerAnalyzer):
        name = "test-prover"

        def analyze(self, artifact: Artifact, context: AnalysisContext) -> Iterable[Emitted]:
            yield Fact("entry:test", "reaches", "jewel:test")

    registry = load_analyzers()
    registry[Prover.name] = Prover
    try:
        root = tmp_path / "p"
        root.mkdir()
        (root / "a.txt").write_text("x\n")
        result = scan([str(root)], ScanOptions(jobs=1, analyzers=("test-prover",)))
        assert [f.proof for f in result.facts] == [f"{root}/a.txt"]
    finally:
        registry.pop(Prover.name, None)


@pytest.mark.usefixtures("marker")
def test_artifacts_below_an_analyzers_cache_size_are_not_cached(tmp_path: Path) -> None:
    root = _tree(tmp_path)
    (root / "big.txt").write_text("MARK\n" + "x" * 4000)
    options = ScanOptions(jobs=1, cache_dir=str(tmp_path / "cache"), analyzers=("test-marker",))
    MarkerAnalyzer.cache_min_bytes = 1024
    try:
        scan([str(root)], options)
        CALLS.clear()
        warm = scan([str(root)], options)
    finally:
        MarkerAnalyzer.cache_min_bytes = 0
    # only the file above the threshold came from the cache; the small ones were analysed again
    assert f"{root}/big.txt" not in CALLS and f"{root}/sub/f0.txt" in CALLS
    assert warm.stats.cache_hits == 1
    assert (f"{root}/big.txt", 1) in [(f.location.path, f.location.line) for f in warm.findings]
