"""``outwork serve``'s API: tokens (hashed, scoped, no anonymous writes), submissions of
registry references, server paths and uploads scanned like local scans, and hostile or
malformed requests refused with a 4xx before anything is stored."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path

from outwork.cli.main import run
from tests.serve.helpers import EVIL, PAYLOAD, Service, add_token, pypi, service

from outwork.serve.app import Limits  # isort: skip  # after helpers' check of the serve extra

DOCS = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def _scans(svc: Service) -> int:
    return len(svc.store.scans(limit=1000))


def test_health_needs_no_token_and_everything_else_does(tmp_path: Path) -> None:
    with service(tmp_path) as svc:
        assert svc.client.get("/v1/health").json()["status"] == "ok"
        for method, path in (("get", "/v1/scans"), ("get", "/v1/verdicts"), ("post", "/v1/scans")):
            response = svc.client.request(method, path, json={"target": "pypi:x==1"})
            assert response.status_code == 401
            assert "token" in response.json()["error"]
        bad = svc.client.get("/v1/scans", headers=svc.auth("ow_not-a-token"))
        assert bad.status_code == 401 and bad.json() == {"error": "unknown or revoked token"}
        # A read token reads and may not write.
        assert svc.client.get("/v1/scans", headers=svc.auth(svc.read)).status_code == 200
        denied = svc.client.post(
            "/v1/scans", json={"target": "pypi:x==1"}, headers=svc.auth(svc.read)
        )
        assert denied.status_code == 403
        assert _scans(svc) == 0


def test_anonymous_reads_when_opened_never_anonymous_writes(tmp_path: Path) -> None:
    with service(tmp_path, anonymous_read=True) as svc:
        assert svc.client.get("/v1/verdicts").status_code == 200
        assert svc.client.post("/v1/scans", json={"target": "pypi:x==1"}).status_code == 401
        assert svc.client.post("/v1/uploads?filename=a.tar.gz", content=EVIL).status_code == 401
        assert _scans(svc) == 0


def test_tokens_are_stored_hashed_created_and_revoked_by_the_command_line(
    tmp_path: Path,
) -> None:
    store = tmp_path / "results.sqlite3"
    out, err = io.StringIO(), io.StringIO()
    argv = ["token", "create", "alice", "--scope", "read", "--store", str(store)]
    assert run(argv, out, err) == 0
    token = out.getvalue().strip()
    assert token.startswith("ow_") and len(token) > 40
    raw = store.read_bytes() + b"".join(p.read_bytes() for p in tmp_path.glob("results.sqlite3-*"))
    assert token.encode() not in raw
    with sqlite3.connect(store) as db:
        ((digest, scope),) = db.execute("SELECT digest, scope FROM api_tokens").fetchall()
    assert len(digest) == 64 and scope == "read"
    # A second token of the same name is refused; the list shows no secret.
    assert run(["token", "create", "alice", "--store", str(store)], out, err) == 2
    listing = io.StringIO()
    assert run(["token", "list", "--store", str(store)], listing, err) == 0
    assert listing.getvalue().startswith("alice\tread\t") and token not in listing.getvalue()
    assert run(["token", "revoke", "alice", "--store", str(store)], out, err) == 0
    assert run(["token", "revoke", "alice", "--store", str(store)], out, err) == 2


def test_a_revoked_token_is_refused(tmp_path: Path) -> None:
    with service(tmp_path) as svc:
        token = add_token(svc.store, "temp", "write")
        assert svc.client.get("/v1/scans", headers=svc.auth(token)).status_code == 200
        assert svc.store.revoke_token("temp")
        assert svc.client.get("/v1/scans", headers=svc.auth(token)).status_code == 401


def test_a_path_under_the_root_is_scanned_and_its_results_queried(tmp_path: Path) -> None:
    with service(tmp_path) as svc:
        (svc.root / "proj").mkdir()
        (svc.root / "proj" / "setup.py").write_text(PAYLOAD)
        submitted = svc.client.post("/v1/scans", json={"target": "proj"}, headers=svc.auth())
        assert submitted.status_code == 202, submitted.text
        body = submitted.json()
        assert body["status"] in ("queued", "running", "done") and body["origin"] == "api:ci"
        scan = svc.wait(body["id"])
        assert scan["status"] == "done" and scan["verdict"] == "critical"
        report = svc.client.get(f"/v1/scans/{body['id']}/report", headers=svc.auth()).json()
        assert any(f["code"] == "PKG001" for f in report["findings"])
        html = svc.client.get(f"/v1/scans/{body['id']}/report?format=html", headers=svc.auth())
        assert html.headers["content-type"].startswith("text/html")
        assert "sandbox" in html.headers["content-security-policy"]
        assert "PKG001" in html.text
        findings = svc.client.get("/v1/findings?rule=PKG001", headers=svc.auth(svc.read)).json()
        assert findings and findings[0]["path"].endswith("proj/setup.py")
        listed = svc.client.get("/v1/scans?status=done", headers=svc.auth()).json()
        assert [s["id"] for s in listed] == [body["id"]]


def test_paths_outside_the_root_are_refused_and_nothing_is_stored(tmp_path: Path) -> None:
    outside = tmp_path / "secret"
    outside.mkdir()
    (outside / "key.py").write_text("x = 1\n")
    with service(tmp_path) as svc:
        (svc.root / "escape").symlink_to(outside)
        for target in ("../secret", str(outside), "escape", "escape/key.py", "missing"):
            response = svc.client.post("/v1/scans", json={"target": target}, headers=svc.auth())
            assert response.status_code == 400, target
            assert response.json()["error"]
        assert _scans(svc) == 0


def test_malformed_requests_get_a_clear_4xx_and_store_nothing(tmp_path: Path) -> None:
    with service(tmp_path) as svc:
        auth = svc.auth()
        cases = [
            svc.client.post("/v1/scans", content=b"{not json", headers=auth),
            svc.client.post("/v1/scans", json={}, headers=auth),
            svc.client.post("/v1/scans", json={"target": ""}, headers=auth),
            svc.client.post("/v1/scans", json={"target": "x", "extra": 1}, headers=auth),
            svc.client.post("/v1/scans", json={"target": ["a"]}, headers=auth),
            svc.client.post("/v1/scans", json={"target": "pypi:bad name"}, headers=auth),
            svc.client.post("/v1/scans", json={"target": "cargo:serde"}, headers=auth),
            svc.client.post("/v1/scans", json={"target": "a\x00b"}, headers=auth),
            svc.client.post("/v1/uploads?filename=../evil.tar.gz", content=EVIL, headers=auth),
            svc.client.post("/v1/uploads?filename=.hidden", content=EVIL, headers=auth),
            svc.client.post("/v1/uploads", content=EVIL, headers=auth),
            svc.client.post("/v1/uploads?filename=empty.tar.gz", content=b"", headers=auth),
            svc.client.get("/v1/scans?limit=100000", headers=auth),
            svc.client.get("/v1/findings?digest=xyz", headers=auth),
            svc.client.get("/v1/scans/not-a-number", headers=auth),
        ]
        for response in cases:
            assert 400 <= response.status_code < 500, response.text
            error = response.json()["error"]
            assert isinstance(error, str) and error
        assert cases[0].status_code == 422 and cases[0].json()["error"].startswith("malformed")
        assert svc.client.get("/v1/scans/999", headers=auth).status_code == 404
        assert _scans(svc) == 0
        assert not any(svc.scratch.iterdir())


def test_oversized_bodies_are_refused_declared_or_streamed(tmp_path: Path) -> None:
    limits = Limits(max_request_bytes=1024, max_upload_bytes=4096)
    with service(tmp_path, limits=limits) as svc:
        auth = svc.auth()
        big = {"target": "x" * 2000}
        assert svc.client.post("/v1/scans", json=big, headers=auth).status_code == 413
        declared = svc.client.post(
            "/v1/uploads?filename=big.tar.gz", content=b"x" * 5000, headers=auth
        )
        assert declared.status_code == 413 and "4,096 bytes" in declared.json()["error"]

        def chunks() -> object:
            for _ in range(10):
                yield b"y" * 1000

        streamed = svc.client.post(
            "/v1/uploads?filename=big.tar.gz", content=chunks(), headers=auth
        )
        assert streamed.status_code == 413
        assert _scans(svc) == 0
        assert not any(svc.scratch.iterdir())  # the partial upload is gone


def test_callers_are_rate_limited(tmp_path: Path) -> None:
    with service(tmp_path, limits=Limits(per_minute=6, burst=3)) as svc:
        codes = [svc.client.get("/v1/scans", headers=svc.auth()).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        limited = svc.client.get("/v1/scans", headers=svc.auth())
        assert int(limited.headers["retry-after"]) >= 1
        # Another token has its own allowance; unauthenticated guesses are limited too.
        assert svc.client.get("/v1/scans", headers=svc.auth(svc.read)).status_code == 200
        guesses = [svc.client.get("/v1/scans").status_code for _ in range(4)]
        assert guesses == [401, 401, 401, 429]


def test_an_upload_is_scanned_with_the_budgets_and_removed_after(tmp_path: Path) -> None:
    with service(tmp_path) as svc:
        response = svc.client.post(
            "/v1/uploads?filename=demo-1.0.tar.gz", content=EVIL, headers=svc.auth()
        )
        assert response.status_code == 202, response.text
        scan = svc.wait(response.json()["id"])
        assert scan["verdict"] == "critical"
        report = svc.client.get(f"/v1/scans/{scan['id']}/report", headers=svc.auth()).json()
        assert any(f["code"] == "PKG001" for f in report["findings"])
        assert not any(svc.scratch.iterdir())


def test_an_archive_bomb_upload_is_stopped_by_the_budgets(tmp_path: Path) -> None:
    """A small upload that expands past the local scans' ratio budget: a finding that says
    so, the service still up, nothing written outside the scratch area."""
    bomb = io.BytesIO()
    with tarfile.open(fileobj=bomb, mode="w:gz") as tar:
        data = b"\0" * (64 * 1024 * 1024)
        info = tarfile.TarInfo("bomb-1.0/zeros.py")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    with service(tmp_path) as svc:
        before = set(os.listdir(tmp_path))
        response = svc.client.post(
            "/v1/uploads?filename=bomb-1.0.tar.gz", content=bomb.getvalue(), headers=svc.auth()
        )
        assert response.status_code == 202
        scan = svc.wait(response.json()["id"])
        assert scan["status"] == "done"
        report = svc.client.get(f"/v1/scans/{scan['id']}/report", headers=svc.auth()).json()
        assert any(f["code"].startswith("CORE") for f in report["findings"]), report["findings"]
        assert set(os.listdir(tmp_path)) == before
        assert svc.client.get("/v1/health").status_code == 200


def test_a_registry_reference_gets_a_verdict_and_a_history(tmp_path: Path) -> None:
    with pypi() as registry, service(tmp_path, registry=registry) as svc:
        response = svc.client.post(
            "/v1/scans", json={"target": "pypi:demo==1.0"}, headers=svc.auth()
        )
        assert response.status_code == 202
        assert response.json()["release"] == {"ecosystem": "pypi", "name": "demo", "version": "1.0"}
        scan = svc.wait(response.json()["id"])
        assert scan["verdict"] == "critical", scan
        verdicts = svc.client.get("/v1/verdicts", headers=svc.auth(svc.read)).json()
        assert [(v["release"]["name"], v["verdict"]) for v in verdicts] == [("demo", "critical")]
        history = svc.client.get("/v1/packages/pypi/demo", headers=svc.auth(svc.read)).json()
        assert [v["release"]["version"] for v in history["verdicts"]] == ["1.0"]
        assert [s["id"] for s in history["scans"]] == [scan["id"]]


def test_scans_left_by_a_stopped_server_run_again(tmp_path: Path) -> None:
    with service(tmp_path) as svc:
        (svc.root / "setup.py").write_text(PAYLOAD)
        scan_id = svc.store.create_scan(str(svc.root / "setup.py"), origin="api:ci")
        assert svc.service.resume() == 1
        assert svc.wait(scan_id)["verdict"] == "critical"


def test_the_openapi_document_in_docs_is_current(tmp_path: Path) -> None:
    with service(tmp_path) as svc:
        served = svc.client.get("/openapi.json").json()
    out, err = io.StringIO(), io.StringIO()
    assert run(["serve", "--openapi"], out, err) == 0, err.getvalue()
    generated = json.loads(out.getvalue())
    assert generated == served
    assert {"/v1/scans", "/v1/uploads", "/v1/scans/{scan_id}/report"} <= set(served["paths"])
    assert served["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    written = json.loads(DOCS.read_text()) if DOCS.is_file() else None
    assert written == generated, "docs/openapi.json is stale: outwork serve --openapi > it"


def test_serve_without_the_extra_says_how_to_install_it() -> None:
    code = (
        "import io, sys\n"
        "sys.modules['fastapi'] = None\n"
        "from outwork.cli.main import run\n"
        "err = io.StringIO()\n"
        "print(run(['serve', '--port', '1'], io.StringIO(), err), err.getvalue())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.stdout.startswith("2 ") and "pip install 'outwork[serve]'" in done.stdout
