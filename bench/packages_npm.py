"""False alarms and speed on popular npm packages, outwork and GuardDog side by side.

The tarballs are downloaded once, outside the repository, with npm's own client (``npm view``
for the release's manifest, ``npm pack`` for its tarball, lifecycle scripts off); every file is
checked against the ``dist.integrity`` (sha512) or ``dist.shasum`` the registry publishes for
it. Nothing downloaded is installed, unpacked to disk or run: outwork reads each tarball in
memory, GuardDog gets its path.

    python bench/packages_npm.py fetch [--n 300] [--ranking TSV] [--dir /work/bench-data/npm]
    python bench/packages_npm.py benign [--dir DIR] [--cli]
    python bench/packages_npm.py guarddog [--dir DIR] [--step 1] [--guarddog PATH]

``fetch`` takes the first N names of the packages layer's own list of popular npm packages
(``data/top-npm.txt``); when that list is shorter than N and ``--ranking`` names a table of
npm packages with monthly downloads (tab-separated: name, version, downloads), the most
downloaded names not yet taken fill the rest. Names that fail are skipped and listed.

``benign`` judges every tarball in-process (CPU and wall per archive, the reading of the file
included, as ``packages_corpus.py`` does); with ``--cli`` it also runs ``outwork scan DIR
--select PKG --no-cache -f json`` once over the folder and compares the archives it flags.

``guarddog`` runs, archive by archive and in the same loop (so the load of a shared machine
falls on all three): outwork in-process, ``outwork scan TARBALL --select PKG --no-cache -f json``
and ``guarddog npm scan TARBALL --output-format json``. A package is flagged by outwork when a
finding is high or critical; by GuardDog when its risk label is high or critical
(``risk_score.label``) or one of its risks is high or critical.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from packages_corpus import judge_file
from packages_guarddog import guarddog

from outwork.core.findings import Finding
from outwork.core.rules import Severity

ROOT = Path(__file__).resolve().parents[1]
TOP_NPM = ROOT / "src" / "outwork" / "analyzers" / "packages" / "data" / "top-npm.txt"
DEFAULT_DIR = Path("/work/bench-data/npm")
GUARDDOG = "/work/peer-venvs/guarddog/bin/guarddog"
INDEX = "index.json"


# --- fetch --------------------------------------------------------------------------------------


def wanted_names(n: int, ranking: str) -> list[str]:
    names = [
        line.strip()
        for line in TOP_NPM.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    names = list(dict.fromkeys(names))[:n]
    if len(names) < n and ranking:
        ranked: list[tuple[int, str]] = []
        with open(ranking, encoding="utf-8", errors="replace") as fh:
            next(fh, None)  # header
            for line in fh:
                cols = line.rstrip("\n").split("\t")
                if len(cols) >= 3 and cols[2].isdigit():
                    ranked.append((int(cols[2]), cols[0]))
        ranked.sort(reverse=True)
        taken = set(names)
        for _, name in ranked:
            if len(names) >= n:
                break
            if name not in taken:
                taken.add(name)
                names.append(name)
    return names


def npm_json(args: list[str], cwd: Path) -> object:
    proc = subprocess.run(
        ["npm", *args, "--json"],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        cwd=cwd,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"npm {args[0]} exit {proc.returncode}: {proc.stderr.strip()[:200]}")
    return json.loads(proc.stdout)


def verify(path: Path, dist: dict[str, object]) -> str:
    """Which published digest the file matches; raises when it matches none that is given."""
    data = path.read_bytes()
    integrity = dist.get("integrity")
    if isinstance(integrity, str):
        for item in integrity.split():
            algo, _, digest = item.partition("-")
            if algo == "sha512":
                if base64.b64encode(hashlib.sha512(data).digest()).decode() != digest:
                    raise RuntimeError("sha512 does not match dist.integrity")
                return "sha512"
    shasum = dist.get("shasum")
    if isinstance(shasum, str):
        if hashlib.sha1(data).hexdigest() != shasum:
            raise RuntimeError("sha1 does not match dist.shasum")
        return "sha1"
    raise RuntimeError("the registry publishes no digest for this tarball")


def fetch_one(name: str, folder: Path) -> dict[str, object]:
    manifest = npm_json(["view", f"{name}@latest"], folder)
    if isinstance(manifest, list):  # several versions matched; the last is the newest
        manifest = manifest[-1]
    if not isinstance(manifest, dict):
        raise RuntimeError("npm view gave no manifest")
    version = str(manifest.get("version", ""))
    dist = manifest.get("dist")
    if not version or not isinstance(dist, dict):
        raise RuntimeError("manifest without version or dist")
    with tempfile.TemporaryDirectory(prefix="npm-pack-", dir=folder) as tmp:
        packed = npm_json(
            ["pack", f"{name}@{version}", "--pack-destination", tmp, "--ignore-scripts"], folder
        )
        if not isinstance(packed, list) or not packed or not isinstance(packed[0], dict):
            raise RuntimeError("npm pack reported no file")
        source = Path(tmp) / str(packed[0]["filename"])
        digest = verify(source, dist)
        target = folder / source.name
        source.replace(target)
    return {
        "name": name,
        "version": version,
        "file": target.name,
        "size": target.stat().st_size,
        "verified": digest,
        "install_scripts": sorted(
            k
            for k in (manifest.get("scripts") or {})
            if k in ("preinstall", "install", "postinstall")
        ),
    }


def fetch(args: argparse.Namespace) -> int:
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    names = wanted_names(args.n, args.ranking)
    index_path = folder / INDEX
    done: dict[str, dict[str, object]] = (
        {row["name"]: row for row in json.loads(index_path.read_text())["packages"]}
        if index_path.exists()
        else {}
    )
    todo = [n for n in names if n not in done or not (folder / str(done[n]["file"])).exists()]
    failed: dict[str, str] = {}

    def task(name: str) -> tuple[str, dict[str, object] | None, str]:
        try:
            return name, fetch_one(name, folder), ""
        except (RuntimeError, ValueError, OSError, subprocess.TimeoutExpired, KeyError) as exc:
            return name, None, str(exc)

    with ThreadPoolExecutor(max_workers=args.threads) as pool:
        for index, (name, row, error) in enumerate(pool.map(task, todo), start=1):
            if row is None:
                failed[name] = error
                print(f"[{index}/{len(todo)}] {name}: FAILED {error}", file=sys.stderr)
            else:
                done[name] = row
                print(f"[{index}/{len(todo)}] {name}@{row['version']}", file=sys.stderr)
    rows = [done[n] for n in names if n in done]
    index_path.write_text(
        json.dumps({"names": names, "packages": rows, "failed": failed}, indent=1) + "\n"
    )
    print(f"{len(rows)}/{len(names)} tarballs in {folder}, {len(failed)} failed")
    for name, error in failed.items():
        print(f"  failed: {name}: {error}")
    return 0


# --- measure ------------------------------------------------------------------------------------


def tarballs(folder: Path, step: int) -> list[Path]:
    index_path = folder / INDEX
    if index_path.exists():
        rows = json.loads(index_path.read_text())["packages"]
        files = [folder / str(r["file"]) for r in rows]
    else:
        files = sorted(folder.glob("*.tgz"))
    return [f for f in files if f.exists()][:: max(1, step)]


def alarms_of(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity >= Severity.HIGH]


def describe(f: Finding) -> str:
    return (
        f"{f.code} {f.severity.label} {f.location.path}:{f.location.line} {f.message}"
        f" | {f.evidence[:160]}"
    )


def times_line(label: str, values: list[float]) -> str:
    ordered = sorted(values)
    n = len(ordered)
    return (
        f"{label}: median {1000 * statistics.median(ordered):.1f} ms,"
        f" p90 {1000 * ordered[max(0, int(0.9 * n) - 1)]:.0f} ms,"
        f" max {1000 * ordered[-1]:.0f} ms, total {sum(ordered):.1f} s"
    )


def outwork_cli(paths: list[Path]) -> tuple[float, dict[str, list[str]]]:
    """Wall time of ``outwork scan PATHS --select PKG --no-cache -f json``, and its high and
    critical findings by archive (the first element of each finding's location)."""
    binary = str(Path(sys.executable).parent / "outwork")
    started = time.perf_counter()
    proc = subprocess.run(
        [binary, "scan", *map(str, paths), "--select", "PKG", "--no-cache", "-f", "json"],
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    elapsed = time.perf_counter() - started
    flagged: dict[str, list[str]] = {}
    try:
        doc = json.loads(proc.stdout)
    except ValueError:
        print(f"outwork CLI gave no JSON (exit {proc.returncode}): {proc.stderr[-300:]}")
        return elapsed, flagged
    for f in doc.get("findings", []):
        if f.get("severity") not in ("high", "critical"):
            continue
        where = str((f.get("location") or {}).get("path", ""))
        archive = Path(where.split("!/", 1)[0]).name
        flagged.setdefault(archive, []).append(f"{f.get('code')} {f.get('message')}")
    return elapsed, flagged


def benign(args: argparse.Namespace) -> int:
    files = tarballs(Path(args.dir), args.step)
    cpu_times, wall_times = [], []
    flagged: list[tuple[str, list[Finding]]] = []
    medium: Counter[str] = Counter()
    codes: Counter[str] = Counter()
    for index, path in enumerate(files):
        if args.verbose:
            print(f"[{index}/{len(files)}] {path.name}", file=sys.stderr, flush=True)
        findings, cpu, wall = judge_file(path)
        cpu_times.append(cpu)
        wall_times.append(wall)
        codes.update(f"{f.code} {f.severity.label}" for f in findings)
        if any(f.severity == Severity.MEDIUM for f in findings):
            medium[path.name] += 1
        if alarms_of(findings):
            flagged.append((path.name, alarms_of(findings)))
    n = len(files)
    print(
        f"outwork in-process: {len(flagged)}/{n} tarballs flagged high or critical"
        f" = {100 * len(flagged) / max(n, 1):.2f}%; {len(medium)} with a medium finding"
    )
    print(times_line("CPU per tarball, reading included", cpu_times))
    print(times_line("wall per tarball, reading included", wall_times))
    print("findings by rule and severity: " + ", ".join(f"{k} {v}" for k, v in codes.most_common()))
    for name, alarms in flagged:
        for f in alarms[:8]:
            print(f"  {name}: {describe(f)}")
    if args.cli:
        elapsed, cli_flagged = outwork_cli([Path(args.dir)] if args.step == 1 else files)
        print(
            f"outwork CLI, one run over the folder: {len(cli_flagged)}/{n} tarballs flagged"
            f" high or critical, {elapsed:.1f} s wall ({1000 * elapsed / max(n, 1):.0f} ms per"
            " tarball)"
        )
        for name, messages in cli_flagged.items():
            for message in messages[:8]:
                print(f"  {name}: {message}")
        ours = {name for name, _ in flagged}
        if ours != set(cli_flagged):
            print(f"  in-process and CLI differ: {sorted(ours ^ set(cli_flagged))}")
    return 0


def side_by_side(args: argparse.Namespace) -> int:
    files = tarballs(Path(args.dir), args.step)
    if args.limit:
        files = files[: args.limit]
    rows = []
    for index, path in enumerate(files):
        findings, cpu, wall = judge_file(path)
        ours = alarms_of(findings)
        if index % 2:  # alternate which tool runs first
            their = guarddog(args.guarddog, path, "npm")
            cli, _ = outwork_cli([path])
        else:
            cli, _ = outwork_cli([path])
            their = guarddog(args.guarddog, path, "npm")
        rows.append((path.name, ours, cpu, wall, cli, *their))
        print(
            f"{path.name[:48]:48} outwork={bool(ours)!s:5} {1000 * wall:7.1f}ms"
            f" (CLI {cli:5.2f}s) guarddog={their[0]!s:5} {their[1]:6.2f}s {their[2]}"
            f" {' '.join(their[3])[:120]}",
            flush=True,
        )
    n = len(rows)
    mine = [r for r in rows if r[1]]
    theirs = [r for r in rows if r[5]]
    print(
        f"tarballs {n}: outwork flagged {len(mine)} ({100 * len(mine) / max(n, 1):.2f}%),"
        f" GuardDog flagged {len(theirs)} ({100 * len(theirs) / max(n, 1):.2f}%)"
    )
    gd_median = statistics.median(r[6] for r in rows)
    wall_median = statistics.median(r[3] for r in rows)
    cpu_median = statistics.median(r[2] for r in rows)
    cli_median = statistics.median(r[4] for r in rows)
    print(
        f"median per tarball: outwork in-process {1000 * wall_median:.1f} ms wall"
        f" ({1000 * cpu_median:.1f} ms CPU), outwork CLI {1000 * cli_median:.0f} ms,"
        f" GuardDog {1000 * gd_median:.0f} ms"
    )
    print(
        f"ratio GuardDog/outwork: in-process {gd_median / wall_median:.0f}x,"
        f" one command per package {gd_median / cli_median:.1f}x"
    )
    ratios = sorted(r[6] / r[3] for r in rows if r[3] > 0)
    print(f"per-tarball ratio GuardDog/outwork in-process: median {statistics.median(ratios):.0f}x")
    print(
        f"totals: outwork in-process {sum(r[3] for r in rows):.1f} s, outwork CLI"
        f" {sum(r[4] for r in rows):.1f} s, GuardDog {sum(r[6] for r in rows):.1f} s"
    )
    for name, ours, *_ in mine:
        for f in ours[:8]:
            print(f"  outwork {name}: {describe(f)}")
    for name, *_rest in theirs:
        print(f"  guarddog {name}: {_rest[6]} {' '.join(_rest[7])}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    f = sub.add_parser("fetch")
    f.add_argument("--n", type=int, default=300)
    f.add_argument("--ranking", default="", help="TSV of npm names with monthly downloads")
    f.add_argument("--threads", type=int, default=3)
    b = sub.add_parser("benign")
    b.add_argument("--cli", action="store_true")
    b.add_argument("--verbose", action="store_true")
    g = sub.add_parser("guarddog")
    g.add_argument("--guarddog", default=GUARDDOG)
    g.add_argument("--limit", type=int, default=0)
    for p in (f, b, g):
        p.add_argument("--dir", default=str(DEFAULT_DIR))
    for p in (b, g):
        p.add_argument("--step", type=int, default=1)
    args = parser.parse_args()
    if args.command == "fetch":
        return fetch(args)
    if args.command == "benign":
        return benign(args)
    return side_by_side(args)


if __name__ == "__main__":
    sys.exit(main())
