"""A bounded zip reader: central directory, local headers and member data, parsed by hand.

``zipfile`` loads the whole central directory into memory, refuses archives whose local and
central names differ (which other tools accept), hides how many compressed bytes a member has
consumed, and cannot bound a member's output per read for every method. A scanner needs all of
that, so this module reads the structures itself and leaves policy to the caller.

Two readings of a directory: :func:`find_directory` and :func:`iter_central` follow the format
and stop at the first structure that breaks it; :func:`read_tolerant` reads like PyTorch's
loader (miniz), which ignores CRCs and most flag bits and finds members through the central
directory, and lists every deviation it tolerates. Python's ``zipfile`` refuses such files, which
is how scanners built on it were bypassed (CVE-2025-1944, CVE-2025-1945, CVE-2025-10156).
"""

from __future__ import annotations

import bz2
import lzma
import struct
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO, cast

_EOCD = struct.Struct("<4s4H2LH")
_EOCD64_LOCATOR = struct.Struct("<4sLQL")
_EOCD64 = struct.Struct("<4sQ2H2L4Q")
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
_LOCAL_LENGTHS = struct.Struct("<HH")
_LOCAL = struct.Struct("<4s2B4HL2L2H")
_MAX_COMMENT = 65535
#: Bytes from the end where the tolerant reading looks for the end record (record and comment).
_TAIL = _EOCD.size + _MAX_COMMENT
_CD_FIELDS = struct.Struct("<HHHHIIIHHH")
_CD_OFFSET = struct.Struct("<I")

STORED, DEFLATED, BZIP2, LZMA, ZSTD, ZSTD_OLD, AES = 0, 8, 12, 14, 93, 20, 99
SUPPORTED_METHODS = frozenset({STORED, DEFLATED, BZIP2, LZMA, ZSTD, ZSTD_OLD})
#: Largest LZMA dictionary accepted in a zip member (liblzma allocates it up front).
MAX_LZMA_DICT = 256 * 1024 * 1024
#: Largest zstd window accepted (zstd's own default limit, 2**27).
MAX_ZSTD_WINDOW = 1 << 27
_IN_CHUNK = 64 * 1024
#: Bytes past a local header's fixed part and name asked for ahead (its extra field).
_LOCAL_SLACK = 64
#: Told a byte range (offset, size) that is about to be read.
Prefetch = Callable[[int, int], None]


class ZipFormatError(Exception):
    """The bytes are not a zip archive the reader can follow."""


@dataclass(frozen=True, slots=True)
class ZipEntry:
    """One central-directory record; ``header_offset`` already includes any prepended junk."""

    name: str
    flags: int
    method: int
    crc: int
    compress_size: int
    file_size: int
    header_offset: int
    external_attr: int
    create_system: int
    index: int

    @property
    def encrypted(self) -> bool:
        return bool(self.flags & 0x1) or self.method == AES

    @property
    def unix_mode(self) -> int:
        return (self.external_attr >> 16) & 0xFFFF if self.create_system == 3 else 0

    @property
    def is_dir(self) -> bool:
        return self.name.endswith("/")


@dataclass(frozen=True, slots=True)
class Directory:
    """Where the central directory is and what the end record declares."""

    cd_offset: int
    cd_size: int
    declared_entries: int
    concat: int


def _decode(raw: bytes, flags: int) -> str:
    if flags & 0x800:
        return raw.decode("utf-8", errors="replace")
    return raw.decode("cp437")


def _pread(fh: BinaryIO, offset: int, size: int) -> bytes:
    fh.seek(offset)
    return fh.read(size)


