"""A result that depends on the scan's time (a grant that ends, one that starts) is not served
from the cache at a time it no longer holds; one that does not depend on it is, at any time.
The clock is frozen: each scan is told its time (``ScanOptions.now``)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from outwork.core.analyzer import TimeBound
from outwork.engine.pipeline import ScanOptions, ScanResult, scan

ACCOUNT = "123456789012"


def _at(year: int, month: int = 1, day: int = 1) -> float:
    return datetime(year, month, day, tzinfo=UTC).timestamp()


def _snapshot(name: str, condition: dict[str, Any] | None) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": "iam:PutUserPolicy", "Resource": "*"}
    if condition is not None:
        statement["Condition"] = condition
    return {
        "UserDetailList": [
            {
                "UserName": name,
                "Arn": f"arn:aws:iam::{ACCOUNT}:user/{name}",
                "UserPolicyList": [
                    {
                        "PolicyName": "grant",
                        "PolicyDocument": {"Version": "2012-10-17", "Statement": [statement]},
                    }
                ],
            }
        ]
    }


def _scan(folder: Path, cache: Path, now: float) -> ScanResult:
    options = ScanOptions(jobs=1, cache_dir=str(cache), select=("IAM004",), now=now)
    return scan([str(folder)], options)


def _escalating(result: ScanResult) -> set[str]:
    return {f.subject or "" for f in result.findings if f.rule.code == "IAM004"}


def test_an_expiring_grant_is_not_served_from_the_cache_after_it_ends(tmp_path: Path) -> None:
    folder = tmp_path / "account"
    folder.mkdir()
    ends = {"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}
    starts = {"NumericGreaterThan": {"aws:EpochTime": str(int(_at(2031)))}}
    (folder / "ends.json").write_text(json.dumps(_snapshot("ends", ends)))
    (folder / "starts.json").write_text(json.dumps(_snapshot("starts", starts)))
    (folder / "always.json").write_text(json.dumps(_snapshot("always", None)))
    cache = tmp_path / "cache"
    user = f"arn:aws:iam::{ACCOUNT}:user/"

    first = _scan(folder, cache, _at(2029, 6))
    assert _escalating(first) == {user + "ends", user + "always"}
    assert first.stats.cache_hits == 0

    # the same time again: every result is served from the cache, the same
    again = _scan(folder, cache, _at(2029, 7))
    assert again.stats.cache_hits == 3
    assert _escalating(again) == _escalating(first)

    # past the end of one grant, before the start of the other: only the expiring account and
    # the one whose grant has not started are analysed again (the one that names no time is a
    # hit); what the first cached is not replayed
    later = _scan(folder, cache, _at(2030, 6))
    assert _escalating(later) == {user + "always"}
    assert later.stats.cache_hits == 2  # always.json, and starts.json (still before its start)

    # after the other grant starts
    latest = _scan(folder, cache, _at(2032))
    assert _escalating(latest) == {user + "always", user + "starts"}
    assert latest.stats.cache_hits == 2  # always.json, and ends.json (still ended)

    # a scan that goes back in time is not served a later time's results either
    back = _scan(folder, cache, _at(2029, 6))
    assert _escalating(back) == {user + "ends", user + "always"}


def test_a_time_bound_holds_between_its_ends() -> None:
    bound = TimeBound(10.0, 20.0)
    assert bound.holds_at(15.0)
    assert not bound.holds_at(10.0) and not bound.holds_at(20.0) and not bound.holds_at(25.0)
    assert TimeBound().holds_at(0.0)
    assert bound.meet(TimeBound(None, 18.0)) == TimeBound(10.0, 18.0)
    assert bound.meet(TimeBound(12.0, None)) == TimeBound(12.0, 20.0)
