"""A loopback registry that replays a feed of releases at a chosen speed: PyPI's XML-RPC changelog,
JSON API and RSS feed, npm's changes feed and package documents, and the release files.

A release becomes visible (in the feeds, the documents and the file downloads) at
``start + offset / speed``. The packages are built here: benign-looking generated ones, and ones
whose install script is one of the project's own rule fixtures (``tests/fixtures/rules``), so some
verdicts are known to be high. ``fail`` makes the server answer HTTP 503/429 to a share of
requests, to exercise the watcher's back-off. Used by ``tests/watch`` and ``bench/watch_replay.py``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import threading
import time
import urllib.parse
import xmlrpc.client
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.analyzers.packages.helpers import npm_tarball, sdist, wheel

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "rules"
FEED = Path(__file__).resolve().parent / "fixtures" / "feed.json"

#: Templates whose verdict is high or critical (an install script from a rule fixture).
MALICIOUS = ("pypi-PKG001", "pypi-PKG002", "pypi-PKG003", "npm-PKG014")


@dataclass(frozen=True, slots=True)
class Spec:
    """One release of the feed: when (seconds after the start, at real rate) and what."""

    offset: float
    ecosystem: str
    name: str
    version: str
    template: str


@dataclass(slots=True)
class _Visible:
    spec: Spec
    filename: str
    data: bytes
    at: float = 0.0
    serial: int = 0
    extra: list[str] = field(default_factory=list)


def load_feed(path: Path = FEED) -> list[Spec]:
    return [Spec(**entry) for entry in json.loads(path.read_text())]


def synthetic_feed(count: int, per_minute: float, *, seed: int = 7) -> list[Spec]:
    """``count`` releases arriving as a Poisson process at ``per_minute`` (real rate); one in
    twenty carries a rule fixture's install script, the rest are benign-looking."""
    rng = random.Random(seed)
    specs = []
    offset = 0.0
    words = ("fast", "tiny", "data", "json", "http", "cli", "async", "log", "cfg", "geo", "ml")
    for index in range(count):
        offset += rng.expovariate(per_minute / 60.0)
        ecosystem = "pypi" if rng.random() < 0.5 else "npm"
        name = f"{rng.choice(words)}-{rng.choice(words)}-{index}"
        if rng.random() < 0.05:
            template = rng.choice([m for m in MALICIOUS if m.startswith(ecosystem)])
        else:
            template = f"{ecosystem}-benign"
        version = f"{rng.randint(0, 3)}.{rng.randint(0, 20)}.{rng.randint(0, 9)}"
        specs.append(Spec(round(offset, 3), ecosystem, name, version, template))
    return specs


def build(spec: Spec) -> tuple[str, bytes]:
    """The release file of a spec: an sdist, a wheel (``pypi-wheel-<fixture>``: the fixture's
    install script as the package's ``__init__``, run on import) or an npm tarball."""
    if spec.template.startswith("pypi-wheel-"):
        module = spec.name.replace("-", "_")
        payload = (FIXTURES / spec.template.removeprefix("pypi-wheel-") / "setup.py").read_text()
        filename = f"{module}-{spec.version}-py3-none-any.whl"
        return filename, wheel(spec.name, spec.version, {f"{module}/__init__.py": payload})
    if spec.ecosystem == "pypi":
        filename = f"{spec.name}-{spec.version}.tar.gz"
        if spec.template == "pypi-benign":
            setup = "from setuptools import setup\n"
            setup += f"setup(name={spec.name!r}, version={spec.version!r})\n"
        else:
            setup = (FIXTURES / spec.template.removeprefix("pypi-") / "setup.py").read_text()
        module = spec.name.replace("-", "_")
        files: dict[str, str | bytes] = {"setup.py": setup}
        for index in range(_modules(spec)):
            files[f"{module}/m{index}.py"] = _benign_python(spec, index)
        files[f"{module}/__init__.py"] = _benign_python(spec, -1)
        return filename, sdist(spec.name, spec.version, files)
    manifest: dict[str, Any] = {"name": spec.name, "version": spec.version, "main": "index.js"}
    if spec.template != "npm-benign":
        fixture = json.loads((FIXTURES / "PKG014" / "bad" / "package.json").read_text())
        manifest["scripts"] = fixture["scripts"]
    sources = {"index.js": "module.exports = require('./lib/m0.js');\n"}
    for index in range(_modules(spec)):
        sources[f"lib/m{index}.js"] = _benign_js(spec, index)
    return f"{spec.name}-{spec.version}.tgz", npm_tarball(json.dumps(manifest), sources)


