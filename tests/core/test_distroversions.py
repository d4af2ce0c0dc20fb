"""Distribution version orderings, checked against the examples their tools document and test."""

from __future__ import annotations

import pytest

from outwork.core.distroversions import apk_key, compare, dpkg_key, rpm_key

# rpm's own test suite (tests/rpmvercmp.at): (a, b, rpmvercmp(a, b))
RPM = [
    ("1.0", "1.0", 0),
    ("1.0", "2.0", -1),
    ("2.0", "1.0", 1),
    ("2.0.1", "2.0.1", 0),
    ("2.0", "2.0.1", -1),
    ("2.0.1a", "2.0.1a", 0),
    ("2.0.1a", "2.0.1", 1),
    ("5.5p1", "5.5p2", -1),
    ("5.5p10", "5.5p1", 1),
    ("10xyz", "10.1xyz", -1),
    ("xyz10", "xyz10.1", -1),
    ("xyz.4", "8", -1),
    ("xyz.4", "2", -1),
    ("5.5p2", "5.6p1", -1),
    ("5.6p1", "6.5p1", -1),
    ("6.0.rc1", "6.0", 1),
    ("10b2", "10a1", 1),
    ("10a2", "10b2", -1),
    ("1.0a", "1.0aa", -1),
    ("10.0001", "10.1", 0),
    ("10.0001", "10.0039", -1),
    ("4.999.9", "5.0", -1),
    ("20101121", "20101122", -1),
    ("2.0", "2_0", 0),
    ("a+", "a_", 0),
    ("+", "_", 0),
    ("1.0~rc1", "1.0", -1),
    ("1.0~rc1", "1.0~rc2", -1),
    ("1.0~rc1~git123", "1.0~rc1", -1),
    ("1.0^", "1.0", 1),
    ("1.0^git1", "1.0", 1),
    ("1.0^git1", "1.0^git2", -1),
    ("1.0^git1", "1.01", -1),
    ("1.0^20160101", "1.0.1", -1),
    ("1.0^20160101^git1", "1.0^20160101", 1),
    ("1.0~rc1^git1", "1.0~rc1", 1),
    ("1.0^git1~pre", "1.0^git1", -1),
    # epochs and releases (rpmVersionCompare)
    ("1:1.0-1", "2.0-1", 1),
    ("3.0.7-24.el9", "3.0.7-25.el9_3", -1),
    ("1:3.0.7-25.el9_3", "1:3.0.7-25.el9_3", 0),
]

# deb-version(7) and dpkg's own tests (t-version.c): (a, b, dpkg --compare-versions)
DPKG = [
    ("1.0", "1.0", 0),
    ("1.0~rc1", "1.0", -1),
    ("~~", "~~a", -1),
    ("~~a", "~", -1),
    ("~", "", -1),
    ("", "a", -1),
    ("1:0.1", "2.0", 1),
    ("0:1.0", "1.0", 0),
    ("1.0-1", "1.0-1+b1", -1),
    ("1.0-0", "1.0", 0),
    ("1.0", "1.0a", -1),
    ("1.0a", "1.0+", -1),
    ("1.0", "1.0.1", -1),
    ("1.10", "1.9", 1),
    ("2.30-21", "2.30-21+deb11u1", -1),
    ("3.0.11-1~deb12u2", "3.0.11-1", -1),
    ("1.2.3-4ubuntu0.1", "1.2.3-4", 1),
    ("0.10", "0.9.9", 1),
    ("a", "b", -1),
    ("1-1-1", "1-1", 1),  # the revision is after the last hyphen
]

# apk-tools' test/version.data and the order its documentation gives
APK = [
    ("1.0", "1.0", 0),
    ("1.0", "1.0.1", -1),
    ("1.0_alpha", "1.0", -1),
    ("1.0_alpha", "1.0_beta", -1),
    ("1.0_beta", "1.0_pre", -1),
    ("1.0_pre", "1.0_rc", -1),
    ("1.0_rc1", "1.0", -1),
    ("1.0", "1.0_cvs", -1),
    ("1.0_cvs", "1.0_svn", -1),
    ("1.0_svn", "1.0_git", -1),
    ("1.0_git", "1.0_hg", -1),
    ("1.0_hg", "1.0_p1", -1),
    ("1.0_p1", "1.0_p2", -1),
    ("1.0-r1", "1.0-r2", -1),
    ("1.0", "1.0-r1", -1),
    ("1.0a", "1.0b", -1),
    ("1.0", "1.0a", -1),
    ("1.0a", "1.0.1", -1),
    ("2.3.0b-r1", "2.3.0b-r2", -1),
    ("1.01", "1.1", -1),
    ("1.001", "1.01", -1),
    ("1.10", "1.9", 1),
    ("0.1.0_alpha_pre2", "0.1.0_alpha", -1),
    ("3.0.12-r0", "3.0.12-r1", -1),
    ("1.36.1-r15", "1.36.1-r2", 1),
]


@pytest.mark.parametrize(("a", "b", "expected"), RPM)
def test_rpm_ordering(a: str, b: str, expected: int) -> None:
    assert compare(rpm_key(a), rpm_key(b)) == expected
    assert compare(rpm_key(b), rpm_key(a)) == -expected


@pytest.mark.parametrize(("a", "b", "expected"), DPKG)
def test_dpkg_ordering(a: str, b: str, expected: int) -> None:
    assert compare(dpkg_key(a), dpkg_key(b)) == expected
    assert compare(dpkg_key(b), dpkg_key(a)) == -expected


@pytest.mark.parametrize(("a", "b", "expected"), APK)
def test_apk_ordering(a: str, b: str, expected: int) -> None:
    assert compare(apk_key(a), apk_key(b)) == expected
    assert compare(apk_key(b), apk_key(a)) == -expected


@pytest.mark.parametrize("key", [apk_key, dpkg_key, rpm_key])
@pytest.mark.parametrize("junk", ["", ":", "::", "-", "1:", "é~^", "\x00", "9" * 500, "_p_p_"])
def test_hostile_versions_get_comparable_keys(key: object, junk: str) -> None:
    assert callable(key)
    assert isinstance(key(junk) < key("1.0"), bool)
