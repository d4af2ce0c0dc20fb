"""Archive sources: members of zip, tar, compressed streams and 7z, read in memory within budgets.

Nothing is extracted to disk and nothing trusts a declared size: members are decompressed in
bounded chunks while the bytes actually produced are counted against the budgets of the
top-level archive (members, total bytes, compression ratio, depth, path length and time).
Hostile structures (bombs, traversal, links out of the tree, special files, corrupt data) become
core findings, and reading goes on safely wherever it can.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import lzma
import re
import stat
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, BinaryIO, cast

from outwork.core.artifact import (
    ARCHIVE_KINDS,
    HEAD_BYTES,
    NOT_HELD,
    PROBE_BYTES,
    Artifact,
    Kind,
    Probe,
    classify,
    join_member,
    refine_zip,
)
from outwork.core.budgets import Budgets
from outwork.core.corerules import (
    ArchiveDecompressionBomb,
    ArchiveLinkEscape,
    ArchiveNestingTooDeep,
    ArchivePathTraversal,
    ArchiveSpecialFile,
    ArchiveUnreadable,
    ScanBudgetExceeded,
)
from outwork.core.findings import Finding, Location, Skip
from outwork.core.rules import Rule
from outwork.sources import _tarlib, _ziplib

if TYPE_CHECKING:
    import zstandard

Yielded = Artifact | Finding | Skip
#: Whether any selected analyzer wants a member, asked of its :class:`Probe` (the engine's).
Wants = Callable[[Artifact], bool]

#: Ratio budgets apply once this many bytes have been produced (or a member overflows the member
#: budget). Legitimate files reach high ratios at small sizes: manylinux wheels carry 2 MiB
#: shared libraries padded with zeros (ratio 224 in Pillow 13), NumPy's sdist a 10 MiB disk image
#: template (ratio 281). A bomb is a bomb because of what it expands to, so the floor is sized
#: above those and far below any byte budget.
RATIO_FLOOR = 32 * 1024 * 1024
#: Decompressed bytes produced per step; every step checks the budgets.
CHUNK = 256 * 1024
#: Largest link target read from a zip symlink member.
MAX_LINK_BYTES = 4096
#: Memory liblzma may use for one .xz stream (xz -9 needs 65 MiB).
XZ_MEMLIMIT = 256 * 1024 * 1024
#: Characters of an over-long member name kept in its logical path.
SHOWN_NAME = 200

_DRIVE_RE = re.compile(r"^[A-Za-z]:")
_STREAM_SUFFIXES = {
    Kind.GZIP: (".tgz", ".gz", ".gzip", ".z"),
    Kind.BZIP2: (".tbz2", ".tbz", ".bz2", ".bzip2"),
    Kind.XZ: (".txz", ".xz", ".lzma"),
    Kind.ZSTD: (".tzst", ".zst", ".zstd"),
}


def iter_archive(
    artifact: Artifact,
    budgets: Budgets,
    *,
    depth: int,
    deadline: float,
    wants: Wants | None = None,
) -> Iterator[Yielded]:
    """Members of an archive artifact, as artifacts with logical paths joined by ``!/``.

    Nested archives are opened recursively up to ``budgets.max_depth``; ``depth`` is the nesting
    level of ``artifact`` itself (1 for an archive named by the user). Findings about the
    archive's structure and skips with their reasons are yielded in between.

    Every member is decompressed to its end, so that budgets, bombs, truncation, CRC and
    duplicate checks see all of it, and hashed on the way (its sha256 comes with it). With
    ``wants``, a member longer than :data:`PROBE_BYTES` that is not an archive is shown to it as
    a :class:`Probe` once that much is read; when nobody wants it, the rest is streamed through
    the checks without being kept, and it is yielded tagged :data:`NOT_HELD` (counted, its kind
    and size known, no content). So memory follows the largest member someone reads, not the
    largest member.
    """
    top = artifact.path if depth <= 1 or not artifact.root else artifact.root
    scope = _Scope(budgets, deadline, top, artifact.size, wants)
    try:
        yield from _open(artifact, scope, depth)
    except _Stop as stop:
        yield stop.finding
        yield Skip(stop.finding.location.path, stop.reason)


class _Stop(Exception):  # noqa: N818 - control flow, not an error
    """A budget of the whole top-level archive ran out: stop reading all of it."""

    def __init__(self, finding: Finding, reason: str) -> None:
        super().__init__(reason)
        self.finding = finding
        self.reason = reason


class _Abandon(Exception):  # noqa: N818 - control flow, not an error
    """Stop reading one (possibly nested) archive, reporting why; the rest goes on."""

    def __init__(self, finding: Finding, reason: str) -> None:
        super().__init__(reason)
        self.finding = finding
        self.reason = reason


def _finding(rule: type[Rule], path: str, message: str, evidence: str = "") -> Finding:
    return Finding(
        rule=rule,
        message=message,
        location=Location(path),
        severity=rule.severity,
        confidence=rule.confidence,
        evidence=evidence,
    )


class _Scope:
    """Budgets shared by a top-level archive and everything nested inside it."""

    def __init__(
        self, budgets: Budgets, deadline: float, top: str, top_size: int, wants: Wants | None
    ) -> None:
        self.budgets = budgets
        self.deadline = deadline
        self.top = top
        self.top_size = max(top_size, 1)
        self.wants = wants
        self.members = 0
        self.expanded = 0

    def tick(self) -> None:
        if time.monotonic() > self.deadline:
            message = f"reading the archive took longer than {self.budgets.max_seconds:g} s"
            raise _Stop(
                _finding(ScanBudgetExceeded, self.top, message, f"{self.members} members read"),
                "time budget exceeded; the rest of the archive is not scanned",
            )

    def member(self) -> None:
        self.members += 1
        if self.members > self.budgets.max_members:
            limit = self.budgets.max_members
            raise _Stop(
                _finding(
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
            raise _Stop(
                _finding(
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
            raise _Stop(
                _finding(
                    ArchiveDecompressionBomb,
                    self.top,
                    f"the archive expands more than {b.max_ratio:g} times its size",
                    f"{self.expanded} bytes expanded from {self.top_size} bytes "
                    f"(ratio {ratio:.0f} and growing)",
                ),
                "compression ratio budget exceeded; the rest of the archive is not scanned",
            )
        self.tick()


# --------------------------------------------------------------------------- dispatch


def _open(artifact: Artifact, scope: _Scope, depth: int) -> Iterator[Yielded]:
    if depth > scope.budgets.max_depth:
        yield _finding(
            ArchiveNestingTooDeep,
            artifact.path,
            f"archive nested deeper than {scope.budgets.max_depth} levels",
            f"depth {depth}",
        )
        yield Skip(artifact.path, "nested deeper than the depth budget; members not scanned")
        return
    opener = _OPENERS.get(artifact.kind)
    if opener is None:
        return
    try:
        yield from opener(artifact, scope, depth)
    except _Stop:
        raise
    except _Abandon as exc:
        yield exc.finding
        yield Skip(artifact.path, exc.reason)
    except Exception as exc:  # hostile bytes reach deep into parsers: fail closed
        yield _unreadable(artifact.path, exc)


def _unreadable(path: str, exc: BaseException, what: str = "archive") -> Finding:
    detail = str(exc) or type(exc).__name__
    return _finding(
        ArchiveUnreadable,
        path,
        f"{what} is truncated or corrupt; members after the error are not scanned",
        f"{type(exc).__name__}: {detail}"[:500],
    )


def _member_name(name: str) -> str:
    while name.startswith("./"):
        name = name[2:]
    return name.replace("\x00", "\\x00")


def traversal(name: str) -> str | None:
    """Why extracting a member called ``name`` would leave the destination, or None."""
    if name.startswith(("//", "\\\\")):
        return "UNC path"
    if name.startswith(("/", "\\")):
        return "absolute path"
    if _DRIVE_RE.match(name):
        return "Windows drive path"
    level = 0
    for part in re.split(r"[\\/]", name):
        if part == "..":
            level -= 1
            if level < 0:
                return "backslash climb out with '..'" if "\\" in name else "climbs out with '..'"
        elif part not in ("", "."):
            level += 1
    return None


def link_escapes(member: str, target: str, *, relative_to_root: bool) -> bool:
    """Whether a link named ``member`` pointing at ``target`` resolves outside the archive."""
    if not target:
        return False
    if target.startswith(("/", "\\")) or _DRIVE_RE.match(target):
        return True
    level = 0
    if not relative_to_root:
        level = sum(1 for p in re.split(r"[\\/]", member)[:-1] if p not in ("", "."))
    for part in re.split(r"[\\/]", target):
        if part == "..":
            level -= 1
            if level < 0:
                return True
        elif part not in ("", "."):
            level += 1
    return False


def _check_name(scope: _Scope, container: str, name: str) -> tuple[list[Yielded], bool]:
    """Findings about a member's name, and whether the member may still be read."""
    out: list[Yielded] = []
    if len(name) > scope.budgets.max_path_length:
        shown = join_member(container, name[:SHOWN_NAME] + "…")
        out.append(
            _finding(
                ScanBudgetExceeded,
                shown,
                f"member name longer than {scope.budgets.max_path_length} characters",
                f"{len(name)} characters",
            )
        )
        out.append(Skip(shown, "member name exceeds the path-length budget"))
        return out, False
    why = traversal(name)
    if why:
        out.append(
            _finding(
                ArchivePathTraversal,
                join_member(container, name),
                f"member name escapes the extraction folder ({why})",
                name,
            )
        )
    return out, True


