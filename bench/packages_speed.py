"""Speed of the packages analyzer, and a differential check that optimisations change nothing.

Every archive is handed to the analyzer the way a scan hands it: benign archives as files on
disk (the analyzer reads them itself, and that read is timed), malicious samples as bytes read
in memory from the encrypted corpus (never extracted, never run).

    python bench/packages_speed.py snapshot OUT.json [--benign-step 4] [--malicious-step 10]
    python bench/packages_speed.py compare BEFORE.json AFTER.json
    python bench/packages_speed.py time [--benign-step 1]
    python bench/packages_speed.py profile [--benign-step 6] [--top 40]
    python bench/packages_speed.py interleave BEFORE/src AFTER/src [--benign-step 4] [--rounds 1]
        [--per-archive]
    python bench/packages_speed.py floor [--benign-step 2]

``snapshot`` records every finding as (archive, code, path, line, severity, message) with the
CPU and wall time of each archive; ``compare`` lists findings that appear or disappear and the
medians of both runs. ``floor`` splits each benign archive's CPU time into what no static
analysis of Python avoids (reading the archive's members, CPython's parser building and freeing
the syntax tree of every module) and the rest. ``interleave`` times two source trees on the
same archives, one archive at a time each, in two worker processes, so that the load of a shared
machine falls on both.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import os
import pstats
import statistics
import subprocess
import sys
import time
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from outwork.analyzers.packages import PackageAnalyzer
from outwork.core.analyzer import AnalysisContext
from outwork.core.artifact import HEAD_BYTES, Artifact, classify
from outwork.core.findings import Finding

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "packages"
BENIGN = Path("/work/bench-data/benign")
SUFFIXES = (".whl", ".tar.gz", ".zip", ".tar.bz2", ".tgz")


def benign_files(folder: Path, step: int) -> list[Path]:
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name.endswith(SUFFIXES))
    return files[::step] if step else []


def malicious_samples(step: int) -> Iterator[tuple[str, bytes]]:
    if not step:
        return
    zf = zipfile.ZipFile(CORPUS / "pypi-malicious-dev.zip")
    names = [n for n in zf.namelist() if not n.endswith("/")]
    for name in names[::step]:
        yield name.rsplit("/", 1)[-1], zf.read(name, pwd=b"infected")


def on_disk(path: Path) -> Artifact:
    with path.open("rb") as fh:
        head = fh.read(HEAD_BYTES)
    size = path.stat().st_size
    return Artifact(
        path=path.name, kind=classify(head, path.name, size), size=size, fs_path=str(path)
    )


def in_memory(name: str, data: bytes) -> Artifact:
    return Artifact(
        path=name, kind=classify(data[:HEAD_BYTES], name, len(data)), size=len(data), data=data
    )


def judge(artifact: Artifact) -> tuple[list[Finding], float, float]:
    """Findings, CPU seconds and wall seconds of one archive, reading included."""
    analyzer = PackageAnalyzer()
    cpu, wall = time.process_time(), time.perf_counter()
    items = (
        list(analyzer.analyze(artifact, AnalysisContext())) if analyzer.accepts(artifact) else []
    )
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return [i for i in items if isinstance(i, Finding)], cpu, wall


def artifacts(args: argparse.Namespace) -> Iterator[tuple[str, Artifact]]:
    for path in benign_files(Path(args.dir), args.benign_step):
        yield "benign", on_disk(path)
    for name, data in malicious_samples(args.malicious_step):
        yield "malicious", in_memory(name, data)


def row(archive: str, f: Finding) -> list[object]:
    return [archive, f.code, f.location.path, f.location.line, f.severity.label, f.message]


def stats(times: list[float]) -> str:
    if not times:
        return "no archives"
    ordered = sorted(times)
    p90 = ordered[max(0, int(0.9 * len(ordered)) - 1)]
    return (
        f"median {1000 * statistics.median(ordered):.1f} ms, p90 {1000 * p90:.0f} ms, "
        f"max {1000 * ordered[-1]:.0f} ms, total {sum(ordered):.1f} s ({len(ordered)} archives)"
    )


def snapshot(args: argparse.Namespace) -> None:
    out: dict[str, object] = {"findings": [], "times": {}}
    findings: list[list[object]] = []
    times: dict[str, list[object]] = {}
    for index, (group, artifact) in enumerate(artifacts(args)):
        if args.verbose:
            print(f"[{index}] {artifact.path}", file=sys.stderr, flush=True)
        found, cpu, wall = judge(artifact)
        times[artifact.path] = [group, cpu, wall]
        findings.extend(row(artifact.path, f) for f in found)
    out = {"findings": sorted(findings, key=repr), "times": times}
    Path(args.out).write_text(json.dumps(out, indent=0))
    for group in ("benign", "malicious"):
        cpu = [t[1] for t in times.values() if t[0] == group]
        wall = [t[2] for t in times.values() if t[0] == group]
        print(f"{group}: CPU {stats(cpu)}")  # type: ignore[arg-type]
        print(f"{group}: wall {stats(wall)}")  # type: ignore[arg-type]
    print(f"{len(findings)} findings written to {args.out}")


def compare(args: argparse.Namespace) -> int:
    before = json.loads(Path(args.before).read_text())
    after = json.loads(Path(args.after).read_text())
    old = Counter(tuple(r) for r in before["findings"])
    new = Counter(tuple(r) for r in after["findings"])
    gone, added = sorted((old - new).elements(), key=repr), sorted((new - old).elements(), key=repr)
    for label, rows in (("only before", gone), ("only after", added)):
        for r in rows[: args.show]:
            print(f"{label}: {r}")
    print(
        f"findings: {old.total()} before, {new.total()} after, {len(gone)} gone, {len(added)} added"
    )
    for group in ("benign", "malicious"):
        for label, data in (("before", before), ("after", after)):
            cpu = [t[1] for t in data["times"].values() if t[0] == group]
            print(f"{group} {label}: CPU {stats(cpu)}")
    return 1 if gone or added else 0


def timing(args: argparse.Namespace) -> None:
    cpu_times: dict[str, list[float]] = {"benign": [], "malicious": []}
    wall_times: dict[str, list[float]] = {"benign": [], "malicious": []}
    for group, artifact in artifacts(args):
        _, cpu, wall = judge(artifact)
        cpu_times[group].append(cpu)
        wall_times[group].append(wall)
    for group in ("benign", "malicious"):
        print(f"{group}: CPU {stats(cpu_times[group])}")
        print(f"{group}: wall {stats(wall_times[group])}")


def profile(args: argparse.Namespace) -> None:
    items = list(artifacts(args))
    profiler = cProfile.Profile()
    profiler.enable()
    for _, artifact in items:
        judge(artifact)
    profiler.disable()
    stats_ = pstats.Stats(profiler).sort_stats(args.sort)
    stats_.print_stats(args.top)


def floor(args: argparse.Namespace) -> None:
    """Per benign archive: CPU of reading it, of parsing every Python module in it (tree built
    and freed), and of the whole analysis (reading included); the medians of each."""
    import ast
    import warnings

    from outwork.analyzers.packages.package import Limits, collector_paused, read_archive

    rows: list[tuple[float, float, float]] = []
    for path in benign_files(Path(args.dir), args.benign_step):
        cpu = time.process_time()
        with path.open("rb") as fh:
            files = read_archive(fh, path.name, Limits())
        read = time.process_time() - cpu
        sources = (
            [t for m, t in files.texts.items() if m.lower().endswith((".py", ".pyw"))]
            if files
            else []
        )
        cpu = time.process_time()
        with warnings.catch_warnings(), collector_paused():  # as the analyzer parses
            warnings.simplefilter("ignore")
            for source in sources:
                with contextlib.suppress(SyntaxError, ValueError, RecursionError, MemoryError):
                    ast.parse(source.removeprefix("\ufeff"))
        parse = time.process_time() - cpu
        _, whole, _ = judge(on_disk(path))
        rows.append((read, parse, whole))
    for label, values in (
        ("read", [r[0] for r in rows]),
        ("parse", [r[1] for r in rows]),
        ("read + parse", [r[0] + r[1] for r in rows]),
        ("whole analysis", [r[2] for r in rows]),
        ("analysis beyond read + parse", [r[2] - r[0] - r[1] for r in rows]),
    ):
        print(f"{label}: CPU {stats(values)}")
    whole = statistics.median(r[2] for r in rows)
    band = [r for r in rows if 0.8 * whole <= r[2] <= 1.25 * whole]
    if band:
        share = statistics.median((r[0] + r[1]) / r[2] for r in band if r[2] > 0)
        print(f"archives within 0.8-1.25x of the median: read + parse is {share:.0%} of the time")


def worker() -> None:
    """Time archives named on standard input, one CPU time per line on standard output."""
    for line in sys.stdin:
        _, cpu, _ = judge(on_disk(Path(line.strip())))
        print(cpu, flush=True)


def interleave(args: argparse.Namespace) -> None:
    def start(tree: str) -> subprocess.Popen[str]:
        env = {**os.environ, "PYTHONPATH": tree}
        return subprocess.Popen(
            [sys.executable, __file__, "worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )

    workers = [start(args.before), start(args.after)]
    paths = benign_files(Path(args.dir), args.benign_step)
    #: per archive, per tree: the CPU time of each round
    times: list[list[list[float]]] = [[[], []] for _ in paths]
    for round_ in range(args.rounds):
        for index, path in enumerate(paths):
            order = (0, 1) if (index + round_) % 2 == 0 else (1, 0)
            for w in order:
                stdin, stdout = workers[w].stdin, workers[w].stdout
                assert stdin is not None and stdout is not None
                stdin.write(f"{path}\n")
                stdin.flush()
                times[index][w].append(float(stdout.readline()))
    for proc in workers:
        if proc.stdin is not None:
            proc.stdin.close()
        proc.wait()
    # the median of an archive's rounds, per tree
    medians = [[statistics.median(t[0]), statistics.median(t[1])] for t in times]
    if args.per_archive:
        for path, (before, after) in zip(paths, medians, strict=True):
            ratio = f"{after / before:.2f}" if before > 0 else "-"
            print(f"{path.name}: {1000 * before:.0f} ms -> {1000 * after:.0f} ms ({ratio})")
    for label, w in (("before", 0), ("after", 1)):
        print(f"{label}: CPU {stats([m[w] for m in medians])}")
    ratios = sorted(b / a for a, b in medians if a > 0.005)
    if ratios:
        print(f"after/before per archive: median {statistics.median(ratios):.2f}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name, benign_step, malicious_step in (
        ("snapshot", 4, 10),
        ("time", 1, 0),
        ("profile", 6, 0),
        ("floor", 2, 0),
    ):
        p = sub.add_parser(name)
        if name == "snapshot":
            p.add_argument("out")
        p.add_argument("--dir", default=str(BENIGN))
        p.add_argument("--benign-step", type=int, default=benign_step)
        p.add_argument("--malicious-step", type=int, default=malicious_step)
        p.add_argument("--verbose", action="store_true")
        if name == "profile":
            p.add_argument("--top", type=int, default=40)
            p.add_argument("--sort", default="tottime")
    sub.add_parser("worker")
    i = sub.add_parser("interleave")
    i.add_argument("before", help="source tree (the folder holding the outwork package)")
    i.add_argument("after")
    i.add_argument("--dir", default=str(BENIGN))
    i.add_argument("--benign-step", type=int, default=4)
    i.add_argument("--rounds", type=int, default=1, help="each archive this many times per tree")
    i.add_argument("--per-archive", action="store_true", help="each archive's medians")
    c = sub.add_parser("compare")
    c.add_argument("before")
    c.add_argument("after")
    c.add_argument("--show", type=int, default=40)
    args = parser.parse_args()
    if args.command == "snapshot":
        snapshot(args)
    elif args.command == "compare":
        return compare(args)
    elif args.command == "time":
        timing(args)
    elif args.command == "worker":
        worker()
    elif args.command == "interleave":
        interleave(args)
    elif args.command == "floor":
        floor(args)
    else:
        profile(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
