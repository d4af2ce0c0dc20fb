"""rpm's Berkeley DB and ndb package databases: read as data, whatever their bytes."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outwork.analyzers.images.ospackages import parse_rpm_db, rpm_header
from outwork.analyzers.images.rpmdb import RpmDatabaseError, bdb_blobs, ndb_blobs
from outwork.engine.pipeline import ScanOptions, scan
from tests.imagebuild import Image, docker_archive, rpmdb_bdb, rpmdb_ndb
from tests.imagebuild import rpm_header as build_header
from tests.services import program

PAGE = 4096


def _headers() -> list[bytes]:
    """Three packages, one with an epoch, one whose header spans several overflow pages."""
    return [
        build_header(
            {"name": "bash", "version": "4.2.46", "release": "34.el7", "arch": "x86_64"}
            | {"sourcerpm": "bash-4.2.46-34.el7.src.rpm", "license": "GPLv3+"}
        ),
        build_header(
            {"name": "openssl-libs", "epoch": 1, "version": "1.0.2k", "release": "26.el7_9"}
            | {"arch": "x86_64", "sourcerpm": "openssl-1.0.2k-26.el7_9.src.rpm"}
        ),
        build_header(
            {"name": "glibc", "version": "2.17", "release": "326.el7_9", "arch": "x86_64"}
            | {"sourcerpm": "glibc-2.17-326.el7_9.src.rpm"}
            | {"basenames": [f"lib{i:05d}.so" for i in range(2000)]}
        ),
    ]


EXPECTED = {("bash", "4.2.46-34.el7"), ("openssl-libs", "1:1.0.2k-26.el7_9")}
EXPECTED |= {("glibc", "2.17-326.el7_9")}


@pytest.fixture(scope="module")
def bdb(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    load = program("db5.3_load")
    return rpmdb_bdb(_headers(), tmp_path_factory.mktemp("bdb") / "Packages", load=load)


def test_berkeley_db_written_by_db_load_is_read(bdb: bytes) -> None:
    blobs, problems = bdb_blobs(bdb)
    assert problems == []
    packages, unread = parse_rpm_db(bdb, "var/lib/rpm/Packages")
    assert unread == []
    assert {(p.name, p.version) for p in packages} == EXPECTED
    assert sorted(blobs, key=len)[0] == struct.pack("<I", 3)  # rpm's counter, key 0: no package
    assert all(rpm_header(b) for b in blobs if len(b) > 8)


def test_ndb_is_read() -> None:
    data = rpmdb_ndb(_headers())
    packages, unread = parse_rpm_db(data, "usr/lib/sysimage/rpm/Packages.db")
    assert unread == []
    assert {(p.name, p.version) for p in packages} == EXPECTED


def _overflow_pages(data: bytes) -> list[int]:
    return [n for n in range(1, len(data) // PAGE) if data[n * PAGE + 25] == 7]


def test_overflow_chain_that_loops_is_cut_and_said(bdb: bytes) -> None:
    page = _overflow_pages(bdb)[0]
    looped = bytearray(bdb)
    struct.pack_into("<I", looped, page * PAGE + 16, page)  # next page: itself
    blobs, problems = bdb_blobs(bytes(looped))
    assert any("loops back" in p for p in problems)
    assert len(blobs) < len(bdb_blobs(bdb)[0])


@pytest.mark.parametrize(
    ("offset", "fmt", "value", "said"),
    [(16, "<I", 10**9, "not in the file"), (22, "<H", 65535, "exceeds the page")],
)
def test_overflow_chain_out_of_the_file_or_past_its_page(
    bdb: bytes, offset: int, fmt: str, value: int, said: str
) -> None:
    broken = bytearray(bdb)
    struct.pack_into(fmt, broken, _overflow_pages(bdb)[0] * PAGE + offset, value)
    _, problems = bdb_blobs(bytes(broken))
    assert any(said in p for p in problems), problems


def test_truncated_databases_say_what_is_missing(bdb: bytes) -> None:
    _, problems = bdb_blobs(bdb[: len(bdb) // 2])
    assert problems
    ndb = rpmdb_ndb(_headers())
    blobs, problems = ndb_blobs(ndb[: len(ndb) - 100])
    assert any("runs past the file" in p for p in problems)
    assert len(blobs) == 2


@pytest.mark.parametrize(
    "data", [b"", b"\x00" * 100, b"RpmP" + b"\xff" * 28, b"\x00" * 12 + b"\x61\x15\x06\x00"]
)
def test_not_a_database(data: bytes) -> None:
    with pytest.raises(RpmDatabaseError):
        bdb_blobs(data) if not data.startswith(b"RpmP") else ndb_blobs(data)


def test_ndb_slots_pointing_at_one_block_or_anywhere() -> None:
    data = bytearray(rpmdb_ndb(_headers()))
    struct.pack_into("<I", data, 32 + 16 + 8, struct.unpack_from("<I", data, 32 + 8)[0])
    struct.pack_into("<I", data, 32 + 32 + 8, 0xFFFFFFF)
    blobs, problems = ndb_blobs(bytes(data))
    assert len(blobs) == 1
    assert len(problems) == 2


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_random_damage_ends_in_problems_not_crashes(bdb: bytes, data: st.DataObject) -> None:
    for original, read in ((bdb, bdb_blobs), (rpmdb_ndb(_headers()), ndb_blobs)):
        damaged = bytearray(original)
        for _ in range(data.draw(st.integers(1, 40))):
            at = data.draw(st.integers(0, len(damaged) - 1))
            damaged[at] = data.draw(st.integers(0, 255))
        try:
            blobs, problems = read(bytes(damaged))
        except RpmDatabaseError:
            continue
        assert len(blobs) <= 4 and isinstance(problems, list)
        parse_rpm_db(bytes(damaged), "var/lib/rpm/Packages")  # never raises


@pytest.mark.parametrize("layout", ["bdb", "ndb"])
def test_an_image_with_an_older_rpm_database_lists_its_packages(
    bdb: bytes, layout: str, tmp_path: Path
) -> None:
    """CentOS 7 (Berkeley DB) and SUSE 15 (ndb): each package with its layer of origin."""
    if layout == "bdb":
        files = {"etc/os-release": b'ID="centos"\nVERSION_ID="7"\n', "var/lib/rpm/Packages": bdb}
    else:
        files = {
            "etc/os-release": b'ID="sles"\nVERSION_ID="15.3"\n',
            "usr/lib/sysimage/rpm/Packages.db": rpmdb_ndb(_headers()),
        }
    path = tmp_path / "image.tar"
    docker_archive(path, Image([{"etc/hostname": b"x\n"}, files], config={"User": "app"}))
    result = scan([str(path)], ScanOptions(jobs=1, cache_dir=None))
    components = [
        c
        for a in result.artifacts
        for c in a.properties.get("components", [])
        if c["properties"].get("package_manager") == "rpm"
    ]
    assert {(c["name"], c["version"]) for c in components} == EXPECTED
    assert {c["properties"]["layer_index"] for c in components} == {1}
    assert not [f for f in result.findings if f.rule.code == "IMG006"]