def _modules(spec: Spec) -> int:
    """Modules of a generated release: most are small, a few large (1 to 60)."""
    rng = random.Random(f"size{spec.name}{spec.version}")
    return max(1, min(60, round(rng.lognormvariate(1.6, 0.9))))


def _benign_js(spec: Spec, module: int) -> str:
    rng = random.Random(f"{spec.name}{spec.version}{module}")
    lines = ["'use strict';", "const path = require('path');", ""]
    for index in range(rng.randint(3, 12)):
        lines += [
            f"function helper{index}(values) {{",
            f"  return values.map((v) => v * {rng.randint(2, 9)}).join(path.sep);",
            "}",
            "",
        ]
    lines.append("module.exports = { helper0 };")
    return "\n".join(lines)


def _benign_python(spec: Spec, module: int = 0) -> str:
    rng = random.Random(f"{spec.name}{spec.version}{module}")
    lines = ['"""Utilities."""', "import logging", "", "log = logging.getLogger(__name__)", ""]
    for index in range(rng.randint(3, 12)):
        lines += [
            f"def helper_{index}(values):",
            f"    total = sum(v * {rng.randint(2, 9)} for v in values)",
            "    log.debug('total %s', total)",
            "    return total",
            "",
        ]
    return "\n".join(lines)


