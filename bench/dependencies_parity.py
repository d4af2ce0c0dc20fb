"""Parity with pip-audit on the same advisory data.

Both tools see the real pypa advisory snapshot (2,661 PyPI records, 2024-10-10):
- outwork imports it as OSV ``all.zip`` and matches with its own PEP 440 range evaluation;
- pip-audit 2.10 (throwaway venv, never a project dependency) queries a loopback OSV API
  (``--osv-url``) that answers like osv.dev does for PyPI: a record applies when the version is in
  its enumerated ``versions`` list (records without a list fall back to their ranges).

Two requirement sets: the 300 most-downloaded PyPI projects (pinned lines of
../shared/corpus/packages/pypi-benign-dev.txt) and an "old project" built from the snapshot
(each advisory-bearing package pinned to an affected version, or to its first fixed version).
Every difference is listed with a reason.

Set up the peer once:  python3 -m venv /work/peer-venvs/pip-audit &&
                       /work/peer-venvs/pip-audit/bin/pip install pip-audit==2.10.1
Run:                   .venv/bin/python bench/dependencies_parity.py [--pip-audit PATH]
"""

from __future__ import annotations

import argparse
import contextlib
import http.server
import json
import re
import subprocess
import tempfile
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

from dependencies_common import CORPUS, pypa_feed
from packaging.version import InvalidVersion, Version

_NORM = re.compile(r"[-_.]+")


def canon(name: str) -> str:
    return _NORM.sub("-", name).lower()


def pin_key(name: str, version: str) -> str:
    """One spelling per pin: pip-audit reports normalised versions (2.0.0b -> 2.0.0b0)."""
    with contextlib.suppress(InvalidVersion):
        version = str(Version(version))
    return f"{canon(name)}=={version}"


def load_records() -> list[dict[str, Any]]:
    with zipfile.ZipFile(pypa_feed()) as zf:
        return [json.loads(zf.read(i)) for i in zf.infolist()]


def _simple_range_hit(version: str, affected: dict[str, Any]) -> bool:
    """An independent, plain evaluation of ECOSYSTEM ranges (introduced/fixed/last_affected)."""
    try:
        v = Version(version)
    except InvalidVersion:
        return False
    for rng in affected.get("ranges") or []:
        if rng.get("type") != "ECOSYSTEM":
            continue
        lo: Version | None = None
        for event in rng.get("events") or []:
            try:
                if "introduced" in event:
                    lo = (
                        Version("0") if event["introduced"] == "0" else Version(event["introduced"])
                    )
                    if v >= lo and not any(
                        k in e for e in rng["events"] for k in ("fixed", "last_affected")
                    ):
                        return True
                elif "fixed" in event and lo is not None:
                    if lo <= v < Version(event["fixed"]):
                        return True
                    lo = None
                elif "last_affected" in event and lo is not None:
                    if lo <= v <= Version(event["last_affected"]):
                        return True
                    lo = None
            except InvalidVersion:
                continue
    return False


def _same(version: str, listed: list[str]) -> bool:
    """osv.dev compares PyPI versions as PEP 440 versions, not strings (2.0.0b == 2.0.0b0)."""
    try:
        wanted = Version(version)
    except InvalidVersion:
        return False
    for item in listed:
        try:
            if Version(item) == wanted:
                return True
        except InvalidVersion:
            continue
    return False


