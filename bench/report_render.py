"""How long each reporter takes to render large results (findings scale with hostile trees).

    .venv/bin/python bench/report_render.py [--findings 1000 10000] [--repeat 3]

Builds synthetic results (core rules, made-up paths, snippets on half the findings, one
artifact per finding) and prints the median seconds and output size per format.
"""

from __future__ import annotations

import argparse
import statistics
import time

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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--findings", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
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
