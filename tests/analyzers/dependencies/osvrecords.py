"""Small OSV records written for outwork's tests, modelled on real advisories (ids, ranges and
fixed versions as published), and a helper that builds an advisory database from them."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

from outwork.store.advisories import import_zip

MODIFIED = "2024-06-01T00:00:00Z"


def _record(
    vid: str,
    ecosystem: str,
    name: str,
    events: list[dict[str, str]] | None = None,
    *,
    aliases: tuple[str, ...] = (),
    versions: tuple[str, ...] = (),
    vector: str | None = None,
    summary: str = "",
    range_type: str = "ECOSYSTEM",
    extra_ranges: list[list[dict[str, str]]] | None = None,
    **more: Any,
) -> dict[str, Any]:
    affected: dict[str, Any] = {"package": {"ecosystem": ecosystem, "name": name}}
    ranges = []
    if events:
        ranges.append({"type": range_type, "events": events})
    for other in extra_ranges or []:
        ranges.append({"type": range_type, "events": other})
    if ranges:
        affected["ranges"] = ranges
    if versions:
        affected["versions"] = list(versions)
    record: dict[str, Any] = {
        "schema_version": "1.6.0",
        "id": vid,
        "modified": MODIFIED,
        "aliases": list(aliases),
        "affected": [affected],
    }
    if summary:
        record["summary"] = summary
    if vector:
        record["severity"] = [{"type": "CVSS_V3", "score": vector}]
    record.update(more)
    return record


RECORDS: list[tuple[str, dict[str, Any]]] = [
    (
        "PyPI",
        _record(
            "GHSA-x84v-xcm2-53pg",
            "PyPI",
            "requests",
            [{"introduced": "0"}, {"fixed": "2.20.0"}],
            aliases=("CVE-2018-18074",),
            vector="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N",
            summary="Insufficiently Protected Credentials in Requests",
        ),
    ),
    (
        "PyPI",
        _record(
            "PYSEC-2018-28",
            "PyPI",
            "requests",
            [{"introduced": "0"}, {"fixed": "2.20.0"}],
            aliases=("CVE-2018-18074", "GHSA-x84v-xcm2-53pg"),
        ),
    ),
    (
        "PyPI",
        _record(
            "GHSA-j8r2-6x86-q33q",
            "PyPI",
            "requests",
            [{"introduced": "2.3.0"}, {"fixed": "2.31.0"}],
            aliases=("CVE-2023-32681",),
            vector="CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N",
            summary="Unintended leak of Proxy-Authorization header in requests",
        ),
    ),
    (
        "PyPI",
        _record(
            "GHSA-h5c8-rqwp-cp95",
            "PyPI",
            "Jinja2",
            [{"introduced": "0"}, {"fixed": "3.1.3"}],
            aliases=("CVE-2024-22195",),
            vector="CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:L/I:L/A:N",
            summary="Jinja vulnerable to HTML attribute injection",
        ),
    ),
    # Made up for the low and none rows of VUL001's severity table (no real package).
    (
        "PyPI",
        _record(
            "OUTWORK-TEST-0001",
            "PyPI",
            "outwork-fixture-low",
            [{"introduced": "0"}, {"fixed": "1.1.0"}],
            vector="CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N",
            summary="Test advisory rated low",
        ),
    ),
    (
        "PyPI",
        _record(
            "OUTWORK-TEST-0002",
            "PyPI",
            "outwork-fixture-none",
            [{"introduced": "0"}, {"fixed": "1.1.0"}],
            vector="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N",
            summary="Test advisory rated none",
        ),
    ),
    (
        "PyPI",
        _record(
            "GHSA-withdrawn-0001",
            "PyPI",
            "urllib3",
            [{"introduced": "0"}],
            withdrawn="2024-01-01T00:00:00Z",
        ),
    ),
    (
        "PyPI",
        _record(
            "MAL-2024-0001",
            "PyPI",
            "reqeusts",
            versions=("2.28.1",),
            summary="Malicious code in reqeusts (PyPI)",
        ),
    ),
    (
        "npm",
        _record(
            "GHSA-35jh-r3h4-6jhm",
            "npm",
            "lodash",
            [{"introduced": "0"}, {"fixed": "4.17.21"}],
            aliases=("CVE-2021-23337",),
            vector="CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H",
            summary="Command Injection in lodash",
            range_type="SEMVER",
        ),
    ),
    (
        "npm",
        _record(
            "MAL-2022-0002",
            "npm",
            "crossenv",
            [{"introduced": "0"}],
            summary="Malicious code in crossenv (npm)",
        ),
    ),
    (
        "crates.io",
        _record(
            "RUSTSEC-2021-0003",
            "crates.io",
            "smallvec",
            [{"introduced": "0.3.0"}, {"fixed": "0.6.14"}],
            extra_ranges=[[{"introduced": "1.0.0"}, {"fixed": "1.6.1"}]],
            aliases=("CVE-2021-25900", "GHSA-43w2-9j62-hq99"),
            range_type="SEMVER",
        ),
    ),
    (
        "Go",
        _record(
            "GO-2021-0113",
            "Go",
            "golang.org/x/text",
            [{"introduced": "0"}, {"fixed": "0.3.7"}],
            aliases=("CVE-2021-38561", "GHSA-ppp9-7jff-5vj2"),
            range_type="SEMVER",
        ),
    ),
    (
        "RubyGems",
        _record(
            "GHSA-crjr-9rc5-ghw8",
            "RubyGems",
            "nokogiri",
            [{"introduced": "0"}, {"fixed": "1.13.4"}],
            aliases=("CVE-2022-24836",),
            database_specific={"severity": "HIGH"},
        ),
    ),
    (
        "Maven",
        _record(
            "GHSA-jfh8-c2jp-5v3q",
            "Maven",
            "org.apache.logging.log4j:log4j-core",
            [{"introduced": "2.13.0"}, {"fixed": "2.15.0"}],
            extra_ranges=[[{"introduced": "2.0-beta9"}, {"fixed": "2.3.1"}]],
            aliases=("CVE-2021-44228",),
            vector="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H",
            summary="Remote code injection in Log4j",
        ),
    ),
    (
        "Packagist",
        _record(
            "GHSA-cwmx-hcrq-mhc3",
            "Packagist",
            "guzzlehttp/guzzle",
            [{"introduced": "7.0.0"}, {"fixed": "7.4.3"}],
            aliases=("CVE-2022-29248",),
            database_specific={"severity": "MODERATE"},
        ),
    ),
]


def write_feeds(directory: Path) -> dict[str, Path]:
    """One ``all.zip`` per ecosystem under ``directory/<ecosystem>/all.zip``."""
    feeds: dict[str, list[dict[str, Any]]] = {}
    for ecosystem, record in RECORDS:
        feeds.setdefault(ecosystem, []).append(record)
    out: dict[str, Path] = {}
    for ecosystem, records in feeds.items():
        target = directory / ecosystem / "all.zip"
        target.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
            for record in records:
                zf.writestr(f"{record['id']}.json", json.dumps(record))
        out[ecosystem] = target
    return out


def build_database(path: Path) -> Path:
    """An advisory database holding :data:`RECORDS`."""
    feeds = write_feeds(path.parent / (path.stem + "-feeds"))
    for ecosystem, zip_path in feeds.items():
        import_zip(path, ecosystem, zip_path)
    return path
