"""Operating-system packages of an image: dpkg (status and distroless ``status.d``), apk
(``lib/apk/db/installed``) and rpm (the sqlite ``rpmdb.sqlite`` that rpm 4.16+ writes, ndb
``Packages.db`` and Berkeley DB ``Packages``: :mod:`outwork.analyzers.images.rpmdb`), each with
the files it owns and the layer that added it.

Every database is read as data: dpkg's and apk's text records line by line, rpm's headers by
their documented binary layout from a SQLite database opened in memory
(``sqlite3.Connection.deserialize``) or from the pages of the older formats, never through
``rpm`` or a file on disk. Each reader is
bounded (records, strings, header sizes); what it cannot read is returned as a problem, never
dropped.
"""

from __future__ import annotations

import contextlib
import sqlite3
import struct
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from outwork.analyzers.images import rpmdb
from outwork.analyzers.images.model import File, Image

#: Records read from one database, and header bytes of one rpm package.
MAX_PACKAGES = 100_000
MAX_HEADER_BYTES = 64 * 1024 * 1024
MAX_HEADER_ENTRIES = 100_000

DPKG_STATUS = "var/lib/dpkg/status"
DPKG_STATUS_D = "var/lib/dpkg/status.d/"
DPKG_INFO = "var/lib/dpkg/info/"
APK_INSTALLED = "lib/apk/db/installed"
RPM_SQLITE = (
    "var/lib/rpm/rpmdb.sqlite",
    "usr/lib/sysimage/rpm/rpmdb.sqlite",
    "var/lib/rpm/Packages.db",
    "usr/lib/sysimage/rpm/Packages.db",
)
#: Berkeley DB rpm databases (RHEL 8 and older, CentOS 7, Amazon Linux 2).
RPM_BDB = ("var/lib/rpm/Packages", "usr/lib/sysimage/rpm/Packages")


@dataclass(slots=True)
class OsPackage:
    """One installed package as its database records it."""

    manager: str  # dpkg, apk, rpm
    name: str
    version: str  # dpkg and apk as written; rpm as [epoch:]version-release
    arch: str
    #: The source package (dpkg ``Source``, apk ``o:``, rpm ``SOURCERPM``) and its version.
    source: str
    source_version: str
    #: Database path (in the image) and the record's first line there (0 for rpm).
    database: str
    line: int
    epoch: int | None = None
    licenses: str = ""
    files: list[str] = field(default_factory=list)
    #: The lowest layer whose copy of the database lists this package at this version.
    layer: int = -1


@dataclass(slots=True)
class Inventory:
    packages: list[OsPackage] = field(default_factory=list)
    #: ``(database path, why)`` for databases that exist and could not be read (fully).
    problems: list[tuple[str, str]] = field(default_factory=list)


def _paragraphs(text: str) -> Iterator[tuple[int, dict[str, str]]]:
    """RFC 822-style records separated by blank lines, continuation lines folded in."""
    fields: dict[str, str] = {}
    start = 0
    key = ""
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            if fields:
                yield start, fields
            fields, key = {}, ""
            continue
        if raw[0] in " \t" and key:
            fields[key] += "\n" + raw.strip()
            continue
        name, sep, value = raw.partition(":")
        if not sep:
            continue
        if not fields:
            start = number
        key = name.strip()
        fields[key] = value.strip()
    if fields:
        yield start, fields


def parse_dpkg(text: str, database: str) -> list[OsPackage]:
    """Packages of a dpkg status file (or a ``status.d`` record): installed ones only."""
    out: list[OsPackage] = []
    for line, fields in _paragraphs(text):
        if len(out) >= MAX_PACKAGES:
            break
        name, version = fields.get("Package", ""), fields.get("Version", "")
        status = fields.get("Status", "install ok installed").split()
        if not name or not version or status[-1:] not in (["installed"], ["half-configured"]):
            continue
        source, source_version = name, version
        if fields.get("Source"):
            words = fields["Source"].split()
            source = words[0]
            if len(words) > 1:
                source_version = words[1].strip("()")
        out.append(
            OsPackage(
                "dpkg",
                name,
                version,
                fields.get("Architecture", ""),
                source,
                source_version,
                database,
                line,
            )
        )
    return out