_IN_ARCHIVE = frozenset({"in-archive"})
_IN_ARCHIVE_NOT_HELD = frozenset({"in-archive", NOT_HELD})
#: Where a zip's end record may sit in a member with something prepended, from the end.
_ZIP_TAIL = 22 + 1024


class _Body:
    """A member's bytes as they are decompressed: hashed on the way, held while someone may
    want them.

    Once :data:`PROBE_BYTES` are in, a member that is not an archive is classified from its
    head and shown to ``scope.wants`` as a :class:`Probe`; unwanted, its bytes are dropped and
    the rest only hashed and counted. A binary member may still be a zip with something
    prepended (a polyglot), which only its end shows: without ``rereadable`` (7z, whose reader
    cannot give one member twice) such members stay held; with it, the evidence is tracked as
    the bytes pass and :attr:`zip_tail` tells the caller to read the member again, whole (zip
    members from their offset, tar members and compressed streams from the container's start).
    """

    __slots__ = (
        "_buf",
        "_carry",
        "_central",
        "_hash",
        "_name",
        "_path",
        "_rereadable",
        "_scope",
        "_tail",
        "decided",
        "kind",
        "size",
    )

    def __init__(self, scope: _Scope, path: str, name: str, *, rereadable: bool) -> None:
        self._scope = scope
        self._path = path
        self._name = name.rsplit("/", 1)[-1]
        self._rereadable = rereadable
        self._buf: io.BytesIO | None = io.BytesIO()
        self._hash = hashlib.sha256()
        self._tail = b""
        self._carry = b""
        self._central = False
        self.size = 0
        #: Whether the hold-or-drop decision is taken (never, without ``scope.wants``).
        self.decided = scope.wants is None
        #: The kind of a member that is not held (decided from its head).
        self.kind: Kind | None = None

    def add(self, chunk: bytes | bytearray) -> None:
        self._hash.update(chunk)
        self.size += len(chunk)
        if self._buf is not None:
            # BytesIO hands its buffer over without a copy; a bytearray turned into bytes held
            # the member twice at the end (a 100 MB member peaked at 200 MB).
            self._buf.write(chunk)
            if not self.decided and self.size >= PROBE_BYTES:
                self._decide()
        elif self.kind is Kind.BINARY:
            self._track(chunk)

    def _decide(self) -> None:
        self.decided = True
        assert self._buf is not None and self._scope.wants is not None
        start = self._buf.getvalue()
        kind = classify(start[:HEAD_BYTES], self._name, len(start))
        if kind in ARCHIVE_KINDS or (kind is Kind.BINARY and not self._rereadable):
            return  # opened, or maybe a polyglot zip that only the whole member shows
        probe = Probe(
            path=self._path,
            kind=kind,
            size=len(start),
            data=start,
            root=self._scope.top,
            tags=_IN_ARCHIVE,
        )
        if self._scope.wants(probe):
            return
        self._buf = None
        self.kind = kind
        if kind is Kind.BINARY:
            self._track(start)

    def _track(self, chunk: bytes | bytearray) -> None:
        """What :func:`_zip_tail` looks for, kept as the bytes pass: a central-directory
        signature anywhere and the last bytes, where an end record would be."""
        piece = bytes(chunk[-_ZIP_TAIL:])
        if not self._central:
            self._central = b"PK\x01\x02" in self._carry + chunk[:3] or b"PK\x01\x02" in chunk
            self._carry = piece[-3:]
        self._tail = (self._tail + piece)[-_ZIP_TAIL:]

    @property
    def held(self) -> bool:
        return self._buf is not None

    @property
    def zip_tail(self) -> bool:
        """Whether a member that was not held ends like a zip (read it again, whole)."""
        return (
            self._buf is None
            and self.kind is Kind.BINARY
            and self.size >= 22
            and self._central
            and b"PK\x05\x06" in self._tail
        )

    def digest(self) -> str:
        return self._hash.hexdigest()

    def data(self) -> bytes:
        assert self._buf is not None
        return self._buf.getvalue()