def find_directory(fh: BinaryIO, size: int) -> Directory | None:
    """Locate the end-of-central-directory record (zip64 too); None when there is none."""
    tail_len = min(size, _EOCD.size + _MAX_COMMENT)
    tail = _pread(fh, size - tail_len, tail_len)
    pos = tail.rfind(b"PK\x05\x06")
    while pos >= 0 and len(tail) - pos < _EOCD.size:
        pos = tail.rfind(b"PK\x05\x06", 0, pos)
    if pos < 0:
        return None
    eocd_pos = size - tail_len + pos
    _sig, _disk, _cd_disk, _n_here, n_total, cd_size, cd_offset, _clen = _EOCD.unpack_from(
        tail, pos
    )
    directory_end = eocd_pos
    entries = n_total
    locator_pos = eocd_pos - _EOCD64_LOCATOR.size
    if locator_pos >= 0:
        locator = _pread(fh, locator_pos, _EOCD64_LOCATOR.size)
        if locator[:4] == b"PK\x06\x07":
            eocd64_pos = locator_pos - _EOCD64.size
            record = _pread(fh, eocd64_pos, _EOCD64.size) if eocd64_pos >= 0 else b""
            if len(record) == _EOCD64.size and record[:4] == b"PK\x06\x06":
                fields = _EOCD64.unpack(record)
                entries, cd_size, cd_offset = fields[7], fields[8], fields[9]
                directory_end = eocd64_pos
    concat = directory_end - cd_size - cd_offset
    if concat < 0:
        raise ZipFormatError(
            f"central directory (offset {cd_offset}, {cd_size} bytes) lies beyond its end record"
        )
    return Directory(cd_offset + concat, cd_size, entries, concat)


def iter_central(fh: BinaryIO, directory: Directory, limit: int) -> Iterator[ZipEntry]:
    """Central-directory records in order, at most ``limit`` of them."""
    pos = directory.cd_offset
    end = directory.cd_offset + directory.cd_size
    index = 0
    while pos < end and index < limit:
        head = _pread(fh, pos, _CENTRAL.size)
        if len(head) < _CENTRAL.size or head[:4] != b"PK\x01\x02":
            raise ZipFormatError(f"bad central directory record at offset {pos}")
        f = _CENTRAL.unpack(head)
        flags, method, crc, csize, usize = f[5], f[6], f[9], f[10], f[11]
        nlen, xlen, clen, eattr, offset = f[12], f[13], f[14], f[17], f[18]
        variable = fh.read(nlen + xlen)
        if len(variable) < nlen + xlen:
            raise ZipFormatError(f"central directory record at offset {pos} is truncated")
        name = _decode(variable[:nlen], flags)
        usize, csize, offset = _zip64(variable[nlen:], usize, csize, offset)
        yield ZipEntry(
            name=name,
            flags=flags,
            method=method,
            crc=crc,
            compress_size=csize,
            file_size=usize,
            header_offset=offset + directory.concat,
            external_attr=eattr,
            create_system=f[2],
            index=index,
        )
        index += 1
        pos += _CENTRAL.size + nlen + xlen + clen


def _zip64(extra: bytes, usize: int, csize: int, offset: int) -> tuple[int, int, int]:
    pos = 0
    while pos + 4 <= len(extra):
        tag, length = struct.unpack_from("<HH", extra, pos)
        body = extra[pos + 4 : pos + 4 + length]
        if tag == 0x0001:
            values = [int.from_bytes(body[i : i + 8], "little") for i in range(0, len(body) - 7, 8)]
            if usize == 0xFFFFFFFF and values:
                usize = values.pop(0)
            if csize == 0xFFFFFFFF and values:
                csize = values.pop(0)
            if offset == 0xFFFFFFFF and values:
                offset = values.pop(0)
            break
        pos += 4 + length
    return usize, csize, offset


@dataclass(frozen=True, slots=True)
class LocalHeader:
    """A member's local file header: what precedes its data in the zip."""

    name: str
    flags: int
    method: int
    data_offset: int
    compress_size: int
    file_size: int


def read_local(fh: BinaryIO, offset: int) -> LocalHeader:
    head = _pread(fh, offset, _LOCAL.size)
    if len(head) < _LOCAL.size or head[:4] != b"PK\x03\x04":
        raise ZipFormatError(f"no local file header at offset {offset}")
    f = _LOCAL.unpack(head)
    flags, method, csize, usize, nlen, xlen = f[3], f[4], f[8], f[9], f[10], f[11]
    variable = fh.read(nlen + xlen)
    if len(variable) < nlen + xlen:
        raise ZipFormatError(f"local file header at offset {offset} is truncated")
    usize, csize, _ = _zip64(variable[nlen:], usize, csize, 0)
    return LocalHeader(
        _decode(variable[:nlen], flags),
        flags,
        method,
        offset + _LOCAL.size + nlen + xlen,
        csize,
        usize,
    )


