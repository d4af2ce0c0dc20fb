"""The one bounded reader of archives and compressed streams: zip, tar, gzip, bz2, xz, zstd, 7z.

Everything that opens an archive goes through ``sources``: the walk of a target
(:func:`outwork.sources.archives.iter_archive`) and the analyzers, which ask this module for the
members they read (a model's pickle, a package's sources) and never open an archive themselves.
Every read counts against one :class:`~outwork.core.budgets.Budgets` (members, bytes, ratio,
time) through a :class:`Scope`; a budget that stops reading raises a :class:`BudgetStop` that
carries the core finding reporting it. Members are read lazily and only as far as asked: the
first bytes of a member cost the first bytes, not the member.

- :func:`open_zip`: a zip's directory and random access to its members, strict (the format) or
  ``tolerant`` (what PyTorch's loader accepts, every deviation listed);
- :func:`iter_members`: the members of a zip or a tar (plain or compressed) one after the other,
  or of what a walk of the archive kept of them (:class:`MemberRecord`);
- :func:`decompress`: one compressed stream (zlib, gzip, bz2, xz, lzma, zstd, lz4), bounded.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import mmap
import time
import zlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, BinaryIO, cast

from outwork.core.artifact import Artifact, Kind, MemberNeeds, ReadMember
from outwork.core.budgets import WALL_SECONDS_PER_CPU_SECOND, Budgets, clock
from outwork.core.corerules import ArchiveDecompressionBomb, ScanBudgetExceeded
from outwork.core.findings import Finding, Location
from outwork.core.rules import Rule
from outwork.sources import _tarlib, _ziplib

if TYPE_CHECKING:
    import zstandard

#: Ratio budgets apply once this many bytes have been produced (or a member overflows the member
#: budget). Legitimate files reach high ratios at small sizes: manylinux wheels carry 2 MiB
#: shared libraries padded with zeros (ratio 224 in Pillow 13), NumPy's sdist a 10 MiB disk image
#: template (ratio 281). A bomb is a bomb because of what it expands to, so the floor is sized
#: above those and far below any byte budget.
RATIO_FLOOR = 32 * 1024 * 1024
#: Decompressed bytes produced per step; every step checks the budgets.
CHUNK = 256 * 1024
#: Memory liblzma may use for one .xz stream (xz -9 needs 65 MiB).
XZ_MEMLIMIT = 256 * 1024 * 1024

Source = bytes | bytearray | memoryview | BinaryIO
#: Whether any selected analyzer wants a member, asked of its :class:`Probe` (the engine's).
Wants = Callable[[Artifact], bool]
#: What an analyzer that reads an archive whole reads of its members, asked of the archive
#: before the walk opens it (the engine's); None when no analyzer does.
Keeps = Callable[[Artifact], MemberNeeds | None]


class ArchiveError(Exception):
    """An archive, a member or a stream cannot be read (corrupt, truncated, unsupported)."""


class BudgetStop(ArchiveError):  # noqa: N818 - a stop, reported as a finding, not an error
    """A budget stopped reading: ``finding`` is the core finding that reports it and ``reason``
    says what was not read, so nothing a budget stops is dropped in silence."""

    def __init__(self, finding: Finding, reason: str) -> None:
        super().__init__(reason)
        self.finding = finding
        self.reason = reason


class ArchiveStop(BudgetStop):
    """A budget of the whole top-level archive ran out: stop reading all of it."""


class StreamStop(BudgetStop):
    """Stop reading one (possibly nested) archive, stream or member; the rest goes on."""


def core_finding(rule: type[Rule], path: str, message: str, evidence: str = "") -> Finding:
    return Finding(
        rule=rule,
        message=message,
        location=Location(path),
        severity=rule.severity,
        confidence=rule.confidence,
        evidence=evidence,
    )


class Scope:
    """Budgets shared by a top-level archive and everything nested inside it."""

    def __init__(
        self, budgets: Budgets, deadline: float, top: str, top_size: int, wants: Wants | None
    ) -> None:
        self.budgets = budgets
        self.deadline = deadline
        #: The wall-clock guard (:data:`~outwork.core.budgets.WALL_SECONDS_PER_CPU_SECOND`).
        self.wall_deadline = time.monotonic() + budgets.max_seconds * WALL_SECONDS_PER_CPU_SECOND
        self.top = top
        self.top_size = max(top_size, 1)
        self.wants = wants
        self.members = 0
        self.expanded = 0
        #: What the walk keeps of the top-level archive's members, when it is asked to.
        self.record: MemberRecord | None = None
        #: Archives being read inside the top-level one: what is reported meanwhile concerns
        #: their members, not the top-level archive's own.
        self.nested = 0

    def tick(self) -> None:
        if clock() > self.deadline or time.monotonic() > self.wall_deadline:
            message = (
                f"reading the archive took longer than {self.budgets.max_seconds:g} s of CPU "
                f"(or {self.budgets.max_seconds * WALL_SECONDS_PER_CPU_SECOND:g} s of wall time)"
            )
            raise ArchiveStop(
                core_finding(ScanBudgetExceeded, self.top, message, f"{self.members} members read"),
                "time budget exceeded; the rest of the archive is not scanned",
            )

    def member(self) -> None:
        self.members += 1
        if self.members > self.budgets.max_members:
            limit = self.budgets.max_members
            raise ArchiveStop(
                core_finding(
                    ScanBudgetExceeded,
                    self.top,
                    f"the archive holds more than {limit} members",
                    f"member budget {limit}",
                ),
                "member budget exceeded; the rest of the archive is not scanned",
            )
        if self.members % 256 == 0:
            self.tick()

    def grow(self, produced: int) -> None:
        """Count bytes produced by decompression or read into memory."""
        self.expanded += produced
        b = self.budgets
        if self.expanded > b.max_total_bytes:
            raise ArchiveStop(
                core_finding(
                    ArchiveDecompressionBomb,
                    self.top,
                    f"the archive expands beyond the total byte budget ({b.max_total_bytes} bytes)",
                    f"{self.expanded} bytes expanded from {self.top_size} bytes",
                ),
                "total byte budget exceeded; the rest of the archive is not scanned",
            )
        # twice the member floor, so that a single-member bomb is reported at its member
        if self.expanded > 2 * RATIO_FLOOR and self.expanded > b.max_ratio * self.top_size:
            ratio = self.expanded / self.top_size
            raise ArchiveStop(
                core_finding(
                    ArchiveDecompressionBomb,
                    self.top,
                    f"the archive expands more than {b.max_ratio:g} times its size",
                    f"{self.expanded} bytes expanded from {self.top_size} bytes "
                    f"(ratio {ratio:.0f} and growing)",
                ),
                "compression ratio budget exceeded; the rest of the archive is not scanned",
            )
        self.tick()


class Counting:
    """Counts the compressed bytes a decompressor has pulled from the underlying file."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self.consumed = 0

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self.consumed += len(data)
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readable(self) -> bool:
        return True


