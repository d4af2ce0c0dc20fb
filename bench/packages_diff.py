"""``outwork diff`` on real consecutive releases of popular projects, and on the malicious twins.

    .venv/bin/python bench/packages_diff.py fetch [--set dev|fresh]  # into /work/bench-data/diff
    .venv/bin/python bench/packages_diff.py run [--set dev|fresh] [--json FILE]

``fetch`` picks 30 PyPI projects (every tenth of the download ranks 1-300 of the tool library's
rank list, ``/work/.library/env/packages/pypi.tsv``, for ``dev``; 1301-1600 for ``fresh``; ranks
301-800 are held out and never taken) and 20 npm packages (every tenth of the 200 most
downloaded of ``npm.tsv``; the next 200 for ``fresh``), asks each
registry for the project's versions through its ordinary client (``pip index versions``, ``npm
view``), and downloads the two newest final releases: the wheels with ``pip download --no-deps
--only-binary :all:`` (``pypi/``), the sdists through outwork's registry source
(``pypi-sdist/``; ``pip download`` of an sdist would run its build code to read its metadata),
and ``npm pack --ignore-scripts``.

``run`` compares every pair in this process (``diff_paths``, the library call behind ``outwork
diff``) and reports each pair's findings at high or above with their reasons (false alarms: the
releases are the projects' own), and the CPU and wall time per pair (the median and the worst).
Then it compares the malicious twins and the benign bump of ``tests/analyzers/packages/
release_pairs.py`` (the rule fixtures' cases): every twin must reach high (a new executable
alone is medium by the rule's table), the benign bump must not.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from outwork.analyzers.packages.diff import diff_paths  # noqa: E402
from outwork.core.errors import TargetError  # noqa: E402
from outwork.core.rules import Severity  # noqa: E402
from outwork.sources import RegistryOptions  # noqa: E402
from outwork.sources.registries import download_release_file, release_files  # noqa: E402
from tests.analyzers.packages import release_pairs as pairs  # noqa: E402

DATA = Path("/work/bench-data/diff")
PACKAGES = Path("/work/.library/env/packages")
HELD_OUT = range(301, 801)
REGISTRIES = ("pypi", "pypi-sdist", "npm")
FINAL = re.compile(r"^\d+(\.\d+)*$")


#: Ranks picked: ``dev`` was looked at while the diff was built (in-sample); ``fresh`` was
#: fetched and measured once, after the code was frozen (out-of-sample).
SETS = {
    "dev": (range(1, 301, 10), range(0, 200, 10)),
    "fresh": (range(1301, 1601, 10), range(200, 400, 10)),
}


def pypi_projects(count: int, ranks: range) -> list[str]:
    ranked: dict[int, str] = {}
    for line in (PACKAGES / "pypi.tsv").read_text("utf-8").splitlines()[1:]:
        cells = line.split("\t")
        if len(cells) > 3 and cells[3].isdigit():
            ranked[int(cells[3])] = cells[0]
    assert not any(r in HELD_OUT for r in ranks)
    return [ranked[r] for r in ranks if r in ranked][:count]


def npm_projects(count: int, ranks: range) -> list[str]:
    rows = []
    for line in (PACKAGES / "npm.tsv").read_text("utf-8").splitlines()[1:]:
        cells = line.split("\t")
        if len(cells) > 2 and cells[2].isdigit():
            rows.append((int(cells[2]), cells[0]))
    top = [name for _, name in sorted(rows, reverse=True)]
    return [top[r] for r in ranks if r < len(top)][:count]


def _run(argv: list[str]) -> str:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600, check=False)
    return done.stdout if done.returncode == 0 else ""


def _pypi_versions(name: str) -> list[str]:
    out = _run([sys.executable, "-m", "pip", "index", "versions", name])
    match = re.search(r"Available versions:\s*(.+)", out)
    listed = [v.strip() for v in match.group(1).split(",")] if match else []
    return [v for v in listed if FINAL.match(v)][:2]


def _pip_download(name: str, version: str, folder: Path, form: str) -> Path | None:
    folder.mkdir(parents=True, exist_ok=True)
    before = set(folder.iterdir())
    flag = "--only-binary" if form == "wheel" else "--no-binary"
    _run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", flag, ":all:",
         f"{name}=={version}", "-d", str(folder)]
    )  # fmt: skip
    new = sorted(set(folder.iterdir()) - before)
    return new[0] if new else None


def _sdist_download(name: str, version: str, folder: Path, _form: str) -> Path | None:
    """An sdist through outwork's own registry source (JSON API, digest checked): ``pip
    download`` of an sdist prepares its metadata, which runs the project's build code."""
    options = RegistryOptions()
    try:
        _, files = release_files(f"pypi:{name}=={version}", options)
    except TargetError:
        return None
    sdists = [f for f in files if f.filename.endswith((".tar.gz", ".zip"))]
    if not sdists:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    return download_release_file(sdists[0], folder, options)


