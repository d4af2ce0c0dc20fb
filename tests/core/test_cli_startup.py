"""The command line's start-up stays light (bench/cli_startup.py measures it).

A scan of one small wheel, the unit the per-package comparison with other scanners runs, must not
import what only other inputs need; and the program's exit skips the last garbage collection
without losing anything it wrote.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import zipfile
from pathlib import Path

from outwork.cli.main import main

#: What a scan of a plain wheel never needs: each is start-up time paid by every package.
WHEEL_SCAN_NEVER_NEEDS = (
    "zstandard",
    "tomllib",
    "configparser",
    "importlib.resources",
    "outwork.analyzers.dependencies.model",
    "outwork.analyzers.packages.online",
    "outwork.store.cache",
    "rich",
    "sqlite3",
    "concurrent.futures",
    "traceback",
    "urllib.request",
)


def small_wheel(folder: Path) -> Path:
    path = folder / "tiny-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("tiny/__init__.py", "def hello():\n    return 'hi'\n")
        zf.writestr(
            "tiny-1.0.dist-info/METADATA",
            "Metadata-Version: 2.1\nName: tiny\nVersion: 1.0\nSummary: a test package\n",
        )
        zf.writestr("tiny-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\n")
        zf.writestr("tiny-1.0.dist-info/RECORD", "")
    return path


def test_a_wheel_scan_imports_none_of_the_helpers_other_inputs_need(tmp_path: Path) -> None:
    wheel = small_wheel(tmp_path)
    probe = (
        "import io, sys\n"
        "from outwork.cli.main import run\n"
        "out = io.StringIO()\n"
        f"code = run(['scan', {str(wheel)!r}, '--select', 'PKG', '--no-cache', '-f', 'json'],"
        " out, io.StringIO())\n"
        "assert code == 0, out.getvalue()\n"
        f"print(','.join(sorted(m for m in {WHEEL_SCAN_NEVER_NEEDS!r} if m in sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.stdout.strip() == ""


def test_main_called_as_a_function_leaves_the_collector_alone(tmp_path: Path) -> None:
    frozen = gc.get_freeze_count()
    assert main(["--version"]) == 0
    assert main(["rules", "PKG001", "--format", "json"]) == 0
    assert gc.get_freeze_count() == frozen


def test_the_program_writes_its_whole_report_and_exit_code(tmp_path: Path) -> None:
    wheel = small_wheel(tmp_path)
    report = tmp_path / "report.json"
    for extra in ([], ["-o", str(report)]):
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "outwork",
                "scan",
                str(wheel),
                "--no-cache",
                "-f",
                "json",
                *extra,
            ],
            capture_output=True,
            timeout=60,
            cwd=tmp_path,
            check=False,
        )
        text = report.read_text("utf-8") if extra else done.stdout.decode()
        data = json.loads(text)
        assert data["stats"]["artifacts"] >= 4
        assert done.returncode == (1 if data["summary"]["active"] else 0), done.stderr
        assert done.stderr.startswith(b"outwork: ") and b" artifacts, " in done.stderr
    big = subprocess.run(  # a report larger than any pipe buffer still arrives whole
        [sys.executable, "-m", "outwork", "rules", "--format", "json"],
        capture_output=True,
        timeout=60,
        check=True,
    )
    assert len(json.loads(big.stdout)) > 50
    assert big.stdout.endswith(b"]\n")
