"""The labelled crypto cases: outwork's CRY layer and cbom-scan side by side, in one run.

``tests/fixtures/crypto_cases/pyca_reference.py`` re-creates the 46 cases labelled in the Python
test files of IBM's sonar-cryptography (the reference CBOM plugin, which reads pyca/cryptography
only); ``beyond_reference.py`` holds 23 cases it cannot see (hashlib, hmac, ssl, PyCryptodome,
PyNaCl, paramiko, JOSE, pyOpenSSL, passlib, bcrypt, ``random`` for secrets); ``go_cases.go``
and ``JavaCases.java`` hold Go (``crypto/*``, ``golang.org/x/crypto``) and Java (JCA/JCE,
BouncyCastle) cases. A case is found when
an asset of the expected algorithm is reported on its line (outwork), or when any finding is
reported on its line (cbom-scan, whose names differ).

    python bench/crypto_cases.py [--cbom-scan /work/peers/cbom-scan/venv/bin/cbom-scan]

cbom-scan is installed in its own virtualenv (``python3 -m venv /work/peers/cbom-scan/venv &&
.../pip install cbom-scan``), never as a project dependency.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.analyzers.crypto.cases import CASES, evaluate  # noqa: E402

FILES = ("pyca_reference.py", "beyond_reference.py", "go_cases.go", "JavaCases.java")


def cbom_scan_lines(binary: str, name: str) -> set[int]:
    """Lines on which cbom-scan reports something in one case file."""
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copy(CASES / name, Path(tmp) / name)
        out = Path(tmp) / "cbom.json"
        subprocess.run(
            [binary, "scan", tmp, "-o", str(out), "-f", "json", "--fail-on", "never"],
            check=True,
            capture_output=True,
        )
        data = json.loads(out.read_text())
    lines: set[int] = set()
    for component in data.get("components", []):
        for occurrence in (component.get("evidence") or {}).get("occurrences", []):
            if isinstance(occurrence.get("line"), int):
                lines.add(occurrence["line"])
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--cbom-scan", default="/work/peers/cbom-scan/venv/bin/cbom-scan")
    args = parser.parse_args()
    peer = args.cbom_scan if Path(args.cbom_scan).exists() else None
    print("| cases | outwork found | cbom-scan found |")
    print("| --- | --- | --- |")
    misses: list[str] = []
    for name in FILES:
        cases = evaluate(name)
        ours = sum(c.hit for c in cases)
        misses += [f"outwork missed {c.file}:{c.line} {c.algorithm}" for c in cases if not c.hit]
        theirs = "not run"
        if peer:
            lines = cbom_scan_lines(peer, name)
            hit = [c for c in cases if c.line in lines]
            theirs = f"{len(hit)}/{len(cases)}"
        print(f"| {name} | {ours}/{len(cases)} | {theirs} |")
    for miss in misses:
        print(miss)


if __name__ == "__main__":
    main()
