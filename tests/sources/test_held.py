"""Members no analyzer wants are streamed through every check but not held in memory.

The source decides from a member's start (a ``Probe``): a member nobody accepts is yielded
tagged ``not-held``, with its kind, exact size and real sha256 but no content. Everything the
core rules judge (bombs, traversal, links, truncation, CRC, duplicates, nesting) comes out the
same as when every member is held.
"""

from __future__ import annotations

import hashlib
import io
import os
import random
import tarfile
import tracemalloc
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outwork.core.artifact import (
    NOT_HELD,
    PROBE_BYTES,
    Artifact,
    ContentNotHeldError,
    Kind,
    Probe,
)
from outwork.core.budgets import Budgets
from tests.sources import hostile
from tests.sources.util import SMALL, Opened, open_bytes

#: A text member, a binary one and an executable, each longer than the probe.
BIG_TEXT = b"".join(b"Text line %06d of a long member\n" % n for n in range(8000))
BIG_BINARY = random.Random(1).randbytes(3 * PROBE_BYTES)
BIG_ELF = b"\x7fELF\x02\x01\x01" + random.Random(2).randbytes(2 * PROBE_BYTES)
SMALL_TEXT = b"a small member\n"


def never(probe: Artifact) -> bool:
    return False


class Recorder:
    """A ``wants`` that accepts what its test says and remembers every probe it was shown."""

    def __init__(self, *wanted: str) -> None:
        self.wanted = wanted
        self.probes: list[tuple[str, Kind, int]] = []

    def __call__(self, probe: Artifact) -> bool:
        assert isinstance(probe, Probe)
        self.probes.append((probe.path, probe.kind, len(probe.read(PROBE_BYTES))))
        return probe.path.endswith(self.wanted)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _members() -> dict[str, bytes]:
    return {
        "pkg/big.txt": BIG_TEXT,
        "pkg/big.bin": BIG_BINARY,
        "pkg/_native.so": BIG_ELF,
        "pkg/small.txt": SMALL_TEXT,
    }


def _view(opened: Opened) -> tuple[object, ...]:
    """Everything the source reports, content aside."""
    return (
        sorted((f.code, f.location.path, f.message, f.evidence) for f in opened.findings),
        sorted((s.path, s.reason) for s in opened.skips),
        [(a.path, a.kind, a.size, a.sha256()) for a in opened.artifacts],
    )


def test_unwanted_members_are_not_held_but_fully_described() -> None:
    wants = Recorder("big.txt")
    opened = open_bytes("pkg.zip", hostile.zip_of(_members()), wants=wants)
    # only members longer than the probe are asked about, once, with their start
    assert wants.probes == [
        ("pkg.zip!/pkg/big.txt", Kind.TEXT, PROBE_BYTES),
        ("pkg.zip!/pkg/big.bin", Kind.BINARY, PROBE_BYTES),
        ("pkg.zip!/pkg/_native.so", Kind.ELF, PROBE_BYTES),
    ]
    described = {
        a.path: (a.kind, a.size, a.sha256(), a.data is not None, NOT_HELD in a.tags)
        for a in opened.artifacts
    }
    assert described == {
        "pkg.zip!/pkg/big.txt": (Kind.TEXT, len(BIG_TEXT), _sha(BIG_TEXT), True, False),
        "pkg.zip!/pkg/big.bin": (Kind.BINARY, len(BIG_BINARY), _sha(BIG_BINARY), False, True),
        "pkg.zip!/pkg/_native.so": (Kind.ELF, len(BIG_ELF), _sha(BIG_ELF), False, True),
        "pkg.zip!/pkg/small.txt": (Kind.TEXT, len(SMALL_TEXT), _sha(SMALL_TEXT), True, False),
    }
    assert opened.member("pkg.zip!/pkg/big.txt").data == BIG_TEXT
    with pytest.raises(ContentNotHeldError):
        opened.member("pkg.zip!/pkg/big.bin").read(10)
    with pytest.raises(ContentNotHeldError):
        opened.member("pkg.zip!/pkg/big.bin").open()


ARCHIVES = {
    "pkg.zip": lambda m: hostile.zip_of(m),
    "pkg-stored.zip": lambda m: hostile.zip_of(m, zipfile.ZIP_STORED),
    "pkg.tar": lambda m: hostile.tar_of(list(m.items())),
    "pkg.tar.gz": lambda m: hostile.tar_of(list(m.items()), "gz"),
    "pkg.tar.xz": lambda m: hostile.tar_of(list(m.items()), "xz"),
    "pkg.7z": lambda m: hostile.seven_zip_of(m),
}


