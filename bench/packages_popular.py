"""The 40 popular archives of ``../shared/corpus/packages/popular-40-archives.txt``: how busy two
cores are while outwork scans them, and what each archive's reading costs.

    .venv/bin/python bench/packages_popular.py fetch     # into /work/bench-data/popular40, once
    .venv/bin/python bench/packages_popular.py run --src BEFORE/src --src src [--rounds 3]
    .venv/bin/python bench/packages_popular.py reads --src BEFORE/src --src src
    .venv/bin/python bench/packages_popular.py guarddog --guarddog VENV/bin/guarddog [--rounds 1]

``fetch`` links the archives already in ``/work/bench-data/benign`` and downloads the others with
``pip download --no-deps`` (``--no-binary :all:`` for an sdist, ``--only-binary :all:`` for a
wheel, the version the list pins), into ``sdist/`` and ``wheel/`` as ``bench/snapshot.py
--benign`` expects (findings before and after compare with ``snapshot.py --sets benign``).

``run`` scans the 40 files with one command per round (``outwork scan FILES --no-cache --offline
--jobs 2``, every analyzer, ``PYTHONPATH`` set to each ``--src``), rounds interleaved. It reports
wall time, CPU time (user + system of the command and every worker it started, from ``wait4``),
their ratio (cores used on average), and the cores in use second by second (the process group's
CPU time sampled from /proc every 0.1 s): workers busy from the first second or not.

``reads`` counts, per archive and ``--src``, how often the archive's file is opened and read
(the walk, the engine's hash of a file up to 16 MiB, a second reader), the bytes read from it
and the bytes decompressed from it (every reader's budget scope), in one process that runs the
packages layer only, its judgement replaced by a no-op (reads only).

``guarddog`` times both tools through their command lines on the 40 files in the same run: one
``outwork scan FILES --select PKG --no-cache --offline --jobs 2`` (the installed command of this
interpreter's environment) and one ``guarddog pypi scan FILE`` per archive, one after the other,
the two sides alternating first from round to round. GuardDog lives in a virtualenv of its own
(``python3 -m venv VENV && VENV/bin/pip install guarddog==3.2.0``), never a project dependency.
Both are warmed by one run first (bytecode caches written, as an installation has them). It
reports each side's wall time, CPU time (every process it started), cores used, the load
average around it, and GuardDog's time over outwork's.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIST = ROOT.parent / "shared" / "corpus" / "packages" / "popular-40-archives.txt"
DATA = Path("/work/bench-data/popular40")
BENIGN = Path("/work/bench-data/benign")
TICK = os.sysconf("SC_CLK_TCK")


def names() -> list[str]:
    lines = LIST.read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _requirement(name: str) -> tuple[str, str, bool]:
    """(project, version, is a wheel) of an archive's file name."""
    wheel = name.endswith(".whl")
    stem = name.removesuffix(".tar.gz").removesuffix(".zip").removesuffix(".whl")
    project, version = stem.split("-")[:2]
    return project, version, wheel


def fetch(data: Path) -> None:
    for name in names():
        project, version, wheel = _requirement(name)
        folder = data / ("wheel" if wheel else "sdist")
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / name
        if target.exists():
            continue
        cached = BENIGN / folder.name / name
        if cached.exists():
            target.symlink_to(cached)
            continue
        binary = "--only-binary" if wheel else "--no-binary"
        pip = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", binary, ":all:"]
        platforms = name.removesuffix(".whl").rsplit("-", 1)[-1].split(".") if wheel else []
        if platforms and platforms != ["any"]:  # the very wheel listed, not this machine's
            pip += ["--python-version", "3.11", "--implementation", "cp"]
            pip += [arg for platform in platforms for arg in ("--platform", platform)]
        subprocess.run([*pip, "-d", str(folder), f"{project}=={version}"], check=True)
        if not target.exists():
            raise SystemExit(f"pip did not write {name}: see {folder}")


def _group_ticks(pgid: int) -> int:
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[2]) == pgid:  # field 5 of stat, the process group
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total


def measure(cmd: list[str], env: dict[str, str]) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as scratch:
        start = time.perf_counter()
        proc = subprocess.Popen(
            cmd, cwd=scratch, env=env, stdout=subprocess.DEVNULL, start_new_session=True
        )
        samples: list[tuple[float, int]] = []
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            samples.append((time.perf_counter() - start, _group_ticks(proc.pid)))
            time.sleep(0.1)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
    per_second: list[float] = []
    for second in range(int(wall)):
        inside = [s for s in samples if second <= s[0] < second + 1.05]
        if len(inside) >= 2 and inside[-1][0] > inside[0][0]:
            used = (inside[-1][1] - inside[0][1]) / TICK
            if used >= 0:  # a worker that exits takes its ticks with it
                per_second.append(used / (inside[-1][0] - inside[0][0]))
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "status": proc.returncode,
        "per_second": per_second,
    }