def fetch_pypi(name: str, data: Path) -> None:
    """The two newest final releases, as wheels (``pypi/NAME``) and as sdists
    (``pypi-sdist/NAME``: their setup.py and build files are what runs at install)."""
    versions: list[str] | None = None
    for form, base in (("wheel", "pypi"), ("sdist", "pypi-sdist")):
        target = data / base / name
        if target.exists() and len(list(target.glob("*/*"))) == 2:
            continue
        versions = versions if versions is not None else _pypi_versions(name)
        if len(versions) < 2:
            print(f"pypi {name}: fewer than two final releases", file=sys.stderr)
            return
        new, old = versions
        fetcher = _pip_download if form == "wheel" else _sdist_download
        got = [fetcher(name, v, target / side, form) for v, side in ((old, "old"), (new, "new"))]
        if all(got):
            print(f"pypi {name}: {old} -> {new} ({form})", file=sys.stderr)
            continue
        for path in got:
            if path is not None:
                path.unlink()
        print(f"pypi {name}: no {form} for both releases", file=sys.stderr)


def fetch_npm(name: str, data: Path) -> None:
    target = data / "npm" / name.replace("/", "+")
    if target.exists() and len(list(target.glob("*/*"))) == 2:
        return
    listed = json.loads(_run(["npm", "view", name, "versions", "--json"]) or "[]")
    finals = [v for v in listed if FINAL.match(v)] if isinstance(listed, list) else []
    if len(finals) < 2:
        print(f"npm {name}: fewer than two final releases", file=sys.stderr)
        return
    old, new = finals[-2], finals[-1]
    for version, side in ((old, "old"), (new, "new")):
        folder = target / side
        folder.mkdir(parents=True, exist_ok=True)
        spec = f"{name}@{version}"
        _run(["npm", "pack", "--ignore-scripts", spec, "--pack-destination", str(folder)])
    print(f"npm {name}: {old} -> {new}", file=sys.stderr)


def fetch(count_pypi: int, count_npm: int, name: str) -> None:
    pypi_ranks, npm_ranks = SETS[name]
    for project in pypi_projects(count_pypi, pypi_ranks):
        fetch_pypi(project, DATA / name)
    for project in npm_projects(count_npm, npm_ranks):
        fetch_npm(project, DATA / name)


def _pair(folder: Path) -> tuple[Path, Path] | None:
    old = sorted((folder / "old").glob("*")) if (folder / "old").is_dir() else []
    new = sorted((folder / "new").glob("*")) if (folder / "new").is_dir() else []
    return (old[0], new[0]) if len(old) == 1 and len(new) == 1 else None


def _alarms(result_findings: list[object]) -> list[dict[str, object]]:
    out = []
    for f in result_findings:
        severity = getattr(f, "severity")  # noqa: B009 - findings of the one model
        if severity >= Severity.HIGH:
            out.append(
                {
                    "code": getattr(f, "code"),  # noqa: B009
                    "severity": severity.label,
                    "where": str(getattr(f, "location")).rsplit("!/", 1)[-1],  # noqa: B009
                    "message": getattr(f, "message"),  # noqa: B009
                }
            )
    return out