@pytest.mark.parametrize("name", sorted(ARCHIVES))
def test_every_format_reports_the_same_whether_members_are_held(name: str) -> None:
    data = ARCHIVES[name](_members())
    held = open_bytes(name, data)
    dropped = open_bytes(name, data, wants=never)
    assert _view(dropped) == _view(held)
    not_held = sorted(a.path.rsplit("/", 1)[-1] for a in dropped.artifacts if NOT_HELD in a.tags)
    # a binary member may be a zip with something prepended, which only its end shows: it is
    # read a second time if it is one, and a 7z archive cannot give one member twice
    expected = (
        ["_native.so", "big.txt"] if name.endswith(".7z") else ["_native.so", "big.bin", "big.txt"]
    )
    assert not_held == expected
    assert all(a.data is None for a in dropped.artifacts if NOT_HELD in a.tags)


def test_single_compressed_stream_member_is_not_held() -> None:
    held = open_bytes("notes.txt.gz", hostile.compress(BIG_TEXT, "gz"))
    dropped = open_bytes("notes.txt.gz", hostile.compress(BIG_TEXT, "gz"), wants=never)
    assert _view(dropped) == _view(held)
    assert [NOT_HELD in a.tags for a in dropped.artifacts] == [True]


def _polyglot() -> bytes:
    """A binary member that is a zip with junk prepended, longer than the probe."""
    inner = hostile.zip_of({"inner/evil.py": hostile.PAYLOAD, "../escape.txt": b"x"})
    return random.Random(3).randbytes(2 * PROBE_BYTES).replace(b"PK", b"pk") + inner


@pytest.mark.parametrize("name", sorted(ARCHIVES))
def test_a_polyglot_zip_member_nobody_wants_is_still_opened(name: str) -> None:
    data = ARCHIVES[name]({"blob.dat": _polyglot(), "pkg/small.txt": SMALL_TEXT})
    held = open_bytes(name, data)
    dropped = open_bytes(name, data, wants=never)
    assert _view(dropped) == _view(held)
    assert f"{name}!/blob.dat!/inner/evil.py" in dropped.paths()
    assert dropped.at("CORE002") == [f"{name}!/blob.dat!/../escape.txt"]
    assert dropped.member(f"{name}!/blob.dat").data == _polyglot()


def test_a_polyglot_compressed_stream_nobody_wants_is_still_opened() -> None:
    data = hostile.compress(_polyglot(), "gz")
    dropped = open_bytes("blob.dat.gz", data, wants=never)
    assert _view(dropped) == _view(open_bytes("blob.dat.gz", data))
    assert "blob.dat.gz!/blob.dat!/inner/evil.py" in dropped.paths()


def test_nested_archives_are_held_and_opened_whatever_wants_says() -> None:
    inner = hostile.zip_of({"deep/big.txt": BIG_TEXT, "deep/mod.py": hostile.PAYLOAD})
    inner += b"\0" * PROBE_BYTES  # longer than the probe, as a zip
    wants = Recorder()
    outer = hostile.zip_of({"vendored/inner.zip": inner})
    opened = open_bytes("outer.zip", outer, wants=wants)
    assert [p for p, _, _ in wants.probes] == ["outer.zip!/vendored/inner.zip!/deep/big.txt"]
    assert opened.member("outer.zip!/vendored/inner.zip").data == inner
    assert opened.member("outer.zip!/vendored/inner.zip!/deep/mod.py").data == hostile.PAYLOAD


