"""A tolerant zip reader that behaves like PyTorch's and reports every deviation it tolerates.

PyTorch's reader (miniz) ignores CRCs and most flag bits and locates members through the central
directory, so a model whose local header names a different file, whose CRC is wrong or whose
"encrypted" bit is set still loads. Python's ``zipfile`` refuses such files, which is how
scanners built on it were bypassed (CVE-2025-1944, CVE-2025-1945, CVE-2025-10156). This reader
accepts what PyTorch accepts, reads only the members asked for, and never loads tensors.
"""

from __future__ import annotations

import struct
import zlib

EOCD = b"PK\x05\x06"
EOCD64_LOCATOR = b"PK\x06\x07"
EOCD64 = b"PK\x06\x06"
CENTRAL = b"PK\x01\x02"
LOCAL = b"PK\x03\x04"
MAX_ENTRIES = 200_000
#: Central-directory fields at +8 and the local-header offset at +42; read in place when the
#: record is whole (a truncated one goes through slices, so its error reads as before).
_CD_FIELDS = struct.Struct("<HHHHIIIHHH")
_CD_OFFSET = struct.Struct("<I")
_LOCAL_LENGTHS = struct.Struct("<HH")
_LOCAL_FLAGS = struct.Struct("<H")


class Entry:
    """One member, as the central directory (and its local header) describe it."""

    __slots__ = (
        "crc",
        "csize",
        "data_offset",
        "flags",
        "header_offset",
        "local_name",
        "method",
        "name",
        "usize",
    )

    def __init__(
        self,
        name: str,
        method: int,
        flags: int,
        crc: int,
        csize: int,
        usize: int,
        header_offset: int,
        local_name: str | None = None,
        data_offset: int = -1,
    ) -> None:
        self.name = name
        self.method = method
        self.flags = flags
        self.crc = crc
        self.csize = csize
        self.usize = usize
        self.header_offset = header_offset
        self.local_name = local_name
        self.data_offset = data_offset


class ZipView:
    """A zip's directory and every deviation tolerated while reading it (plain classes, not
    dataclasses: declaring those costs start-up time)."""

    __slots__ = ("anomalies", "entries", "error", "prepended")

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.anomalies: list[str] = []
        #: Bytes before the first member (another format's data: a polyglot) or None.
        self.prepended = 0
        self.error: str | None = None

    def names(self) -> list[str]:
        return [e.name for e in self.entries]


class ZipError(Exception):
    pass


def _find_eocd(buf: memoryview) -> int:
    tail_start = max(0, len(buf) - 65557)
    tail = bytes(buf[tail_start:])
    idx = tail.rfind(EOCD)
    return -1 if idx < 0 else tail_start + idx


def read_zip(buf: memoryview) -> ZipView:
    """Parse the central directory (and each local header) without reading member data."""
    view = ZipView()
    try:
        _read_zip(buf, view)
    except (struct.error, ValueError, OverflowError) as exc:
        view.error = f"central directory is truncated or corrupt ({exc})"
    return view


