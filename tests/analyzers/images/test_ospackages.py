"""OS packages of an image: dpkg, apk and rpm databases, layers of origin, purls, and advisory
matching per distribution release through the dependencies layer (feeds served on loopback)."""

from __future__ import annotations

import functools
import http.server
import io
import json
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

import pytest

from outwork.analyzers.images.ospackages import (
    parse_apk,
    parse_dpkg,
    parse_rpm_sqlite,
    rpm_header,
)
from outwork.cli.main import run
from tests.analyzers.dependencies.corpusfeeds import serve
from tests.imagebuild import (
    Image,
    docker_archive,
    rpmdb_sqlite,
)
from tests.imagebuild import rpm_header as build_header

DPKG_BASE = """Package: libssl3
Status: install ok installed
Priority: optional
Architecture: amd64
Source: openssl
Version: 3.0.11-1~deb12u1
Description: Secure Sockets Layer toolkit
 multi-line description

Package: bash
Status: install ok installed
Architecture: amd64
Version: 5.2.15-2+b2
Source: bash (5.2.15-2)

Package: removed-thing
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0-1
"""
DPKG_ADDED = (
    DPKG_BASE
    + """
Package: curl
Status: install ok installed
Architecture: amd64
Version: 7.88.1-10+deb12u5
"""
)
APK = """C:Q1abc=
P:musl
V:1.2.4-r2
A:x86_64
L:MIT
o:musl
F:lib
R:ld-musl-x86_64.so.1
R:libc.musl-x86_64.so.1

C:Q1def=
P:libcrypto3
V:3.1.4-r1
A:x86_64
o:openssl
F:usr/lib
R:libcrypto.so.3
"""


def test_dpkg_records_installed_packages_with_their_source() -> None:
    packages = parse_dpkg(DPKG_BASE, "var/lib/dpkg/status")
    assert [(p.name, p.version, p.source, p.source_version, p.line) for p in packages] == [
        ("libssl3", "3.0.11-1~deb12u1", "openssl", "3.0.11-1~deb12u1", 1),
        ("bash", "5.2.15-2+b2", "bash", "5.2.15-2", 10),
    ]


def test_apk_records_packages_origins_and_files() -> None:
    packages = parse_apk(APK, "lib/apk/db/installed")
    assert [(p.name, p.version, p.source, p.line) for p in packages] == [
        ("musl", "1.2.4-r2", "musl", 1),
        ("libcrypto3", "3.1.4-r1", "openssl", 11),
    ]
    assert packages[0].files == ["lib/ld-musl-x86_64.so.1", "lib/libc.musl-x86_64.so.1"]
    assert packages[0].licenses == "MIT"


def _openssl_rpm() -> bytes:
    return build_header(
        {
            "name": "openssl-libs",
            "version": "3.0.7",
            "release": "24.el9",
            "epoch": 1,
            "arch": "x86_64",
            "license": "ASL 2.0",
            "sourcerpm": "openssl-3.0.7-24.el9.src.rpm",
            "dirnames": ["/usr/lib64/", "/etc/pki/tls/"],
            "basenames": ["libssl.so.3", "libcrypto.so.3", "openssl.cnf"],
            "dirindexes": [0, 0, 1],
        }
    )


def test_rpm_sqlite_headers_are_read_by_their_layout() -> None:
    key = build_header({"name": "gpg-pubkey", "version": "abc", "release": "1"})
    bash = build_header({"name": "bash", "version": "5.1.8", "release": "6.el9", "arch": "x86_64"})
    packages, problems = parse_rpm_sqlite(rpmdb_sqlite([_openssl_rpm(), key, bash]), "db")
    assert not problems
    assert [(p.name, p.version, p.source, p.epoch) for p in packages] == [
        ("openssl-libs", "1:3.0.7-24.el9", "openssl", 1),
        ("bash", "5.1.8-6.el9", "bash", None),
    ]
    assert packages[0].files == [
        "/usr/lib64/libssl.so.3",
        "/usr/lib64/libcrypto.so.3",
        "/etc/pki/tls/openssl.cnf",
    ]


