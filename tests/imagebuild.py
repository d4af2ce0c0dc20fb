"""Container images built in pure Python (tarfile, json, hashlib) for tests and benchmarks.

Layers are tars of the files given, compressed with gzip, zstd or not at all; images are
written as ``docker save`` tarballs (the legacy ``<id>/layer.tar`` layout or the OCI-in-docker
layout of Docker 25+) or as OCI image layouts (a folder or a tar). Nothing here runs or pulls
anything.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import sqlite3
import struct
import subprocess
import tarfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import zstandard


@dataclass(frozen=True)
class Node:
    """One tar member of a layer: a file (``data``), a folder, a link or a whiteout."""

    data: bytes = b""
    mode: int = 0o644
    type: bytes = tarfile.REGTYPE
    link: str = ""
    uid: int = 0
    gid: int = 0


def folder(mode: int = 0o755) -> Node:
    return Node(type=tarfile.DIRTYPE, mode=mode)


def symlink(target: str) -> Node:
    return Node(type=tarfile.SYMTYPE, link=target, mode=0o777)


def hardlink(target: str) -> Node:
    return Node(type=tarfile.LNKTYPE, link=target)


Files = dict[str, bytes | Node]


def layer_tar(files: Files) -> bytes:
    """An uncompressed layer holding ``files`` in the given order (parents are not added)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for name, item in files.items():
            node = item if isinstance(item, Node) else Node(item)
            info = tarfile.TarInfo(name)
            info.type = node.type
            info.mode = node.mode
            info.uid, info.gid = node.uid, node.gid
            info.linkname = node.link
            info.mtime = 1_700_000_000
            if node.type == tarfile.REGTYPE:
                info.size = len(node.data)
                tf.addfile(info, io.BytesIO(node.data))
            else:
                tf.addfile(info)
    return raw.getvalue()


def compress(data: bytes, how: str) -> bytes:
    if how == "gzip":
        return gzip.compress(data, mtime=0)
    if how == "zstd":
        return zstandard.ZstdCompressor().compress(data)
    return data


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass
class Image:
    """Layers (files each) and the config's fields (``User``, ``Env``, ``Cmd``...)."""

    #: Each layer: its files, or a whole layer tar already built (a root file system).
    layers: list[Files | bytes]
    config: dict[str, Any] = field(default_factory=dict)
    history: list[str] | None = None
    compression: str = "gzip"
    tag: str = "example/app:1.0"

    def tars(self) -> list[bytes]:
        return [files if isinstance(files, bytes) else layer_tar(files) for files in self.layers]

    def config_json(self, tars: list[bytes]) -> bytes:
        history = self.history or [f"RUN step {i}" for i in range(len(tars))]
        document = {
            "architecture": "amd64",
            "os": "linux",
            "config": self.config,
            "rootfs": {"type": "layers", "diff_ids": [sha256(t) for t in tars]},
            "history": [{"created_by": h} for h in history],
        }
        return json.dumps(document, indent=2).encode()


def _add(tf: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = 1_700_000_000
    tf.addfile(info, io.BytesIO(data))


def docker_archive(path: Path, image: Image, *, oci: bool = False) -> dict[str, str]:
    """``docker save`` output: legacy (``<id>/layer.tar``, uncompressed) or, with ``oci``,
    Docker 25+'s OCI-in-docker layout (blobs, index.json and manifest.json). Returns the
    member path of each layer by index (``"0"``, ``"1"``...) and of the config."""
    tars = image.tars()
    config = image.config_json(tars)
    config_hex = hashlib.sha256(config).hexdigest()
    names: dict[str, str] = {}
    with tarfile.open(path, "w") as tf:
        if oci:
            blobs = [compress(t, image.compression) for t in tars]
            for index, blob in enumerate(blobs):
                name = "blobs/sha256/" + hashlib.sha256(blob).hexdigest()
                _add(tf, name, blob)
                names[str(index)] = name
            config_name = f"blobs/sha256/{config_hex}"
            _add(tf, config_name, config)
            manifest = _oci_manifest(image, blobs, config)
            _add(tf, "blobs/sha256/" + hashlib.sha256(manifest).hexdigest(), manifest)
            _add(tf, "index.json", _oci_index(manifest, image.tag))
            _add(tf, "oci-layout", b'{"imageLayoutVersion": "1.0.0"}')
            layers = [names[str(i)] for i in range(len(blobs))]
        else:
            layers = []
            for index, tar in enumerate(tars):
                name = f"{hashlib.sha256(tar).hexdigest()}/layer.tar"
                _add(tf, name, tar)
                names[str(index)] = name
                layers.append(name)
            config_name = f"{config_hex}.json"
            _add(tf, config_name, config)
        names["config"] = config_name
        entry = [{"Config": config_name, "RepoTags": [image.tag], "Layers": layers}]
        _add(tf, "manifest.json", json.dumps(entry).encode())
    return names


def _oci_manifest(image: Image, blobs: list[bytes], config: bytes) -> bytes:
    suffix = {"gzip": "+gzip", "zstd": "+zstd"}.get(image.compression, "")
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": sha256(config),
                "size": len(config),
            },
            "layers": [
                {
                    "mediaType": f"application/vnd.oci.image.layer.v1.tar{suffix}",
                    "digest": sha256(blob),
                    "size": len(blob),
                }
                for blob in blobs
            ],
        }
    ).encode()


