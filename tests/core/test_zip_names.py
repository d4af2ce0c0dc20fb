"""The classifier's plain-zip reader must list exactly what ``zipfile`` lists, and hand every zip
it is not sure of to ``zipfile``."""

from __future__ import annotations

import io
import zipfile

from hypothesis import given, settings
from hypothesis import strategies as st

from outwork.core.artifact import Kind, _plain_zip_names, refine_zip


def _zip(names: list[str], *, comment: bytes = b"", extra: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name in names:
            info = zipfile.ZipInfo(name)
            info.extra = extra
            zf.writestr(info, b"x")
        zf.comment = comment
    return buffer.getvalue()


def _zipfile_kind(data: bytes) -> Kind:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = zf.namelist()[:10_000]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return Kind.ZIP
    if any(n.endswith(("data.pkl", "/constants.pkl")) for n in names):
        return Kind.PYTORCH_ZIP
    if "config.json" in names and any(n.endswith(".weights.h5") for n in names):
        return Kind.KERAS
    if names and all(n.endswith(".npy") for n in names):
        return Kind.NUMPY_ZIP
    return Kind.ZIP


def test_plain_zips_are_read_without_zipfile() -> None:
    data = _zip(["archive/data.pkl", "archive/version", "ünïcode/ok.npy"])
    assert _plain_zip_names(data) == zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert refine_zip(data) is Kind.PYTORCH_ZIP


def test_anything_unusual_goes_to_zipfile() -> None:
    assert _plain_zip_names(_zip(["a.npy"], comment=b"hi")) is None
    assert _plain_zip_names(_zip(["a.npy"], extra=b"\x99\x99\x00\x00")) is None
    assert _plain_zip_names(b"PK\x05\x06" + b"\x00" * 18) is None
    assert refine_zip(_zip(["a.npy", "b.npy"], comment=b"hi")) is Kind.NUMPY_ZIP


_NAMES = st.lists(
    st.sampled_from(
        ["archive/data.pkl", "m/constants.pkl", "config.json", "w.weights.h5", "a.npy", "x"]
    )
    | st.text(min_size=1, max_size=8),
    min_size=0,
    max_size=5,
    unique=True,
)


@settings(max_examples=300, deadline=None)
@given(_NAMES, st.data())
def test_same_names_and_kind_as_zipfile_under_corruption(
    names: list[str], data: st.DataObject
) -> None:
    raw = bytearray(_zip(names))
    for _ in range(data.draw(st.integers(0, 4))):
        at = data.draw(st.integers(0, len(raw) - 1))
        raw[at] = data.draw(st.integers(0, 255))
    blob = bytes(raw)
    if data.draw(st.booleans()):
        blob = data.draw(st.binary(max_size=40)) + blob  # something prepended (polyglot)
    plain = _plain_zip_names(blob)
    if plain is not None:
        assert plain == zipfile.ZipFile(io.BytesIO(blob)).namelist()
    assert refine_zip(blob) is _zipfile_kind(blob)
