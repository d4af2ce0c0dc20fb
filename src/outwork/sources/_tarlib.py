"""A bounded reader of tar headers (ustar, GNU and pax) over a forward-only byte stream.

``tarfile`` reads pax and GNU long-name records whole into memory, whatever size their header
declares, and reads compressed streams through its own buffering; a scanner cannot bound either.
This reader parses the 512-byte headers itself, caps every metadata record, never seeks backwards
and never trusts a declared size beyond the bytes that actually arrive.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

BLOCK = 512
#: Largest pax or GNU long-name record read into memory.
MAX_META_BYTES = 1024 * 1024

#: Type flags whose data is file content.
REGULAR_TYPES = frozenset({b"0", b"\x00", b"7", b"S", b"M"})
HARDLINK = b"1"
SYMLINK = b"2"
DEVICE_TYPES = frozenset({b"3", b"4", b"6"})
DIRECTORY = b"5"
#: Types that carry nothing to analyse and nothing dangerous (volume labels, GNU dump-dirs).
IGNORED_TYPES = frozenset({b"V", b"D"})
_META_TYPES = frozenset({b"x", b"g", b"L", b"K", b"X"})


class ByteSource(Protocol):
    def read(self, size: int, /) -> bytes: ...


class TarFormatError(Exception):
    """The stream is not a well-formed tar archive at some offset."""


class TarTruncatedError(TarFormatError):
    """The stream ended inside a header or a member's data."""


@dataclass(frozen=True, slots=True)
class TarMember:
    """One member header of a tar archive, as the reader found it."""

    name: str
    type: bytes
    size: int
    mode: int
    linkname: str
    offset: int
    uid: int = 0
    gid: int = 0


def looks_like_tar(block: bytes) -> bool:
    """Whether ``block`` is a tar header with a valid checksum (ustar magic or not)."""
    if len(block) < BLOCK or block[:BLOCK] == bytes(BLOCK):
        return False
    try:
        return _checksum_ok(block[:BLOCK])
    except TarFormatError:
        return False


def _checksum_ok(block: bytes) -> bool:
    stored = _number(block[148:156])
    rest = block[:148] + block[156:BLOCK]
    unsigned = sum(rest) + 8 * 32
    if stored == unsigned:
        return True
    return stored == unsigned - 256 * sum(1 for b in rest if b > 127)  # historic signed sums


def _number(field: bytes) -> int:
    if field[:1] and field[0] & 0x80:
        value = int.from_bytes(field, "big")
        if field[0] == 0xFF:
            value -= 1 << (8 * len(field))  # negative base-256
        else:
            value &= (1 << (8 * len(field) - 1)) - 1
        return value
    text = field.split(b"\x00", 1)[0].strip(b" \x00")
    if not text:
        return 0
    try:
        return int(text, 8)
    except ValueError:
        raise TarFormatError(f"invalid number field {field!r}") from None


def _text(field: bytes) -> str:
    return field.split(b"\x00", 1)[0].decode("utf-8", errors="replace")


