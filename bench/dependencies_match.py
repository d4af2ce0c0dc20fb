"""Speed and memory of the VUL layer.

- import: the real pypa advisories (PyPI) and a synthetic npm feed of OSV's real size, each served
  as all.zip over loopback and imported by the real update path, in a child process whose peak RSS
  is measured (bounded memory: the zip is streamed);
- match: a 2,000-dependency lockfile pair (1,000 PyPI pins + 1,000 npm packages) analysed against
  that database, warm (store open) and cold (first open), medians over repeated runs.

Run: .venv/bin/python bench/dependencies_match.py [--npm-records N] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dependencies_common import REPO, lockfile_2000, pypa_feed, synthetic_npm_feed

_IMPORT_CHILD = """
import json, resource, sys, time
sys.path.insert(0, {repo!r})
from outwork.store import advisories
from tests.analyzers.dependencies.corpusfeeds import serve
start = time.perf_counter()
with serve({feeds!r}) as base:
    reports = advisories.update({db!r}, {ecosystems!r}, base_url=base)
print(json.dumps({{
    "seconds": time.perf_counter() - start,
    "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "reports": [[r.feed, r.records, r.size, round(r.seconds, 2)] for r in reports],
}}))
"""


_COLD_CHILD = """
import json, sys, time
sys.path.insert(0, {repo!r})
from outwork.core.analyzer import AnalysisContext
from outwork.analyzers.dependencies import DependencyAnalyzer
from outwork.core.artifact import Artifact, Kind
from outwork.core.findings import Finding
context = AnalysisContext(options={{"dependencies.db": {db!r}}})
start = time.perf_counter()
count = 0
analyzer = DependencyAnalyzer()
for path in {paths!r}:
    artifact = Artifact(path, Kind.LOCKFILE, 0, fs_path=path)
    count += sum(1 for i in analyzer.analyze(artifact, context) if isinstance(i, Finding))
print(json.dumps([time.perf_counter() - start, count]))
"""


def cold_run(db: Path, paths: list[Path]) -> tuple[float, int]:
    """A fresh process (imports done, not timed): open the database, match, report."""
    code = _COLD_CHILD.format(repo=str(REPO), db=str(db), paths=[str(p) for p in paths])
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=REPO
    )
    seconds, count = json.loads(out.stdout.strip().splitlines()[-1])
    return float(seconds), int(count)


def import_feeds(feeds: Path, db: Path, ecosystems: list[str]) -> dict[str, object]:
    code = _IMPORT_CHILD.format(repo=str(REPO), feeds=str(feeds), db=str(db), ecosystems=ecosystems)
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=REPO
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--npm-records", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    from outwork.analyzers.dependencies import DependencyAnalyzer
    from outwork.core.analyzer import AnalysisContext
    from outwork.core.artifact import Artifact, Kind
    from outwork.core.findings import Finding

    pypi = pypa_feed()
    npm = synthetic_npm_feed(args.npm_records)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        feeds = root / "feeds"
        for eco, source in (("PyPI", pypi), ("npm", npm)):
            (feeds / eco).mkdir(parents=True)
            (feeds / eco / "all.zip").symlink_to(source)
        db = root / "advisories.sqlite3"
        first = import_feeds(feeds, db, ["PyPI", "npm"])
        again = import_feeds(feeds, db, ["PyPI", "npm"])
        print(f"import (cold): {json.dumps(first)}")
        print(f"import (unchanged feeds, incremental): {json.dumps(again)}")
        print(f"database size: {db.stat().st_size / 2**20:.1f} MiB")

        req, lock = lockfile_2000(root / "project")
        artifacts = [
            Artifact(str(p), Kind.LOCKFILE, p.stat().st_size, fs_path=str(p)) for p in (req, lock)
        ]
        context = AnalysisContext(options={"dependencies.db": str(db)})

        def run_once(analyzer: DependencyAnalyzer) -> tuple[float, int]:
            start = time.perf_counter()
            count = 0
            for artifact in artifacts:
                items = analyzer.analyze(artifact, context)
                count += sum(1 for i in items if isinstance(i, Finding))
            return time.perf_counter() - start, count

        warm_analyzer = DependencyAnalyzer()
        run_once(warm_analyzer)
        warm = [run_once(warm_analyzer)[0] for _ in range(args.repeat)]
        cold: list[float] = []
        findings = 0
        for _ in range(args.repeat):
            seconds, findings = cold_run(db, [Path(a.path) for a in artifacts])
            cold.append(seconds)
        print(
            f"match 2,000 dependencies: warm median {statistics.median(warm) * 1000:.0f} ms,"
            f" cold (fresh process, database on disk) median {statistics.median(cold) * 1000:.0f}"
            f" ms, {findings} findings (repeat={args.repeat})"
        )
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"this process peak RSS: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
