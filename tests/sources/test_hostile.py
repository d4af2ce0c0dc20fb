"""The hostile corpus: every case finishes within its budget with a finding or a skip."""

from __future__ import annotations

import dataclasses
import io
import os
import tarfile
import time
import zipfile
from pathlib import Path

import pytest

from outwork.core.artifact import Kind
from outwork.core.budgets import Budgets, clock
from tests.sources import hostile
from tests.sources.util import SMALL, open_bytes

#: Wall-clock ceiling for any single hostile case (the machine is shared and slow at times).
QUICK = 10.0


def test_zip_bomb_member_is_reported_at_the_member() -> None:
    opened = open_bytes("bomb.zip", hostile.zip_bomb(50_000_000))
    assert opened.at("CORE001") == ["bomb.zip!/zeros.bin"]
    assert any(s.path == "bomb.zip!/zeros.bin" for s in opened.skips)
    assert not opened.artifacts
    assert opened.seconds < QUICK


def test_zip_bomb_with_default_budgets() -> None:
    opened = open_bytes("bomb.zip", hostile.zip_bomb(50_000_000), Budgets())
    assert "CORE001" in opened.codes()
    assert opened.seconds < QUICK


def test_nested_bomb_like_42_zip() -> None:
    bomb = hostile.nested_bomb(levels=3, width=16, leaf=2_000_000)
    assert len(bomb) < 200_000
    for budgets in (SMALL, Budgets()):
        opened = open_bytes("42.zip", bomb, budgets)
        assert "CORE001" in opened.codes()
        assert opened.seconds < QUICK


def test_nested_bomb_beyond_depth() -> None:
    bomb = hostile.nested_bomb(levels=7, width=1, leaf=1000)
    opened = open_bytes("deep.zip", bomb, SMALL)
    deep = opened.at("CORE006")
    assert len(deep) == 1 and deep[0].count("!/") == SMALL.max_depth
    assert any(s.path == deep[0] for s in opened.skips)


def test_overlapping_entries_quine_like() -> None:
    data = hostile.overlapping_zip(entries=200, size=2_000_000)
    opened = open_bytes("overlap.zip", data, Budgets())
    assert "overlap.zip" in opened.at("CORE001")
    assert not opened.artifacts
    assert opened.seconds < QUICK


@pytest.mark.parametrize("compression", ["gz", "bz2", "xz", "zst"])
def test_tar_bomb(compression: str) -> None:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tf:
        info = tarfile.TarInfo("zeros.bin")
        info.size = 60_000_000
        tf.addfile(info, io.BytesIO(bytes(info.size)))
    data = hostile.compress(raw.getvalue(), compression)
    opened = open_bytes(f"bomb.tar.{compression}", data, Budgets())
    assert "CORE001" in opened.codes()
    assert opened.seconds < QUICK


def test_single_stream_bomb() -> None:
    data = hostile.compress(bytes(80_000_000), "gz")
    opened = open_bytes("zeros.bin.gz", data, Budgets())
    assert opened.at("CORE001") and not opened.artifacts


def test_total_byte_budget() -> None:
    members = {f"m{i}.txt": bytes(range(256)) * 4000 for i in range(20)}  # ~1 MB each, ratio ~50
    budgets = dataclasses.replace(SMALL, max_total_bytes=5_000_000)
    opened = open_bytes("big.zip", hostile.zip_of(members), budgets)
    assert opened.at("CORE001") == ["big.zip"]
    assert 0 < len(opened.artifacts) < 20


def test_member_budget_skips_large_members() -> None:
    data = hostile.zip_of({"big.bin": bytes(range(256)) * 20_000, "small.py": hostile.PAYLOAD}, 0)
    budgets = dataclasses.replace(SMALL, max_member_bytes=1_000_000)
    opened = open_bytes("m.zip", data, budgets)
    assert opened.paths() == ["m.zip!/small.py"]
    assert any(s.path == "m.zip!/big.bin" and "member budget" in s.reason for s in opened.skips)


