"""Nested payloads the machine's budgets used to drop silently (issue 12's rule: what a budget
stops is reported, never dropped).

- A state or an argument list keeps 64 items (``MAX_CONTAINER_ITEMS``); the loader gets them
  all, so a nested pickle placed after 64 items of a BUILD state is still read as what it is.
- A file's nested payloads are read up to ``NESTED_READ`` (and three levels deep); the rest
  are an MDL004 finding (high), not dropped. A real pickled ``nn.Transformer`` holds 34 (one
  legacy ``torch.save`` stream per storage): all of them are read.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from outwork.analyzers.models import picklevm, scanpickle
from tests.analyzers.models import craft

NESTED = craft.os_system(2)
BENIGN = craft.benign(2)


def _scan(tmp_path: Path, data: bytes) -> list[object]:
    path = tmp_path / "model.pkl"
    path.write_bytes(data)
    return craft.scan_file(str(path))


def _object_with_state(items: bytes) -> bytes:
    """``collections.OrderedDict()`` with a dict state of ``items`` set by BUILD."""
    return craft.glob("collections", "OrderedDict") + b")R}(" + items + b"ub"


def _padding(n: int) -> bytes:
    return b"".join(craft.arg(f"key{i}") + craft.arg(i) for i in range(n))


def _found(findings: list[object], code: str) -> list[object]:
    return [f for f in findings if getattr(f, "code", "") == code]


def _stream(items: bytes) -> bytes:
    return b"\x80\x04" + _object_with_state(items) + b"."


def test_a_payload_after_64_items_of_a_state_is_read(tmp_path: Path) -> None:
    data = _stream(_padding(70) + craft.arg("blob") + craft.arg(NESTED))
    critical = _found(_scan(tmp_path, data), "MDL001")
    assert critical
    # located at the literal's opcode (SHORT_BINBYTES and its length byte precede the bytes),
    # then inside the nested stream
    where = data.index(NESTED) - 2
    logical = critical[0].location.logical or ""  # type: ignore[attr-defined]
    assert logical.startswith(f"pickle@0x{where:x}/pickle@0x")


def test_a_benign_nested_pickle_after_64_items_stays_quiet(tmp_path: Path) -> None:
    data = _stream(_padding(70) + craft.arg("blob") + craft.arg(BENIGN))
    findings = _scan(tmp_path, data)
    assert not _found(findings, "MDL001") and not _found(findings, "MDL004")


def test_more_nested_payloads_than_read_is_high(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scanpickle, "NESTED_READ", 16)
    items = b"".join(craft.arg(f"b{i}") + craft.arg(BENIGN) for i in range(20))
    data = _stream(items + craft.arg("last") + craft.arg(NESTED))
    unread = _found(_scan(tmp_path, data), "MDL004")
    assert len(unread) == 1
    assert "5 nested pickle or zip payload(s) beyond the 16" in unread[0].message  # type: ignore[attr-defined]
    assert unread[0].severity.name == "HIGH"  # type: ignore[attr-defined]


def test_a_payload_after_many_benign_nested_ones_is_read(tmp_path: Path) -> None:
    # 40 benign nested pickles (more than the 16 read before), then the payload
    items = b"".join(craft.arg(f"b{i}") + craft.arg(BENIGN) for i in range(40))
    findings = _scan(tmp_path, _stream(items + craft.arg("last") + craft.arg(NESTED)))
    assert _found(findings, "MDL001") and not _found(findings, "MDL004")


def test_many_benign_nested_payloads_are_read_and_quiet(tmp_path: Path) -> None:
    items = b"".join(craft.arg(f"b{i}") + craft.arg(BENIGN) for i in range(200))
    findings = _scan(tmp_path, _stream(items))
    assert not _found(findings, "MDL004") and not _found(findings, "MDL001")


def test_nesting_deeper_than_read_is_high(tmp_path: Path) -> None:
    inner = NESTED
    for _ in range(4):
        inner = _stream(craft.arg("blob") + craft.arg(inner))
    unread = _found(_scan(tmp_path, inner), "MDL004")
    assert unread and "nested deeper" in unread[0].message  # type: ignore[attr-defined]


def test_the_machine_counts_what_it_does_not_record(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(picklevm, "MAX_NESTED", 64)
    items = b"".join(craft.arg(f"b{i}") + craft.arg(BENIGN) for i in range(70))
    trace = picklevm.run(_stream(items))
    assert len(trace.nested) == 64 and trace.nested_dropped == 70 - 64