class XzReader:
    """Bounded xz/lzma decompression across concatenated streams, with a memory limit."""

    def __init__(self, raw: Counting) -> None:
        self._raw = raw
        self._dec = lzma.LZMADecompressor(memlimit=XZ_MEMLIMIT)
        self._eof = False

    def read(self, size: int) -> bytes:
        while not self._eof:
            if self._dec.eof:
                leftover = self._dec.unused_data
                if not leftover.strip(b"\x00"):
                    leftover = self._raw.read(64 * 1024)
                    if not leftover.strip(b"\x00"):
                        self._eof = not leftover
                        if self._eof:
                            break
                        continue
                self._dec = lzma.LZMADecompressor(memlimit=XZ_MEMLIMIT)
                out = self._dec.decompress(leftover, size)
            elif self._dec.needs_input:
                data = self._raw.read(64 * 1024)
                if not data:
                    raise EOFError("xz stream ends before its end marker")
                out = self._dec.decompress(data, size)
            else:
                out = self._dec.decompress(b"", size)
                if not out:
                    raise lzma.LZMAError("xz decompressor makes no progress")
            if out:
                return out
        return b""


class ZstdReader:
    """Bounded zstd decompression across frames that notices a stream cut inside a frame.

    Input is fed a kilobyte at a time, so one step produces at most a few megabytes even from
    run-length blocks; ``stream_reader`` would hide truncation by simply ending.
    """

    _FEED = 1024

    def __init__(self, raw: Counting) -> None:
        import zstandard  # loads with the first zstd stream: most scans never meet one

        self._raw = raw
        self._dctx = zstandard.ZstdDecompressor(max_window_size=_ziplib.MAX_ZSTD_WINDOW)
        self._obj: zstandard.ZstdDecompressionObj | None = None
        self._input = b""
        self._out = bytearray()
        self._done = False

    def read(self, size: int) -> bytes:
        while len(self._out) < size and not self._done:
            if not self._input:
                self._input = self._raw.read(64 * 1024)
                if not self._input:
                    if self._obj is not None and not self._obj.eof:
                        raise EOFError("zstd stream ends inside a frame")
                    self._done = True
                    break
            if self._obj is None or self._obj.eof:
                self._obj = self._dctx.decompressobj()
            piece, self._input = self._input[: self._FEED], self._input[self._FEED :]
            self._out += self._obj.decompress(piece)
            if self._obj.eof:
                self._input = self._obj.unused_data + self._input
        out = bytes(self._out[:size])
        del self._out[:size]
        return out


