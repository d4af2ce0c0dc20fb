"""Benchmarks measure outwork as users run it: installed, with its bytecode compiled.

A development checkout is an editable install, and this workplace sets PYTHONDONTWRITEBYTECODE,
so without this step every run of the command would recompile outwork's own source (tens of
milliseconds) while the peers, installed normally, would not.
"""

from __future__ import annotations

import compileall
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "outwork"


def compile_outwork() -> None:
    compileall.compile_dir(str(SRC), quiet=1)