def run_real(data: Path) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for registry in REGISTRIES:
        for folder in sorted((data / registry).glob("*")):
            pair = _pair(folder)
            if pair is None:
                continue
            wall, cpu = time.perf_counter(), time.process_time()
            result = diff_paths(*pair)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            counts: dict[str, int] = {}
            for f in result.findings:
                key = f"{f.code}/{f.severity.label}"
                counts[key] = counts.get(key, 0) + 1
            rows.append(
                {
                    "registry": registry,
                    "old": pair[0].name,
                    "new": pair[1].name,
                    "cpu": round(cpu, 3),
                    "wall": round(wall, 3),
                    "findings": counts,
                    "alarms": _alarms(list(result.findings)),
                    "skipped": [s.reason for s in result.skipped],
                }
            )
            print(
                f"{registry:10} {pair[1].name:50} cpu {cpu:6.2f}s"
                f"  {len(result.findings):3} findings  {len(rows[-1]['alarms'])} high+",  # type: ignore[arg-type]
                file=sys.stderr,
            )
    return rows


TWINS = {
    "benign bump": (pairs.benign_bump, False),
    "post-install command class": (pairs.post_install_hook, True),
    "obfuscated module imported from __init__": (pairs.obfuscated_module, True),
    "network call now made at import": (pairs.network_now_at_import, True),
    "destination swapped (popular package)": (pairs.popular_swapped, True),
    "wallet addresses swapped": (pairs.wallet_swapped, True),
    "npm wallet address swapped": (pairs.npm_wallet_swapped, True),
    "webhook and raw address added": (pairs.new_destinations, True),
    ".pth added": (pairs.pth_added, True),
    "npm preinstall added": (pairs.npm_preinstall, True),
    "ELF member added": (pairs.elf_added, False),
}


def run_twins() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, (make, malicious) in TWINS.items():
            case = pairs.write_case(Path(tmp), re.sub(r"\W+", "-", label), make())
            result = diff_paths(case / "old", case / "new")
            worst = max((f.severity for f in result.findings), default=None)
            codes = sorted({f"{f.code}/{f.severity.label}" for f in result.findings})
            caught = worst is not None and worst >= Severity.HIGH
            rows.append(
                {
                    "case": label,
                    "malicious": malicious,
                    "worst": worst.label if worst else "none",
                    "codes": codes,
                    "as expected": caught == malicious,
                }
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    got = sub.add_parser("fetch")
    got.add_argument("--pypi", type=int, default=30)
    got.add_argument("--npm", type=int, default=20)
    got.add_argument("--set", choices=tuple(SETS), default="dev")
    ran = sub.add_parser("run")
    ran.add_argument("--json", type=Path)
    ran.add_argument("--set", choices=tuple(SETS), default="dev")
    args = parser.parse_args()
    if args.command == "fetch":
        fetch(args.pypi, args.npm, args.set)
        return
    real = run_real(DATA / args.set)
    twins = run_twins()
    for registry in REGISTRIES:
        mine = [r for r in real if r["registry"] == registry]
        if not mine:
            continue
        cpus = [float(r["cpu"]) for r in mine]  # type: ignore[arg-type]
        walls = [float(r["wall"]) for r in mine]  # type: ignore[arg-type]
        alarmed = [r for r in mine if r["alarms"]]
        print(
            f"{registry}: {len(mine)} pairs, {len(alarmed)} with a finding at high or above;"
            f" CPU per pair median {statistics.median(cpus):.2f}s, max {max(cpus):.2f}s;"
            f" wall median {statistics.median(walls):.2f}s"
        )
        for row in alarmed:
            for alarm in row["alarms"]:  # type: ignore[attr-defined]
                code = f"{alarm['code']}/{alarm['severity']}"
                print(f"  {row['new']}: {code} {alarm['where']}: {alarm['message']}")
    for row in twins:
        verdict = "ok" if row["as expected"] else "WRONG"
        print(f"twin {row['case']}: worst {row['worst']} {row['codes']} {verdict}")
    if args.json:
        args.json.write_text(json.dumps({"real": real, "twins": twins}, indent=1))


if __name__ == "__main__":
    main()