def parse_apk(text: str, database: str) -> list[OsPackage]:
    """Packages of apk's installed database, with the files each owns (``F:`` then ``R:``)."""
    out: list[OsPackage] = []
    current: OsPackage | None = None
    folder = ""
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            current, folder = None, ""
            continue
        key, sep, value = raw.partition(":")
        if not sep or len(key) != 1:
            continue
        if current is None:
            if len(out) >= MAX_PACKAGES:
                break
            current = OsPackage("apk", "", "", "", "", "", database, number)
            out.append(current)
        if key == "P":
            current.name = current.source = value
        elif key == "V":
            current.version = current.source_version = value
        elif key == "A":
            current.arch = value
        elif key == "o":
            current.source = value
        elif key == "L":
            current.licenses = value
        elif key == "F":
            folder = value
        elif key == "R":
            current.files.append(f"{folder}/{value}" if folder else value)
    return [p for p in out if p.name and p.version]


# --------------------------------------------------------------------------- rpm

_NAME, _VERSION, _RELEASE, _EPOCH, _LICENSE, _ARCH, _SOURCERPM = (
    1000,
    1001,
    1002,
    1003,
    1014,
    1022,
    1044,
)
_DIRINDEXES, _BASENAMES, _DIRNAMES = 1116, 1117, 1118
_INT32, _STRING, _STRING_ARRAY, _I18NSTRING = 4, 6, 8, 9


class RpmHeaderError(ValueError):
    """A header blob that does not follow rpm's layout."""


def rpm_header(blob: bytes) -> dict[int, list[str] | list[int]]:
    """The tags of one rpm header blob (as the rpmdb stores it: entry count, data length,
    index entries of tag/type/offset/count, then the data), strings and 32-bit integers only."""
    if len(blob) < 8:
        raise RpmHeaderError("header shorter than its counts")
    entries, size = struct.unpack(">ii", blob[:8])
    if not 0 < entries <= MAX_HEADER_ENTRIES or not 0 <= size <= MAX_HEADER_BYTES:
        raise RpmHeaderError(f"implausible header: {entries} entries, {size} data bytes")
    start = 8 + 16 * entries
    if start + size > len(blob):
        raise RpmHeaderError("header data runs past the blob")
    data = blob[start : start + size]
    tags: dict[int, list[str] | list[int]] = {}
    for index in range(entries):
        tag, kind, offset, count = struct.unpack(">iIiI", blob[8 + 16 * index : 24 + 16 * index])
        if offset < 0 or offset > size or count > size + 1:
            raise RpmHeaderError(f"tag {tag} points outside the header")
        if kind in (_STRING, _STRING_ARRAY, _I18NSTRING):
            strings: list[str] = []
            pos = offset
            for _ in range(count if kind == _STRING_ARRAY else 1):
                end = data.find(b"\x00", pos)
                if end < 0:
                    raise RpmHeaderError(f"tag {tag}: unterminated string")
                strings.append(data[pos:end].decode("utf-8", errors="replace"))
                pos = end + 1
            tags[tag] = strings
        elif kind == _INT32:
            if offset + 4 * count > size:
                raise RpmHeaderError(f"tag {tag}: integers run past the header")
            tags[tag] = list(struct.unpack(f">{count}i", data[offset : offset + 4 * count]))
    return tags


def _text(tags: dict[int, list[str] | list[int]], tag: int) -> str:
    values = tags.get(tag)
    return str(values[0]) if values else ""


