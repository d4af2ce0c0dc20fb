"""Cost follows the pickle stream, not the tensor bytes."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import pytest

from outwork.engine.registry import load_analyzers
from tests.analyzers.models import craft

TEN_GB = 10 * 1024**3


def _require_sparse(path: Path) -> None:
    if path.stat().st_blocks * 512 > 64 * 1024**2:
        path.unlink()
        pytest.skip("the temporary file system does not keep sparse files sparse")


def test_sparse_ten_gigabyte_checkpoint_scans_in_under_a_second(tmp_path: Path) -> None:
    path = tmp_path / "big.pt"
    craft.sparse_torch_zip(str(path), TEN_GB, craft.os_system(2))
    _require_sparse(path)
    assert path.stat().st_size > TEN_GB
    with zipfile.ZipFile(path) as zf:  # the file is a valid zip64 archive
        assert "archive/data/0" in zf.namelist()
    load_analyzers()  # importing every analyzer is a fixed cost, not the scan's
    started = time.monotonic()
    findings = craft.scan_file(str(path))
    elapsed = time.monotonic() - started
    assert any(getattr(f, "code", "") == "MDL001" for f in findings)
    assert elapsed < 1, elapsed


def test_sparse_checkpoint_benign_is_clean(tmp_path: Path) -> None:
    path = tmp_path / "big.pt"
    craft.sparse_torch_zip(str(path), TEN_GB)
    _require_sparse(path)
    findings = craft.scan_file(str(path))
    assert not [f for f in findings if getattr(f, "code", "").startswith("MDL")]
