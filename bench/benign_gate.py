"""How many ordinary projects fail a ``--fail-on high`` gate: the first-contact measurement.

Scans the sdists and wheels of a set of popular projects with default settings and every
layer on, ``--offline`` (no advisory database, as on a fresh machine without network:
``OUTWORK_DATA_DIR`` is an empty folder; before issue 12 scans never fetched advisory data, so
the flag changes nothing for older checkouts), one command per archive folder, and groups the
active findings by project (the archive name up to its version). A project counts when any of
its archives has a high or critical finding; each is listed with the findings that made it count.

    python bench/benign_gate.py [--dir /work/bench-data/benign] [--src CHECKOUT | --python PY]
        [--json OUT.json]

The CLI of CHECKOUT is ``CHECKOUT/.venv/bin/python -m outwork`` (or ``--python PY`` with
``PYTHONPATH=CHECKOUT/src``). The archives are read where they are; nothing is copied.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GATE = ("high", "critical")
#: ``name-1.2.3.tar.gz`` / ``name-1.2.3-py3-none-any.whl``: the project is what precedes the
#: first dash that starts a version.
_PROJECT_RE = re.compile(r"^(?P<name>.+?)-\d")


def project_of(path: str, root: str) -> str:
    member = path.removeprefix(root).lstrip("/").split("!/", 1)[0]
    name = member.rsplit("/", 1)[-1]
    match = _PROJECT_RE.match(name)
    return re.sub(r"[-_.]+", "-", (match.group("name") if match else name)).lower()


def scan(python: str, src: Path | None, folder: Path, data_dir: Path) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OUTWORK_", "PYTHON"))}
    if src is not None:
        env["PYTHONPATH"] = str(src / "src")
    env["OUTWORK_DATA_DIR"] = str(data_dir)
    cmd = [python, "-m", "outwork", "scan", str(folder), "-f", "json", "--no-cache", "-q"]
    cmd += ["--fail-on", "none", "--no-config", "--offline"]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode not in (0, 1):
        sys.exit(f"scan of {folder} failed ({done.returncode}): {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--dir", type=Path, default=Path("/work/bench-data/benign"))
    parser.add_argument("--src", type=Path, help="checkout whose .venv runs the scan")
    parser.add_argument("--python", help="interpreter (with PYTHONPATH=CHECKOUT/src)")
    parser.add_argument("--json", type=Path, help="write the per-project listing here")
    args = parser.parse_args()
    src = args.src.resolve() if args.src else None
    python = args.python or str((src or ROOT) / ".venv" / "bin" / "python")
    if args.python is None:
        src = None  # the checkout's own editable install
    folders = [d for d in sorted(args.dir.iterdir()) if d.is_dir()] or [args.dir]
    projects: set[str] = set()
    flagged: dict[str, list[str]] = defaultdict(list)
    medium: dict[str, list[str]] = defaultdict(list)
    archives = 0
    with tempfile.TemporaryDirectory(prefix="outwork-benign-") as data_dir:
        for folder in folders:
            names = [p.name for p in folder.iterdir() if p.is_file()]
            archives += len(names)
            projects.update(project_of(n, "") for n in names)
            result = scan(python, src, folder, Path(data_dir))
            for item in result["findings"]:
                if item.get("suppressed"):
                    continue
                where = item["location"]["path"]
                line = (
                    f"{item['severity']} {item['code']} {where.removeprefix(str(folder) + '/')}:"
                    f" {item['message'][:140]}"
                )
                target = flagged if item["severity"] in GATE else medium
                if item["severity"] in GATE or item["severity"] == "medium":
                    target[project_of(where, str(folder))].append(line)
    print(f"{archives} archives, {len(projects)} projects")
    print(
        f"projects with high or critical findings: {len(flagged)}"
        f" ({100 * len(flagged) / max(len(projects), 1):.1f}%)"
    )
    for name in sorted(flagged):
        print(f"  {name}")
        for line in flagged[name][:8]:
            print(f"    {line}")
        if len(flagged[name]) > 8:
            print(f"    ... {len(flagged[name]) - 8} more")
    print(f"projects with medium findings (and none higher): {len(set(medium) - set(flagged))}")
    if args.json:
        listing = {"flagged": flagged, "medium": medium, "projects": len(projects)}
        args.json.write_text(json.dumps(listing, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