@pytest.mark.parametrize(
    "blob",
    [
        b"",
        b"\x00\x00\x00\x01",
        b"\x7f\xff\xff\xff\x00\x00\x00\x10",  # two billion entries
        b"\x00\x00\x00\x01\x00\x00\x00\x04" + b"\x00\x00\x03\xe8\x00\x00\x00\x06" * 2 + b"ab",
        _openssl_rpm()[:-7],  # truncated data store
        b"\x00\x00\x00\x01\x00\x00\x00\x04\x00\x00\x03\xe8\x00\x00\x00\x04\x00\x00\x00\x00"
        b"\xff\xff\xff\xff" + b"\x00" * 4,  # four billion integers
    ],
)
def test_hostile_rpm_headers_are_problems_not_crashes(blob: bytes) -> None:
    packages, problems = parse_rpm_sqlite(rpmdb_sqlite([blob, _openssl_rpm()]), "db")
    assert [p.name for p in packages] == ["openssl-libs"]
    assert len(problems) == 1 and problems[0].startswith("header 1:")
    with pytest.raises(ValueError):
        rpm_header(blob)


def test_an_rpm_database_that_is_not_sqlite_is_said() -> None:
    packages, problems = parse_rpm_sqlite(b"\x00\x06\x15\x61" + bytes(100), "db")
    assert not packages and "not a SQLite database" in problems[0]
    packages, problems = parse_rpm_sqlite(b"SQLite format 3\x00" + bytes(100), "db")
    assert not packages and problems


def _debian_image() -> Image:
    release = b'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n'
    return Image(
        [
            {
                "etc/os-release": release,
                "var/lib/dpkg/status": DPKG_BASE.encode(),
                "var/lib/dpkg/info/libssl3:amd64.list": b"/usr/lib/x86_64-linux-gnu/libssl.so.3\n",
            },
            {"var/lib/dpkg/status": DPKG_ADDED.encode(), "usr/bin/curl": b"\x7fELF"},
            {"var/lib/dpkg/status.d/tzdata": b"Package: tzdata\nVersion: 2024a-0+deb12u1\n"},
        ],
        config={"User": "app"},
    )


def _scan(target: Path, *argv: str) -> tuple[int, dict[str, Any], str]:
    out, err = io.StringIO(), io.StringIO()
    command = ["scan", str(target), "--no-cache", "--no-config", "-f", "json", "-j", "1", *argv]
    code = run(command, out, err)
    return code, json.loads(out.getvalue()), err.getvalue()


def _components(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for a in result["artifacts"] for c in a.get("properties", {}).get("components", [])]


def _feed(directory: Path, ecosystem: str, records: list[dict[str, Any]]) -> None:
    target = directory / ecosystem / "all.zip"
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w") as zf:
        for record in records:
            zf.writestr(f"{record['id']}.json", json.dumps(record))


def _record(ident: str, ecosystem: str, name: str, fixed: str) -> dict[str, Any]:
    return {
        "id": ident,
        "modified": "2024-01-01T00:00:00Z",
        "summary": f"test advisory {ident}",
        "affected": [
            {
                "package": {"ecosystem": ecosystem, "name": name},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}
                ],
            }
        ],
    }


class _Quiet(http.server.SimpleHTTPRequestHandler):
    requested: list[str] = []  # noqa: RUF012 - shared by the server's handler instances

    def do_GET(self) -> None:
        type(self).requested.append(self.path)
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        return


