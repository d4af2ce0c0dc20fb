"""Typosquatting (PKG010) by name alone, with the popular lists of two commits side by side.

    python bench/packages_typosquat.py [--old REF] [--new REF]

For each list (``data/top-pypi.txt`` and ``data/top-npm.txt`` as committed at REF, or the
working tree when REF is ``.``) counts the names that :func:`typosquat.check` reports:

- benign: the projects of the top-300 benign set (``/work/bench-data/benign``) and of the
  fresh sets of ``packages_benign_fresh.py`` (when downloaded), and the PyPI projects ranked
  5,001-15,000 and npm packages ranked 5,001-15,000 by downloads (real, popular projects that
  no list holds: what a larger list adds in false alarms falls on them);
- malicious: the names of the malicious corpus's samples (``pypi-malicious-dev.zip``), read
  from the zip's listing only.

Nothing is downloaded; only names are compared.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from unittest import mock

from outwork.analyzers.packages import typosquat

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = Path("/work/.library/env/packages")
CORPUS = Path("/work/shared/corpus/packages")
DATA_PATH = "src/outwork/analyzers/packages/data"
_PROJECT = re.compile(r"^(?P<name>.+?)-\d")


def list_at(ref: str, registry: str) -> tuple[str, ...]:
    if ref == ".":
        text = (ROOT / DATA_PATH / f"top-{registry}.txt").read_text()
    else:
        text = subprocess.run(
            ["git", "-C", str(ROOT), "show", f"{ref}:{DATA_PATH}/top-{registry}.txt"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    return tuple(
        dict.fromkeys(
            line.strip().lower() for line in text.splitlines() if line.strip() and line[0] != "#"
        )
    )


def archive_names(folder: Path) -> list[str]:
    if not folder.is_dir():
        return []
    names = set()
    for path in folder.rglob("*"):
        if path.is_file() and path.name.endswith((".whl", ".tar.gz", ".zip", ".tgz")):
            match = _PROJECT.match(path.name)
            names.add(match.group("name") if match else path.name)
    return sorted(names)


def ranked_tsv(path: Path, column: str, descending: bool) -> list[str]:
    with path.open(encoding="utf-8", errors="replace") as fh:
        header = fh.readline().rstrip("\n").split("\t")
        col = header.index(column)
        rows = [line.rstrip("\n").split("\t") for line in fh]
    ranked = sorted(
        (-int(r[col]) if descending else int(r[col]), r[0])
        for r in rows
        if len(r) > col and r[col].isdigit()
    )
    return [name for _, name in ranked]


def malicious_names() -> list[str]:
    with zipfile.ZipFile(CORPUS / "pypi-malicious-dev.zip") as zf:
        names = {
            (m.group("name") if (m := _PROJECT.match(n.rsplit("/", 1)[-1])) else n)
            for n in zf.namelist()
            if not n.endswith("/")
        }
    return sorted(names)


def count(
    lists: dict[str, tuple[str, ...]], names: Iterable[str], registry: str
) -> tuple[int, list[str]]:
    ranked: Callable[[str], tuple[str, ...]] = lambda r: lists[r]  # noqa: E731
    popular = {r: frozenset(v) for r, v in lists.items()}
    with (
        mock.patch.object(typosquat, "top_ranked", ranked),
        mock.patch.object(typosquat, "top_names", lambda r: popular[r]),
    ):
        typosquat._near.cache_clear()  # computed from the patched ranking
        hits = []
        for name in names:
            squat = typosquat.check(name, registry)
            if squat is not None:
                hits.append(f"{name} ~ {squat.target} ({squat.how})")
    typosquat._near.cache_clear()
    return len(hits), hits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--old", default="HEAD")
    parser.add_argument("--new", default=".")
    parser.add_argument("--show", type=int, default=0, help="list this many hits of each set")
    args = parser.parse_args()
    pypi = ranked_tsv(PACKAGES / "pypi.tsv", "rank_among_15000_most_downloaded", False)
    npm = ranked_tsv(PACKAGES / "npm.tsv", "downloads_a_month", True)
    sets = {
        "pypi top-300 benign set": ("pypi", archive_names(Path("/work/bench-data/benign"))),
        "pypi 801-1300 fresh set": (
            "pypi",
            archive_names(Path("/work/bench-data/benign-801-1300")),
        ),
        "npm fresh set": ("npm", archive_names(Path("/work/bench-data/npm-301-600"))),
        "pypi ranked 5001-15000": ("pypi", pypi[5000:15000]),
        "npm ranked 5001-15000": ("npm", npm[5000:15000]),
        "malicious corpus names": ("pypi", malicious_names()),
    }
    refs = {"old": args.old, "new": args.new}
    lists = {k: {r: list_at(ref, r) for r in ("pypi", "npm")} for k, ref in refs.items()}
    for key, ref in refs.items():
        sizes = ", ".join(f"{r} {len(v)}" for r, v in lists[key].items())
        print(f"{key} = {ref}: {sizes} names")
    print("| names | count | PKG010, old lists | PKG010, new lists |")
    print("| --- | --- | --- | --- |")
    shown = []
    for label, (registry, names) in sets.items():
        old, _ = count(lists["old"], names, registry)
        new, hits = count(lists["new"], names, registry)
        print(f"| {label} | {len(names)} | {old} | {new} |")
        shown += [f"  {label}: {h}" for h in hits[: args.show]]
    print("\n".join(shown), file=sys.stderr)


if __name__ == "__main__":
    main()
