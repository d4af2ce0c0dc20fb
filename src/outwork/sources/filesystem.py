"""Walk a directory or a single file into artifacts, opening archives on the way."""

from __future__ import annotations

import errno
import operator
import os
import stat
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from outwork.core.artifact import ARCHIVE_KINDS, HEAD_BYTES, Artifact, Kind, classify, refine_zip
from outwork.core.budgets import Budgets
from outwork.core.corerules import ArchiveLinkEscape, ScanBudgetExceeded
from outwork.core.errors import TargetError
from outwork.core.findings import Finding, Location, Skip
from outwork.sources.archives import archive_and_members
from outwork.sources.exclude import Excluder, Exclusion
from outwork.sources.images import (
    is_image_dir,
    is_image_tar,
    open_compressed_image,
    open_image,
)
from outwork.sources.reader import Keeps, Wants

Yielded = Artifact | Finding | Skip

#: Kinds a zip can hide behind by prepending bytes (a launcher script, junk) that zip readers skip.
_ZIP_HOSTS = frozenset({Kind.BINARY, Kind.SHELL, Kind.PYTHON, Kind.TEXT})
#: Directory levels walked below the target; deeper trees are a budget finding, not a hang.
MAX_DIR_DEPTH = 256
#: Directories never descended into unless asked: version-control internals.
VCS_DIRS = frozenset({".git", ".hg", ".svn"})
_EXECUTABLE = frozenset({"executable-bit"})
#: Tag of a file that is a container image, read layer by layer (not a package archive).
IMAGE_TAGS = frozenset({"container-image"})
_COMPRESSED = frozenset({Kind.GZIP, Kind.ZSTD, Kind.XZ, Kind.BZIP2})
_NO_TAGS: frozenset[str] = frozenset()
#: Never through a link, and never blocked on a FIFO that replaced a file after it was listed.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
_NAME = operator.attrgetter("name")


def walk(
    target: str,
    budgets: Budgets,
    *,
    include_git: bool = False,
    wants: Wants | None = None,
    exclusion: Exclusion | None = None,
    keeps: Keeps | None = None,
) -> Iterator[Yielded]:
    """Artifacts, findings and skips of a file or folder on disk. ``exclusion`` leaves out
    entries below a folder target (never the target itself, never archive members); ``keeps``
    says what to keep of an archive's members for an analyzer that reads it whole (see
    :func:`~outwork.sources.archives.archive_and_members`)."""
    root = Path(target)
    try:
        st = root.lstat()
    except FileNotFoundError:
        raise TargetError(f"{target}: no such file or directory; check the path") from None
    except OSError as exc:
        raise TargetError(f"{target}: cannot be read ({exc.strerror}); check permissions") from None
    display_root = target.rstrip("/") or "/"
    if stat.S_ISLNK(st.st_mode):
        # The user named the link: follow it (once; a loop is a skip, not a crash).
        try:
            st = root.stat()
            resolved = root.resolve(strict=True)
        except (OSError, RuntimeError) as exc:
            yield Skip(display_root, f"symbolic link is not followed: {_why_not(exc)}")
            return
        if stat.S_ISDIR(st.st_mode):
            yield from _walk_dir(
                resolved, display_root, budgets, include_git, wants, exclusion, keeps
            )
            return
        target = str(resolved)
    if stat.S_ISDIR(st.st_mode):
        if is_image_dir(root):
            yield from open_image(target, budgets, wants=wants, display=display_root)
            return
        yield from _walk_dir(
            root.resolve(), display_root, budgets, include_git, wants, exclusion, keeps
        )
    else:
        yield from _file(
            target,
            display_root,
            st,
            budgets,
            root_logical=display_root,
            base=None,
            wants=wants,
            keeps=keeps,
        )


def _why_not(exc: BaseException) -> str:
    """Why a link cannot be resolved: a loop (``a -> b -> a``, ``x -> x``) or an OS error."""
    if isinstance(exc, RuntimeError) or getattr(exc, "errno", None) == errno.ELOOP:
        return "it is a loop"
    if isinstance(exc, FileNotFoundError):
        return "its target does not exist"
    return getattr(exc, "strerror", None) or str(exc)


