"""False alarms and time of the packages layer on real unpacked trees (site-packages,
node_modules): ``outwork scan DIR --select PKG --no-cache -f json`` per folder.

Lists every finding at medium or above that the metadata checks of loose files make (PKG010,
PKG011, PKG020, PKG030 on ``METADATA``, ``PKG-INFO``, ``package.json``, ``pyproject.toml``,
``setup.cfg``) with its reason, counts the other PKG findings by severity, and reports the median
wall time of ``--runs`` scans.

    python bench/packages_loose.py /work/main/.venv/lib/python3.11/site-packages \\
        /work/peer-venvs/*/lib/python3.11/site-packages /usr/lib/node_modules --runs 3
"""

from __future__ import annotations

import argparse
import collections
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

METADATA_FILES = ("METADATA", "PKG-INFO", "package.json", "pyproject.toml", "setup.cfg")
METADATA_CODES = frozenset({"PKG010", "PKG011", "PKG020", "PKG030"})
SERIOUS = ("medium", "high", "critical")


def run(folder: str, runs: int) -> tuple[list[float], dict[str, object]]:
    times: list[float] = []
    report: dict[str, object] = {}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        for _ in range(runs):
            started = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "outwork",
                    "scan",
                    folder,
                    "--select",
                    "PKG",
                    "--no-cache",
                    "-f",
                    "json",
                    "-o",
                    str(out),
                ],
                check=False,
                stderr=subprocess.DEVNULL,
            )
            times.append(time.perf_counter() - started)
            report = json.loads(out.read_text())
    return times, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="+")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    for folder in args.folders:
        if not Path(folder).is_dir():
            continue
        times, report = run(folder, args.runs)
        findings = report.get("findings", [])
        assert isinstance(findings, list)
        metadata = [
            f
            for f in findings
            if f["code"] in METADATA_CODES and Path(f["location"]["path"]).name in METADATA_FILES
        ]
        others = collections.Counter(
            f["severity"] for f in findings if f not in metadata and f["code"].startswith("PKG")
        )
        dists = sum(
            1 for p in Path(folder).iterdir() if p.name.endswith((".dist-info", ".egg-info"))
        ) or sum(
            1
            for p in Path(folder).rglob("package.json")
            if "node_modules" in (p.parent.parent.name, p.parent.parent.parent.name)
        )
        print(
            f"{folder}: {dists} packages, median {statistics.median(times):.1f} s of {len(times)}"
            f" ({', '.join(f'{t:.1f}' for t in times)}); metadata findings"
            f" {len(metadata)} ({sum(f['severity'] in SERIOUS for f in metadata)} medium+),"
            f" other PKG findings {dict(others)}"
        )
        for f in metadata:
            if f["severity"] in SERIOUS:
                where = f["location"]["path"].removeprefix(folder)
                print(f"  {f['code']} {f['severity']} {where}: {f['message']}")


if __name__ == "__main__":
    main()