def _rpm_package(tags: dict[int, list[str] | list[int]], database: str) -> OsPackage | None:
    name, version, release = _text(tags, _NAME), _text(tags, _VERSION), _text(tags, _RELEASE)
    if not name or not version or name == "gpg-pubkey":
        return None  # imported signing keys are recorded as pseudo-packages
    epochs = tags.get(_EPOCH)
    epoch = int(epochs[0]) if epochs else None
    full = f"{version}-{release}" if release else version
    evr = f"{epoch}:{full}" if epoch else full
    source_rpm = _text(tags, _SOURCERPM)
    # name-version-release.src.rpm: the name is what precedes the last two hyphens
    source = source_rpm.removesuffix(".src.rpm").rsplit("-", 2)[0] if source_rpm else name
    files: list[str] = []
    dirs, bases, indexes = tags.get(_DIRNAMES, []), tags.get(_BASENAMES, []), tags.get(_DIRINDEXES)
    if indexes is not None and len(indexes) == len(bases):
        for base, index in zip(bases, indexes, strict=True):
            if isinstance(index, int) and 0 <= index < len(dirs):
                files.append(f"{dirs[index]}{base}")
    return OsPackage(
        "rpm",
        name,
        evr,
        _text(tags, _ARCH),
        source,
        evr,
        database,
        0,
        epoch=epoch,
        licenses=_text(tags, _LICENSE),
        files=files,
    )


def parse_rpm_sqlite(
    data: bytes, database: str, wal: bytes | None = None
) -> tuple[list[OsPackage], list[str]]:
    """Packages of an rpm sqlite database, and the headers that did not read. The database is
    opened in memory; with a write-ahead log (``rpmdb.sqlite-wal``, where rpm leaves its last
    transactions until a checkpoint), both are copied to a private temporary folder, the only
    way SQLite replays a log."""
    if not data.startswith(b"SQLite format 3\x00"):
        return [], ["not a SQLite database (Berkeley DB or ndb rpm databases are not read)"]
    if wal:
        with tempfile.TemporaryDirectory(prefix="outwork-rpmdb-") as scratch:
            path = Path(scratch) / "rpmdb.sqlite"
            path.write_bytes(data)
            path.with_name("rpmdb.sqlite-wal").write_bytes(wal)
            try:
                connection = sqlite3.connect(path)
            except sqlite3.Error as exc:
                return [], [f"the database does not open: {exc}"]
            return _rpm_rows(connection, database)
    if data[18:20] == b"\x02\x02":
        # a WAL-mode database whose log is empty or merged: in memory SQLite reads it only as
        # a rollback-journal database (file format bytes 18-19: 1), which its pages are
        data = data[:18] + b"\x01\x01" + data[20:]
    connection = sqlite3.connect(":memory:")
    try:
        connection.deserialize(data)
    except sqlite3.Error as exc:
        connection.close()
        return [], [f"the database does not read: {exc}"]
    return _rpm_rows(connection, database)


def parse_rpm_db(
    data: bytes, database: str, wal: bytes | None = None
) -> tuple[list[OsPackage], list[str]]:
    """Packages of an rpm database of any format rpm has written (sqlite, ndb, Berkeley DB
    hash), told by its bytes, and the problems met reading it."""
    if data.startswith(b"SQLite format 3\x00"):
        return parse_rpm_sqlite(data, database, wal)
    try:
        if rpmdb.is_ndb(data):
            blobs, problems = rpmdb.ndb_blobs(data)
        elif rpmdb.is_bdb_hash(data):
            blobs, problems = rpmdb.bdb_blobs(data)
        else:
            return [], ["neither a SQLite, an ndb nor a Berkeley DB hash database"]
    except rpmdb.RpmDatabaseError as exc:
        return [], [str(exc)]
    out: list[OsPackage] = []
    for number, blob in enumerate(blobs[:MAX_PACKAGES]):
        if len(blob) <= 8:
            continue  # rpm's instance counter (Berkeley DB key 0), no package
        try:
            package = _rpm_package(rpm_header(blob), database)
        except (RpmHeaderError, struct.error) as exc:
            problems.append(f"record {number}: {exc}")
            continue
        if package is not None:
            out.append(package)
    return out, problems


