"""CORE002/CORE003 of archives nested in a package, graded by what its code unpacks
(core/reach.py grade_escapes)."""

from __future__ import annotations

from outwork.core.corerules import ArchiveLinkEscape, ArchivePathTraversal
from outwork.core.findings import Finding, Location
from outwork.core.reach import PackageReach, grade_escapes
from outwork.core.rules import Severity

SDIST = "/d/demo-1.0.tar.gz"
NOTHING: tuple[tuple[str, str], ...] = ()


def _escape(
    path: str, rule: type[ArchivePathTraversal | ArchiveLinkEscape] = ArchivePathTraversal
) -> Finding:
    return Finding(
        rule=rule,
        message="member name escapes the extraction folder",
        location=Location(path),
        severity=Severity.HIGH,
        confidence=rule.confidence,
    )


def _grade(path: str, reach: PackageReach | None) -> Severity:
    reaches = {SDIST: reach} if reach is not None else {}
    (graded,) = grade_escapes([_escape(path)], reaches)
    return graded.severity


def _reach(unpacks: tuple[tuple[str, str], ...]) -> PackageReach:
    return PackageReach(own=("demo-1.0/",), unpacks=unpacks)


def test_a_test_archive_nothing_unpacks_is_medium() -> None:
    assert _grade(f"{SDIST}!/demo-1.0/tests/bad.tar!/../x", _reach(NOTHING)) is Severity.MEDIUM


def test_an_archive_the_code_unpacks_by_name_or_unknown_stays_high() -> None:
    path = f"{SDIST}!/demo-1.0/tests/bad.tar!/../x"
    assert _grade(path, _reach((("bad.tar", "demo-1.0/setup.py:3"),))) is Severity.HIGH
    assert _grade(path, _reach((("*.tar", "demo-1.0/setup.py:3"),))) is Severity.HIGH
    assert _grade(path, _reach((("*", ""),))) is Severity.HIGH
    assert _grade(path, _reach((("other.tar.gz", "demo-1.0/setup.py:3"),))) is Severity.MEDIUM
    (graded,) = grade_escapes(
        [_escape(path)], {SDIST: _reach((("bad.tar", "demo-1.0/setup.py:3"),))}
    )
    assert "demo-1.0/setup.py:3" in graded.message
    # the extracting code is the finding's related location
    assert graded.related == (Location(f"{SDIST}!/demo-1.0/setup.py", 3),)


def test_what_the_grade_cannot_vouch_for_stays_high() -> None:
    reach = _reach(NOTHING)
    # no reach (the packages layer did not read the package), the default reach (a cached
    # component of an older version, npm): any archive may be unpacked
    assert _grade(f"{SDIST}!/demo-1.0/tests/bad.tar!/../x", None) is Severity.HIGH
    assert _grade(f"{SDIST}!/demo-1.0/tests/bad.tar!/../x", PackageReach()) is Severity.HIGH
    assert PackageReach.from_properties({"own": ["demo-1.0/"]}).unpacks == (("*", ""),)
    # the package's own member, its own folder, a 7z member (not decompressed)
    assert _grade(f"{SDIST}!/../x", reach) is Severity.HIGH
    assert _grade(f"{SDIST}!/demo-1.0/widget/data/bad.tar!/../x", reach) is Severity.HIGH
    assert _grade(f"{SDIST}!/demo-1.0/tests/bad.7z!/../x", reach) is Severity.HIGH
    # a repository's tests
    assert _grade("/repo/tests/bad.tar!/../x", reach) is Severity.HIGH


def test_links_are_graded_like_members_and_the_reach_round_trips() -> None:
    reach = PackageReach.from_properties(_reach((("good.tar", "m.py:1"),)).to_properties())
    assert reach.unpacks == (("good.tar", "m.py:1"),)
    link = _escape(f"{SDIST}!/demo-1.0/tests/evil.tar!/tmp", ArchiveLinkEscape)
    (graded,) = grade_escapes([link], {SDIST: reach})
    assert graded.severity is Severity.MEDIUM
