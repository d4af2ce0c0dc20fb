"""Start-up time of the command line: what one ``outwork`` run per package costs before analysis.

Runs interleaved rounds of five commands in fresh processes and reports the median wall time of
each:

    python -c pass                                                    (the interpreter alone)
    outwork --version                                                 (the cheapest command)
    outwork scan EMPTY_DIR --no-cache -f json                          (the core start-up)
    outwork scan SMALL.whl --select PKG --no-cache -f json            (a small wheel)
    outwork scan SMALL.tar.gz --select PKG --no-cache -f json         (a small sdist)

    python bench/cli_startup.py [--rounds 30] [--src PATH/src ...] [--wheel W] [--sdist S]

Every ``--src`` is a source tree put first on ``PYTHONPATH`` (default: this checkout's
``src``); with two or more, each round runs every case on every tree one after the other, so
that the load of a shared machine falls on all of them alike, and the ratios are printed.
``--importtime CASE`` prints the ``-X importtime`` report of one case instead (biggest
cumulative imports first).

``--diff N`` is the differential check of a start-up change: with two trees, it scans
``tests/fixtures`` (every rule) and every N-th benign wheel and sdist (``--select PKG``) with
each, and reports any difference in the JSON reports (the scan's duration left out).
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

ROOT = Path(__file__).resolve().parents[1]
BENIGN = Path("/work/bench-data/benign")
WHEEL = BENIGN / "wheel" / "backoff-2.2.1-py3-none-any.whl"
SDIST = BENIGN / "sdist" / "backoff-2.2.1.tar.gz"
CASES = ("python", "version", "empty", "wheel", "sdist")


def commands(empty: Path, wheel: Path, sdist: Path) -> dict[str, list[str]]:
    outwork = [sys.executable, "-m", "outwork"]
    scan = ["scan", "--select", "PKG", "--no-cache", "-f", "json", "-q"]
    return {
        "python": [sys.executable, "-c", "pass"],
        "version": [*outwork, "--version"],
        "empty": [*outwork, "scan", str(empty), "--no-cache", "-f", "json", "-q"],
        "wheel": [*outwork, *scan, str(wheel)],
        "sdist": [*outwork, *scan, str(sdist)],
    }


def run_once(cmd: list[str], env: dict[str, str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1, 3):
        raise SystemExit(f"{' '.join(cmd)} exited {done.returncode}: {done.stderr.decode()}")
    return elapsed


def environment(src: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(src)
    env.pop("OUTWORK_DEBUG", None)
    # An installed outwork runs from bytecode caches; a shell that forbids writing them would
    # time the compiler instead (about 100 ms of the wheel case).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def importtime(cmd: list[str], env: dict[str, str], cwd: Path, top: int) -> None:
    done = subprocess.run(
        [cmd[0], "-X", "importtime", *cmd[1:]], env=env, cwd=cwd, capture_output=True, check=False
    )
    rows = []
    for line in done.stderr.decode().splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        own, cumulative, name = line.removeprefix("import time:").split("|")
        rows.append((int(cumulative), int(own), name.rstrip()))
    rows.sort(reverse=True)
    print(f"{'cumulative ms':>14} {'self ms':>8}  module")
    for cumulative_us, own_us, name in rows[:top]:
        print(f"{cumulative_us / 1000:14.1f} {own_us / 1000:8.1f}  {name}")


def report(cmd: list[str], env: dict[str, str], cwd: Path) -> dict[str, object]:
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, check=False)
    if done.returncode not in (0, 1, 3):
        raise SystemExit(f"{' '.join(cmd)} exited {done.returncode}: {done.stderr.decode()}")
    data: dict[str, object] = json.loads(done.stdout)
    stats = data.get("stats")
    if isinstance(stats, dict):
        stats.pop("seconds", None)
    return data


def differential(sources: list[Path], step: int) -> int:
    """Scan the same inputs with every tree; 1 when any JSON report differs from the first."""
    inputs = [[str(ROOT / "tests" / "fixtures")]]
    for folder in (BENIGN / "wheel", BENIGN / "sdist"):
        files = sorted(p for p in folder.glob("*") if p.name.endswith((".whl", ".tar.gz")))
        inputs += [["--select", "PKG", str(p)] for p in files[::step]]
    envs = [environment(src) for src in sources]
    differ = 0
    with tempfile.TemporaryDirectory(prefix="outwork-startup-") as tmp:
        for extra in inputs:
            cmd = [sys.executable, "-m", "outwork", "scan", "--no-cache", "-f", "json", "-q"]
            reports = [report([*cmd, *extra], env, Path(tmp)) for env in envs]
            for i, other in enumerate(reports[1:], start=1):
                if other != reports[0]:
                    differ += 1
                    print(f"DIFFERENT (tree {i}): {' '.join(extra)}")
    print(f"{len(inputs)} inputs scanned by {len(sources)} trees; {differ} differences")
    return 1 if differ else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--src", action="append", type=Path, default=[])
    parser.add_argument("--wheel", type=Path, default=WHEEL)
    parser.add_argument("--sdist", type=Path, default=SDIST)
    parser.add_argument("--importtime", choices=CASES)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--diff", type=int, metavar="N", help="differential check, every N-th")
    args = parser.parse_args()
    sources = [p.resolve() for p in args.src] or [ROOT / "src"]
    if args.diff:
        return differential(sources, args.diff)
    for path in (args.wheel, args.sdist):
        if not path.is_file():
            raise SystemExit(f"{path}: missing; pass --wheel/--sdist with a small real package")

    with tempfile.TemporaryDirectory(prefix="outwork-startup-") as tmp:
        cwd = Path(tmp)
        empty = cwd / "empty"
        empty.mkdir()
        cmds = commands(empty, args.wheel.resolve(), args.sdist.resolve())
        if args.importtime:
            importtime(cmds[args.importtime], environment(sources[0]), cwd, args.top)
            return 0
        envs = [environment(src) for src in sources]
        times: dict[tuple[int, str], list[float]] = {
            (i, case): [] for i in range(len(sources)) for case in CASES
        }
        for cmd in cmds.values():  # warm the file cache and the bytecode caches
            for env in envs:
                run_once(cmd, env, cwd)
        for _ in range(args.rounds):
            for case, cmd in cmds.items():
                for i, env in enumerate(envs):
                    times[i, case].append(run_once(cmd, env, cwd))

    print(f"median wall ms over {args.rounds} interleaved rounds ({sys.executable})")
    header = f"{'case':<9}" + "".join(f"{'tree ' + str(i):>10}" for i in range(len(sources)))
    if len(sources) > 1:
        header += "".join(f"{'ratio ' + str(i) + '/0':>12}" for i in range(1, len(sources)))
    print(header)
    for case in CASES:
        medians = [statistics.median(times[i, case]) * 1000 for i in range(len(sources))]
        row = f"{case:<9}" + "".join(f"{m:10.1f}" for m in medians)
        row += "".join(f"{m / medians[0]:12.2f}" for m in medians[1:])
        print(row)
    for i, src in enumerate(sources):
        print(f"tree {i}: {src}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
