"""The walk of an archive keeps what an analyzer that reads the archive whole reads of each
member, and hands the archive over after its members with them, so the archive is decompressed
once. Anything the walk reports about the archive's own members abandons what it kept: the
analyzer then reads the archive itself, as a reader of that archive alone sees it.
"""

from __future__ import annotations

import io
import random
import tarfile
from pathlib import Path

import pytest

from outwork.core.artifact import PROBE_BYTES, Artifact, MemberNeeds
from outwork.core.budgets import Budgets
from outwork.core.findings import Finding, Skip
from outwork.sources import open_target
from outwork.sources.reader import ArchiveError, iter_members
from tests.sources import hostile

BIG_TEXT = b"".join(b"line %06d of a long text member\n" % n for n in range(8000))
BIG_BINARY = random.Random(3).randbytes(3 * PROBE_BYTES)
#: Keeps 100 bytes of a member named ``*.bin``, all of any other (within the test's sizes).
NEEDS = MemberNeeds(lambda name, head: 100 if name.endswith(".bin") else 1 << 30, 1 << 30)


def never(probe: Artifact) -> bool:
    return False


def walk(
    path: Path, needs: MemberNeeds | None = NEEDS, budgets: Budgets | None = None
) -> list[Artifact | Finding | Skip]:
    return list(
        open_target(str(path), budgets or Budgets(), wants=never, keeps=lambda archive: needs)
    )


def archive_of(items: list[Artifact | Finding | Skip], path: Path) -> Artifact:
    return next(i for i in items if isinstance(i, Artifact) and i.path == str(path))


@pytest.mark.parametrize("suffix", [".tar.gz", ".zip"])
def test_the_archive_comes_after_its_members_with_what_was_kept(
    tmp_path: Path, suffix: str
) -> None:
    members = {"pkg/big.txt": BIG_TEXT, "pkg/big.bin": BIG_BINARY, "pkg/small.bin": b"tiny"}
    path = tmp_path / f"pkg-1.0{suffix}"
    if suffix == ".zip":
        path.write_bytes(hostile.zip_of(members))
    else:
        path.write_bytes(hostile.tar_of(list(members.items()), "gz"))
    items = walk(path)
    assert isinstance(items[-1], Artifact) and items[-1].path == str(path)
    assert [a.path for a in items[:-1] if isinstance(a, Artifact)] == [
        f"{path}!/{name}" for name in members
    ]
    kept = items[-1].members
    assert kept is not None
    # the big binary was not held (nobody wanted it): only its first 100 bytes were kept
    assert [(m.name, m.size, m.data) for m in kept] == [
        ("pkg/big.txt", len(BIG_TEXT), BIG_TEXT),
        ("pkg/big.bin", len(BIG_BINARY), BIG_BINARY[:100]),
        ("pkg/small.bin", 4, b"tiny"),
    ]
    # read as the archive's members, each as far as it was kept
    read = {m.name: m.read(100) for m in iter_members(kept)}
    assert read == {
        "pkg/big.txt": BIG_TEXT[:100],
        "pkg/big.bin": BIG_BINARY[:100],
        "pkg/small.bin": b"tiny",
    }
    with pytest.raises(ArchiveError, match="only its first 100 bytes"):
        next(m for m in iter_members(kept) if m.name == "pkg/big.bin").read(101)


def test_without_needs_the_archive_comes_first_and_keeps_nothing(tmp_path: Path) -> None:
    path = tmp_path / "pkg-1.0.zip"
    path.write_bytes(hostile.zip_of({"pkg/a.py": b"print(1)\n"}))
    items = walk(path, needs=None)
    assert isinstance(items[0], Artifact) and items[0].path == str(path)
    assert items[0].members is None


def test_names_are_kept_as_the_archive_spells_them_and_folders_are_no_members(
    tmp_path: Path,
) -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tf:
        for name, data in (("./pkg/a.py", b"a = 1\n"), ("pkg/data/", b"abc"), ("pkg/b.py", b"b\n")):
            info = tarfile.TarInfo(name)  # a regular file by type, pkg/data/ a folder by name
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    path = tmp_path / "pkg-1.0.tar"
    path.write_bytes(buf.getvalue())
    kept = archive_of(walk(path), path).members
    assert kept is not None
    assert [m.name for m in kept] == ["./pkg/a.py", "pkg/b.py"]
    assert [m.name for m in iter_members(path.read_bytes()) if m.regular] == [
        "./pkg/a.py",
        "pkg/b.py",
    ]


@pytest.mark.parametrize(
    ("name", "data", "code"),
    [
        ("traversal.zip", hostile.zip_of({"../evil.py": b"x = 1\n"}), "CORE"),
        ("encrypted.zip", hostile.encrypted_zip(), "CORE"),
        ("sizes.zip", hostile.lying_sizes(10, b"x = 1\n" * 20), "CORE"),
    ],
)
def test_what_the_walk_reports_abandons_what_it_kept(
    tmp_path: Path, name: str, data: bytes, code: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    items = walk(path)
    archive = archive_of(items, path)
    assert archive.members is None  # the analyzer reads the archive itself
    reported = [i for i in items if isinstance(i, Finding | Skip)]
    assert reported  # and what stopped the walk is still reported
    assert any(isinstance(i, Finding) and i.code.startswith(code) for i in reported)


def test_a_budget_that_stops_the_archive_abandons_what_it_kept(tmp_path: Path) -> None:
    path = tmp_path / "many.zip"
    path.write_bytes(hostile.zip_of({f"m{n}.py": b"x\n" for n in range(20)}))
    items = walk(path, budgets=Budgets(max_members=5))
    assert archive_of(items, path).members is None
    assert any(isinstance(i, Finding) and "more than 5 members" in i.message for i in items)


def test_keeping_more_than_the_needs_allow_abandons_what_it_kept(tmp_path: Path) -> None:
    path = tmp_path / "pkg-1.0.zip"
    path.write_bytes(hostile.zip_of({"a.txt": BIG_TEXT, "b.txt": BIG_TEXT}))
    needs = MemberNeeds(lambda name, head: 1 << 30, len(BIG_TEXT) + 10)
    assert archive_of(walk(path, needs), path).members is None
    needs = MemberNeeds(lambda name, head: 1 << 30, 2 * len(BIG_TEXT))
    assert archive_of(walk(path, needs), path).members is not None


def test_what_archives_inside_hold_does_not_abandon_what_was_kept(tmp_path: Path) -> None:
    inner = hostile.zip_of({"../escape.txt": b"out\n"})
    path = tmp_path / "pkg-1.0.zip"
    path.write_bytes(hostile.zip_of({"pkg/a.py": b"a = 1\n", "tests/evil.zip": inner}))
    items = walk(path)
    kept = archive_of(items, path).members
    assert kept is not None
    assert [(m.name, m.data) for m in kept] == [("pkg/a.py", b"a = 1\n"), ("tests/evil.zip", inner)]
    traversal = [i for i in items if isinstance(i, Finding) and "escapes" in i.message]
    assert [f.location.path for f in traversal] == [f"{path}!/tests/evil.zip!/../escape.txt"]
