"""A zip's kind follows the member names a consumer acts on (PyTorch, Keras, npz, plain)."""

from __future__ import annotations

import io
import zipfile

import pytest

from outwork.core.artifact import Kind, refine_zip


def _zip(names: list[str], *, comment: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name in names:
            zf.writestr(name, b"x")
        zf.comment = comment
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("names", "kind"),
    [
        (["archive/data.pkl", "archive/version", "ünïcode/ok.npy"], Kind.PYTORCH_ZIP),
        (["m/constants.pkl"], Kind.PYTORCH_ZIP),
        (["config.json", "model.weights.h5", "metadata.json"], Kind.KERAS),
        (["a.npy", "b.npy"], Kind.NUMPY_ZIP),
        (["a.npy", "readme.txt"], Kind.ZIP),
        ([], Kind.ZIP),
    ],
)
def test_kind_by_member_names(names: list[str], kind: Kind) -> None:
    data = _zip(names)
    assert refine_zip(data) is kind
    assert refine_zip(io.BytesIO(data)) is kind


def test_a_comment_changes_nothing_and_a_broken_zip_is_a_zip() -> None:
    assert refine_zip(_zip(["a.npy", "b.npy"], comment=b"hi")) is Kind.NUMPY_ZIP
    assert refine_zip(b"PK\x05\x06" + b"\x00" * 18) is Kind.ZIP
    assert refine_zip(b"PK\x03\x04 truncated") is Kind.ZIP