class Guarded:
    """A decompressed stream that counts what it produces against the budgets."""

    def __init__(
        self,
        read: Callable[[int], bytes],
        counting: Counting,
        scope: Scope,
        path: str,
        compressed: bool,
    ) -> None:
        self._read = read
        self._counting = counting
        self._scope = scope
        self._path = path
        self._compressed = compressed
        self.produced = 0

    def read(self, size: int) -> bytes:
        data = self._read(min(size, CHUNK))
        if not data:
            return b""
        self.produced += len(data)
        if self._compressed:
            self._scope.grow(len(data))
            b = self._scope.budgets
            consumed = max(self._counting.consumed, 1)
            if self.produced > RATIO_FLOOR and self.produced > b.max_ratio * consumed:
                raise StreamStop(
                    core_finding(
                        ArchiveDecompressionBomb,
                        self._path,
                        f"compressed stream expands more than {b.max_ratio:g} times its size",
                        f"{self.produced} bytes from {consumed} compressed bytes and growing",
                    ),
                    "decompression bomb; the rest of the stream is not scanned",
                )
        else:
            self._scope.tick()
        return data


def decompressor(kind: Kind, counting: Counting) -> Callable[[int], bytes]:
    fileobj = cast(BinaryIO, counting)
    if kind is Kind.GZIP:
        return gzip.GzipFile(fileobj=fileobj, mode="rb").read
    if kind is Kind.BZIP2:
        return bz2.BZ2File(fileobj, mode="rb").read
    if kind is Kind.XZ:
        return XzReader(counting).read
    if kind is Kind.ZSTD:
        return ZstdReader(counting).read
    return counting.read


class MemberRecord:
    """What the walk of one archive keeps of its regular members, in the archive's order, for
    an analyzer that reads the archive whole (:class:`~outwork.core.artifact.MemberNeeds`).

    The walk abandons the record when it reports anything about the archive (a budget stop, a
    bomb, a corrupt or encrypted member, an odd name: then the analyzer reads the archive
    itself, as a reader of that archive alone would see it) or when it would keep more than
    ``needs.total`` bytes.
    """

    def __init__(self, archive: str, needs: MemberNeeds) -> None:
        self.archive = archive
        self._needs = needs
        self._members: list[ReadMember] | None = []
        self._bytes = 0

    def limit(self, name: str, head: bytes) -> int:
        """Bytes to keep of the member ``name`` (as the archive spells it) starting ``head``."""
        return self._needs.bytes_of(name, head)

    def add(self, name: str, size: int, data: bytes) -> None:
        if self._members is None:
            return
        self._bytes += len(data)
        if self._bytes > self._needs.total:
            self.abandon()
            return
        self._members.append(ReadMember(name, size, data))

    def abandon(self) -> None:
        self._members = None

    def members(self) -> tuple[ReadMember, ...] | None:
        """The kept members, or None when the record was abandoned."""
        return tuple(self._members) if self._members is not None else None


# --------------------------------------------------------------------------- random access


