"""The labelled case files (tests/fixtures/crypto_cases): which asset each case line expects,
and which the scanner found. Shared by the test and bench/crypto_cases.py."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from outwork.analyzers.crypto.gosource import scan_go
from outwork.analyzers.crypto.javasource import scan_java
from outwork.analyzers.crypto.pysource import ScanResult, scan_source

CASES = Path(__file__).resolve().parents[2] / "fixtures" / "crypto_cases"
_CASE = re.compile(r"(?:#|//)\s*case:\s*(?P<algorithm>\S+)")


@dataclass(frozen=True)
class Case:
    file: str
    line: int
    algorithm: str
    found: tuple[str, ...]

    @property
    def hit(self) -> bool:
        return self.algorithm in self.found


def scan(name: str, text: str) -> ScanResult:
    if name.endswith(".go"):
        return scan_go(text.encode())
    if name.endswith(".java"):
        return scan_java(text.encode())
    return scan_source(text)


def evaluate(name: str) -> list[Case]:
    text = (CASES / name).read_text()
    found: dict[int, list[str]] = {}
    for asset in scan(name, text).assets:
        if asset.line is not None:
            found.setdefault(asset.line, []).append(asset.algorithm)
    cases = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _CASE.search(line)
        if match:
            cases.append(Case(name, number, match.group("algorithm"), tuple(found.get(number, ()))))
    return cases
