"""--verify against a fake provider on loopback: live, revoked, no redirect followed, nothing
cached, the value never in the report."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
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


def test_sigv4_matches_awss_published_test_vector() -> None:
    """AWS's Signature Version 4 test suite, case ``get-vanilla`` (its documented credentials,
    date and expected signature)."""
    headers = verify.sigv4_headers(
        "AKIDEXAMPLE",
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        method="GET",
        host="example.amazonaws.com",
        path="/",
        body="",
        region="us-east-1",
        service="service",
        headers={},
        now=datetime(2015, 8, 30, 12, 36, tzinfo=UTC),
    )
    assert headers["Authorization"] == (
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request,"
        " SignedHeaders=host;x-amz-date,"
        " Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
    )
    assert headers["X-Amz-Date"] == "20150830T123600Z"


AWS_FORGE = Forge(34)
AWS_LIVE = (AWS_FORGE.aws_key_id(), AWS_FORGE.aws_secret())
AWS_DEAD = (AWS_FORGE.aws_key_id(account=210987654321), AWS_FORGE.aws_secret())


class FakeSts(BaseHTTPRequestHandler):
    """STS's GetCallerIdentity: the live pair's key id answers with its ARN (XML in STS's
    namespace); any other key id is InvalidClientTokenId. It records every request whole."""

    seen: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        auth = self.headers.get("Authorization", "")
        self.seen.append(f"{self.path}\n{self.headers}\n{body}")
        ns = "https://sts.amazonaws.com/doc/2011-06-15/"
        if body != "Action=GetCallerIdentity&Version=2011-06-15" or "/sts/aws4_request" not in auth:
            self._answer(
                400, f'<ErrorResponse xmlns="{ns}"><Error><Code>Bad</Code></Error></ErrorResponse>'
            )
        elif f"Credential={AWS_LIVE[0]}/" in auth:
            arn = "arn:aws:iam::123456789012:user/deployer"
            self._answer(
                200,
                f'<GetCallerIdentityResponse xmlns="{ns}"><GetCallerIdentityResult>'
                f"<Arn>{arn}</Arn><UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account>"
                "</GetCallerIdentityResult></GetCallerIdentityResponse>",
            )
        else:
            self._answer(
                403,
                f'<ErrorResponse xmlns="{ns}"><Error><Type>Sender</Type>'
                "<Code>InvalidClientTokenId</Code></Error></ErrorResponse>",
            )

    def _answer(self, status: int, text: str) -> None:
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


def test_verify_asks_sts_with_a_signed_request_for_an_aws_pair(tmp_path: Path) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeSts)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    FakeSts.seen = []
    root = tmp_path / "tree"
    root.mkdir()
    (root / "deploy.env").write_text(
        f"AWS_ACCESS_KEY_ID={AWS_LIVE[0]}\nAWS_SECRET_ACCESS_KEY={AWS_LIVE[1]}\n\n\n\n\n\n\n\n\n\n\n"
        f"OLD_AWS_ACCESS_KEY_ID={AWS_DEAD[0]}\nOLD_AWS_SECRET_ACCESS_KEY={AWS_DEAD[1]}\n"
    )
    options = ScanOptions(
        jobs=1,
        cache_dir=None,
        offline=False,
        select=("SEC",),
        analyzer_options={
            "secrets.verify": True,
            "secrets.verify_interval": 0,
            "secrets.verify_url.aws-access-key-id": f"http://127.0.0.1:{server.server_address[1]}",
        },
    )
    try:
        result = scan([str(root)], options)
    finally:
        server.shutdown()
        server.server_close()
    by_line = {f.location.line: f for f in result.findings}
    live, dead = by_line[1], by_line[13]
    assert live.properties["verified"] == "live"
    assert live.properties["verified_identity"] == "arn:aws:iam::123456789012:user/deployer"
    assert live.severity.label == "critical"
    assert dead.properties["verified"] == "revoked"
    assert "InvalidClientTokenId" in dead.properties["verified_detail"]
    assert len(FakeSts.seen) == 2
    # the secret access key signs the request and never travels in it
    assert not any(AWS_LIVE[1] in request or AWS_DEAD[1] in request for request in FakeSts.seen)
    text = render("json", result) + render("sarif", result) + render("terminal", result)
    for value in (*AWS_LIVE, *AWS_DEAD):
        assert value not in text


def test_a_lone_aws_key_id_is_not_asked() -> None:
    assert verify.verify("aws-access-key-id", AWS_LIVE[0], {}) is None
