"""Builders of hostile archives with harmless payloads, shared by the source tests.

Everything here is generated in memory; nothing is checked in as an opaque blob.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import struct
import tarfile
import zipfile
import zlib

import py7zr
import zstandard

PAYLOAD = b"import os\nos.system('echo outwork-test')\n"


def zip_of(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name), data, compress_type=method)
    return buf.getvalue()


def tar_of(entries: list[tarfile.TarInfo | tuple[str, bytes]], compression: str = "") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tf:
        for entry in entries:
            if isinstance(entry, tuple):
                info = tarfile.TarInfo(entry[0])
                info.size = len(entry[1])
                tf.addfile(info, io.BytesIO(entry[1]))
            else:
                tf.addfile(entry)
    return compress(buf.getvalue(), compression)


def compress(data: bytes, compression: str) -> bytes:
    if compression == "gz":
        return gzip.compress(data, mtime=0)
    if compression == "bz2":
        return bz2.compress(data)
    if compression == "xz":
        return lzma.compress(data)
    if compression == "zst":
        return zstandard.ZstdCompressor().compress(data)
    return data


def seven_zip_of(members: dict[str, bytes], password: str | None = None) -> bytes:
    buf = io.BytesIO()
    with py7zr.SevenZipFile(buf, "w", password=password) as archive:
        if password:
            archive.set_encrypted_header(False)
        for name, data in members.items():
            archive.writestr(data, name)
    return buf.getvalue()


def link(name: str, target: str, *, hard: bool = False) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = tarfile.LNKTYPE if hard else tarfile.SYMTYPE
    info.linkname = target
    return info


def special(name: str, kind: bytes) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    return info


def zip_symlink(name: str, target: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        info = zipfile.ZipInfo(name)
        info.create_system = 3
        info.external_attr = (0o120777) << 16
        zf.writestr(info, target)
    return buf.getvalue()


def zip_fifo(name: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        info = zipfile.ZipInfo(name)
        info.create_system = 3
        info.external_attr = (0o010644) << 16
        zf.writestr(info, b"")
    return buf.getvalue()


def zip_bomb(size: int = 20_000_000, name: str = "zeros.bin") -> bytes:
    return zip_of({name: bytes(size)})


def nested_bomb(levels: int = 3, width: int = 16, leaf: int = 2_000_000) -> bytes:
    """42.zip's structure: each layer holds ``width`` copies of the layer below."""
    data = zip_of({"0.bin": bytes(leaf)})
    for level in range(levels):
        data = zip_of({f"{level}-{i}.zip": data for i in range(width)})
    return data


def overlapping_zip(entries: int = 50, size: int = 2_000_000) -> bytes:
    """A quine-like bomb: many central-directory records share one local entry's bytes."""
    single = zip_of({"a": bytes(size)})
    cd_start = single.index(b"PK\x01\x02")
    eocd = single.index(b"PK\x05\x06")
    record = single[cd_start:eocd]
    central = record * entries
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, entries, entries, len(central), cd_start, 0)
    return single[:cd_start] + central + end


def lying_sizes(declared: int, actual: bytes) -> bytes:
    """A zip whose headers declare ``declared`` bytes for a member holding ``actual``."""
    data = bytearray(zip_of({"member.bin": actual}))
    local = data.index(b"PK\x03\x04")
    struct.pack_into("<L", data, local + 22, declared)
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<L", data, central + 24, declared)
    return bytes(data)


def encrypted_zip() -> bytes:
    """A member flagged as encrypted (traditional PKWARE); the bytes are not really ciphertext."""
    data = bytearray(zip_of({"secret.py": PAYLOAD}, zipfile.ZIP_STORED))
    for sig, off in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        pos = data.index(sig)
        flags = struct.unpack_from("<H", data, pos + off)[0]
        struct.pack_into("<H", data, pos + off, flags | 1)
    return bytes(data)


def name_mismatch_zip() -> bytes:
    data = bytearray(zip_of({"good.py": PAYLOAD}))
    pos = data.index(b"PK\x03\x04")
    data[pos + 30 : pos + 37] = b"evil.py"
    return bytes(data)


def junk_prefixed_zip() -> bytes:
    return b"#!/bin/sh\necho outwork-test\nexit 0\n" + zip_of({"pkg/mod.py": PAYLOAD})


def deflate_raw(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def every_format() -> dict[str, bytes]:
    """One small clean archive of every kind the sources read, by file name."""
    tar = tar_of([("pkg/setup.py", PAYLOAD), ("pkg/README", b"hello\n")])
    return {
        "pkg.zip": zip_of({"pkg/setup.py": PAYLOAD, "pkg/README": b"hello\n"}),
        "pkg.whl": zip_of({"pkg/__init__.py": PAYLOAD}, zipfile.ZIP_BZIP2),
        "pkg-lzma.zip": zip_of({"pkg/__init__.py": PAYLOAD}, zipfile.ZIP_LZMA),
        "pkg.tar": tar,
        "pkg.tar.gz": compress(tar, "gz"),
        "pkg.tgz": compress(tar, "gz"),
        "pkg.tar.bz2": compress(tar, "bz2"),
        "pkg.tar.xz": compress(tar, "xz"),
        "pkg.tar.zst": compress(tar, "zst"),
        "model.pkl.gz": compress(b"\x80\x04K\x01.", "gz"),
        "notes.txt.bz2": compress(b"hello\n", "bz2"),
        "notes.txt.xz": compress(b"hello\n", "xz"),
        "notes.txt.zst": compress(b"hello\n", "zst"),
        "pkg.7z": seven_zip_of({"pkg/setup.py": PAYLOAD}),
    }


def seven_zip_renamed(members: dict[str, bytes], renames: dict[str, str]) -> bytes:
    """A 7z whose member names are rewritten after writing (py7zr refuses to write bad names).

    The header is left unencoded so that the UTF-16 names can be patched in place; names must
    keep their length. Both header CRCs are recomputed.
    """
    buf = io.BytesIO()
    with py7zr.SevenZipFile(buf, "w") as archive:
        archive.set_encoded_header_mode(False)
        for name, data in members.items():
            archive.writestr(data, name)
    raw = bytearray(buf.getvalue())
    offset, size = struct.unpack_from("<QQ", raw, 12)
    start = 32 + offset
    header = bytes(raw[start : start + size])
    for old, new in renames.items():
        assert len(old) == len(new)
        header = header.replace(old.encode("utf-16-le"), new.encode("utf-16-le"))
    raw[start : start + size] = header
    struct.pack_into("<L", raw, 28, zlib.crc32(header))
    struct.pack_into("<L", raw, 8, zlib.crc32(bytes(raw[12:32])))
    return bytes(raw)
