"""Shared set-up for the dependency benchmarks: the pypa advisory snapshot as an OSV all.zip
(converted once, cached in bench/.cache), a synthetic npm feed of realistic size, and lockfiles."""

from __future__ import annotations

import json
import random
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"
CACHE = REPO / "bench" / ".cache" / "dependencies"
PYPA = CORPUS / "advisories" / "pypa-advisory-database-2024-10-10.zip"

sys.path.insert(0, str(REPO))


def pypa_feed() -> Path:
    """``PyPI/all.zip`` converted from the pypa YAML snapshot (all 2,661 records), cached."""
    from tests.analyzers.dependencies.corpusfeeds import convert_pypa

    target = CACHE / "feeds" / "PyPI" / "all.zip"
    if not target.is_file():
        if not PYPA.is_file():
            raise SystemExit(f"{PYPA} is missing: the benchmark needs ../shared/corpus")
        print(f"converting {PYPA.name} (YAML) to OSV JSON, once ...", file=sys.stderr)
        tmp = target.with_suffix(".tmp")
        convert_pypa(PYPA, tmp)
        tmp.replace(target)
    return target


def synthetic_npm_feed(records: int = 200_000) -> Path:
    """A synthetic ``npm/all.zip`` as large as OSV's real one (mostly MAL- records plus GHSA
    records with SEMVER ranges). Synthetic: it measures scale, not detection."""
    target = CACHE / "feeds" / "npm" / f"all-{records}.zip"
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    rng = random.Random(5)
    tmp = target.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for index in range(records):
            name = f"pkg-{index % 60_000}"
            if index % 10 < 8:
                record = {
                    "id": f"MAL-2024-{index}",
                    "modified": "2024-10-01T00:00:00Z",
                    "summary": f"Malicious code in {name} (npm)",
                    "affected": [
                        {
                            "package": {"ecosystem": "npm", "name": f"mal-{index}"},
                            "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}],
                        }
                    ],
                }
            else:
                major = rng.randint(0, 9)
                record = {
                    "id": f"GHSA-synt-{index:06d}",
                    "modified": "2024-10-01T00:00:00Z",
                    "aliases": [f"CVE-2099-{index}"],
                    "severity": [
                        {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}
                    ],
                    "affected": [
                        {
                            "package": {"ecosystem": "npm", "name": name},
                            "ranges": [
                                {
                                    "type": "SEMVER",
                                    "events": [
                                        {"introduced": f"{major}.0.0"},
                                        {"fixed": f"{major}.{rng.randint(1, 20)}.0"},
                                    ],
                                }
                            ],
                        }
                    ],
                }
            zf.writestr(f"{record['id']}.json", json.dumps(record))
    tmp.replace(target)
    return target


def pypi_names_and_versions() -> list[tuple[str, str]]:
    """(name, an affected version) for every package in the pypa snapshot, deterministic."""
    feed = pypa_feed()
    out: dict[str, str] = {}
    with zipfile.ZipFile(feed) as zf:
        for info in zf.infolist():
            record = json.loads(zf.read(info))
            for affected in record.get("affected") or []:
                name = affected["package"]["name"]
                versions = affected.get("versions") or []
                if name not in out and versions:
                    out[name] = versions[len(versions) // 2]
    return sorted(out.items())


def lockfile_2000(directory: Path) -> tuple[Path, Path]:
    """A requirements.txt with 1,000 PyPI pins (advisory-bearing names first, then filler) and a
    package-lock.json with 1,000 npm packages: 2,000 dependencies in all."""
    pins = pypi_names_and_versions()
    lines = [f"{name}=={version}" for name, version in pins[:1000]]
    lines += [f"filler-{i}==1.0.{i}" for i in range(1000 - len(lines))]
    directory.mkdir(parents=True, exist_ok=True)
    req = directory / "requirements.txt"
    req.write_text("\n".join(lines) + "\n")
    packages: dict[str, object] = {"": {"name": "bench", "version": "1.0.0"}}
    for i in range(1000):
        packages[f"node_modules/pkg-{i * 37 % 60_000}"] = {"version": f"{i % 10}.{i % 7}.0"}
    lock = directory / "package-lock.json"
    lock.write_text(json.dumps({"lockfileVersion": 3, "packages": packages}, indent=2))
    return req, lock
