"""A loopback registry for the online checks: PyPI JSON API and npm documents we write ourselves.

Used by ``test_online.py`` and by the rule fixtures of PKG031-PKG036 (their ``generate.py``).
Documents are built relative to the current time, so "days old" stays days old.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def ago(days: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def pypi_doc(
    name: str, releases: dict[str, float], urls: dict[str, str] | None = None
) -> dict[str, Any]:
    """A PyPI JSON API document: ``releases`` maps versions to how many days ago they were
    uploaded; ``urls`` are the project URLs (label -> URL)."""
    return {
        "info": {
            "name": name,
            "version": max(releases, default="0"),
            "home_page": None,
            "download_url": None,
            "project_urls": urls or None,
        },
        "releases": {
            version: [
                {
                    "filename": f"{name}-{version}.tar.gz",
                    "packagetype": "sdist",
                    "upload_time": ago(days)[:19],
                    "upload_time_iso_8601": ago(days),
                }
            ]
            for version, days in releases.items()
        },
        "urls": [],
    }


def npm_doc(
    name: str,
    versions: dict[str, float],
    repository: str | None = None,
    description: str = "",
) -> dict[str, Any]:
    latest = list(versions)[-1] if versions else None
    doc: dict[str, Any] = {
        "name": name,
        "description": description,
        "dist-tags": {"latest": latest} if latest else {},
        "versions": {v: {"name": name, "version": v} for v in versions},
        "time": {
            "created": ago(max(versions.values(), default=0)),
            **{v: ago(d) for v, d in versions.items()},
        },
    }
    if repository:
        doc["repository"] = {"type": "git", "url": repository}
    return doc


ESTABLISHED_PYPI = {
    "requests": pypi_doc(
        "requests",
        {"2.31.0": 900, "2.32.3": 400},
        {"Source": "https://github.com/psf/requests"},
    ),
}


class Registry:
    """A threaded HTTP server on 127.0.0.1 that answers from ``routes`` and logs every path."""

    def __init__(self, routes: dict[str, Any] | None = None, status: int | None = None) -> None:
        self.routes: dict[str, Any] = dict(routes or {})
        self.requests: list[str] = []
        self.status = status
        registry = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                registry.requests.append(self.path)
                body = registry.routes.get(self.path)
                if registry.status is not None or body is None:
                    self.send_response(registry.status or 404)
                    self.end_headers()
                    return
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def pypi(self, doc: dict[str, Any]) -> None:
        self.routes[f"/pypi/{doc['info']['name']}/json"] = doc

    def npm(self, doc: dict[str, Any]) -> None:
        self.routes["/npm/" + doc["name"].replace("/", "%2f")] = doc

    def options(self) -> dict[str, Any]:
        return {"packages.pypi_url": f"{self.url}/pypi", "packages.npm_url": f"{self.url}/npm"}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def serve_for_fixture(
    pypi: list[dict[str, Any]] | None = None,
    npm: list[dict[str, Any]] | None = None,
    raw: dict[str, bytes] | None = None,
) -> dict[str, Any]:
    """Start a registry for a rule fixture's scan; the analyzer options that point at it.

    The server lives until the test process exits (the fixture harness has no teardown).
    """
    import atexit

    server = Registry(raw)
    for doc in pypi or []:
        server.pypi(doc)
    for doc in npm or []:
        server.npm(doc)
    atexit.register(server.close)
    return {"harness.online": True, **server.options()}
