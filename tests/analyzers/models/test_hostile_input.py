"""Every parser, fed truncated, mutated, oversized and random input, finishes with a finding."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outwork.analyzers.models import ModelAnalyzer, picklevm
from outwork.core.analyzer import AnalysisContext
from outwork.core.artifact import Artifact, Kind, classify, refine_zip
from outwork.sources.reader import open_zip
from tests.analyzers.models import craft

SEEDS = [
    craft.os_system(2),
    craft.os_system(4),
    craft.protocol0_system(),
    craft.benign(5),
    craft.torch_zip(craft.os_system(2)),
    craft.safetensors({"a": ("F32", [2], (0, 8))}, 8),
    craft.gguf({"general.architecture": "llama", "tokenizer.chat_template": "{{ x }}"}),
    craft.onnx_model(domain="x.y", location="../a"),
    craft.keras_zip(craft.keras_model(craft.keras_layer("Dense"))),
    craft.npy_object(craft.os_system(3)),
    craft.legacy_torch(craft.os_system(2)),
]
KINDS = [
    Kind.PICKLE,
    Kind.PYTORCH_ZIP,
    Kind.SAFETENSORS,
    Kind.GGUF,
    Kind.ONNX,
    Kind.KERAS,
    Kind.NUMPY,
    Kind.NUMPY_ZIP,
    Kind.HDF5,
    Kind.BINARY,
    Kind.ZIP,
]


def _analyze(data: bytes, kind: Kind) -> list[object]:
    artifact = Artifact(path="fuzz.bin", kind=kind, size=len(data), data=data)
    started = time.monotonic()
    out = list(ModelAnalyzer().analyze(artifact, AnalysisContext()))
    assert time.monotonic() - started < 5
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2048), st.sampled_from(KINDS))
def test_random_bytes_never_crash(data: bytes, kind: Kind) -> None:
    _analyze(data, kind)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(SEEDS),
    st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=8),
    st.integers(0, 10_000),
)
def test_mutated_models_never_crash(seed: bytes, flips: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(seed)
    for pos, value in flips:
        if data:
            data[pos % len(data)] = value
    data = data[: max(1, len(data) - cut % (len(data) or 1))]
    kind = classify(bytes(data[:8192]), "x")
    if kind is Kind.ZIP:
        kind = refine_zip(bytes(data))
    _analyze(bytes(data), kind)


def test_every_truncation_of_a_payload_still_reports_or_fails_closed() -> None:
    data = craft.os_system(2)
    for cut in range(1, len(data)):
        trace = picklevm.run(data[:cut])
        assert trace.errors or trace.complete


def test_deep_marks_and_huge_memo_indices_stay_in_budget() -> None:
    data = b"\x80\x02" + b"(" * 200_000 + b"."
    trace = picklevm.run(data)
    assert trace.ops <= 200_010
    data = b"\x80\x02N" + b"r\xff\xff\xff\xff" + b"j\xfe\xff\xff\xff."
    trace = picklevm.run(data)
    assert trace.errors


def test_opcode_budget_stops_endless_streams() -> None:
    data = b"\x80\x02" + b"N0" * 100_000 + b"N."
    trace = picklevm.run(data, max_ops=1000)
    assert trace.errors and "opcodes" in trace.errors[0].message


def test_zip_with_lying_sizes_does_not_read_past_the_end() -> None:
    zipped = bytearray(craft.torch_zip(craft.benign(2)))
    cd = zipped.index(b"PK\x01\x02")
    zipped[cd + 20 : cd + 24] = (2**31).to_bytes(4, "little")  # compressed size
    view = open_zip(memoryview(bytes(zipped)), tolerant=True)
    assert any("past the end" in a for a in view.anomalies)


def test_gguf_with_absurd_counts_is_malformed(tmp_path: Path) -> None:
    data = craft.gguf({"a": 1}, kv_count=2**40)
    findings = _analyze(data, Kind.GGUF)
    assert any(getattr(f, "code", "") == "MDL009" for f in findings)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="{}%()[]|'\"._ abcxyz_=+-", max_size=200))
def test_random_templates_parse_or_fail_cleanly(source: str) -> None:
    from outwork.analyzers.models import templates

    with contextlib.suppress(ValueError):
        templates.analyse(source)


def test_gguf_tensor_beyond_the_file_is_malformed() -> None:
    ok = craft.gguf({"a": 1}, tensors=[("w", [4], 0, 0)], data=b"\x00" * 16)
    assert not [f for f in _analyze(ok, Kind.GGUF) if getattr(f, "code", "") == "MDL009"]
    bad = craft.gguf({"a": 1}, tensors=[("w", [1 << 20], 0, 0)], data=b"\x00" * 16)
    assert any(getattr(f, "code", "") == "MDL009" for f in _analyze(bad, Kind.GGUF))
    overlap = craft.gguf({"a": 1}, tensors=[("w", [4], 0, 0), ("v", [4], 0, 0)], data=b"\x00" * 32)
    assert any("overlaps" in getattr(f, "message", "") for f in _analyze(overlap, Kind.GGUF))


def test_zip_reader_survives_every_cut_before_the_end_record() -> None:
    data = craft.torch_zip(craft.os_system(2))
    eocd = data.rindex(b"PK\x05\x06")
    for cut in range(0, eocd, 3):
        view = open_zip(memoryview(data[:cut] + data[eocd:]), tolerant=True)
        assert view.error or view.anomalies or view.members


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 4096), st.integers(0, 255)), min_size=1, max_size=6))
def test_zip_reader_survives_corrupt_central_directories(flips: list[tuple[int, int]]) -> None:
    data = bytearray(craft.torch_zip(craft.os_system(2)))
    start = data.index(b"PK\x01\x02")
    for pos, value in flips:
        data[start + pos % (len(data) - start)] = value
    open_zip(memoryview(bytes(data)), tolerant=True)


def test_keras_config_nested_beyond_budget_fails_closed(tmp_path: Path) -> None:
    import io
    import zipfile

    layer = '{"module":"keras","class_name":"X","config":{"layers":['
    raw = layer * 300 + '{"class_name":"Lambda"}' + "]}}" * 300
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("metadata.json", "{}")
        zf.writestr("config.json", raw)
        zf.writestr("model.weights.h5", b"x")
    findings = _analyze(buf.getvalue(), Kind.KERAS)
    assert any(getattr(f, "code", "") == "MDL009" for f in findings)


def test_a_malformed_numpy_header_gives_the_same_finding_every_run() -> None:
    """ast.literal_eval names the offending node with its memory address: the finding (and its
    baseline fingerprint) must not carry it."""
    data = craft.npy_numeric().replace(b"False", b"Bogus")
    artifact = Artifact(path="bad.npy", kind=Kind.NUMPY, size=len(data), data=data)
    found = [f for f in ModelAnalyzer().analyze(artifact, AnalysisContext()) if hasattr(f, "rule")]
    messages = [f.message for f in found]
    assert any("not a Python literal" in m for m in messages)
    assert not any(" at 0x" in m for m in messages)
