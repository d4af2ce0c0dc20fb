"""Archive sources: members of zip, tar, compressed streams and 7z, read in memory within budgets.

Nothing is extracted to disk and nothing trusts a declared size: members are decompressed in
bounded chunks while the bytes actually produced are counted against the budgets of the
top-level archive (members, total bytes, compression ratio, depth, path length and time).
Hostile structures (bombs, traversal, links out of the tree, special files, corrupt data) become
core findings, and reading goes on safely wherever it can.
"""

from __future__ import annotations

import functools
import hashlib
import io
import re
import stat
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import Any, BinaryIO

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
from outwork.core.budgets import Budgets, clock
from outwork.core.corerules import (
    ArchiveDecompressionBomb,
    ArchiveLinkEscape,
    ArchiveNestingTooDeep,
    ArchivePathTraversal,
    ArchiveSpecialFile,
    ArchiveUnreadable,
    ScanBudgetExceeded,
)
from outwork.core.findings import Finding, Skip
from outwork.sources import _tarlib, _ziplib
from outwork.sources.reader import (
    CHUNK,
    RATIO_FLOOR,
    ArchiveStop,
    Counting,
    Guarded,
    Keeps,
    MemberRecord,
    Scope,
    StreamStop,
    Wants,
    core_finding,
    decompressor,
)

Yielded = Artifact | Finding | Skip

#: Largest link target read from a zip symlink member.
MAX_LINK_BYTES = 4096
#: Characters of an over-long member name kept in its logical path.
SHOWN_NAME = 200

_DRIVE_RE = re.compile(r"^[A-Za-z]:")
_STREAM_SUFFIXES = {
    Kind.GZIP: (".tgz", ".gz", ".gzip", ".z"),
    Kind.BZIP2: (".tbz2", ".tbz", ".bz2", ".bzip2"),
    Kind.XZ: (".txz", ".xz", ".lzma"),
    Kind.ZSTD: (".tzst", ".zst", ".zstd"),
}


def archive_and_members(
    artifact: Artifact,
    budgets: Budgets,
    *,
    wants: Wants | None = None,
    keeps: Keeps | None = None,
) -> Iterator[Yielded]:
    """An archive named by the user (a file on disk, a download) and its members.

    The archive comes first, then its members; when an analyzer reads the archive whole and
    says what of its members (``keeps``), the members come first and the archive after them,
    carrying what the walk kept of them (:attr:`~outwork.core.artifact.Artifact.members`), so
    that the archive is decompressed once.
    """
    needs = keeps(artifact) if keeps is not None else None
    if needs is None:
        yield artifact
        deadline = budgets.deadline()  # from when the reading starts
        yield from iter_archive(artifact, budgets, depth=1, deadline=deadline, wants=wants)
        return
    record = MemberRecord(artifact.path, needs)
    deadline = budgets.deadline()
    yield from iter_archive(
        artifact, budgets, depth=1, deadline=deadline, wants=wants, record=record
    )
    yield replace(artifact, members=record.members())


