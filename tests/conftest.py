"""Shared test configuration."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import services

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus"


def corpus_path(*parts: str) -> Path:
    """A path in the shared real-world corpus (``../shared/corpus``).

    A test that needs it is skipped on a machine without the corpus, and fails under CI
    (``CI=true``), where the corpus is always present: a missing one there is a broken checkout,
    not a reason to test less.
    """
    path = CORPUS.joinpath(*parts)
    if not path.exists():
        where = "/".join(("../shared/corpus", *parts))
        if os.environ.get("CI") == "true":
            pytest.fail(f"{where} is missing, and CI=true requires the corpus")
        pytest.skip(f"{where} is not present")
    return path


@pytest.fixture
def corpus() -> Path:
    """The shared real-world corpus (see :func:`corpus_path`)."""
    return corpus_path()


@pytest.fixture(autouse=True)
def _no_network_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never need the internet: command-line scans run as with ``--offline`` (no advisory
    data fetched on first use) unless a test removes ``OUTWORK_OFFLINE`` and serves the data on
    loopback itself. Child processes inherit it."""
    monkeypatch.setenv("OUTWORK_OFFLINE", "1")


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """A PostgreSQL server started on loopback for this test session (``tests/services.py``)."""
    with services.postgres_server() as url:
        yield url