def test_debian_packages_are_listed_by_layer_and_matched_by_release(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = docker_archive(tmp_path / "debian.tar", _debian_image(), oci=True)
    feeds = tmp_path / "feeds"
    _feed(
        feeds,
        "Debian",
        [
            # openssl (the source of libssl3) fixed after the installed version: affected
            _record("DSA-0001-1", "Debian:12", "openssl", "3.0.11-1~deb12u2"),
            # the same package in another release: must not match
            _record("DSA-0002-1", "Debian:11", "openssl", "9.9.9-1"),
            # fixed in a version below the installed one (~ sorts first): not affected
            _record("DSA-0003-1", "Debian:12", "curl", "7.88.1-10+deb12u5~pre1"),
            # bash's binary version has +b2, its source 5.2.15-2 is what is matched
            _record("DSA-0004-1", "Debian:12", "bash", "5.2.15-2+deb12u1"),
        ],
    )
    monkeypatch.delenv("OUTWORK_OFFLINE")
    _Quiet.requested = []
    handler = functools.partial(_Quiet, directory=str(feeds))
    with serve(feeds, handler) as base:  # type: ignore[arg-type]
        code, result, err = _scan(
            tmp_path / "debian.tar",
            "--advisory-db",
            str(tmp_path / "data" / "advisories.sqlite3"),
            "--advisory-url",
            base,
        )
    assert _Quiet.requested == ["/Debian/all.zip"], err
    status = f"{tmp_path}/debian.tar!/{names['1']}!/var/lib/dpkg/status"
    vulnerable = sorted(
        (f["location"]["path"], f["location"]["line"], f["subject"])
        for f in result["findings"]
        if f["code"] == "VUL001"
    )
    assert vulnerable == [
        (status, 1, "pkg:deb/debian/openssl@3.0.11-1~deb12u1"),
        (status, 10, "pkg:deb/debian/bash@5.2.15-2"),
    ]
    components = {
        c["name"]: c
        for a in result["artifacts"]
        for c in a.get("properties", {}).get("components", [])
    }
    assert components["libssl3"]["purl"] == (
        "pkg:deb/debian/libssl3@3.0.11-1~deb12u1?arch=amd64&distro=debian-12"
    )
    assert components["libssl3"]["properties"]["layer_index"] == 0
    assert components["curl"]["properties"]["layer_index"] == 1
    assert components["tzdata"]["properties"]["layer_index"] == 2
    assert "removed-thing" not in components
    assert components["libssl3"]["properties"]["files"] == 1
    assert code == 1


def test_alpine_and_rpm_images_list_their_packages(tmp_path: Path) -> None:
    alpine = Image(
        [
            {
                "etc/os-release": b"ID=alpine\nVERSION_ID=3.19.1\n",
                "lib/apk/db/installed": APK.encode(),
            }
        ]
    )
    docker_archive(tmp_path / "alpine.tar", alpine)
    rocky = Image(
        [
            {
                "etc/os-release": b'ID="rocky"\nVERSION_ID="9.3"\n',
                "var/lib/rpm/rpmdb.sqlite": rpmdb_sqlite([_openssl_rpm()]),
            },
            {"var/lib/rpm/Packages": b"\x00\x06\x15\x61legacy bdb"},
        ]
    )
    docker_archive(tmp_path / "rocky.tar", rocky)
    _, result, _ = _scan(tmp_path)
    purls = sorted(
        c["purl"]
        for a in result["artifacts"]
        for c in a.get("properties", {}).get("components", [])
    )
    assert purls == [
        "pkg:apk/alpine/libcrypto3@3.1.4-r1?arch=x86_64&distro=alpine-3.19.1",
        "pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=alpine-3.19.1",
        "pkg:rpm/rocky/openssl-libs@3.0.7-24.el9?arch=x86_64&distro=rocky-9.3&epoch=1",
    ]
    (unread,) = [f for f in result["findings"] if f["code"] == "IMG006"]
    assert unread["location"]["path"].endswith("!/var/lib/rpm/Packages")
    unchecked = [f for f in result["findings"] if f["code"] == "VUL003"]
    assert unchecked and "Alpine:v3.19" in unchecked[0]["message"]


def test_an_rpm_database_in_wal_mode_is_read_with_its_log(tmp_path: Path) -> None:
    # the copies are taken while the connection is open: the log is not merged yet
    path = tmp_path / "rpmdb.sqlite"
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA wal_autocheckpoint=0")
    connection.execute(
        "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)"
    )
    connection.commit()
    connection.execute("INSERT INTO Packages (blob) VALUES (?)", (_openssl_rpm(),))
    connection.commit()
    main, log = path.read_bytes(), path.with_name("rpmdb.sqlite-wal").read_bytes()
    assert parse_rpm_sqlite(main, "db")[0] == []  # the row lives in the log only
    packages, problems = parse_rpm_sqlite(main, "db", log)
    assert not problems and [p.name for p in packages] == ["openssl-libs"]
    connection.close()  # merges the log: the database alone holds the row, still in WAL mode
    merged = path.read_bytes()
    assert merged[18:20] == b"\x02\x02"
    assert [p.name for p in parse_rpm_sqlite(merged, "db")[0]] == ["openssl-libs"]
