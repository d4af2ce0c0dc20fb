"""A package archive is decompressed once: the walk keeps what the packages layer reads of each
member (sources and metadata whole, carriers up to what it opens, any other member its head) and
the layer reads those, finding what it finds when it reads the archive itself."""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path
from typing import Any

import pytest

from outwork.analyzers.packages import analysis, opaque
from outwork.analyzers.packages.package import HEAD_BYTES, PackageFiles, read_archive
from outwork.core.artifact import PROBE_BYTES, Artifact
from outwork.core.budgets import Budgets
from outwork.engine import pipeline as engine
from outwork.engine.pipeline import ScanOptions, scan
from outwork.sources import open_target
from outwork.sources import reader as sources_reader
from tests.analyzers.packages.helpers import sdist, wheel

SETUP = (
    "import os\nfrom setuptools import setup\nos.system('echo outwork-test')\nsetup(name='demo')\n"
)
#: A native library larger than what the layer opens of a carrier.
ELF = b"\x7fELF\x02\x01\x01" + random.Random(7).randbytes(opaque.MEMBER_BYTES + PROBE_BYTES)
DATA = random.Random(8).randbytes(3 * PROBE_BYTES)
BIG_SOURCE = "".join(f"value_{n} = {n}\n" for n in range(20000))


def _disguised_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("stage.py", "import os\nos.system('echo outwork-test')\n")
    return buffer.getvalue()


FILES: dict[str, str | bytes] = {
    "setup.py": SETUP,
    "demo/__init__.py": BIG_SOURCE,
    "demo/_native.so": ELF,
    "demo/table.dat": DATA,
    "demo/ca.crt": _disguised_zip(),
}


def never(probe: Artifact) -> bool:
    return False


def _shape(files: PackageFiles | None) -> tuple[Any, ...]:
    assert files is not None
    return (
        {name: files.texts[name] for name in files.texts},
        files.others,
        files.carriers,
        files.notes,
        files.is_wheel,
    )


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("demo-1.0.tar.gz", sdist("demo", "1.0", FILES)),
        ("demo-1.0-py3-none-any.whl", wheel("demo", "1.0", FILES)),
    ],
)
def test_what_the_walk_kept_reads_as_the_archive(tmp_path: Path, name: str, data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    items = open_target(str(path), Budgets(), wants=never, keeps=analysis.member_needs)
    archive = next(i for i in items if isinstance(i, Artifact) and i.path == str(path))
    assert archive.members is not None
    kept = {m.name.rsplit("/", 1)[-1]: len(m.data) for m in archive.members}
    assert kept["__init__.py"] == len(BIG_SOURCE)  # a source whole
    assert kept["_native.so"] == opaque.MEMBER_BYTES  # a carrier as far as it is opened
    assert kept["table.dat"] == HEAD_BYTES  # anything else its head
    with path.open("rb") as fh:
        from_file = read_archive(fh, name, budgets=Budgets())
    assert _shape(read_archive(archive.members, name, budgets=Budgets())) == _shape(from_file)


def _scan(path: Path) -> list[dict[str, Any]]:
    result = scan([str(path)], ScanOptions(jobs=1, select=("PKG", "CORE")))
    return [f.to_dict() for f in result.findings]


def test_a_scan_decompresses_a_package_archive_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "demo-1.0.tar.gz"
    path.write_bytes(sdist("demo", "1.0", FILES))
    opened: list[object] = []
    real_file = sources_reader._file

    def counting(source: Any) -> Any:
        if isinstance(source, io.BufferedReader):  # a file on disk (a carrier's bytes are not)
            opened.append(source.name)
        return real_file(source)

    monkeypatch.setattr(sources_reader, "_file", counting)
    once = _scan(path)
    assert opened == []  # the layer read what the walk kept, not the archive
    assert "PKG020" in {f["code"] for f in once}
    # the same findings as when the layer reads the archive itself
    monkeypatch.setattr(engine, "_member_needs", lambda *args: None)
    assert _scan(path) == once
    assert opened
