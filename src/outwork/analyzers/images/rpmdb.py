"""rpm's older package databases, read as data: Berkeley DB (``Packages``, RHEL/CentOS 5-8,
Amazon Linux 2, SUSE before 15.3) and ndb (``Packages.db``, SUSE since 15.3).

Both hold one rpm header blob per installed package; the blobs are what the sqlite database
holds too, and :func:`outwork.analyzers.images.ospackages.rpm_header` reads them. Neither
reader follows the database's own indexes: they walk its pages (Berkeley DB) or its slot table
(ndb) once, in file order, and every offset, page number, length and count is checked against
the bytes there are before it is used, with a bound on pages visited, blobs and total bytes,
so a hostile database (overflow chains that loop or leave the file, lengths past the end,
slots pointing anywhere) ends with a problem said, never a hang or a read past the end.

The layouts, as Berkeley DB 5 and rpm's ``lib/backend/ndb/rpmpkg.c`` write them:

- Berkeley DB hash: page 0 is the metadata page (magic ``0x061561`` at offset 12, in the
  writer's byte order; page size at 20; last page number at 32; page type 8). Every page has a
  26-byte header (next page number at 16, entry count at 20, high free offset at 22, type at
  25). Hash pages (type 13, or 2 before BDB 4.6) hold an index of item offsets after the header,
  keys and values alternating; a value item is either on the page (``H_KEYDATA``, type 1: the
  bytes up to the previous item) or off it (``H_OFFPAGE``, type 3: first overflow page at 4,
  total length at 8), its bytes then chained over overflow pages (type 7), each holding its
  used length in the high-free-offset field.
- ndb: a 32-byte header (``RpmP``, version 0, generation, slot page count), then slot pages of
  4096 bytes holding 16-byte slots (``Slot``, package index, block offset, block count); the
  header takes the first two slots. A used slot's block, at 16 times its block offset, starts
  with a blob header (``BlbS``, package index, checksum, length) and the header blob.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

#: Largest database read (bytes); rpm databases of full distributions are 50-200 MB.
MAX_DB_BYTES = 512 * 1024 * 1024
#: Most header blobs returned, and largest blob (rpm refuses headers over 256 MB; real ones
#: are under 1 MB).
MAX_BLOBS = 100_000
MAX_BLOB_BYTES = 64 * 1024 * 1024

_HASH_MAGIC = 0x061561
_PAGE_SIZES = frozenset(512 << n for n in range(8))
_PAGE_HEADER = 26
_HASH_PAGES = (2, 13)
_OVERFLOW_PAGE = 7
_HASH_META_PAGE = 8
_H_KEYDATA, _H_OFFPAGE = 1, 3

_NDB_MAGIC = b"RpmP"
_NDB_SLOT_MAGIC = b"Slot"
_NDB_BLOB_MAGIC = b"BlbS"
_NDB_PAGE = 4096
_NDB_SLOT = 16
#: rpm itself refuses more slot pages than this.
_NDB_MAX_SLOT_PAGES = 2048


class RpmDatabaseError(Exception):
    """The bytes are not a database of this kind, or it is damaged: the reason says where."""


def is_bdb_hash(data: bytes) -> bool:
    if len(data) < 72:
        return False
    return any(struct.unpack_from(f"{o}I", data, 12)[0] == _HASH_MAGIC for o in "<>")


def is_ndb(data: bytes) -> bool:
    return data[:4] == _NDB_MAGIC


def bdb_blobs(data: bytes) -> tuple[list[bytes], list[str]]:
    """The values of a Berkeley DB hash database (rpm's header blobs), and the problems met.

    Raises :class:`RpmDatabaseError` when the metadata page is not a usable hash database."""
    if len(data) > MAX_DB_BYTES:
        raise RpmDatabaseError(f"larger than {MAX_DB_BYTES} bytes; not read")
    if len(data) < 512:
        raise RpmDatabaseError("shorter than one Berkeley DB page")
    order = "<" if struct.unpack_from("<I", data, 12)[0] == _HASH_MAGIC else ">"
    magic, _version, page_size = struct.unpack_from(f"{order}III", data, 12)
    encryption, page_type = data[24], data[25]
    last_page = struct.unpack_from(f"{order}I", data, 32)[0]
    if magic != _HASH_MAGIC or page_type != _HASH_META_PAGE:
        raise RpmDatabaseError("not a Berkeley DB hash database (magic or page type)")
    if encryption:
        raise RpmDatabaseError("the database is encrypted")
    if page_size not in _PAGE_SIZES:
        raise RpmDatabaseError(f"page size {page_size} is not one Berkeley DB uses")
    pages = len(data) // page_size
    problems: list[str] = []
    if last_page >= pages:
        problems.append(f"the metadata names page {last_page}, the file holds {pages} pages")
    reader = _Pages(data, page_size, order, pages)
    blobs: list[bytes] = []
    for number in range(1, min(last_page + 1, pages)):
        if data[number * page_size + 25] not in _HASH_PAGES:
            continue
        for blob in reader.values(number, problems):
            blobs.append(blob)
            if len(blobs) >= MAX_BLOBS:
                problems.append(f"more than {MAX_BLOBS} records; the rest are not read")
                return blobs, problems
    return blobs, problems


class _Pages:
    def __init__(self, data: bytes, page_size: int, order: str, pages: int) -> None:
        self.data = data
        self.size = page_size
        self.order = order
        self.pages = pages
        #: Overflow pages read so far, all chains together: each page is read at most once
        #: per chain, and all chains together at most as often as the file has pages, twice.
        self.budget = 2 * pages

    def values(self, number: int, problems: list[str]) -> Iterator[bytes]:
        start = number * self.size
        page = self.data[start : start + self.size]
        entries = struct.unpack_from(f"{self.order}H", page, 20)[0]
        index_end = _PAGE_HEADER + 2 * entries
        if entries % 2 or index_end > self.size:
            problems.append(f"page {number}: {entries} entries do not fit or do not pair")
            return
        offsets = struct.unpack_from(f"{self.order}{entries}H", page, _PAGE_HEADER)
        for item in range(1, entries, 2):  # keys and values alternate; values are odd
            offset = offsets[item]
            end = offsets[item - 1]  # items grow down from the page's end: a value ends
            if not index_end <= offset < end <= self.size:  # where its key starts
                problems.append(f"page {number}: item {item} lies outside the page")
                continue
            kind = page[offset]
            if kind == _H_KEYDATA:
                yield page[offset + 1 : end]
            elif kind == _H_OFFPAGE and offset + 12 <= self.size:
                first, length = struct.unpack_from(f"{self.order}II", page, offset + 4)
                blob = self._chain(first, length, number, problems)
                if blob is not None:
                    yield blob

    def _chain(self, first: int, length: int, owner: int, problems: list[str]) -> bytes | None:
        if length > MAX_BLOB_BYTES:
            problems.append(f"page {owner}: a record of {length} bytes is over the limit")
            return None
        parts: list[bytes] = []
        got = 0
        seen: set[int] = set()
        number = first
        while number:
            if number in seen or not 0 < number < self.pages:
                what = "loops back" if number in seen else f"names page {number}, not in the file"
                problems.append(f"page {owner}: a record's overflow chain {what}")
                return None
            self.budget -= 1
            if self.budget < 0:
                problems.append("overflow chains visit more pages than the file holds")
                return None
            seen.add(number)
            start = number * self.size
            if self.data[start + 25] != _OVERFLOW_PAGE:
                problems.append(f"page {owner}: a record's overflow chain reaches page {number}")
                return None
            after = struct.unpack_from(f"{self.order}I", self.data, start + 16)[0]
            used = struct.unpack_from(f"{self.order}H", self.data, start + 22)[0]
            if used > self.size - _PAGE_HEADER:
                problems.append(f"page {number}: overflow length {used} exceeds the page")
                return None
            parts.append(self.data[start + _PAGE_HEADER : start + _PAGE_HEADER + used])
            got += used
            if got > length:
                break
            number = after
        blob = b"".join(parts)
        if len(blob) != length:
            problems.append(f"page {owner}: a record says {length} bytes, its chain {len(blob)}")
            return None
        return blob


def ndb_blobs(data: bytes) -> tuple[list[bytes], list[str]]:
    """The header blobs of an ndb ``Packages.db``, and the problems met.

    Raises :class:`RpmDatabaseError` when the header is not an ndb header."""
    if len(data) > MAX_DB_BYTES:
        raise RpmDatabaseError(f"larger than {MAX_DB_BYTES} bytes; not read")
    if len(data) < 32 or data[:4] != _NDB_MAGIC:
        raise RpmDatabaseError("not an ndb database (no RpmP header)")
    version, _generation, slot_pages = struct.unpack_from("<III", data, 4)
    if version != 0:
        raise RpmDatabaseError(f"ndb version {version} is not known")
    if not 0 < slot_pages <= _NDB_MAX_SLOT_PAGES:
        raise RpmDatabaseError(f"{slot_pages} slot pages is outside what rpm writes")
    problems: list[str] = []
    slots_end = slot_pages * _NDB_PAGE
    if slots_end > len(data):
        problems.append(f"{slot_pages} slot pages do not fit in {len(data)} bytes")
        slots_end = len(data) - len(data) % _NDB_SLOT
    blobs: list[bytes] = []
    seen: set[int] = set()
    for at in range(32, slots_end, _NDB_SLOT):
        magic = data[at : at + 4]
        index, block, _count = struct.unpack_from("<III", data, at + 4)
        if magic != _NDB_SLOT_MAGIC:
            problems.append(f"slot at byte {at} has no slot magic; the slot table ends there")
            break
        if not index:
            continue
        blob = _ndb_blob(data, index, block * _NDB_SLOT, seen, problems)
        if blob is not None:
            blobs.append(blob)
            if len(blobs) >= MAX_BLOBS:
                problems.append(f"more than {MAX_BLOBS} packages; the rest are not read")
                break
    return blobs, problems


def _ndb_blob(
    data: bytes, index: int, start: int, seen: set[int], problems: list[str]
) -> bytes | None:
    if start in seen or not 0 < start <= len(data) - 16:
        what = "shares a block with another" if start in seen else "points outside the file"
        problems.append(f"package {index}: its slot {what}")
        return None
    seen.add(start)
    magic = data[start : start + 4]
    owner, _checksum, length = struct.unpack_from("<III", data, start + 4)
    if magic != _NDB_BLOB_MAGIC or owner != index:
        problems.append(f"package {index}: no blob header where its slot points")
        return None
    if length > MAX_BLOB_BYTES or start + 16 + length > len(data):
        problems.append(f"package {index}: a blob of {length} bytes runs past the file")
        return None
    return data[start + 16 : start + 16 + length]
