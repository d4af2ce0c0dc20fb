"""Recall on the malicious PyPI corpus split by date: tuned on the oldest 80 %, held out the rest.

The corpus zip carries no upload dates (its own member dates are the day it was unpacked), so a
sample's date is the newest modification time among the members of the sample archive itself: the
tar headers of an sdist, the local headers of a wheel or zip, read as bytes (nothing extracted,
installed or run). Times before 1990 (reproducible-build zero dates, DOS epoch) or after the
corpus was assembled count as missing; samples without a usable date are listed apart and
belong to neither side. Samples are ordered by (date, name) and the newest 20 % of the dated ones
are the out-of-sample side.

Only in-sample misses may be listed (``--misses``): the held-out side prints its recall and
nothing else, so it cannot be tuned on by reading it.

    python bench/packages_split.py [--misses FILE] [--benign] [--dir DIR]
"""

from __future__ import annotations

import argparse
import io
import sys
import tarfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from packages_corpus import CORPUS, judge, judge_file, top

from outwork.core.rules import Severity

EARLIEST = datetime(1990, 1, 1, tzinfo=UTC).timestamp()
LATEST = datetime(2026, 11, 27, tzinfo=UTC).timestamp()
HELD_OUT = 0.2


def sample_date(data: bytes) -> float | None:
    """The newest plausible member time of a sample archive, whatever its name says it is."""
    times: list[float] = []
    try:
        if data[:4] == b"PK\x03\x04":
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                times = [datetime(*i.date_time, tzinfo=UTC).timestamp() for i in zf.infolist()]
        else:
            with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tf:
                times = [float(m.mtime) for m in tf.getmembers()]
    except (tarfile.TarError, zipfile.BadZipFile, OSError, EOFError, ValueError):
        return None
    plausible = [t for t in times if EARLIEST <= t <= LATEST]
    return max(plausible) if plausible else None


def split(zf: zipfile.ZipFile) -> tuple[list[str], list[str], list[str]]:
    """(in-sample, out-of-sample, undated) member names of the corpus zip."""
    dated: list[tuple[float, str]] = []
    undated: list[str] = []
    for name in zf.namelist():
        if name.endswith("/"):
            continue
        when = sample_date(zf.read(name, pwd=b"infected"))
        if when is None:
            undated.append(name)
        else:
            dated.append((when, name))
    dated.sort()
    cut = len(dated) - round(HELD_OUT * len(dated))
    return [n for _, n in dated[:cut]], [n for _, n in dated[cut:]], undated


def recall(zf: zipfile.ZipFile, names: list[str]) -> tuple[int, list[str]]:
    hits, misses = 0, []
    for name in names:
        findings, _ = judge(name.rsplit("/", 1)[-1], zf.read(name, pwd=b"infected"))
        best = top(findings)
        if best is not None and best.severity >= Severity.HIGH:
            hits += 1
        else:
            label = best.severity.label if best else "none"
            misses.append(f"{name}\t{label}\t{best.message if best else ''}")
    return hits, misses


def stamp(zf: zipfile.ZipFile, name: str) -> str:
    when = sample_date(zf.read(name, pwd=b"infected"))
    return datetime.fromtimestamp(when or 0, UTC).strftime("%Y-%m-%d")


def benign(folder: str) -> None:
    files = sorted(
        p
        for p in Path(folder).rglob("*")
        if p.is_file() and p.name.endswith((".whl", ".tar.gz", ".zip", ".tar.bz2", ".tgz"))
    )
    projects: dict[str, list[str]] = {}
    flagged = 0
    for path in files:
        findings, _, _ = judge_file(path)
        alarms = [f for f in findings if f.severity >= Severity.HIGH]
        if alarms:
            flagged += 1
            projects.setdefault(path.name, []).extend(
                f"{f.code} {f.severity.label} {f.location.path}:{f.location.line} {f.message}"
                for f in alarms[:3]
            )
    n = len(files)
    print(f"benign: {flagged}/{n} archives high or critical = {100 * flagged / max(n, 1):.2f}%")
    for name, lines in projects.items():
        for line in lines:
            print(f"  {name}: {line}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--misses", default="", help="write the in-sample misses here")
    parser.add_argument("--benign", action="store_true", help="also the benign false-alarm rate")
    parser.add_argument("--dir", default="/work/bench-data/benign")
    args = parser.parse_args()
    zf = zipfile.ZipFile(CORPUS / "pypi-malicious-dev.zip")
    tuned, held, undated = split(zf)
    print(
        f"split: {len(tuned)} in-sample ({stamp(zf, tuned[0])} .. {stamp(zf, tuned[-1])}),"
        f" {len(held)} out-of-sample ({stamp(zf, held[0])} .. {stamp(zf, held[-1])}),"
        f" {len(undated)} undated (neither side)"
    )
    for label, names in (("in-sample", tuned), ("out-of-sample", held), ("undated", undated)):
        hits, misses = recall(zf, names)
        n = max(len(names), 1)
        print(f"{label}: {hits}/{len(names)} high or critical = {100 * hits / n:.2f}% recall")
        if label == "in-sample" and args.misses:
            Path(args.misses).write_text("\n".join(misses) + "\n")
    if args.benign:
        benign(args.dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
