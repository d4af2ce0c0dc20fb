"""``--osv-api``: when a needed feed cannot be had, OSV's query API is asked about the scan's
dependencies (only those, by name and version), against a loopback fake of the API; what it
answers is matched like a feed's records, nothing is stored as a feed, and an API that fails or
answers nonsense leaves one VUL003 that says why."""

from __future__ import annotations

import contextlib
import http.server
import io
import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from outwork.cli.main import run
from outwork.store import advisories, osvapi
from tests.analyzers.dependencies.osvrecords import RECORDS
from tests.analyzers.dependencies.test_first_use import DEAD, _project

Answer = Callable[[dict[str, Any]], Any]


class _FakeOsv(http.server.BaseHTTPRequestHandler):
    """``POST /v1/querybatch`` answers each query with the ids of the test records naming its
    package (the first page holds one id and a page token when there are more, as the real API
    pages long answers); ``GET /v1/vulns/ID`` answers the record."""

    queries: list[dict[str, Any]] = []  # noqa: RUF012 - shared by the server's handler instances
    override: Answer | None = None

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        cls = type(self)
        cls.queries.extend(body["queries"])
        if cls.override is not None:
            self._send(cls.override(body))
            return
        results = []
        for query in body["queries"]:
            package = query["package"]
            ids = [
                r["id"]
                for _, r in RECORDS
                if any(
                    a["package"]["name"].lower() == package["name"].lower()
                    and a["package"]["ecosystem"] == package["ecosystem"]
                    for a in r["affected"]
                )
            ]
            start = int(query.get("page_token") or 0)
            result: dict[str, Any] = {"vulns": [{"id": i} for i in ids[start : start + 1]]}
            if start + 1 < len(ids):
                result["next_page_token"] = str(start + 1)
            results.append(result)
        self._send({"results": results})

    def do_GET(self) -> None:
        wanted = self.path.rsplit("/", 1)[-1]
        for _, record in RECORDS:
            if record["id"] == wanted:
                self._send(record)
                return
        self.send_error(404)

    def _send(self, payload: Any) -> None:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        return


@contextlib.contextmanager
def _fake_api(override: Answer | None = None) -> Iterator[str]:
    _FakeOsv.queries = []
    _FakeOsv.override = override
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _FakeOsv)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _scan(tmp_path: Path, *argv: str) -> tuple[int, dict[str, Any], str]:
    out, err = io.StringIO(), io.StringIO()
    db = tmp_path / "data" / "advisories.sqlite3"
    command = ["scan", str(tmp_path / "proj"), "--no-cache", "--no-config", "-f", "json"]
    code = run([*command, "--advisory-db", str(db), "-j", "1", *argv], out, err)
    return code, json.loads(out.getvalue() or "{}"), err.getvalue()


def test_the_api_answers_for_the_scans_dependencies_when_the_feeds_cannot_be_had(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OUTWORK_OFFLINE")
    _project(tmp_path / "proj")
    with _fake_api() as api:
        code, result, err = _scan(tmp_path, "--advisory-url", DEAD, "--osv-api", api)
    # only the scan's own dependencies were sent, each once per page asked
    sent = {
        (q["package"]["ecosystem"], q["package"]["name"], q["version"]) for q in _FakeOsv.queries
    }
    assert sent == {
        ("PyPI", "requests", "2.19.0"),
        ("PyPI", "flask", "0.12"),
        ("npm", "lodash", "4.17.20"),
    }
    assert any("page_token" in q for q in _FakeOsv.queries)  # a paged answer was followed
    assert "asking http://127.0.0.1" in err and "3 dependencies of PyPI, npm" in err
    vulnerable = {
        (f["location"]["path"].rsplit("/", 2)[-2], f["location"]["line"], f["subject"])
        for f in result["findings"]
        if f["code"] == "VUL001"
    }
    assert ("api", 1, "pkg:pypi/requests@2.19.0") in vulnerable
    assert ("worker", 1, "pkg:pypi/requests@2.19.0") in vulnerable
    assert any(v[2] == "pkg:npm/lodash@4.17.20" for v in vulnerable)
    assert all(
        f["properties"]["advisory_source"] == "OSV API"
        for f in result["findings"]
        if f["code"] == "VUL001"
    )
    assert not [f for f in result["findings"] if f["code"] == "VUL003"]
    assert code == 1
    # a handful of answered records is no feed: a later offline scan is not told it is covered
    state = advisories.status(tmp_path / "data" / "advisories.sqlite3")
    assert not state.feeds


def test_a_safe_version_gets_no_finding_from_the_api(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OUTWORK_OFFLINE")
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "requirements.txt").write_text("requests==2.32.3\n")
    with _fake_api() as api:
        code, result, _ = _scan(tmp_path, "--advisory-url", DEAD, "--osv-api", api)
    assert code == 0
    assert not [f for f in result["findings"] if f["code"].startswith("VUL")]


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        (lambda body: {"results": []}, "answered 2 queries with something else"),
        (lambda body: b"<html>busy</html>", "not JSON"),
        (lambda body: {"results": [{"vulns": [{"id": "X"}]}] * 2}, "X"),
        (lambda body: b"[" * 200_000, "not JSON"),
    ],
    ids=["wrong-count", "html", "unknown-record", "deep-json"],
)
def test_an_api_that_answers_nonsense_leaves_one_unchecked_finding_saying_why(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, answer: Answer, why: str
) -> None:
    monkeypatch.delenv("OUTWORK_OFFLINE")
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "requirements.txt").write_text("requests==2.19.0\nflask==0.12\n")
    with _fake_api(answer) as api:
        code, result, _ = _scan(tmp_path, "--advisory-url", DEAD, "--osv-api", api)
    assert code == 0
    (unchecked,) = [f for f in result["findings"] if f["code"] == "VUL003"]
    assert "OSV API could not be asked either" in unchecked["message"]
    assert why in unchecked["message"]
    assert not [f for f in result["findings"] if f["code"] == "VUL001"]


def test_an_unreachable_api_is_said_once_beside_the_feed_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OUTWORK_OFFLINE")
    _project(tmp_path / "proj")
    code, result, _ = _scan(tmp_path, "--advisory-url", DEAD, "--osv-api", DEAD)
    assert code == 0
    (unchecked,) = [f for f in result["findings"] if f["code"] == "VUL003"]
    assert "OSV API could not be asked either" in unchecked["message"]


def test_osv_api_with_offline_is_a_usage_error(tmp_path: Path) -> None:
    _project(tmp_path / "proj")
    code, _, err = _scan(tmp_path, "--offline", "--osv-api")
    assert code == 2
    assert "--osv-api" in err and "--offline" in err


def test_oversized_answers_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(osvapi, "MAX_ANSWER_BYTES", 1000)
    answer = {"results": [{"vulns": []}], "pad": "x" * 5000}
    with _fake_api(lambda body: answer) as api, pytest.raises(osvapi.OsvApiError, match="larger"):
        osvapi.query_records([osvapi.Query("PyPI", "requests", "2.19.0")], base_url=api)


def test_endless_pages_are_cut(monkeypatch: pytest.MonkeyPatch) -> None:
    answer = {"results": [{"vulns": [], "next_page_token": "again"}]}
    with _fake_api(lambda body: answer) as api, pytest.raises(osvapi.OsvApiError, match="pages"):
        osvapi.query_records([osvapi.Query("PyPI", "requests", "2.19.0")], base_url=api)
