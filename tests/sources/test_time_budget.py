"""An archive's time budget counts its reading: the time the consumer takes between two of its
members (the engine waiting for workers, analysing in process) is not the archive's, so whether
the budget stops an archive does not depend on how busy the analysis is. Reading that takes
too long is still stopped and reported."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from outwork.core import budgets as core_budgets
from outwork.core.artifact import Artifact
from outwork.core.budgets import Budgets
from outwork.core.findings import Finding
from outwork.sources import archives, open_target, reader
from tests.sources import hostile


class Clock:
    """A clock that moves only when the test says so: the reading's CPU time and the wall
    clock at once (the budget runs on CPU time, with a wall-clock guard)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    for module in (core_budgets, reader, archives):
        monkeypatch.setattr(
            module,
            "time",
            SimpleNamespace(monotonic=fake.monotonic, process_time=fake.monotonic),
        )
    return fake


def _archive(tmp_path: Path) -> Path:
    path = tmp_path / "many.zip"
    path.write_bytes(hostile.zip_of({f"m{n}.txt": b"member %d\n" % n for n in range(5)}))
    return path


def test_time_the_consumer_takes_is_not_the_archives(tmp_path: Path, clock: Clock) -> None:
    path = _archive(tmp_path)
    items = []
    for item in open_target(str(path), Budgets(max_seconds=10.0)):
        items.append(item)
        clock.now += 60.0  # the consumer analyses each member for a minute
    members = [i for i in items if isinstance(i, Artifact) and "!/" in i.path]
    assert len(members) == 5
    assert not [i for i in items if isinstance(i, Finding)]


def test_reading_that_takes_too_long_is_stopped_and_reported(
    tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _archive(tmp_path)
    real_grow = reader.Scope.grow

    def slow_grow(self: reader.Scope, produced: int) -> None:
        clock.now += 4.0  # each member takes four seconds to decompress
        real_grow(self, produced)

    monkeypatch.setattr(reader.Scope, "grow", slow_grow)
    items = list(open_target(str(path), Budgets(max_seconds=10.0)))
    stops = [i for i in items if isinstance(i, Finding) and "took longer than 10 s" in i.message]
    assert [f.location.path for f in stops] == [str(path)]
    assert len([i for i in items if isinstance(i, Artifact) and "!/" in i.path]) < 5
