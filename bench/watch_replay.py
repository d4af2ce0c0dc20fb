"""``outwork watch`` against a loopback replay of synthetic releases (tests/watch/replay.py).

The releases are built by the replay from the project's own rule fixtures (one in twenty: an
install script that downloads and runs code, steals credentials or opens a reverse shell) and
benign-looking generated packages; half PyPI sdists, half npm tarballs. The watcher is the real
command (``python -m outwork watch pypi``), in its own process with its worker processes, and the
store is a fresh SQLite file. Modes:

- ``throughput``: every release is visible at once (a backlog); releases judged per minute of
  wall time (on a shared machine, wall time is what the other jobs leave: ``cpu`` and ``real``
  give the CPU cost).
- ``latency``: releases arrive as a Poisson process at ``--rate`` per minute (real rate) replayed
  ``--speed`` times faster; the time from a release appearing in the feed to its verdict in the
  store (median, p99, max) and whether the watcher kept up.
- ``memory``: a latency run for ``--minutes``, sampling the resident memory of the watcher and of
  its workers every ``--every`` seconds.
- ``cpu``: the CPU seconds (user+sys) one release costs a worker, fetched and scanned in this
  process exactly as a worker does (``scan_release``), after one warm-up release; with the
  workers forked from a forkserver the watchers' own CPU figures would miss theirs.
- ``real``: the same per-release CPU on real release files read from ``--dir`` (a cache a
  packages bench filled, e.g. /work/bench-data/benign/sdist: popular projects, larger than
  the median release), scanned as local files with the watcher's layers, no cache.
- ``restart``: the watcher is killed (SIGKILL) ``--kills`` times at random points and restarted;
  at the end every release must have exactly one verdict and one finished scan: lost and
  duplicated releases are counted.

    python bench/watch_replay.py throughput --releases 200 --concurrency 2
    python bench/watch_replay.py latency --rate 4 --speed 10 --minutes 30
    python bench/watch_replay.py memory --rate 4 --speed 10 --minutes 60
    python bench/watch_replay.py cpu --releases 300
    python bench/watch_replay.py real --dir /work/bench-data/benign/sdist --releases 100
    python bench/watch_replay.py restart --releases 120 --kills 8
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from outwork.store import results  # noqa: E402
from outwork.store.results import Release, open_store  # noqa: E402
from tests.watch.replay import ReplayRegistry, Spec, synthetic_feed  # noqa: E402


def _command(
    server: ReplayRegistry, work: Path, registry: str, args: argparse.Namespace
) -> list[str]:
    return [
        sys.executable,
        "-m",
        "outwork",
        "watch",
        registry,
        "--store",
        str(work / "results.sqlite3"),
        "--index-url",
        f"{server.url}/pypi",
        "--npm-registry",
        f"{server.url}/npm",
        "--changes-url",
        f"{server.url}/npm-changes",
        "--since",
        "0" if registry == "npm" else "1000",
        "--interval",
        str(args.interval),
        "--concurrency",
        str(args.concurrency),
        "--cache-dir",
        str(work / "cache"),
    ]


def _start(
    server: ReplayRegistry, work: Path, args: argparse.Namespace
) -> list[subprocess.Popen[bytes]]:
    """One watcher per registry (PyPI and npm), as a deployment would run them."""
    env = {**os.environ, "OUTWORK_DATA_DIR": str(work / "data")}
    logs = work / "logs"
    logs.mkdir(exist_ok=True)
    processes = []
    for registry in ("pypi", "npm"):
        with (
            (logs / f"{registry}.out").open("ab") as out,
            (logs / f"{registry}.err").open("ab") as err,
        ):
            processes.append(
                subprocess.Popen(
                    _command(server, work, registry, args), stdout=out, stderr=err, env=env
                )
            )
    return processes


def _ready(work: Path, timeout: float = 120.0) -> None:
    """Wait until both watchers have made their first run (stored where they start), so that
    the replay's clock starts after npm's watch began."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        path = work / "results.sqlite3"
        if path.exists():
            with open_store(path) as store:
                if store.position("pypi#since") and store.position("npm#since"):
                    return
        time.sleep(0.2)
    raise SystemExit("the watchers did not start; see the logs")


def _judged(work: Path) -> int:
    path = work / "results.sqlite3"
    if not path.exists():
        return 0
    with open_store(path) as store:
        return len(store.verdicts(limit=10**9))


def _wait(work: Path, total: int, timeout: float, sample: object = None) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if callable(sample):
            sample()
        if _judged(work) >= total:
            return time.monotonic() - start
        time.sleep(1.0)
    return float("nan")


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM (a clean stop), and wait."""
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        process.wait(timeout=120)


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    """Every descendant: the resource tracker, the forkserver and the workers it forked."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            direct = [int(x) for x in (task / "children").read_text().split()]
        except OSError:
            continue
        for child in direct:
            found += [child, *_children(child)]
    return found


def _report(title: str, data: dict[str, object]) -> None:
    print(f"== {title}")
    print(json.dumps(data, indent=1, sort_keys=True))


