"""Recall on the malicious PyPI corpus and false alarms on the most-downloaded projects.

Reads ../shared/corpus/packages/pypi-malicious-dev.zip (password ``infected``) as bytes in memory
and hands every sample straight to the packages analyzer as an archive artifact: nothing is
extracted to disk, installed or run. The benign set is read from a download folder (default
/work/bench-data/benign, filled with ``pip download --no-deps``).

    python bench/packages_corpus.py malicious [--limit N] [--misses FILE]
    python bench/packages_corpus.py benign [--dir DIR]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import zipfile
from pathlib import Path

from outwork.analyzers.packages import PackageAnalyzer
from outwork.core.analyzer import AnalysisContext
from outwork.core.artifact import Artifact, classify
from outwork.core.findings import Finding
from outwork.core.rules import Severity

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "packages"


def judge(name: str, data: bytes) -> tuple[list[Finding], float]:
    artifact = Artifact(
        path=name, kind=classify(data[:8192], name, len(data)), size=len(data), data=data
    )
    analyzer = PackageAnalyzer()
    started = time.perf_counter()
    items = (
        list(analyzer.analyze(artifact, AnalysisContext())) if analyzer.accepts(artifact) else []
    )
    elapsed = time.perf_counter() - started
    return [i for i in items if isinstance(i, Finding)], elapsed


def judge_file(path: Path) -> tuple[list[Finding], float, float]:
    """Findings, CPU and wall seconds for an archive on disk, handed over as a scan hands it:
    the analyzer reads the file itself, and that read is timed."""
    cpu, wall = time.process_time(), time.perf_counter()
    with path.open("rb") as fh:
        head = fh.read(8192)
    size = path.stat().st_size
    artifact = Artifact(
        path=path.name, kind=classify(head, path.name, size), size=size, fs_path=str(path)
    )
    analyzer = PackageAnalyzer()
    items = (
        list(analyzer.analyze(artifact, AnalysisContext())) if analyzer.accepts(artifact) else []
    )
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return [i for i in items if isinstance(i, Finding)], cpu, wall


def top(findings: list[Finding]) -> Finding | None:
    return max(findings, key=lambda f: f.severity, default=None)


def malicious(args: argparse.Namespace) -> None:
    zf = zipfile.ZipFile(CORPUS / "pypi-malicious-dev.zip")
    names = [n for n in zf.namelist() if not n.endswith("/")]
    if args.limit:
        names = names[: args.limit]
    hits, times, misses = 0, [], []
    for name in names:
        data = zf.read(name, pwd=b"infected")
        findings, elapsed = judge(name.rsplit("/", 1)[-1], data)
        times.append(elapsed)
        best = top(findings)
        if best is not None and best.severity >= Severity.HIGH:
            hits += 1
        else:
            misses.append(
                f"{name}\t{best.severity.label if best else 'none'}\t{best.message if best else ''}"
            )
    n = len(names)
    print(f"malicious: {hits}/{n} flagged high or critical = {100 * hits / n:.2f}% recall")
    print(
        f"time per package: median {1000 * statistics.median(times):.1f} ms, "
        f"p95 {1000 * sorted(times)[int(0.95 * n) - 1]:.1f} ms, max {1000 * max(times):.0f} ms"
    )
    if args.misses:
        Path(args.misses).write_text("\n".join(misses) + "\n")
        print(f"misses listed in {args.misses}")


def benign(args: argparse.Namespace) -> None:
    files = sorted(
        p
        for p in Path(args.dir).rglob("*")
        if p.is_file() and p.name.endswith((".whl", ".tar.gz", ".zip", ".tar.bz2", ".tgz"))
    )
    flagged, times, cpu_times = [], [], []
    for index, path in enumerate(files):
        if args.verbose:
            print(f"[{index}/{len(files)}] {path.name}", file=sys.stderr, flush=True)
        findings, cpu, elapsed = judge_file(path)
        times.append(elapsed)
        cpu_times.append(cpu)
        alarms = [f for f in findings if f.severity >= Severity.HIGH]
        if alarms:
            flagged.append((path.name, alarms))
    n = len(files)
    print(
        f"benign: {len(flagged)}/{n} archives flagged high or critical"
        f" = {100 * len(flagged) / max(n, 1):.2f}%"
    )
    for label, values in (("CPU", cpu_times), ("wall", times)):
        ordered = sorted(values)
        print(
            f"{label} time per package, reading included: median"
            f" {1000 * statistics.median(ordered):.1f} ms,"
            f" p90 {1000 * ordered[max(0, int(0.9 * n) - 1)]:.0f} ms,"
            f" max {1000 * ordered[-1]:.0f} ms"
        )
    for name, alarms in flagged:
        for f in alarms[:6]:
            print(
                f"  {name}: {f.code} {f.severity.label} {f.location.path}:{f.location.line}"
                f" {f.message} | {f.evidence[:160]}"
            )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="set", required=True)
    m = sub.add_parser("malicious")
    m.add_argument("--limit", type=int, default=0)
    m.add_argument("--misses", default="")
    b = sub.add_parser("benign")
    b.add_argument("--dir", default="/work/bench-data/benign")
    b.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    malicious(args) if args.set == "malicious" else benign(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
