"""What writing file components as JSON saves on a realistic SBOM, and what the removed
``Bom.register_dependency`` override saved.

    .venv/bin/python bench/cyclonedx_files.py [TARGET] [--rounds 3]

Scans TARGET once in process (default: the site-packages of ``/work/bench-data/venv30``, a
virtualenv with 30 popular packages; the result is kept in a pickle beside this script's temporary
folder for reruns), then renders its CycloneDX report three ways, interleaved: as
``outwork.report.cyclonedx`` does it (file components written as CycloneDX JSON, the library's own
dependency registration), with the former instance-level override of ``register_dependency``
(registration through a set instead of the library's linear search), and with every file
component built through cyclonedx-python-lib instead (one round: it is the slow one).
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import pickle
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from cyclonedx.model import HashAlgorithm, HashType, Property
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.dependency import Dependency

from outwork.core.findings import ScanResult
from outwork.engine.pipeline import ScanOptions, scan
from outwork.report import cyclonedx

Build = Callable[[Any, uuid.UUID, datetime | None], Bom]
AS_LANDED: Build = cyclonedx._Builder.build


def _with_override(builder: Any, serial: uuid.UUID, timestamp: datetime | None) -> Bom:
    bom = AS_LANDED(builder, serial, timestamp)
    original = bom.register_dependency
    seen = {d.ref for d in bom.dependencies}

    def register(target: Any, depends_on: Any = None) -> None:
        if depends_on:
            original(target, depends_on)
        elif target.bom_ref not in seen:
            seen.add(target.bom_ref)
            bom.dependencies.add(Dependency(ref=target.bom_ref))

    bom.register_dependency = register  # type: ignore[method-assign]
    return bom


def _files_through_library(builder: Any, serial: uuid.UUID, timestamp: datetime | None) -> Bom:
    bom = AS_LANDED(builder, serial, timestamp)
    for artifact in sorted(builder.result.artifacts, key=lambda a: a.path):
        properties = [
            Property(name="outwork:kind", value=str(artifact.kind)),
            Property(name="outwork:size", value=str(artifact.size)),
            *(Property(name="outwork:analyzer", value=a) for a in artifact.analyzers),
        ]
        hashes = (
            [HashType(alg=HashAlgorithm.SHA_256, content=artifact.sha256)]
            if cyclonedx.is_sha256(artifact.sha256)
            else []
        )
        bom.components.add(
            Component(
                type=ComponentType.FILE,
                name=artifact.path,
                bom_ref=f"file:{artifact.path}",
                hashes=hashes,
                properties=properties,
            )
        )
    builder.files.clear()
    return bom


def _result(target: str) -> ScanResult:
    digest = hashlib.sha256(target.encode()).hexdigest()[:16]
    cache = Path(tempfile.gettempdir()) / f"outwork-cdx-bench-{digest}.pickle"
    if cache.is_file():
        result: ScanResult = pickle.loads(cache.read_bytes())
        return result
    started = time.perf_counter()
    result = scan([target], ScanOptions(cache_dir=None, offline=True))
    print(f"scanned {target} in process: {time.perf_counter() - started:.1f} s")
    cache.write_bytes(pickle.dumps(result))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    default = next(iter(glob.glob("/work/bench-data/venv30/lib/python3*/site-packages")), ".")
    parser.add_argument("target", nargs="?", default=default)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    result = _result(args.target)
    print(f"{len(result.artifacts)} artifacts, {len(result.findings)} findings")
    variants: dict[str, Build] = {
        "as landed": AS_LANDED,
        "with the register_dependency override": _with_override,
        "file components through the library": _files_through_library,
    }
    times: dict[str, list[float]] = {name: [] for name in variants}
    try:
        for round_ in range(args.rounds):
            for name, build in variants.items():
                if name.startswith("file components") and round_:
                    continue
                cyclonedx._Builder.build = build  # type: ignore[method-assign]
                started = time.perf_counter()
                cyclonedx.render(result)
                times[name].append(time.perf_counter() - started)
    finally:
        cyclonedx._Builder.build = AS_LANDED  # type: ignore[method-assign]
    for name, seconds in times.items():
        print(f"{name}: median {statistics.median(seconds):.2f} s of {len(seconds)}")


if __name__ == "__main__":
    main()
