"""The endpoint probe (``outwork tls``) beside sslyze on loopback servers, in one run.

Three servers are started on 127.0.0.1 (the tests' helpers): TLS 1.0-1.2 with two suites,
TLS 1.3 only (the system OpenSSL, no hybrid group), and a raw TLS 1.3 server that selects
X25519MLKEM768. Each round probes every server with outwork (in this process, CPU time of the
process) and with sslyze (a child process, its CPU time), interleaved.

    python bench/tls_probe.py [--sslyze /work/peers/sslyze/venv/bin/python] [--rounds 3]

sslyze lives in its own virtualenv (``python3 -m venv /work/peers/sslyze/venv &&
.../pip install sslyze``), never as a project dependency.
"""

from __future__ import annotations

import argparse
import json
import resource
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from outwork.analyzers.crypto.tlsprobe import probe  # noqa: E402
from tests.analyzers.crypto import tlsservers  # noqa: E402

SSLYZE_SCANS = [
    "--sslv3", "--tlsv1", "--tlsv1_1", "--tlsv1_2", "--tlsv1_3", "--elliptic_curves", "--certinfo",
]  # fmt: skip


def _cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_outwork(port: int) -> tuple[float, float, str]:
    cpu, wall = _cpu_self(), time.monotonic()
    endpoint = probe("127.0.0.1", port, timeout=5)
    cpu, wall = _cpu_self() - cpu, time.monotonic() - wall
    versions = [v for v, ok in endpoint.versions.items() if ok]
    suites = sum(len(s) for s in endpoint.suites.values())
    return cpu, wall, f"{'/'.join(versions)}; {suites} suites; hybrid {endpoint.hybrid}"


def run_sslyze(python: str, port: int) -> tuple[float, float, str]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.json"
        cpu, wall = _cpu_children(), time.monotonic()
        subprocess.run(
            [python, "-m", "sslyze", *SSLYZE_SCANS, "--json_out", str(out), f"127.0.0.1:{port}"],
            capture_output=True,
            check=False,
        )
        cpu, wall = _cpu_children() - cpu, time.monotonic() - wall
        data = json.loads(out.read_text()) if out.exists() else {}
    results = (data.get("server_scan_results") or [{}])[0].get("scan_result") or {}
    versions, suites = [], 0
    for key, label in (
        ("ssl_3_0_cipher_suites", "SSLv3"),
        ("tls_1_0_cipher_suites", "TLSv1.0"),
        ("tls_1_1_cipher_suites", "TLSv1.1"),
        ("tls_1_2_cipher_suites", "TLSv1.2"),
        ("tls_1_3_cipher_suites", "TLSv1.3"),
    ):
        accepted = ((results.get(key) or {}).get("result") or {}).get("accepted_cipher_suites", [])
        if accepted:
            versions.append(label)
            suites += len(accepted)
    curves = ((results.get("elliptic_curves") or {}).get("result") or {}).get(
        "supported_curves"
    ) or []
    names = [c.get("name") for c in curves]
    return cpu, wall, f"{'/'.join(versions)}; {suites} suites; groups {names}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sslyze", default="/work/peers/sslyze/venv/bin/python")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    peer = args.sslyze if Path(args.sslyze).exists() else None
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        legacy = folder / "legacy"
        modern = folder / "modern"
        legacy.mkdir()
        modern.mkdir()
        servers = {
            "TLS 1.0-1.2, 2 suites": tlsservers.python_tls(
                legacy,
                ssl.TLSVersion.TLSv1,
                ssl.TLSVersion.TLSv1_2,
                "ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA:@SECLEVEL=0",
            ),
            "TLS 1.3 (OpenSSL 3.0)": tlsservers.python_tls(
                modern, ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_3
            ),
            "TLS 1.3 selecting X25519MLKEM768 (raw)": tlsservers.hybrid_tls13,
        }
        ports = {name: stack.enter_context(tlsservers.serving(h)) for name, h in servers.items()}
        print("| server | tool | CPU s (median) | wall s (median) | found |")
        print("| --- | --- | --- | --- | --- |")
        for name, port in ports.items():
            rows: dict[str, list[tuple[float, float, str]]] = {"outwork": [], "sslyze": []}
            for _ in range(args.rounds):
                rows["outwork"].append(run_outwork(port))
                if peer:
                    rows["sslyze"].append(run_sslyze(peer, port))
            for tool, runs in rows.items():
                if not runs:
                    continue
                cpu = statistics.median(r[0] for r in runs)
                wall = statistics.median(r[1] for r in runs)
                print(f"| {name} | {tool} | {cpu:.2f} | {wall:.2f} | {runs[-1][2]} |")


if __name__ == "__main__":
    main()
