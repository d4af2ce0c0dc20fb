"""``outwork watch``: a recorded feed (tests/watch/fixtures/feed.json) replayed from loopback at
ten times its real rate, scanned, judged, resumed after stops, through registry errors."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from outwork.core.budgets import Budgets
from outwork.core.errors import TargetError
from outwork.engine.pipeline import ScanOptions
from outwork.sources import RegistryOptions
from outwork.sources.registries import RegistryBusyError, fetch_document, open_registry
from outwork.store import results
from outwork.store.results import FeedPosition, Release, ResultStore, open_store
from outwork.watch.feeds import Batch, Change, Feed, NpmChanges, PyPIChangelog, PyPIUpdatesRSS
from outwork.watch.watcher import WATCH_ANALYZERS, Watcher, WatchOptions, WatchStats
from tests import services
from tests.watch.replay import MALICIOUS, ReplayRegistry, Spec, load_feed

REPO = Path(__file__).resolve().parents[2]
SPEED = 10.0
#: Longest a replay test waits for its verdicts (the feed lasts 6 s at ten times its rate).
PATIENCE = 90.0


@pytest.fixture
def replay() -> Iterator[ReplayRegistry]:
    server = ReplayRegistry(load_feed(), speed=SPEED)
    yield server
    server.close()


@pytest.fixture
def quick() -> Iterator[ReplayRegistry]:
    """The same feed at thirty times its rate, for what does not measure the rate."""
    server = ReplayRegistry(load_feed(), speed=3 * SPEED)
    yield server
    server.close()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ResultStore]:
    with open_store(tmp_path / "results.sqlite3") as opened:
        yield opened


def _registry(server: ReplayRegistry) -> RegistryOptions:
    return RegistryOptions(pypi_url=f"{server.url}/pypi", npm_url=f"{server.url}/npm", timeout=10.0)


def _options(server: ReplayRegistry, tmp_path: Path, **kw: object) -> WatchOptions:
    scan = ScanOptions(
        analyzers=WATCH_ANALYZERS,
        registry=_registry(server),
        cache_dir=str(tmp_path / "cache"),
        data_dir=str(tmp_path / "data"),
    )
    settings: dict[str, object] = {"concurrency": 2, "interval": 0.2, "max_backoff": 1.0}
    settings.update(kw)
    return WatchOptions(scan=scan, **settings)  # type: ignore[arg-type]


def _expected(server: ReplayRegistry, ecosystem: str) -> dict[Release, str]:
    return {
        Release(i.spec.ecosystem, i.spec.name, i.spec.version): i.spec.template
        for i in server.items
        if i.spec.ecosystem == ecosystem
    }


def _run(watcher: Watcher, count: int) -> WatchStats:
    return _run_until(watcher, lambda s: s.scanned + s.errors >= count)


def _run_until(watcher: Watcher, done: Callable[[WatchStats], bool]) -> WatchStats:
    stop = threading.Event()
    timer = threading.Timer(PATIENCE, stop.set)
    timer.start()
    try:
        return watcher.run(stop, until=done)
    finally:
        timer.cancel()


def _check_verdicts(store: ResultStore, expected: dict[Release, str]) -> None:
    for release, template in expected.items():
        verdict = store.verdict(release)
        assert verdict is not None, release
        if template in MALICIOUS:
            assert verdict.verdict in ("high", "critical"), (release, verdict)
        else:
            assert verdict.verdict not in ("high", "critical", results.ERROR), (release, verdict)
        done = store.scans(release=release, status=results.DONE)
        assert len(done) == 1, release


def test_pypi_changelog_replayed_at_ten_times_its_rate(
    replay: ReplayRegistry, store: ResultStore, tmp_path: Path
) -> None:
    feed = PyPIChangelog(_registry(replay))
    expected = _expected(replay, "pypi")
    watcher = Watcher(feed, store, _options(replay, tmp_path, start="1000"))
    stats = _run(watcher, len(expected))
    assert stats.scanned == len(expected)
    _check_verdicts(store, expected)
    appeared = replay.appeared()
    for verdict in store.verdicts(ecosystem="pypi", limit=100):
        latency = verdict.decided_at.timestamp() - appeared[verdict.release.target]
        assert 0 < latency < 60, verdict
    # Every release is past the stored position, and the scans' findings are queryable.
    last = max(i.serial for i in replay.items if i.spec.ecosystem == "pypi")
    assert int(store.position("pypi") or 0) >= last - 2
    assert {f.rule for f in store.findings(package="stage-helper")} >= {"PKG003"}


def test_npm_changes_replayed_at_ten_times_its_rate(
    replay: ReplayRegistry, store: ResultStore, tmp_path: Path
) -> None:
    feed = NpmChanges(_registry(replay), changes_url=f"{replay.url}/npm-changes")
    expected = _expected(replay, "npm")
    watcher = Watcher(feed, store, _options(replay, tmp_path, start="0"))
    stats = _run(watcher, len(expected))
    assert stats.scanned == len(expected)
    _check_verdicts(store, expected)
    last = max(i.serial for i in replay.items if i.spec.ecosystem == "npm")
    assert store.position("npm") == str(last)


def test_a_stopped_watcher_resumes_without_skipping_or_rescanning(
    quick: ReplayRegistry, store: ResultStore, tmp_path: Path
) -> None:
    feed = PyPIChangelog(_registry(quick))
    expected = _expected(quick, "pypi")
    first = _run(Watcher(feed, store, _options(quick, tmp_path, start="1000")), 3)
    assert 3 <= first.scanned < len(expected)
    second = _run(Watcher(feed, store, _options(quick, tmp_path)), len(expected) - first.scanned)
    assert first.scanned + second.scanned == len(expected)
    _check_verdicts(store, expected)


def test_registry_errors_back_off_and_every_release_is_still_judged(
    store: ResultStore, tmp_path: Path
) -> None:
    server = ReplayRegistry(load_feed(), speed=3 * SPEED, fail=0.3)
    try:
        feed = PyPIChangelog(_registry(server))
        expected = _expected(server, "pypi")
        options = _options(server, tmp_path, start="1000", attempts=30, max_backoff=0.3)
        stats = _run(Watcher(feed, store, options), len(expected))
        assert server.failures > 0
        assert stats.retries > 0
        assert stats.errors == 0
        _check_verdicts(store, expected)
    finally:
        server.close()


class _ListFeed:
    """A feed of fixed entries, for what a replay cannot show."""

    name = "pypi"
    ecosystem = "pypi"

    def __init__(self, changes: list[Change]) -> None:
        self.changes = changes

    def head(self) -> str:
        return "0"

    def poll(self, position: str) -> Batch:
        after = [c for c in self.changes if int(c.position) > int(position)]
        return Batch(after, after[-1].position if after else position)

    def releases(self, change: Change, since: float) -> list[Release]:
        del since
        return [Release("pypi", change.package, change.version or "")]


def test_a_release_the_registry_does_not_have_is_an_error_verdict_and_the_feed_moves_on(
    quick: ReplayRegistry, store: ResultStore, tmp_path: Path
) -> None:
    feed = _ListFeed([Change("1", "never-published", "1.0"), Change("2", "also-missing", "2.0")])
    stats = _run(Watcher(feed, store, _options(quick, tmp_path)), 2)
    assert stats.errors == 2
    verdict = store.verdict(Release("pypi", "never-published", "1.0"))
    assert verdict is not None
    assert verdict.verdict == results.ERROR
    assert "does not exist" in verdict.reason
    assert store.position("pypi") == "2"


def test_a_release_listed_twice_is_scanned_once(
    replay: ReplayRegistry, store: ResultStore, tmp_path: Path
) -> None:
    time.sleep(0.2)  # tidy-tables 0.1.0 appears at 0.05 s
    change = Change("1", "tidy-tables", "0.1.0")
    twice = _ListFeed([change, Change("2", "tidy-tables", "0.1.0")])
    stats = _run(Watcher(twice, store, _options(replay, tmp_path)), 1)
    assert stats.scanned == 1
    assert store.position("pypi") == "2"
    again = _run_until(
        Watcher(_ListFeed([Change("3", "tidy-tables", "0.1.0")]), store),
        lambda s: s.already_judged > 0,
    )
    assert again.already_judged == 1
    assert len(store.scans(package="tidy-tables")) == 1


def test_pypi_rss_fallback_reads_the_updates_feed() -> None:
    # RSS dates have whole seconds: releases more than a second apart.
    specs = [Spec(1.1 * n, "pypi", f"pkg-{n}", "1.0", "pypi-benign") for n in range(3)]
    server = ReplayRegistry(specs, speed=1.0)
    try:
        time.sleep(2.4)
        feed = PyPIUpdatesRSS(_registry(server))
        batch = feed.poll("0")
        assert [(c.package, c.version) for c in batch.changes] == [
            ("pkg-0", "1.0"),
            ("pkg-1", "1.0"),
            ("pkg-2", "1.0"),
        ]
        assert float(batch.position) == max(c.published or 0 for c in batch.changes)
        assert feed.poll(batch.position).changes == batch.changes[-1:]
    finally:
        server.close()


def test_the_changelog_reads_uploads_only_and_refuses_a_dtd(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    two = [
        Spec(0, "pypi", "tidy-tables", "0.1.0", "pypi-benign"),
        Spec(1, "pypi", "b", "1.0", "pypi-PKG003"),
    ]
    server = ReplayRegistry(two, speed=1000.0)
    time.sleep(0.1)
    feed = PyPIChangelog(_registry(server))
    batch = feed.poll("1000")
    server.close()
    assert [(c.package, c.version) for c in batch.changes] == [
        ("tidy-tables", "0.1.0"),
        ("tidy-tables", "0.1.0"),
        ("b", "1.0"),
        ("b", "1.0"),
    ]
    assert batch.position == "1006"  # past the owner change that is not a release

    import outwork.watch.feeds as feeds

    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><methodResponse/>'
    monkeypatch.setattr(feeds, "_request", lambda *a, **k: bomb)
    with pytest.raises(TargetError, match="DTD"):
        feed.poll("1000")


def test_the_command_stops_on_sigterm_and_resumes(replay: ReplayRegistry, tmp_path: Path) -> None:
    store_path = tmp_path / "results.sqlite3"
    command = [
        sys.executable,
        "-m",
        "outwork",
        "watch",
        "pypi",
        "--store",
        str(store_path),
        "--index-url",
        f"{replay.url}/pypi",
        "--since",
        "1000",
        "--interval",
        "0.2",
        "--cache-dir",
        str(tmp_path / "cache"),
    ]
    env = {**os.environ, "OUTWORK_DATA_DIR": str(tmp_path / "data")}
    first = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    assert first.stdout is not None
    line = first.stdout.readline()  # the first verdict
    first.send_signal(signal.SIGTERM)
    out, err = first.communicate(timeout=60)
    assert first.returncode == 0, err
    assert "stopped at pypi position" in err
    seen = [json.loads(x)["release"] for x in [line, *out.splitlines()] if x]
    expected = _expected(replay, "pypi")
    rest = len(expected) - len(seen)
    assert rest > 0  # the feed lasts 6 s: the stop came before its end
    second = subprocess.run(
        [*command, "--stop-after", str(rest)],
        capture_output=True,
        text=True,
        env=env,
        timeout=PATIENCE,
        check=False,
    )
    assert second.returncode == 0, second.stderr
    seen += [json.loads(x)["release"] for x in second.stdout.splitlines()]
    assert sorted(seen) == sorted(r.target for r in expected)
    with open_store(store_path) as store:
        _check_verdicts(store, expected)


def test_specs_build_real_archives() -> None:
    spec = Spec(0, "pypi", "demo-pkg", "1.0", "pypi-PKG003")
    server = ReplayRegistry([spec], speed=1000)
    try:
        assert server.items[0].data[:2] == b"\x1f\x8b"
    finally:
        server.close()


def test_busy_registry_answers_are_retryable_errors_with_their_delay(tmp_path: Path) -> None:
    server = ReplayRegistry([Spec(0, "pypi", "demo-pkg", "1.0", "pypi-benign")], fail=1.0)
    try:
        with pytest.raises(RegistryBusyError) as caught:
            fetch_document(f"{server.url}/pypi/demo-pkg/json", timeout=5, max_bytes=10**6, what="x")
        assert caught.value.retry_after == 1.0
        options = replace(_registry(server), download_dir=str(tmp_path), raise_transient=True)
        with pytest.raises(RegistryBusyError):
            list(open_registry("pypi:demo-pkg==1.0", Budgets(), options))
    finally:
        server.close()


def test_a_bug_while_scanning_is_the_release_s_error_verdict_not_the_watch_s_end(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import outwork.watch.watcher as watcher_module

    def broken(*_: object, **__: object) -> None:
        raise AttributeError("AI")  # what a layer half-updated under a running watcher raised

    monkeypatch.setattr(watcher_module, "run_scan", broken)
    outcome = watcher_module.scan_release("pypi:demo==1.0", ScanOptions())
    assert outcome.result is None
    assert not outcome.transient
    assert outcome.error.startswith("internal error while scanning (AttributeError: AI)")


def test_two_watchers_share_a_postgresql_store(tmp_path: Path, postgres_server_url: str) -> None:
    server = ReplayRegistry(load_feed(), speed=3 * SPEED, paused=True)
    location = services.fresh_database(postgres_server_url, "watch_shared")
    registry = _registry(server)
    feeds: dict[str, Feed] = {
        "pypi": PyPIChangelog(registry),
        "npm": NpmChanges(registry, changes_url=f"{server.url}/npm-changes"),
    }
    starts = {"pypi": "1000", "npm": "0"}
    stats: dict[str, WatchStats] = {}

    def watch(name: str) -> None:
        with open_store(location) as own:  # one connection each, as two processes would have
            options = _options(server, tmp_path, start=starts[name])
            stats[name] = _run(Watcher(feeds[name], own, options), len(_expected(server, name)))

    threads = [threading.Thread(target=watch, args=(name,)) for name in feeds]
    try:
        for thread in threads:
            thread.start()
        with open_store(location) as store:
            deadline = time.monotonic() + PATIENCE
            while not (store.position("pypi#since") and store.position("npm#since")):
                assert time.monotonic() < deadline
                time.sleep(0.05)
            server.restart()  # the feed starts once both watch
            for thread in threads:
                thread.join(PATIENCE)
            for name in feeds:
                assert stats[name].scanned == len(_expected(server, name))
                _check_verdicts(store, _expected(server, name))
            assert len(store.verdicts(limit=100)) == len(server.items)
    finally:
        server.close()


def test_a_file_uploaded_after_the_verdict_is_scanned_with_its_release(
    store: ResultStore, tmp_path: Path
) -> None:
    """A clean sdist first, a wheel that runs a download on import a moment later: the wheel's
    upload scans the release again, and its verdict is the wheel's."""
    specs = [
        Spec(0.0, "pypi", "late-wheel", "1.0", "pypi-benign"),
        Spec(0.0, "pypi", "late-wheel", "1.0", "pypi-wheel-PKG003"),
    ]
    server = ReplayRegistry(specs, speed=SPEED)
    server.items[1].at = float("inf")  # the wheel comes after the first verdict
    try:
        feed = PyPIChangelog(_registry(server))
        release = Release("pypi", "late-wheel", "1.0")
        first = _run(Watcher(feed, store, _options(server, tmp_path, start="1000")), 1)
        assert first.scanned == 1
        verdict = store.verdict(release)
        assert verdict is not None
        assert verdict.verdict == results.CLEAN
        server.items[1].at = time.time()
        second = _run(Watcher(feed, store, _options(server, tmp_path)), 1)
        assert second.scanned == 1
        verdict = store.verdict(release)
        assert verdict is not None
        assert verdict.verdict in ("high", "critical")
        assert len(store.scans(release=release, status=results.DONE)) == 2
        # Read again from the start, neither upload scans it a third time.
        store.set_position(FeedPosition("pypi", "1000"))
        third = _run_until(
            Watcher(feed, store, _options(server, tmp_path)),
            lambda s: s.already_judged >= 4,
        )
        assert third.scanned == 0
    finally:
        server.close()
