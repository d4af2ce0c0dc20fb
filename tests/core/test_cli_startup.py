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
from typing import Any

import pytest

import outwork
from outwork.cli.main import NO_DATA_DIR, _reads_data_dir, main


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


def test_the_data_folder_is_resolved_whenever_an_analyzer_may_read_it() -> None:
    assert not _reads_data_dir(("PKG",), (), offline=True)
    assert not _reads_data_dir(("PKG001", "MDL", "CI"), (), offline=True)
    assert not _reads_data_dir(("ALL",), ("VUL",), offline=True)
    assert _reads_data_dir(("ALL",), (), offline=True)
    assert _reads_data_dir(("VUL",), (), offline=True)
    assert _reads_data_dir(("PKG", "VUL001"), (), offline=True)
    assert _reads_data_dir(("PKG",), (), offline=False)  # registry checks run dependencies too


def test_the_analyzers_said_not_to_read_the_data_folder_never_name_it() -> None:
    root = Path(outwork.__file__).parent / "analyzers"
    for name in NO_DATA_DIR:
        for source in (root / name).rglob("*.py"):
            assert "data_dir" not in source.read_text("utf-8"), source


@pytest.mark.parametrize("columns", [None, "", "40", "200", "abc", "-5", "0"])
def test_help_is_formatted_as_argparse_would(
    columns: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import argparse
    import shutil

    from outwork.cli import main as cli

    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    assert cli._terminal_columns() == shutil.get_terminal_size().columns
    ours = cli.build_parser(["scan"])
    monkeypatch.setattr(cli, "_HelpFormatter", argparse.HelpFormatter)
    stock = cli.build_parser(["scan"])
    assert ours.format_help() == stock.format_help()
    for name in ("scan", "rules"):
        assert _subparser(ours, name).format_help() == _subparser(stock, name).format_help()


def _subparser(parser: Any, name: str) -> Any:
    import argparse

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices[name]
    raise AssertionError(name)