def iter_archive(
    artifact: Artifact,
    budgets: Budgets,
    *,
    depth: int,
    deadline: float,
    wants: Wants | None = None,
    record: MemberRecord | None = None,
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

    With ``record``, the first bytes of every regular member of ``artifact`` (of a zip or a
    tar) are kept in it as its needs say; anything reported about the archive or its own
    members (not about what archives inside it hold) abandons it.

    The time budget times the reading: while the caller holds a member (the scan analyses it,
    or waits for its workers to finish the previous window), the deadline moves on with the
    clock, so a loaded machine or a slow analyzer does not cut an ordinary archive short.
    """
    top = artifact.path if depth <= 1 or not artifact.root else artifact.root
    scope = Scope(budgets, deadline, top, artifact.size, wants)
    scope.record = record
    try:
        for item in _open(artifact, scope, depth):
            if record is not None and not scope.nested and not isinstance(item, Artifact):
                record.abandon()
            paused, paused_wall = clock(), time.monotonic()
            yield item
            scope.deadline += clock() - paused
            scope.wall_deadline += time.monotonic() - paused_wall
    except ArchiveStop as stop:
        if record is not None:
            record.abandon()
        yield stop.finding
        yield Skip(stop.finding.location.path, stop.reason)


# --------------------------------------------------------------------------- dispatch


def _open(artifact: Artifact, scope: Scope, depth: int) -> Iterator[Yielded]:
    if depth > scope.budgets.max_depth:
        yield core_finding(
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
    except ArchiveStop:
        raise
    except StreamStop as exc:
        yield exc.finding
        yield Skip(artifact.path, exc.reason)
    except Exception as exc:  # hostile bytes reach deep into parsers: fail closed
        yield _unreadable(artifact.path, exc)


def _unreadable(path: str, exc: BaseException, what: str = "archive") -> Finding:
    detail = str(exc) or type(exc).__name__
    return core_finding(
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


def _check_name(scope: Scope, container: str, name: str) -> tuple[list[Yielded], bool]:
    """Findings about a member's name, and whether the member may still be read."""
    out: list[Yielded] = []
    if len(name) > scope.budgets.max_path_length:
        shown = join_member(container, name[:SHOWN_NAME] + "…")
        out.append(
            core_finding(
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
            core_finding(
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
        "_kept",
        "_limit",
        "_name",
        "_path",
        "_rereadable",
        "_scope",
        "_tail",
        "decided",
        "keep",
        "kind",
        "size",
    )

    def __init__(
        self,
        scope: Scope,
        path: str,
        name: str,
        *,
        rereadable: bool,
        keep: Callable[[bytes], int] | None = None,
    ) -> None:
        self._scope = scope
        self._path = path
        self._name = name.rsplit("/", 1)[-1]
        self._rereadable = rereadable
        self._buf: io.BytesIO | None = io.BytesIO()
        self._hash = hashlib.sha256()
        self._tail = b""
        self._carry = b""
        self._central = False
        #: How many first bytes its archive's record keeps, from the member's head (None: the
        #: member is not recorded); what is kept of a member that is not held.
        self.keep = keep
        self._kept: bytearray | None = None
        self._limit = 0
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
            return
        if self._kept is not None and len(self._kept) < self._limit:
            self._kept += chunk[: self._limit - len(self._kept)]
        if self.kind is Kind.BINARY:
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
        if self.keep is not None:
            self._limit = self.keep(start[:HEAD_BYTES])
            self._kept = bytearray(start[: self._limit])
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

    def kept(self) -> bytes:
        """The member's first bytes, as many as its archive's record keeps."""
        assert self.keep is not None
        if self._buf is None:
            assert self._kept is not None
            return bytes(self._kept)
        data = self.data()
        return data[: self.keep(data[:HEAD_BYTES])]

    def data(self) -> bytes:
        assert self._buf is not None
        return self._buf.getvalue()


def _emit(
    container: Artifact, name: str, body: _Body, scope: Scope, depth: int
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
        scope.nested += 1
        try:
            yield from _open(member, scope, depth + 1)
        finally:
            scope.nested -= 1


def _zip_tail(data: bytes) -> bool:
    """A zip with something prepended (self-extracting, polyglot) still ends in its EOCD."""
    return len(data) >= 22 and b"PK\x05\x06" in data[-_ZIP_TAIL:] and b"PK\x01\x02" in data


def _collect(
    chunks: Iterator[bytes],
    scope: Scope,
    path: str,
    name: str,
    *,
    ratio_base: Callable[[], int] | None,
    rereadable: bool = False,
    keep: Callable[[bytes], int] | None = None,
) -> tuple[_Body | None, list[Yielded]]:
    """Read a member's chunks within the budgets (see :class:`_Body` for what is held).

    Returns the body (None when the member was not read to its end within the budgets) and
    what to report about it. ``ratio_base`` gives the compressed bytes consumed so far, for
    the per-member ratio.
    """
    b = scope.budgets
    body = _Body(scope, path, name, rereadable=rereadable, keep=keep)
    produced = 0
    for chunk in chunks:
        produced += len(chunk)
        over = produced > b.max_member_bytes
        if ratio_base is not None and (over or produced > RATIO_FLOOR):
            consumed = max(ratio_base(), 1)
            if produced > b.max_ratio * consumed:
                return None, [
                    core_finding(
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


def _open_zip(artifact: Artifact, scope: Scope, depth: int) -> Iterator[Yielded]:
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
    scope: Scope,
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
        yield core_finding(
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
            yield core_finding(
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
            yield core_finding(
                ArchiveUnreadable, path, "zip member is encrypted", "encryption flag"
            )
            yield Skip(path, "encrypted member")
            continue
        if entry.method not in _ziplib.SUPPORTED_METHODS:
            yield core_finding(
                ArchiveUnreadable,
                path,
                f"zip member uses unsupported compression method {entry.method}",
            )
            yield Skip(path, "unsupported compression method")
            continue
        csize = min(entry.compress_size, max(size - local.data_offset, 0))
        member = _ziplib.MemberData(fh, local.data_offset, csize, entry.method)
        keep = _keep(scope, artifact, entry.name)
        try:
            body, notes = _collect(
                member.chunks(CHUNK),
                scope,
                path,
                name,
                ratio_base=_consumed(member),
                rereadable=True,
                keep=keep,
            )
            if body is not None and body.zip_tail:
                # a binary member nobody wanted ends like a zip: read it again, whole, to open it
                again = _ziplib.MemberData(fh, local.data_offset, csize, entry.method)
                body = _reread(again.chunks(CHUNK), scope, path, name, body)
        except (ArchiveStop, StreamStop):
            raise
        except Exception as exc:  # corrupt compressed data of every kind
            yield _unreadable(path, exc, "zip member")
            continue
        yield from notes
        if body is None:
            continue
        yield from _zip_anomalies(entry, member, path)
        yield from _duplicate(seen, name, path, body.digest())
        if keep is not None:
            _record(scope, entry.name, body)
        yield from _emit(artifact, name, body, scope, depth)


def _special(mode: int) -> bool:
    return bool(stat.S_IFMT(mode)) and not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def _reread(chunks: Iterator[bytes], scope: Scope, path: str, name: str, first: _Body) -> _Body:
    """The same member read a second time, held whole. Its bytes were counted against the
    budgets the first time; they must be the same bytes."""
    body = _Body(scope, path, name, rereadable=False, keep=first.keep)
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
        yield core_finding(
            ArchiveUnreadable,
            path,
            "archive holds different members under this name; tools disagree on which one wins",
            name,
        )


def _keep(scope: Scope, container: Artifact, raw_name: str) -> Callable[[bytes], int] | None:
    """How much of a member of ``container`` its record keeps, when it is the recorded archive."""
    record = scope.record
    if record is None or container.path != record.archive:
        return None
    return functools.partial(record.limit, raw_name)


def _record(scope: Scope, raw_name: str, body: _Body) -> None:
    assert scope.record is not None
    scope.record.add(raw_name, body.size, body.kept())


def _unrecorded(scope: Scope, container: Artifact) -> None:
    if scope.record is not None and container.path == scope.record.archive:
        scope.record.abandon()


def _consumed(member: _ziplib.MemberData) -> Callable[[], int]:
    return lambda: member.consumed


def _zip_anomalies(
    entry: _ziplib.ZipEntry, member: _ziplib.MemberData, path: str
) -> Iterator[Finding]:
    if member.short or (member.truncated and member.produced < entry.file_size):
        yield core_finding(
            ArchiveUnreadable,
            path,
            "zip member data is truncated",
            f"{member.produced} of {entry.file_size} declared bytes",
        )
    elif member.produced != entry.file_size:
        yield core_finding(
            ArchiveUnreadable,
            path,
            "zip member's declared size differs from its content",
            f"declared {entry.file_size} bytes, actual {member.produced}",
        )
    elif entry.crc and member.crc != entry.crc:
        yield core_finding(
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
    scope: Scope,
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
            yield core_finding(
                ArchiveLinkEscape,
                path,
                f"symbolic link points outside the archive: {text}",
                f"{name} -> {text}",
            )
        yield Skip(path, "symbolic link; not followed")
        return
    yield core_finding(
        ArchiveSpecialFile,
        path,
        "zip member is marked as a device, FIFO or socket",
        f"mode {stat.filemode(mode)}",
    )
    yield Skip(path, "special file")


# --------------------------------------------------------------------------- tar and streams


def _open_stream(artifact: Artifact, scope: Scope, depth: int) -> Iterator[Yielded]:
    """A tar (plain or compressed), or a single compressed file that is one member."""
    with artifact.open() as raw:
        counting = Counting(raw)
        compressed = artifact.kind is not Kind.TAR
        source = Guarded(
            decompressor(artifact.kind, counting), counting, scope, artifact.path, compressed
        )
        head = _read_full(source, _tarlib.BLOCK)
        if artifact.kind is Kind.TAR or _tarlib.looks_like_tar(head):
            yield from _tar_members(artifact, _tarlib.TarReader(source, head), scope, depth)
            return
        _unrecorded(scope, artifact)  # one compressed file, no archive of members
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
        except (ArchiveStop, StreamStop):
            raise
        except Exception as exc:  # corrupt compressed data of every kind
            yield _unreadable(artifact.path, exc, "compressed stream")
            return
        yield from notes
        if body is not None:
            yield from _emit(artifact, name, body, scope, depth)


def _restarted(artifact: Artifact, scope: Scope, raw: BinaryIO) -> Guarded:
    """A stream container decompressed from its start again, to read a member a second time.
    Its bytes were counted against the budgets the first time; this pass only watches the
    clock."""
    counting = Counting(raw)
    return Guarded(decompressor(artifact.kind, counting), counting, scope, artifact.path, False)


def _tar_reread(
    artifact: Artifact, scope: Scope, ordinal: int, raw_name: str, path: str, first: _Body
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


def _read_full(source: Guarded, size: int) -> bytes:
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
    artifact: Artifact, reader: _tarlib.TarReader, scope: Scope, depth: int
) -> Iterator[Yielded]:
    b = scope.budgets
    seen: dict[str, str] = {}
    ordinal = -1  # members the reader has returned, for a second reading of one
    while True:
        try:
            member = reader.next()
        except (ArchiveStop, StreamStop):
            raise
        except Exception as exc:  # corrupt headers and streams of every kind
            yield _unreadable(artifact.path, exc, "tar archive")
            return
        ordinal += 1
        if member is None:
            try:
                reader.drain()
            except (ArchiveStop, StreamStop):
                raise
            except Exception as exc:  # a stream cut or corrupted after the end marker
                yield core_finding(
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
                yield core_finding(
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
            yield core_finding(
                ArchiveSpecialFile, path, f"tar archive holds a {what}", f"type {type_!r}"
            )
            yield Skip(path, "special file")
            continue
        if type_ not in _tarlib.REGULAR_TYPES or (name.endswith("/") and not member.size):
            continue  # directories (old tars mark them with a trailing slash), volume labels
        if member.size > b.max_member_bytes:
            yield Skip(path, f"member larger than the member budget ({b.max_member_bytes} bytes)")
            continue
        # a name ending in a slash is no file to a reader of the archive, whatever its type
        keep = None if member.name.endswith("/") else _keep(scope, artifact, member.name)
        body = _Body(scope, path, name, rereadable=True, keep=keep)
        try:
            while body.size < member.size:
                body.add(reader.read_data(CHUNK))
            if body.zip_tail:
                body = _tar_reread(artifact, scope, ordinal, member.name, path, body)
        except (ArchiveStop, StreamStop):
            raise
        except Exception as exc:  # truncated or corrupt streams
            yield _unreadable(path, exc, "tar member")
            return
        yield from _duplicate(seen, name, path, body.digest())
        if keep is not None:
            _record(scope, member.name, body)
        yield from _emit(artifact, name, body, scope, depth)


# --------------------------------------------------------------------------- 7z


def _open_7z(artifact: Artifact, scope: Scope, depth: int) -> Iterator[Yielded]:
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

    _unrecorded(scope, artifact)  # readers of package archives read zips and tars only
    links: set[str] = set()
    with artifact.open() as fh:
        remaining = max(scope.budgets.max_total_bytes - scope.expanded, 0)
        with py7zr.SevenZipFile(fh, mode="r", max_extract_size=remaining + 1) as archive:
            if archive.needs_password():
                yield core_finding(
                    ArchiveUnreadable,
                    artifact.path,
                    "7z archive is encrypted",
                    "password required to decrypt its members",
                )
                yield Skip(artifact.path, "encrypted archive; members not scanned")
                return
            found, targets = _7z_targets(archive.files, artifact, scope, links)
            yield from found
            if not targets:
                return
            factory = _Factory()
            archive.extract(targets=targets, factory=factory)
    bodies = {filename: sink.body for filename, sink in factory.sinks.items()}
    yield from _7z_members(artifact, bodies, links, scope, depth)


def _7z_targets(
    files: Iterable[Any], artifact: Artifact, scope: Scope, links: set[str]
) -> tuple[list[Yielded], list[str]]:
    """What to report about a 7z's member list, and the members to decompress (``links``
    gets the symbolic links among them, whose targets are read to judge them)."""
    found: list[Yielded] = []
    targets: list[str] = []
    for info in files:
        scope.member()
        raw_name = str(info.filename)
        name = _member_name(raw_name.replace("\\", "/") if "\\" in raw_name else raw_name)
        path = join_member(artifact.path, name)
        notes, ok = _check_name(scope, artifact.path, name)
        found.extend(notes)
        if not ok or info.is_directory:
            continue
        mode = info.posix_mode or 0
        if info.is_symlink:
            links.add(raw_name)
        elif info.is_junction or info.is_socket or _special(mode):
            found.append(
                core_finding(
                    ArchiveSpecialFile,
                    path,
                    "7z archive holds a special file",
                    f"{name} (mode {stat.filemode(mode) if mode else 'junction or socket'})",
                )
            )
            found.append(Skip(path, "special file"))
            continue
        if traversal(raw_name):
            found.append(Skip(path, "member with an escaping name is not decompressed"))
            continue
        targets.append(raw_name)
    return found, targets


def _7z_members(
    artifact: Artifact,
    bodies: dict[str, _Body | None],
    links: set[str],
    scope: Scope,
    depth: int,
) -> Iterator[Yielded]:
    """The decompressed members of a 7z (None: over the member budget), links judged."""
    for filename, body in bodies.items():
        name = _member_name(filename)
        path = join_member(artifact.path, name)
        if filename in links:
            target = body.data()[:MAX_LINK_BYTES] if body is not None else b""
            text = target.decode("utf-8", errors="replace")
            if link_escapes(name, text, relative_to_root=False):
                yield core_finding(
                    ArchiveLinkEscape,
                    path,
                    f"symbolic link points outside the archive: {text}",
                    f"{name} -> {text}",
                )
            yield Skip(path, "symbolic link; not followed")
            continue
        if body is None:
            limit = scope.budgets.max_member_bytes
            yield Skip(path, f"member larger than the member budget ({limit} bytes)")
            continue
        yield from _emit(artifact, name, body, scope, depth)


_OPENERS: dict[Kind, Callable[[Artifact, Scope, int], Iterator[Yielded]]] = {
    Kind.ZIP: _open_zip,
    Kind.TAR: _open_stream,
    Kind.GZIP: _open_stream,
    Kind.BZIP2: _open_stream,
    Kind.XZ: _open_stream,
    Kind.ZSTD: _open_stream,
    Kind.SEVENZIP: _open_7z,
}

__all__ = ["archive_and_members", "iter_archive", "link_escapes", "traversal"]
