"""Metadata that names another project's repository (PKG030) on the benign and malicious sets.

Runs only the offline starjacking check (``outwork.analyzers.packages.repository``) over every
archive and lists every hit, so that false alarms on the most-downloaded projects and hits on the
malicious corpus can be read one by one. Samples of the malicious corpus are read as bytes in
memory (password ``infected``); nothing is extracted, installed or run.

    python bench/packages_repository.py benign [--dir /work/bench-data/benign]
    python bench/packages_repository.py malicious [--limit N]
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import zipfile
from collections.abc import Iterator
from email.parser import HeaderParser
from pathlib import Path, PurePosixPath

from outwork.analyzers.packages import repository, typosquat
from outwork.analyzers.packages.package import read_archive
from outwork.analyzers.packages.signals import Signal

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "packages"
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
    found = identity(files.texts)
    if found is None:
        return None
    ecosystem, name = found
    squatting = typosquat.check(name, ecosystem) is not None
    return name, repository.signals(ecosystem, name, files.texts, squatting)


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
    args = parser.parse_args()
    total, read, by_severity = 0, 0, collections.Counter[str]()
    hits: list[str] = []
    for label, data in samples(args):
        total += 1
        outcome = check(PurePosixPath(label).name, data)
        if outcome is None:
            continue
        read += 1
        name, found = outcome
        for signal in found:
            by_severity[signal.severity.label] += 1
            level = signal.severity.label
            hits.append(f"  {level:6} {label} ({name}): {signal.message} | {signal.evidence}")
    counts = ", ".join(f"{k} {v}" for k, v in sorted(by_severity.items())) or "none"
    print(f"{args.set}: {total} archives, {read} with package metadata; PKG030 hits: {counts}")
    print("\n".join(hits))
    return 0


if __name__ == "__main__":
    sys.exit(main())
