"""The OSV store: import, incremental update, atomicity, verification, loopback download."""

from __future__ import annotations

import hashlib
import http.server
import json
import sqlite3
import zipfile
from pathlib import Path
from typing import Any

import pytest

from outwork.store import advisories
from outwork.store.advisories import (
    AdvisoryDatabaseError,
    AdvisoryDatabaseMissingError,
    AdvisoryStore,
    import_zip,
)
from tests.analyzers.dependencies.corpusfeeds import PYPA_ZIP, convert_pypa, serve
from tests.analyzers.dependencies.osvrecords import RECORDS, build_database, write_feeds
from tests.conftest import corpus_path


def _zip(path: Path, records: list[dict[str, Any]]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for index, record in enumerate(records):
            zf.writestr(f"{record.get('id', index)}.json", json.dumps(record))
    return path


def _pypi_records() -> list[dict[str, Any]]:
    return [dict(r) for eco, r in RECORDS if eco == "PyPI"]


def _snapshot(db: Path) -> list[tuple[Any, ...]]:
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT feed, id, modified FROM vulns ORDER BY feed, id").fetchall()
    finally:
        con.close()


def test_import_and_lookup(tmp_path: Path) -> None:
    db = build_database(tmp_path / "db.sqlite3")
    with AdvisoryStore(db) as store:
        found = store.lookup("PyPI", ["Requests", "jinja2", "urllib3", "nothing"])
        assert sorted(a.id for a in found["requests"]) == [
            "GHSA-j8r2-6x86-q33q",
            "GHSA-x84v-xcm2-53pg",
            "PYSEC-2018-28",
        ]
        assert [a.id for a in found["jinja2"]] == ["GHSA-h5c8-rqwp-cp95"]
        assert "urllib3" not in found  # withdrawn
        assert store.lookup("npm", ["lodash"])["lodash"][0].id == "GHSA-35jh-r3h4-6jhm"
        status = store.status()
    assert {f.feed for f in status.feeds} >= {"PyPI", "npm", "Go", "Maven"}
    assert status.records == len(RECORDS)
    assert not status.stale()
    assert not db.with_name(db.name + "-wal").exists()  # one self-contained file at rest


def test_incremental_update_changes_and_removes(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    records = _pypi_records()
    first = import_zip(db, "PyPI", _zip(tmp_path / "a.zip", records))
    assert (first.added, first.changed, first.removed) == (len(records), 0, 0)
    changed = [dict(r) for r in records[1:]]
    changed[0]["modified"] = "2025-01-01T00:00:00Z"
    second = import_zip(db, "PyPI", _zip(tmp_path / "b.zip", changed))
    assert (second.added, second.changed, second.unchanged, second.removed) == (
        0,
        1,
        len(changed) - 1,
        1,
    )
    ids = {row[1] for row in _snapshot(db)}
    assert records[0]["id"] not in ids


def test_interrupted_import_leaves_previous_database(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    import_zip(db, "PyPI", _zip(tmp_path / "a.zip", _pypi_records()))
    before = _snapshot(db)
    newer = [dict(r, modified="2030-01-01T00:00:00Z") for r in _pypi_records()]
    with pytest.raises(AdvisoryDatabaseError, match="interrupted"):
        import_zip(db, "PyPI", _zip(tmp_path / "b.zip", newer), interrupt_after=3)
    assert _snapshot(db) == before


def test_corrupt_member_is_refused_and_rolled_back(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    import_zip(db, "PyPI", _zip(tmp_path / "a.zip", _pypi_records()))
    before = _snapshot(db)
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("A.json", json.dumps(dict(_pypi_records()[0], modified="2031-01-01T00:00Z")))
        zf.writestr("B.json", json.dumps({"id": "B", "modified": "2031-01-01T00:00:00Z"}))
    data = bytearray(bad.read_bytes())
    at = data.find(b'"id": "B"')
    data[at + 8] ^= 0x01  # flip a byte of the stored member: its CRC no longer matches
    bad.write_bytes(bytes(data))
    with pytest.raises(AdvisoryDatabaseError, match="corrupt"):
        import_zip(db, "PyPI", bad)
    assert _snapshot(db) == before


@pytest.mark.parametrize(
    "content",
    [b"not a zip", None],
    ids=["not-a-zip", "no-records"],
)
def test_unusable_feed_never_empties_the_database(tmp_path: Path, content: bytes | None) -> None:
    db = build_database(tmp_path / "db.sqlite3")
    before = _snapshot(db)
    feed = tmp_path / "feed.zip"
    if content is None:
        with zipfile.ZipFile(feed, "w") as zf:
            zf.writestr("README.txt", "nothing")
    else:
        feed.write_bytes(content)
    with pytest.raises(AdvisoryDatabaseError):
        import_zip(db, "PyPI", feed)
    assert _snapshot(db) == before


def test_record_without_id_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    with pytest.raises(AdvisoryDatabaseError, match="not an OSV record"):
        import_zip(db, "PyPI", _zip(tmp_path / "a.zip", [{"id": "X", "modified": "m"}, {"x": 1}]))


def test_missing_database_says_how_to_get_one(tmp_path: Path) -> None:
    with pytest.raises(AdvisoryDatabaseMissingError, match="outwork db update"):
        AdvisoryStore(tmp_path / "none.sqlite3")
    assert not advisories.status(tmp_path / "none.sqlite3").exists


def test_update_over_loopback_http(tmp_path: Path) -> None:
    feeds = tmp_path / "feeds"
    write_feeds(feeds)
    db = tmp_path / "db.sqlite3"
    with serve(feeds) as base:
        reports = advisories.update(db, ["PyPI", "npm"], base_url=base)
    assert [r.feed for r in reports] == ["PyPI", "npm"]
    assert (
        reports[0].sha256 == hashlib.sha256((feeds / "PyPI" / "all.zip").read_bytes()).hexdigest()
    )
    assert reports[0].url == f"{base}/PyPI/all.zip"
    with AdvisoryStore(db) as store:
        assert "lodash" in store.lookup("npm", ["lodash"])


def test_http_error_keeps_database(tmp_path: Path) -> None:
    db = build_database(tmp_path / "db.sqlite3")
    before = _snapshot(db)
    with serve(tmp_path) as base, pytest.raises(AdvisoryDatabaseError, match="HTTP 404"):
        advisories.update(db, ["PyPI"], base_url=base)
    assert _snapshot(db) == before


class _Truncating(http.server.BaseHTTPRequestHandler):
    payload = b""
    md5_header: str | None = None
    cut = True

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.payload)))
        if self.md5_header:
            self.send_header("x-goog-hash", f"crc32c=AAAAAA==,md5={self.md5_header}")
        self.end_headers()
        self.wfile.write(self.payload[: len(self.payload) // 2] if self.cut else self.payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_short_download_is_detected(tmp_path: Path) -> None:
    db = build_database(tmp_path / "db.sqlite3")
    before = _snapshot(db)
    feed = _zip(
        tmp_path / "a.zip", [dict(r, modified="2040-01-01T00:00:00Z") for r in _pypi_records()]
    )
    handler = type("H", (_Truncating,), {"payload": feed.read_bytes()})
    with serve(tmp_path, handler) as base, pytest.raises(AdvisoryDatabaseError):
        advisories.update(db, ["PyPI"], base_url=base)
    assert _snapshot(db) == before
    assert not list(tmp_path.glob(".download-*"))


def test_announced_md5_is_checked(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    feed = _zip(tmp_path / "a.zip", _pypi_records())
    wrong = "AAAAAAAAAAAAAAAAAAAAAA=="
    handler = type(
        "H", (_Truncating,), {"payload": feed.read_bytes(), "md5_header": wrong, "cut": False}
    )
    with serve(tmp_path, handler) as base, pytest.raises(AdvisoryDatabaseError, match="MD5"):
        advisories.update(db, ["PyPI"], base_url=base)
    import base64

    right = base64.b64encode(hashlib.md5(feed.read_bytes()).digest()).decode()
    handler = type(
        "H", (_Truncating,), {"payload": feed.read_bytes(), "md5_header": right, "cut": False}
    )
    with serve(tmp_path, handler) as base:
        assert advisories.update(db, ["PyPI"], base_url=base)[0].records == len(_pypi_records())


#: Packages whose real advisories the corpus test matches against.
CORPUS_PACKAGES = ("requests", "jinja2", "django", "urllib3", "pillow", "flask", "werkzeug")


def _keep(name: str) -> bool:
    package = name.split("/")[1]
    return package in CORPUS_PACKAGES or name.endswith("0.yaml")  # about a tenth of the rest


@pytest.fixture(scope="module")
def pypa_feeds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source = corpus_path(PYPA_ZIP)
    root = tmp_path_factory.mktemp("pypa-feeds")
    count = convert_pypa(source, root / "PyPI" / "all.zip", keep=_keep)
    assert count > 200
    return root


def test_real_pypa_advisories_download_and_match(pypa_feeds: Path, tmp_path: Path) -> None:
    """The pypa/advisory-database snapshot, served as OSV all.zip over loopback, end to end."""
    from outwork.analyzers.dependencies.matching import match_dependencies
    from outwork.analyzers.dependencies.model import Dependency

    db = tmp_path / "db.sqlite3"
    with serve(pypa_feeds) as base:
        (report,) = advisories.update(db, ["PyPI"], base_url=base)
    assert report.records > 200 and report.added == report.records
    with serve(pypa_feeds) as base:
        (again,) = advisories.update(db, ["PyPI"], base_url=base)
    assert again.unchanged == report.records and again.added == again.changed == 0
    deps = [
        Dependency("PyPI", "requests", "2.19.0"),
        Dependency("PyPI", "Jinja2", "2.10"),
        Dependency("PyPI", "django", "1.11.0"),
        Dependency("PyPI", "requests", "2.32.3"),
    ]
    with AdvisoryStore(db) as store:
        matches = match_dependencies(store, deps)
    by_dep: dict[tuple[str, str | None], set[str]] = {}
    for m in matches:
        by_dep.setdefault((m.dependency.name, m.dependency.version), set()).update(
            (*m.advisory_ids, *m.aliases)
        )
    assert "CVE-2018-18074" in by_dep[("requests", "2.19.0")]
    assert "CVE-2019-10906" in by_dep[("Jinja2", "2.10")]
    assert len(by_dep[("django", "1.11.0")]) > 20
    assert ("requests", "2.32.3") not in by_dep


def test_killed_update_leaves_previous_database(tmp_path: Path) -> None:
    """SIGKILL in the middle of an import: the next reader sees exactly the old database."""
    import signal
    import subprocess
    import sys
    import time

    db = build_database(tmp_path / "db.sqlite3")
    before = _snapshot(db)
    big = tmp_path / "big.zip"
    with zipfile.ZipFile(big, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(15_000):
            record = {
                "id": f"PYSEC-9999-{i}",
                "modified": "2030-01-01T00:00:00Z",
                "affected": [
                    {"package": {"ecosystem": "PyPI", "name": f"p{i}"}, "versions": ["1"]}
                ],
            }
            zf.writestr(f"PYSEC-9999-{i}.json", json.dumps(record))
    code = (
        "import sys; from outwork.store.advisories import import_zip; "
        "import_zip(sys.argv[1], 'PyPI', sys.argv[2])"
    )
    child = subprocess.Popen([sys.executable, "-c", code, str(db), str(big)])
    wal = db.with_name(db.name + "-wal")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and child.poll() is None:
        if wal.exists() and wal.stat().st_size > 64 * 1024:
            break  # the import is writing its transaction
        time.sleep(0.02)
    still_running = child.poll() is None
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    if not still_running:
        pytest.skip("the import finished before it could be interrupted")
    assert _snapshot(db) == before
    with AdvisoryStore(db) as store:
        assert "p5" not in store.lookup("PyPI", ["p5"])
    assert import_zip(db, "PyPI", big).added == 15_000


def test_one_failing_feed_does_not_stop_the_others(tmp_path: Path) -> None:
    feeds = tmp_path / "feeds"
    write_feeds(feeds)
    db = tmp_path / "db.sqlite3"
    with serve(feeds) as base, pytest.raises(advisories.UpdateIncompleteError) as raised:
        advisories.update(db, ["NoSuchEcosystem", "npm"], base_url=base)
    assert [r.feed for r in raised.value.reports] == ["npm"]
    assert "NoSuchEcosystem" in str(raised.value) and "HTTP 404" in str(raised.value)
    assert [f.feed for f in advisories.status(db).feeds] == ["npm"]
