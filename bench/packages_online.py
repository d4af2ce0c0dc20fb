"""What ``--online`` costs: registry look-ups of a large requirements file against a loopback
registry that answers after a simulated network latency.

Nothing leaves the machine: the registry is a local HTTP server serving documents we write.

    python bench/packages_online.py [--packages 500] [--latency-ms 50] [--workers 8] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from outwork.engine.pipeline import ScanOptions, scan


def serve(latency: float) -> ThreadingHTTPServer:
    doc = json.dumps(
        {
            "info": {"project_urls": {"Source": "https://github.com/a/b"}},
            "releases": {
                "1.0": [{"upload_time_iso_8601": "2020-01-01T00:00:00Z"}],
                "1.1": [{"upload_time_iso_8601": "2021-01-01T00:00:00Z"}],
            },
        }
    ).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            time.sleep(latency)
            if "/missing-" in self.path:
                self.send_response(404)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(doc)))
            self.end_headers()
            self.wfile.write(doc)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--packages", type=int, default=500)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    server = serve(args.latency_ms / 1000)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    with tempfile.TemporaryDirectory() as tmp:
        lines = [f"{'missing' if i % 50 == 0 else 'pkg'}-{i}==1.0" for i in range(args.packages)]
        (Path(tmp) / "requirements.txt").write_text("\n".join(lines) + "\n")
        timings: dict[bool, list[float]] = {False: [], True: []}
        found = 0
        for _ in range(args.runs):
            for online in (False, True):
                options = ScanOptions(
                    jobs=1,
                    offline=not online,
                    select=("PKG", "VUL"),
                    analyzer_options={
                        "packages.pypi_url": f"{base}/pypi",
                        "packages.online_workers": args.workers,
                    },
                )
                started = time.perf_counter()
                result = scan([tmp], options)
                timings[online].append(time.perf_counter() - started)
                if online:
                    found = sum(1 for f in result.findings if f.code == "PKG031")
    server.shutdown()
    offline, online = statistics.median(timings[False]), statistics.median(timings[True])
    print(
        f"{args.packages} dependencies, {args.latency_ms:g} ms registry latency,"
        f" {args.workers} workers, median of {args.runs}: offline {offline:.2f} s,"
        f" online {online:.2f} s (+{online - offline:.2f} s); PKG031 findings: {found}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
