"""Every labelled case of the reference plugin's Python suite (re-created in our own code) and
the cases it cannot see are found, on their line, with their algorithm."""

from __future__ import annotations

import pytest

from tests.analyzers.crypto.cases import evaluate


@pytest.mark.parametrize(
    ("name", "count"),
    [
        ("pyca_reference.py", 46),
        ("beyond_reference.py", 23),
        ("go_cases.go", 26),
        ("JavaCases.java", 31),
    ],
)
def test_every_case_is_found(name: str, count: int) -> None:
    cases = evaluate(name)
    assert len(cases) == count
    missed = [
        f"{c.file}:{c.line} expected {c.algorithm}, found {c.found}" for c in cases if not c.hit
    ]
    assert not missed, "\n".join(missed)
