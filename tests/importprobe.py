"""What a command-line run imports, seen from a fresh interpreter (the tests of start-up cost)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def cli_run_imports(
    args: list[str], watched: tuple[str, ...], cwd: Path
) -> tuple[int, str, list[str]]:
    """Run ``outwork ARGS`` in a new interpreter: its exit code, its output and which of the
    ``watched`` modules it imported."""
    probe = (
        "import io, json, sys\n"
        "from outwork.cli.main import run\n"
        "out = io.StringIO()\n"
        f"code = run({args!r}, out, io.StringIO())\n"
        f"loaded = sorted(m for m in {watched!r} if m in sys.modules)\n"
        "print(json.dumps([code, out.getvalue(), loaded]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        cwd=cwd,
    )
    code, output, loaded = json.loads(done.stdout)
    return code, output, loaded
