"""The pickle machine's shortcuts lose nothing (issue 21).

- Arguments and BUILD states are searched for nested payloads only once the stream holds a
  literal that starts like one (a pickle or a zip): every way such a literal reaches a state
  is still followed.
- joblib's array bytes, which a plain ``pickle.load`` reads as opcodes, are read that way only
  where they hold an importing opcode, and from the machine's state at the first array rather
  than from the stream's start: a payload that uses what the stream pushed before is found.
"""

from __future__ import annotations

from pathlib import Path

from outwork.analyzers.models import picklevm
from tests.analyzers.models import craft

NESTED = craft.os_system(2)


def _scan(tmp_path: Path, name: str, data: bytes) -> list[object]:
    path = tmp_path / name
    path.write_bytes(data)
    return craft.scan_file(str(path))


def _nested_found(findings: list[object]) -> bool:
    return any(
        getattr(f, "code", "") == "MDL001" and "/pickle@0x" in (f.location.logical or "")  # type: ignore[attr-defined]
        for f in findings
    )


def _object_with_state(state: bytes) -> bytes:
    """``collections.OrderedDict()`` with ``state`` (a dict) set by BUILD."""
    return craft.glob("collections", "OrderedDict") + b")R" + state + b"b"


def _sklearn_like_keys() -> bytes:
    """Keys and values that start like protocol 0 pickles or zips but are not (``coef_``,
    ``(auto)``, ``PK``-named columns): a state full of them still hides the payload. 40 items,
    within the machine's 64 kept per container."""
    out = b""
    for i in range(10):
        out += craft.arg(f"coef_{i}") + craft.arg(f"(auto{i})") + craft.arg(f"PKcol{i}")
        out += craft.arg(f"c{i}\n")
    return out


def test_nested_pickle_in_build_state_is_found(tmp_path: Path) -> None:
    state = b"}(" + craft.arg("blob") + craft.arg(NESTED) + b"u"
    data = b"\x80\x02" + _object_with_state(state) + b"."
    assert _nested_found(_scan(tmp_path, "model.pkl", data))


def test_nested_pickle_in_a_state_among_lookalike_strings(tmp_path: Path) -> None:
    state = b"}(" + _sklearn_like_keys() + craft.arg("blob") + craft.arg(NESTED) + b"u"
    data = b"\x80\x02" + _object_with_state(state) + b"."
    assert _nested_found(_scan(tmp_path, "model.pkl", data))


def test_nested_pickle_memoised_early_and_fetched_into_the_state(tmp_path: Path) -> None:
    # BINPUT 7 the payload, POP it, build a benign object, then BINGET 7 inside its state.
    early = craft.arg(NESTED) + b"q\x070"
    state = b"}(" + craft.arg("blob") + b"h\x07" + b"u"
    data = b"\x80\x02" + early + _object_with_state(state) + b"."
    assert _nested_found(_scan(tmp_path, "model.pkl", data))


def test_nested_pickle_as_latin1_text_in_the_state(tmp_path: Path) -> None:
    # protocol 2 writes bytes as _codecs.encode(text, "latin1")
    text = NESTED.decode("latin-1")
    encoded = craft.glob("_codecs", "encode") + craft.arg((text, "latin1")) + b"R"
    state = b"}(" + craft.arg("blob") + encoded + b"u"
    data = b"\x80\x02" + _object_with_state(state) + b"."
    assert _nested_found(_scan(tmp_path, "model.pkl", data))


def test_nested_protocol0_pickle_in_the_state(tmp_path: Path) -> None:
    state = b"}(" + craft.arg("blob") + craft.arg(craft.protocol0_system()) + b"u"
    data = b"\x80\x02" + _object_with_state(state) + b"."
    assert _nested_found(_scan(tmp_path, "model.pkl", data))


def test_lookalike_strings_alone_are_not_followed() -> None:
    state = b"}(" + _sklearn_like_keys() + b"u"
    trace = picklevm.run(b"\x80\x02" + _object_with_state(state) + b".")
    assert trace.complete and not trace.nested and not trace.errors


# -- joblib arrays -----------------------------------------------------------------------------


def test_joblib_array_payload_using_what_the_stream_pushed_before(tmp_path: Path) -> None:
    """The plain reading of the array bytes pops the wrapper and imports with STACK_GLOBAL
    from two strings pushed before the wrapper: found from the state at the first array."""
    hidden = b"0\x93" + craft.arg((craft.PAYLOAD,)) + b"R."
    data = (
        b"\x80\x04"
        + craft.arg("os")
        + craft.arg("system")
        + craft.joblib_wrapper(len(hidden))
        + hidden
    )
    data += b"."
    findings = _scan(tmp_path, "model.joblib", data)
    assert any(
        getattr(f, "code", "") == "MDL001" and "os.system" in getattr(f, "message", "")
        for f in findings
    ), findings


def test_joblib_array_payload_by_inst(tmp_path: Path) -> None:
    hidden = b"(" + craft.arg(craft.PAYLOAD) + b"ios\nsystem\n."
    data = b"\x80\x02" + craft.joblib_wrapper(len(hidden)) + hidden + b"."
    findings = _scan(tmp_path, "model.joblib", data)
    assert any(
        getattr(f, "code", "") == "MDL001" and "os.system" in getattr(f, "message", "")
        for f in findings
    ), findings


def test_joblib_array_payload_in_a_later_array(tmp_path: Path) -> None:
    first = bytes(range(16))  # no importing opcode: the plain reading breaks here
    hidden = craft.call_body("os", "system", craft.PAYLOAD) + b"."
    data = (
        b"\x80\x02("
        + craft.joblib_wrapper(len(first))
        + first
        + craft.joblib_wrapper(len(hidden))
        + hidden
        + b"t."
    )
    trace = picklevm.run(data)
    assert trace.fork is not None and trace.fork.pos == trace.skipped[0][0]
    # a plain load stops at the first array's bytes; the payload after it is not loaded
    findings = _scan(tmp_path, "model.joblib", data)
    assert not any("os.system" in getattr(f, "message", "") for f in findings)


def test_joblib_object_array_first_reads_the_stream_from_its_start() -> None:
    inner = craft.benign(2)
    numeric = b"\x01\x02"
    data = (
        b"\x80\x02("
        + craft.joblib_wrapper(1, dtype="O")
        + inner
        + craft.joblib_wrapper(2)
        + numeric
        + b"t."
    )
    trace = picklevm.run(data)
    assert trace.complete, trace.errors
    assert trace.fork is None  # joblib and plain loaders part at the object array's stream
