"""How long each reporter takes to render large results (findings scale with hostile trees).

    .venv/bin/python bench/report_render.py [--findings 1000 10000] [--repeat 3]
    .venv/bin/python bench/report_render.py --scan DIR [--repeat 3]

Builds synthetic results (core rules, made-up paths, snippets on half the findings, one
artifact per finding) and prints the median seconds and output size per format.

With ``--scan``, the report against the analysis it reports: DIR is scanned once to fill a
fresh cache, then each round scans it again from that cache (the analysis a rescan costs) and
renders its terminal report as a terminal (width 100, colour) and as a pipe (no wrapping, no
colour); CPU seconds of this process and its workers, medians.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time

from outwork import api
from outwork.cli.console import NO_WRAP
from outwork.core.corerules import ArchiveDecompressionBomb, ArchiveUnreadable
from outwork.core.findings import ScannedArtifact, ScanResult, Skip, Stats, finding
from outwork.report import FORMATS, render


def synthetic(count: int) -> ScanResult:
    findings = []
    artifacts = []
    for i in range(count):
        path = f"pkgs/p{i // 100}/m{i}.py" if i % 3 else f"dist/a{i}.tar.gz!/a/setup.py"
        rule = ArchiveUnreadable if i % 2 else ArchiveDecompressionBomb
        item = finding(rule, f"problem number {i}", line=(i % 50) + 3, column=2, evidence="x" * 80)
        snippet = (
            tuple(
                (n, f"line {n} of file {i}")
                for n in range(item.location.line - 2, item.location.line + 3)
            )
            if i % 2
            else ()
        )
        fields = {name: getattr(item, name) for name in item.__slots__}
        fields["location"] = item.location.rebase(path)
        fields["snippet"] = snippet
        findings.append(item.__class__(**fields))
        artifacts.append(ScannedArtifact(path, "python", 1000 + i, f"{i:064x}", ("packages",)))
    skipped = [Skip(f"big/{i}.bin", "larger than the byte budget") for i in range(count // 10)]
    return ScanResult(
        findings=findings,
        artifacts=artifacts,
        skipped=skipped,
        stats=Stats(artifacts=count, analyzed=count, bytes=count * 1000, seconds=1.0),
        targets=["pkgs", "dist"],
    )


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime


def against_scan(target: str, repeat: int) -> None:
    """The terminal report's cost beside the cached rescan whose result it reports."""
    with tempfile.TemporaryDirectory() as cache:
        api.scan(target, cache_dir=cache)  # fills the cache
        scans, terminals, pipes = [], [], []
        result = None
        for _ in range(repeat):
            start = _cpu()
            result = api.scan(target, cache_dir=cache)
            scans.append(_cpu() - start)
            start = _cpu()
            render("terminal", result, width=100, color=True)
            terminals.append(_cpu() - start)
            start = _cpu()
            render("terminal", result, width=NO_WRAP, color=False)
            pipes.append(_cpu() - start)
    assert result is not None
    print("| files | findings | cached rescan CPU s | terminal report CPU s | piped report CPU s |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    print(
        f"| {result.stats.artifacts} | {len(result.findings)} | {statistics.median(scans):.2f} |"
        f" {statistics.median(terminals):.2f} | {statistics.median(pipes):.2f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--findings", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scan", metavar="DIR", help="report beside the cached rescan of DIR")
    args = parser.parse_args()
    if args.scan:
        against_scan(args.scan, args.repeat)
        return
    print("| findings | format | median s | output MB |")
    print("| ---: | --- | ---: | ---: |")
    for count in args.findings:
        result = synthetic(count)
        for fmt in FORMATS:
            times = []
            size = 0
            for _ in range(args.repeat):
                start = time.perf_counter()
                out = render(fmt, result)
                times.append(time.perf_counter() - start)
                size = len(out.encode("utf-8"))
            print(f"| {count} | {fmt} | {statistics.median(times):.2f} | {size / 1e6:.1f} |")


if __name__ == "__main__":
    main()