def _read_zip(buf: memoryview, view: ZipView) -> ZipView:
    eocd = _find_eocd(buf)
    if eocd < 0 or eocd + 22 > len(buf):
        view.error = "no end-of-central-directory record (truncated or not a zip)"
        return view
    (_, _, _, total, cd_size, cd_offset, comment_len) = struct.unpack(
        "<HHHHIIH", buf[eocd + 4 : eocd + 22]
    )
    cd_end = eocd
    if eocd >= 20 and bytes(buf[eocd - 20 : eocd - 16]) == EOCD64_LOCATOR:
        (eocd64_off,) = struct.unpack("<Q", buf[eocd - 12 : eocd - 4])
        loc = eocd - 20
        # The locator's offset may be shifted by prepended data; look just before the locator.
        candidate = loc - 56
        if candidate >= 0 and bytes(buf[candidate : candidate + 4]) == EOCD64:
            eocd64_at = candidate
        elif 0 <= eocd64_off < len(buf) and bytes(buf[eocd64_off : eocd64_off + 4]) == EOCD64:
            eocd64_at = eocd64_off
        else:
            eocd64_at = -1
        if eocd64_at >= 0:
            total, cd_size, cd_offset = struct.unpack("<QQQ", buf[eocd64_at + 32 : eocd64_at + 56])
            cd_end = eocd64_at
    actual_cd = cd_end - cd_size
    if actual_cd < 0:
        view.error = "central directory size points before the start of the file"
        return view
    shift = actual_cd - cd_offset
    if shift < 0:
        view.anomalies.append(
            f"central directory offset {cd_offset} lies beyond its real position {actual_cd}"
        )
        shift = 0
    if eocd + 22 + comment_len != len(buf):
        extra = len(buf) - (eocd + 22 + comment_len)
        if extra > 0:
            view.anomalies.append(f"{extra} bytes of trailing data after the end of the zip")
    if total > MAX_ENTRIES:
        view.error = f"{total} members exceed the budget of {MAX_ENTRIES}"
        return view
    pos = actual_cd
    size = len(buf)
    seen: set[str] = set()
    for _ in range(total):
        if bytes(buf[pos : pos + 4]) != CENTRAL:
            view.anomalies.append(f"central directory entry at {pos} has a bad signature")
            break
        if pos + 46 <= size:
            (flags, method, _t, _d, crc, csize, usize, nlen, xlen, clen) = _CD_FIELDS.unpack_from(
                buf, pos + 8
            )
            (offset,) = _CD_OFFSET.unpack_from(buf, pos + 42)
        else:
            (flags, method, _t, _d, crc, csize, usize, nlen, xlen, clen) = struct.unpack(
                "<HHHHIIIHHH", buf[pos + 8 : pos + 34]
            )
            (offset,) = struct.unpack("<I", buf[pos + 42 : pos + 46])
        name = str(buf[pos + 46 : pos + 46 + nlen], "utf-8", "replace")
        if xlen:
            extra = bytes(buf[pos + 46 + nlen : pos + 46 + nlen + xlen])
            usize, csize, offset = _zip64(extra, usize, csize, offset)
        entry = Entry(name, method, flags, crc, csize, usize, offset + shift)
        if name in seen:
            view.anomalies.append(f"member {name!r} appears twice in the central directory")
        seen.add(name)
        if flags & 0x1:
            view.anomalies.append(f"member {name!r} has the encrypted flag set (loaders ignore it)")
        view.entries.append(entry)
        pos += 46 + nlen + xlen + clen
    first_local = min((e.header_offset for e in view.entries), default=actual_cd)
    if first_local > 0:
        view.prepended = first_local
        view.anomalies.append(f"{first_local} bytes precede the first zip member (polyglot?)")
    for entry in view.entries:
        _local(buf, entry, view)
    return view


def _zip64(extra: bytes, usize: int, csize: int, offset: int) -> tuple[int, int, int]:
    pos = 0
    while pos + 4 <= len(extra):
        tag, size = struct.unpack("<HH", extra[pos : pos + 4])
        body = extra[pos + 4 : pos + 4 + size]
        if tag == 0x0001:
            fields = [usize, csize, offset]
            idx = 0
            for i, value in enumerate(fields):
                if value == 0xFFFFFFFF and idx + 8 <= len(body):
                    fields[i] = struct.unpack("<Q", body[idx : idx + 8])[0]
                    idx += 8
            return fields[0], fields[1], fields[2]
        pos += 4 + size
    return usize, csize, offset


def _local(buf: memoryview, entry: Entry, view: ZipView) -> None:
    at = entry.header_offset
    if at < 0 or at + 30 > len(buf) or bytes(buf[at : at + 4]) != LOCAL:
        view.anomalies.append(f"member {entry.name!r} has no local header at {at}")
        return
    (nlen, xlen) = _LOCAL_LENGTHS.unpack_from(buf, at + 26)
    local_name = str(buf[at + 30 : at + 30 + nlen], "utf-8", "replace")
    entry.local_name = local_name
    entry.data_offset = at + 30 + nlen + xlen
    if local_name != entry.name:
        view.anomalies.append(
            f"local header names {local_name!r} but the central directory names {entry.name!r}"
        )
    (lflags,) = _LOCAL_FLAGS.unpack_from(buf, at + 6)
    if (lflags ^ entry.flags) & 0x1:
        view.anomalies.append(f"member {entry.name!r}: local and central flag bits disagree")
    if entry.data_offset + entry.csize > len(buf):
        view.anomalies.append(f"member {entry.name!r} runs past the end of the file")


def read_member(buf: memoryview, entry: Entry, limit: int, view: ZipView | None = None) -> bytes:
    """Member bytes up to ``limit`` (stored or deflated); CRC checked only when read whole."""
    if entry.data_offset < 0:
        raise ZipError(f"member {entry.name!r} has no readable local header")
    raw = buf[entry.data_offset : entry.data_offset + entry.csize]
    if entry.method == 0:
        data = bytes(raw[:limit])
    elif entry.method == 8:
        inflater = zlib.decompressobj(-15)
        try:
            data = inflater.decompress(bytes(raw), limit)
        except zlib.error as exc:
            raise ZipError(f"member {entry.name!r} does not inflate: {exc}") from None
    else:
        raise ZipError(f"member {entry.name!r} uses compression method {entry.method}")
    if view is not None and len(data) == entry.usize and zlib.crc32(data) != entry.crc:
        view.anomalies.append(f"member {entry.name!r} has a wrong CRC (PyTorch ignores CRCs)")
    return data


def member_head(buf: memoryview, entry: Entry, n: int) -> bytes:
    try:
        return read_member(buf, entry, n)
    except ZipError:
        return b""