def _rpm_rows(connection: sqlite3.Connection, database: str) -> tuple[list[OsPackage], list[str]]:
    problems: list[str] = []
    out: list[OsPackage] = []
    try:
        rows = connection.execute("SELECT hnum, blob FROM Packages LIMIT ?", (MAX_PACKAGES,))
        for hnum, blob in rows:
            try:
                package = _rpm_package(rpm_header(bytes(blob)), database)
            except (RpmHeaderError, struct.error, TypeError) as exc:
                problems.append(f"header {hnum}: {exc}")
                continue
            if package is not None:
                out.append(package)
    except sqlite3.Error as exc:
        problems.append(f"the database does not read: {exc}")
    finally:
        with contextlib.suppress(sqlite3.Error):
            connection.close()
    return out, problems


# --------------------------------------------------------------------------- the image's


def inventory(image: Image) -> Inventory:
    """Every OS package of the image's final file system, with its files and layer of origin
    (computed once per image)."""
    cached = image.cache.get("inventory")
    if isinstance(cached, Inventory):
        return cached
    found = image.cache["inventory"] = Inventory()
    final = image.final()
    _dpkg(image, final, found)
    data = image.meta_final(APK_INSTALLED)
    if data is not None:
        packages = parse_apk(data.decode("utf-8", errors="replace"), APK_INSTALLED)
        copies = [
            (layer, {(p.name, p.version) for p in parse_apk(d.decode("utf-8", "replace"), "")})
            for layer, d in image.meta(APK_INSTALLED)
        ]
        for package in packages:
            package.layer = next(
                (layer for layer, seen in copies if (package.name, package.version) in seen),
                final[APK_INSTALLED].layer,
            )
        found.packages.extend(packages)
    _rpm(image, final, found)
    return found


def _dpkg(image: Image, final: dict[str, File], found: Inventory) -> None:
    data = image.meta_final(DPKG_STATUS)
    if data is not None:
        packages = parse_dpkg(data.decode("utf-8", errors="replace"), DPKG_STATUS)
        copies = [
            (layer, {(p.name, p.version) for p in parse_dpkg(d.decode("utf-8", "replace"), "")})
            for layer, d in image.meta(DPKG_STATUS)
        ]
        for package in packages:
            package.layer = next(
                (layer for layer, seen in copies if (package.name, package.version) in seen), -1
            )
        found.packages.extend(packages)
    for path in sorted(final):
        if path.startswith(DPKG_STATUS_D) and "/" not in path[len(DPKG_STATUS_D) :]:
            if path.endswith(".md5sums"):
                continue
            record = image.meta_final(path)
            if record is None:
                continue
            packages = parse_dpkg(record.decode("utf-8", errors="replace"), path)
            entry = final[path]
            for package in packages:
                package.layer = entry.layer
            found.packages.extend(packages)
    for package in found.packages:
        if package.manager != "dpkg":
            continue
        for name in (f"{package.name}:{package.arch}.list", f"{package.name}.list"):
            listing = image.meta_final(DPKG_INFO + name)
            if listing is not None:
                text = listing.decode("utf-8", errors="replace")
                package.files = [line for line in text.splitlines() if line.strip()]
                break


def _rpm(image: Image, final: dict[str, File], found: Inventory) -> None:
    for path in (*RPM_SQLITE, *RPM_BDB):
        data = image.meta_final(path)
        if data is None:
            continue
        logs = dict(image.meta(path + "-wal"))
        packages, problems = parse_rpm_db(data, path, image.meta_final(path + "-wal"))
        found.problems.extend((path, why) for why in problems[:20])
        copies = []
        for layer, copy in image.meta(path):
            listed, _ = parse_rpm_db(copy, path, logs.get(layer))
            copies.append((layer, {(p.name, p.version) for p in listed}))
        for package in packages:
            package.layer = next(
                (layer for layer, seen in copies if (package.name, package.version) in seen), -1
            )
        found.packages.extend(packages)
