"""A model file not in the page cache costs its headers, not its tensors: bytes read from storage
(the kernel's count, /proc/self/io) while scanning a freshly dropped file stay near the bytes the
scan needs, whatever the device's read-ahead (the 10 GB checkpoint of issue 21 read 2.7 GB)."""

from __future__ import annotations

import io
import json
import os
import struct
import zipfile
from pathlib import Path

import pytest

from outwork.engine.registry import load_analyzers
from tests.analyzers.models import craft

MIB = 1024 * 1024
#: Tensor members of the checkpoint, each 1 MiB of real (not sparse) bytes.
MEMBERS = 48


def _read_bytes() -> int:
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("read_bytes:"):
            return int(line.split()[1])
    raise AssertionError("no read_bytes in /proc/self/io")


def _drop(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fdatasync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def _cold_read_bytes(path: Path) -> tuple[int, list[object]]:
    _drop(path)
    before = _read_bytes()
    findings = craft.scan_file(str(path))
    return _read_bytes() - before, findings


@pytest.fixture(scope="module")
def counted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder whose dropped files are counted when read back: skip where the file system or
    the kernel does not count (tmpfs, no task I/O accounting)."""
    if not Path("/proc/self/io").exists() or not hasattr(os, "posix_fadvise"):
        pytest.skip("no per-process I/O accounting on this system")
    folder = tmp_path_factory.mktemp("cold")
    probe = folder / "probe"
    probe.write_bytes(os.urandom(MIB))
    _drop(probe)
    before = _read_bytes()
    probe.read_bytes()
    if _read_bytes() - before < MIB // 2:
        pytest.skip("reads from this file system are not counted (memory-backed?)")
    probe.unlink()
    load_analyzers()  # the scan's own modules are read once, outside any count
    return folder


def _blob(size: int) -> bytes:
    return os.urandom(4096) * (size // 4096)


def test_cold_checkpoint_reads_its_directory_and_pickle_not_its_tensors(counted: Path) -> None:
    path = counted / "model.pt"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("archive/data.pkl", craft.os_system(2))
        zf.writestr("archive/byteorder", b"little")
        for i in range(MEMBERS):
            zf.writestr(f"archive/data/{i}", _blob(MIB))
        zf.writestr("archive/version", b"3\n")
    read, findings = _cold_read_bytes(path)
    assert "MDL001" in craft.codes(findings)  # still read: the pickle is the payload
    # one page per local header and the directory, not a read-ahead window around each
    assert read <= 2 * MIB, read


def test_cold_gguf_reads_its_header_not_its_tensors(counted: Path) -> None:
    tensors = [(f"blk.{i}.weight", [512, 1024], 1, i * MIB) for i in range(MEMBERS)]
    head = craft.gguf({"general.architecture": "llama"}, tensors=tensors)
    path = counted / "model.gguf"
    path.write_bytes(head + _blob(MEMBERS * MIB))
    read, findings = _cold_read_bytes(path)
    assert not {c for c in craft.codes(findings) if c.startswith("MDL")}
    assert read <= 2 * MIB, read


def test_cold_safetensors_reads_its_header_not_its_tensors(counted: Path) -> None:
    header = {
        f"t{i}": {"dtype": "F16", "shape": [512, 1024], "data_offsets": [i * MIB, (i + 1) * MIB]}
        for i in range(MEMBERS)
    }
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    path = counted / "model.safetensors"
    with path.open("wb") as fh:
        fh.write(struct.pack("<Q", len(raw)) + raw)
        fh.write(_blob(MEMBERS * MIB))
    read, findings = _cold_read_bytes(path)
    assert not {c for c in craft.codes(findings) if c.startswith("MDL")}
    assert read <= 2 * MIB, read


def test_cold_pickle_is_still_read_whole(counted: Path) -> None:
    """Random access is for headers: a pickle stream is parsed from its start to its end, so
    a large pickle file is read in order (and a payload at its end is found)."""
    filler = io.BytesIO()
    filler.write(b"\x80\x03]q\x00(")
    chunk = b"B" + struct.pack("<I", 4096) + os.urandom(4096) + b"q\x01"
    filler.write(chunk * (8 * MIB // len(chunk)))
    filler.write(b"e0" + craft.call_body("os", "system", craft.PAYLOAD) + b".")
    path = counted / "big.pkl"
    path.write_bytes(filler.getvalue())
    read, findings = _cold_read_bytes(path)
    assert "MDL001" in craft.codes(findings)
    assert read >= 8 * MIB  # the whole stream was parsed
