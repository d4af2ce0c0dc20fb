"""Metadata that names another project's repository (PKG030) on the benign and malicious sets.

Runs only the offline starjacking check (``outwork.analyzers.packages.repository``) over every
archive and lists every hit, so that false alarms on the most-downloaded projects and hits on the
malicious corpus can be read one by one. Samples of the malicious corpus are read as bytes in
memory (password ``infected``); nothing is extracted, installed or run.

    python bench/packages_repository.py benign [--dir /work/bench-data/benign]
    python bench/packages_repository.py malicious [--limit N]
    python bench/packages_repository.py installed DIR [DIR ...]   # site-packages, node_modules

``installed`` reads the ``METADATA`` of every ``*.dist-info`` and the ``package.json`` of every
``node_modules/[@scope/]name`` under the folders: a wider, less popular benign population than
the most-downloaded set (plugins, stubs, forks).
"""

from __future__ import annotations

import argparse
import collections
import json
import statistics
import sys
import time
import zipfile
from collections.abc import Iterator
from email.parser import HeaderParser
from pathlib import Path, PurePosixPath

from outwork.analyzers.packages import repository, typosquat
from outwork.analyzers.packages.package import read_archive
from outwork.analyzers.packages.signals import Signal

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "packages"
#: Seconds spent in the check itself (typosquat look-up included), per package.
TIMES: list[float] = []
SUFFIXES = (".whl", ".tar.gz", ".zip", ".tar.bz2", ".tgz", ".egg")


def identity(texts: dict[str, str]) -> tuple[str, str] | None:
    """(ecosystem, name) from the package's own metadata."""
    members = sorted(texts, key=lambda m: (m.count("/"), m))
    for member in members:
        if PurePosixPath(member).name.lower() in ("pkg-info", "metadata"):
            name = HeaderParser().parsestr(texts[member][:65536], headersonly=True).get("Name")
            if name:
                return "pypi", str(name).strip()
    for member in members:
        if PurePosixPath(member).name == "package.json":
            try:
                doc = json.loads(texts[member])
            except ValueError:
                return None
            if isinstance(doc, dict) and isinstance(doc.get("name"), str):
                return "npm", doc["name"]
    return None


def check(label: str, data: bytes) -> tuple[str, list[Signal]] | None:
    files = read_archive(data, label)
    if files is None:
        return None
    return _judge_texts(files.texts)


def _judge_texts(texts: dict[str, str]) -> tuple[str, list[Signal]] | None:
    found = identity(texts)
    if found is None:
        return None
    ecosystem, name = found
    started = time.perf_counter()
    squatting = typosquat.check(name, ecosystem) is not None
    found = repository.signals(ecosystem, name, texts, squatting)
    TIMES.append(time.perf_counter() - started)
    return name, found


def installed(folders: list[str]) -> Iterator[tuple[str, dict[str, str]]]:
    seen: set[str] = set()
    for folder in folders:
        for path in sorted(Path(folder).rglob("*")):
            parent = path.parent
            if path.name == "METADATA" and parent.name.endswith(".dist-info"):
                key = parent.name
            elif path.name == "package.json" and (
                parent.parent.name == "node_modules"
                or (
                    parent.parent.name.startswith("@")
                    and parent.parent.parent.name == "node_modules"
                )
            ):
                key = str(path.relative_to(path.parents[2]))
            else:
                continue
            if key in seen or not path.is_file():
                continue
            seen.add(key)
            yield str(path), {path.name: path.read_text("utf-8", "replace")}


def samples(args: argparse.Namespace) -> Iterator[tuple[str, bytes]]:
    if args.set == "benign":
        for path in sorted(Path(args.dir).rglob("*")):
            if path.is_file() and path.name.endswith(SUFFIXES):
                yield path.name, path.read_bytes()
        return
    zf = zipfile.ZipFile(CORPUS / "pypi-malicious-dev.zip")
    names = [n for n in zf.namelist() if not n.endswith("/")]
    for name in names[: args.limit or None]:
        yield name, zf.read(name, pwd=b"infected")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="set", required=True)
    b = sub.add_parser("benign")
    b.add_argument("--dir", default="/work/bench-data/benign")
    m = sub.add_parser("malicious")
    m.add_argument("--limit", type=int, default=0)
    i = sub.add_parser("installed")
    i.add_argument("dirs", nargs="+")
    args = parser.parse_args()
    total, read, by_severity = 0, 0, collections.Counter[str]()
    hits: list[str] = []
    items = (
        ((label, _judge_texts(texts)) for label, texts in installed(args.dirs))
        if args.set == "installed"
        else ((label, check(PurePosixPath(label).name, data)) for label, data in samples(args))
    )
    for label, outcome in items:
        total += 1
        if outcome is None:
            continue
        read += 1
        name, found = outcome
        for signal in found:
            by_severity[signal.severity.label] += 1
            level = signal.severity.label
            hits.append(f"  {level:6} {label} ({name}): {signal.message} | {signal.evidence}")
    counts = ", ".join(f"{k} {v}" for k, v in sorted(by_severity.items())) or "none"
    print(f"{args.set}: {total} packages, {read} with package metadata; PKG030 hits: {counts}")
    if TIMES:
        print(
            f"check time per package: median {1e6 * statistics.median(TIMES):.0f} us,"
            f" max {1e3 * max(TIMES):.1f} ms (archive reading excluded)"
        )
    print("\n".join(hits))
    return 0


if __name__ == "__main__":
    sys.exit(main())
