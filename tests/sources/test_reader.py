"""The one bounded reader that analyzers take members through: zips (strict and as PyTorch's
loader reads them), tars of every compression and single compressed streams, fed real, damaged
and hostile archives. Every budget stop carries the core finding that reports it."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import struct
import tarfile
import time
import zipfile
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outwork.core.budgets import Budgets
from outwork.core.corerules import ArchiveDecompressionBomb, ScanBudgetExceeded
from outwork.sources.reader import (
    ArchiveError,
    ArchiveStop,
    BudgetStop,
    Scope,
    StreamStop,
    ZipArchive,
    decompress,
    iter_members,
    open_zip,
)
from tests.sources import hostile

SMALL = Budgets(
    max_members=200,
    max_total_bytes=8 * 1024 * 1024,
    max_member_bytes=2 * 1024 * 1024,
    max_seconds=5.0,
)


class CountingFile(io.BytesIO):
    """Bytes in memory that count how many bytes were read from them."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.read_bytes = 0

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        self.read_bytes += len(data)
        return data


# --------------------------------------------------------------------------- PyTorch checkpoints


@pytest.fixture(scope="module")
def checkpoint() -> bytes:
    torch = pytest.importorskip("torch")
    buf = io.BytesIO()
    torch.save({"weight": torch.arange(1 << 20, dtype=torch.float32), "step": 3}, buf)
    return buf.getvalue()


def _pickle_member(view: ZipArchive) -> str:
    return next(n for n in view.names() if n.endswith("/data.pkl"))


def test_a_real_checkpoint_reads_cleanly_and_only_what_is_asked(checkpoint: bytes) -> None:
    view = open_zip(checkpoint, tolerant=True)
    assert view.error is None
    assert view.anomalies == []
    name = _pickle_member(view)
    member = next(m for m in view.members if m.name == name)
    data = view.read(member)
    assert data[:1] == b"\x80" and data.endswith(b".")  # a pickle stream, never unpickled
    assert view.head(member, 2) == data[:2]
    assert view.anomalies == []  # its CRC holds
    tensors = [m for m in view.members if "/data/" in m.name]
    assert tensors and sum(m.file_size for m in tensors) >= 4 << 20
    counting = CountingFile(checkpoint)
    lazy = open_zip(counting, tolerant=True)
    lazy.read(next(m for m in lazy.members if m.name == name))
    assert counting.read_bytes < len(checkpoint) // 2  # the tensors are not read


def _patch_central(data: bytes, name: str, offset: int, fmt: str, value: int) -> bytes:
    raw = bytearray(data)
    pos = raw.index(b"PK\x01\x02")
    while raw[pos + 46 : pos + 46 + len(name)] != name.encode():
        pos = raw.index(b"PK\x01\x02", pos + 4)
    struct.pack_into(fmt, raw, pos + offset, value)
    return bytes(raw)


def test_a_checkpoint_with_a_wrong_crc_loads_and_is_reported(checkpoint: bytes) -> None:
    name = _pickle_member(open_zip(checkpoint, tolerant=True))
    damaged = _patch_central(checkpoint, name, 16, "<L", 0xDEADBEEF)
    view = open_zip(damaged, tolerant=True)
    member = next(m for m in view.members if m.name == name)
    assert view.read(member)[:1] == b"\x80"
    assert f"member {name!r} has a wrong CRC (PyTorch ignores CRCs)" in view.anomalies
    with pytest.raises(zipfile.BadZipFile):  # what scanners built on zipfile stumbled on
        zipfile.ZipFile(io.BytesIO(damaged)).read(name)


def test_a_checkpoint_whose_encrypted_bit_is_set_is_still_read(checkpoint: bytes) -> None:
    name = _pickle_member(open_zip(checkpoint, tolerant=True))
    flags = struct.unpack_from("<H", checkpoint, checkpoint.index(b"PK\x01\x02") + 8)[0]
    damaged = _patch_central(checkpoint, name, 8, "<H", flags | 1)
    view = open_zip(damaged, tolerant=True)
    member = next(m for m in view.members if m.name == name)
    assert view.read(member)[:1] == b"\x80"
    assert f"member {name!r} has the encrypted flag set (loaders ignore it)" in view.anomalies
    assert f"member {name!r}: local and central flag bits disagree" in view.anomalies
    strict = open_zip(damaged)
    with pytest.raises(ArchiveError, match="encrypted"):
        strict.read(next(m for m in strict.members if m.name == name))


