"""The cryptographic inventory table of the terminal and HTML reports."""

from __future__ import annotations

from typing import Any

from outwork.core.findings import ScannedArtifact, ScanResult
from outwork.report import html, terminal
from outwork.report.cryptosummary import crypto_summary


def _component(algorithm: str, status: str, lines: list[int], **extra: Any) -> dict[str, Any]:
    props = {"assetType": "algorithm", "algorithm": algorithm, "status": status, "lines": lines}
    props.update(extra)
    return {"type": "cryptographic-asset", "name": algorithm, "properties": props}


def _result() -> ScanResult:
    rsa = _component(
        "RSA",
        "quantum-vulnerable",
        [3, 9],
        deprecatedAfter=2030,
        disallowedAfter=2035,
        cnsa2After=2033,
        migrationTarget="ML-KEM-768",
    )
    files = {
        "a.py": [rsa, _component("MD5", "broken", [1])],
        "b.go": [rsa, _component("ML-KEM", "quantum-safe", [4])],
        "tls://h:443": [
            {
                "type": "cryptographic-asset",
                "name": "TLSv1.0",
                "properties": {
                    "assetType": "protocol",
                    "algorithm": "TLS",
                    "version": "TLSv1.0",
                    "status": "broken",
                },
            }
        ],
        "pkg.whl": [{"type": "library", "name": "x", "properties": {}}],
    }
    return ScanResult(
        artifacts=[
            ScannedArtifact(path, "python", 1, None, properties={"components": comps})
            for path, comps in files.items()
        ]
    )


def test_rows_by_family_and_status_worst_and_soonest_first() -> None:
    rows = crypto_summary(_result())
    assert [(r.family, r.status, r.artifacts, r.uses) for r in rows] == [
        ("MD5", "broken", 1, 1),
        ("TLSv1.0", "broken", 1, 1),
        ("RSA", "quantum-vulnerable", 2, 4),
        ("ML-KEM", "quantum-safe", 1, 1),
    ]
    rsa = rows[2]
    assert (rsa.deprecated_after, rsa.disallowed_after, rsa.cnsa2_after) == (2030, 2035, 2033)


def test_terminal_and_html_show_the_table_only_when_there_is_cryptography() -> None:
    text = terminal.render_text(_result(), width=160)
    assert "Cryptographic inventory" in text
    line = next(x for x in text.splitlines() if x.startswith("RSA"))
    assert line.split()[:7] == ["RSA", "quantum-vulnerable", "2", "4", "2030", "2035", "2033"]
    page = html.render(_result())
    assert "<td>RSA</td><td>quantum-vulnerable</td><td>2</td><td>4</td><td>2030</td>" in page
    empty = ScanResult()
    assert "Cryptographic inventory" not in terminal.render_text(empty)
    assert "Cryptographic inventory" not in html.render(empty)
