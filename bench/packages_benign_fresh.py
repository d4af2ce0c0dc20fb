"""False alarms on popular projects never used for tuning the packages layer.

The tuning sets are the 300 most-downloaded PyPI projects (``/work/bench-data/benign``) and the
300 npm packages of ``bench/packages_npm.py``. This bench takes the next ones by the download
ranks of the package lists under ``/work/.library/env/packages`` (``pypi.tsv``: the rank among
the 15,000 most-downloaded projects; ``npm.tsv``: downloads a month):

- PyPI: the projects ranked 801 to 1,300 (ranks 301 to 800 are held out for a later
  measurement and are never read here), the sdist and one wheel of the newest release each,
  fetched through the simple JSON API (no build backend runs), each file checked against its
  published sha256; projects without files are skipped and listed;
- npm: the 300 names that follow the 300 of ``packages_npm.py`` in the same ranking, fetched
  with npm's own client (``npm pack --ignore-scripts``, checked against ``dist.integrity``).

Nothing is installed, unpacked to disk or run. ``scan`` judges every archive in-process with the
packages layer (as ``packages_corpus.py`` does) and lists every project with a high or critical
finding, with the findings that made it count. A project counts once, whatever number of its
archives is flagged.

    python bench/packages_benign_fresh.py fetch-pypi [--dir /work/bench-data/benign-801-1300]
    python bench/packages_benign_fresh.py fetch-npm [--dir /work/bench-data/npm-301-600]
    python bench/packages_benign_fresh.py scan [--dir DIR ...] [--json OUT.json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import urllib.request
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from packages_corpus import judge_file
from packages_npm import describe, fetch_one, wanted_names
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import Version

from outwork.core.rules import Severity

PACKAGES = Path("/work/.library/env/packages")
PYPI_DIR = Path("/work/bench-data/benign-801-1300")
NPM_DIR = Path("/work/bench-data/npm-301-600")
SIMPLE = "https://pypi.org/simple/{}/"
#: Ranks 301-800 are held out: never fetched, scanned or read here.
HELD_OUT = range(301, 801)
_PROJECT_RE = re.compile(r"^(?P<name>.+?)-\d")


def pypi_ranked(first: int, last: int) -> list[str]:
    """Names of pypi.tsv whose download rank lies in ``first..last``, by rank."""
    if any(r in HELD_OUT for r in (first, last)) or first < HELD_OUT.start < last:
        sys.exit(f"ranks {HELD_OUT.start}-{HELD_OUT.stop - 1} are held out")
    ranked: list[tuple[int, str]] = []
    with (PACKAGES / "pypi.tsv").open(encoding="utf-8", errors="replace") as fh:
        next(fh, None)
        for line in fh:
            cols = line.rstrip("\n").split("\t")
            if len(cols) >= 4 and cols[3].isdigit() and first <= int(cols[3]) <= last:
                ranked.append((int(cols[3]), cols[0]))
    return [name for _, name in sorted(ranked)]


def _version(filename: str) -> Version | None:
    try:
        if filename.endswith(".whl"):
            return parse_wheel_filename(filename)[1]
        if filename.endswith((".tar.gz", ".zip")):
            return parse_sdist_filename(filename)[1]
    except (InvalidSdistFilename, InvalidWheelFilename, ValueError):
        return None
    return None


def _pick_wheel(wheels: list[dict[str, Any]]) -> dict[str, Any] | None:
    for prefer in ("py3-none-any", "py2.py3-none-any", "cp311-cp311-manylinux", "abi3-manylinux"):
        for f in wheels:
            name = str(f["filename"])
            if prefer in name and ("x86_64" in name or name.endswith("-any.whl")):
                return f
    return wheels[0] if wheels else None


def fetch_project(name: str, folder: Path) -> str:
    """Download the newest release's sdist and one wheel; what was missing, or ''."""
    request = urllib.request.Request(
        SIMPLE.format(canonicalize_name(name)),
        headers={"Accept": "application/vnd.pypi.simple.v1+json"},
    )
    with urllib.request.urlopen(request, timeout=60) as answer:
        files = [f for f in json.load(answer)["files"] if not f.get("yanked")]
    versions: dict[Version, list[dict[str, Any]]] = defaultdict(list)
    for f in files:
        version = _version(str(f["filename"]))
        if version is not None and not version.is_prerelease:
            versions[version].append(f)
    if not versions:
        return f"{name}: no release files"
    newest = versions[max(versions)]
    sdists = [f for f in newest if str(f["filename"]).endswith((".tar.gz", ".zip"))]
    picks = {
        "sdist": sdists[0] if sdists else None,
        "wheel": _pick_wheel([f for f in newest if str(f["filename"]).endswith(".whl")]),
    }
    notes = []
    for kind, f in picks.items():
        if f is None:
            notes.append(f"no {kind}")
            continue
        dest = folder / kind / str(f["filename"])
        if dest.exists():
            continue
        with urllib.request.urlopen(str(f["url"]), timeout=600) as answer:
            body = answer.read()
        if hashlib.sha256(body).hexdigest() != f["hashes"]["sha256"]:
            notes.append(f"{f['filename']}: sha256 mismatch")
            continue
        dest.write_bytes(body)
    return f"{name}: {', '.join(notes)}" if notes else ""


