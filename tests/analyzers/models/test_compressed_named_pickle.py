"""A compressed joblib stream can reach the models layer as ``Kind.PICKLE``: classification
names a ``.joblib`` a pickle when its compressed bytes happen not to look binary (random: a
model's bytes decide). The stream is opened whatever the kind says."""

from __future__ import annotations

import lzma
import pickle
import zlib

import pytest

from outwork.analyzers.models import ModelAnalyzer
from outwork.core.analyzer import AnalysisContext
from outwork.core.artifact import Artifact, Kind
from outwork.core.findings import Finding
from outwork.core.rules import Severity

#: ``posix.system('id')`` when loaded: a pickle that calls a shell, never loaded here.
PAYLOAD = b"cposix\nsystem\n(S'id'\ntR."
BENIGN = pickle.dumps({"weights": [1.0, 2.0, 3.0]}, protocol=4)


def _findings(data: bytes) -> list[Finding]:
    artifact = Artifact(path="model.joblib", kind=Kind.PICKLE, size=len(data), data=data)
    return [
        f for f in ModelAnalyzer().analyze(artifact, AnalysisContext()) if isinstance(f, Finding)
    ]


@pytest.mark.parametrize(
    "compress", [zlib.compress, lambda d: lzma.compress(d, format=lzma.FORMAT_ALONE)]
)
def test_a_compressed_payload_named_as_a_pickle_is_critical(compress: object) -> None:
    data = compress(PAYLOAD)  # type: ignore[operator]
    found = _findings(data)
    assert any(f.severity is Severity.CRITICAL for f in found), found
    assert not any("breaks at offset 0x0" in f.message for f in found)


def test_a_compressed_benign_model_named_as_a_pickle_is_clean() -> None:
    found = _findings(zlib.compress(BENIGN, 3))
    assert [f for f in found if f.severity >= Severity.MEDIUM] == []