def test_huge_declared_size_that_lies() -> None:
    opened = open_bytes("lie.zip", hostile.lying_sizes(0xFFFFFFF0, hostile.PAYLOAD), Budgets())
    assert opened.at("CORE005") == ["lie.zip!/member.bin"]
    assert opened.member("lie.zip!/member.bin").data == hostile.PAYLOAD  # still scanned
    assert opened.seconds < QUICK


def test_small_declared_size_that_lies() -> None:
    opened = open_bytes("lie.zip", hostile.lying_sizes(10, bytes(40_000_000)), Budgets())
    assert opened.at("CORE001") == ["lie.zip!/member.bin"]
    assert opened.seconds < QUICK


def test_member_count_budget() -> None:
    data = hostile.zip_of({f"f{i}.txt": b"" for i in range(300)}, 0)
    opened = open_bytes("many.zip", data, dataclasses.replace(SMALL, max_members=100))
    assert opened.at("CORE007") == ["many.zip"]
    assert len(opened.artifacts) == 100


def test_path_length_budget() -> None:
    data = hostile.zip_of({"a/" * 3000 + "x.py": hostile.PAYLOAD, "ok.py": hostile.PAYLOAD})
    opened = open_bytes("long.zip", data, Budgets())
    assert len(opened.at("CORE007")) == 1
    assert opened.paths() == ["long.zip!/ok.py"]


def test_time_budget() -> None:
    data = hostile.zip_of({f"f{i}.txt": b"x" for i in range(2000)}, 0)
    budgets = dataclasses.replace(SMALL, max_members=10_000)
    artifact_deadline = clock() - 1  # already past (the budget's clock is CPU time)
    from outwork.sources.archives import iter_archive
    from tests.sources.util import artifact_of

    items = list(
        iter_archive(artifact_of("slow.zip", data), budgets, depth=1, deadline=artifact_deadline)
    )
    codes = [getattr(i, "code", None) for i in items]
    assert "CORE007" in codes
    assert len(items) < 300


def test_time_budget_times_the_reading_not_the_caller() -> None:
    """A scan that analyses each member (or waits for busy workers) between two reads is not
    cut short: 20 members held 0.15 s each outlast a 2 s budget the reading itself keeps to;
    the same archive whose reading is out of time still stops (the test above)."""
    from outwork.sources.archives import iter_archive
    from tests.sources.util import artifact_of

    data = hostile.zip_of({f"f{i}.txt": b"x" for i in range(20)}, 0)
    budgets = dataclasses.replace(SMALL, max_seconds=2.0)
    members = []
    for item in iter_archive(
        artifact_of("held.zip", data), budgets, depth=1, deadline=budgets.deadline()
    ):
        time.sleep(0.15)
        members.append(getattr(item, "code", None) or getattr(item, "path", ""))
    assert "CORE007" not in members
    assert len([m for m in members if m.startswith("held.zip!/f")]) == 20


def test_traversal_in_tar_and_7z() -> None:
    tar = hostile.tar_of(
        [("../../etc/cron.d/evil", hostile.PAYLOAD), ("/abs.py", hostile.PAYLOAD)], "gz"
    )
    opened = open_bytes("t.tar.gz", tar)
    assert sorted(opened.at("CORE002")) == ["t.tar.gz!/../../etc/cron.d/evil", "t.tar.gz!//abs.py"]


def test_symlink_and_hardlink_escapes() -> None:
    tar = hostile.tar_of(
        [
            hostile.link("cfg", "/root/.ssh"),
            hostile.link("pkg/up", "../../../etc/passwd"),
            hostile.link("pkg/hard", "../outside", hard=True),
            hostile.link("pkg/fine", "../pkg/x"),
        ]
    )
    opened = open_bytes("links.tar", tar)
    assert sorted(opened.at("CORE003")) == [
        "links.tar!/cfg",
        "links.tar!/pkg/hard",
        "links.tar!/pkg/up",
    ]