def fetch_pypi(args: argparse.Namespace) -> int:
    folder = Path(args.dir)
    for kind in ("sdist", "wheel"):
        (folder / kind).mkdir(parents=True, exist_ok=True)
    names = pypi_ranked(args.first, args.last)
    (folder / "names.txt").write_text("\n".join(names) + "\n")

    def task(name: str) -> str:
        try:
            return fetch_project(name, folder)
        except (OSError, ValueError, KeyError) as exc:
            return f"{name}: FAILED {exc}"

    with ThreadPoolExecutor(max_workers=args.threads) as pool:
        for index, note in enumerate(pool.map(task, names), start=1):
            if note:
                print(f"[{index}/{len(names)}] {note}", flush=True)
    print(f"DONE {len(names)} projects (ranks {args.first}-{args.last}) in {folder}")
    return 0


def fetch_npm(args: argparse.Namespace) -> int:
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    ranking = str(PACKAGES / "npm.tsv")
    tuned = set(wanted_names(args.skip, ranking))
    names = [n for n in wanted_names(args.skip + args.n, ranking) if n not in tuned]
    failed: dict[str, str] = {}
    rows: list[dict[str, object]] = []
    index_path = folder / "index.json"
    done = (
        {str(r["name"]): r for r in json.loads(index_path.read_text())["packages"]}
        if index_path.exists()
        else {}
    )

    def task(name: str) -> tuple[str, dict[str, object] | None, str]:
        if name in done and (folder / str(done[name]["file"])).exists():
            return name, done[name], ""
        try:
            return name, fetch_one(name, folder), ""
        except (RuntimeError, ValueError, OSError, KeyError) as exc:
            return name, None, str(exc)

    with ThreadPoolExecutor(max_workers=args.threads) as pool:
        for name, row, error in pool.map(task, names):
            if row is None:
                failed[name] = error
                print(f"{name}: FAILED {error}", flush=True)
            else:
                rows.append(row)
    index_path.write_text(
        json.dumps({"names": names, "packages": rows, "failed": failed}, indent=1) + "\n"
    )
    print(f"DONE {len(rows)}/{len(names)} tarballs in {folder}, {len(failed)} failed")
    return 0


def project_of(path: Path) -> str:
    if path.suffix == ".tgz":
        return f"npm:{path.stem.rsplit('-', 1)[0]}"
    match = _PROJECT_RE.match(path.name)
    return "pypi:" + canonicalize_name(match.group("name") if match else path.name)


def archives(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and p.name.endswith((".whl", ".tar.gz", ".zip", ".tgz"))
    )


def scan(args: argparse.Namespace) -> int:
    folders = [Path(d) for d in args.dir] or [PYPI_DIR, NPM_DIR]
    projects: set[str] = set()
    flagged: dict[str, list[str]] = defaultdict(list)
    codes: Counter[str] = Counter()
    count = 0
    for folder in folders:
        for path in archives(folder):
            count += 1
            project = project_of(path)
            projects.add(project)
            findings, _, _ = judge_file(path)
            codes.update(f"{f.code} {f.severity.label}" for f in findings)
            for f in findings:
                if f.severity >= Severity.HIGH:
                    flagged[project].append(f"{path.name}: {describe(f)}")
                    print(f"FLAGGED {project} {flagged[project][-1]}", file=sys.stderr, flush=True)
            if args.verbose:
                print(f"[{count}] {path.name}", file=sys.stderr, flush=True)
    by_registry = Counter(p.split(":", 1)[0] for p in projects)
    flagged_by = Counter(p.split(":", 1)[0] for p in flagged)
    print(f"{count} archives of {len(projects)} projects ({dict(by_registry)})")
    for registry, total in sorted(by_registry.items()):
        share = 100 * flagged_by[registry] / max(total, 1)
        print(
            f"  {registry}: {flagged_by[registry]}/{total} projects high or critical = {share:.2f}%"
        )
    share = 100 * len(flagged) / max(len(projects), 1)
    print(f"all: {len(flagged)}/{len(projects)} projects high or critical = {share:.2f}%")
    print("findings by rule and severity: " + ", ".join(f"{k} {v}" for k, v in codes.most_common()))
    for project, reasons in sorted(flagged.items()):
        print(project)
        for reason in reasons[:10]:
            print(f"    {reason}")
    if args.json:
        Path(args.json).write_text(json.dumps(flagged, indent=1, sort_keys=True) + "\n")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    sub = parser.add_subparsers(dest="command", required=True)
    pypi = sub.add_parser("fetch-pypi")
    pypi.add_argument("--dir", default=str(PYPI_DIR))
    pypi.add_argument("--first", type=int, default=801)
    pypi.add_argument("--last", type=int, default=1300)
    pypi.add_argument("--threads", type=int, default=4)
    npm = sub.add_parser("fetch-npm")
    npm.add_argument("--dir", default=str(NPM_DIR))
    npm.add_argument("--skip", type=int, default=300, help="names packages_npm.py already takes")
    npm.add_argument("--n", type=int, default=300)
    npm.add_argument("--threads", type=int, default=4)
    run = sub.add_parser("scan")
    run.add_argument("--dir", action="append", default=[])
    run.add_argument("--json")
    run.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    command = {"fetch-pypi": fetch_pypi, "fetch-npm": fetch_npm, "scan": scan}[args.command]
    return command(args)


if __name__ == "__main__":
    raise SystemExit(main())