def scan_local_headers(fh: BinaryIO, size: int, limit: int) -> Iterator[ZipEntry]:
    """Entries found by walking local headers from the first one: the fallback for archives
    whose central directory is missing or broken. Entries with a data descriptor and no sizes
    end the walk (their length cannot be known without decompressing)."""
    head = _pread(fh, 0, min(size, 1 << 20))
    pos = head.find(b"PK\x03\x04")
    index = 0
    while 0 <= pos < size and index < limit:
        try:
            local = read_local(fh, pos)
        except ZipFormatError:
            return
        if local.flags & 0x8 and local.compress_size == 0:
            return
        yield ZipEntry(
            name=local.name,
            flags=local.flags,
            method=local.method,
            crc=0,
            compress_size=local.compress_size,
            file_size=local.file_size,
            header_offset=pos,
            external_attr=0,
            create_system=0,
            index=index,
        )
        index += 1
        pos = local.data_offset + local.compress_size
        if local.flags & 0x8:
            marker = _pread(fh, pos, 4)
            pos += 16 if marker == b"PK\x07\x08" else 12
        if _pread(fh, pos, 4) != b"PK\x03\x04":
            return


class MemberData:
    """Decompressed chunks of one member, bounded per read, with the bytes consumed counted."""

    def __init__(self, fh: BinaryIO, offset: int, compress_size: int, method: int) -> None:
        self._fh = fh
        self._pos = offset
        self._left = compress_size
        self.method = method
        self.consumed = 0
        self.produced = 0
        self.crc = 0
        #: True when the compressed data ended before its stream's end marker.
        self.truncated = False
        #: True when the input ran out before the declared compressed size.
        self.short = False

    def _raw(self, size: int = _IN_CHUNK) -> Iterator[bytes]:
        while self._left > 0:
            self._fh.seek(self._pos)
            data = self._fh.read(min(size, self._left))
            if not data:
                self.short = True
                return
            self._pos += len(data)
            self._left -= len(data)
            self.consumed += len(data)
            yield data

    def chunks(self, out_chunk: int) -> Iterator[bytes]:
        for piece in self._decompressed(out_chunk):
            if piece:
                self.produced += len(piece)
                self.crc = zlib.crc32(piece, self.crc)
                yield piece

    def _decompressed(self, out_chunk: int) -> Iterator[bytes]:
        if self.method == STORED:
            yield from self._raw(out_chunk)  # a member's head reads its head, not 64 KiB
        elif self.method == DEFLATED:
            yield from self._inflate(out_chunk)
        elif self.method == BZIP2:
            yield from _bounded(self._raw(), bz2.BZ2Decompressor(), out_chunk, self)
        elif self.method == LZMA:
            yield from self._lzma(out_chunk)
        elif self.method in (ZSTD, ZSTD_OLD):
            yield from self._zstd(out_chunk)
        else:
            raise ZipFormatError(f"unsupported compression method {self.method}")

    def _inflate(self, out_chunk: int) -> Iterator[bytes]:
        d = zlib.decompressobj(-15)
        for raw in self._raw():
            data = raw
            while data:
                out = d.decompress(data, out_chunk)
                yield out
                if d.eof:
                    return
                if not out and d.unconsumed_tail == data:
                    break
                data = d.unconsumed_tail
        if not d.eof:
            yield d.flush()
            self.truncated = True

    def _lzma(self, out_chunk: int) -> Iterator[bytes]:
        raw = self._raw()
        header = b""
        for piece in raw:
            header += piece
            if len(header) >= 4 and len(header) >= 4 + int.from_bytes(header[2:4], "little"):
                break
        if len(header) < 9:
            raise ZipFormatError("LZMA member header is truncated")
        props_len = int.from_bytes(header[2:4], "little")
        props = header[4 : 4 + props_len]
        if props_len != 5 or props[0] >= 9 * 5 * 5:
            raise ZipFormatError("LZMA member has invalid properties")
        dict_size = int.from_bytes(props[1:5], "little")
        if dict_size > MAX_LZMA_DICT:
            raise ZipFormatError(f"LZMA dictionary of {dict_size} bytes exceeds the limit")
        lc, rest = props[0] % 9, props[0] // 9
        lzma1 = {"id": lzma.FILTER_LZMA1, "lc": lc, "lp": rest % 5, "pb": rest // 5}
        filters: list[dict[str, Any]] = [{**lzma1, "dict_size": dict_size}]
        dec = lzma.LZMADecompressor(format=lzma.FORMAT_RAW, filters=filters)

        def source() -> Iterator[bytes]:
            yield header[4 + props_len :]
            yield from raw

        yield from _bounded(source(), dec, out_chunk, self)

    def _zstd(self, out_chunk: int) -> Iterator[bytes]:
        import zstandard  # only zstd members need it: most scans never load it

        reader = _IterReader(self._raw())
        dctx = zstandard.ZstdDecompressor(max_window_size=MAX_ZSTD_WINDOW)
        with dctx.stream_reader(cast(BinaryIO, reader), read_across_frames=True) as stream:
            while True:
                out = stream.read(out_chunk)
                if not out:
                    return
                yield out


class _IterReader:
    """A minimal file-like object over an iterator of byte chunks."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._buf = b""

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buf) < size:
            nxt = next(self._chunks, None)
            if nxt is None:
                break
            self._buf += nxt
        if size < 0:
            out, self._buf = self._buf, b""
        else:
            out, self._buf = self._buf[:size], self._buf[size:]
        return out


def _bounded(
    raw: Iterator[bytes],
    dec: bz2.BZ2Decompressor | lzma.LZMADecompressor,
    out_chunk: int,
    state: MemberData,
) -> Iterator[bytes]:
    """Drive a bz2/lzma decompressor without ever producing more than ``out_chunk`` per call."""
    for data in raw:
        out = dec.decompress(data, out_chunk)
        yield out
        while not dec.eof and not dec.needs_input:
            out = dec.decompress(b"", out_chunk)
            if not out:
                break
            yield out
        if dec.eof:
            return
    if not dec.eof:
        state.truncated = True


@dataclass(slots=True)
class Tolerant:
    """A directory read the way PyTorch's loader reads it, with what was tolerated."""

    entries: list[ZipEntry]
    #: Local header of each entry (by index), None where there is none to read.
    locals: dict[int, LocalHeader | None]
    anomalies: list[str]
    #: Why the directory cannot be used at all (the entries read before it stay listed).
    error: str | None = None


def read_tolerant(
    fh: BinaryIO, size: int, max_entries: int, prefetch: Prefetch | None = None
) -> Tolerant:
    """The central directory and each local header, read as PyTorch reads them; never raises.
    ``prefetch`` is told the ranges about to be read (the directory, then every local header at
    once), so that a file not in the page cache is read in parallel requests, not one by one."""
    found = Tolerant([], {}, [])
    try:
        _read_tolerant(fh, size, max_entries, found, prefetch)
    except (struct.error, ValueError, OverflowError) as exc:
        found.error = f"central directory is truncated or corrupt ({exc})"
    return found


def _tolerant_end(fh: BinaryIO, size: int, found: Tolerant) -> tuple[int, ...] | None:
    """Where the end record is, the bytes after it, where the central directory ends, its size,
    its declared offset and its entry count."""
    tail_start = max(0, size - _TAIL)
    at = _pread(fh, tail_start, size - tail_start).rfind(b"PK\x05\x06")
    eocd = -1 if at < 0 else tail_start + at
    if eocd < 0 or eocd + 22 > size:
        found.error = "no end-of-central-directory record (truncated or not a zip)"
        return None
    (_, _, _, total, cd_size, cd_offset, comment_len) = struct.unpack(
        "<HHHHIIH", _pread(fh, eocd + 4, 18)
    )
    cd_end = eocd
    if eocd >= 20 and _pread(fh, eocd - 20, 4) == b"PK\x06\x07":
        (eocd64_off,) = struct.unpack("<Q", _pread(fh, eocd - 12, 8))
        # the locator's offset may be shifted by prepended data: look just before the locator
        candidate = eocd - 20 - 56
        if candidate >= 0 and _pread(fh, candidate, 4) == b"PK\x06\x06":
            eocd64_at = candidate
        elif 0 <= eocd64_off < size and _pread(fh, eocd64_off, 4) == b"PK\x06\x06":
            eocd64_at = eocd64_off
        else:
            eocd64_at = -1
        if eocd64_at >= 0:
            total, cd_size, cd_offset = struct.unpack("<QQQ", _pread(fh, eocd64_at + 32, 24))
            cd_end = eocd64_at
    return size - (eocd + 22 + comment_len), cd_end, cd_size, cd_offset, total


def _read_tolerant(
    fh: BinaryIO, size: int, max_entries: int, found: Tolerant, prefetch: Prefetch | None
) -> None:
    end = _tolerant_end(fh, size, found)
    if end is None:
        return
    trailing, cd_end, cd_size, cd_offset, total = end
    actual_cd = cd_end - cd_size
    if actual_cd < 0:
        found.error = "central directory size points before the start of the file"
        return
    shift = actual_cd - cd_offset
    if shift < 0:
        found.anomalies.append(
            f"central directory offset {cd_offset} lies beyond its real position {actual_cd}"
        )
        shift = 0
    if trailing > 0:
        found.anomalies.append(f"{trailing} bytes of trailing data after the end of the zip")
    if total > max_entries:
        found.error = f"{total} members exceed the budget of {max_entries}"
        return
    pos = actual_cd
    if prefetch is not None:
        prefetch(actual_cd, cd_size)
    seen: set[str] = set()
    for index in range(total):
        record = _pread(fh, pos, _CENTRAL.size)
        if record[:4] != b"PK\x01\x02":
            found.anomalies.append(f"central directory entry at {pos} has a bad signature")
            break
        (flags, method, _t, _d, crc, csize, usize, nlen, xlen, clen) = _CD_FIELDS.unpack(
            record[8:34]
        )
        (offset,) = _CD_OFFSET.unpack(record[42:46])
        variable = _pread(fh, pos + _CENTRAL.size, nlen + xlen)
        name = variable[:nlen].decode("utf-8", "replace")
        if xlen:
            usize, csize, offset = _zip64(variable[nlen : nlen + xlen], usize, csize, offset)
        entry = ZipEntry(name, flags, method, crc, csize, usize, offset + shift, 0, 0, index)
        if name in seen:
            found.anomalies.append(f"member {name!r} appears twice in the central directory")
        seen.add(name)
        if flags & 0x1:
            found.anomalies.append(
                f"member {name!r} has the encrypted flag set (loaders ignore it)"
            )
        found.entries.append(entry)
        pos += _CENTRAL.size + nlen + xlen + clen
    first_local = min((e.header_offset for e in found.entries), default=actual_cd)
    if first_local > 0:
        found.anomalies.append(f"{first_local} bytes precede the first zip member (polyglot?)")
    if prefetch is not None:
        for entry in found.entries:
            prefetch(entry.header_offset, _LOCAL.size + len(entry.name.encode()) + _LOCAL_SLACK)
    for entry in found.entries:
        found.locals[entry.index] = _tolerant_local(fh, size, entry, found)


def _tolerant_local(
    fh: BinaryIO, size: int, entry: ZipEntry, found: Tolerant
) -> LocalHeader | None:
    at = entry.header_offset
    head = _pread(fh, at, _LOCAL.size) if 0 <= at <= size - _LOCAL.size else b""
    if len(head) < _LOCAL.size or head[:4] != b"PK\x03\x04":
        found.anomalies.append(f"member {entry.name!r} has no local header at {at}")
        return None
    lflags, nlen, xlen = struct.unpack_from("<H", head, 6)[0], *_LOCAL_LENGTHS.unpack_from(head, 26)
    local_name = _pread(fh, at + _LOCAL.size, nlen).decode("utf-8", "replace")
    data_offset = at + _LOCAL.size + nlen + xlen
    if local_name != entry.name:
        found.anomalies.append(
            f"local header names {local_name!r} but the central directory names {entry.name!r}"
        )
    if (lflags ^ entry.flags) & 0x1:
        found.anomalies.append(f"member {entry.name!r}: local and central flag bits disagree")
    if data_offset + entry.compress_size > size:
        found.anomalies.append(f"member {entry.name!r} runs past the end of the file")
    return LocalHeader(local_name, lflags, entry.method, data_offset, entry.compress_size, 0)
