"""Speed of the secrets layer: a repository's whole history, and its working tree side by side
with detect-secrets on the same files.

    python bench/secrets_speed.py /work/main \\
        --detect-secrets /work/peers/detect-secrets/bin/detect-secrets

History: ``outwork scan REPO --include-git --select SEC`` (every commit's changes and dangling
blobs, read with dulwich); the MB/s is the bytes of every blob in the object store over the
wall time. Working tree: the files ``git ls-files`` would list are copied to a scratch folder
(no .git) and both tools scan that folder; each is run ``--rounds`` times, the median kept.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dulwich.objects import Blob
from dulwich.repo import Repo

from outwork.engine.pipeline import ScanOptions, scan


def blob_bytes(repo_path: Path) -> tuple[int, int, int]:
    """(blobs, bytes of blobs, commits) in the object store."""
    blobs = size = commits = 0
    with Repo(str(repo_path)) as repo:
        store = repo.object_store
        for sha in store:
            kind, data = store.get_raw(sha)
            if kind == Blob.type_num:
                blobs += 1
                size += len(data)
            elif kind == 1:
                commits += 1
    return blobs, size, commits


def timed(fn: object, rounds: int) -> tuple[float, object]:
    times = []
    out = None
    for _ in range(rounds):
        started = time.perf_counter()
        out = fn()  # type: ignore[operator]
        times.append(time.perf_counter() - started)
    return statistics.median(times), out


def tracked_copy(repo_path: Path, into: Path) -> int:
    with Repo(str(repo_path)) as repo:
        index = repo.open_index()
        paths = [p.decode() for p in index.paths()]
    total = 0
    for rel in paths:
        source = repo_path / rel
        if source.is_file() and not source.is_symlink():
            target = into / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            total += source.stat().st_size
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("repo", type=Path)
    parser.add_argument("--detect-secrets", required=True)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    blobs, size, commits = blob_bytes(args.repo)
    print(f"{args.repo}: {commits} commits, {blobs} blobs, {size / 1e6:.1f} MB of blobs")

    def history() -> object:
        return scan(
            [str(args.repo)],
            ScanOptions(
                jobs=1,
                cache_dir=None,
                select=("SEC",),
                include_git=True,
                analyzers=("secrets-history",),
            ),
        )

    seconds, result = timed(history, args.rounds)
    found = [
        f
        for f in result.findings
        if f.properties.get("git_commit")  # type: ignore[attr-defined]
        or f.properties.get("dangling")
    ]
    print(
        f"history: {seconds:.2f} s median of {args.rounds}, {size / 1e6 / seconds:.2f} MB/s, "
        f"{len(found)} findings"
    )
    with tempfile.TemporaryDirectory(prefix="outwork-secrets-speed-") as tmp:
        tree = Path(tmp)
        tree_bytes = tracked_copy(args.repo, tree)

        def ours() -> object:
            return scan([str(tree)], ScanOptions(jobs=1, cache_dir=None, select=("SEC",)))

        def theirs() -> object:
            out = subprocess.run(
                [args.detect_secrets, "scan", "--all-files", "."],
                cwd=tree,
                capture_output=True,
                text=True,
                check=True,
            )
            return json.loads(out.stdout)

        ours_s, ours_result = timed(ours, args.rounds)
        theirs_s, theirs_result = timed(theirs, args.rounds)
        ours_n = len(ours_result.findings)  # type: ignore[attr-defined]
        theirs_n = sum(len(v) for v in theirs_result["results"].values())  # type: ignore[index]
        print(f"working tree: {tree_bytes / 1e6:.1f} MB")
        print(f"| tool | seconds (median of {args.rounds}) | MB/s | findings |")
        print("| --- | --- | --- | --- |")
        print(
            f"| outwork --select SEC (jobs=1) | {ours_s:.2f} | {tree_bytes / 1e6 / ours_s:.2f} |"
            f" {ours_n} |"
        )
        print(
            f"| detect-secrets 1.5.0 | {theirs_s:.2f} | {tree_bytes / 1e6 / theirs_s:.2f} |"
            f" {theirs_n} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