class TarReader:
    """Members of a tar stream, one at a time; read a member's data before asking for the next."""

    def __init__(
        self, source: ByteSource, first: bytes = b"", skip: Callable[[int], int] | None = None
    ) -> None:
        self._source = source
        self._pending = first
        #: Moves a seekable source forward by up to n bytes, returning how many it moved: data
        #: nobody reads is then passed over instead of read.
        self._seek = skip
        self.offset = 0
        self._left = 0
        self._pad = 0

    def _read(self, size: int) -> bytes:
        """Up to ``size`` bytes; fewer only at the end of the stream."""
        parts: list[bytes] = []
        if self._pending:
            parts.append(self._pending[:size])
            self._pending = self._pending[size:]
        got = len(parts[0]) if parts else 0
        while got < size:
            chunk = self._source.read(size - got)
            if not chunk:
                break
            parts.append(chunk)
            got += len(chunk)
        self.offset += got
        return b"".join(parts)

    def _read_exact(self, size: int, what: str) -> bytes:
        parts: list[bytes] = []
        want = size
        while want > 0:
            chunk = self._read(min(want, 1 << 20))
            if not chunk:
                raise TarTruncatedError(f"stream ends inside {what} at offset {self.offset}")
            parts.append(chunk)
            want -= len(chunk)
        return b"".join(parts)

    def _skip(self, size: int, what: str) -> None:
        if self._seek is not None and not self._pending and size > 0:
            moved = self._seek(size)
            self.offset += moved
            if moved < size:
                raise TarTruncatedError(f"stream ends inside {what} at offset {self.offset}")
            return
        while size > 0:
            chunk = self._read(min(size, 1 << 20))
            if not chunk:
                raise TarTruncatedError(f"stream ends inside {what} at offset {self.offset}")
            size -= len(chunk)

    def read_data(self, limit: int) -> bytes:
        """Up to ``limit`` bytes of the current member's data (the rest is skipped by next())."""
        take = min(limit, self._left)
        data = self._read_exact(take, "member data")
        self._left -= take
        return data

    def skip_data(self) -> None:
        self._skip(self._left, "member data")
        self._left = 0

    def drain(self) -> None:
        """Read to the end of the stream, so that a compressed stream's corruption shows."""
        while self._read(1 << 20):
            pass

    def next(self) -> TarMember | None:
        """The next member, or None at the end of the archive."""
        self.skip_data()
        self._skip(self._pad, "padding")
        self._pad = 0
        overrides: dict[str, str] = {}
        while True:
            start = self.offset
            block = self._read(BLOCK)
            if not block:
                return None  # end of stream on a header boundary without an end marker
            if len(block) < BLOCK:
                raise TarTruncatedError(f"stream ends inside a header at offset {start}")
            if block == bytes(BLOCK):
                return None
            if not _checksum_ok(block):
                raise TarFormatError(f"header checksum mismatch at offset {start}")
            type_ = block[156:157]
            size = _number(block[124:136])
            if size < 0:
                raise TarFormatError(f"negative member size at offset {start}")
            pad = (-size) % BLOCK
            if type_ in _META_TYPES:
                if size > MAX_META_BYTES:
                    raise TarFormatError(
                        f"metadata record of {size} bytes at offset {start} exceeds "
                        f"{MAX_META_BYTES} bytes"
                    )
                meta = self._read_exact(size, "a metadata record")
                self._skip(pad, "padding")
                if type_ in (b"x", b"X"):
                    overrides.update(_pax(meta, start))
                elif type_ == b"L":
                    overrides["path"] = _text(meta)
                elif type_ == b"K":
                    overrides["linkpath"] = _text(meta)
                continue
            name = _text(block[0:100])
            if block[257:263] == b"ustar\x00":
                prefix = _text(block[345:500])
                if prefix:
                    name = f"{prefix}/{name}"
            name = overrides.get("path", name)
            linkname = overrides.get("linkpath", _text(block[157:257]))
            if "size" in overrides:
                try:
                    size = int(overrides["size"])
                except ValueError:
                    raise TarFormatError(f"invalid pax size at offset {start}") from None
                if size < 0:
                    raise TarFormatError(f"negative pax size at offset {start}")
                pad = (-size) % BLOCK
            mode = _number(block[100:108]) & 0o7777777
            if type_ in (HARDLINK, SYMLINK, *DEVICE_TYPES, DIRECTORY) and "size" not in overrides:
                size, pad = 0, 0  # these carry no data whatever the size field says
            self._left, self._pad = size, pad
            uid, gid = _owner(block, overrides)
            return TarMember(name, type_, size, mode, linkname, start, uid, gid)


def _owner(block: bytes, overrides: dict[str, str]) -> tuple[int, int]:
    """The member's owner ids (pax ``uid``/``gid`` override the header's fields)."""
    ids = []
    for key, field in (("uid", block[108:116]), ("gid", block[116:124])):
        try:
            ids.append(int(overrides[key]) if key in overrides else _number(field))
        except (ValueError, TarFormatError):
            ids.append(-1)  # unreadable: never taken for root
    return ids[0], ids[1]


def _pax(data: bytes, offset: int) -> dict[str, str]:
    found: dict[str, str] = {}
    pos = 0
    while pos < len(data):
        if data[pos:] == bytes(len(data) - pos):
            break
        space = data.find(b" ", pos, pos + 24)
        try:
            length = int(data[pos:space]) if space > pos else -1
        except ValueError:
            length = -1
        end = pos + length
        if length <= 0 or end > len(data) or data[end - 1 : end] != b"\n":
            raise TarFormatError(f"malformed pax record at offset {offset}")
        record = data[space + 1 : pos + length - 1]
        key, sep, value = record.partition(b"=")
        if not sep:
            raise TarFormatError(f"malformed pax record at offset {offset}")
        found[key.decode("utf-8", errors="replace")] = value.decode("utf-8", errors="replace")
        pos += length
    return found
