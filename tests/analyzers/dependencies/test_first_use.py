"""Advisory data on first use: fetched for the ecosystems a scan needs (only those) from a
loopback server, said once when it cannot be had, never one failing finding per manifest; and
``outwork db update`` stops at the first unreachable host."""

from __future__ import annotations

import functools
import http.server
import io
import json
import time
from pathlib import Path
from typing import Any

import pytest

from outwork.cli.main import run
from outwork.store import advisories
from tests.analyzers.dependencies.corpusfeeds import serve
from tests.analyzers.dependencies.osvrecords import write_feeds

#: A port nothing listens on (the discard service is never run on test machines).
DEAD = "http://127.0.0.1:9"
NPM_LOCK = {
    "name": "app",
    "lockfileVersion": 3,
    "packages": {"": {"name": "app"}, "node_modules/lodash": {"version": "4.17.20"}},
}


def _project(root: Path) -> Path:
    (root / "api").mkdir(parents=True)
    (root / "api" / "requirements.txt").write_text("requests==2.19.0\n")
    (root / "worker").mkdir()
    (root / "worker" / "requirements.txt").write_text("requests==2.19.0\nflask==0.12\n")
    (root / "web").mkdir()
    (root / "web" / "package-lock.json").write_text(json.dumps(NPM_LOCK, indent=2))
    return root


def _scan(tmp_path: Path, *argv: str, fmt: str = "json") -> tuple[int, dict[str, Any] | str, str]:
    out, err = io.StringIO(), io.StringIO()
    data = tmp_path / "data"
    command = ["scan", str(tmp_path / "proj"), "--no-cache", "--no-config", "-f", fmt]
    command += ["--advisory-db", str(data / "advisories.sqlite3"), "-j", "1", *argv]
    code = run(command, out, err)
    text = out.getvalue()
    return code, json.loads(text) if fmt == "json" and text else text, err.getvalue()


def _codes(result: Any) -> list[tuple[str, str]]:
    return sorted((f["code"], f["severity"]) for f in result["findings"])


def test_offline_without_data_says_once_which_ecosystems_were_not_checked(
    tmp_path: Path,
) -> None:
    _project(tmp_path / "proj")
    code, result, err = _scan(tmp_path)  # OUTWORK_OFFLINE, as --offline
    assert code == 0, result
    assert isinstance(result, dict)
    (unchecked,) = [f for f in result["findings"] if f["code"] == "VUL003"]
    assert unchecked["severity"] == "info"
    assert unchecked["properties"]["unchecked"] == {
        "PyPI": {"dependencies": 3, "files": 2},
        "npm": {"dependencies": 1, "files": 1},
    }
    assert "PyPI (3 dependencies in 2 files), npm (1 dependency in 1 file)" in err
    assert err.count("not checked") == 1
    # every report format carries it
    for fmt, needle in (("sarif", "VUL003"), ("cyclonedx", "VUL003"), ("html", "not checked")):
        _, text, _ = _scan(tmp_path, "--offline", fmt=fmt)
        assert needle in str(text), fmt


def test_require_advisories_makes_missing_data_a_usage_error(tmp_path: Path) -> None:
    _project(tmp_path / "proj")
    code, _, err = _scan(tmp_path, "--offline", "--require-advisories")
    assert code == 2
    assert "--require-advisories" in err and "PyPI" in err and "npm" in err


class _Recording(http.server.SimpleHTTPRequestHandler):
    requested: list[str] = []  # noqa: RUF012 - shared by the server's handler instances

    def do_GET(self) -> None:
        type(self).requested.append(self.path)
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        return


def test_first_use_fetches_only_the_needed_ecosystems_and_matches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OUTWORK_OFFLINE")
    _project(tmp_path / "proj")
    feeds = tmp_path / "feeds"
    write_feeds(feeds)
    _Recording.requested = []
    handler = functools.partial(_Recording, directory=str(feeds))
    with serve(feeds, handler) as base:  # type: ignore[arg-type]
        code, result, err = _scan(tmp_path, "--advisory-url", base, "--fail-on", "high")
    assert sorted(_Recording.requested) == ["/PyPI/all.zip", "/npm/all.zip"]
    assert "fetching advisory data for PyPI, npm (first use)" in err
    assert isinstance(result, dict)
    vulnerable = {
        (f["location"]["path"].rsplit("/", 2)[-2], f["location"]["line"], f["subject"])
        for f in result["findings"]
        if f["code"] == "VUL001"
    }
    assert ("api", 1, "pkg:pypi/requests@2.19.0") in vulnerable
    assert ("worker", 1, "pkg:pypi/requests@2.19.0") in vulnerable
    assert any(v[2] == "pkg:npm/lodash@4.17.20" for v in vulnerable)
    assert not [f for f in result["findings"] if f["code"] == "VUL003"]
    assert code == 1
    state = advisories.status(tmp_path / "data" / "advisories.sqlite3")
    assert sorted(f.feed for f in state.feeds) == ["PyPI", "npm"]
    # the second scan finds the data in place: no request, same findings
    _Recording.requested = []
    with serve(feeds, handler) as base:  # type: ignore[arg-type]
        _, again, err = _scan(tmp_path, "--advisory-url", base)
    assert _Recording.requested == [] and "fetching" not in err
    assert _codes(again) == _codes(result)


def test_unreachable_advisory_host_is_one_line_and_the_scan_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OUTWORK_OFFLINE")
    _project(tmp_path / "proj")
    started = time.monotonic()
    code, result, err = _scan(tmp_path, "--advisory-url", DEAD)
    assert time.monotonic() - started < 30
    assert code == 0
    assert err.count("cannot reach 127.0.0.1:9") == 1
    assert isinstance(result, dict)
    (unchecked,) = [f for f in result["findings"] if f["code"] == "VUL003"]
    assert "cannot reach 127.0.0.1:9" in unchecked["message"]


def test_db_update_stops_at_the_first_unreachable_host(tmp_path: Path) -> None:
    started = time.monotonic()
    with pytest.raises(advisories.AdvisoryHostUnreachableError) as raised:
        advisories.update(tmp_path / "db.sqlite3", ["PyPI", "npm", "Go", "Maven"], base_url=DEAD)
    assert time.monotonic() - started < 30
    message = str(raised.value)
    assert message.count("127.0.0.1:9") == 1 and len(message) < 300
    out, err = io.StringIO(), io.StringIO()
    db = str(tmp_path / "db.sqlite3")
    code = run(["db", "--database", db, "update", "--base-url", DEAD], out, err)
    assert code == 2
    lines = err.getvalue().splitlines()
    assert sum("cannot reach" in line for line in lines) == 1
    assert lines[0].startswith("outwork: downloading ")  # progress, then the one failure


def test_db_update_progress_reports_each_feed(tmp_path: Path) -> None:
    feeds = tmp_path / "feeds"
    write_feeds(feeds)
    seen: list[tuple[str, int, int | None]] = []
    with serve(feeds) as base:
        reports = advisories.update(
            tmp_path / "db.sqlite3",
            ["PyPI", "npm"],
            base_url=base,
            transfer=lambda feed, done, total: seen.append((feed, done, total)),
        )
    assert [r.feed for r in reports] == ["PyPI", "npm"]
    assert {feed for feed, _, _ in seen} == {"PyPI", "npm"}
    assert all(total is None or done <= total for _, done, total in seen)
