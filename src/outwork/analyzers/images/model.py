"""The image as the images layer sees it: the source's description, parsed once."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

from outwork.core.artifact import MEMBER_SEP


@dataclass(frozen=True, slots=True)
class File:
    """One entry of a layer's index."""

    path: str
    type: str  # file, dir, symlink, hardlink, device, whiteout, opaque
    mode: int
    uid: int
    gid: int
    size: int
    link: str
    layer: int
    fate: str  # present, deleted, overwritten
    by: int | None
    digest: str = ""
    #: A file an OS package's database records (dpkg md5sums): ``recorded`` when its bytes are
    #: the recorded ones, ``modified`` when not; "" for files no record names.
    recorded: str = ""
    #: The package whose record names it.
    package: str = ""


@dataclass(frozen=True, slots=True)
class Layer:
    index: int
    blob: str
    digest: str | None
    diff_id: str | None
    created_by: str
    files: tuple[File, ...]
    meta: dict[str, bytes]
    bad_whiteouts: tuple[tuple[str, str], ...] = ()
    foreign_links: tuple[tuple[str, str], ...] = ()
    #: Why a budget stopped reading this layer (its file index is partial), or "".
    incomplete: str = ""


@dataclass(slots=True)
class Image:
    layout: str
    config_path: str
    config_digest: str | None
    tags: list[str]
    config: dict[str, Any]
    layers: list[Layer]
    anomalies: list[dict[str, str]]
    #: The image's own logical path (the artifact's): related locations are full paths.
    root: str = ""
    _final: dict[str, File] | None = field(default=None, repr=False)
    #: What checks compute once and share (the package inventory).
    cache: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def settings(self) -> dict[str, Any]:
        """The runtime settings (``config`` inside the config document)."""
        inner = self.config.get("config")
        return inner if isinstance(inner, dict) else {}

    @property
    def name(self) -> str:
        return self.tags[0] if self.tags else (self.config_digest or "image")

    @property
    def node(self) -> str:
        """The image's node in the attack graph."""
        return f"image:{self.config_digest or self.name}"

    def where(self, file: File) -> str:
        """A file's place relative to the image: ``BLOB!/path``."""
        return f"{self.layers[file.layer].blob}{MEMBER_SEP}{file.path}"

    def full(self, file: File) -> str:
        """A file's full logical path: ``IMAGE!/BLOB!/path``."""
        return f"{self.root}{MEMBER_SEP}{self.where(file)}"

    def layer_at(self, index: int) -> Layer | None:
        for layer in self.layers:
            if layer.index == index:
                return layer
        return None

    def final(self) -> dict[str, File]:
        """The file system a container starts from: every path's entry in its topmost layer,
        what a whiteout, an opaque folder or a replaced parent removed left out."""
        if self._final is None:
            self._final = {
                f.path: f
                for layer in self.layers
                for f in layer.files
                if f.fate == "present" and f.type not in ("whiteout", "opaque")
            }
        return self._final

    def meta(self, path: str) -> list[tuple[int, bytes]]:
        """Every layer's copy of a package database or release file, lowest layer first."""
        return [(layer.index, layer.meta[path]) for layer in self.layers if path in layer.meta]

    def meta_final(self, path: str) -> bytes | None:
        """The copy of ``path`` that the final file system holds."""
        entry = self.final().get(path)
        if entry is None:
            return None
        layer = self.layer_at(entry.layer)
        return layer.meta.get(path) if layer is not None else None


def _file(row: list[Any]) -> File:
    digest = str(row[10]) if len(row) > 10 else ""
    recorded, package = (str(row[11]), str(row[12])) if len(row) > 12 else ("", "")
    by = row[9] if isinstance(row[9], int) else None
    return File(
        str(row[0]),
        str(row[1]),
        int(row[2]),
        int(row[3]),
        int(row[4]),
        int(row[5]),
        str(row[6]),
        int(row[7]),
        str(row[8]),
        by,
        digest,
        recorded,
        package,
    )


def load(data: bytes, root: str = "") -> Image:
    """The source's description of an image (see :mod:`outwork.sources.images`)."""
    summary = json.loads(data)
    layers = []
    for item in summary.get("layers") or []:
        meta = {k: base64.b64decode(v) for k, v in (item.get("meta") or {}).items()}
        layers.append(
            Layer(
                int(item["index"]),
                str(item["blob"]),
                item.get("digest"),
                item.get("diff_id"),
                str(item.get("created_by") or ""),
                tuple(_file(row) for row in item.get("files") or []),
                meta,
                tuple((str(a), str(b)) for a, b in item.get("bad_whiteouts") or []),
                tuple((str(a), str(b)) for a, b in item.get("foreign_links") or []),
                str(item.get("incomplete") or ""),
            )
        )
    config = summary.get("config")
    return Image(
        layout=str(summary.get("layout", "")),
        config_path=str(summary.get("config_path", "")),
        config_digest=summary.get("config_digest"),
        tags=[str(t) for t in summary.get("tags") or []],
        config=config if isinstance(config, dict) else {},
        layers=layers,
        anomalies=list(summary.get("anomalies") or []),
        root=root,
    )