def run(srcs: list[Path], rounds: int, jobs: int, data: Path) -> None:
    files = [str(p) for p in sorted(data.glob("*/*")) if p.is_file()]
    if len(files) != len(names()):
        raise SystemExit(f"{len(files)} of {len(names())} archives in {data}: run fetch first")
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    rows: dict[str, list[dict[str, object]]] = {}
    out = Path(tempfile.mkdtemp(prefix="popular40-"))
    for r in range(rounds):
        order = srcs if r % 2 == 0 else list(reversed(srcs))
        for src in order:
            report = out / f"{src.parent.name}-{r}.json"
            cmd = [
                sys.executable,
                "-m",
                "outwork",
                "scan",
                *files,
                "--no-cache",
                "--offline",
                "-f",
                "json",
            ]
            cmd += ["-o", str(report), "--jobs", str(jobs)]
            result = measure(cmd, {**env, "PYTHONPATH": str(src)})
            result["findings"] = _findings(report)
            rows.setdefault(str(src), []).append(result)
        print(f"round {r + 1}/{rounds}, load {os.getloadavg()[0]:.1f}", file=sys.stderr)
    print("| checkout | wall | CPU | cores used | cores in seconds 1-5, median second | exit |")
    print("|---|---|---|---|---|---|")
    for src, results in rows.items():
        wall = statistics.median(float(x["wall"]) for x in results)  # type: ignore[arg-type]
        cpu = statistics.median(float(x["cpu"]) for x in results)  # type: ignore[arg-type]
        mid = sorted(results, key=lambda x: float(x["wall"]))[len(results) // 2]  # type: ignore[arg-type]
        series: list[float] = mid["per_second"]  # type: ignore[assignment]
        seconds = " ".join(f"{c:.1f}" for c in series[:5])
        seconds += f"; {statistics.median(series):.2f}" if series else ""
        ratio = statistics.median(float(x["cpu"]) / float(x["wall"]) for x in results)  # type: ignore[arg-type]
        print(f"| {src} | {wall:.2f} s | {cpu:.2f} s | {ratio:.2f} | {seconds} | {mid['status']} |")
    every = [x["findings"] for results in rows.values() for x in results]
    same = all(f == every[0] for f in every)
    print(f"\nfindings: {len(every[0])} per run, identical in every run and checkout: {same}")


#: Run in a child with PYTHONPATH set to a checkout: what each archive's reading costs.
_READS = """
import json, sys
from outwork.analyzers.packages import analysis
from outwork.analyzers.packages.package import Verdict
from outwork.core.artifact import Artifact
from outwork.engine.pipeline import ScanOptions, scan
from outwork.sources import reader

counts = {}
def count(path):  # by file name: a reader's scope names the archive so
    name = path.split("!/")[0].rsplit("/", 1)[-1]
    return counts.setdefault(name, {"opens": 0, "read": 0, "expanded": 0})

class Counted:
    def __init__(self, fh, tally):
        self._fh, self._tally = fh, tally
    def read(self, size=-1):
        data = self._fh.read(size)
        self._tally["read"] += len(data)
        return data
    def readinto(self, buffer):
        n = self._fh.readinto(buffer)
        self._tally["read"] += n or 0
        return n
    def __getattr__(self, name):
        return getattr(self._fh, name)
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        self._fh.close()

real_open = Artifact.open
def counted_open(self):
    fh = real_open(self)
    if self.fs_path is None:
        return fh
    tally = count(self.path)
    tally["opens"] += 1
    return Counted(fh, tally)
Artifact.open = counted_open

real_grow = reader.Scope.grow
def counted_grow(self, produced):
    count(self.top)["expanded"] += produced
    return real_grow(self, produced)
reader.Scope.grow = counted_grow
analysis.analyze_files = lambda files: Verdict("pypi", "", "", 0.0, None, [], [])
scan(sys.argv[1:], ScanOptions(jobs=1, analyzers=("packages",)))
print(json.dumps(counts))
"""


def reads(srcs: list[Path], data: Path) -> None:
    files = [str(p) for p in sorted(data.glob("*/*")) if p.is_file()]
    env = dict(os.environ)
    found: dict[str, dict[str, dict[str, int]]] = {}
    for src in srcs:
        out = subprocess.run(
            [sys.executable, "-c", _READS, *files],
            env={**env, "PYTHONPATH": str(src)},
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        found[str(src)] = json.loads(out)
    print("| archive | opens | MB read from the file | MB decompressed |")
    print("|---|---|---|---|")
    totals = {src: {"opens": 0, "read": 0, "expanded": 0} for src in found}
    for path in files:
        cells = {"opens": [], "read": [], "expanded": []}  # type: dict[str, list[str]]
        for src, counts in found.items():
            tally = counts.get(Path(path).name, {"opens": 0, "read": 0, "expanded": 0})
            for key in cells:
                totals[src][key] += tally[key]
                value = tally[key]
                cells[key].append(str(value) if key == "opens" else f"{value / 1e6:.1f}")
        name = Path(path).name
        print(
            f"| {name} | {' -> '.join(cells['opens'])} | {' -> '.join(cells['read'])} | "
            f"{' -> '.join(cells['expanded'])} |"
        )
    for src, total in totals.items():
        print(
            f"\n{src}: {total['opens']} opens, {total['read'] / 1e6:.1f} MB read, "
            f"{total['expanded'] / 1e6:.1f} MB decompressed",
        )


def versus(guarddog: str, rounds: int, jobs: int, data: Path) -> None:
    files = [str(p) for p in sorted(data.glob("*/*")) if p.is_file()]
    if len(files) != len(names()):
        raise SystemExit(f"{len(files)} of {len(names())} archives in {data}: run fetch first")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    ours = str(Path(sys.executable).parent / "outwork")
    smallest = min(files, key=os.path.getsize)
    out = Path(tempfile.mkdtemp(prefix="popular40-guarddog-"))
    outwork = [ours, "scan", "--select", "PKG", "--no-cache", "--offline", "-f", "json"]
    outwork += ["--jobs", str(jobs)]
    theirs = [guarddog, "pypi", "scan"]
    measure([*outwork, smallest], env)  # warm: bytecode caches, files in the page cache
    measure([*theirs, smallest, "--output-format", "json"], env)
    rows: dict[str, list[dict[str, float]]] = {"outwork": [], "guarddog": []}
    for r in range(rounds):
        for side in ("outwork", "guarddog") if r % 2 == 0 else ("guarddog", "outwork"):
            load = os.getloadavg()[0]
            if side == "outwork":
                report = out / f"outwork-{r}.json"
                done = measure([*outwork, *files, "-o", str(report)], env)
                wall, cpu = float(done["wall"]), float(done["cpu"])  # type: ignore[arg-type]
                print(f"round {r + 1} outwork: {len(_findings(report))} findings", file=sys.stderr)
            else:
                wall = cpu = 0.0
                for path in files:
                    done = measure([*theirs, path, "--output-format", "json"], env)
                    wall += float(done["wall"])  # type: ignore[arg-type]
                    cpu += float(done["cpu"])  # type: ignore[arg-type]
                    if done["status"] != 0:
                        print(f"guarddog exit {done['status']}: {path}", file=sys.stderr)
            after = os.getloadavg()[0]
            rows[side].append({"wall": wall, "cpu": cpu, "load": load, "load_after": after})
            print(f"round {r + 1} {side}: {wall:.1f} s wall, {cpu:.1f} s CPU", file=sys.stderr)
    print("| round | tool | wall | CPU (all processes) | cores used | load before, after |")
    print("|---|---|---|---|---|---|")
    for r in range(rounds):
        for side in ("outwork", "guarddog"):
            x = rows[side][r]
            print(
                f"| {r + 1} | {side} | {x['wall']:.1f} s | {x['cpu']:.1f} s |"
                f" {x['cpu'] / x['wall']:.2f} | {x['load']:.1f}, {x['load_after']:.1f} |"
            )
    for r in range(rounds):
        ow, gd = rows["outwork"][r], rows["guarddog"][r]
        print(
            f"round {r + 1}: GuardDog's 40 runs / one outwork scan: wall"
            f" {gd['wall'] / ow['wall']:.2f}x, CPU {gd['cpu'] / ow['cpu']:.2f}x"
        )


def _findings(report: Path) -> list[tuple[object, ...]]:
    """The report's findings as comparable rows (code, path, line, severity, message)."""
    data = json.loads(report.read_text())
    rows = [
        (f["code"], f["location"]["path"], f["location"].get("line"), f["severity"], f["message"])
        for f in data["findings"]
    ]
    return sorted(rows, key=repr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["fetch", "run", "reads", "guarddog"])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--src", type=Path, action="append", default=[])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--guarddog", default="guarddog", help="GuardDog's command (guarddog)")
    args = parser.parse_args()
    if args.action == "fetch":
        fetch(args.data)
    elif args.action == "guarddog":
        versus(args.guarddog, args.rounds, args.jobs, args.data)
    elif args.action == "reads":
        reads([s.resolve() for s in args.src] or [ROOT / "src"], args.data)
    else:
        run([s.resolve() for s in args.src] or [ROOT / "src"], args.rounds, args.jobs, args.data)


if __name__ == "__main__":
    main()
