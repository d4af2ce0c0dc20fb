"""The results store: the same tests against SQLite and a real PostgreSQL server on loopback."""

from __future__ import annotations

import dataclasses
import itertools
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from outwork.core.errors import ConfigError
from outwork.core.findings import Location, ScannedArtifact, ScanResult, Skip, finding
from outwork.core.rules import Confidence, Severity
from outwork.engine.registry import get_rule
from outwork.store import results
from outwork.store.results import FeedPosition, Release, ResultStore, open_store
from tests import services

_numbers = itertools.count()

SHA_A = "a" * 64
SHA_B = "b" * 64


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ResultStore]:
    if request.param == "sqlite":
        location = str(tmp_path / "results.sqlite3")
    else:
        server = request.getfixturevalue("postgres_server_url")
        location = services.fresh_database(server, f"results_{next(_numbers)}")
    with open_store(location) as opened:
        yield opened


def _result(release: Release, *, severities: tuple[Severity, ...] = ()) -> ScanResult:
    top = f"{release.target}/{release.name}-{release.version}.tar.gz"
    member = f"{top}!{release.name}/setup.py"
    findings = [
        finding(
            get_rule("PKG003"),
            f"downloads and runs code ({index})",
            path=member,
            line=3 + index,
            severity=severity,
            confidence=Confidence.HIGH,
            evidence=f"exec(urlopen(...)) #{index}",
        )
        for index, severity in enumerate(severities)
    ]
    return ScanResult(
        findings=findings,
        skipped=[Skip(f"{top}!big.bin", "larger than the budget")],
        artifacts=[
            ScannedArtifact(top, "sdist", 1000, SHA_A, ("packages",)),
            ScannedArtifact(member, "python", 120, SHA_B, ("packages",)),
        ],
        targets=[release.target],
    )


def test_a_new_store_has_the_whole_schema_and_reopening_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite3"
    with open_store(path) as first:
        assert first.schema_version() == len(results.MIGRATIONS)
        first.set_position(FeedPosition("pypi", "41"))
    with open_store(f"sqlite:///{path}") as again:
        assert again.schema_version() == len(results.MIGRATIONS)
        assert again.position("pypi") == "41"


def test_a_store_from_a_newer_outwork_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "r.sqlite3"
    open_store(path).close()
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO schema_migrations VALUES (?, 0)", (len(results.MIGRATIONS) + 1,))
    with pytest.raises(ConfigError, match="upgrade outwork"):
        open_store(path)


def test_unknown_store_urls_are_a_configuration_error() -> None:
    with pytest.raises(ConfigError, match="unknown results store"):
        open_store("mysql://db/outwork")


def test_default_location_is_in_the_user_data_directory() -> None:
    assert results.default_location().name == results.FILENAME
    assert "outwork" in results.default_location().parts


def test_a_scan_goes_from_queued_to_done_with_its_verdict_and_position(
    store: ResultStore,
) -> None:
    release = Release("pypi", "evil-pkg", "1.0")
    scan_id = store.create_scan(release.target, origin="watch:pypi", release=release)
    record = store.get_scan(scan_id)
    assert record is not None
    assert (record.status, record.release, record.verdict) == (results.QUEUED, release, None)
    store.start_scan(scan_id)
    store.set_detail(scan_id, "reading setup.py")
    running = store.get_scan(scan_id)
    assert running is not None
    assert (running.status, running.detail) == (results.RUNNING, "reading setup.py")
    assert running.started_at is not None

    result = _result(release, severities=(Severity.MEDIUM, Severity.CRITICAL))
    verdict = store.finish_scan(scan_id, result, feed=FeedPosition("pypi", "1007"))
    assert verdict == "critical"
    done = store.get_scan(scan_id)
    assert done is not None
    assert (done.status, done.verdict, done.findings) == (results.DONE, "critical", 2)
    stored = store.verdict(release)
    assert stored is not None
    assert (stored.verdict, stored.findings, stored.scan_id) == ("critical", 2, scan_id)
    assert store.position("pypi") == "1007"
    assert store.position("npm") is None


def test_findings_and_artifacts_are_queried_by_package_version_rule_digest_and_time(
    store: ResultStore,
) -> None:
    bad = Release("pypi", "evil-pkg", "1.0")
    good = Release("npm", "left-pad", "1.3.0")
    bad_id = store.create_scan(bad.target, release=bad)
    store.finish_scan(bad_id, _result(bad, severities=(Severity.HIGH,)))
    good_id = store.create_scan(good.target, release=good)
    store.finish_scan(good_id, _result(good))

    by_package = store.findings(package="evil-pkg")
    assert [(f.rule, f.severity, f.line, f.release) for f in by_package] == [
        ("PKG003", "high", 3, bad)
    ]
    assert by_package[0].path.endswith("!evil-pkg/setup.py")
    assert by_package[0].sha256 == SHA_B
    assert store.findings(release=good) == []
    assert [f.scan_id for f in store.findings(rule="pkg003")] == [bad_id]
    assert store.findings(rule="CI001") == []
    assert [f.scan_id for f in store.findings(digest=f"sha256:{SHA_B.upper()}")] == [bad_id]
    assert store.findings(digest=SHA_A) == []

    hour = timedelta(hours=1)
    now = datetime.now(UTC)
    assert len(store.findings(since=now - hour, until=now + hour)) == 1
    assert store.findings(since=now + hour) == []

    assert {a.scan_id for a in store.artifacts(digest=SHA_A)} == {bad_id, good_id}
    assert [(a.path, a.kind, a.size, a.sha256) for a in store.artifacts(scan_id=good_id)] == [
        ("npm:left-pad@1.3.0/left-pad-1.3.0.tar.gz", "sdist", 1000, SHA_A),
        ("npm:left-pad@1.3.0/left-pad-1.3.0.tar.gz!left-pad/setup.py", "python", 120, SHA_B),
    ]
    assert [s.id for s in store.scans(digest=SHA_A)] == [good_id, bad_id]
    assert [s.id for s in store.scans(release=bad)] == [bad_id]
    assert [s.id for s in store.scans(ecosystem="npm")] == [good_id]
    assert store.scans(since=now + hour) == []

    assert [v.release for v in store.verdicts(at_least=Severity.HIGH)] == [bad]
    assert [v.verdict for v in store.verdicts(package="left-pad")] == [results.CLEAN]