class ReplayRegistry:
    """Serve ``specs`` from 127.0.0.1 at ``speed`` times their real rate."""

    def __init__(
        self, specs: list[Spec], *, speed: float = 10.0, fail: float = 0.0, paused: bool = False
    ) -> None:
        """``paused``: nothing is visible until :meth:`restart` starts the clock."""
        self.speed = speed
        self.fail = fail
        self.rng = random.Random(3)
        self.failures = 0
        self.lock = threading.Lock()
        self.start = time.time()
        self.items = []
        serial = 1000
        for spec in sorted(specs, key=lambda s: s.offset):
            filename, data = build(spec)
            serial += 3  # a release's two journal entries and one that is not a release
            self.items.append(_Visible(spec, filename, data, serial=serial))
        self.files = {item.filename: item for item in self.items}
        self.by_name: dict[tuple[str, str], list[_Visible]] = {}
        for item in self.items:
            self.by_name.setdefault((item.spec.ecosystem, item.spec.name), []).append(item)
        registry = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                registry.handle(self, None)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                registry.handle(self, self.rfile.read(length))

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.restart()
        if paused:
            for item in self.items:
                item.at = float("inf")
        self.thread.start()

    def restart(self) -> None:
        """Start the clock now: every release appears at ``now + offset / speed``."""
        self.start = time.time()
        for item in self.items:
            item.at = self.start + item.spec.offset / self.speed

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def appeared(self) -> dict[str, float]:
        """Release target -> when it became visible (for latency)."""
        return {_target(item.spec): item.at for item in self.items}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- requests -------------------------------------------------------------------------------

    def handle(self, request: BaseHTTPRequestHandler, body: bytes | None) -> None:
        now = time.time()
        parts = urllib.parse.urlsplit(request.path)
        with self.lock:
            failing = self.fail and self.rng.random() < self.fail
            if failing:
                self.failures += 1
        if failing:
            status = 429 if self.rng.random() < 0.5 else 503
            self._send(request, status, b"busy", "text/plain", {"Retry-After": "1"})
            return
        visible = [item for item in self.items if item.at <= now]
        path = parts.path
        if path == "/pypi" and body is not None:
            self._xmlrpc(request, body, visible)
        elif path.startswith("/pypi/") and path.endswith("/json"):
            self._pypi_doc(request, urllib.parse.unquote(path[6:-5]), now)
        elif path == "/rss/updates.xml":
            self._rss(request, visible)
        elif path == "/npm-changes/":
            npm = [i for i in visible if i.spec.ecosystem == "npm"]
            self._json(request, {"db_name": "registry", "update_seq": npm[-1].serial if npm else 0})
        elif path == "/npm-changes/_changes":
            self._changes(request, urllib.parse.parse_qs(parts.query), visible)
        elif path.startswith("/npm/"):
            self._npm_doc(request, urllib.parse.unquote(path[5:]), now)
        elif path.startswith("/files/"):
            item = self.files.get(path[7:])
            if item is None or item.at > now:
                self._send(request, 404, b"", "text/plain")
            else:
                self._send(request, 200, item.data, "application/octet-stream")
        else:
            self._send(request, 404, b"", "text/plain")

    def _xmlrpc(
        self, request: BaseHTTPRequestHandler, body: bytes, visible: list[_Visible]
    ) -> None:
        params, method = xmlrpc.client.loads(body)
        pypi = [i for i in visible if i.spec.ecosystem == "pypi"]
        if method == "changelog_last_serial":
            value: Any = pypi[-1].serial if pypi else 1000
        elif method == "changelog_since_serial":
            since = int(params[0])
            value = []
            for item in pypi:
                stamp = int(item.at)
                base = item.serial - 2
                kind = "py3" if item.filename.endswith(".whl") else "source"
                journal = [
                    (item.spec.version, stamp, "new release", base),
                    (item.spec.version, stamp, f"add {kind} file {item.filename}", base + 1),
                    (None, stamp, "add Owner someone", base + 2),
                ]
                for version, when, action, serial in journal:
                    if serial > since:
                        value.append([item.spec.name, version, when, action, serial])
        else:
            fault = xmlrpc.client.dumps(xmlrpc.client.Fault(1, f"no method {method}"))
            self._send(request, 200, fault.encode(), "text/xml")
            return
        answer = xmlrpc.client.dumps((value,), methodresponse=True, allow_none=True)
        self._send(request, 200, answer.encode(), "text/xml")

    def _pypi_doc(self, request: BaseHTTPRequestHandler, name: str, now: float) -> None:
        items = [i for i in self.by_name.get(("pypi", name), []) if i.at <= now]
        if not items:
            self._send(request, 404, b"", "text/plain")
            return
        releases: dict[str, list[dict[str, Any]]] = {}
        for item in items:
            releases.setdefault(item.spec.version, []).append(
                {
                    "filename": item.filename,
                    "packagetype": "bdist_wheel" if item.filename.endswith(".whl") else "sdist",
                    "url": f"{self.url}/files/{item.filename}",
                    "digests": {"sha256": hashlib.sha256(item.data).hexdigest()},
                }
            )
        doc = {"info": {"name": name, "version": items[-1].spec.version}, "releases": releases}
        self._json(request, {**doc, "urls": releases[items[-1].spec.version]})

    def _rss(self, request: BaseHTTPRequestHandler, visible: list[_Visible]) -> None:
        entries = []
        for item in [i for i in visible if i.spec.ecosystem == "pypi"][-100:]:
            when = format_datetime(datetime.fromtimestamp(item.at, UTC), usegmt=True)
            entries.append(
                f"<item><title>{item.spec.name} {item.spec.version}</title>"
                f"<link>https://pypi.org/project/{item.spec.name}/{item.spec.version}/</link>"
                f"<pubDate>{when}</pubDate></item>"
            )
        body = (
            f'<?xml version="1.0"?><rss version="2.0"><channel>{"".join(entries)}</channel></rss>'
        )
        self._send(request, 200, body.encode(), "application/rss+xml")

    def _changes(
        self, request: BaseHTTPRequestHandler, query: dict[str, list[str]], visible: list[_Visible]
    ) -> None:
        since = int(query.get("since", ["0"])[0])
        limit = int(query.get("limit", ["1000"])[0])
        npm = [i for i in visible if i.spec.ecosystem == "npm" and i.serial > since][:limit]
        results = [
            {"seq": i.serial, "id": i.spec.name, "changes": [{"rev": f"1-{i.serial}"}]} for i in npm
        ]
        self._json(request, {"results": results, "last_seq": npm[-1].serial if npm else since})

    def _npm_doc(self, request: BaseHTTPRequestHandler, name: str, now: float) -> None:
        items = [i for i in self.by_name.get(("npm", name), []) if i.at <= now]
        if not items:
            self._send(request, 404, b"", "text/plain")
            return
        versions = {}
        times = {}
        for item in items:
            integrity = "sha512-" + base64.b64encode(hashlib.sha512(item.data).digest()).decode()
            versions[item.spec.version] = {
                "name": name,
                "version": item.spec.version,
                "dist": {"tarball": f"{self.url}/files/{item.filename}", "integrity": integrity},
            }
            times[item.spec.version] = datetime.fromtimestamp(item.at, UTC).isoformat()
        doc = {
            "name": name,
            "dist-tags": {"latest": items[-1].spec.version},
            "versions": versions,
            "time": times,
        }
        self._json(request, doc)

    def _json(self, request: BaseHTTPRequestHandler, doc: Any) -> None:
        self._send(request, 200, json.dumps(doc).encode(), "application/json")

    @staticmethod
    def _send(
        request: BaseHTTPRequestHandler,
        status: int,
        body: bytes,
        kind: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        request.send_response(status)
        request.send_header("Content-Type", kind)
        request.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            request.send_header(key, value)
        request.end_headers()
        request.wfile.write(body)


def _target(spec: Spec) -> str:
    sep = "==" if spec.ecosystem == "pypi" else "@"
    return f"{spec.ecosystem}:{spec.name}{sep}{spec.version}"
