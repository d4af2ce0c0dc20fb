"""A ScanResult that exercises every corner a reporter must handle.

Archive members, unknown lines, logical positions, unicode and undecodable names, hostile
strings (markup, terminal escapes, bidi overrides), suppressed findings, related locations,
advisory ids, analyzer errors, skips, components (libraries and a model), facts and an attack path.
Built from the core rules with made-up locations: reporters render, they never check plausibility.
"""

from __future__ import annotations

from outwork.core.corerules import (
    AnalyzerFailed,
    ArchiveDecompressionBomb,
    ArchiveLinkEscape,
    ArchiveNestingTooDeep,
    ArchivePathTraversal,
    ArchiveSpecialFile,
    ArchiveUnreadable,
    ScanBudgetExceeded,
)
from outwork.core.findings import (
    AnalyzerError,
    AttackPath,
    Fact,
    Finding,
    Location,
    ScannedArtifact,
    ScanResult,
    Skip,
    Stats,
    finding,
)
from outwork.core.rules import Confidence, Severity

HOSTILE = (
    '<script>alert("x")</script> & \x1b[31mred\x1b[0m \u202egnp.exe <img src=x onerror=alert(1)>'
)
SHA_A = "a" * 64
SHA_B = "b" * 64


def _at(item: Finding, path: str, **changes: object) -> Finding:
    from dataclasses import replace

    return replace(item, location=replace(item.location, path=path), **changes)  # type: ignore[arg-type]


def rich_result() -> ScanResult:
    findings = [
        _at(
            finding(
                ArchiveUnreadable,
                HOSTILE,
                line=3,
                column=5,
                evidence="eval(base64.b64decode('ZWNobyBvdXR3b3JrLXRlc3Q='))  # données ✓",
                remediation="Remove the call.",
            ),
            "src/app.py",
            snippet=(
                (1, "import base64"),
                (2, ""),
                (3, "\teval(base64.b64decode('ZWNobyBvdXR3b3JrLXRlc3Q='))  # \x1b[2J ✓"),
                (4, "print('漢字 done')"),
            ),
        ),
        _at(
            finding(ArchiveDecompressionBomb, "member expands 4000x", evidence="ratio 4000"),
            "dist/pkg-1.0.tar.gz!/pkg-1.0/bomb.zip",
        ),
        _at(
            finding(
                AnalyzerFailed,
                "analyzer models failed; the artifact is not proven safe",
                logical="pickle@0x1f",
                evidence="ValueError: truncated",
            ),
            "models/model.pt!/archive/data.pkl",
        ),
        _at(
            finding(
                ArchivePathTraversal,
                "member climbs out: ../../.bashrc",
                line=7,
                column=1,
                severity=Severity.CRITICAL,
                subject="pkg:pypi/evil-pkg@1.0",
                related=(Location("dist/evil-1.0.tar.gz!/evil-1.0/setup.py", 12, 3),),
                properties={
                    "advisory_ids": ["MAL-2025-1234"],
                    "aliases": ["GHSA-abcd-efgh-ijkl", "CVE-2025-0001"],
                    "tags": {"b", "a"},
                    "raw": b"\x00\xffbytes",
                    "_inline_markers": ["ALL"],
                },
            ),
            "dist/evil-1.0.tar.gz!/evil-1.0/setup.py",
        ),
        _at(
            finding(ArchiveLinkEscape, "link to /etc/passwd in a file with an undecodable name"),
            "tree/bad\udcffname.txt",
        ),
        _at(
            finding(ScanBudgetExceeded, "too many members", confidence=Confidence.LOW),
            "/abs/target/données/ファイル.zip",
        ),
        _at(
            finding(ArchiveSpecialFile, "block device dev/sda", line=1),
            "src/setup.py",
            suppressed="inline",
        ),
        _at(
            finding(ArchiveNestingTooDeep, "nested 7 deep", severity=Severity.INFO),
            "a.zip!/b.zip!/c.zip",
            suppressed="baseline",
        ),
    ]
    components = [
        {
            "type": "library",
            "name": "evil-pkg",
            "version": "1.0",
            "purl": "pkg:pypi/evil-pkg@1.0",
            "properties": {"license": "MIT"},
        },
        {
            "type": "machine-learning-model",
            "name": "model.pt",
            "version": None,
            "purl": None,
            "properties": {
                "format": "pytorch-zip",
                "framework": "pytorch",
                "task": "classification",
            },
        },
    ]
    return ScanResult(
        findings=findings,
        facts=[
            Fact("entry:public-registry", "provides", "package:evil-pkg", "dist/evil-1.0.tar.gz"),
            Fact(
                "package:evil-pkg", "executes-on-install", "jewel:host-code-execution", "setup.py"
            ),
        ],
        paths=[
            AttackPath(
                "entry:public-registry",
                "jewel:host-code-execution",
                (
                    Fact("entry:public-registry", "provides", "package:evil-pkg"),
                    Fact("package:evil-pkg", "executes-on-install", "jewel:host-code-execution"),
                ),
                Severity.CRITICAL,
            )
        ],
        skipped=[
            Skip("dist/huge.bin", "larger than the 2 GB budget"),
            Skip("tree/fifo", "special file"),
        ],
        errors=[
            AnalyzerError("models/model.pt!/archive/data.pkl", "models", "ValueError: truncated")
        ],
        artifacts=[
            ScannedArtifact("src/app.py", "python", 120, SHA_A, ("packages",)),
            ScannedArtifact(
                "dist/evil-1.0.tar.gz!/evil-1.0/setup.py",
                "python",
                300,
                SHA_B,
                ("packages",),
                {"components": components[:1]},
            ),
            ScannedArtifact(
                "models/model.pt",
                "pytorch-zip",
                4096,
                None,
                ("models",),
                {"components": components[1:]},
            ),
            ScannedArtifact("tree/bad\udcffname.txt", "text", 5, None),
        ],
        stats=Stats(artifacts=4, analyzed=3, bytes=4521, seconds=1.25, cache_hits=1, targets=2),
        targets=["src", "dist"],
    )


def empty_result() -> ScanResult:
    return ScanResult(targets=["empty"])