def _emit(
    container: Artifact, name: str, body: _Body, scope: _Scope, depth: int
) -> Iterator[Yielded]:
    """One member as an artifact, and its own members if it is an archive."""
    path = join_member(container.path, name)
    if not body.held:
        assert body.kind is not None
        yield Artifact(
            path=path,
            kind=body.kind,
            size=body.size,
            root=scope.top,
            tags=_IN_ARCHIVE_NOT_HELD,
            _digest=[body.digest()],
        )
        return
    data = body.data()
    kind = classify(data[:HEAD_BYTES], name.rsplit("/", 1)[-1], len(data))
    if kind is Kind.ZIP or (kind is Kind.BINARY and _zip_tail(data)):
        kind = refine_zip(data)
    member = Artifact(
        path=path,
        kind=kind,
        size=len(data),
        data=data,
        root=scope.top,
        tags=_IN_ARCHIVE,
        _digest=[body.digest()],
    )
    yield member
    if kind in ARCHIVE_KINDS:
        yield from _open(member, scope, depth + 1)


def _zip_tail(data: bytes) -> bool:
    """A zip with something prepended (self-extracting, polyglot) still ends in its EOCD."""
    return len(data) >= 22 and b"PK\x05\x06" in data[-_ZIP_TAIL:] and b"PK\x01\x02" in data