def test_bombs_and_budgets_are_judged_on_members_nobody_wants() -> None:
    cases = {
        "bomb.zip": (hostile.zip_bomb(50_000_000), SMALL),
        "42.zip": (hostile.nested_bomb(levels=3, width=16, leaf=2_000_000), SMALL),
        "overlap.zip": (hostile.overlapping_zip(entries=200, size=2_000_000), Budgets()),
        "lying.zip": (hostile.lying_sizes(100, BIG_TEXT), SMALL),
        "total.tar.gz": (
            hostile.tar_of([(f"f{i}.bin", BIG_BINARY) for i in range(6)], "gz"),
            Budgets(max_total_bytes=4 * len(BIG_BINARY)),
        ),
        "member.zip": (hostile.zip_of({"big.txt": BIG_TEXT}), Budgets(max_member_bytes=100_000)),
    }
    for name, (data, budgets) in cases.items():
        held = open_bytes(name, data, budgets)
        dropped = open_bytes(name, data, budgets, wants=never)
        assert _view(dropped) == _view(held), name
        assert held.findings or held.skips, name


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_truncation_crc_and_duplicates_are_judged_on_members_nobody_wants() -> None:
    other = BIG_TEXT.replace(b"line 000001", b"line 00000X")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("same.txt", BIG_TEXT)
        zf.writestr(zipfile.ZipInfo("same.txt"), other)  # a second member under one name
        zf.writestr("crc.bin", BIG_BINARY)
    data = bytearray(buf.getvalue())
    flip = data.index(BIG_BINARY[1000:1100])
    data[flip] ^= 0xFF  # crc.bin no longer matches its CRC-32
    held = open_bytes("odd.zip", bytes(data))
    dropped = open_bytes("odd.zip", bytes(data), wants=never)
    assert _view(dropped) == _view(held)
    messages = sorted((f.location.path, f.message) for f in dropped.findings)
    assert messages == [
        ("odd.zip!/crc.bin", "zip member fails its CRC-32 check"),
        (
            "odd.zip!/same.txt",
            "archive holds different members under this name; tools disagree on which one wins",
        ),
    ]
    cut = bytes(data[: len(data) // 2])  # the central directory is gone; local headers remain
    assert _view(open_bytes("cut.zip", cut, wants=never)) == _view(open_bytes("cut.zip", cut))


def test_tar_links_and_traversal_are_judged_whatever_is_held() -> None:
    entries: list[tarfile.TarInfo | tuple[str, bytes]] = [
        ("../../etc/big.txt", BIG_TEXT),
        hostile.link("pkg/out", "../../../etc/passwd"),
        ("pkg/big.txt", BIG_TEXT),
    ]
    data = hostile.tar_of(entries, "gz")
    held = open_bytes("t.tar.gz", data)
    dropped = open_bytes("t.tar.gz", data, wants=never)
    assert _view(dropped) == _view(held)
    assert dropped.at("CORE002") == ["t.tar.gz!/../../etc/big.txt"]
    assert dropped.at("CORE003") == ["t.tar.gz!/pkg/out"]


def test_probe_reads_only_its_start() -> None:
    start = b"x" * PROBE_BYTES
    probe = Probe(path="a.zip!/m", kind=Kind.TEXT, size=len(start), data=start)
    assert probe.read(PROBE_BYTES) == start
    assert probe.text(10) == "x" * 10
    for ask in (lambda: probe.read(), lambda: probe.read(PROBE_BYTES + 1), probe.open):
        with pytest.raises(ContentNotHeldError):
            ask()
    with pytest.raises(ContentNotHeldError):
        probe.sha256()


@pytest.mark.parametrize("name", ["w.whl", "w.tar"])
def test_memory_does_not_follow_a_member_nobody_wants(name: str) -> None:
    big = os.urandom(24 * 1024 * 1024)
    members = {"weights.bin": b"\x01" + big, "mod.py": hostile.PAYLOAD}
    if name.endswith(".whl"):
        data = hostile.zip_of(members, zipfile.ZIP_STORED)
    else:
        data = hostile.tar_of(list(members.items()))
    del members
    del big
    budgets = Budgets()
    peaks = {}
    for label, wants in (("held", None), ("dropped", never)):
        tracemalloc.start()
        opened = open_bytes(name, data, budgets, wants=wants)
        peaks[label] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert [a.size for a in opened.artifacts] == [1 + 24 * 1024 * 1024, len(hostile.PAYLOAD)]
        del opened
    assert peaks["held"] > 24 * 1024 * 1024
    assert peaks["dropped"] < 2 * 1024 * 1024


#: Built once, by archive name: members longer than the probe, a polyglot among them.
SEEDS = [ARCHIVES[name]({**_members(), "blob.dat": _polyglot()}) for name in sorted(ARCHIVES)]


@st.composite
def _mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    index = draw(st.integers(0, len(SEEDS) - 1))
    data = bytearray(SEEDS[index])
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "cut", "insert", "zero"]))
        pos = draw(st.integers(0, len(data) - 1))
        if op == "flip":
            data[pos] ^= draw(st.integers(1, 255))
        elif op == "cut":
            del data[max(pos, 1) :]
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=16))
        else:
            data[pos : pos + draw(st.integers(1, 64))] = b"\x00" * 8
    return sorted(ARCHIVES)[index], bytes(data)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
@given(case=_mutated())
def test_corrupted_archives_report_the_same_whether_members_are_held(
    case: tuple[str, bytes],
) -> None:
    name, data = case
    assert _view(open_bytes(name, data, wants=never)) == _view(open_bytes(name, data))
