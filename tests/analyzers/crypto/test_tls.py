"""``outwork tls``: versions, suites, chains and the hybrid group, probed on loopback servers
the tests start (never the internet)."""

from __future__ import annotations

import io
import json
import socket
import ssl
import struct
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from outwork.analyzers.crypto.endpoint import endpoint_assets, scan_endpoints
from outwork.analyzers.crypto.facts import asset_facts
from outwork.analyzers.crypto.files import read_file
from outwork.analyzers.crypto.policy import Status, classify
from outwork.analyzers.crypto.tlsprobe import parse_target, probe
from outwork.cli.main import run
from outwork.graph import build_paths
from tests.analyzers.crypto import material, tlsservers


def test_versions_suites_and_chain_of_a_legacy_server(tmp_path: Path) -> None:
    handler = tlsservers.python_tls(
        tmp_path,
        ssl.TLSVersion.TLSv1,
        ssl.TLSVersion.TLSv1_2,
        "ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA:@SECLEVEL=0",
    )
    with tlsservers.serving(handler) as port:
        endpoint = probe("127.0.0.1", port, timeout=3)
    assert endpoint.versions == {
        "SSLv3": False,
        "TLSv1.0": True,
        "TLSv1.1": True,
        "TLSv1.2": True,
        "TLSv1.3": False,
    }
    assert endpoint.suites["TLSv1.2"] == [
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "TLS_RSA_WITH_AES_128_CBC_SHA",
    ]
    assert endpoint.suites["TLSv1.0"] == ["TLS_RSA_WITH_AES_128_CBC_SHA"]
    assert len(endpoint.chain) == 1 and endpoint.hybrid is None
    findings = scan_endpoints([f"127.0.0.1:{port}"], prober=lambda *a, **k: endpoint).findings
    legacy = sorted(f.location.logical or "" for f in findings if f.code == "CRY007")
    assert legacy == ["TLSv1.0", "TLSv1.1"]
    assert all(f.location.path == f"tls://127.0.0.1:{port}" for f in findings)


def test_a_tls13_server_without_the_hybrid_group(tmp_path: Path) -> None:
    handler = tlsservers.python_tls(tmp_path, ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_3)
    with tlsservers.serving(handler) as port:
        endpoint = probe("127.0.0.1", port, timeout=3)
    assert [v for v, ok in endpoint.versions.items() if ok] == ["TLSv1.3"]
    assert "TLS_AES_256_GCM_SHA384" in endpoint.suites["TLSv1.3"]
    assert endpoint.hybrid is False and endpoint.preferred_group == "x25519"
    assert len(endpoint.chain) == 1  # read through the local library: 1.3 encrypts it
    assets, _ = endpoint_assets(endpoint)
    (protocol,) = [a for a in assets if a.version == "TLSv1.3"]
    assert classify(protocol).status is Status.QUANTUM_VULNERABLE


def test_a_server_selecting_x25519mlkem768_is_seen_as_hybrid() -> None:
    with tlsservers.serving(tlsservers.hybrid_tls13) as port:
        endpoint = probe("127.0.0.1", port, timeout=3)
    assert endpoint.hybrid is True and endpoint.preferred_group == "X25519MLKEM768"
    assert [v for v, ok in endpoint.versions.items() if ok] == ["TLSv1.3"]
    assets, _ = endpoint_assets(endpoint)
    (protocol,) = [a for a in assets if a.version == "TLSv1.3"]
    assert classify(protocol).status is Status.QUANTUM_SAFE
    assert "X25519MLKEM768" in [a.algorithm for a in assets]
    # its chain could not be read (the raw server stops at the ServerHello), and says so
    assert any("certificate chain not read" in p for p in endpoint.problems)


