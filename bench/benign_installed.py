"""What ordinary installed software raises: the 100 most-downloaded PyPI packages installed in one
virtualenv, and the 100 most-downloaded npm packages in one ``node_modules``, scanned with default
settings and every layer on.

    python bench/benign_installed.py prepare [--first 1 --last 100]  # both trees (network)
    python bench/benign_installed.py run [--first 1 --last 100] [--src CHECKOUT [--python PY]]
        [--json OUT.json]

The rankings are the package lists of the tool library (``/work/.library/env/packages``): PyPI's
``rank_among_15000_most_downloaded`` and npm's ``downloads_a_month``, each file's own snapshot.
``prepare`` installs the latest release of each name, one ``pip install`` per name so that one that
cannot build here is recorded and skipped, not fatal; ``npm install --ignore-scripts`` (nothing a
package ships is run). The trees live under ``/work/bench-data`` and never in the repository.

``run`` scans each tree with ``--offline --no-config --fail-on none`` and an empty data folder
(no advisory database, as on a fresh machine), and prints every high or critical finding and
every medium finding grouped by rule, with its location and message: the issue's bar is none of
the former and each of the latter explained.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

DATA = Path("/work/bench-data")
LISTS = Path("/work/.library/env/packages")


def trees(first: int, last: int) -> tuple[Path, Path]:
    """The virtualenv and the npm folder of ranks ``first``-``last`` (``venv100``/``npm100``
    for the top 100, ``venv101-200``/``npm101-200`` for the next hundred...)."""
    suffix = str(last) if first == 1 else f"{first}-{last}"
    return DATA / f"venv{suffix}", DATA / f"npm{suffix}"


ROOT = Path(__file__).resolve().parents[1]


def top_pypi(first: int, last: int) -> list[str]:
    with (LISTS / "pypi.tsv").open(newline="") as handle:
        rows = [
            r
            for r in csv.DictReader(handle, delimiter="\t")
            if r["rank_among_15000_most_downloaded"]
        ]
    rows.sort(key=lambda r: int(r["rank_among_15000_most_downloaded"]))
    return [r["name"] for r in rows[first - 1 : last]]


def top_npm(first: int, last: int) -> list[str]:
    with (LISTS / "npm.tsv").open(newline="") as handle:
        rows = [
            r for r in csv.DictReader(handle, delimiter="\t") if r["downloads_a_month"].isdigit()
        ]
    rows.sort(key=lambda r: -int(r["downloads_a_month"]))
    return [r["name"] for r in rows[first - 1 : last]]


def prepare(args: argparse.Namespace) -> int:
    venv, npm = trees(args.first, args.last)
    if not (venv / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    failed = []
    for name in top_pypi(args.first, args.last):
        done = subprocess.run(
            [str(venv / "bin" / "pip"), "install", "-q", "--upgrade", name],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            failed.append(name)
            print(f"pip: {name} failed: {done.stderr.strip().splitlines()[-1:]}", file=sys.stderr)
    npm.mkdir(parents=True, exist_ok=True)
    if not (npm / "package.json").exists():
        (npm / "package.json").write_text('{"name": "outwork-bench-npm", "private": true}\n')
    npm_failed = []
    # one by one: platform-only packages (musl, win32) refuse
    for name in top_npm(args.first, args.last):
        done = subprocess.run(
            ["npm", "install", "--ignore-scripts", "--no-audit", "--no-fund", name],
            cwd=npm,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            npm_failed.append(name)
            print(f"npm: {name} failed: {done.stderr.strip().splitlines()[:1]}", file=sys.stderr)
    count = args.last - args.first + 1
    (DATA / f"{venv.name}-failed.txt").write_text("".join(f"{n}\n" for n in failed))
    (DATA / f"{npm.name}-failed.txt").write_text("".join(f"{n}\n" for n in npm_failed))
    print(
        f"{venv.name}: {count - len(failed)} of {count} installed;"
        f" {npm.name}: {count - len(npm_failed)} of {count}"
    )
    return 0


def scan(src: Path, python: str | None, tree: Path) -> tuple[dict[str, Any], float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OUTWORK_", "PYTHON"))}
    if python is None:
        python = str(src / ".venv" / "bin" / "python")
    else:  # a checkout without its own virtualenv (a frozen copy): its sources first
        env["PYTHONPATH"] = str(src / "src")
    with tempfile.TemporaryDirectory() as data_dir:
        env["OUTWORK_DATA_DIR"] = data_dir
        cmd = [python, "-m", "outwork", "scan", str(tree), "-f", "json", "--no-cache", "-q"]
        cmd += ["--fail-on", "none", "--no-config", "--offline"]
        started = time.monotonic()
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        seconds = time.monotonic() - started
    if done.returncode not in (0, 1):
        sys.exit(f"scan of {tree} failed ({done.returncode}): {done.stderr[-2000:]}")
    return json.loads(done.stdout), seconds


def report(name: str, result: dict[str, Any], seconds: float) -> dict[str, Any]:
    findings = [f for f in result["findings"] if not f.get("suppressed")]
    by_severity = Counter(f["severity"] for f in findings)
    print(f"\n## {name}: {len(findings)} findings {dict(by_severity)}, {seconds:.0f} s")
    for level in ("critical", "high", "medium"):
        grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for item in findings:
            if item["severity"] == level:
                grouped[item["code"]].append(item)
        for code, items in sorted(grouped.items()):
            print(f"- {level} {code}: {len(items)}")
            for item in items[:8]:
                where = item["location"]["path"].split("site-packages/", 1)[-1]
                where = where.split("node_modules/", 1)[-1]
                print(f"    {where}:{item['location'].get('line')}  {item['message'][:140]}")
            if len(items) > 8:
                print(f"    ... and {len(items) - 8} more")
    return {"severity": dict(by_severity), "seconds": seconds, "findings": findings}


def run(args: argparse.Namespace) -> int:
    venv, npm = trees(args.first, args.last)
    site = next(venv.glob("lib/python3*/site-packages"))
    out: dict[str, Any] = {}
    for name, tree in (
        (f"{venv.name} site-packages", site),
        (f"{npm.name} node_modules", npm / "node_modules"),
    ):
        result, seconds = scan(args.src, args.python, tree)
        out[name] = report(name, result, seconds)
    if args.json:
        args.json.write_text(json.dumps(out, indent=1))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("prepare")
    go = sub.add_parser("run")
    for command in (build, go):
        command.add_argument("--first", type=int, default=1, help="first rank (default 1)")
        command.add_argument("--last", type=int, default=100, help="last rank (default 100)")
    go.add_argument("--src", type=Path, default=ROOT)
    go.add_argument("--python", help="interpreter that runs --src's sources (PYTHONPATH=SRC/src)")
    go.add_argument("--json", type=Path)
    args = parser.parse_args()
    return prepare(args) if args.command == "prepare" else run(args)


if __name__ == "__main__":
    raise SystemExit(main())
