"""CORE002's grade by what the reader does with the member: an escaping member of an archive
nested in a package's test data is medium only where the reader still decompresses it."""

from __future__ import annotations

from outwork.core.budgets import Budgets, clock
from outwork.core.findings import Finding
from outwork.core.rules import Severity
from outwork.sources.archives import _check_name
from outwork.sources.reader import Scope

NESTED = "/d/distdemo-1.0.tar.gz!/distdemo-1.0/tests/bad.7z"


def _grade(container: str, *, read: bool) -> Severity:
    scope = Scope(Budgets(), clock() + 60, "/d/distdemo-1.0.tar.gz", 1000, None)
    found, ok = _check_name(scope, container, "../evil.py", read=read)
    assert ok
    (finding,) = [f for f in found if isinstance(f, Finding)]
    return finding.severity


def test_a_member_the_reader_does_not_decompress_stays_high() -> None:
    # 7z: a member with an escaping name is skipped, not read, so nothing vouches for it
    assert _grade(NESTED, read=False) is Severity.HIGH
    assert _grade(NESTED, read=True) is Severity.MEDIUM
    assert _grade("/d/distdemo-1.0.tar.gz", read=True) is Severity.HIGH
