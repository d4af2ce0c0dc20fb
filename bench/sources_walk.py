"""Walk and classify a tree of 100,000 files: files per second, cold and warm cache, peak memory.

The tree is a virtual environment with large packages, replicated with hard links until it holds
the requested number of files (hard links cost no disk space; each copy is a distinct path, so
the scan cache cannot share results between copies). Create the base environment once:

    python3 -m venv /work/bench-data/walk-venv
    /work/bench-data/walk-venv/bin/pip install numpy scipy pandas sympy botocore boto3 matplotlib

Then, from the repository root (freezing the code under test first):

    git archive HEAD src | tar -x -C /work/bench-data/outwork-src
    .venv/bin/python bench/sources_walk.py --src /work/bench-data/outwork-src/src \
        --sizes 25000,50000,100000 --repeat 3

Every measurement runs in a fresh child process, so that peak resident memory (``ru_maxrss``)
belongs to that measurement alone; scans with worker processes report the workers' peak too.
Measurements per size:

- ``baseline``: ``os.walk`` and a read of each file's first 8 KiB, nothing else: the floor any
  walker pays on this machine, for a ratio;

- ``walk``: ``outwork.sources.open_target`` only (directory walk, classification, archives opened
  in memory), no analyzers;
- ``cold``: ``outwork.engine.pipeline.scan`` with an empty cache directory;
- ``warm``: the same scan again with the cache the cold scan filled.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_BASE = Path("/work/bench-data/walk-venv/lib/python3.11/site-packages")
TREES = Path("/work/bench-data/walk-tree")


def build_tree(base: Path, size: int) -> Path:
    """``size`` files hard-linked from ``base``, in copies ``copy0``, ``copy1``, ..."""
    root = TREES / str(size)
    marker = TREES / f"{size}.complete"
    if marker.exists():
        return root
    files = sorted(p for p in base.rglob("*") if p.is_file() and not p.is_symlink())
    if not files:
        raise SystemExit(f"{base} holds no files; create it first (see this file's docstring)")
    for index in range(size):
        src = files[index % len(files)]
        dst = root / f"copy{index // len(files)}" / src.relative_to(base)
        dst.parent.mkdir(parents=True, exist_ok=True)
        if not dst.exists():
            os.link(src, dst)
    marker.write_text(str(size))
    return root


def child(mode: str, tree: str, cache: str, jobs: int | None) -> None:
    """One measurement; prints a JSON line."""
    started = time.perf_counter()
    counts: dict[str, int] = {}
    if mode == "baseline":
        files = 0
        for directory, _dirs, names in os.walk(tree):
            for name in names:
                with open(os.path.join(directory, name), "rb") as fh:
                    fh.read(8192)
                files += 1
        counts = {"files": files}
    elif mode == "walk":
        from outwork.core.artifact import Artifact
        from outwork.core.findings import Finding
        from outwork.sources import Budgets, open_target

        artifacts = findings = skips = 0
        for item in open_target(tree, Budgets()):
            if isinstance(item, Artifact):
                artifacts += 1
            elif isinstance(item, Finding):
                findings += 1
            else:
                skips += 1
        counts = {"artifacts": artifacts, "findings": findings, "skips": skips}
    else:
        from outwork.engine.pipeline import ScanOptions, scan

        result = scan([tree], ScanOptions(cache_dir=cache, jobs=jobs))
        counts = {
            "artifacts": result.stats.artifacts,
            "analyzed": result.stats.analyzed,
            "cache_hits": result.stats.cache_hits,
            "findings": len(result.findings),
            "errors": len(result.errors),
        }
    seconds = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "rss_mb": own, "workers_rss_mb": workers, **counts}))


def measure(
    mode: str, tree: Path, cache: str, jobs: int | None, src: Path | None
) -> dict[str, float]:
    cmd = [sys.executable, __file__, "--child", mode, "--tree", str(tree), "--cache", cache]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"{mode} on {tree} failed with exit status {proc.returncode}")
    out = proc.stdout
    data: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--base", type=Path, default=DEFAULT_BASE)
    parser.add_argument("--sizes", default="25000,50000,100000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--modes", default="walk,cold,warm")
    parser.add_argument(
        "--src",
        type=Path,
        default=None,
        help="a frozen copy of outwork's src/ to measure (e.g. from `git archive HEAD src`), "
        "so that edits landing in the working tree during a long run cannot change the code "
        "between the cold and the warm scan (which would invalidate the cache)",
    )
    parser.add_argument("--child", default=None)
    parser.add_argument("--tree", default=None)
    parser.add_argument("--cache", default="")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.tree, args.cache, args.jobs)
        return
    modes = args.modes.split(",")
    print(
        f"base {args.base}, src {args.src or 'installed'}, python {sys.version.split()[0]}, "
        f"cpus {os.cpu_count()}"
    )
    print("size,mode,median_s,files_per_s,rss_mb,workers_rss_mb,runs,counts")
    for size in (int(s) for s in args.sizes.split(",")):
        tree = build_tree(args.base, size)
        runs: dict[str, list[dict[str, float]]] = {m: [] for m in modes}
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory(prefix="outwork-bench-cache-") as cache:
                if "baseline" in modes:
                    runs["baseline"].append(measure("baseline", tree, cache, args.jobs, args.src))
                if "walk" in modes:
                    runs["walk"].append(measure("walk", tree, cache, args.jobs, args.src))
                if "cold" in modes:
                    runs["cold"].append(measure("cold", tree, cache, args.jobs, args.src))
                if "warm" in modes:
                    runs["warm"].append(measure("warm", tree, cache, args.jobs, args.src))
        medians: dict[str, float] = {}
        for mode in modes:
            times = [r["seconds"] for r in runs[mode]]
            median = statistics.median(times)
            medians[mode] = median
            rss = max(r["rss_mb"] for r in runs[mode])
            workers = max(r["workers_rss_mb"] for r in runs[mode])
            counts = {k: v for k, v in runs[mode][-1].items() if not k.endswith(("_mb", "seconds"))}
            print(
                f"{size},{mode},{median:.2f},{size / median:.0f},{rss:.0f},{workers:.0f},"
                f"{' '.join(f'{t:.2f}' for t in times)},{json.dumps(counts)}"
            )
        if "baseline" in medians and "walk" in medians:
            print(f"{size},walk/baseline time,{medians['walk'] / medians['baseline']:.2f}x")
        if "cold" in medians and "warm" in medians:
            print(f"{size},warm/cold speed-up,{medians['cold'] / medians['warm']:.2f}x")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
