"""Credentials in git history: deleted ones with the commit that introduced them, dangling
blobs, and corrupt repositories reported rather than crashing the scan."""

from __future__ import annotations

import io
import tarfile
import time
from pathlib import Path

from dulwich import porcelain
from dulwich.objects import Blob
from dulwich.repo import Repo

from outwork.core.findings import ScanResult
from outwork.engine.pipeline import ScanOptions, scan
from tests.secretforge import Forge


def _scan(root: Path, include_git: bool = True) -> ScanResult:
    return scan(
        [str(root)],
        ScanOptions(jobs=1, cache_dir=None, select=("SEC",), include_git=include_git),
    )


def _commit(repo: Path, files: dict[str, str], message: str) -> bytes:
    for name, text in files.items():
        (repo / name).write_text(text)
    porcelain.add(str(repo), [str(repo / name) for name in files])
    return porcelain.commit(
        str(repo), message=message.encode(), author=b"t <t@t>", committer=b"t <t@t>"
    )


def _repo(tmp_path: Path) -> tuple[Path, str, bytes]:
    root = tmp_path / "repo"
    root.mkdir()
    porcelain.init(str(root))
    token = Forge(11).github()
    first = _commit(root, {"settings.py": f'TOKEN = "{token}"\n'}, "add settings")
    _commit(root, {"settings.py": 'TOKEN = os.environ["TOKEN"]\n'}, "read it from the env")
    return root, token, first


def test_a_deleted_secret_is_found_with_the_commit_that_added_it(tmp_path: Path) -> None:
    root, token, first = _repo(tmp_path)
    result = _scan(root)
    history = [f for f in result.findings if f.properties.get("git_commit")]
    assert len(history) == 1
    found = history[0]
    assert found.code == "SEC001" and found.severity.label == "critical"
    assert found.properties["git_commit"] == first.decode()
    assert found.properties["git_path"] == "settings.py"
    assert found.properties["in_head"] is False
    assert found.location.logical.startswith(f"git:{first.decode()[:12]}:settings.py:1:")
    assert token not in str(found.to_dict())


def test_history_is_read_only_when_asked(tmp_path: Path) -> None:
    root, _, _ = _repo(tmp_path)
    assert not [f for f in _scan(root, include_git=False).findings if f.code == "SEC001"]


def test_a_dangling_blob_is_searched(tmp_path: Path) -> None:
    root, _, _ = _repo(tmp_path)
    blob = Blob.from_string(f'NPM = "{Forge(12).npm()}"\n'.encode())
    with Repo(str(root)) as repo:
        repo.object_store.add_object(blob)
    result = _scan(root)
    dangling = [f for f in result.findings if f.properties.get("dangling")]
    assert [f.code for f in dangling] == ["SEC001"]
    assert dangling[0].properties["git_blob"] == blob.id.decode()


def test_corrupt_objects_are_reported_not_fatal(tmp_path: Path) -> None:
    root, _, _ = _repo(tmp_path)
    objects = root / ".git" / "objects"
    loose = sorted(p for p in objects.rglob("*") if p.is_file() and len(p.parent.name) == 2)
    loose[0].write_bytes(b"\x78\x9c garbage that is not zlib")
    (objects / "ab").mkdir(exist_ok=True)
    (objects / "ab" / ("c" * 38)).write_bytes(b"")
    started = time.monotonic()
    result = _scan(root)
    assert time.monotonic() - started < 60
    assert not result.errors
    assert any(f.code == "SEC008" and "could not be read" in f.message for f in result.findings)


def test_a_repository_inside_an_archive_says_its_history_was_not_read(tmp_path: Path) -> None:
    root, _, _ = _repo(tmp_path)
    archive = tmp_path / "out"
    archive.mkdir()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar.add(root, arcname="repo")
    (archive / "repo.tar.gz").write_bytes(buffer.getvalue())
    result = _scan(archive)
    assert any(f.code == "SEC008" and "inside an archive" in f.message for f in result.findings)


def test_a_corrupt_packfile_is_reported_not_fatal(tmp_path: Path) -> None:
    root, _, _ = _repo(tmp_path)
    with Repo(str(root)) as repo:
        repo.object_store.pack_loose_objects()
    pack = next((root / ".git" / "objects" / "pack").glob("*.pack"))
    data = bytearray(pack.read_bytes())
    for offset in range(40, len(data) - 40, 7):
        data[offset] ^= 0x5A
    pack.write_bytes(bytes(data))
    result = _scan(root)
    assert not result.errors
    assert any(f.code == "SEC008" for f in result.findings)