def advise(view: memoryview | bytes, advice: int, start: int = 0, length: int = -1) -> None:
    """Tell the kernel how bytes ``start`` to ``start + length`` (-1: to the end) of a
    memory-mapped file will be read: ``mmap.MADV_RANDOM`` (each page touched is read alone,
    without the device's read-ahead of megabytes), ``MADV_WILLNEED`` (read this range now, in
    one request) or ``MADV_NORMAL``. Nothing happens for bytes in memory, nor for a slice of a
    map, whose offsets are not the file's."""
    if not isinstance(view, memoryview):
        return
    owner = view.obj
    if not isinstance(owner, mmap.mmap) or view.nbytes != len(owner) or not len(owner):
        return
    begin = max(start, 0) - max(start, 0) % mmap.PAGESIZE
    end = len(owner) if length < 0 else min(start + length, len(owner))
    if end > begin:
        owner.madvise(advice, begin, end - begin)


class ViewFile:
    """A seekable binary file over bytes in memory (a memory map's view too), without copying
    them: each read copies only the bytes it returns (and asks a map for them in one request)."""

    def __init__(self, data: bytes | bytearray | memoryview) -> None:
        self._view = memoryview(data).cast("B") if not isinstance(data, bytes) else data
        self._pos = 0
        self._mapped = isinstance(data, memoryview) and isinstance(data.obj, mmap.mmap)

    def prefetch(self, offset: int, size: int) -> None:
        """Ask for bytes that will be read soon (a memory map reads them in one request)."""
        if self._mapped:
            advise(cast(memoryview, self._view), mmap.MADV_WILLNEED, offset, size)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: len(self._view)}[whence]
        self._pos = max(base + offset, 0)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def read(self, size: int = -1) -> bytes:
        end = len(self._view) if size < 0 else self._pos + size
        if self._mapped and end - self._pos > mmap.PAGESIZE:
            self.prefetch(self._pos, end - self._pos)
        out = bytes(self._view[self._pos : end])
        self._pos += len(out)
        return out


def _file(source: Source) -> tuple[BinaryIO, int]:
    fh = (
        cast(BinaryIO, ViewFile(source))
        if isinstance(source, bytes | bytearray | memoryview)
        else source
    )
    size = fh.seek(0, io.SEEK_END)
    fh.seek(0)
    return fh, size


#: One member as the central directory describes it (its declared sizes are never trusted).
ZipMember = _ziplib.ZipEntry


#: What PyTorch's loader (miniz) decompresses: a member in another method does not load.
_LOADER_METHODS = frozenset({_ziplib.STORED, _ziplib.DEFLATED})


