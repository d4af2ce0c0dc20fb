"""Kill ``outwork serve`` at random points while it scans, restart it, and count: every
submitted scan must end done exactly once, none lost, none left queued or running.

    python bench/serve_restart.py [--scans 30] [--kills 3] [--seed 1] [--json OUT]

The server runs with a SQLite store in a temporary folder, ``--root`` over the rule fixtures
(tests/fixtures/rules: each scan target is one rule's folder) and ``--jobs 1``; the scans are
submitted through the API, then the server is killed with SIGKILL at a random moment (uniform
over the next 0.5-4 s) ``--kills`` times, restarted each time on the same store and port. The
restarted server runs again what the killed one left queued or running. Reported: scans
submitted, done, failed, lost (neither), records beyond the submitted ones, and how many scans
the restarts took up again (from the servers' logs; a scan interrupted while running is analysed
again, and its result is committed once).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "rules"


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _request(base: str, path: str, token: str, body: dict[str, str] | None = None) -> object:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        base + path,
        data=data,
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


class Server:
    def __init__(self, folder: Path, port: int) -> None:
        self.folder, self.port = folder, port
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "outwork",
                "serve",
                "--port",
                str(self.port),
                "--store",
                str(self.folder / "results.sqlite3"),
                "--root",
                str(FIXTURES),
                "--scratch",
                str(self.folder / "scratch"),
                "--jobs",
                "1",
                "--no-cache",
                "--rate",
                "100000",
                "--burst",
                "1000",
            ],
            stdout=subprocess.DEVNULL,
            stderr=(self.folder / "serve.log").open("a"),
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/v1/health", timeout=2)
                return
            except OSError:
                time.sleep(0.2)
        raise SystemExit("the server did not start")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        assert self.proc is not None
        self.proc.terminate()
        self.proc.wait(timeout=60)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=int, default=30)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    folder = Path(tempfile.mkdtemp(prefix="outwork-serve-bench-"))
    store = folder / "results.sqlite3"
    env = {**os.environ}
    token = subprocess.run(
        [
            sys.executable,
            "-m",
            "outwork",
            "token",
            "create",
            "bench",
            "--store",
            str(store),
        ],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout.strip()
    targets = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())[: args.scans]
    server = Server(folder, _port())
    base = f"http://127.0.0.1:{server.port}"
    server.start()
    started = time.monotonic()
    ids = [int(_request(base, "/v1/scans", token, {"target": t})["id"]) for t in targets]  # type: ignore[index]
    kills = 0
    for _ in range(args.kills):
        time.sleep(rng.uniform(0.5, 4.0))
        server.kill()
        kills += 1
        server.start()
    deadline = time.monotonic() + 1800
    while time.monotonic() < deadline:
        scans = _request(base, "/v1/scans?limit=500", token)
        assert isinstance(scans, list)
        if all(s["status"] in ("done", "failed") for s in scans):
            break
        time.sleep(0.5)
    elapsed = time.monotonic() - started
    server.stop()
    with sqlite3.connect(store) as db:
        rows = db.execute("SELECT id, status FROM scans ORDER BY id").fetchall()
    status = {row[0]: row[1] for row in rows}
    resumed = sum(
        int(line.split()[2])
        for line in (folder / "serve.log").read_text().splitlines()
        if "left by a stopped server" in line
    )
    summary = {
        "submitted": len(ids),
        "kills": kills,
        "records": len(rows),
        "done": sum(1 for i in ids if status.get(i) == "done"),
        "failed": sum(1 for i in ids if status.get(i) == "failed"),
        "lost": sum(1 for i in ids if status.get(i) not in ("done", "failed")),
        "extra_records": len(rows) - len(ids),
        "taken_up_again": resumed,
        "seconds": round(elapsed, 1),
    }
    print(json.dumps(summary))
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2))
    return 0 if summary["done"] == len(ids) and summary["extra_records"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
