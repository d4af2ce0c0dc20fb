"""Version ordering per ecosystem, the OSV range algorithm and CVSS base scores."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outwork.analyzers.dependencies.context import Rating
from outwork.analyzers.dependencies.cvss import base_score, cvss3_base_score, rating_for_score
from outwork.analyzers.dependencies.versions import (
    in_range,
    is_affected,
    smallest_fix,
    version_key,
)

ASCENDING = {
    "PyPI": ["0.9", "1.0a1", "1.0b2", "1.0rc1", "1.0", "1.0.post1", "1.0.1", "1.10", "2!0.1"],
    "npm": [
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-beta",
        "1.0.0-beta.2",
        "1.0.0-rc.1",
        "1.0.0",
        "1.0.1",
        "1.2.0",
        "1.10.0",
    ],
    "Go": [
        "v0.0.0-20191109021931-daa7c04131f5",
        "v0.0.0-20210405180319-a5a99cb37ef4",
        "v0.1.0",
        "v0.3.6",
        "v0.3.7",
        "v1.0.0-rc.1",
        "v1.0.0",
        "v2.0.0+incompatible",
    ],
    "crates.io": ["0.6.13", "0.6.14", "1.0.0-alpha.1", "1.0.0", "1.6.0", "1.6.1"],
    "RubyGems": ["1.0.a", "1.0.b1", "1.0", "1.0.1", "1.1", "1.13.3", "1.13.4", "2"],
    "Maven": [
        "2.0-alpha-1",
        "2.0-beta9",
        "2.0-rc1",
        "2.0-SNAPSHOT",
        "2.0",
        "2.0-sp1",
        "2.0.1",
        "2.3.1",
        "2.12.2",
        "2.15.0",
    ],
    "Packagist": [
        "1.0.0-dev",
        "1.0.0-alpha1",
        "1.0.0-beta2",
        "1.0.0-RC1",
        "1.0.0",
        "1.0.0-p1",
        "v1.0.1",
        "7.4.2",
        "7.4.3",
    ],
}


@pytest.mark.parametrize("ecosystem", sorted(ASCENDING))
def test_each_ecosystem_orders_versions(ecosystem: str) -> None:
    versions = ASCENDING[ecosystem]
    keys = [version_key(ecosystem, v) for v in versions]
    pairs = list(zip(versions, keys, strict=True))
    for (a, ka), (b, kb) in itertools.pairwise(pairs):
        assert ka < kb, f"{ecosystem}: {a} should sort before {b}"


@pytest.mark.parametrize(
    ("ecosystem", "a", "b"),
    [
        ("PyPI", "1.0", "1.0.0"),
        ("npm", "1.0.0+build.1", "1.0.0"),
        ("Go", "v1.2.3", "1.2.3"),
        ("RubyGems", "1.0", "1.0.0"),
        ("Maven", "1.0", "1.0.0"),
        ("Maven", "1.0-ga", "1.0"),
        ("Packagist", "v2.1", "2.1.0"),
    ],
)
def test_equal_versions(ecosystem: str, a: str, b: str) -> None:
    assert version_key(ecosystem, a) == version_key(ecosystem, b)


def _range(*events: dict[str, str], kind: str = "ECOSYSTEM") -> dict[str, object]:
    return {"type": kind, "events": list(events)}


def test_range_events() -> None:
    rng = _range({"introduced": "0"}, {"fixed": "2.20.0"})
    assert in_range("PyPI", "2.19.0", rng)
    assert not in_range("PyPI", "2.20.0", rng)
    two = {
        "ranges": [
            _range(
                {"introduced": "1.0"},
                {"fixed": "1.5"},
                {"introduced": "2.0"},
                {"last_affected": "2.3"},
            )
        ]
    }
    assert not is_affected("PyPI", "0.9", two)
    assert is_affected("PyPI", "1.4.9", two)
    assert not is_affected("PyPI", "1.6", two)
    assert is_affected("PyPI", "2.3", two)
    assert not is_affected("PyPI", "2.3.1", two)
    limited = _range({"introduced": "0"}, {"limit": "3.0"})
    assert in_range("PyPI", "2.9", limited) and not in_range("PyPI", "3.0", limited)
    assert not in_range("PyPI", "1.0", {"type": "GIT", "events": [{"introduced": "0"}]})


def test_semver_range_for_go_pseudo_versions() -> None:
    rng = _range({"introduced": "0"}, {"fixed": "0.0.0-20210520170846-37e1c6afe023"}, kind="SEMVER")
    assert in_range("Go", "v0.0.0-20210405180319-a5a99cb37ef4", rng)
    assert not in_range("Go", "v0.0.0-20211209124913-491a49abca63", rng)


def test_versions_list_and_normalised_equality() -> None:
    entry = {"versions": ["1.0.0"]}
    assert is_affected("PyPI", "1.0", entry)
    assert not is_affected("PyPI", "1.0.1", entry)


def test_smallest_fix_clears_every_advisory() -> None:
    a = {"ranges": [_range({"introduced": "0"}, {"fixed": "2.20.0"})]}
    b = {"ranges": [_range({"introduced": "2.3.0"}, {"fixed": "2.31.0"})]}
    c = {
        "ranges": [
            _range({"introduced": "2.0"}, {"fixed": "2.5"}, {"introduced": "3.0"}, {"fixed": "3.1"})
        ]
    }
    assert smallest_fix("PyPI", "2.19.0", [a, b]) == "2.31.0"
    assert smallest_fix("PyPI", "2.19.0", [a]) == "2.20.0"
    assert smallest_fix("PyPI", "2.4", [c]) == "2.5"
    unfixed = {"ranges": [_range({"introduced": "0"})]}
    assert smallest_fix("PyPI", "1.0", [a, unfixed]) is None


@pytest.mark.parametrize(
    ("vector", "score"),
    [
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5),
        ("CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N", 6.1),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:L/I:L/A:N", 5.4),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1),
        ("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8),
        ("CVSS:3.0/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", 1.6),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0),
    ],
)
def test_cvss3_base_scores(vector: str, score: float) -> None:
    assert cvss3_base_score(vector) == score


@pytest.mark.parametrize(
    ("vector", "score"),
    [
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.3),
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", 10.0),
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N", 6.9),
        ("CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 8.5),
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:A/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N", 5.1),
        ("CVSS:4.0/AV:N/AC:H/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.2),
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", 0.0),
    ],
)
def test_cvss4_scores(vector: str, score: float) -> None:
    assert base_score(vector) == score


def test_unscorable_vectors() -> None:
    assert base_score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H") is None
    assert base_score("AV:N/AC:L/Au:N/C:P/I:P/A:P") is None
    assert base_score("CVSS:3.1/AV:X") is None
    assert rating_for_score(9.8) is Rating.CRITICAL
    assert rating_for_score(5.4) is Rating.MEDIUM
    assert rating_for_score(0.0) is Rating.NONE


_VERSIONISH = st.text(alphabet="0123456789.-+abcrvpdevlphtSNAPSHOT_", min_size=0, max_size=16)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([*sorted(ASCENDING), "Hex", "Debian:12"]), _VERSIONISH, _VERSIONISH)
def test_any_two_versions_compare_without_error(ecosystem: str, a: str, b: str) -> None:
    ka, kb = version_key(ecosystem, a), version_key(ecosystem, b)
    assert (ka < kb) + (ka == kb) + (ka > kb) == 1
    rng = _range({"introduced": a or "0"}, {"fixed": b or "1"})
    in_range(ecosystem, b, rng)
    in_range(ecosystem, a, {"type": "SEMVER", "events": rng["events"]})