class ZipArchive:
    """A zip's directory, read once, and its members read on demand within the budgets.

    Strict, the directory follows the format and :func:`open_zip` raises :class:`ArchiveError`
    where it breaks. ``tolerant``, it is read as PyTorch's loader reads it: nothing raises,
    :attr:`error` says why the directory cannot be used and :attr:`anomalies` lists every
    deviation tolerated (a wrong CRC is added when a member read whole fails its check).
    """

    def __init__(
        self, source: Source, budgets: Budgets, *, path: str = "", tolerant: bool = False
    ) -> None:
        self._fh, self._size = _file(source)
        self._budgets = budgets
        self._scope = Scope(budgets, budgets.deadline(), path, self._size, None)
        self._path = path
        self._tolerant = tolerant
        self._locals: dict[int, _ziplib.LocalHeader | None] = {}
        self.anomalies: list[str] = []
        self.error: str | None = None
        if tolerant:
            prefetch = self._fh.prefetch if isinstance(self._fh, ViewFile) else None
            found = _ziplib.read_tolerant(self._fh, self._size, budgets.max_members, prefetch)
            entries, self._locals = found.entries, found.locals
            self.anomalies, self.error = found.anomalies, found.error
        else:
            entries = self._strict()
        self.members = entries
        self._offsets = [e.header_offset for e in entries]

    def _strict(self) -> list[_ziplib.ZipEntry]:
        try:
            directory = _ziplib.find_directory(self._fh, self._size)
            if directory is None:
                raise ArchiveError("no end-of-central-directory record (truncated or not a zip)")
            entries = list(_ziplib.iter_central(self._fh, directory, self._budgets.max_members + 1))
        except _ziplib.ZipFormatError as exc:
            raise ArchiveError(str(exc)) from None
        return entries  # one more than the member budget at most: counting it stops the reading

    @property
    def budgets(self) -> Budgets:
        return self._budgets

    def count_member(self) -> None:
        """Count one member against the member budget (and check the clock)."""
        self._scope.member()

    def names(self) -> list[str]:
        return [m.name for m in self.members]

    def _local(self, member: ZipMember) -> _ziplib.LocalHeader:
        if self._tolerant:
            local = self._locals.get(member.index)
            if local is None:
                raise ArchiveError(f"member {member.name!r} has no readable local header")
            return local
        try:
            return _ziplib.read_local(self._fh, self._offsets[member.index])
        except _ziplib.ZipFormatError as exc:
            raise ArchiveError(str(exc)) from None

    def read(self, member: ZipMember, limit: int | None = None) -> bytes:
        """The member's bytes, at most ``limit`` of them (None: all of it, which must fit the
        member budget, or :class:`BudgetStop` says so). Decompression stops once ``limit`` bytes
        are out. Raises :class:`ArchiveError` when the member cannot be read."""
        data = self._read(member, limit)
        if self._tolerant and len(data) == member.file_size and zlib.crc32(data) != member.crc:
            self.anomalies.append(f"member {member.name!r} has a wrong CRC (PyTorch ignores CRCs)")
        return data

    def head(self, member: ZipMember, size: int) -> bytes:
        """The member's first ``size`` bytes, or nothing when they cannot be read."""
        try:
            return self._read(member, size)
        except ArchiveError:
            return b""

    def _read(self, member: ZipMember, limit: int | None) -> bytes:
        local = self._local(member)
        methods = _LOADER_METHODS if self._tolerant else _ziplib.SUPPORTED_METHODS
        if member.method not in methods:
            raise ArchiveError(f"member {member.name!r} uses compression method {member.method}")
        if member.encrypted and not self._tolerant:
            raise ArchiveError(f"member {member.name!r} is encrypted")
        csize = min(member.compress_size, max(self._size - local.data_offset, 0))
        data = _ziplib.MemberData(self._fh, local.data_offset, csize, member.method)
        path = f"{self._path}!/{member.name}" if self._path else member.name
        try:
            return _bounded(data.chunks, limit, self._scope, path, consumed=lambda: data.consumed)
        except BudgetStop:
            raise
        except (zlib.error, lzma.LZMAError, OSError, EOFError, ValueError) as exc:
            raise ArchiveError(f"member {member.name!r} does not inflate: {exc}") from None
        except Exception as exc:  # zstd and other decompressors' own errors: fail closed
            raise ArchiveError(f"member {member.name!r} does not inflate: {exc}") from None


def _bounded(
    chunks: Callable[[int], Iterator[bytes]],
    limit: int | None,
    scope: Scope,
    path: str,
    *,
    consumed: Callable[[], int] | None,
    expanded: bool = True,
) -> bytes:
    """At most ``limit`` decompressed bytes (None: all, within the member budget), every chunk
    counted against the scope's budgets and the member's compression ratio. ``expanded`` is
    False where the bytes were already counted (a compressed tar's stream counts them)."""
    b = scope.budgets
    want = b.max_member_bytes + 1 if limit is None else limit
    out = io.BytesIO()
    produced = 0
    for chunk in chunks(max(min(CHUNK, want), 1)):
        produced += len(chunk)
        if expanded:
            scope.grow(len(chunk))
        else:
            scope.tick()
        if consumed is not None and produced > RATIO_FLOOR:
            ratio_base = max(consumed(), 1)
            if produced > b.max_ratio * ratio_base:
                raise StreamStop(
                    core_finding(
                        ArchiveDecompressionBomb,
                        path,
                        f"member expands more than {b.max_ratio:g} times its compressed size",
                        f"{produced} bytes from {ratio_base} compressed bytes and growing",
                    ),
                    "decompression bomb; member not scanned",
                )
        if produced > b.max_member_bytes:
            raise StreamStop(
                core_finding(
                    ScanBudgetExceeded,
                    path,
                    f"member larger than the member budget ({b.max_member_bytes} bytes)",
                    f"more than {b.max_member_bytes} bytes",
                ),
                f"member larger than the member budget ({b.max_member_bytes} bytes)",
            )
        out.write(chunk[: want - (produced - len(chunk))])
        if produced >= want:
            break
    return out.getvalue()