def test_zip_symlink_escape() -> None:
    opened = open_bytes("l.zip", hostile.zip_symlink("pkg/link", "../../../etc/passwd"))
    assert opened.at("CORE003") == ["l.zip!/pkg/link"]
    opened = open_bytes("l.zip", hostile.zip_symlink("pkg/link", "sibling.py"))
    assert not opened.findings


def test_devices_and_fifos() -> None:
    tar = hostile.tar_of(
        [
            hostile.special("dev/sda", tarfile.BLKTYPE),
            hostile.special("dev/null", tarfile.CHRTYPE),
            hostile.special("pipe", tarfile.FIFOTYPE),
        ]
    )
    opened = open_bytes("dev.tar", tar)
    assert sorted(opened.at("CORE004")) == [
        "dev.tar!/dev/null",
        "dev.tar!/dev/sda",
        "dev.tar!/pipe",
    ]
    opened = open_bytes("f.zip", hostile.zip_fifo("pipe"))
    assert opened.at("CORE004") == ["f.zip!/pipe"]


def test_encrypted_members() -> None:
    opened = open_bytes("e.zip", hostile.encrypted_zip())
    assert opened.at("CORE005") == ["e.zip!/secret.py"]
    opened = open_bytes(
        "e.7z", hostile.seven_zip_of({"m.py": hostile.PAYLOAD}, password="infected")
    )
    assert opened.at("CORE005") == ["e.7z"]


