"""Random and mutated bytes fed to the classifier and every archive reader never raise or hang."""

from __future__ import annotations

import dataclasses
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outwork.core.artifact import ARCHIVE_KINDS, HEAD_BYTES, Artifact, Kind, classify, refine_zip
from outwork.core.budgets import Budgets
from outwork.sources.archives import iter_archive
from tests.sources import hostile

BUDGETS = Budgets(
    max_members=200,
    max_total_bytes=8 * 1024 * 1024,
    max_member_bytes=2 * 1024 * 1024,
    max_seconds=5.0,
)
#: Seconds one example may take: the time budget plus slack for a loaded machine.
CEILING = BUDGETS.max_seconds + 5.0
SEEDS = [
    *hostile.every_format().values(),
    hostile.nested_bomb(levels=2, width=2, leaf=10_000),
    hostile.overlapping_zip(entries=3, size=10_000),
    hostile.tar_of([hostile.link("a", "../b"), ("x/y.py", hostile.PAYLOAD)]),
    hostile.encrypted_zip(),
]
MAGIC = [
    b"PK\x03\x04",
    b"\x1f\x8b\x08",
    b"BZh9",
    b"\xfd7zXZ\x00",
    b"\x28\xb5\x2f\xfd",
    b"7z\xbc\xaf\x27\x1c",
    b"",
]
FUZZ = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)


def _drain(data: bytes, kind: Kind) -> None:
    artifact = Artifact(path="fuzz", kind=kind, size=len(data), data=data, root="fuzz")
    started = time.monotonic()
    for _item in iter_archive(artifact, BUDGETS, depth=1, deadline=BUDGETS.deadline()):
        pass
    assert time.monotonic() - started < CEILING


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(0, 8))):
        if not data:
            break
        op = draw(st.sampled_from(["flip", "cut", "insert", "zero"]))
        pos = draw(st.integers(0, len(data) - 1))
        if op == "flip":
            data[pos] ^= draw(st.integers(1, 255))
        elif op == "cut":
            del data[pos:]
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=16))
        else:
            data[pos : pos + draw(st.integers(1, 64))] = b"\x00" * 8
    return bytes(data)


@FUZZ
@given(
    data=st.binary(max_size=4096),
    name=st.sampled_from(["x", "a.py", "m.pkl", "p.json", "setup.cfg"]),
)
def test_classify_random_bytes(data: bytes, name: str) -> None:
    kind = classify(data[:HEAD_BYTES], name, len(data))
    assert isinstance(kind, Kind)


@FUZZ
@given(data=st.one_of(st.binary(max_size=4096), mutated()))
def test_refine_zip_random_bytes(data: bytes) -> None:
    assert isinstance(refine_zip(data), Kind)


@FUZZ
@given(
    magic=st.sampled_from(MAGIC),
    tail=st.binary(max_size=2048),
    kind=st.sampled_from(sorted(ARCHIVE_KINDS)),
)
def test_every_reader_on_random_bytes(magic: bytes, tail: bytes, kind: Kind) -> None:
    _drain(magic + tail, kind)


@FUZZ
@given(data=mutated())
def test_every_reader_on_mutated_archives(data: bytes) -> None:
    kind = classify(data[:HEAD_BYTES], "fuzz", len(data))
    _drain(data, kind if kind in ARCHIVE_KINDS else Kind.ZIP)
    for other in (Kind.TAR, Kind.GZIP, Kind.SEVENZIP):
        _drain(data, other)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(data=mutated(), depth=st.integers(1, 6))
def test_depth_and_tiny_budgets(data: bytes, depth: int) -> None:
    tiny = dataclasses.replace(BUDGETS, max_members=3, max_member_bytes=64, max_depth=2)
    kind = classify(data[:HEAD_BYTES], "fuzz", len(data))
    artifact = Artifact(
        path="fuzz", kind=kind if kind in ARCHIVE_KINDS else Kind.ZIP, size=len(data), data=data
    )
    list(iter_archive(artifact, tiny, depth=depth, deadline=tiny.deadline()))