def open_zip(
    source: Source, budgets: Budgets | None = None, *, path: str = "", tolerant: bool = False
) -> ZipArchive:
    """A zip's directory and its members on demand (see :class:`ZipArchive`). ``source`` is the
    archive's bytes (a memory map's view too) or a seekable binary file."""
    return ZipArchive(source, budgets or Budgets(), path=path, tolerant=tolerant)


# --------------------------------------------------------------------------- one after the other


class Member:
    """One member met while going through an archive; read it before asking for the next."""

    __slots__ = ("_read", "encrypted", "name", "regular", "size")

    def __init__(
        self,
        name: str,
        size: int,
        read: Callable[[int | None], bytes],
        *,
        regular: bool = True,
        encrypted: bool = False,
    ) -> None:
        self.name = name
        #: Declared size (a tar header's, a zip directory's).
        self.size = size
        #: Whether it is file content (not a directory, link or device).
        self.regular = regular
        self.encrypted = encrypted
        self._read = read

    def read(self, limit: int | None = None) -> bytes:
        """Its first ``limit`` bytes (None: all, within the member budget)."""
        return self._read(limit)


_STREAM_MAGIC = (
    (b"\x1f\x8b", Kind.GZIP),
    (b"BZh", Kind.BZIP2),
    (b"\xfd7zXZ\x00", Kind.XZ),
    (b"\x28\xb5\x2f\xfd", Kind.ZSTD),
)