def test_a_checkpoint_behind_another_file_is_a_polyglot_still_read(checkpoint: bytes) -> None:
    view = open_zip(b"\x80\x02N." + checkpoint, tolerant=True)
    assert "4 bytes precede the first zip member (polyglot?)" in view.anomalies
    name = _pickle_member(view)
    assert view.read(next(m for m in view.members if m.name == name))[:1] == b"\x80"


def test_a_checkpoint_whose_local_name_differs_is_reported(checkpoint: bytes) -> None:
    view = open_zip(checkpoint, tolerant=True)
    name = _pickle_member(view)
    raw = bytearray(checkpoint)
    local = raw.index(b"PK\x03\x04" + raw[4:26] + b"", 0)  # first local header
    while raw[local + 30 : local + 30 + len(name)] != name.encode():
        local = raw.index(b"PK\x03\x04", local + 4)
    raw[local + 30 : local + 30 + len(name)] = name.replace("data", "evil").encode()
    damaged = open_zip(bytes(raw), tolerant=True)
    wanted = name.replace("data", "evil")
    assert (
        f"local header names {wanted!r} but the central directory names {name!r}"
        in damaged.anomalies
    )
    assert damaged.read(next(m for m in damaged.members if m.name == name))[:1] == b"\x80"


def test_every_cut_of_a_checkpoint_is_an_error_or_an_anomaly(checkpoint: bytes) -> None:
    for cut in range(0, len(checkpoint), max(len(checkpoint) // 97, 1)):
        view = open_zip(checkpoint[:cut], tolerant=True)
        assert view.error or view.anomalies or not view.members
        for member in view.members:
            with contextlib.suppress(ArchiveError):
                view.read(member, 4096)


# --------------------------------------------------------------------------- budgets and bombs


def test_a_member_over_the_member_budget_stops_with_a_finding() -> None:
    view = open_zip(hostile.zip_of({"big.bin": bytes(3 * 1024 * 1024)}), SMALL, path="a.zip")
    member = view.members[0]
    with pytest.raises(StreamStop) as stop:
        view.read(member)
    assert stop.value.finding.rule is ScanBudgetExceeded
    assert stop.value.finding.location.path == "a.zip!/big.bin"
    assert len(view.read(member, 100)) == 100  # a head is not a budget stop


def test_a_zip_bomb_member_is_a_bomb_finding_not_memory() -> None:
    view = open_zip(hostile.zip_bomb(48 * 1024 * 1024), path="bomb.zip")
    with pytest.raises(StreamStop) as stop:
        view.read(view.members[0])
    assert stop.value.finding.rule is ArchiveDecompressionBomb
    assert stop.value.finding.location.path == "bomb.zip!/zeros.bin"


def test_the_total_byte_budget_holds_across_members() -> None:
    members = {f"m{i}.bin": bytes(1024 * 1024) for i in range(12)}
    view = open_zip(hostile.zip_of(members), SMALL, path="t.zip")
    with pytest.raises(ArchiveStop) as stop:
        for member in view.members:
            view.read(member)
    assert stop.value.finding.rule is ArchiveDecompressionBomb


def test_the_member_count_budget_holds() -> None:
    few = dataclasses.replace(SMALL, max_members=3)
    data = hostile.zip_of({f"{i}.py": b"x" for i in range(5)})
    read: list[bytes] = []
    with pytest.raises(ArchiveStop) as stop:
        read.extend(m.read() for m in iter_members(data, few, path="many.zip"))
    assert stop.value.finding.rule is ScanBudgetExceeded
    assert stop.value.finding.location.path == "many.zip"
    assert read == [b"x"] * 3  # what came before the stop was read
    with pytest.raises(BudgetStop):
        list(iter_members(hostile.tar_of([(f"{i}.py", b"x") for i in range(5)]), few))
    assert "exceed the budget of 3" in (open_zip(data, few, tolerant=True).error or "")


def test_overlapping_entries_are_bounded_by_the_total_budget() -> None:
    view = open_zip(hostile.overlapping_zip(entries=50, size=1_000_000), SMALL)
    with pytest.raises(BudgetStop):
        for member in view.members:
            view.read(member)


def test_zip64_archives_read_in_both_modes() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open("big.py", "w", force_zip64=True) as fh:
            fh.write(hostile.PAYLOAD)
        zf.writestr("small.py", b"x = 1\n")
    for tolerant in (False, True):
        view = open_zip(buf.getvalue(), tolerant=tolerant)
        assert [view.read(m) for m in view.members] == [hostile.PAYLOAD, b"x = 1\n"]


def test_a_zip64_end_record_that_lies_about_its_entries_is_refused() -> None:
    data = hostile.zip_of({"a.py": hostile.PAYLOAD})
    eocd = data.rindex(b"PK\x05\x06")
    cd = data.index(b"PK\x01\x02")
    record64 = struct.pack(
        "<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, 2**40, 2**40, eocd - cd, cd
    )
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, eocd, 1)
    lying = data[:eocd] + record64 + locator + data[eocd:]
    assert "exceed the budget" in (open_zip(lying, tolerant=True).error or "")
    try:
        view = open_zip(lying)
    except ArchiveError:
        return
    assert len(view.members) <= 1


def test_lying_declared_sizes_are_not_trusted() -> None:
    view = open_zip(hostile.lying_sizes(2**31, hostile.PAYLOAD))
    assert view.read(view.members[0]) == hostile.PAYLOAD
    view = open_zip(hostile.lying_sizes(4, hostile.PAYLOAD))
    assert view.read(view.members[0]) == hostile.PAYLOAD


def test_a_head_of_a_large_deflated_member_reads_only_its_start() -> None:
    data = hostile.zip_of({"w.bin": os.urandom(2_000_000), "a.py": hostile.PAYLOAD})
    counting = CountingFile(data)
    view = open_zip(counting)
    assert len(view.read(view.members[0], 64)) == 64
    assert counting.read_bytes < len(data) // 4


# --------------------------------------------------------------------------- one after the other


@pytest.mark.parametrize(
    "name", ["pkg.zip", "pkg.whl", "pkg-lzma.zip", "pkg.tar", "pkg.tgz", "pkg.tar.bz2"]
)
def test_members_of_every_package_format(name: str) -> None:
    found = {
        m.name: m.read() for m in iter_members(hostile.every_format()[name], path=name) if m.regular
    }
    assert hostile.PAYLOAD in found.values()


@pytest.mark.parametrize("compression", ["", "gz", "bz2", "xz", "zst"])
def test_tar_members_are_read_lazily_and_links_are_not_files(compression: str) -> None:
    data = hostile.tar_of(
        [
            hostile.link("pkg/out", "../../etc/passwd"),
            ("../escape.py", hostile.PAYLOAD),
            ("pkg/big.bin", bytes(300_000)),
            ("pkg/setup.py", hostile.PAYLOAD),
        ],
        compression,
    )
    seen = {}
    for member in iter_members(data, path="x.tar"):
        seen[member.name] = (member.regular, member.read(16) if member.regular else b"")
    assert seen["pkg/out"] == (False, b"")
    assert seen["../escape.py"] == (True, hostile.PAYLOAD[:16])  # the walk reports the name
    assert seen["pkg/big.bin"] == (True, bytes(16))
    assert seen["pkg/setup.py"] == (True, hostile.PAYLOAD[:16])


def test_a_plain_tar_on_disk_is_passed_over_not_read() -> None:
    data = hostile.tar_of([("a/setup.py", hostile.PAYLOAD), ("a/blob", bytes(4_000_000))])
    counting = CountingFile(data)
    names = [m.name for m in iter_members(counting)]
    assert names == ["a/setup.py", "a/blob"]
    assert counting.read_bytes < 100_000


def test_a_tar_bomb_stops_with_a_finding() -> None:
    data = hostile.tar_of([("zeros.bin", bytes(40 * 1024 * 1024))], "gz")
    with pytest.raises(BudgetStop) as stop:
        for member in iter_members(data, path="b.tgz"):
            member.read(16)
    assert stop.value.finding.rule is ArchiveDecompressionBomb


@pytest.mark.parametrize("name", ["pkg.tgz", "pkg.tar.xz", "pkg.tar.zst", "pkg.zip"])
def test_every_truncation_raises_only_archive_errors(name: str) -> None:
    data = hostile.every_format()[name]
    for cut in range(0, len(data), max(len(data) // 60, 1)):
        try:
            for member in iter_members(data[:cut]):
                if member.regular:
                    member.read()
        except ArchiveError:
            pass


def test_encrypted_zip_members_are_marked() -> None:
    (member,) = iter_members(hostile.encrypted_zip())
    assert member.encrypted


# --------------------------------------------------------------------------- one stream


@pytest.mark.parametrize(
    ("codec", "pack"),
    [
        ("zlib", zlib.compress),
        ("gzip", lambda d: hostile.compress(d, "gz")),
        ("bz2", lambda d: hostile.compress(d, "bz2")),
        ("xz", lambda d: hostile.compress(d, "xz")),
        ("zstd", lambda d: hostile.compress(d, "zst")),
    ],
)
def test_one_stream_is_bounded_by_its_limit_and_the_member_budget(codec: str, pack: object) -> None:
    assert callable(pack)
    data = pack(bytes(3 * 1024 * 1024))
    assert decompress(codec, data, limit=10) == bytes(10)
    assert len(decompress(codec, data, SMALL)) == SMALL.max_member_bytes
    with pytest.raises(ArchiveError):
        decompress(codec, b"\x00garbage" * 10)


# --------------------------------------------------------------------------- random input

FUZZ = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
SEEDS = [
    *hostile.every_format().values(),
    hostile.overlapping_zip(entries=3, size=10_000),
    hostile.encrypted_zip(),
    hostile.name_mismatch_zip(),
    hostile.junk_prefixed_zip(),
]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(0, 8))):
        if not data:
            break
        pos = draw(st.integers(0, len(data) - 1))
        if draw(st.booleans()):
            data[pos] ^= draw(st.integers(1, 255))
        else:
            del data[pos:]
    return bytes(data)


def _drain(data: bytes) -> None:
    started = time.monotonic()
    for tolerant in (False, True):
        try:
            view = open_zip(data, SMALL, tolerant=tolerant)
            for entry in view.members:
                view.head(entry, 64)
                view.read(entry)
        except ArchiveError:
            pass
    try:
        for member in iter_members(data, SMALL):
            if member.regular:
                member.read()
    except ArchiveError:
        pass
    for codec in ("zlib", "gzip", "bz2", "xz", "zstd", "lzma", "joblib-zfile"):
        with contextlib.suppress(ArchiveError):
            decompress(codec, data, SMALL)
    assert time.monotonic() - started < SMALL.max_seconds * 3 + 5


@FUZZ
@given(data=st.one_of(st.binary(max_size=4096), mutated()))
def test_the_reader_survives_random_and_mutated_archives(data: bytes) -> None:
    _drain(data)


def test_a_tar_member_is_a_tarinfo_name_as_tarfile_gives_it() -> None:
    data = hostile.tar_of([("./pkg/a.py", b"a")])
    with tarfile.open(fileobj=io.BytesIO(data)) as tf:
        assert [m.name for m in iter_members(data)] == tf.getnames()


# --------------------------------------------------------------------------- the time budget


def _scope(max_seconds: float) -> Scope:
    budgets = dataclasses.replace(Budgets(), max_seconds=max_seconds)
    return Scope(budgets, budgets.deadline(), "a.zip", 1, None)


def test_the_time_budget_counts_cpu_not_the_machines_load() -> None:
    # waiting (a loaded machine, another process on the core) spends no CPU: no stop
    scope = _scope(0.2)
    time.sleep(0.4)
    scope.tick()


def test_cpu_spent_reading_past_the_budget_stops_with_a_finding() -> None:
    scope = _scope(0.05)
    spent = time.process_time() + 0.1
    while time.process_time() < spent:
        zlib.compress(bytes(64 * 1024))
    with pytest.raises(ArchiveStop) as stop:
        scope.tick()
    assert stop.value.finding.rule is ScanBudgetExceeded
    assert "s of CPU" in stop.value.finding.message


def test_a_reading_that_waits_far_past_the_budget_stops_on_the_wall_clock() -> None:
    scope = _scope(0.02)  # wall guard: 10 times the CPU budget
    time.sleep(0.3)
    with pytest.raises(ArchiveStop) as stop:
        scope.tick()
    assert "wall time" in stop.value.finding.message