def test_suppressed_findings_are_kept_but_do_not_count(store: ResultStore) -> None:
    release = Release("pypi", "quiet", "2.0")
    result = _result(release, severities=(Severity.CRITICAL,))
    result.findings[0] = dataclasses.replace(result.findings[0], suppressed="baseline")
    scan_id = store.create_scan(release.target, release=release)
    assert store.finish_scan(scan_id, result) == results.CLEAN
    assert store.findings(scan_id=scan_id) == []
    kept = store.findings(scan_id=scan_id, include_suppressed=True)
    assert [f.suppressed for f in kept] == ["baseline"]


def test_the_stored_report_rebuilds_the_result(store: ResultStore) -> None:
    release = Release("pypi", "evil-pkg", "1.0")
    result = _result(release, severities=(Severity.HIGH, Severity.LOW))
    scan_id = store.create_scan(release.target, release=release)
    assert store.result(scan_id) is None
    store.finish_scan(scan_id, result)
    rebuilt = store.result(scan_id)
    assert rebuilt is not None
    assert [f.fingerprint for f in rebuilt.findings] == [f.fingerprint for f in result.findings]
    assert [(f.severity, f.location) for f in rebuilt.findings] == [
        (Severity.HIGH, Location(result.findings[0].location.path, line=3)),
        (Severity.LOW, Location(result.findings[1].location.path, line=4)),
    ]
    assert rebuilt.skipped == result.skipped
    assert sorted(a.sha256 or "" for a in rebuilt.artifacts) == [SHA_A, SHA_B]
    report = store.report(scan_id)
    assert report is not None
    assert report["summary"]["active"] == 2


def test_a_failed_scan_is_an_error_verdict_with_its_reason(store: ResultStore) -> None:
    release = Release("npm", "gone", "0.0.1")
    scan_id = store.create_scan(release.target, origin="watch:npm", release=release)
    store.fail_scan(scan_id, "no such version on the registry", feed=FeedPosition("npm", "77"))
    stored = store.verdict(release)
    assert stored is not None
    assert (stored.verdict, stored.reason) == (results.ERROR, "no such version on the registry")
    record = store.get_scan(scan_id)
    assert record is not None
    assert (record.status, record.detail) == (results.FAILED, "no such version on the registry")
    assert store.position("npm") == "77"


def test_a_rescan_replaces_the_verdict_and_keeps_the_history(store: ResultStore) -> None:
    release = Release("pypi", "flip", "1.0")
    first = store.create_scan(release.target, release=release)
    store.finish_scan(first, _result(release, severities=(Severity.HIGH,)))
    second = store.create_scan(release.target, release=release)
    store.finish_scan(second, _result(release))
    stored = store.verdict(release)
    assert stored is not None
    assert (stored.verdict, stored.scan_id) == (results.CLEAN, second)
    assert [s.id for s in store.scans(release=release)] == [second, first]
    assert len(store.verdicts()) == 1


def test_a_scan_without_a_release_leaves_verdicts_alone(store: ResultStore) -> None:
    scan_id = store.create_scan("/srv/upload/pkg.tar.gz", origin="api:ci-bot")
    store.finish_scan(scan_id, _result(Release("pypi", "x", "1"), severities=(Severity.LOW,)))
    assert store.verdicts() == []
    assert [s.origin for s in store.scans(origin="api:ci-bot")] == ["api:ci-bot"]


def test_verdict_and_position_commit_together_or_not_at_all(
    store: ResultStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = Release("pypi", "evil-pkg", "1.0")
    store.set_position(FeedPosition("pypi", "10"))
    scan_id = store.create_scan(release.target, release=release)

    def crash(*_: object) -> None:
        raise RuntimeError("killed between the verdict and the position")

    monkeypatch.setattr(store, "_put_position", crash)
    with pytest.raises(RuntimeError, match="killed"):
        store.finish_scan(
            scan_id, _result(release, severities=(Severity.HIGH,)), feed=FeedPosition("pypi", "11")
        )
    assert store.verdict(release) is None
    assert store.findings(scan_id=scan_id) == []
    assert store.artifacts(scan_id=scan_id) == []
    record = store.get_scan(scan_id)
    assert record is not None
    assert record.status == results.QUEUED
    assert store.position("pypi") == "10"


def test_finishing_an_unknown_scan_is_an_error(store: ResultStore) -> None:
    with pytest.raises(KeyError):
        store.finish_scan(12345, ScanResult())
    with pytest.raises(KeyError):
        store.fail_scan(12345, "gone")


def test_two_handles_share_one_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    with open_store(path) as watcher, open_store(path) as server:
        release = Release("pypi", "a", "1")
        scan_id = watcher.create_scan(release.target, release=release)
        watcher.finish_scan(scan_id, _result(release), feed=FeedPosition("pypi", "5"))
        assert server.verdict(release) is not None
        assert server.position("pypi") == "5"