def _collect(
    chunks: Iterator[bytes],
    scope: _Scope,
    path: str,
    name: str,
    *,
    ratio_base: Callable[[], int] | None,
    rereadable: bool = False,
) -> tuple[_Body | None, list[Yielded]]:
    """Read a member's chunks within the budgets (see :class:`_Body` for what is held).

    Returns the body (None when the member was not read to its end within the budgets) and
    what to report about it. ``ratio_base`` gives the compressed bytes consumed so far, for
    the per-member ratio.
    """
    b = scope.budgets
    body = _Body(scope, path, name, rereadable=rereadable)
    produced = 0
    for chunk in chunks:
        produced += len(chunk)
        over = produced > b.max_member_bytes
        if ratio_base is not None and (over or produced > RATIO_FLOOR):
            consumed = max(ratio_base(), 1)
            if produced > b.max_ratio * consumed:
                return None, [
                    _finding(
                        ArchiveDecompressionBomb,
                        path,
                        f"member expands more than {b.max_ratio:g} times its compressed size",
                        f"{produced} bytes from {consumed} compressed bytes and growing",
                    ),
                    Skip(path, "decompression bomb; member not scanned"),
                ]
        scope.grow(len(chunk))
        if over:
            return None, [
                Skip(path, f"member larger than the member budget ({b.max_member_bytes} bytes)")
            ]
        body.add(chunk)
    return body, []


# --------------------------------------------------------------------------- zip


def _open_zip(artifact: Artifact, scope: _Scope, depth: int) -> Iterator[Yielded]:
    with artifact.open() as fh:
        size = fh.seek(0, io.SEEK_END)
        broken: Exception | None = None
        entries: list[_ziplib.ZipEntry] = []
        limit = scope.budgets.max_members + 1
        try:
            directory = _ziplib.find_directory(fh, size)
            if directory is None:
                raise _ziplib.ZipFormatError("no end-of-central-directory record")
            entries = list(_ziplib.iter_central(fh, directory, limit))
        except _ziplib.ZipFormatError as exc:
            broken = exc
        if broken is not None:
            yield _unreadable(artifact.path, broken, "zip central directory")
            entries = list(_ziplib.scan_local_headers(fh, size, limit))
        yield from _zip_members(artifact, fh, size, entries, scope, depth)


