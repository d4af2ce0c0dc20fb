"""An artifact's name is the last component of its path, as pathlib names it."""

from __future__ import annotations

from pathlib import PurePosixPath

from hypothesis import given, settings
from hypothesis import strategies as st

from outwork.core.artifact import posix_name


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="/.a \\\x00é", max_size=16))
def test_posix_name_is_what_pathlib_names(path: str) -> None:
    assert posix_name(path) == PurePosixPath(path).name


def test_posix_name_examples() -> None:
    assert posix_name("models/m00001.joblib") == "m00001.joblib"
    assert posix_name("a/b/") == "b"
    assert posix_name("a/./") == "a"
    assert posix_name("a/..") == ".."
    assert posix_name("/") == ""