def _truncations(data: bytes) -> list[bytes]:
    return [
        data[:n]
        for n in sorted({1, 10, 100, len(data) // 3, len(data) // 2, len(data) - 1})
        if 0 < n < len(data)
    ]


@pytest.mark.parametrize("name", sorted(hostile.every_format()))
def test_truncated_archives_of_every_format(name: str) -> None:
    data = hostile.every_format()[name]
    for cut in _truncations(data):
        opened = open_bytes(name, cut, kind=_kind_of(name))
        assert opened.findings or opened.skips or opened.artifacts is not None
        assert opened.seconds < QUICK
    # a cut through the middle of the content is reported as unreadable
    middle = 700 if name.endswith(".tar") else len(data) // 2  # plain tars end in zero padding
    opened = open_bytes(name, data[:middle], kind=_kind_of(name))
    assert "CORE005" in opened.codes(), (name, opened.findings)


@pytest.mark.parametrize("name", sorted(hostile.every_format()))
def test_corrupt_archives_of_every_format(name: str) -> None:
    data = bytearray(hostile.every_format()[name])
    middle = len(data) // 2
    data[middle : middle + 16] = b"\xff" * 16
    opened = open_bytes(name, bytes(data), kind=_kind_of(name))
    assert opened.seconds < QUICK
    assert opened.findings or opened.artifacts


def test_truncated_zip_still_yields_what_was_read() -> None:
    data = hostile.zip_of(
        {"a.py": hostile.PAYLOAD, "b.py": hostile.PAYLOAD, "c.py": hostile.PAYLOAD * 50}
    )
    cut = data[: data.index(b"PK\x01\x02") - 5]
    opened = open_bytes("cut.zip", cut, kind=Kind.ZIP)
    assert "CORE005" in opened.codes()
    assert "cut.zip!/a.py" in opened.paths() and "cut.zip!/b.py" in opened.paths()


def test_truncated_tar_still_yields_what_was_read() -> None:
    tar = hostile.tar_of([("a.py", hostile.PAYLOAD), ("b.py", hostile.PAYLOAD * 100)])
    opened = open_bytes("cut.tar", tar[:2000], kind=Kind.TAR)
    assert opened.paths() == ["cut.tar!/a.py"]
    assert opened.at("CORE005") == ["cut.tar!/b.py"]


def test_crc_mismatch_is_reported() -> None:
    data = bytearray(hostile.zip_of({"a.py": hostile.PAYLOAD}, zipfile.ZIP_STORED))
    pos = data.index(hostile.PAYLOAD)
    data[pos] ^= 0x01
    opened = open_bytes("crc.zip", bytes(data))
    assert opened.at("CORE005") == ["crc.zip!/a.py"]


def _kind_of(name: str) -> Kind:
    if name.endswith((".zip", ".whl")):
        return Kind.ZIP
    if name.endswith(".7z"):
        return Kind.SEVENZIP
    if name.endswith(".tar"):
        return Kind.TAR
    return {"gz": Kind.GZIP, "tgz": Kind.GZIP, "bz2": Kind.BZIP2, "xz": Kind.XZ, "zst": Kind.ZSTD}[
        name.rsplit(".", 1)[1]
    ]


def test_duplicate_member_names() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("pkg/setup.py", b"print('decoy')\n")
        with pytest.warns(UserWarning):
            zf.writestr("pkg/setup.py", hostile.PAYLOAD)
    opened = open_bytes("dup.zip", buf.getvalue())
    assert opened.at("CORE005") == ["dup.zip!/pkg/setup.py"]
    assert [a.data for a in opened.artifacts] == [b"print('decoy')\n", hostile.PAYLOAD]
    tar = hostile.tar_of([("a.py", b"x = 1\n"), ("a.py", hostile.PAYLOAD)])
    opened = open_bytes("dup.tar", tar)
    assert opened.at("CORE005") == ["dup.tar!/a.py"]
    assert len(opened.artifacts) == 2


def test_identical_duplicates_are_not_reported() -> None:
    tar = hostile.tar_of([("pkg/LICENSE", b"MIT\n"), ("pkg/LICENSE", b"MIT\n")])
    opened = open_bytes("twice.tar", tar)
    assert not opened.findings


def test_zero_padded_library_is_not_a_bomb() -> None:
    padded = b"\x7fELF" + bytes(4_000_000) + b"code"  # manylinux libraries carry such padding
    opened = open_bytes("lib.whl", hostile.zip_of({"pkg.libs/libx.so": padded}), Budgets())
    assert not opened.findings
    assert opened.paths() == ["lib.whl!/pkg.libs/libx.so"]


def test_7z_traversal_name_is_reported_and_not_decompressed() -> None:
    data = hostile.seven_zip_renamed(
        {"ok/a.py": b"x = 1\n", "xx/evil.py": hostile.PAYLOAD}, {"xx/evil.py": "../evil.py"}
    )
    opened = open_bytes("t.7z", data)
    assert opened.at("CORE002") == ["t.7z!/../evil.py"]
    assert opened.paths() == ["t.7z!/ok/a.py"]


def test_7z_symlink_escape(tmp_path: Path) -> None:
    import py7zr

    # py7zr stores only links whose target exists, so the target sits two levels up
    (tmp_path / "outside.txt").write_text("outside\n")
    src = tmp_path / "a" / "b"
    src.mkdir(parents=True)
    (src / "real.py").write_text("x = 1\n")
    os.symlink("../../outside.txt", src / "out")
    os.symlink("real.py", src / "alias")
    buf = io.BytesIO()
    with py7zr.SevenZipFile(buf, "w") as archive:
        archive.write(src / "real.py", "pkg/real.py")
        archive.write(src / "out", "pkg/out")
        archive.write(src / "alias", "pkg/alias")
    opened = open_bytes("l.7z", buf.getvalue())
    assert opened.at("CORE003") == ["l.7z!/pkg/out"]
    assert opened.paths() == ["l.7z!/pkg/real.py"]


def test_oversized_tar_metadata_records() -> None:
    huge = tarfile.TarInfo("p/" + "x" * 2_000_000)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tf:
        tf.addfile(tarfile.TarInfo("first.txt"))
        tf.addfile(huge)
    opened = open_bytes("meta.tar", buf.getvalue())
    assert opened.paths() == ["meta.tar!/first.txt"]
    assert opened.at("CORE005") == ["meta.tar"]
    long = tarfile.TarInfo("d/" * 3000 + "x.py")
    opened = open_bytes("long.tar", hostile.tar_of([long, ("ok.py", b"x = 1\n")], "gz"))
    assert len(opened.at("CORE007")) == 1
    assert opened.paths() == ["long.tar!/ok.py"]
