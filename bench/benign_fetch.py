"""Does the fetch path give the archive scans' verdict: ``outwork scan pypi:NAME==VERSION`` for a
sample of the projects of an archive set, default settings, every layer on.

    python bench/benign_fetch.py [--dir /work/bench-data/benign] [--sample 20] [--seed 12]
        [--src CHECKOUT | --python PY] [--gate GATE.json] [--json OUT.json] [--resume]

The versions are those of the set's archives (``name-1.2.3.tar.gz``), so the registry serves the
release the archive scans read; the fetch path reads up to its own limit of files per release
(the sdist, pure wheels, then platform wheels), which can be more than the set holds. Each
target is one command with an empty data folder (no advisory database, as on a fresh machine;
the advisory fetch may fail, which the scan reports once and goes on). ``--gate`` is
``bench/benign_gate.py``'s ``--json`` listing of the same set: each project's verdict is printed
beside it. Projects are scanned in the seeded random order and ``--json`` is rewritten after
each one, so a run stopped early for CPU is a random sample with its results kept; ``--resume``
keeps the projects ``--json`` already holds and goes on with the rest of the same seeded order
(the listing does not record which code scanned a project: resume only at the same commit).
Needs the network to PyPI; nothing else is kept after the run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GATE = ("high", "critical")
#: ``name-1.2.3.tar.gz``: the project and its version.
_ARCHIVE_RE = re.compile(r"^(?P<name>.+?)-(?P<version>\d[^-]*?)(\.tar\.gz|\.zip|\.tar\.bz2)$")


def normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def releases(folder: Path) -> dict[str, str]:
    """Project (normalised) -> version, from the set's sdists."""
    found: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        match = _ARCHIVE_RE.match(path.name)
        if path.is_file() and match:
            found.setdefault(normal(match.group("name")), match.group("version"))
    return found


def scan(python: str, src: Path | None, target: str) -> dict[str, Any] | str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OUTWORK_", "PYTHON"))}
    if src is not None:
        env["PYTHONPATH"] = str(src / "src")
    with tempfile.TemporaryDirectory(prefix="outwork-fetch-") as data_dir:
        env["OUTWORK_DATA_DIR"] = data_dir
        cmd = [python, "-m", "outwork", "scan", target, "-f", "json", "--no-cache", "-q"]
        cmd += ["--fail-on", "none", "--no-config"]
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode not in (0, 1):
        return f"exit {done.returncode}: {done.stderr.strip().splitlines()[-1:]}"
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--dir", type=Path, default=Path("/work/bench-data/benign"))
    parser.add_argument("--sample", type=int, default=20)
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--src", type=Path, help="checkout whose sources run the scan")
    parser.add_argument("--python", help="interpreter (with PYTHONPATH=SRC/src)")
    parser.add_argument("--gate", type=Path, help="benign_gate.py --json of the same set")
    parser.add_argument("--json", type=Path, help="write the per-project verdicts here")
    parser.add_argument("--resume", action="store_true", help="keep --json's projects")
    args = parser.parse_args()
    src = args.src.resolve() if args.src and args.python else None
    python = args.python or str((args.src or ROOT).resolve() / ".venv" / "bin" / "python")
    known = releases(args.dir)
    # in the seeded order, not sorted: a run stopped early (for CPU) is still a random sample
    sample = random.Random(args.seed).sample(sorted(known), min(args.sample, len(known)))
    gate: dict[str, Any] = json.loads(args.gate.read_text()) if args.gate else {}
    flagged_before = set(gate.get("flagged", {}))
    out: dict[str, Any] = {}
    if args.resume and args.json and args.json.exists():
        out = json.loads(args.json.read_text())
    differ = 0
    for name in sample:
        if name in out and "error" not in out[name]:
            continue
        target = f"pypi:{name}=={known[name]}"
        result = scan(python, src, target)
        if isinstance(result, str):
            print(f"{target}: scan failed: {result}", file=sys.stderr)
            out[name] = {"error": result}
            continue
        active = [f for f in result["findings"] if not f.get("suppressed")]
        high = [
            f"{f['severity']} {f['code']} {f['location']['path']}:{f['location'].get('line')}"
            f" {f['message'][:120]}"
            for f in active
            if f["severity"] in GATE
        ]
        archives = "flagged" if name in flagged_before else "clean"
        fetched = "flagged" if high else "clean"
        differ += bool(gate) and archives != fetched
        beside = f" (archive scan: {archives})" if gate else ""
        print(f"{target}: {fetched}{beside}, {len(active)} findings")
        for line in high[:6]:
            print(f"    {line}")
        out[name] = {"version": known[name], "fetched": fetched, "high": high}
        if gate:
            out[name]["archives"] = archives
        if args.json:  # after every project: a run stopped early keeps what it measured
            args.json.write_text(json.dumps(out, indent=1, sort_keys=True))
    flagged = sum(1 for v in out.values() if v.get("fetched") == "flagged")
    print(f"{len(sample)} projects fetched, {flagged} high or critical")
    if gate:
        print(f"verdicts that differ from the archive scans: {differ}")
    if args.json:
        args.json.write_text(json.dumps(out, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
