"""Tests that need ../shared/corpus skip without it on a developer's machine, and fail under CI."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import conftest


def test_a_missing_corpus_fails_under_ci(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(conftest, "CORPUS", tmp_path / "absent")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true requires the corpus"):
        conftest.corpus_path("workflows")


def test_a_missing_corpus_skips_elsewhere(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(conftest, "CORPUS", tmp_path / "absent")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="is not present"):
        conftest.corpus_path("workflows")


def test_a_present_corpus_path_is_returned(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "workflows").mkdir()
    monkeypatch.setattr(conftest, "CORPUS", tmp_path)
    monkeypatch.setenv("CI", "true")
    assert conftest.corpus_path("workflows") == tmp_path / "workflows"