def _oci_index(manifest: bytes, tag: str) -> bytes:
    return json.dumps(
        {
            "schemaVersion": 2,
            "manifests": [
                {
                    "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "digest": sha256(manifest),
                    "size": len(manifest),
                    "annotations": {"org.opencontainers.image.ref.name": tag},
                }
            ],
        }
    ).encode()


def oci_layout(path: Path, image: Image) -> dict[str, str]:
    """An OCI image layout folder at ``path``; returns each layer's blob path by index."""
    tars = image.tars()
    blobs = [compress(t, image.compression) for t in tars]
    config = image.config_json(tars)
    manifest = _oci_manifest(image, blobs, config)
    (path / "blobs" / "sha256").mkdir(parents=True, exist_ok=True)
    names: dict[str, str] = {}
    for index, blob in enumerate(blobs):
        name = "blobs/sha256/" + hashlib.sha256(blob).hexdigest()
        (path / name).write_bytes(blob)
        names[str(index)] = name
    for data in (config, manifest):
        (path / "blobs/sha256" / hashlib.sha256(data).hexdigest()).write_bytes(data)
    names["config"] = "blobs/sha256/" + hashlib.sha256(config).hexdigest()
    (path / "index.json").write_bytes(_oci_index(manifest, image.tag))
    (path / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    return names


def oci_tar(path: Path, image: Image) -> dict[str, str]:
    """An OCI image layout packed in a plain tar."""
    staging = path.with_suffix(".layout")
    names = oci_layout(staging, image)
    with tarfile.open(path, "w") as tf:
        for item in sorted(staging.rglob("*")):
            if item.is_file():
                _add(tf, item.relative_to(staging).as_posix(), item.read_bytes())
    return names


# --------------------------------------------------------------------------- rpm databases

RPM_TAGS = {"name": 1000, "version": 1001, "release": 1002, "epoch": 1003, "license": 1014}
RPM_TAGS |= {"arch": 1022, "sourcerpm": 1044, "dirindexes": 1116, "basenames": 1117}
RPM_TAGS |= {"dirnames": 1118}


def rpm_header(fields: dict[str, Any]) -> bytes:
    """An rpm header blob as the rpmdb stores it (index entries, then the data store): strings
    (type 6), string arrays (8) and 32-bit integers (4), by the layout rpm documents."""
    index = b""
    data = b""
    entries = 0
    for key, value in fields.items():
        tag = RPM_TAGS[key]
        if isinstance(value, int):
            data += b"\x00" * (-len(data) % 4)
            index += struct.pack(">iIiI", tag, 4, len(data), 1)
            data += struct.pack(">i", value)
        elif isinstance(value, list) and value and isinstance(value[0], int):
            data += b"\x00" * (-len(data) % 4)
            index += struct.pack(">iIiI", tag, 4, len(data), len(value))
            data += struct.pack(f">{len(value)}i", *value)
        elif isinstance(value, list):
            index += struct.pack(">iIiI", tag, 8, len(data), len(value))
            data += b"".join(v.encode() + b"\x00" for v in value)
        else:
            index += struct.pack(">iIiI", tag, 6, len(data), 1)
            data += str(value).encode() + b"\x00"
        entries += 1
    return struct.pack(">ii", entries, len(data)) + index + data


def rpmdb_sqlite(headers: list[bytes]) -> bytes:
    """An rpm sqlite database (rpm 4.16+'s ``Packages`` table) holding these header blobs."""
    connection = sqlite3.connect(":memory:")
    connection.execute(
        "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)"
    )
    connection.executemany("INSERT INTO Packages (blob) VALUES (?)", [(h,) for h in headers])
    connection.commit()
    data = connection.serialize()
    connection.close()
    return bytes(data)


def rpmdb_bdb(headers: list[bytes], path: Path, *, load: str = "db5.3_load") -> bytes:
    """rpm's Berkeley DB ``Packages`` (a hash database keyed by package number, as rpm before
    4.16 wrote it, with its instance counter at key 0), written by Berkeley DB's own
    ``db_load`` from a dump: the pages are the library's, not this module's."""
    lines = ["VERSION=3", "format=bytevalue", "type=hash", "db_pagesize=4096", "HEADER=END"]
    records = [(0, struct.pack("<I", len(headers)))]
    records += [(number, header) for number, header in enumerate(headers, start=1)]
    for number, value in records:
        lines += [" " + struct.pack("<I", number).hex(), " " + value.hex()]
    lines.append("DATA=END")
    dump = path.with_suffix(".dump")
    dump.write_text("\n".join(lines) + "\n")
    subprocess.run([load, "-f", str(dump), str(path)], check=True, capture_output=True)
    return path.read_bytes()


def rpmdb_ndb(headers: list[bytes]) -> bytes:
    """rpm's ndb ``Packages.db`` (rpm's ``lib/backend/ndb/rpmpkg.c`` layout): a header and one
    page of slots, then each header blob in 16-byte blocks behind its blob header."""
    page, block = 4096, 16
    slots = b""
    blobs = b""
    for number, header in enumerate(headers, start=1):
        offset = (page + len(blobs)) // block
        body = b"BlbS" + struct.pack("<III", number, zlib.adler32(header), len(header)) + header
        body += b"\x00" * (-len(body) % block) + b"\x00" * block  # the tail
        slots += b"Slot" + struct.pack("<III", number, offset, len(body) // block)
        blobs += body
    free = page // block - 2 - len(headers)
    slots += (b"Slot" + bytes(12)) * free
    head = b"RpmP" + struct.pack("<III", 0, 1, 1) + bytes(16)
    return head + slots + blobs