def throughput(args: argparse.Namespace) -> None:
    specs = [
        Spec(0.0, s.ecosystem, s.name, s.version, s.template)
        for s in synthetic_feed(args.releases, 60.0, seed=args.seed)
    ]
    server = ReplayRegistry(specs, speed=1.0, paused=True)
    with tempfile.TemporaryDirectory(prefix="watch-bench-") as tmp:
        work = Path(tmp)
        processes = _start(server, work, args)
        _ready(work)
        server.restart()
        started = time.monotonic()
        wall = _wait(work, len(specs), args.timeout)
        _stop(processes)
        elapsed = time.monotonic() - started
        verdicts = _verdict_counts(work)
    server.close()
    _report(
        "throughput",
        {
            "releases": len(specs),
            "concurrency": args.concurrency,
            "wall_seconds_to_last_verdict": round(wall, 1),
            "releases_per_minute": round(len(specs) / wall * 60, 1),
            "wall_seconds_with_start_and_stop": round(elapsed, 1),
            "verdicts": verdicts,
        },
    )


def latency(args: argparse.Namespace, *, memory: bool = False) -> None:
    count = max(1, round(args.rate * args.minutes * args.speed))
    specs = synthetic_feed(count, args.rate, seed=args.seed)
    # At ``speed`` the feed lasts minutes * 60 s of wall time; its offsets are real-rate seconds.
    server = ReplayRegistry(specs, speed=args.speed, paused=True)
    samples: list[tuple[float, int, int]] = []
    with tempfile.TemporaryDirectory(prefix="watch-bench-") as tmp:
        work = Path(tmp)
        processes = _start(server, work, args)
        _ready(work)
        server.restart()
        last_sample = [0.0]

        def sample() -> None:
            if not memory or time.monotonic() - last_sample[0] < args.every:
                return
            last_sample[0] = time.monotonic()
            main = sum(_rss_kib(p.pid) for p in processes)
            workers = sum(_rss_kib(c) for p in processes for c in _children(p.pid))
            samples.append((time.time() - server.start, main, workers))

        span = specs[-1].offset / args.speed
        wall = _wait(work, len(specs), span + args.timeout, sample)
        _stop(processes)
        appeared = server.appeared()
        with open_store(work / "results.sqlite3") as store:
            verdicts = store.verdicts(limit=10**9)
        delays = sorted(v.decided_at.timestamp() - appeared[v.release.target] for v in verdicts)
        counts = _verdict_counts(work)
    server.close()
    data: dict[str, object] = {
        "real_rate_per_minute": args.rate,
        "speed": args.speed,
        "replayed_rate_per_minute": args.rate * args.speed,
        "releases": len(specs),
        "judged": len(delays),
        "feed_wall_seconds": round(span, 1),
        "wall_seconds_to_last_verdict": round(wall, 1),
        "latency_median_s": round(statistics.median(delays), 2) if delays else None,
        "latency_p99_s": round(delays[int(0.99 * (len(delays) - 1))], 2) if delays else None,
        "latency_max_s": round(delays[-1], 2) if delays else None,
        "verdicts": counts,
    }
    if memory and samples:
        data["rss_samples_kib"] = [
            {"t": round(t), "watchers": m, "workers": w} for t, m, w in samples
        ]
        first = samples[: max(1, len(samples) // 10)]
        last = samples[-max(1, len(samples) // 10) :]
        data["rss_watchers_first_tenth_kib"] = round(statistics.median(s[1] for s in first))
        data["rss_watchers_last_tenth_kib"] = round(statistics.median(s[1] for s in last))
        data["rss_workers_first_tenth_kib"] = round(statistics.median(s[2] for s in first))
        data["rss_workers_last_tenth_kib"] = round(statistics.median(s[2] for s in last))
        data["rss_watchers_max_kib"] = max(s[1] for s in samples)
        data["rss_workers_max_kib"] = max(s[2] for s in samples)
    _report("memory" if memory else "latency", data)


def restart(args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    specs = synthetic_feed(args.releases, args.rate, seed=args.seed)
    server = ReplayRegistry(specs, speed=args.speed, paused=True)
    kills = []
    with tempfile.TemporaryDirectory(prefix="watch-bench-") as tmp:
        work = Path(args.work or tmp)
        work.mkdir(parents=True, exist_ok=True)
        for round_ in range(args.kills):
            processes = _start(server, work, args)
            if round_ == 0:
                _ready(work)
                server.restart()
            alive = rng.uniform(args.min_alive, args.max_alive)
            time.sleep(alive)
            before = _judged(work)
            for process in processes:
                process.kill()
                process.wait()
            kills.append({"after_s": round(alive, 1), "judged_before_kill": before})
        processes = _start(server, work, args)
        span = specs[-1].offset / args.speed
        wall = _wait(work, len(specs), span + args.timeout)
        _stop(processes)
        expected = {Release(s.ecosystem, s.name, s.version) for s in specs}
        with open_store(work / "results.sqlite3") as store:
            judged = {v.release for v in store.verdicts(limit=10**9)}
            done = store.scans(status=results.DONE, limit=10**9)
            failed = store.scans(status=results.FAILED, limit=10**9)
        per_release: dict[Release, int] = {}
        for scan in done:
            if scan.release is not None:
                per_release[scan.release] = per_release.get(scan.release, 0) + 1
        interrupted = sum(1 for s in failed if s.detail == "interrupted")
    server.close()
    _report(
        "restart",
        {
            "releases": len(specs),
            "kills": kills,
            "wall_seconds_after_last_start": round(wall, 1),
            "lost": len(expected - judged),
            "judged": len(judged & expected),
            "scanned_twice": sum(1 for n in per_release.values() if n > 1),
            "scans_interrupted_by_kills_and_rerun": interrupted,
            "unexpected_verdicts": len(judged - expected),
        },
    )


def cpu(args: argparse.Namespace) -> None:
    from outwork.engine.pipeline import ScanOptions
    from outwork.sources import RegistryOptions
    from outwork.watch.watcher import WATCH_ANALYZERS, scan_release

    specs = [
        Spec(0.0, s.ecosystem, s.name, s.version, s.template)
        for s in synthetic_feed(args.releases + 1, 60.0, seed=args.seed)
    ]
    server = ReplayRegistry(specs, speed=1.0)
    costs = []
    with tempfile.TemporaryDirectory(prefix="watch-bench-") as tmp:
        registry = RegistryOptions(pypi_url=f"{server.url}/pypi", npm_url=f"{server.url}/npm")
        options = ScanOptions(
            analyzers=WATCH_ANALYZERS, registry=registry, cache_dir=f"{tmp}/cache", data_dir=tmp
        )
        for spec in specs:
            target = Release(spec.ecosystem, spec.name, spec.version).target
            started = time.process_time()
            outcome = scan_release(target, options)
            costs.append(time.process_time() - started)
            if outcome.result is None:
                raise SystemExit(f"{target}: {outcome.error}")
    server.close()
    work = sorted(costs[1:])
    _report(
        "cpu",
        {
            "releases": len(work),
            "first_release_cpu_s": round(costs[0], 3),
            "cpu_s_per_release_median": round(statistics.median(work), 4),
            "cpu_s_per_release_p99": round(work[int(0.99 * (len(work) - 1))], 4),
            "cpu_s_per_release_mean": round(statistics.fmean(work), 4),
            "releases_per_minute_per_core": round(60 / statistics.fmean(work)),
        },
    )


def real(args: argparse.Namespace) -> None:
    from outwork.engine.pipeline import ScanOptions
    from outwork.engine.pipeline import scan as run_scan
    from outwork.watch.watcher import WATCH_ANALYZERS

    files = sorted(p for p in Path(args.dir).iterdir() if p.is_file())[: args.releases + 1]
    if len(files) < 2:
        raise SystemExit(f"{args.dir}: fewer than two release files")
    options = ScanOptions(analyzers=WATCH_ANALYZERS, jobs=1, data_dir=tempfile.gettempdir())
    costs = []
    sizes = []
    for path in files:
        started = time.process_time()
        run_scan([str(path)], options)
        costs.append(time.process_time() - started)
        sizes.append(path.stat().st_size)
    work = sorted(costs[1:])
    _report(
        "real",
        {
            "dir": str(args.dir),
            "releases": len(work),
            "median_bytes": round(statistics.median(sizes[1:])),
            "cpu_s_per_release_median": round(statistics.median(work), 3),
            "cpu_s_per_release_p99": round(work[int(0.99 * (len(work) - 1))], 3),
            "cpu_s_per_release_mean": round(statistics.fmean(work), 3),
            "releases_per_minute_per_core": round(60 / statistics.fmean(work), 1),
        },
    )


def _verdict_counts(work: Path) -> dict[str, int]:
    with open_store(work / "results.sqlite3") as store:
        counts: dict[str, int] = {}
        for verdict in store.verdicts(limit=10**9):
            counts[verdict.verdict] = counts.get(verdict.verdict, 0) + 1
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "mode", choices=("throughput", "latency", "memory", "cpu", "real", "restart")
    )
    parser.add_argument("--releases", type=int, default=200)
    parser.add_argument("--rate", type=float, default=4.0, help="real releases per minute")
    parser.add_argument("--speed", type=float, default=10.0)
    parser.add_argument("--minutes", type=float, default=5.0, help="wall minutes of feed")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--every", type=float, default=10.0, help="memory sample period")
    parser.add_argument("--kills", type=int, default=8)
    parser.add_argument("--min-alive", type=float, default=2.0)
    parser.add_argument("--max-alive", type=float, default=12.0)
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dir", type=Path, help="real: a folder of release files")
    parser.add_argument("--work", type=Path, help="restart: keep the store and logs here")
    args = parser.parse_args()
    if args.mode == "throughput":
        throughput(args)
    elif args.mode == "cpu":
        cpu(args)
    elif args.mode == "real":
        real(args)
    elif args.mode == "restart":
        restart(args)
    else:
        latency(args, memory=args.mode == "memory")


if __name__ == "__main__":
    main()