def _zip_members(
    artifact: Artifact,
    fh: BinaryIO,
    size: int,
    entries: list[_ziplib.ZipEntry],
    scope: _Scope,
    depth: int,
) -> Iterator[Yielded]:
    locals_: dict[int, _ziplib.LocalHeader] = {}
    problems: dict[int, Exception] = {}
    for entry in entries:
        try:
            locals_[entry.index] = _ziplib.read_local(fh, entry.header_offset)
        except _ziplib.ZipFormatError as exc:
            problems[entry.index] = exc
    overlapping = _overlaps(entries, locals_, size)
    if overlapping:
        first = min(overlapping)
        yield _finding(
            ArchiveDecompressionBomb,
            artifact.path,
            "zip entries overlap: several members share the same compressed bytes",
            f"{len(overlapping)} overlapping entries, first {entries[first].name!r}",
        )
    seen: dict[str, str] = {}
    for entry in entries:
        scope.member()
        name = _member_name(entry.name)
        path = join_member(artifact.path, name)
        if entry.is_dir:
            found, _ok = _check_name(scope, artifact.path, name)
            yield from found
            continue
        found, ok = _check_name(scope, artifact.path, name)
        yield from found
        if not ok:
            continue
        if entry.index in overlapping:
            yield Skip(path, "overlaps another zip entry (quine-like bomb); not scanned")
            continue
        if entry.index in problems:
            yield _unreadable(path, problems[entry.index], "zip member")
            continue
        local = locals_[entry.index]
        if local.name != entry.name:
            yield _finding(
                ArchiveUnreadable,
                path,
                "zip local header and central directory name this member differently",
                f"central {entry.name!r}, local {local.name!r}",
            )
        mode = entry.unix_mode
        if _special(mode):
            yield from _zip_special(artifact, fh, entry, local, name, mode, scope)
            continue
        if entry.encrypted:
            yield _finding(ArchiveUnreadable, path, "zip member is encrypted", "encryption flag")
            yield Skip(path, "encrypted member")
            continue
        if entry.method not in _ziplib.SUPPORTED_METHODS:
            yield _finding(
                ArchiveUnreadable,
                path,
                f"zip member uses unsupported compression method {entry.method}",
            )
            yield Skip(path, "unsupported compression method")
            continue
        csize = min(entry.compress_size, max(size - local.data_offset, 0))
        member = _ziplib.MemberData(fh, local.data_offset, csize, entry.method)
        try:
            body, notes = _collect(
                member.chunks(CHUNK),
                scope,
                path,
                name,
                ratio_base=_consumed(member),
                rereadable=True,
            )
            if body is not None and body.zip_tail:
                # a binary member nobody wanted ends like a zip: read it again, whole, to open it
                again = _ziplib.MemberData(fh, local.data_offset, csize, entry.method)
                body = _reread(again.chunks(CHUNK), scope, path, name, body)
        except (_Stop, _Abandon):
            raise
        except Exception as exc:  # corrupt compressed data of every kind
            yield _unreadable(path, exc, "zip member")
            continue
        yield from notes
        if body is None:
            continue
        yield from _zip_anomalies(entry, member, path)
        yield from _duplicate(seen, name, path, body.digest())
        yield from _emit(artifact, name, body, scope, depth)


def _special(mode: int) -> bool:
    return bool(stat.S_IFMT(mode)) and not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def _reread(chunks: Iterator[bytes], scope: _Scope, path: str, name: str, first: _Body) -> _Body:
    """The same member read a second time, held whole. Its bytes were counted against the
    budgets the first time; they must be the same bytes."""
    body = _Body(scope, path, name, rereadable=False)
    body.decided = True
    for chunk in chunks:
        body.add(chunk)
        if body.size > first.size:
            break
        scope.tick()
    if body.size != first.size or body.digest() != first.digest():
        raise ValueError("member reads differently the second time")
    return body


def _duplicate(seen: dict[str, str], name: str, path: str, digest: str) -> Iterator[Finding]:
    """Two different members under one name: extractors disagree on which one wins.

    Identical copies (build tools add licence files twice) change nothing and are not reported.
    """
    previous = seen.setdefault(name, digest)
    if previous != digest:
        yield _finding(
            ArchiveUnreadable,
            path,
            "archive holds different members under this name; tools disagree on which one wins",
            name,
        )


def _consumed(member: _ziplib.MemberData) -> Callable[[], int]:
    return lambda: member.consumed


def _zip_anomalies(
    entry: _ziplib.ZipEntry, member: _ziplib.MemberData, path: str
) -> Iterator[Finding]:
    if member.short or (member.truncated and member.produced < entry.file_size):
        yield _finding(
            ArchiveUnreadable,
            path,
            "zip member data is truncated",
            f"{member.produced} of {entry.file_size} declared bytes",
        )
    elif member.produced != entry.file_size:
        yield _finding(
            ArchiveUnreadable,
            path,
            "zip member's declared size differs from its content",
            f"declared {entry.file_size} bytes, actual {member.produced}",
        )
    elif entry.crc and member.crc != entry.crc:
        yield _finding(
            ArchiveUnreadable,
            path,
            "zip member fails its CRC-32 check",
            f"declared {entry.crc:08x}, actual {member.crc:08x}",
        )


def _overlaps(
    entries: list[_ziplib.ZipEntry], locals_: dict[int, _ziplib.LocalHeader], size: int
) -> set[int]:
    spans = sorted(
        (e.header_offset, min(locals_[e.index].data_offset + e.compress_size, size), e.index)
        for e in entries
        if e.index in locals_ and not e.is_dir
    )
    bad: set[int] = set()
    end = -1
    owner = -1
    for start, stop, index in spans:
        if start < end:
            bad.add(index)
            bad.add(owner)
        if stop > end:
            end, owner = stop, index
    return bad


