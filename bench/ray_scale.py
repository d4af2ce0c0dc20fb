"""Throughput of ``outwork scan`` on a local Ray cluster of 1, 2 and 4 workers against the
single-process engine (and the local process pool) on the same input.

    python bench/ray_scale.py [--input DIR] [--subset N] [--rounds 1] [--workers 1,2,4]
        [--json OUT]

The input is ``/work/bench-data/speed-benign60`` (60 sdists and wheels, made by
``bench/scan_speed.py prepare``), scanned with ``--select PKG --no-cache -f json -q --offline``
as the ``benign`` case of ``bench/scan_speed.py``; ``--subset N`` copies N of its archives,
evenly spaced in name order, to a scratch folder and scans those (a shorter run). For each
worker count a cluster of that many CPUs is started on loopback (``ray.init(num_cpus=N)`` in a
head process, as the tests do) and kept for its rounds (one cluster at a time): each measured
command is a whole ``outwork scan --ray ADDRESS`` (a new Ray job, so its workers start and import
the analyzers inside the measurement). The single-process engine runs beside each cluster, the
two alternating in order from round to round.

Reported per case: wall seconds, archives per minute, the scan command's CPU (user + system,
``os.wait4``) and the cluster's CPU over the scan (every process under the head, live or reaped,
read from ``/proc``), and whether the findings equal the single-process engine's.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

DATA = Path("/work/bench-data")
INPUT = DATA / "speed-benign60"
SCAN = [
    "--select",
    "PKG",
    "--no-cache",
    "-f",
    "json",
    "-q",
    "--offline",
    "--fail-on",
    "none",
]
TICK = os.sysconf("SC_CLK_TCK")
#: Loopback only, and the cluster's own token (see tests/test_ray.py).
RAY_ENV = {
    "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
    "RAY_USAGE_STATS_ENABLED": "0",
    "RAY_AUTH_MODE": "token",
    "RAY_AUTH_TOKEN": uuid.uuid4().hex,
}
#: ``ray start --head --block`` with every port chosen here (two clusters on one machine, other
#: jobs' test clusters included, must not meet on Ray's fixed default ports), its node given
#: 120 s to register instead of Ray's fixed 30 s (a clock four times slower for
#: ray._private.node alone), which a machine shared by other jobs misses.
HEAD = """
import sys, time
import ray._private.node as node
from ray.scripts.scripts import main


class PatientClock:
    def __getattr__(self, name):
        return getattr(time, name)

    def monotonic(self):
        return time.monotonic() / 4


node.time = PatientClock()
sys.argv = ["ray", "start", "--head", "--block", *sys.argv[1:]]
main()
"""
PROBE = "import sys, ray; ray.init(address=sys.argv[1]); print(ray.cluster_resources()['CPU'])"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True, slots=True)
class Sample:
    case: str
    wall: float
    cpu: float
    cluster_cpu: float
    archives: int
    same: bool


def _tree_cpu(root: int) -> dict[int, float]:
    """CPU seconds (utime + stime of /proc/PID/stat) of ``root`` and of every process under it,
    by process id."""
    seen: dict[int, float] = {}
    todo = [root]
    while todo:
        pid = todo.pop()
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            seen[pid] = sum(int(v) for v in fields[11:13]) / TICK
            for task in Path(f"/proc/{pid}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, ValueError):
            continue
    return seen


class _ClusterMeter(threading.Thread):
    """Samples the cluster's processes every 0.2 s while a scan runs: the CPU each spent since
    the scan started, by process id, its largest reading kept. A worker that exits takes its
    CPU out of any one reading of the tree (the earlier bench subtracted two readings and could
    go negative); keeping each process's largest reading loses at most its last 0.2 s."""

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.start_cpu = _tree_cpu(root)
        self.latest: dict[int, float] = dict(self.start_cpu)
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.2):
            self._sample()

    def _sample(self) -> None:
        for pid, cpu in _tree_cpu(self.root).items():
            self.latest[pid] = max(cpu, self.latest.get(pid, 0.0))

    def total(self) -> float:
        self.stopped.set()
        self.join()
        self._sample()
        return sum(cpu - self.start_cpu.get(pid, 0.0) for pid, cpu in self.latest.items())


