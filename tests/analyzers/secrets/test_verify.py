"""--verify against a fake provider on loopback: live, revoked, no redirect followed, nothing
cached, the value never in the report."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from outwork.analyzers.secrets import verify
from outwork.cli.main import main
from outwork.engine.pipeline import ScanOptions, scan
from outwork.report import render
from tests.secretforge import Forge

LIVE = Forge(31).github()
REVOKED = Forge(32).github()
REDIRECTED = Forge(33).npm()


class FakeProvider(BaseHTTPRequestHandler):
    seen: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        auth = self.headers.get("Authorization", "")
        self.seen.append(self.path)
        if self.path == "/user" and auth == f"token {LIVE}":
            self._answer(200, {"login": "octo-deployer"})
        elif self.path == "/-/whoami":
            self.send_response(302)
            self.send_header("Location", "http://127.0.0.2:9/steal")
            self.end_headers()
        else:
            self._answer(401, {"message": "Bad credentials"})

    def _answer(self, status: int, body: dict[str, str]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def provider() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeProvider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeProvider.seen = []
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    root.mkdir()
    (root / "settings.py").write_text(f'A = "{LIVE}"\nB = "{REVOKED}"\nC = "{REDIRECTED}"\n')
    return root


def _options(base: str) -> dict[str, object]:
    return {
        "secrets.verify": True,
        "secrets.verify_interval": 0,
        "secrets.verify_url.github-token": base,
        "secrets.verify_url.npm-token": base,
    }


def test_verify_asks_the_provider(tmp_path: Path, provider: str) -> None:
    root = _tree(tmp_path)
    cache = tmp_path / "cache"
    options = ScanOptions(
        jobs=1,
        cache_dir=str(cache),
        offline=False,
        select=("SEC",),
        analyzer_options=_options(provider),
    )
    result = scan([str(root)], options)
    by_line = {f.location.line: f for f in result.findings}
    live, revoked, redirected = by_line[1], by_line[2], by_line[3]
    assert live.properties["verified"] == "live"
    assert live.properties["verified_identity"] == "octo-deployer"
    assert live.severity.label == "critical"
    assert "live at the provider as octo-deployer" in live.message
    assert revoked.properties["verified"] == "revoked"
    assert revoked.severity.label == "low"
    assert redirected.properties["verified"] == "unknown"  # the redirect is not followed
    assert ("authenticates-as", "principal:github:octo-deployer") in {
        (f.relation, f.target) for f in result.facts
    }
    text = render("json", result) + render("sarif", result) + render("terminal", result)
    assert LIVE not in text and REVOKED not in text and REDIRECTED not in text
    asked = len(FakeProvider.seen)
    scan([str(root)], options)
    assert len(FakeProvider.seen) == 2 * asked  # asked again: verified results are not cached


def test_without_online_nothing_is_asked(tmp_path: Path, provider: str) -> None:
    root = _tree(tmp_path)
    options = ScanOptions(
        jobs=1, cache_dir=None, offline=True, select=("SEC",), analyzer_options=_options(provider)
    )
    result = scan([str(root)], options)
    assert not FakeProvider.seen
    assert all("verified" not in f.properties for f in result.findings)


def test_verify_needs_online(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _tree(tmp_path)
    assert main(["scan", str(root), "--verify", "--no-cache"]) == 2
    assert "--online" in capsys.readouterr().err


def test_rows_without_a_verifier_are_not_asked() -> None:
    assert verify.verify("aws-access-key-id", "AKIA", {}) is None
