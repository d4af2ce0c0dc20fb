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
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
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
HEAD = """
import sys, ray
ray.init(num_cpus=int(sys.argv[2]), include_dashboard=False,
         object_store_memory=512 * 1024 * 1024, _temp_dir=sys.argv[1], log_to_driver=False)
print(ray.get_runtime_context().gcs_address, flush=True)
sys.stdin.read()
ray.shutdown()
"""


@dataclass(frozen=True, slots=True)
class Sample:
    case: str
    wall: float
    cpu: float
    cluster_cpu: float
    archives: int
    same: bool


def _tree_cpu(root: int) -> float:
    """CPU seconds of ``root`` and every process under it, with the reaped children each
    parent has accounted (utime, stime, cutime, cstime of /proc/PID/stat)."""
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            total += sum(int(v) for v in fields[11:15]) / TICK
            for task in Path(f"/proc/{pid}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except (OSError, ValueError):
            continue
    return total


class Cluster:
    def __init__(self, workers: int) -> None:
        self.temp = tempfile.mkdtemp(prefix="owbench")
        for _ in range(3):  # Ray gives a node 30 s to register: a loaded machine can miss it
            self.proc = subprocess.Popen(
                [sys.executable, "-c", HEAD, self.temp, str(workers)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                env={**os.environ, **RAY_ENV},
            )
            assert self.proc.stdout is not None
            self.address = self.proc.stdout.readline().strip()
            if self.address.startswith("127.0.0.1:"):
                return
            self.close()
        raise SystemExit(f"the {workers}-CPU cluster did not start")

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _scan(argv: list[str], out: Path, cluster: Cluster | None) -> tuple[float, float, float]:
    before = _tree_cpu(cluster.proc.pid) if cluster else 0.0
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
    after = _tree_cpu(cluster.proc.pid) if cluster else 0.0
    return wall, usage.ru_utime + usage.ru_stime, after - before


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