class Cluster:
    def __init__(self, workers: int) -> None:
        self.temp = tempfile.mkdtemp(prefix="owbench")
        port = _free_port()
        self.address = f"127.0.0.1:{port}"
        flags = [
            f"--port={port}",
            "--node-ip-address=127.0.0.1",
            f"--num-cpus={workers}",
            "--include-dashboard=false",
            f"--dashboard-agent-listen-port={_free_port()}",
            f"--dashboard-agent-grpc-port={_free_port()}",
            f"--runtime-env-agent-port={_free_port()}",
            f"--metrics-export-port={_free_port()}",
            f"--object-store-memory={512 * 1024 * 1024}",
            f"--temp-dir={self.temp}",
            "--disable-usage-stats",
        ]
        self.proc = subprocess.Popen(
            [sys.executable, "-c", HEAD, *flags],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, **RAY_ENV},
            start_new_session=True,
        )
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            probe = subprocess.run(
                [sys.executable, "-c", PROBE, self.address],
                capture_output=True,
                env={**os.environ, **RAY_ENV},
                timeout=300,
                check=False,
            )
            if probe.returncode == 0:
                return
            if self.proc.poll() is not None:
                break
            time.sleep(2)
        self.close()
        raise SystemExit(f"the {workers}-CPU cluster did not start")

    def close(self) -> None:
        """The head and every process it started: its own process group."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()


def _scan(argv: list[str], out: Path, cluster: Cluster | None) -> tuple[float, float, float]:
    meter = _ClusterMeter(cluster.proc.pid) if cluster else None
    if meter is not None:
        meter.start()
    started = time.monotonic()
    with out.open("w") as fh:
        proc = subprocess.Popen(
            [sys.executable, "-m", "outwork", "scan", *argv],
            stdout=fh,
            stderr=subprocess.DEVNULL,
            env={**os.environ, **RAY_ENV},
        )
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"scan failed: {argv}")
    cluster_cpu = meter.total() if meter is not None else 0.0
    return wall, usage.ru_utime + usage.ru_stime, cluster_cpu


def _findings(path: Path) -> tuple[int, list[str]]:
    data = json.loads(path.read_text())
    return data["stats"]["analyzed"], sorted(f["fingerprint"] for f in data["findings"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", type=Path, default=INPUT)
    parser.add_argument("--subset", type=int, metavar="N", help="scan N of the archives")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if not args.input.is_dir():
        raise SystemExit(f"{args.input}: missing; run bench/scan_speed.py prepare")
    load_before = os.getloadavg()
    counts = [int(n) for n in args.workers.split(",")]
    scratch = Path(tempfile.mkdtemp(prefix="owbench-out"))
    target = str(args.input)
    if args.subset:
        archives = sorted(p for p in args.input.iterdir() if p.is_file())
        step = max(1, len(archives) // args.subset)
        chosen = scratch / "input"
        chosen.mkdir()
        for path in archives[::step][: args.subset]:
            shutil.copyfile(path, chosen / path.name)
        target = str(chosen)
    samples: list[Sample] = []
    reference: list[str] | None = None

    def measure(name: str, extra: list[str], cluster: Cluster | None) -> None:
        nonlocal reference
        out = scratch / "report.json"
        wall, cpu, cluster_cpu = _scan([target, *SCAN, *extra], out, cluster)
        analyzed, prints = _findings(out)
        if reference is None:
            reference = prints
        samples.append(Sample(name, wall, cpu, cluster_cpu, analyzed, prints == reference))
        print(
            f"{name:28} {wall:7.1f} s  {60 * analyzed / wall:6.1f} archives/min"
            f"  scan CPU {cpu:6.1f} s  cluster CPU {cluster_cpu:6.1f} s",
            file=sys.stderr,
        )

    # One cluster at a time (an idle one still costs CPU), the single-process engine measured
    # beside each, their order alternating from round to round.
    measure("engine -j1", ["-j", "1"], None)
    measure("engine -j2 (process pool)", ["-j", "2"], None)
    for n in counts:
        cluster = Cluster(n)
        try:
            for round_ in range(args.rounds):
                pair = [("engine -j1", ["-j", "1"], None)]
                pair.append((f"ray {n} worker(s)", ["--ray", cluster.address], cluster))
                for name, extra, where in pair if round_ % 2 else pair[::-1]:
                    measure(name, extra, where)
        finally:
            cluster.close()
    names = [
        "engine -j1",
        "engine -j2 (process pool)",
        *(f"ray {n} worker(s)" for n in counts),
    ]
    rows = []
    for name in names:
        mine = [s for s in samples if s.case == name]
        wall = statistics.median(s.wall for s in mine)
        rows.append(
            {
                "case": name,
                "wall_s": round(wall, 1),
                "archives_per_min": round(60 * mine[0].archives / wall, 1),
                "scan_cpu_s": round(statistics.median(s.cpu for s in mine), 1),
                "cluster_cpu_s": round(statistics.median(s.cluster_cpu for s in mine), 1),
                "same_findings": all(s.same for s in mine),
            }
        )
    print(f"load average before and after: {load_before} -> {os.getloadavg()}")
    print("| case | wall s | archives/min | scan CPU s | cluster CPU s | same findings |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(str(v) for v in row.values()) + " |")
    if args.json:
        args.json.write_text(
            json.dumps({"rows": rows, "samples": [asdict(s) for s in samples]}, indent=2)
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
