"""Directory walks over hostile trees, and proof that reading archives writes nothing anywhere."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from outwork.core.artifact import Artifact
from outwork.core.findings import Finding, Skip
from outwork.sources import Budgets, open_target
from tests.sources import hostile


def _walk(
    target: Path, budgets: Budgets | None = None
) -> tuple[list[Artifact], list[Finding], list[Skip]]:
    arts: list[Artifact] = []
    finds: list[Finding] = []
    skips: list[Skip] = []
    for item in open_target(str(target), budgets or Budgets()):
        if isinstance(item, Artifact):
            arts.append(item)
        elif isinstance(item, Finding):
            finds.append(item)
        else:
            skips.append(item)
    return arts, finds, skips


def test_deeply_nested_directories_end_in_a_skip(tmp_path: Path) -> None:
    here = tmp_path / "deep"
    here.mkdir()
    cwd = os.getcwd()
    try:
        os.chdir(here)
        for _ in range(300):  # relative creation: the absolute path would pass PATH_MAX
            os.mkdir("d")
            os.chdir("d")
        Path("bottom.py").write_text("x = 1\n")
    finally:
        os.chdir(cwd)
    arts, finds, skips = _walk(here)
    assert any("nesting deeper" in s.reason for s in skips)
    assert [f.code for f in finds] == ["CORE007"]
    assert not any(a.path.endswith("bottom.py") for a in arts)


def test_symlink_out_of_the_tree(tmp_path: Path) -> None:
    (tmp_path / "tree").mkdir()
    (tmp_path / "tree" / "ok.py").write_text("x = 1\n")
    os.symlink("/etc/passwd", tmp_path / "tree" / "passwd")
    os.symlink("ok.py", tmp_path / "tree" / "alias.py")
    _arts, finds, _skips = _walk(tmp_path / "tree")
    assert [f.location.path for f in finds if f.code == "CORE003"] == [f"{tmp_path}/tree/passwd"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_in_the_tree_is_not_read(tmp_path: Path) -> None:
    """On disk a FIFO belongs to the machine, not to what it ships: a skip (in an archive it is
    CORE004, see test_hostile)."""
    os.mkfifo(tmp_path / "pipe")
    _arts, finds, skips = _walk(tmp_path)
    assert finds == []
    assert [(s.path, s.reason) for s in skips] == [
        (f"{tmp_path}/pipe", "special file (FIFO) is not read")
    ]


def _hostile_tree(root: Path) -> None:
    files = {
        **hostile.every_format(),
        "bomb.zip": hostile.zip_bomb(30_000_000),
        "42.zip": hostile.nested_bomb(levels=3, width=8, leaf=1_000_000),
        "overlap.zip": hostile.overlapping_zip(entries=20, size=1_000_000),
        "slip.tar.gz": hostile.tar_of([("../../../tmp/outwork-slip.py", hostile.PAYLOAD)], "gz"),
        "links.tar": hostile.tar_of(
            [hostile.link("etc", "/etc"), ("etc/outwork-test", hostile.PAYLOAD)]
        ),
        "slip.zip": hostile.zip_of(
            {"../outwork-slip.py": hostile.PAYLOAD, "/tmp/outwork-abs.py": hostile.PAYLOAD}
        ),
        "slip.7z": hostile.seven_zip_of({"pkg/ok.py": hostile.PAYLOAD}),
        "encrypted.7z": hostile.seven_zip_of({"pkg/ok.py": hostile.PAYLOAD}, password="infected"),
        "truncated.tar.xz": hostile.tar_of([("a.py", hostile.PAYLOAD * 100)], "xz")[:200],
    }
    root.mkdir()
    for name, data in files.items():
        (root / name).write_bytes(data)


def _listing(path: Path) -> set[str]:
    return {str(p.relative_to(path)) for p in path.rglob("*")} if path.exists() else set()


def test_nothing_is_written_outside_a_temporary_area(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = tmp_path / "tree"
    _hostile_tree(tree)
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))
    monkeypatch.setenv("TMPDIR", str(private_tmp))
    monkeypatch.chdir(workdir)
    before = _listing(tree)
    arts, finds, _skips = _walk(tree)
    assert arts and finds
    assert _listing(tree) == before
    assert _listing(workdir) == set()
    assert _listing(private_tmp) == set()
    assert not Path("/tmp/outwork-slip.py").exists() and not Path("/tmp/outwork-abs.py").exists()
    codes = {f.code for f in finds}
    assert {"CORE001", "CORE002", "CORE003", "CORE005"} <= codes


def test_zip_behind_a_launcher_script_is_opened(tmp_path: Path) -> None:
    (tmp_path / "tool").write_bytes(hostile.junk_prefixed_zip())
    arts, finds, _skips = _walk(tmp_path)
    assert [a.kind.value for a in arts] == ["zip", "python"]
    assert arts[1].path == f"{tmp_path}/tool!/pkg/mod.py"
    assert not finds