class OsvApi:
    """A loopback stand-in for api.osv.dev's ``/v1/query`` over a fixed set of records."""

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.by_name: dict[str, list[dict[str, Any]]] = {}
        for record in records:
            for affected in record.get("affected") or []:
                package = affected.get("package") or {}
                if package.get("ecosystem") == "PyPI":
                    self.by_name.setdefault(canon(package["name"]), []).append(record)
        self.via_ranges = 0

    def query(self, name: str, version: str) -> list[dict[str, Any]]:
        hits: list[dict[str, Any]] = []
        for record in self.by_name.get(canon(name), []):
            if record.get("withdrawn") or record in hits:
                continue
            for affected in record.get("affected") or []:
                if canon(affected.get("package", {}).get("name", "")) != canon(name):
                    continue
                listed = affected.get("versions")
                if listed:
                    if _same(version, listed):
                        hits.append(record)
                        break
                elif _simple_range_hit(version, affected):
                    self.via_ranges += 1
                    hits.append(record)
                    break
        return hits

    def serve(self) -> tuple[http.server.ThreadingHTTPServer, str]:
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                vulns = api.query(body["package"]["name"], body["version"])
                data = json.dumps({"vulns": vulns} if vulns else {}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server, f"http://127.0.0.1:{server.server_address[1]}/v1/query"


def requirement_sets(records: list[dict[str, Any]]) -> dict[str, list[str]]:
    benign = [
        line.split("#", 1)[0].strip()
        for line in (CORPUS / "packages" / "pypi-benign-dev.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    ]
    old: dict[str, str] = {}
    fixed: dict[str, str] = {}
    for record in sorted(records, key=lambda r: r["id"]):
        for affected in record.get("affected") or []:
            name = canon(affected["package"]["name"])
            listed = affected.get("versions") or []
            if listed and name not in old:
                old[name] = listed[len(listed) // 2]
            for rng in affected.get("ranges") or []:
                for event in rng.get("events") or []:
                    if "fixed" in event and name not in fixed:
                        fixed[name] = event["fixed"]

    def valid(version: str) -> bool:
        try:
            Version(version)
        except InvalidVersion:
            return False
        return True

    old = {n: v for n, v in old.items() if valid(v)}
    fixed = {n: v for n, v in fixed.items() if valid(v)}
    project = [f"{n}=={v}" for n, v in sorted(old.items())]
    project += [f"{n}=={v}" for n, v in sorted(fixed.items()) if n not in old]
    upgraded = [f"{n}=={v}" for n, v in sorted(fixed.items())]
    return {"top-300": benign, "old-project": project, "first-fixed": upgraded}


def _short(ids: set[str]) -> str:
    shown = sorted(ids)
    return f"{shown[:4]}{f' +{len(shown) - 4} more' if len(shown) > 4 else ''}"


_BY_ID: dict[str, dict[str, Any]] = {}


def reason(key: str, ids: set[str]) -> str:
    """Why outwork reports records the versions-list service did not."""
    name, version = key.split("==", 1)
    why: set[str] = set()
    for vid in ids:
        record = _BY_ID.get(vid)
        if record is None:
            continue
        for affected in record.get("affected") or []:
            if canon(affected["package"]["name"]) != name:
                continue
            listed = affected.get("versions") or []
            if version in listed or _same(version, listed):
                why.add("listed, yet missed by the service")
            else:
                why.add(
                    "inside the record's ECOSYSTEM range but absent from its enumerated"
                    " versions list (OSV: ranges are authoritative)"
                )
    return " / ".join(sorted(why)) or "alias of a listed record"


def run_pip_audit(
    pip_audit: str, req: Path, url: str, cache: Path
) -> tuple[dict[str, set[str]], float]:
    start = time.perf_counter()
    out = subprocess.run(
        [
            pip_audit,
            "-r",
            str(req),
            "--no-deps",
            "--disable-pip",
            "--vulnerability-service",
            "osv",
            "--osv-url",
            url,
            "-f",
            "json",
            "--progress-spinner",
            "off",
            "--cache-dir",
            str(cache),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    if not out.stdout.strip():
        raise SystemExit(f"pip-audit failed: {out.stderr[-2000:]}")
    data = json.loads(out.stdout)
    found: dict[str, set[str]] = {}
    for dep in data.get("dependencies", []):
        ids = {v["id"] for v in dep.get("vulns", [])} | {
            a for v in dep.get("vulns", []) for a in v.get("aliases", [])
        }
        if ids:
            found[pin_key(dep["name"], dep["version"])] = ids
    return found, seconds


def run_outwork(db: Path, req: Path) -> tuple[dict[str, set[str]], float]:
    from outwork.analyzers.dependencies import DependencyAnalyzer
    from outwork.core.analyzer import AnalysisContext
    from outwork.core.artifact import Artifact, Kind
    from outwork.core.findings import Finding

    artifact = Artifact(str(req), Kind.LOCKFILE, req.stat().st_size, fs_path=str(req))
    analyzer = DependencyAnalyzer()
    context = AnalysisContext(options={"dependencies.db": str(db)})
    start = time.perf_counter()
    items = list(analyzer.analyze(artifact, context))
    seconds = time.perf_counter() - start
    found: dict[str, set[str]] = {}
    for item in items:
        if isinstance(item, Finding) and item.code in ("VUL001", "VUL002"):
            key = pin_key(item.properties["package"], item.properties["version"])
            found.setdefault(key, set()).update(item.properties["advisory_ids"])
            found[key].update(item.properties["aliases"])
    return found, seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pip-audit", default="/work/peer-venvs/pip-audit/bin/pip-audit")
    parser.add_argument("--show", type=int, default=25, help="differences listed per set")
    args = parser.parse_args()
    from outwork.store.advisories import import_zip

    records = load_records()
    _BY_ID.update({r["id"]: r for r in records})
    api = OsvApi(records)
    server, url = api.serve()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            db = root / "db.sqlite3"
            import_zip(db, "PyPI", pypa_feed())
            for label, lines in requirement_sets(records).items():
                req = root / f"requirements-{label}.txt"
                req.write_text("\n".join(lines) + "\n")
                theirs, t_seconds = run_pip_audit(args.pip_audit, req, url, root / "cache")
                ours, o_seconds = run_outwork(db, req)
                both = set(theirs) | set(ours)
                same = [
                    k
                    for k in both
                    if theirs.get(k, set()) & ours.get(k, set()) or (k in theirs and k in ours)
                ]
                only_theirs = sorted(k for k in both if k in theirs and k not in ours)
                only_ours = sorted(k for k in both if k in ours and k not in theirs)
                id_diffs = sorted(
                    k for k in both if k in theirs and k in ours and theirs[k] != ours[k]
                )
                print(
                    f"[{label}] {len(lines)} pins: vulnerable per pip-audit {len(theirs)},"
                    f" per outwork {len(ours)}; both {len(same)}; only pip-audit"
                    f" {len(only_theirs)}; only outwork {len(only_ours)}; same packages with"
                    f" different identifiers {len(id_diffs)}; pip-audit {t_seconds:.1f}s"
                    f" (loopback API), outwork {o_seconds * 1000:.0f} ms"
                )
                for key in only_theirs[: args.show]:
                    print(f"  only pip-audit: {key}: {_short(theirs[key])}")
                for key in only_ours[: args.show]:
                    print(f"  only outwork:   {key}: {_short(ours[key])}; {reason(key, ours[key])}")
                for key in id_diffs[: args.show]:
                    extra = ours[key] - theirs[key]
                    print(
                        f"  ids differ:     {key}: pip-audit-only {_short(theirs[key] - ours[key])}"
                        f" outwork-only {_short(extra)}; {reason(key, extra)}"
                    )
        print(
            f"records answered from ranges (no versions list) by the stand-in API: {api.via_ranges}"
        )
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
