"""CycloneDX 1.6: valid against the official schema, with artifacts, components and findings."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from outwork.core.findings import ScannedArtifact
from outwork.report import cyclonedx
from tests.report.richresult import SHA_A, empty_result, rich_result


def _validate(text: str) -> None:
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    assert error is None, str(error)


@pytest.fixture(scope="module")
def bom() -> dict[str, Any]:
    text = cyclonedx.render(rich_result())
    _validate(text)
    return json.loads(text)


def _component(bom: dict[str, Any], ref: str) -> dict[str, Any]:
    return next(c for c in bom["components"] if c["bom-ref"] == ref)


def test_valid(bom: dict[str, Any]) -> None:
    assert bom["specVersion"] == "1.6"
    assert bom["bomFormat"] == "CycloneDX"
    _validate(cyclonedx.render(empty_result()))


def test_artifacts_are_file_components(bom: dict[str, Any]) -> None:
    app = _component(bom, "src/app.py")
    assert app["type"] == "file"
    assert app["hashes"] == [{"alg": "SHA-256", "content": SHA_A}]
    model_file = _component(bom, "models/model.pt")
    assert "hashes" not in model_file  # digest unknown: no made-up hash
    assert _component(bom, "tree/bad\\xffname.txt")["name"] == "tree/bad\\xffname.txt"


def test_identified_components(bom: dict[str, Any]) -> None:
    lib = _component(bom, "pkg:pypi/evil-pkg@1.0")
    assert lib["type"] == "library"
    assert lib["purl"] == "pkg:pypi/evil-pkg@1.0"
    assert lib["evidence"]["occurrences"] == [
        {"location": "dist/evil-1.0.tar.gz!/evil-1.0/setup.py"}
    ]
    model = next(c for c in bom["components"] if c["type"] == "machine-learning-model")
    assert model["modelCard"]["modelParameters"] == {"task": "classification"}
    names = {p["name"]: p["value"] for p in model["modelCard"]["properties"]}
    assert names == {"outwork:model:format": "pytorch-zip", "outwork:model:framework": "pytorch"}


def test_findings_are_vulnerabilities(bom: dict[str, Any]) -> None:
    vulns = bom["vulnerabilities"]
    assert len(vulns) == len(rich_result().findings)
    refs = {c["bom-ref"] for c in bom["components"]}
    for vuln in vulns:
        for target in vuln["affects"]:
            assert target["ref"] in refs
    props = {v["bom-ref"]: {p["name"]: p["value"] for p in v["properties"]} for v in vulns}
    traversal = next(v for v in vulns if props[v["bom-ref"]]["outwork:code"] == "CORE002")
    assert traversal["id"] == "MAL-2025-1234"
    assert traversal["source"]["name"] == "OSV"
    assert {r["id"] for r in traversal["references"]} == {
        "GHSA-abcd-efgh-ijkl",
        "CVE-2025-0001",
        "CORE002",
    }
    assert traversal["ratings"][0]["severity"] == "critical"
    assert traversal["cwes"] == [22]
    assert {t["ref"] for t in traversal["affects"]} == {
        "dist/evil-1.0.tar.gz!/evil-1.0/setup.py",
        "pkg:pypi/evil-pkg@1.0",
    }
    member = next(v for v in vulns if props[v["bom-ref"]]["outwork:code"] == "CORE008")
    assert member["id"] == "CORE008"
    # a finding inside a member of an analysed artifact affects that artifact
    assert member["affects"] == [{"ref": "models/model.pt"}]
    assert props[member["bom-ref"]]["outwork:logical"] == "pickle@0x1f"
    suppressed = next(v for v in vulns if props[v["bom-ref"]]["outwork:code"] == "CORE006")
    assert "baseline" in suppressed["analysis"]["detail"]
    assert props[suppressed["bom-ref"]]["outwork:suppressed"] == "baseline"


def test_deterministic_by_default() -> None:
    first = cyclonedx.render(rich_result())
    assert first == cyclonedx.render(rich_result())
    data = json.loads(first)
    assert "timestamp" not in data["metadata"]
    assert data["serialNumber"].startswith("urn:uuid:")
    assert data["serialNumber"] != json.loads(cyclonedx.render(empty_result()))["serialNumber"]


def test_serial_and_timestamp_given() -> None:
    serial = uuid.UUID("12345678-1234-5678-1234-567812345678")
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    text = cyclonedx.render(rich_result(), serial_number=serial, timestamp=when)
    _validate(text)
    data = json.loads(text)
    assert data["serialNumber"] == serial.urn
    assert data["metadata"]["timestamp"].startswith("2026-01-02T03:04:05")


def test_odd_components_do_not_break_the_sbom() -> None:
    result = rich_result()
    from dataclasses import replace

    odd = [
        {"type": "no-such-type", "name": "x", "version": 3, "purl": "pkg:not a purl"},
        {"type": "odd\udcfftype", "name": "z\udcff", "properties": {"k\udcff": "v\udcff"}},
        {"type": "machine-learning-model", "name": "m", "properties": {"k\udcff": 1.5}},
        {"type": "library", "name": "y", "purl": "pkg:pypi/y@1", "properties": {"n": [1, 2]}},
        {"type": "library", "name": "y", "purl": "pkg:pypi/y@1"},
        {"name": ""},
        "not a dict",
    ]
    result.artifacts[0] = replace(result.artifacts[0], properties={"components": odd})
    text = cyclonedx.render(result)
    text.encode("utf-8")
    _validate(text)
    data = json.loads(text)
    y = _component(data, "pkg:pypi/y@1")
    assert y["properties"] == [{"name": "outwork:n", "value": "[1, 2]"}]


def test_colliding_refs_stay_unique() -> None:
    """A file named like a purl, and two names equal once made UTF-8-safe, keep distinct refs."""
    result = rich_result()
    result.artifacts += [
        ScannedArtifact("pkg:pypi/evil-pkg@1.0", "text", 1, None),
        ScannedArtifact("tree/bad\\xffname.txt", "text", 1, None),
    ]
    text = cyclonedx.render(result)
    _validate(text)
    refs = [c["bom-ref"] for c in json.loads(text)["components"]]
    assert len(refs) == len(set(refs))
    assert "pkg:pypi/evil-pkg@1.0#2" in refs


def test_only_real_sha256_digests_become_hashes() -> None:
    """A cache identity or any other string in the digest field is never shown as a hash."""
    result = empty_result()
    real = "0123456789abcdef" * 4
    result.artifacts = [
        ScannedArtifact("real.txt", "text", 1, real),
        ScannedArtifact("identity.bin", "binary", 1, "stat:" + real[:59]),
        ScannedArtifact("upper.txt", "text", 1, real.upper()),
        ScannedArtifact("none.txt", "text", 1, None),
    ]
    text = cyclonedx.render(result)
    _validate(text)
    hashes = {
        c["name"]: c.get("hashes") for c in json.loads(text)["components"] if c["type"] == "file"
    }
    assert hashes == {
        "real.txt": [{"alg": "SHA-256", "content": real}],
        "identity.bin": None,
        "upper.txt": None,
        "none.txt": None,
    }
