"""The engine asks the analyzers about each large archive member from its start, so that the
source holds only members someone reads; what the analyzers see does not change."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from outwork.core.analyzer import AnalysisContext, Analyzer, Emitted
from outwork.core.artifact import NOT_HELD, PROBE_BYTES, Artifact, Kind
from outwork.core.corerules import ArchiveUnreadable
from outwork.core.findings import finding
from outwork.core.rules import Layer
from outwork.engine import pipeline as engine
from outwork.engine.pipeline import ScanOptions, scan
from outwork.engine.registry import load_analyzers
from outwork.sources import open_target
from tests.sources import hostile

SEEN: list[tuple[str, int, bool]] = []
BIG_BINARY = random.Random(5).randbytes(3 * PROBE_BYTES)
BIG_TEXT = b"".join(b"Text line %06d of a long member\n" % n for n in range(8000))


class TailAnalyzer(Analyzer):
    """Accepts text whose content past the probe says so: its ``accepts`` needs the member."""

    name = "test-tail"
    version = "1"
    layer = Layer.CORE
    kinds = frozenset({Kind.TEXT})
    rules = (ArchiveUnreadable,)

    def accepts(self, artifact: Artifact) -> bool:
        return artifact.kind is Kind.TEXT and b"TAIL" in artifact.read(PROBE_BYTES + 100)

    def analyze(self, artifact: Artifact, context: AnalysisContext) -> Iterable[Emitted]:
        SEEN.append((artifact.path, len(artifact.read()), NOT_HELD in artifact.tags))
        yield finding(ArchiveUnreadable, "tail seen")


class BinaryAnalyzer(Analyzer):
    """Reads binary members whole."""

    name = "test-binary"
    version = "1"
    layer = Layer.CORE
    kinds = frozenset({Kind.BINARY})
    rules = (ArchiveUnreadable,)

    def analyze(self, artifact: Artifact, context: AnalysisContext) -> Iterable[Emitted]:
        SEEN.append((artifact.path, len(artifact.read()), NOT_HELD in artifact.tags))
        return ()


@pytest.fixture
def analyzers() -> Iterator[None]:
    registry = load_analyzers()
    registry[TailAnalyzer.name] = TailAnalyzer
    registry[BinaryAnalyzer.name] = BinaryAnalyzer
    SEEN.clear()
    yield
    registry.pop(TailAnalyzer.name, None)
    registry.pop(BinaryAnalyzer.name, None)


def _wheel(tmp_path: Path) -> Path:
    tail = BIG_TEXT[: PROBE_BYTES + 50] + b"TAIL" + BIG_TEXT[PROBE_BYTES + 54 :]
    path = tmp_path / "demo-1.0-py3-none-any.whl"
    members = {"demo/weights.bin": BIG_BINARY, "demo/notes.txt": BIG_TEXT, "demo/tail.txt": tail}
    path.write_bytes(hostile.zip_of(members))
    return path


@pytest.mark.usefixtures("analyzers")
@pytest.mark.parametrize("chosen", [("test-tail",), ("test-tail", "test-binary")])
def test_members_are_held_for_the_analyzers_that_read_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chosen: tuple[str, ...]
) -> None:
    wheel = _wheel(tmp_path)
    sourced: dict[str, bool] = {}

    def recording(*args: Any, **kwargs: Any) -> Iterator[Any]:
        for item in open_target(*args, **kwargs):
            if isinstance(item, Artifact):
                sourced[item.path.rsplit("/", 1)[-1]] = item.data is not None
            yield item

    monkeypatch.setattr(engine, "open_target", recording)
    result = scan([str(wheel)], ScanOptions(jobs=1, analyzers=chosen))
    assert sourced == {
        wheel.name: False,  # on disk
        "weights.bin": "test-binary" in chosen,
        "notes.txt": False,
        "tail.txt": True,
    }
    assert result.stats.artifacts == 4  # the wheel and its three members, held or not
    seen = sorted(SEEN)
    expected = [(f"{wheel}!/demo/tail.txt", len(BIG_TEXT), False)]
    if "test-binary" in chosen:
        expected.insert(0, (f"{wheel}!/demo/weights.bin", len(BIG_BINARY), False))
    assert seen == sorted(expected)
    assert [f.location.path for f in result.findings if f.code == "CORE005"] == [
        f"{wheel}!/demo/tail.txt"
    ]
    digests = {a.path: a.sha256 for a in result.artifacts}
    assert (
        digests[f"{wheel}!/demo/tail.txt"]
        == hashlib.sha256(
            BIG_TEXT[: PROBE_BYTES + 50] + b"TAIL" + BIG_TEXT[PROBE_BYTES + 54 :]
        ).hexdigest()
    )
    assert f"{wheel}!/demo/notes.txt" not in digests  # nobody read it: not an analysed artifact