def iter_members(
    source: Source | tuple[ReadMember, ...], budgets: Budgets | None = None, *, path: str = ""
) -> Iterator[Member]:
    """The members of a zip or a tar (plain, gzip, bz2, xz or zstd), in the archive's order.

    ``source`` may also be what a walk of the archive kept of its regular members
    (:attr:`~outwork.core.artifact.Artifact.members`): they are read from memory, each as far
    as it was kept, without decompressing the archive again.

    Raises :class:`ArchiveError` where the archive cannot be read further and
    :class:`BudgetStop` where a budget ends the reading; members met before are already out.
    """
    budgets = budgets or Budgets()
    if isinstance(source, tuple):
        yield from _kept_members(source, budgets, path)
        return
    fh, size = _file(source)
    magic = fh.read(6)
    fh.seek(0)
    if magic[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        archive = ZipArchive(fh, budgets, path=path)
        for member in archive.members:
            archive.count_member()
            yield Member(
                member.name,
                member.file_size,
                _zip_reader(archive, member),
                regular=not member.is_dir,
                encrypted=member.encrypted,
            )
        return
    kind = next((k for m, k in _STREAM_MAGIC if magic.startswith(m)), Kind.TAR)
    yield from _tar_members(fh, size, kind, budgets, path)


def _kept_members(members: tuple[ReadMember, ...], budgets: Budgets, path: str) -> Iterator[Member]:
    """Members a walk kept, counted against the member budget and the clock as when read."""
    scope = Scope(budgets, budgets.deadline(), path, 1, None)
    for member in members:
        scope.member()
        yield Member(member.name, member.size, _kept_reader(member))


def _kept_reader(member: ReadMember) -> Callable[[int | None], bytes]:
    def read(limit: int | None) -> bytes:
        data = member.data
        if len(data) < member.size and (limit is None or limit > len(data)):
            raise ArchiveError(
                f"member {member.name!r}: only its first {len(data)} bytes were kept by the walk"
            )
        return data if limit is None else data[:limit]

    return read


def _zip_reader(archive: ZipArchive, member: ZipMember) -> Callable[[int | None], bytes]:
    def read(limit: int | None) -> bytes:
        return archive.read(member, limit)

    return read


def _seeker(fh: BinaryIO, size: int, scope: Scope) -> Callable[[int], int]:
    """Skips forward in a plain tar on a seekable file (a compressed one must be read)."""

    def skip(wanted: int) -> int:
        scope.tick()
        here = fh.tell()
        moved = min(wanted, max(size - here, 0))
        fh.seek(here + moved)
        return moved

    return skip


def _tar_members(
    fh: BinaryIO, size: int, kind: Kind, budgets: Budgets, path: str
) -> Iterator[Member]:
    scope = Scope(budgets, budgets.deadline(), path, size, None)
    counting = Counting(fh)
    source = Guarded(decompressor(kind, counting), counting, scope, path, kind is not Kind.TAR)
    reader = _tarlib.TarReader(source, skip=_seeker(fh, size, scope) if kind is Kind.TAR else None)

    def read(limit: int | None) -> bytes:
        try:
            return _bounded(
                lambda step: iter(lambda: reader.read_data(step), b""),
                limit,
                scope,
                path,
                consumed=None,
                expanded=False,
            )
        except BudgetStop:
            raise
        except Exception as exc:  # corrupt or truncated streams of every kind: fail closed
            raise ArchiveError(f"{type(exc).__name__}: {exc}") from None

    while True:
        try:
            member = reader.next()
        except BudgetStop:
            raise
        except Exception as exc:  # corrupt headers and streams of every kind: fail closed
            raise ArchiveError(f"{type(exc).__name__}: {exc}") from None
        if member is None:
            return
        scope.member()
        regular = member.type in _tarlib.REGULAR_TYPES and not member.name.endswith("/")
        yield Member(member.name, member.size, read, regular=regular)


# --------------------------------------------------------------------------- one stream

#: Codecs :func:`decompress` reads: joblib's and the archive streams'.
CODECS = ("zlib", "joblib-zfile", "lzma", "bz2", "lz4", "gzip", "xz", "zstd")


def decompress(
    codec: str, data: bytes | memoryview, budgets: Budgets | None = None, limit: int | None = None
) -> bytes:
    """At most ``limit`` bytes (None: the member budget) of one compressed stream.

    The output is bounded by the member budget whatever the stream declares; raises
    :class:`ArchiveError` when the stream is broken or the codec unknown or missing.
    """
    budgets = budgets or Budgets()
    want = budgets.max_member_bytes if limit is None else min(limit, budgets.max_member_bytes)
    raw = bytes(data)
    try:
        return _decompress(codec, raw, want)
    except ArchiveError:
        raise
    except Exception as exc:  # every decompressor's own errors on hostile bytes: fail closed
        raise ArchiveError(f"{codec} stream is broken: {exc}") from None


def _decompress(codec: str, raw: bytes, want: int) -> bytes:
    if codec == "zlib":
        return zlib.decompressobj().decompress(raw, want)
    if codec == "joblib-zfile":
        return zlib.decompressobj().decompress(raw[raw.index(b"\n") + 1 :], want)
    if codec == "lzma":
        decoder = lzma.LZMADecompressor(format=lzma.FORMAT_ALONE, memlimit=XZ_MEMLIMIT)
        return decoder.decompress(raw, want)
    if codec == "bz2":
        return bz2.BZ2Decompressor().decompress(raw, want)
    if codec == "lz4":
        try:
            import lz4.frame  # an optional dependency: only lz4-compressed joblib files need it
        except ImportError:
            raise ArchiveError("lz4 is not installed; cannot read lz4-compressed joblib") from None
        out: bytes = lz4.frame.LZ4FrameDecompressor().decompress(raw, want)
        return out
    if codec in ("gzip", "xz", "zstd"):
        kind = {"gzip": Kind.GZIP, "xz": Kind.XZ, "zstd": Kind.ZSTD}[codec]
        counting = Counting(cast(BinaryIO, ViewFile(raw)))
        read = decompressor(kind, counting)
        out_bytes = io.BytesIO()
        while out_bytes.tell() < want:
            piece = read(min(CHUNK, want - out_bytes.tell()))
            if not piece:
                break
            out_bytes.write(piece)
        return out_bytes.getvalue()
    raise ArchiveError(f"unknown compression {codec}")


__all__ = [
    "CODECS",
    "ArchiveError",
    "ArchiveStop",
    "BudgetStop",
    "Keeps",
    "Member",
    "MemberRecord",
    "Scope",
    "StreamStop",
    "ZipArchive",
    "ZipMember",
    "decompress",
    "iter_members",
    "open_zip",
]
