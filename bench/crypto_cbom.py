"""A CBOM for real packages: outwork's CRY layer and cbom-scan on the same sdists, in one run.

The sdists are read from the benign download folder of ``packages_corpus.py``
(``/work/bench-data/benign/sdist``, ``--benign``) when it holds them, else downloaded from PyPI
with pip into a cache outside the repository (``~/.cache/outwork-bench/crypto``, ``--cache``;
pip prepares an sdist's metadata, which runs its build backend: prefer the benign folder).
They are never committed. outwork scans the archive itself; cbom-scan needs a folder, so the
sdist is unpacked into the cache (read as data, never installed or run).

    python bench/crypto_cbom.py [--package paramiko==5.1.0 ...] [--runs 3]
           [--cbom-scan /work/peers/cbom-scan/venv/bin/cbom-scan]

Prints, per package: the wall time (median of the runs), crypto components by asset type and by
status, occurrences, and findings by severity; and cbom-scan's components and occurrences.
"""

from __future__ import annotations

import argparse
import collections
import json
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

DEFAULT_PACKAGES = ("paramiko==5.1.0", "cryptography==50.0.2")


def download(spec: str, cache: Path, benign: Path) -> Path:
    name = spec.split("==")[0].replace("-", "_").lower()
    version = spec.split("==")[1]
    for candidate in [*benign.glob("*.tar.gz"), *cache.glob("*.tar.gz")]:
        stem = candidate.name.lower().replace("-", "_")
        if stem.startswith(f"{name}_{version}.tar"):
            return candidate
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--no-binary",
            ":all:",
            "--no-build-isolation",
            "-q",
            "-d",
            str(cache),
            spec,
        ],
        check=True,
    )
    return download(spec, cache, benign)


def unpack(sdist: Path, cache: Path) -> Path:
    target = cache / sdist.name.removesuffix(".tar.gz")
    if not target.is_dir():
        target.mkdir(parents=True)
        with tarfile.open(sdist) as tar:
            tar.extractall(target, filter="data")
    return target


def outwork(sdist: Path, runs: int) -> tuple[float, dict[str, object]]:
    times: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cbom.json"
        for _ in range(runs):
            started = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "outwork",
                    "scan",
                    str(sdist),
                    "--select",
                    "CRY",
                    "-f",
                    "cyclonedx",
                    "--no-cache",
                    "-o",
                    str(out),
                ],
                check=False,
                capture_output=True,
            )
            times.append(time.perf_counter() - started)
        data = json.loads(out.read_text())
    return statistics.median(times), data


def cbom_scan(binary: str, folder: Path) -> tuple[float, dict[str, object]]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cbom.json"
        started = time.perf_counter()
        subprocess.run(
            [binary, "scan", str(folder), "-o", str(out), "-f", "json", "--fail-on", "never"],
            check=True,
            capture_output=True,
        )
        elapsed = time.perf_counter() - started
        return elapsed, json.loads(out.read_text())


def crypto_components(data: dict[str, object]) -> list[dict[str, object]]:
    components = data.get("components") or []
    assert isinstance(components, list)
    return [c for c in components if c.get("type") == "cryptographic-asset"]


def summary(data: dict[str, object]) -> dict[str, object]:
    components = crypto_components(data)
    by_type = collections.Counter(c["cryptoProperties"]["assetType"] for c in components)
    by_status: collections.Counter[str] = collections.Counter()
    for c in components:
        props = {p["name"]: p["value"] for p in c.get("properties", [])}
        by_status[props.get("outwork:crypto:status", "?")] += 1
    occurrences = sum(len(c.get("evidence", {}).get("occurrences", [])) for c in components)
    severities = collections.Counter(
        r["severity"] for v in data.get("vulnerabilities", []) for r in v.get("ratings", [])
    )
    return {
        "components": len(components),
        "by_type": dict(sorted(by_type.items())),
        "by_status": dict(sorted(by_status.items())),
        "occurrences": occurrences,
        "findings": dict(sorted(severities.items())),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--package", action="append", default=None)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cache", default=str(Path.home() / ".cache/outwork-bench/crypto"))
    parser.add_argument("--benign", default="/work/bench-data/benign/sdist")
    parser.add_argument("--cbom-scan", default="/work/peers/cbom-scan/venv/bin/cbom-scan")
    args = parser.parse_args()
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    for spec in args.package or DEFAULT_PACKAGES:
        sdist = download(spec, cache, Path(args.benign))
        seconds, data = outwork(sdist, args.runs)
        print(f"## {spec} ({sdist.stat().st_size} bytes)")
        print(f"outwork: {seconds:.2f} s (median of {args.runs}); {json.dumps(summary(data))}")
        if Path(args.cbom_scan).exists():
            peer_seconds, peer = cbom_scan(args.cbom_scan, unpack(sdist, cache))
            components = crypto_components(peer)
            names = collections.Counter(str(c.get("name")) for c in components)
            occurrences = sum(len(c.get("evidence", {}).get("occurrences", [])) for c in components)
            print(
                f"cbom-scan: {peer_seconds:.2f} s (one run, unpacked folder); "
                f"{len(components)} components, {occurrences} occurrences: {dict(names)}"
            )


if __name__ == "__main__":
    main()
