"""The program as a user runs it: the whole report through a pipe with its exit code, and colour
only where rich would use it (a terminal without NO_COLOR, or --color always)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from outwork.cli.main import run


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


def test_the_program_writes_its_whole_report_and_exit_code(tmp_path: Path) -> None:
    wheel = small_wheel(tmp_path)
    report = tmp_path / "report.json"
    command = [sys.executable, "-m", "outwork", "scan", str(wheel), "--no-cache", "-f", "json"]
    for extra in ([], ["-o", str(report)]):
        done = subprocess.run(
            [*command, *extra],
            capture_output=True,
            timeout=60,
            cwd=tmp_path,
            check=False,
        )
        text = report.read_text("utf-8") if extra else done.stdout.decode()
        data = json.loads(text)
        assert data["stats"]["artifacts"] >= 4
        gate = [f for f in data["findings"] if f["severity"] != "info" and not f["suppressed"]]
        assert done.returncode == (1 if gate else 0), done.stderr
        assert done.stderr.startswith(b"outwork: ") and b" artifacts, " in done.stderr
    big = subprocess.run(  # a report larger than any pipe buffer still arrives whole
        [sys.executable, "-m", "outwork", "rules", "--format", "json"],
        capture_output=True,
        timeout=60,
        check=True,
    )
    assert len(json.loads(big.stdout)) > 50
    assert big.stdout.endswith(b"]\n")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _terminal_report(tmp_path: Path, out: io.StringIO, *options: str) -> str:
    root = tmp_path / "t"
    root.mkdir(exist_ok=True)
    (root / "escape").symlink_to("/etc/passwd")
    run(["scan", str(root), "--no-cache", "-q", *options], out, io.StringIO())
    (root / "escape").unlink()
    return out.getvalue()


@pytest.mark.parametrize(
    ("terminal", "no_color", "option", "coloured"),
    [
        (True, False, "auto", True),
        (True, True, "auto", False),
        (False, False, "auto", False),
        (True, False, "never", False),
        (False, True, "always", True),
    ],
)
def test_colour_where_rich_would_use_it(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    terminal: bool,
    no_color: bool,
    option: str,
    coloured: bool,
) -> None:
    for name in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        monkeypatch.delenv(name, raising=False)
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    out = _Terminal() if terminal else io.StringIO()
    text = _terminal_report(tmp_path, out, "--color", option)
    assert "CORE003" in text
    assert ("\x1b[" in text) is coloured
