"""Open every archive of the malicious PyPI corpus in memory with outwork's bounded readers.

Measures robustness and speed of ``outwork.sources.archives.iter_archive`` on real hostile
uploads (sdists, wheels), and compares member counts with the standard library's ``tarfile`` and
``zipfile`` listings of the same bytes (the "peer": what pip and build tools read).

The samples are live malware: they are read as bytes from the encrypted corpus zip, in memory,
and never written to disk, imported or executed.

    .venv/bin/python bench/sources_corpus.py [--limit N] [--benign DIR]
"""

from __future__ import annotations

import argparse
import collections
import io
import statistics
import tarfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

from outwork.core.artifact import HEAD_BYTES, Artifact, Kind, classify, refine_zip
from outwork.core.budgets import Budgets
from outwork.core.findings import Finding, Skip
from outwork.sources.archives import iter_archive

SHARED = Path(__file__).resolve().parents[2] / "shared"
CORPUS = SHARED / "corpus" / "packages" / "pypi-malicious-dev.zip"


def stdlib_members(name: str, data: bytes) -> int | None:
    """Regular-file members as the standard library lists them (None when it cannot)."""
    try:
        if name.endswith((".whl", ".zip", ".egg")):
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                return sum(1 for i in zf.infolist() if not i.is_dir())
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tf:
            return sum(1 for m in tf.getmembers() if m.isfile())
    except Exception:  # the peer failing is a data point, not an error of the benchmark
        return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument(
        "--benign",
        type=Path,
        default=None,
        help="instead of the malicious corpus, every .whl/.tar.gz/.zip/.tgz under this folder "
        "(e.g. the packages of pypi-benign-dev.txt fetched with pip download); every core "
        "finding on them is listed, as a false-alarm candidate",
    )
    args = parser.parse_args()
    budgets = Budgets()
    codes: collections.Counter[str] = collections.Counter()
    times: list[float] = []
    peer_times: list[float] = []
    disagreements: list[str] = []
    members_total = 0
    skips = 0
    listed: list[str] = []
    for name, data in _samples(args.benign, args.limit):
        kind = classify(data[:HEAD_BYTES], name, len(data))
        if kind is Kind.ZIP:
            kind = refine_zip(data)
        artifact = Artifact(path=name, kind=kind, size=len(data), data=data, root=name)
        started = time.perf_counter()
        members = 0
        for item in iter_archive(artifact, budgets, depth=1, deadline=budgets.deadline()):
            if isinstance(item, Finding):
                codes[item.code] += 1
                listed.append(f"{item.code} {item.location.path}: {item.message}")
            elif isinstance(item, Skip):
                skips += 1
            elif MEMBER_SEP_COUNT(item.path) == 1:
                members += 1
        times.append(time.perf_counter() - started)
        members_total += members
        started = time.perf_counter()
        peer = stdlib_members(name, data)
        peer_times.append(time.perf_counter() - started)
        if peer is not None and peer != members:
            disagreements.append(f"{name}: outwork {members}, stdlib {peer}")
    total, peer_total = sum(times), sum(peer_times)
    print(f"archives: {len(times)}  members: {members_total}  skips: {skips}")
    print(f"findings by code: {dict(sorted(codes.items()))}")
    print(
        f"outwork: total {total:.2f} s, median {statistics.median(times) * 1000:.2f} ms, "
        f"max {max(times) * 1000:.1f} ms"
    )
    print(
        f"stdlib listing: total {peer_total:.2f} s, median "
        f"{statistics.median(peer_times) * 1000:.2f} ms; ratio outwork/stdlib "
        f"{total / peer_total:.2f}"
    )
    print(f"member-count disagreements with stdlib: {len(disagreements)}")
    for line in disagreements[:20]:
        print("  ", line)
    print("core findings:")
    for line in listed[:50]:
        print("  ", line)


def _samples(benign: Path | None, limit: int) -> Iterator[tuple[str, bytes]]:
    if benign is not None:
        suffixes = (".whl", ".tar.gz", ".zip", ".tgz", ".tar.bz2", ".egg")
        paths = sorted(p for p in benign.rglob("*") if p.name.endswith(suffixes))
        for path in paths[: limit or None]:
            yield str(path.relative_to(benign)), path.read_bytes()
        return
    with zipfile.ZipFile(CORPUS) as corpus:
        infos = [i for i in corpus.infolist() if not i.is_dir()]
        for info in infos[: limit or None]:
            yield info.filename, corpus.read(info, pwd=b"infected")


def MEMBER_SEP_COUNT(path: str) -> int:  # noqa: N802 - reads like a constant expression
    return path.count("!/")


if __name__ == "__main__":
    main()
