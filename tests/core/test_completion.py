"""Shell completion scripts, generated from the command line's own parser, complete for real."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest

from outwork.cli.main import run


def _script(shell: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    assert run(["completion", shell], out, err) == 0, err.getvalue()
    return out.getvalue()


def _complete(script: Path, words: list[str]) -> list[str]:
    """What bash offers for the last word of ``words`` (the completion function run directly)."""
    quoted = " ".join(f"'{w}'" for w in words)
    program = (
        f"source {script}; COMP_WORDS=({quoted}); COMP_CWORD={len(words) - 1};"
        ' COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}; _shtab_outwork;'
        ' printf "%s\\n" "${COMPREPLY[@]}"'
    )
    done = subprocess.run(
        ["bash", "-c", program], capture_output=True, text=True, timeout=30, check=True
    )
    return done.stdout.split()


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_bash_completes_commands_options_and_choices(tmp_path: Path) -> None:
    script = tmp_path / "outwork.bash"
    script.write_text(_script("bash"))
    assert "scan" in _complete(script, ["outwork", "s"])
    assert set(_complete(script, ["outwork", ""])) >= {"scan", "rules", "db", "completion"}
    assert _complete(script, ["outwork", "scan", "--fo"]) == ["--format"]
    assert set(_complete(script, ["outwork", "scan", "--format", "g"])) == {"github", "gitlab"}
    assert "--ecosystem" in _complete(script, ["outwork", "db", "update", "--eco"])


def test_every_supported_shell_gets_a_script() -> None:
    for shell in ("bash", "zsh", "tcsh", "fish", "powershell"):
        assert "outwork" in _script(shell)
    err = io.StringIO()
    assert run(["completion", "ksh"], io.StringIO(), err) == 2