def _walk_dir(
    base: Path,
    display_root: str,
    budgets: Budgets,
    include_git: bool,
    wants: Wants | None,
    exclusion: Exclusion | None = None,
    keeps: Keeps | None = None,
) -> Iterator[Yielded]:
    excluder = Excluder(exclusion, base) if exclusion is not None else None
    if excluder is not None and not excluder.active:
        excluder = None
    stack: list[tuple[Path, str, int]] = [(base, display_root, 0)]
    while stack:
        directory, logical_dir, depth = stack.pop()
        try:
            entries = sorted(os.scandir(directory), key=_NAME)
        except OSError as exc:
            yield Skip(logical_dir, f"directory cannot be listed: {exc.strerror}")
            continue
        if depth and _holds_image(directory, entries):
            # an OCI layout or unpacked `docker save` inside the tree is read as the image it is
            try:
                yield from open_image(str(directory), budgets, wants=wants, display=logical_dir)
                continue
            except TargetError:
                pass  # its manifest does not hold together: walk it as the folder it also is
        if excluder is not None:
            excluder.enter(directory)
        subdirs: list[tuple[Path, str, int]] = []
        for entry in entries:
            logical = f"{logical_dir}/{entry.name}"
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError as exc:
                yield Skip(logical, f"cannot be read: {exc.strerror}")
                continue
            if stat.S_ISDIR(st.st_mode) and entry.name in VCS_DIRS and not include_git:
                continue
            if excluder is not None:
                why = excluder.excluded(Path(entry.path), is_dir=stat.S_ISDIR(st.st_mode))
                if why:
                    yield Skip(logical, why)
                    continue
            if stat.S_ISDIR(st.st_mode):
                if depth >= MAX_DIR_DEPTH:
                    yield Finding(
                        rule=ScanBudgetExceeded,
                        message=f"directories nested deeper than {MAX_DIR_DEPTH} levels",
                        location=Location(logical),
                        severity=ScanBudgetExceeded.severity,
                        confidence=ScanBudgetExceeded.confidence,
                        evidence=f"depth {depth + 1}",
                    )
                    yield Skip(logical, f"directory nesting deeper than {MAX_DIR_DEPTH} levels")
                    continue
                subdirs.append((Path(entry.path), logical, depth + 1))
                continue
            if stat.S_ISREG(st.st_mode):  # most entries: no generator of their own
                item = _regular(entry.path, logical, st, display_root)
                if isinstance(item, Artifact) and item.kind in ARCHIVE_KINDS:
                    yield from _archive(item, budgets, wants, keeps)
                else:
                    yield item
                continue
            yield from _file(
                entry.path,
                logical,
                st,
                budgets,
                root_logical=display_root,
                base=base,
                wants=wants,
                keeps=keeps,
            )
        stack.extend(reversed(subdirs))


def _holds_image(directory: Path, entries: list[os.DirEntry[str]]) -> bool:
    names = {e.name for e in entries}
    if "oci-layout" in names and "index.json" in names:
        return True
    return "manifest.json" in names and is_image_dir(directory)


def _file(
    path: str,
    logical: str,
    st: os.stat_result,
    budgets: Budgets,
    *,
    root_logical: str,
    base: Path | None,
    wants: Wants | None = None,
    keeps: Keeps | None = None,
) -> Iterator[Yielded]:
    if stat.S_ISLNK(st.st_mode):
        yield from _link(Path(path), logical, base)
        return
    if not stat.S_ISREG(st.st_mode):
        # On disk a device, FIFO or socket is part of the machine, not of what it ships (inside
        # an archive it is CORE004): reading it could hang or never end, so it is a skip.
        yield Skip(logical, f"special file ({_special(st.st_mode)}) is not read")
        return
    item = _regular(path, logical, st, root_logical)
    if isinstance(item, Artifact) and item.kind in ARCHIVE_KINDS:
        yield from _archive(item, budgets, wants, keeps)
    else:
        yield item


