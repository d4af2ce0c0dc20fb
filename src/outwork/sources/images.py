"""Container images as sources: ``docker save`` tarballs and OCI image layouts, never extracted.

An image is a container like any archive: its layers are read as streams through the bounded
reader (gzip, zstd or plain tar; :mod:`outwork.sources.reader`) and every file of every layer is
an artifact, named ``IMAGE!/LAYER-BLOB!/path``, that goes through the same analyzers as files
anywhere else. Layers are read from the top one down, so that when a file is met it is already
known whether a later layer deletes it (a whiteout ``.wh.NAME``, an opaque folder
``.wh..wh..opq``, a parent replaced by a file) or overwrites it: such files are still scanned,
because they still ship and anyone who pulls the image can read them, and they are tagged
``image-deleted`` or ``image-overwritten``.

Before the layers, dpkg's records of installed files and their MD5 (``var/lib/dpkg/info/
*.md5sums``) are read from every layer (headers only where a layer is not compressed); as each
file streams by, a file a record names is compared with it: its index entry says ``recorded``
or ``modified`` (IMG022), and a recorded file is tagged ``os-package-file``, the distribution's
own bytes, which the packages layer does not read as PyPI or npm code. Every other layer still
reads it.

After the layers, one :data:`~outwork.core.artifact.Kind.IMAGE` artifact at the image's own path
describes the whole image for the images analyzer: the manifest and config (user, entrypoint,
command, environment, ports, labels, history), each layer's digests, the file index of every
layer with modes, owners, links and what became of each file, the package databases and release
files (every layer's copy, so a package's layer of origin is known), and every structural
problem met (a blob missing or not matching its digest, a whiteout that leaves the tree, a hard
link out of its layer, duplicate members).

Layouts: ``docker save`` (``manifest.json`` with ``<id>/layer.tar`` layers, and the OCI-in-docker
layout of Docker 25+), OCI image layouts (``oci-layout`` and ``index.json``, nested indexes
followed), each as a folder or a plain tar. No daemon and no registry: only files are read.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import re
import stat
import tempfile
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, BinaryIO, cast

from outwork.core.artifact import LAYER_ORIGIN, OS_PACKAGE_FILE, Artifact, Kind, join_member
from outwork.core.budgets import Budgets, clock
from outwork.core.corerules import ArchiveLinkEscape, ArchiveSpecialFile, ScanBudgetExceeded
from outwork.core.errors import TargetError
from outwork.core.findings import Finding, Skip
from outwork.sources import _tarlib
from outwork.sources.archives import (
    _Body,
    _check_name,
    _duplicate,
    _emit,
    _member_name,
    _unreadable,
    link_escapes,
    traversal,
)
from outwork.sources.reader import (
    CHUNK,
    ArchiveStop,
    Counting,
    Guarded,
    Scope,
    StreamStop,
    Wants,
    core_finding,
    decompressor,
)

Yielded = Artifact | Finding | Skip

#: Target prefixes that name an image explicitly.
IMAGE_PREFIXES = ("oci:", "docker-archive:")
#: Largest manifest, index or config read (bytes).
MAX_DOCUMENT_BYTES = 8 * 1024 * 1024
#: Bytes of package databases and release files kept for the image description, all layers.
MAX_META_BYTES = 256 * 1024 * 1024
#: Image indexes followed inside an index.
MAX_INDEX_DEPTH = 4
#: Images read inside images (a ``docker save`` tarball in a layer): deeper ones are read as
#: the plain tars they also are, said with a skip.
MAX_NESTED_IMAGES = 2
WHITEOUT = ".wh."
OPAQUE = ".wh..wh..opq"

#: Files that say what an image is made of: package databases and release files. Every layer's
#: copy is kept, so the layer that added a package is the lowest one whose copy lists it.
META_FILES = frozenset(
    {
        "var/lib/dpkg/status",
        "lib/apk/db/installed",
        "var/lib/rpm/rpmdb.sqlite",
        "var/lib/rpm/Packages.db",
        "usr/lib/sysimage/rpm/rpmdb.sqlite",
        "usr/lib/sysimage/rpm/Packages.db",
        # Berkeley DB (RHEL 8 and older, Amazon Linux 2)
        "var/lib/rpm/Packages",
        "usr/lib/sysimage/rpm/Packages",
        # rpm keeps sqlite in write-ahead-log mode: recent transactions live in the log
        "var/lib/rpm/rpmdb.sqlite-wal",
        "usr/lib/sysimage/rpm/rpmdb.sqlite-wal",
        "etc/os-release",
        "usr/lib/os-release",
        "etc/alpine-release",
        "etc/debian_version",
        "etc/redhat-release",
        "etc/passwd",
    }
)
#: Folders whose files are package records (distroless images) or package file lists.
META_FOLDERS = ("var/lib/dpkg/status.d/", "var/lib/dpkg/info/")
_META_SUFFIXES = {"var/lib/dpkg/info/": (".list",)}
#: dpkg's record of the files each package installed, with their MD5 (``<md5>  <path>``
#: lines): ``info/<package>.md5sums``, ``status.d/<package>.md5sums`` in distroless images.
_MD5SUMS_FOLDERS = ("var/lib/dpkg/info/", "var/lib/dpkg/status.d/")
#: Bytes of md5sums records read ahead of the layers, all layers (a full Debian: ~10 MB).
MAX_RECORDED_BYTES = 64 * 1024 * 1024
#: Top-level folders that merged-/usr images make links into /usr (dpkg records either form).
_MERGED = frozenset({"bin", "sbin", "lib", "lib32", "lib64", "libx32"})
_DIGEST_RE = re.compile(r"^(?P<alg>sha256|sha512):(?P<hex>[0-9a-f]{64}|[0-9a-f]{128})$")
_LAYER_TAGS = frozenset({"in-archive", "image-layer"})

#: File types in the index.
FILE, DIRECTORY, SYMLINK, HARDLINK, DEVICE = "file", "dir", "symlink", "hardlink", "device"


class ImageFormatError(Exception):
    """The files do not form an image (no manifest, unreadable index)."""


# --------------------------------------------------------------------------- where blobs are


class _Window:
    """A read-only view of ``size`` bytes at ``offset`` of a file (a blob inside a tar)."""

    def __init__(self, fh: BinaryIO, offset: int, size: int) -> None:
        self._fh = fh
        self._offset = offset
        self._size = size
        self._pos = 0

    def read(self, size: int = -1) -> bytes:
        left = self._size - self._pos
        want = left if size < 0 else min(size, left)
        if want <= 0:
            return b""
        self._fh.seek(self._offset + self._pos)
        data = self._fh.read(want)
        self._pos += len(data)
        return data

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = min(max(base + offset, 0), self._size)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> _Window:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(slots=True)
class _Entry:
    offset: int
    size: int
    type: bytes


class _Store:
    """The files of an image layout: a folder's files or a plain tar's members."""

    def __init__(self, root: Path, display: str) -> None:
        self.root = root
        self.display = display
        self.members: dict[str, _Entry] = {}
        #: Structural problems of the container itself (duplicate members).
        self.anomalies: list[dict[str, str]] = []
        self.is_tar = root.is_file()

    def index(self, budgets: Budgets) -> None:
        """List a tar's members (headers only: data is skipped by seeking)."""
        if not self.is_tar:
            return
        with self.root.open("rb") as fh:
            size = fh.seek(0, io.SEEK_END)
            fh.seek(0)

            def skip(wanted: int) -> int:
                here = fh.tell()
                moved = min(wanted, max(size - here, 0))
                fh.seek(here + moved)
                return moved

            reader = _tarlib.TarReader(cast(_tarlib.ByteSource, fh), skip=skip)
            count = 0
            while True:
                member = reader.next()
                if member is None:
                    return
                count += 1
                if count > budgets.max_members:
                    raise ImageFormatError(f"more than {budgets.max_members} members")
                name = _member_name(member.name).rstrip("/")
                if name in self.members and member.type in _tarlib.REGULAR_TYPES:
                    self.anomalies.append(
                        {
                            "kind": "duplicate-member",
                            "path": name,
                            "detail": "the image archive holds this member twice; tools "
                            "disagree on which copy is the image",
                        }
                    )
                self.members[name] = _Entry(reader.offset, member.size, member.type)

    def exists(self, name: str) -> bool:
        if self.is_tar:
            entry = self.members.get(name)
            return entry is not None and entry.type in _tarlib.REGULAR_TYPES
        return self._inside(name) is not None

    def _inside(self, name: str) -> Path | None:
        if traversal(name) or not name:
            return None
        path = self.root / name
        try:
            st = path.lstat()
            resolved = path.resolve(strict=True)
        except (OSError, RuntimeError):
            return None
        if not stat.S_ISREG(st.st_mode):
            return None
        root = self.root.resolve()
        return resolved if root in resolved.parents else None

    def size(self, name: str) -> int:
        if self.is_tar:
            return self.members[name].size
        found = self._inside(name)
        return found.stat().st_size if found is not None else 0

    def open(self, name: str) -> BinaryIO:
        if self.is_tar:
            entry = self.members[name]
            return cast(BinaryIO, _Window(self.root.open("rb"), entry.offset, entry.size))
        found = self._inside(name)
        if found is None:
            raise FileNotFoundError(name)
        fd = os.open(found, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        return os.fdopen(fd, "rb")

    def document(self, name: str) -> Any:
        """A JSON document of the layout (manifest, index, config), bounded."""
        if self.size(name) > MAX_DOCUMENT_BYTES:
            raise ImageFormatError(f"{name} is larger than {MAX_DOCUMENT_BYTES} bytes")
        with self.open(name) as fh:
            data = fh.read(MAX_DOCUMENT_BYTES + 1)
        try:
            return json.loads(data)
        except (ValueError, RecursionError) as exc:
            raise ImageFormatError(f"{name} is not JSON: {exc}") from None

    def digest(self, name: str, alg: str = "sha256") -> str:
        h = hashlib.new(alg)
        with self.open(name) as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        return f"{alg}:{h.hexdigest()}"


def blob_name(digest: str) -> str | None:
    """``blobs/<alg>/<hex>`` for a well-formed digest, None for anything else (a digest is
    never trusted as a path)."""
    match = _DIGEST_RE.match(digest)
    return f"blobs/{match['alg']}/{match['hex']}" if match else None


# --------------------------------------------------------------------------- what an image is


@dataclass(slots=True)
class LayerRef:
    blob: str
    digest: str | None = None  # expected digest of the blob's bytes (OCI descriptors)
    diff_id: str | None = None  # expected digest of the uncompressed tar (config rootfs)
    media_type: str = ""
    declared_size: int | None = None


@dataclass(slots=True)
class ImageRef:
    layout: str
    manifest_path: str
    config_blob: str | None
    config_digest: str | None
    layers: list[LayerRef]
    tags: list[str] = field(default_factory=list)
    anomalies: list[dict[str, str]] = field(default_factory=list)


def _is_digest_named(name: str) -> str | None:
    """The digest a legacy config file's name states (``<hex>.json``) or a blob path's."""
    base = name.rsplit("/", 1)[-1].removesuffix(".json")
    if re.fullmatch(r"[0-9a-f]{64}", base):
        return f"sha256:{base}"
    return None


def describe(store: _Store) -> list[ImageRef]:
    """The images a layout holds, from its OCI index or its docker manifest."""
    if store.exists("oci-layout") and store.exists("index.json"):
        return _oci_images(store)
    if store.exists("manifest.json"):
        return _docker_images(store)
    raise ImageFormatError("neither index.json with oci-layout nor manifest.json: not an image")


def _docker_images(store: _Store) -> list[ImageRef]:
    document = store.document("manifest.json")
    if not isinstance(document, list):
        raise ImageFormatError("manifest.json is not a list of images")
    images: list[ImageRef] = []
    for entry in document:
        if not isinstance(entry, dict):
            continue
        config = entry.get("Config")
        layers = entry.get("Layers") or []
        if not isinstance(config, str) or not isinstance(layers, list):
            continue
        refs = [
            LayerRef(str(layer), digest=_is_digest_named(str(layer)) if "blobs/" in layer else None)
            for layer in layers
            if isinstance(layer, str)
        ]
        tags = [str(t) for t in entry.get("RepoTags") or [] if isinstance(t, str)]
        images.append(
            ImageRef(
                "docker-archive", "manifest.json", config, _is_digest_named(config), refs, tags
            )
        )
    return images


def _oci_images(store: _Store) -> list[ImageRef]:
    images: list[ImageRef] = []
    anomalies: list[dict[str, str]] = []
    _walk_index(store, "index.json", store.document("index.json"), images, anomalies, 0)
    if images:
        images[0].anomalies.extend(anomalies)
    elif anomalies:
        raise ImageFormatError("; ".join(a["detail"] for a in anomalies))
    return images


def _walk_index(
    store: _Store,
    name: str,
    index: Any,
    images: list[ImageRef],
    anomalies: list[dict[str, str]],
    depth: int,
) -> None:
    if not isinstance(index, dict) or depth > MAX_INDEX_DEPTH:
        anomalies.append({"kind": "bad-index", "path": name, "detail": f"{name} is unusable"})
        return
    for desc in index.get("manifests") or []:
        if not isinstance(desc, dict):
            continue
        digest = str(desc.get("digest", ""))
        blob = blob_name(digest)
        if blob is None or not store.exists(blob):
            anomalies.append(
                {
                    "kind": "missing-blob",
                    "path": name,
                    "detail": f"{name} names {digest or 'a manifest'}, which the layout lacks",
                }
            )
            continue
        document = store.document(blob)
        if not isinstance(document, dict):
            continue
        media = str(document.get("mediaType") or desc.get("mediaType") or "")
        if "manifests" in document or media.endswith(("image.index.v1+json", "list.v2+json")):
            _walk_index(store, blob, document, images, anomalies, depth + 1)
            continue
        config = document.get("config") if isinstance(document.get("config"), dict) else {}
        assert isinstance(config, dict)
        layers = []
        for layer in document.get("layers") or []:
            if not isinstance(layer, dict):
                continue
            layer_digest = str(layer.get("digest", ""))
            size = layer.get("size")
            layers.append(
                LayerRef(
                    blob_name(layer_digest) or layer_digest,
                    digest=layer_digest,
                    media_type=str(layer.get("mediaType", "")),
                    declared_size=size if isinstance(size, int) else None,
                )
            )
        annotations = desc.get("annotations") if isinstance(desc.get("annotations"), dict) else {}
        assert isinstance(annotations, dict)
        tag = annotations.get("org.opencontainers.image.ref.name") or annotations.get(
            "io.containerd.image.name"
        )
        config_digest = str(config.get("digest", ""))
        images.append(
            ImageRef(
                "oci-layout",
                blob,
                blob_name(config_digest),
                config_digest or None,
                layers,
                [str(tag)] if tag else [],
            )
        )


# --------------------------------------------------------------------------- detection


def is_image_dir(path: Path) -> bool:
    """Whether a folder is an OCI layout or an unpacked ``docker save``."""
    if (path / "oci-layout").is_file() and (path / "index.json").is_file():
        return True
    manifest = path / "manifest.json"
    if not manifest.is_file() or manifest.stat().st_size > MAX_DOCUMENT_BYTES:
        return False
    return _docker_manifest(manifest.read_bytes())


def _docker_manifest(data: bytes) -> bool:
    try:
        document = json.loads(data)
    except (ValueError, RecursionError):
        return False
    return (
        isinstance(document, list)
        and bool(document)
        and all(isinstance(e, dict) and "Config" in e and "Layers" in e for e in document)
    )


def is_image_tar(path: str, budgets: Budgets) -> bool:
    """Whether a plain tar on disk is an image layout (its headers only are read)."""
    store = _Store(Path(path), path)
    try:
        store.index(budgets)
    except (ImageFormatError, _tarlib.TarFormatError, OSError):
        return False
    names = store.members
    if "oci-layout" in names and "index.json" in names:
        return True
    if "manifest.json" not in names or names["manifest.json"].size > MAX_DOCUMENT_BYTES:
        return False
    with store.open("manifest.json") as fh:
        return _docker_manifest(fh.read())


# --------------------------------------------------------------------------- reading


def open_image(
    target: str,
    budgets: Budgets,
    *,
    wants: Wants | None = None,
    display: str | None = None,
    nested: int = 0,
) -> Iterator[Yielded]:
    """Everything an image holds: its files as artifacts, findings, skips, and the
    :data:`Kind.IMAGE` description. ``target`` is a folder or a plain tar, optionally with an
    ``oci:`` or ``docker-archive:`` prefix; ``nested`` counts the images it is inside."""
    for prefix in IMAGE_PREFIXES:
        target = target.removeprefix(prefix)
    root = Path(target)
    if not root.exists():
        raise TargetError(f"{target}: no such file or directory; check the image path")
    shown = display or (target.rstrip("/") or "/")
    store = _Store(root, shown)
    try:
        store.index(budgets)
        images = describe(store)
    except (ImageFormatError, _tarlib.TarFormatError, OSError) as exc:
        raise TargetError(
            f"{target}: not a readable image ({exc}); name a `docker save` tarball or an OCI"
            " image layout (folder or tar), or scan it without the oci:/docker-archive: prefix"
        ) from None
    reader = _ImageReader(store, budgets, wants, nested)
    for image in images:
        yield from reader.read(image)


def open_compressed_image(
    path: str, kind: Kind, budgets: Budgets, *, wants: Wants | None, display: str
) -> Iterator[Yielded] | None:
    """A compressed ``docker save`` or OCI tar (``docker save | gzip``: ``.tar.gz``, ``.tgz``,
    zstd, xz, bzip2) as an image, or None when its tar is no image. Its tar headers are read
    once from the stream (data skipped, the budgets counting what is decompressed); an image
    is then decompressed into a private temporary file, the only way to reach its blobs in
    any order, and read from there."""
    scope = Scope(budgets, budgets.deadline(), display, max(Path(path).stat().st_size, 1), None)
    names: set[str] = set()
    try:
        with open(path, "rb") as raw:  # noqa: PTH123 - a descriptor handed to the stream
            counting = Counting(raw)
            source = Guarded(decompressor(kind, counting), counting, scope, display, True)
            reader = _tarlib.TarReader(source)
            while (member := reader.next()) is not None:
                scope.member()
                names.add(_member_name(member.name).rstrip("/"))
    except Exception:
        return None
    if not ("manifest.json" in names or {"oci-layout", "index.json"} <= names):
        return None
    return _spilled(_decompressed(path, kind, scope), budgets, wants, display, 0)


def _decompressed(path: str, kind: Kind, scope: Scope) -> Iterator[bytes]:
    scope.expanded = 0
    with open(path, "rb") as raw:  # noqa: PTH123 - a descriptor handed to the stream
        counting = Counting(raw)
        source = Guarded(decompressor(kind, counting), counting, scope, scope.top, True)
        while chunk := source.read(CHUNK):
            yield chunk


def _spilled(
    chunks: Iterator[bytes], budgets: Budgets, wants: Wants | None, display: str, nested: int
) -> Iterator[Yielded]:
    """An image's tar written into a private temporary folder, read as an image, removed."""
    with tempfile.TemporaryDirectory(prefix="outwork-image-") as scratch:
        spill = Path(scratch) / "image.tar"
        try:
            with spill.open("wb") as out:
                for chunk in chunks:
                    out.write(chunk)
        except (ArchiveStop, StreamStop) as stop:
            yield stop.finding
            yield Skip(display, stop.reason)
            return
        try:
            yield from open_image(str(spill), budgets, wants=wants, display=display, nested=nested)
        except TargetError as exc:
            yield Skip(display, f"an image's tar that does not read as one: {exc}")


@dataclass(slots=True)
class _Upper:
    """What the layers above the one being read did, each path to the lowest such layer."""

    present: dict[str, tuple[int, str]] = field(default_factory=dict)
    whiteouts: dict[str, int] = field(default_factory=dict)
    opaque: dict[str, int] = field(default_factory=dict)

    def fate(self, path: str, kind: str) -> tuple[str, int | None]:
        """``present``, ``deleted`` or ``overwritten``, and the layer that did it."""
        best: tuple[int, str] | None = None

        def note(layer: int, what: str) -> None:
            nonlocal best
            if best is None or layer < best[0]:
                best = (layer, what)

        parts = path.split("/")
        for depth in range(1, len(parts)):
            ancestor = "/".join(parts[:depth])
            if ancestor in self.whiteouts:
                note(self.whiteouts[ancestor], "deleted")
            if ancestor in self.opaque:
                note(self.opaque[ancestor], "deleted")
            above = self.present.get(ancestor)
            if above is not None and above[1] != DIRECTORY:
                note(above[0], "deleted")
        if path in self.whiteouts:
            note(self.whiteouts[path], "deleted")
        above = self.present.get(path)
        if above is not None and not (kind == DIRECTORY and above[1] == DIRECTORY):
            note(above[0], "overwritten")
        if best is None:
            return "present", None
        return best[1], best[0]


class _Hashing:
    """A blob read once, front to back, hashed and counted on the way."""

    def __init__(self, raw: BinaryIO, alg: str) -> None:
        self._raw = raw
        self.hash = hashlib.new(alg)
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self.hash.update(data)
        self.size += len(data)
        return data


class _DiffHash:
    """The uncompressed tar stream, hashed as the tar reader takes it (the layer's diff id)."""

    def __init__(self, source: Guarded) -> None:
        self._source = source
        self.hash = hashlib.sha256()

    def read(self, size: int) -> bytes:
        data = self._source.read(size)
        self.hash.update(data)
        return data


_MAGIC = (
    (b"\x1f\x8b", Kind.GZIP),
    (b"\x28\xb5\x2f\xfd", Kind.ZSTD),
    (b"BZh", Kind.BZIP2),
    (b"\xfd7zXZ\x00", Kind.XZ),
)


@dataclass(slots=True)
class _Recorded:
    """What dpkg recorded of the files of an image's packages: each path's MD5 and package,
    by the layer holding the record. Read ahead of the layers (:meth:`_ImageReader._recorded`),
    so that each file can be compared with its record as it streams by."""

    digests: dict[str, list[tuple[int, str, str]]] = field(default_factory=dict)
    size: int = 0

    def add(self, layer: int, package: str, text: str) -> None:
        for line in text.splitlines():
            digest, _, path = line.partition(" ")
            path = path.strip().lstrip("/")
            if len(digest) == 32 and path:
                self.digests.setdefault(path, []).append((layer, digest.lower(), package))

    def lookup(self, path: str, layer: int) -> list[tuple[str, str]]:
        """``(md5, package)`` of each record of ``path`` (or its merged-/usr twin) held by this
        layer or one below it: dpkg recorded the file when it installed it."""
        entries = self.digests.get(path) or self.digests.get(_merged_twin(path)) or []
        return [(digest, package) for at, digest, package in entries if at <= layer]


def _merged_twin(path: str) -> str:
    """``usr/lib/x`` for ``lib/x`` and back: merged-/usr links one to the other."""
    head, _, rest = path.partition("/")
    if head == "usr":
        top = rest.split("/", 1)[0]
        return rest if top in _MERGED else path
    return f"usr/{path}" if head in _MERGED else path


def _md5sums_package(clean: str) -> str | None:
    """The package whose md5sums record this path is, or None."""
    for folder in _MD5SUMS_FOLDERS:
        if clean.startswith(folder) and clean.endswith(".md5sums"):
            name = clean[len(folder) : -len(".md5sums")]
            if name and "/" not in name:
                return name.split(":", 1)[0]
    return None


class _ImageReader:
    def __init__(self, store: _Store, budgets: Budgets, wants: Wants | None, nested: int) -> None:
        self.store = store
        self.budgets = budgets
        self.wants = wants
        self.nested = nested
        self.deadline = budgets.deadline()
        self.meta_bytes = 0
        #: Layers already read for an earlier image of the same layout: blob -> description.
        self.read_layers: dict[str, dict[str, Any]] = {}
        self.recorded = _Recorded()

    def read(self, image: ImageRef) -> Iterator[Yielded]:
        anomalies = list(self.store.anomalies) + image.anomalies
        config: Any = {}
        config_path = image.config_blob or ""
        if image.config_blob is None or not self.store.exists(image.config_blob):
            anomalies.append(
                _anomaly("missing-blob", image.manifest_path, f"the config {config_path} is absent")
            )
        else:
            config = self._config(image, anomalies)
            yield from self._document(image.config_blob)
        diff_ids = _diff_ids(config)
        history = _layer_history(config)
        self.recorded = self._recorded(image)
        upper = _Upper()
        layers: list[dict[str, Any]] = []
        for index in range(len(image.layers) - 1, -1, -1):
            ref = image.layers[index]
            if index < len(diff_ids):
                ref.diff_id = diff_ids[index]
            if image.layout == "docker-archive" and ref.digest is None:
                ref.digest = ref.diff_id  # a legacy layer.tar is its uncompressed tar
            described = yield from self._layer(ref, index, upper, anomalies)
            described["created_by"] = history[index] if index < len(history) else ""
            layers.append(described)
        if diff_ids and len(diff_ids) != len(image.layers):
            anomalies.append(
                _anomaly(
                    "layer-count",
                    config_path,
                    f"the config lists {len(diff_ids)} layers, the manifest {len(image.layers)}",
                )
            )
        layers.reverse()
        summary = {
            "layout": image.layout,
            "manifest": image.manifest_path,
            "config_path": config_path,
            "config_digest": image.config_digest,
            "tags": image.tags,
            "config": config if isinstance(config, dict) else {},
            "layers": layers,
            "anomalies": anomalies,
        }
        data = json.dumps(summary, separators=(",", ":")).encode()
        yield Artifact(
            path=self.store.display,
            kind=Kind.IMAGE,
            size=len(data),
            data=data,
            root=self.store.display,
            tags=frozenset({"image"}),
        )

    def _recorded(self, image: ImageRef) -> _Recorded:
        """dpkg's md5sums records of every layer, read ahead: an uncompressed layer's headers
        by seeking, a compressed one decompressed once more. A layer this cannot read is read
        again by the main pass, which says what stopped it; its files then have no record and
        are analysed as files no package recorded."""
        recorded = _Recorded()
        for index, ref in enumerate(image.layers):
            if recorded.size >= MAX_RECORDED_BYTES or not self.store.exists(ref.blob):
                continue
            try:
                self._record_layer(ref, index, recorded)
            except Exception:  # noqa: S112 - the main pass reports what stops a layer
                continue
        return recorded

    def _record_layer(self, ref: LayerRef, index: int, recorded: _Recorded) -> None:
        path = join_member(self.store.display, ref.blob)
        scope = Scope(self.budgets, self.deadline, path, max(self.store.size(ref.blob), 1), None)
        with self.store.open(ref.blob) as raw:
            head = raw.read(6)
            kind = next((k for magic, k in _MAGIC if head.startswith(magic)), Kind.TAR)
            raw.seek(0)
            if kind is Kind.TAR:
                reader = _tarlib.TarReader(cast(_tarlib.ByteSource, raw), skip=_seeking(raw))
            else:
                counting = Counting(raw)
                source = Guarded(decompressor(kind, counting), counting, scope, path, True)
                reader = _tarlib.TarReader(source)
            while (member := reader.next()) is not None:
                scope.member()
                package = _md5sums_package(_clean(_member_name(member.name)))
                if package is None or member.type not in _tarlib.REGULAR_TYPES:
                    continue
                recorded.size += member.size
                if recorded.size > MAX_RECORDED_BYTES:
                    return
                data = reader.read_data(member.size)
                recorded.add(index, package, data.decode("utf-8", errors="replace"))

    def _config(self, image: ImageRef, anomalies: list[dict[str, str]]) -> Any:
        assert image.config_blob is not None
        try:
            config = self.store.document(image.config_blob)
        except ImageFormatError as exc:
            anomalies.append(_anomaly("bad-config", image.config_blob, str(exc)))
            return {}
        expected = image.config_digest
        if expected and _DIGEST_RE.match(expected):
            actual = self.store.digest(image.config_blob, expected.split(":", 1)[0])
            if actual != expected:
                anomalies.append(
                    _anomaly(
                        "digest-mismatch",
                        image.config_blob,
                        f"the config's content is {actual}, its name says {expected}",
                    )
                )
        return config

    def _document(self, name: str) -> Iterator[Yielded]:
        """A JSON document of the layout as an artifact of its own (secrets in its history)."""
        with self.store.open(name) as fh:
            data = fh.read(MAX_DOCUMENT_BYTES)
        yield Artifact(
            path=join_member(self.store.display, name),
            kind=Kind.JSON,
            size=len(data),
            data=data,
            root=self.store.display,
            tags=frozenset({"in-archive", "image-config"}),
        )

    def _layer(
        self, ref: LayerRef, index: int, upper: _Upper, anomalies: list[dict[str, str]]
    ) -> Generator[Yielded, None, dict[str, Any]]:
        """Read one layer (its files are yielded); returns its description."""
        path = join_member(self.store.display, ref.blob)
        described: dict[str, Any] = {
            "index": index,
            "blob": ref.blob,
            "digest": ref.digest,
            "diff_id": ref.diff_id,
            "media_type": ref.media_type,
            "files": [],
            "meta": {},
        }
        if not self.store.exists(ref.blob):
            anomalies.append(
                _anomaly("missing-blob", ref.blob, f"layer {index} ({ref.digest}) is absent")
            )
            return described
        previous = self.read_layers.get(ref.blob)
        if previous is not None:
            for entry in previous["files"]:
                _record(upper, entry)
            return {**previous, "index": index}
        size = max(self.store.size(ref.blob), 1)
        scope = Scope(self.budgets, self.deadline, path, size, self.wants)
        alg = (ref.digest or "sha256:").split(":", 1)[0]
        alg = alg if alg in ("sha256", "sha512") else "sha256"
        own: list[list[Any]] = []
        with self.store.open(ref.blob) as raw:
            hashing = _Hashing(raw, alg)
            layer = _Layer(path, index, upper, own, described, scope)
            try:
                for item in self._members(hashing, layer):
                    # the budgets time the reading, not what the scan does with each file
                    # between two reads (analysis runs while this generator waits)
                    paused, paused_wall = clock(), time.monotonic()
                    yield item
                    waited = clock() - paused
                    scope.deadline += waited
                    self.deadline += waited
                    scope.wall_deadline += time.monotonic() - paused_wall
            except (ArchiveStop, StreamStop) as stop:
                described["incomplete"] = stop.reason
                yield stop.finding
                yield Skip(stop.finding.location.path, stop.reason)
            else:
                _check_digests(ref, hashing, described, anomalies)
        for entry in own:
            _record(upper, entry)
        described["size"] = hashing.size
        self.read_layers[ref.blob] = described
        return described

    def _members(self, raw: _Hashing, layer: _Layer) -> Iterator[Yielded]:
        path, scope, described = layer.path, layer.scope, layer.described
        head = raw.read(6)
        kind = next((k for magic, k in _MAGIC if head.startswith(magic)), Kind.TAR)
        counting = Counting(cast(BinaryIO, _Prefixed(head, raw)))
        source = Guarded(decompressor(kind, counting), counting, scope, path, kind is not Kind.TAR)
        # an uncompressed blob is its tar: the blob's sha256 is the diff id, hashed once
        diff = None if kind is Kind.TAR and raw.hash.name == "sha256" else _DiffHash(source)
        reader = _tarlib.TarReader(source if diff is None else diff)
        described["compression"] = kind.value
        while True:
            try:
                member = reader.next()
            except (ArchiveStop, StreamStop):
                raise
            except Exception as exc:  # corrupt headers and streams of every kind
                yield _unreadable(path, exc, "image layer")
                return
            if member is None:
                try:
                    reader.drain()
                except (ArchiveStop, StreamStop):
                    raise
                except Exception as exc:  # a stream cut after the end marker
                    yield _unreadable(path, exc, "image layer")
                    return
                tar_hash = raw.hash if diff is None else diff.hash
                described["diff"] = f"sha256:{tar_hash.hexdigest()}"
                return
            scope.member()
            yield from self._member(member, reader, layer)

    def _member(
        self, member: _tarlib.TarMember, reader: _tarlib.TarReader, layer: _Layer
    ) -> Iterator[Yielded]:
        scope = layer.scope
        name = _member_name(member.name)
        found, ok = _check_name(scope, layer.path, name)
        yield from found
        clean = _clean(name)
        if not ok or not clean:
            return
        path = join_member(layer.path, name)
        base = clean.rsplit("/", 1)[-1]
        if base.startswith(WHITEOUT):
            layer.whiteout(clean, base)
            return
        type_ = member.type
        if type_ in (_tarlib.HARDLINK, _tarlib.SYMLINK):
            yield from layer.link(member, name, clean, path)
            return
        if type_ in _tarlib.DEVICE_TYPES:
            if not clean.startswith("dev/"):
                # a root file system's /dev holds its device nodes (debootstrap, mmdebstrap);
                # a runtime mounts its own /dev over them. Anywhere else one is out of place.
                yield core_finding(
                    ArchiveSpecialFile,
                    path,
                    "image layer holds a device or FIFO outside /dev",
                    f"type {type_!r}",
                )
            layer.add(clean, DEVICE, member)
            return
        if type_ == _tarlib.DIRECTORY or (name.endswith("/") and not member.size):
            layer.add(clean, DIRECTORY, member)
            return
        if type_ not in _tarlib.REGULAR_TYPES:
            return
        entry = layer.add(clean, FILE, member)
        fate = entry[8]
        if member.size > scope.budgets.max_member_bytes:
            limit = scope.budgets.max_member_bytes
            yield Skip(path, f"member larger than the member budget ({limit} bytes)")
            return
        body = _Body(scope, path, name, rereadable=False)
        meta = _is_meta(clean)
        if meta:
            body.decided = True  # package databases are always held: the image needs them
        records = self.recorded.lookup(clean, layer.index)
        md5 = hashlib.md5(usedforsecurity=False) if records else None
        try:
            while body.size < member.size:
                chunk = reader.read_data(CHUNK)
                body.add(chunk)
                if md5 is not None:
                    md5.update(chunk)
        except (ArchiveStop, StreamStop):
            raise
        except Exception as exc:  # truncated or corrupt streams
            yield _unreadable(path, exc, "image layer member")
            return
        entry.append(body.digest())
        recorded = md5 is not None and md5.hexdigest() in {digest for digest, _ in records}
        if records:
            # what became of the package's record: the distribution's bytes, or others
            entry += ["recorded" if recorded else "modified", records[-1][1]]
        yield from _duplicate(layer.seen, name, path, body.digest())
        if meta and body.held:
            yield from self._keep(clean, body.data(), layer.described, path)
        tags = _LAYER_TAGS | ({f"image-{fate}"} if fate != "present" else set())
        if member.mode & 0o111:
            tags = tags | {"executable-bit"}
        origin = layer.described["digest"] or layer.described["blob"]
        # the file and what it holds (a gzip'd changelog's text, a jar's pom.properties) come
        # from this layer, and are the package's own bytes when its record says so
        inherited = {f"{LAYER_ORIGIN}{layer.index}:{origin}"} | (
            {OS_PACKAGE_FILE} if recorded else set()
        )
        yield from self._emit(name, path, body, layer, frozenset(tags | inherited), inherited)

    def _emit(
        self,
        name: str,
        path: str,
        body: _Body,
        layer: _Layer,
        tags: frozenset[str],
        inherited: set[str],
    ) -> Iterator[Yielded]:
        """A layer's file as an artifact, with what it holds: an image tarball as an image
        (nested only so deep), another archive as its members."""
        scope = layer.scope
        if body.held and _is_image_tar_bytes(body.data()[: 1 << 20]):
            if self.nested < MAX_NESTED_IMAGES:
                # read as the image it is, not twice (as a plain tar too)
                yield Artifact(
                    path=path,
                    kind=Kind.TAR,
                    size=body.size,
                    data=body.data(),
                    root=self.store.display,
                    tags=tags | {"container-image"},
                    _digest=[body.digest()],
                )
                chunks = iter((body.data(),))
                yield from _spilled(chunks, self.budgets, self.wants, path, self.nested + 1)
                return
            yield Skip(
                path,
                f"an image inside {self.nested + 1} images: read as a plain tar, not as an image"
                f" (at most {MAX_NESTED_IMAGES} nested images are read as images)",
            )
        container = Artifact(path=layer.path, kind=Kind.TAR, size=0, root=scope.top)
        for item in _emit(container, name, body, scope, 1):
            if isinstance(item, Artifact) and item.path == path:
                item = replace(item, tags=item.tags | tags, root=self.store.display)
            elif isinstance(item, Artifact):
                item = replace(item, tags=item.tags | inherited)
            yield item

    def _keep(
        self, clean: str, data: bytes, described: dict[str, Any], path: str
    ) -> Iterator[Yielded]:
        self.meta_bytes += len(data)
        if self.meta_bytes > MAX_META_BYTES:
            yield core_finding(
                ScanBudgetExceeded,
                path,
                f"package databases beyond {MAX_META_BYTES} bytes are not kept for the image",
                f"{self.meta_bytes} bytes",
            )
            yield Skip(path, "package database over the image's metadata budget; not read")
            return
        described["meta"][clean] = base64.b64encode(data).decode("ascii")


class _Prefixed:
    """Bytes already read from the front of a stream, then the stream."""

    def __init__(self, head: bytes, raw: _Hashing) -> None:
        self._head = head
        self._raw = raw

    def read(self, size: int = -1) -> bytes:
        if self._head:
            out, self._head = (
                (self._head, b"") if size < 0 else (self._head[:size], self._head[size:])
            )
            return out
        return self._raw.read(size)


def _is_image_tar_bytes(head: bytes) -> bool:
    """Whether bytes start a plain tar whose members make an image layout (a ``docker save``
    or an OCI tar held in memory): its headers are read, its data skipped."""
    if len(head) < 512 or head[257:262] != b"ustar":
        return False
    names: set[str] = set()
    reader = _tarlib.TarReader(io.BytesIO(head))
    try:
        while (member := reader.next()) is not None:
            names.add(_member_name(member.name).rstrip("/"))
    except Exception:  # noqa: S110 - the head ends inside the tar: judged on what was read
        pass
    return "manifest.json" in names or {"oci-layout", "index.json"} <= names


def _seeking(fh: BinaryIO) -> Callable[[int], int]:
    """A tar reader's way past member data it does not read: a seek, within the blob."""
    size = fh.seek(0, io.SEEK_END)
    fh.seek(0)

    def skip(wanted: int) -> int:
        here = fh.tell()
        moved = min(wanted, max(size - here, 0))
        fh.seek(here + moved)
        return moved

    return skip


def _anomaly(kind: str, path: str, detail: str) -> dict[str, str]:
    return {"kind": kind, "path": path, "detail": detail}


def _clean(name: str) -> str:
    """A member's path in the image's file system: the runtime joins it below the root, so a
    leading slash or a ``..`` that climbs above it stays at the root."""
    parts: list[str] = []
    for part in name.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts:
                parts.pop()
            continue
        parts.append(part)
    return "/".join(parts)


@dataclass(slots=True)
class _Layer:
    """One layer being read: where it is, what the layers above did, its file index."""

    path: str
    index: int
    upper: _Upper
    own: list[list[Any]]
    described: dict[str, Any]
    scope: Scope
    seen: dict[str, str] = field(default_factory=dict)
    in_layer: set[str] = field(default_factory=set)

    def add(self, clean: str, kind: str, member: _tarlib.TarMember, link: str = "") -> list[Any]:
        """Index a member: ``[path, type, mode, uid, gid, size, link, layer, fate, by]`` (a
        file's digest is appended once read)."""
        fate, by = self.upper.fate(clean, kind)
        entry = [clean, kind, member.mode, member.uid, member.gid, member.size, link, self.index]
        entry += [fate, by]
        self.own.append(entry)
        self.described["files"].append(entry)
        self.in_layer.add(clean)
        return entry

    def whiteout(self, clean: str, base: str) -> None:
        parent = clean.rsplit("/", 1)[0] if "/" in clean else ""
        if base == OPAQUE:
            entry = [parent, "opaque", 0, 0, 0, 0, "", self.index, "present", None]
        else:
            hidden = base[len(WHITEOUT) :]
            target = f"{parent}/{hidden}" if parent else hidden
            if hidden in ("", ".", "..") or hidden.startswith(WHITEOUT) or traversal(target):
                self.described.setdefault("bad_whiteouts", []).append([clean, hidden])
                return
            entry = [target, "whiteout", 0, 0, 0, 0, "", self.index, "present", None]
        self.own.append(entry)
        self.described["files"].append(entry)

    def link(
        self, member: _tarlib.TarMember, name: str, clean: str, path: str
    ) -> Iterator[Finding]:
        hard = member.type == _tarlib.HARDLINK
        target = member.linkname
        self.add(clean, HARDLINK if hard else SYMLINK, member, target)
        if hard:
            if link_escapes(name, target, relative_to_root=True):
                yield core_finding(
                    ArchiveLinkEscape,
                    path,
                    f"hard link points outside the image: {target}",
                    f"{name} -> {target}",
                )
            elif _clean(target) not in self.in_layer:
                self.described.setdefault("foreign_links", []).append([clean, target])
            return
        # A symbolic link in an image resolves inside the container's root: an absolute target
        # is the image's own file; a relative one that climbs above the root does not exist.
        if not target.startswith("/") and link_escapes(name, target, relative_to_root=False):
            yield core_finding(
                ArchiveLinkEscape,
                path,
                f"symbolic link climbs out of the image's root: {target}",
                f"{name} -> {target}",
            )


def _record(upper: _Upper, entry: list[Any]) -> None:
    path, kind, index = entry[0], entry[1], entry[7]
    if kind == "whiteout":
        upper.whiteouts[path] = index
    elif kind == "opaque":
        upper.opaque[path] = index
    else:
        upper.present[path] = (index, kind)


def _is_meta(clean: str) -> bool:
    if clean in META_FILES:
        return True
    for folder in META_FOLDERS:
        if clean.startswith(folder) and "/" not in clean[len(folder) :]:
            suffixes = _META_SUFFIXES.get(folder)
            return suffixes is None or clean.endswith(suffixes)
    return False


def _check_digests(
    ref: LayerRef, hashing: _Hashing, described: dict[str, Any], anomalies: list[dict[str, str]]
) -> None:
    actual = f"{hashing.hash.name}:{hashing.hash.hexdigest()}"
    described["actual_digest"] = actual
    if ref.digest and _DIGEST_RE.match(ref.digest) and actual != ref.digest:
        anomalies.append(
            _anomaly(
                "digest-mismatch",
                ref.blob,
                f"the layer's bytes hash to {actual}, the manifest says {ref.digest}",
            )
        )
    diff = described.get("diff")
    checked = ref.digest == ref.diff_id  # a legacy layer.tar: its digest is its diff id
    if ref.diff_id and diff and _DIGEST_RE.match(ref.diff_id) and diff != ref.diff_id:  # noqa: SIM102 - two reasons, one comment each
        if not checked:
            anomalies.append(
                _anomaly(
                    "diff-id-mismatch",
                    ref.blob,
                    f"the layer's tar hashes to {diff}, the config's rootfs says {ref.diff_id}",
                )
            )
    if ref.declared_size is not None and ref.declared_size != hashing.size:
        anomalies.append(
            _anomaly(
                "size-mismatch",
                ref.blob,
                f"the layer holds {hashing.size} bytes, the manifest says {ref.declared_size}",
            )
        )


def _diff_ids(config: Any) -> list[str]:
    rootfs = config.get("rootfs") if isinstance(config, dict) else None
    ids = rootfs.get("diff_ids") if isinstance(rootfs, dict) else None
    return [str(i) for i in ids] if isinstance(ids, list) else []


def _layer_history(config: Any) -> list[str]:
    """The ``created_by`` of each history entry that made a layer, in layer order."""
    history = config.get("history") if isinstance(config, dict) else None
    if not isinstance(history, list):
        return []
    return [
        str(h.get("created_by", ""))
        for h in history
        if isinstance(h, dict) and not h.get("empty_layer")
    ]


__all__ = [
    "IMAGE_PREFIXES",
    "ImageFormatError",
    "blob_name",
    "describe",
    "is_image_dir",
    "is_image_tar",
    "open_image",
]
