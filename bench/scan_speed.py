"""Whole scans through the command line, two checkouts interleaved: CPU, wall time and peak memory.

    python bench/scan_speed.py prepare                    # the fixed inputs, once
    python bench/scan_speed.py run --src BEFORE --src AFTER [--rounds 5] [--jobs 1] [--json OUT]
        [--cases benign,venv30,workflows] [--layers PKG,MDL,VUL,CI]

Each checkout runs its own command line (``CHECKOUT/.venv/bin/python -m outwork``, as in
``bench/snapshot.py``: internal APIs may differ between the two). Every round runs every case once
per checkout (the workflows four times), the checkouts' order alternating from round to round,
so that the load of a shared machine falls on both alike; the medians of the samples and the
after/before ratios are printed.
CPU is user + system time of the command and the processes it waited for, peak memory the largest
resident set among them (``os.wait4``), its median over the rounds. The paired CPU ratio is the
median of each sample's ratio to the first checkout's sample taken beside it.

Cases (inputs under ``/work/bench-data``, made by ``prepare``):

- ``benign``: ``outwork scan speed-benign60 --select PKG``, a fixed set of 60 archives of the
  benign download (every n-th of ``benign/{sdist,wheel}`` in file-name order, listed in
  ``speed-benign60.txt``).
- ``venv30``: every analyzer on the site-packages of ``venv30``, a virtualenv with 30 popular
  packages of ``pypi-benign-dev.txt`` installed by pip.
- ``workflows``: every analyzer on ``../shared/corpus/workflows``.

Every command also gets ``--no-cache -f json -q --offline``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from snapshot import CORPUS, DATA, Cli

BENIGN = DATA / "benign"
BENIGN60 = DATA / "speed-benign60"
BENIGN60_LIST = DATA / "speed-benign60.txt"
VENV30 = DATA / "venv30"
#: Popular projects of pypi-benign-dev.txt with their own code (not only stubs or metadata), a
#: mix of pure Python and compiled packages as a typical application's environment holds them.
VENV30_PACKAGES = (
    "requests",
    "urllib3",
    "idna",
    "certifi",
    "charset-normalizer",
    "boto3",
    "botocore",
    "s3transfer",
    "jmespath",
    "python-dateutil",
    "six",
    "pyyaml",
    "numpy",
    "packaging",
    "setuptools",
    "typing-extensions",
    "cryptography",
    "cffi",
    "pycparser",
    "attrs",
    "pydantic",
    "pydantic-core",
    "click",
    "jinja2",
    "markupsafe",
    "pytz",
    "pandas",
    "protobuf",
    "rsa",
    "pyasn1",
)
CASES = ("benign", "venv30", "workflows")
#: Commands per checkout and round: the workflow corpus scans in under a second, where noise
#: dominates one sample.
REPEAT = {"workflows": 4}
ARCHIVES = (".whl", ".tar.gz", ".zip")


def benign_list() -> dict[str, str]:
    """pypi-benign-dev.txt: normalised project name -> its pinned requirement."""
    pins: dict[str, str] = {}
    for line in (CORPUS / "packages" / "pypi-benign-dev.txt").read_text().splitlines():
        spec = line.split("#", 1)[0].strip()
        if spec:
            pins[canonical(spec.split("==", 1)[0])] = spec
    return pins


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name.strip()).lower()


def pinned(names: tuple[str, ...]) -> list[str]:
    """The pins of ``names`` in pypi-benign-dev.txt (the name alone where it has none)."""
    pins = benign_list()
    return [pins.get(name, name) for name in names]


def benign_archives() -> list[Path]:
    folders = (BENIGN / "sdist", BENIGN / "wheel")
    return sorted(
        (p for folder in folders for p in folder.glob("*") if p.name.endswith(ARCHIVES)),
        key=lambda p: p.name,
    )


def site_packages() -> Path:
    found = sorted((VENV30 / "lib").glob("python3*/site-packages"))
    if not found:
        raise SystemExit(f"{VENV30}: no site-packages; run `python bench/scan_speed.py prepare`")
    return found[0]


def prepare(args: argparse.Namespace) -> int:
    if not BENIGN60_LIST.is_file():
        archives = benign_archives()
        if len(archives) < 60:
            raise SystemExit(f"{len(archives)} benign archives, 60 needed")
        step = len(archives) / 60
        chosen = [archives[int(i * step)] for i in range(60)]
        BENIGN60_LIST.write_text("".join(f"{p.relative_to(DATA).as_posix()}\n" for p in chosen))
    if not BENIGN60.is_dir():
        BENIGN60.mkdir()
        for rel in BENIGN60_LIST.read_text().split():
            shutil.copyfile(DATA / rel, BENIGN60 / Path(rel).name)
    if not VENV30.is_dir():
        subprocess.run([sys.executable, "-m", "venv", str(VENV30)], check=True)
        pip = [str(VENV30 / "bin" / "python"), "-m", "pip", "install", "-q"]
        if subprocess.run([*pip, *pinned(VENV30_PACKAGES)], check=False).returncode:
            print(
                "the benign list's pins are not all installable: newest versions", file=sys.stderr
            )
            subprocess.run([*pip, *VENV30_PACKAGES], check=True)
    files = [p for p in site_packages().rglob("*") if p.is_file()]
    print(f"{BENIGN60}: {len(list(BENIGN60.iterdir()))} archives")
    print(f"{site_packages()}: {len(files)} files, {sum(p.stat().st_size for p in files):,} bytes")
    return 0


@dataclass(frozen=True, slots=True)
class Sample:
    wall: float
    cpu: float
    rss_mb: float


def commands(jobs: int | None, layers: str | None) -> dict[str, list[str]]:
    common = ["--no-cache", "-f", "json", "-q", "--offline", "--fail-on", "none"]
    common += ["--jobs", str(jobs)] if jobs else []
    every = ["--select", layers] if layers else []
    return {
        "benign": ["scan", str(BENIGN60), "--select", "PKG", *common],
        "venv30": ["scan", str(site_packages()), *every, *common],
        "workflows": ["scan", str(CORPUS / "workflows"), *every, *common],
    }


def measure(cli: Cli, argv: list[str], scratch: Path) -> Sample:
    cmd = [str(cli.python), "-m", "outwork", *argv]
    started = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        proc = subprocess.Popen(
            cmd, env=cli.env(scratch), cwd=scratch, stdout=sink, stderr=subprocess.PIPE
        )
        assert proc.stderr is not None
        err = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}: {err.decode()[-2000:]}")
    return Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def run(args: argparse.Namespace) -> int:
    clis = [Cli.of(src, None) for src in args.src]
    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    argvs = commands(args.jobs, args.layers)
    samples: dict[tuple[int, str], list[Sample]] = {
        (i, case): [] for i in range(len(clis)) for case in cases
    }
    loads = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory(prefix="outwork-speed-") as tmp:
        scratch = Path(tmp)
        for case in cases:  # warm the file cache and every checkout's bytecode
            for cli in clis:
                measure(cli, argvs[case], scratch)
        for round_ in range(args.rounds):
            order = list(range(len(clis)))
            if round_ % 2:
                order.reverse()
            for case in cases:
                for _ in range(REPEAT.get(case, 1)):
                    for i in order:
                        samples[i, case].append(measure(clis[i], argvs[case], scratch))
            loads.append(os.getloadavg()[0])
            print(f"round {round_ + 1}/{args.rounds} done, load {loads[-1]:.1f}", file=sys.stderr)

    result = {
        "date": datetime.now(UTC).isoformat(timespec="minutes"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}",
        "load": {"min": min(loads), "median": statistics.median(loads), "max": max(loads)},
        "rounds": args.rounds,
        "jobs": args.jobs,
        "trees": [f"{cli.checkout} @ {cli.commit()}" for cli in clis],
        "cases": {
            case: [
                {
                    "cpu_s": statistics.median(s.cpu for s in samples[i, case]),
                    "wall_s": statistics.median(s.wall for s in samples[i, case]),
                    "peak_rss_mb": statistics.median(s.rss_mb for s in samples[i, case]),
                    "rss_all": [round(s.rss_mb, 1) for s in samples[i, case]],
                    "cpu_all": [round(s.cpu, 3) for s in samples[i, case]],
                    "wall_all": [round(s.wall, 3) for s in samples[i, case]],
                }
                for i in range(len(clis))
            ]
            for case in cases
        },
    }
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n")
    print(
        f"{result['date']}, {result['machine']}, load {loads[0]:.1f} at the start,"
        f" median {result['load']['median']:.1f}, max {result['load']['max']:.1f};"
        f" medians of {args.rounds} interleaved rounds, --jobs {args.jobs or 'default'}"
    )
    for i, tree in enumerate(result["trees"]):
        print(f"tree {i}: {tree}")
    print(
        "| case | tree | CPU | wall | peak RSS | ratio CPU | ratio wall | ratio RSS |"
        " paired CPU ratio |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for case in cases:
        base = result["cases"][case][0]
        for i, row in enumerate(result["cases"][case]):
            paired = statistics.median(
                after / before
                for after, before in zip(row["cpu_all"], base["cpu_all"], strict=True)
            )
            ratios = (
                f" {row['cpu_s'] / base['cpu_s']:.3f} | {row['wall_s'] / base['wall_s']:.3f} |"
                f" {row['peak_rss_mb'] / base['peak_rss_mb']:.3f} | {paired:.3f} |"
                if i
                else " | | | |"
            )
            print(
                f"| {case} | {i} | {row['cpu_s']:.2f} s | {row['wall_s']:.2f} s |"
                f" {row['peak_rss_mb']:.0f} MB |{ratios}"
            )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("prepare", help="the 60 benign archives and the 30-package virtualenv")
    go = sub.add_parser("run", help="interleaved rounds on two or more checkouts")
    go.add_argument("--src", type=Path, action="append", required=True)
    go.add_argument("--rounds", type=int, default=5)
    go.add_argument("--cases", default=",".join(CASES))
    go.add_argument("--jobs", type=int, default=1, help="--jobs of every scan (0: its default)")
    go.add_argument("--json", type=Path, help="also write the samples here")
    go.add_argument(
        "--layers",
        help="--select of the every-analyzer cases (venv30, workflows), e.g. PKG,MDL,VUL,CI to"
        " compare with a checkout from before a layer landed",
    )
    args = parser.parse_args()
    return prepare(args) if args.command == "prepare" else run(args)


if __name__ == "__main__":
    raise SystemExit(main())