def test_the_command_reports_json_and_gates(tmp_path: Path) -> None:
    handler = tlsservers.python_tls(
        tmp_path, ssl.TLSVersion.TLSv1, ssl.TLSVersion.TLSv1_2, "DEFAULT:@SECLEVEL=0"
    )
    out, err = io.StringIO(), io.StringIO()
    with tlsservers.serving(handler) as port:
        code = run(["tls", f"127.0.0.1:{port}", "-f", "json", "--timeout", "3"], out, err)
    report = json.loads(out.getvalue())
    assert code == 1
    assert {f["code"] for f in report["findings"]} >= {"CRY007"}
    relations = {(f["relation"], f["target"]) for f in report["facts"]}
    assert ("protects-traffic-with", "crypto:TLSv1.0") in relations


def test_a_closed_port_is_reported_not_silent() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        port = holder.getsockname()[1]
    result = scan_endpoints([f"127.0.0.1:{port}"], timeout=1)
    assert [f.code for f in result.findings] == ["CRY010"]
    assert "cannot connect" in result.findings[0].message


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"HTTP/1.1 400 Bad Request\r\n\r\n",
        b"\x16\x03\x03\xff\xff" + b"\x02" * 100,  # a record longer than what follows
        b"\x16\x03\x03\x00\x06\x02\x00\x00\x02\x03\x03",  # a ServerHello cut short
        b"\x16\x03\x03" + struct.pack(">H", 4) + b"\x0b\xff\xff\xff",  # a huge Certificate
    ],
)
def test_hostile_answers_end_within_the_timeout(payload: bytes) -> None:
    with tlsservers.serving(tlsservers.garbage(payload)) as port:
        started = time.monotonic()
        endpoint = probe("127.0.0.1", port, timeout=1)
    assert not any(endpoint.versions.values())
    assert any(p.startswith("no protocol version accepted") for p in endpoint.problems)
    assert time.monotonic() - started < 30


def test_usage_errors_name_the_remedy() -> None:
    err = io.StringIO()
    assert run(["tls", "host:notaport"], io.StringIO(), err) == 2
    assert "port must be a number" in err.getvalue()
    assert parse_target("tls://[::1]:8443") == ("::1", 8443)
    assert parse_target("example.test") == ("example.test", 443)


def test_an_endpoints_private_key_in_a_scanned_file_is_an_attack_path(tmp_path: Path) -> None:
    handler = tlsservers.python_tls(tmp_path, ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3)
    with tlsservers.serving(handler) as port:
        result = scan_endpoints([f"127.0.0.1:{port}"], timeout=3)
    leaked = read_file("deploy/key.pem", (tmp_path / "key.pem").read_bytes()).assets
    facts = [*result.facts, *asset_facts("deploy/key.pem", leaked)]
    (path,) = build_paths(facts)
    assert path.entry == "entry:network" and path.target.startswith("jewel:private-key:")
    # the twin: another key in the file, no path
    other = read_file("deploy/other.pem", _other_key()).assets
    assert build_paths([*result.facts, *asset_facts("deploy/other.pem", other)]) == []


def _other_key() -> bytes:
    return material.rsa_key(2048).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def test_scan_with_a_tls_target_joins_the_endpoint_and_its_leaked_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = tmp_path / "server"
    server.mkdir()
    handler = tlsservers.python_tls(server, ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3)
    repo = tmp_path / "repo" / "deploy"
    repo.mkdir(parents=True)
    (repo / "server.key").write_bytes((server / "key.pem").read_bytes())
    monkeypatch.delenv("OUTWORK_OFFLINE")  # this test serves its endpoint on loopback
    out, err = io.StringIO(), io.StringIO()
    with tlsservers.serving(handler) as port:
        argv = ["scan", str(tmp_path / "repo"), f"tls:127.0.0.1:{port}", "-f", "json"]
        code = run([*argv, "--select", "CRY,PATH", "--no-cache", "--no-config"], out, err)
    report = json.loads(out.getvalue())
    assert code == 1, err.getvalue()
    (path,) = report["paths"]
    assert path["entry"] == "entry:network" and path["target"].startswith("jewel:private-key:")
    assert "PATH001" in {f["code"] for f in report["findings"]}


def test_scan_refuses_tls_targets_offline() -> None:
    err = io.StringIO()
    assert run(["scan", "tls:127.0.0.1:1", "--offline"], io.StringIO(), err) == 2
    assert "tls: targets ask the network" in err.getvalue()
