"""Rebuild (or check) the gathered real-workflow corpus from its SOURCES.md.

The corpus of real workflows used by ``bench/pipelines_zizmor.py`` lives outside the repository
(third-party data) in ``/work/bench-data/workflows/<owner>__<repo>/.github/workflows/...``; its
``SOURCES.md`` names the repository, path and commit of every file. This script downloads each
file from ``raw.githubusercontent.com`` at that commit (needs the internet), or with ``--check``
only verifies that every listed file is present and counts the corpus, offline.

Usage:

    python bench/pipelines_fetch.py [--root /work/bench-data/workflows] [--check]
"""

from __future__ import annotations

import argparse
import re
import sys
import urllib.request
from pathlib import Path

ROW_RE = re.compile(
    r"^\|\s*`(?P<folder>[^`]+)`\s*\|\s*(?P<repo>[\w.-]+/[\w.-]+)\s*\|\s*`(?P<path>[^`]+)`\s*\|"
    r"\s*`(?P<commit>[0-9a-f]{40})`\s*\|"
)
RAW = "https://raw.githubusercontent.com/{repo}/{commit}/{path}"
#: Largest file accepted from the network.
MAX_BYTES = 1024 * 1024


def entries(sources: Path) -> list[dict[str, str]]:
    rows = []
    for line in sources.read_text("utf-8").splitlines():
        match = ROW_RE.match(line)
        if match:
            rows.append(match.groupdict())
    return rows


def fetch(url: str) -> bytes:
    if not url.startswith("https://raw.githubusercontent.com/"):
        raise ValueError(f"refusing to fetch {url}")
    with urllib.request.urlopen(url, timeout=30) as response:
        data: bytes = response.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValueError(f"{url} is larger than {MAX_BYTES} bytes")
    return data


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=Path("/work/bench-data/workflows"))
    parser.add_argument("--check", action="store_true", help="verify presence only (offline)")
    args = parser.parse_args()
    sources = args.root / "SOURCES.md"
    if not sources.exists():
        print(f"{sources} is missing: nothing to fetch", file=sys.stderr)
        return 2
    rows = entries(sources)
    missing = 0
    for row in rows:
        target = args.root / row["folder"] / row["path"]
        if args.check:
            if not target.is_file():
                print(f"missing: {target}")
                missing += 1
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        url = RAW.format(**row)
        try:
            target.write_bytes(fetch(url))
        except (OSError, ValueError) as exc:
            print(f"failed: {url}: {exc}", file=sys.stderr)
            missing += 1
    repos = {row["repo"] for row in rows}
    print(f"{len(rows)} files from {len(repos)} repositories; {missing} missing or failed")
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