def _zip_special(
    artifact: Artifact,
    fh: BinaryIO,
    entry: _ziplib.ZipEntry,
    local: _ziplib.LocalHeader,
    name: str,
    mode: int,
    scope: _Scope,
) -> Iterator[Yielded]:
    path = join_member(artifact.path, name)
    if stat.S_ISLNK(mode):
        if entry.encrypted or entry.method not in _ziplib.SUPPORTED_METHODS:
            yield Skip(path, "link target cannot be read")
            return
        member = _ziplib.MemberData(fh, local.data_offset, entry.compress_size, entry.method)
        target = b""
        for chunk in member.chunks(MAX_LINK_BYTES):
            scope.grow(len(chunk))
            target += chunk
            if len(target) >= MAX_LINK_BYTES:
                break
        text = target[:MAX_LINK_BYTES].decode("utf-8", errors="replace")
        if link_escapes(name, text, relative_to_root=False):
            yield _finding(
                ArchiveLinkEscape,
                path,
                f"symbolic link points outside the archive: {text}",
                f"{name} -> {text}",
            )
        yield Skip(path, "symbolic link; not followed")
        return
    yield _finding(
        ArchiveSpecialFile,
        path,
        "zip member is marked as a device, FIFO or socket",
        f"mode {stat.filemode(mode)}",
    )
    yield Skip(path, "special file")


# --------------------------------------------------------------------------- tar and streams


class _Counting:
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


class _XzReader:
    """Bounded xz/lzma decompression across concatenated streams, with a memory limit."""

    def __init__(self, raw: _Counting) -> None:
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


class _ZstdReader:
    """Bounded zstd decompression across frames that notices a stream cut inside a frame.

    Input is fed a kilobyte at a time, so one step produces at most a few megabytes even from
    run-length blocks; ``stream_reader`` would hide truncation by simply ending.
    """

    _FEED = 1024

    def __init__(self, raw: _Counting) -> None:
        import zstandard  # ~3 ms to import (with platform): only .zst streams need it

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