def _regular(path: str, logical: str, st: os.stat_result, root_logical: str) -> Artifact | Skip:
    """A regular file as an artifact of the kind its content says."""
    # Plain descriptors, not pathlib: this runs once per file of trees with 100,000 files.
    try:
        fd = os.open(path, _OPEN_FLAGS)
        try:
            head = os.read(fd, HEAD_BYTES)
            tail = os.pread(fd, 22, st.st_size - 22) if st.st_size > HEAD_BYTES else head[-22:]
        finally:
            os.close(fd)
    except OSError as exc:
        return Skip(logical, f"cannot be read: {exc.strerror}")
    # A file that fits in the head was read whole: analyzers get these bytes, not a second read.
    whole = head if len(head) == st.st_size else None
    kind = classify(head, path.rsplit("/", 1)[-1], st.st_size)
    if kind is Kind.ZIP or (kind in _ZIP_HOSTS and tail.startswith(b"PK\x05\x06")):
        # a zip with something prepended (self-extracting, polyglot) still ends in its EOCD
        kind = refine_zip(whole) if whole is not None else refine_zip_file(Path(path))
    return Artifact(
        path=logical,
        kind=kind,
        size=st.st_size,
        fs_path=path,
        root=root_logical,
        tags=_EXECUTABLE if st.st_mode & 0o111 else _NO_TAGS,
        _content=whole,
        _stat=st,
    )


def _archive(
    artifact: Artifact, budgets: Budgets, wants: Wants | None, keeps: Keeps | None
) -> Iterator[Yielded]:
    """An archive on disk, then its members; a tar that is an image is tagged ``container-image``
    (not a package to open whole) and its layers are read as an image's."""
    if (
        artifact.kind is Kind.TAR
        and artifact.fs_path is not None
        and is_image_tar(artifact.fs_path, budgets)
    ):
        # a `docker save` tarball or an OCI layout in a tar: its layers are read as an image
        try:
            reading = open_image(artifact.fs_path, budgets, wants=wants, display=artifact.path)
            first = next(reading, None)
        except TargetError:
            pass  # its manifest does not hold together: read it as the tar it also is
        else:
            yield replace(artifact, tags=artifact.tags | IMAGE_TAGS)
            if first is not None:
                yield first
            yield from reading
            return
    if artifact.kind in _COMPRESSED and artifact.fs_path is not None:
        # `docker save | gzip` (.tar.gz, .tgz) and its zstd, xz and bzip2 cousins
        compressed = open_compressed_image(
            artifact.fs_path, artifact.kind, budgets, wants=wants, display=artifact.path
        )
        if compressed is not None:
            yield replace(artifact, tags=artifact.tags | IMAGE_TAGS)
            yield from compressed
            return
    yield from archive_and_members(artifact, budgets, wants=wants, keeps=keeps)


def _special(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    return f"mode {stat.filemode(mode)}"


def refine_zip_file(path: Path) -> Kind:
    """The kind of a zip on disk by its member names: only its central directory is read (the
    file is read at random, without the device's read-ahead around each read)."""
    try:
        with path.open("rb") as fh:
            os.posix_fadvise(fh.fileno(), 0, 0, os.POSIX_FADV_RANDOM)
            return refine_zip(fh)
    except OSError:
        return Kind.ZIP


def _link(path: Path, logical: str, base: Path | None) -> Iterator[Yielded]:
    try:
        target = str(path.readlink())
    except OSError as exc:
        yield Skip(logical, f"link cannot be read: {exc.strerror}")
        return
    try:
        resolved = (path.parent / target).resolve()
    except (OSError, RuntimeError) as exc:
        yield Skip(logical, f"symbolic link is not followed: {_why_not(exc)}")
        return
    inside = base is not None and (resolved == base or base in resolved.parents)
    if not inside:
        yield Finding(
            rule=ArchiveLinkEscape,
            message=f"symbolic link points outside the scanned tree: {target}",
            location=Location(logical),
            severity=ArchiveLinkEscape.severity,
            confidence=ArchiveLinkEscape.confidence,
            evidence=f"{logical} -> {target}",
        )
        yield Skip(logical, "link out of the tree is not followed")
    # A link inside the tree names a file the walk reaches anyway; nothing more to do.