class _Guarded:
    """A decompressed stream that counts what it produces against the budgets."""

    def __init__(
        self,
        read: Callable[[int], bytes],
        counting: _Counting,
        scope: _Scope,
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
                raise _Abandon(
                    _finding(
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


def _decompressor(kind: Kind, counting: _Counting) -> Callable[[int], bytes]:
    fileobj = cast(BinaryIO, counting)
    if kind is Kind.GZIP:
        return gzip.GzipFile(fileobj=fileobj, mode="rb").read
    if kind is Kind.BZIP2:
        return bz2.BZ2File(fileobj, mode="rb").read
    if kind is Kind.XZ:
        return _XzReader(counting).read
    if kind is Kind.ZSTD:
        return _ZstdReader(counting).read
    return counting.read


def _open_stream(artifact: Artifact, scope: _Scope, depth: int) -> Iterator[Yielded]:
    """A tar (plain or compressed), or a single compressed file that is one member."""
    with artifact.open() as raw:
        counting = _Counting(raw)
        compressed = artifact.kind is not Kind.TAR
        source = _Guarded(
            _decompressor(artifact.kind, counting), counting, scope, artifact.path, compressed
        )
        head = _read_full(source, _tarlib.BLOCK)
        if artifact.kind is Kind.TAR or _tarlib.looks_like_tar(head):
            yield from _tar_members(artifact, _tarlib.TarReader(source, head), scope, depth)
            return
        name = _stream_member_name(artifact)
        scope.member()
        path = join_member(artifact.path, name)

        def chunks() -> Iterator[bytes]:
            if head:
                yield head
            while True:
                piece = source.read(CHUNK)
                if not piece:
                    return
                yield piece

        try:
            body, notes = _collect(chunks(), scope, path, name, ratio_base=None, rereadable=True)
            if body is not None and body.zip_tail:
                # nobody wanted it, but it ends like a zip: decompress it again, whole, to open it
                with artifact.open() as again:
                    restarted = _restarted(artifact, scope, again)
                    pieces = iter(lambda: restarted.read(CHUNK), b"")
                    body = _reread(pieces, scope, path, name, body)
        except (_Stop, _Abandon):
            raise
        except Exception as exc:  # corrupt compressed data of every kind
            yield _unreadable(artifact.path, exc, "compressed stream")
            return
        yield from notes
        if body is not None:
            yield from _emit(artifact, name, body, scope, depth)


def _restarted(artifact: Artifact, scope: _Scope, raw: BinaryIO) -> _Guarded:
    """A stream container decompressed from its start again, to read a member a second time.
    Its bytes were counted against the budgets the first time; this pass only watches the
    clock."""
    counting = _Counting(raw)
    return _Guarded(_decompressor(artifact.kind, counting), counting, scope, artifact.path, False)


def _tar_reread(
    artifact: Artifact, scope: _Scope, ordinal: int, raw_name: str, path: str, first: _Body
) -> _Body:
    """The ``ordinal``-th tar member read again, whole, from the start of its container (a
    compressed stream cannot seek back): a binary member nobody wanted that ends like a zip."""
    with artifact.open() as raw:
        source = _restarted(artifact, scope, raw)
        reader = _tarlib.TarReader(source, _read_full(source, _tarlib.BLOCK))
        member = None
        for _ in range(ordinal + 1):
            member = reader.next()
            if member is None:
                break
        if member is None or member.name != raw_name:
            raise ValueError("tar member reads differently the second time")

        def pieces() -> Iterator[bytes]:
            left = first.size
            while left > 0:
                piece = reader.read_data(min(CHUNK, left))
                if not piece:
                    return
                left -= len(piece)
                yield piece

        return _reread(pieces(), scope, path, _member_name(raw_name), first)


def _read_full(source: _Guarded, size: int) -> bytes:
    parts: list[bytes] = []
    got = 0
    while got < size:
        piece = source.read(size - got)
        if not piece:
            break
        parts.append(piece)
        got += len(piece)
    return b"".join(parts)


def _stream_member_name(artifact: Artifact) -> str:
    name = artifact.name
    lower = name.lower()
    for suffix in _STREAM_SUFFIXES.get(artifact.kind, ()):
        if lower.endswith(suffix) and len(name) > len(suffix):
            stem = name[: -len(suffix)]
            return stem + ".tar" if suffix.startswith(".t") and len(suffix) > 3 else stem
    return name


def _tar_members(
    artifact: Artifact, reader: _tarlib.TarReader, scope: _Scope, depth: int
) -> Iterator[Yielded]:
    b = scope.budgets
    seen: dict[str, str] = {}
    ordinal = -1  # members the reader has returned, for a second reading of one
    while True:
        try:
            member = reader.next()
        except (_Stop, _Abandon):
            raise
        except Exception as exc:  # corrupt headers and streams of every kind
            yield _unreadable(artifact.path, exc, "tar archive")
            return
        ordinal += 1
        if member is None:
            try:
                reader.drain()
            except (_Stop, _Abandon):
                raise
            except Exception as exc:  # a stream cut or corrupted after the end marker
                yield _finding(
                    ArchiveUnreadable,
                    artifact.path,
                    "archive stream is cut or corrupt after its last member",
                    f"{type(exc).__name__}: {exc}"[:500],
                )
            return
        scope.member()
        name = _member_name(member.name)
        path = join_member(artifact.path, name)
        found, ok = _check_name(scope, artifact.path, name)
        yield from found
        if not ok:
            continue
        type_ = member.type
        if type_ in (_tarlib.HARDLINK, _tarlib.SYMLINK):
            hard = type_ == _tarlib.HARDLINK
            if link_escapes(name, member.linkname, relative_to_root=hard):
                kind = "hard" if hard else "symbolic"
                yield _finding(
                    ArchiveLinkEscape,
                    path,
                    f"{kind} link points outside the archive: {member.linkname}",
                    f"{name} -> {member.linkname}",
                )
            continue
        if type_ in _tarlib.DEVICE_TYPES or not (
            type_ in _tarlib.REGULAR_TYPES
            or type_ == _tarlib.DIRECTORY
            or type_ in _tarlib.IGNORED_TYPES
        ):
            what = {b"3": "character device", b"4": "block device", b"6": "FIFO"}.get(
                type_, f"member of unknown type {type_!r}"
            )
            yield _finding(
                ArchiveSpecialFile, path, f"tar archive holds a {what}", f"type {type_!r}"
            )
            yield Skip(path, "special file")
            continue
        if type_ not in _tarlib.REGULAR_TYPES or (name.endswith("/") and not member.size):
            continue  # directories (old tars mark them with a trailing slash), volume labels
        if member.size > b.max_member_bytes:
            yield Skip(path, f"member larger than the member budget ({b.max_member_bytes} bytes)")
            continue
        body = _Body(scope, path, name, rereadable=True)
        try:
            while body.size < member.size:
                body.add(reader.read_data(CHUNK))
            if body.zip_tail:
                body = _tar_reread(artifact, scope, ordinal, member.name, path, body)
        except (_Stop, _Abandon):
            raise
        except Exception as exc:  # truncated or corrupt streams
            yield _unreadable(path, exc, "tar member")
            return
        yield from _duplicate(seen, name, path, body.digest())
        yield from _emit(artifact, name, body, scope, depth)


# --------------------------------------------------------------------------- 7z


def _open_7z(artifact: Artifact, scope: _Scope, depth: int) -> Iterator[Yielded]:
    import py7zr
    from py7zr.io import Py7zIO, WriterFactory

    class _Sink(Py7zIO):
        def __init__(self, filename: str) -> None:
            name = _member_name(filename)
            body = _Body(scope, join_member(artifact.path, name), name, rereadable=False)
            body.decided = body.decided or filename in links  # a link's target is always read
            #: None once the member is over the member budget.
            self.body: _Body | None = body
            self.written = 0

        def write(self, s: bytes | bytearray) -> int:
            self.written += len(s)
            scope.grow(len(s))
            if self.written > scope.budgets.max_member_bytes:
                self.body = None
            elif self.body is not None:
                self.body.add(s)
            return len(s)

        def read(self, size: int | None = None) -> bytes:
            return b""

        def seek(self, offset: int, whence: int = 0) -> int:
            return 0

        def flush(self) -> None:
            return None

        def size(self) -> int:
            return self.written

    class _Factory(WriterFactory):
        def __init__(self) -> None:
            self.sinks: dict[str, _Sink] = {}

        def create(self, filename: str) -> Py7zIO:
            sink = _Sink(filename)
            self.sinks[filename] = sink
            return sink

    with artifact.open() as fh:
        remaining = max(scope.budgets.max_total_bytes - scope.expanded, 0)
        with py7zr.SevenZipFile(fh, mode="r", max_extract_size=remaining + 1) as archive:
            if archive.needs_password():
                yield _finding(
                    ArchiveUnreadable,
                    artifact.path,
                    "7z archive is encrypted",
                    "password required to decrypt its members",
                )
                yield Skip(artifact.path, "encrypted archive; members not scanned")
                return
            targets: list[str] = []
            links: set[str] = set()
            for info in archive.files:
                scope.member()
                raw_name = str(info.filename)
                name = _member_name(raw_name.replace("\\", "/") if "\\" in raw_name else raw_name)
                path = join_member(artifact.path, name)
                found, ok = _check_name(scope, artifact.path, name)
                yield from found
                if not ok or info.is_directory:
                    continue
                mode = info.posix_mode or 0
                if info.is_symlink:
                    links.add(raw_name)
                elif info.is_junction or info.is_socket or _special(mode):
                    yield _finding(
                        ArchiveSpecialFile,
                        path,
                        "7z archive holds a special file",
                        f"{name} (mode {stat.filemode(mode) if mode else 'junction or socket'})",
                    )
                    yield Skip(path, "special file")
                    continue
                if traversal(raw_name):
                    yield Skip(path, "member with an escaping name is not decompressed")
                    continue
                targets.append(raw_name)
            if not targets:
                return
            factory = _Factory()
            archive.extract(targets=targets, factory=factory)
    for filename, sink in factory.sinks.items():
        name = _member_name(filename)
        path = join_member(artifact.path, name)
        if filename in links:
            target = sink.body.data()[:MAX_LINK_BYTES] if sink.body is not None else b""
            text = target.decode("utf-8", errors="replace")
            if link_escapes(name, text, relative_to_root=False):
                yield _finding(
                    ArchiveLinkEscape,
                    path,
                    f"symbolic link points outside the archive: {text}",
                    f"{name} -> {text}",
                )
            yield Skip(path, "symbolic link; not followed")
            continue
        if sink.body is None:
            limit = scope.budgets.max_member_bytes
            yield Skip(path, f"member larger than the member budget ({limit} bytes)")
            continue
        yield from _emit(artifact, name, sink.body, scope, depth)


_OPENERS: dict[Kind, Callable[[Artifact, _Scope, int], Iterator[Yielded]]] = {
    Kind.ZIP: _open_zip,
    Kind.TAR: _open_stream,
    Kind.GZIP: _open_stream,
    Kind.BZIP2: _open_stream,
    Kind.XZ: _open_stream,
    Kind.ZSTD: _open_stream,
    Kind.SEVENZIP: _open_7z,
}

__all__ = ["iter_archive", "link_escapes", "traversal"]
