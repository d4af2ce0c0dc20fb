"""The quick first reading of a pickle (``screen``) accepts a stream only when the machine finds
nothing in it but the same imports, called the same way (issue 21).

Every accepted stream is checked against the machine itself: real library pickles, hostile
ones, and streams mutated at random. The shapes a naive shortcut lets through (a payload past
the items a container keeps, STACK_GLOBAL from memoised strings, a second pickle after STOP,
joblib array bytes that import) keep their findings.
"""

from __future__ import annotations

import collections
import io
import pickle
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outwork.analyzers.models import picklevm, scanpickle
from outwork.analyzers.models.screen import _payload_text, screen
from tests.analyzers.models import craft


def _agrees(data: bytes) -> bool:
    """Whether the screen accepts ``data``; when it does, the machine agrees in every event."""
    plain = screen(data)
    viewed = screen(memoryview(data))  # a large file is read through its memory map's view
    assert (viewed is None) == (plain is None)
    if plain is None:
        return False
    assert viewed is not None
    assert (viewed.end, viewed.imports, viewed.called) == (plain.end, plain.imports, plain.called)
    trace = picklevm.run(data)
    assert trace.complete, trace.errors
    assert trace.end == plain.end
    assert tuple(trace.imports) == plain.imports
    assert {(c.module, c.name) for c in trace.calls} == plain.called
    assert not trace.dynamic and not trace.nested
    assert scanpickle._hidden_in_skipped(data, trace) == []
    return True


def _scan(tmp_path: Path, name: str, data: bytes) -> list[object]:
    path = tmp_path / name
    path.write_bytes(data)
    return craft.scan_file(str(path))


def _mdl001(findings: list[object], what: str) -> list[object]:
    return [
        f
        for f in findings
        if getattr(f, "code", "") == "MDL001" and what in getattr(f, "message", "")
    ]


def _library_pickles() -> list[bytes]:
    """Pickles written by the real libraries: scikit-learn through pickle (protocols 2-5) and
    joblib (arrays as raw bytes after joblib's wrapper)."""
    np = pytest.importorskip("numpy")
    joblib = pytest.importorskip("joblib")
    pytest.importorskip("sklearn")
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.tree import DecisionTreeClassifier

    rng = np.random.default_rng(7)
    x = rng.normal(size=(30, 4))
    y = (x[:, 0] > 0).astype(int)
    models = [
        LogisticRegression(max_iter=20).fit(x, y),
        DecisionTreeClassifier(max_depth=3, random_state=0).fit(x, y),
        make_pipeline(StandardScaler(), LogisticRegression(max_iter=20)).fit(x, y),
        {"labels": ["a", "b"], "weights": np.arange(6, dtype="float32").reshape(2, 3)},
    ]
    out = [pickle.dumps(m, protocol=p) for m in models for p in (2, 4, 5)]
    for model in models:
        buf = io.BytesIO()
        joblib.dump(model, buf)
        out.append(buf.getvalue())
    return out


@pytest.fixture(scope="module")
def streams() -> list[bytes]:
    return _library_pickles()


def test_library_pickles_are_accepted_and_agree(streams: list[bytes]) -> None:
    assert all(_agrees(data) for data in streams)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_library_pickles_agree_when_accepted(
    streams: list[bytes], data: st.DataObject
) -> None:
    """Flipped, cut and spliced bytes of real pickles: whatever the screen accepts, the
    machine reads the same way."""
    stream = bytearray(data.draw(st.sampled_from(streams)))
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(stream) - 1))
        how = data.draw(st.sampled_from(["flip", "cut", "insert"]))
        if how == "flip":
            stream[at] = data.draw(st.integers(0, 255))
        elif how == "cut":
            del stream[at : at + data.draw(st.integers(1, 8))]
        else:
            stream[at:at] = data.draw(st.binary(min_size=1, max_size=12))
        if not stream:
            return
    _agrees(bytes(stream))


#: Plain data of every shape the screen's loop follows itself or by a handler: constants, ints
#: of each width, floats, strings and bytes of each length prefix, empty and filled containers
#: (SETITEM and SETITEMS, APPEND and APPENDS, ADDITEMS, TUPLE1-3 and TUPLE), shared values
#: (memo fetches) and objects with a state (BUILD).
_PLAIN_DATA: list[object] = [
    None,
    True,
    False,
    7,
    300,
    -5,
    -(2**31),
    2**31 - 1,
    2**40,
    1.5,
    "text",
    "t" * 300,
    b"raw",
    b"r" * 300,
    bytearray(b"array"),
    (),
    (1,),
    (1, 2),
    (1, 2, 3),
    (1, 2, 3, 4),
    [],
    [1],
    [1, 2],
    {},
    {"a": 1},
    {"a": 1, "b": [2, 3]},
    set(),
    {1},
    {1, 2},
    frozenset({1, 2}),
    {"shared": (shared := ["x"]), "again": shared, "nested": ({"d": (None,)},)},
    collections.OrderedDict(a=1),
]


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_plain_data_of_every_shape_is_accepted_and_agrees(protocol: int) -> None:
    for value in _PLAIN_DATA:
        data = pickle.dumps(value, protocol=protocol)
        assert _agrees(data), (value, data)


@pytest.mark.parametrize(
    ("value", "protocol"),
    [(-5, 4), (2**31 - 1, 4), (1.5, 4), (b"raw", 4), (b"r" * 300, 4), (bytearray(b"x" * 9), 5)],
)
def test_truncated_literals_are_left_to_the_machine(value: object, protocol: int) -> None:
    """Integers, floats and byte strings cut anywhere (their argument or their bytes short of
    what the length says): never accepted, from bytes or from a view."""
    data = pickle.dumps(value, protocol=protocol)
    assert _agrees(data)
    for cut in range(1, len(data)):
        assert screen(data[:cut]) is None, cut
        assert screen(memoryview(data)[:cut]) is None, cut


@given(
    text=st.builds(
        lambda first, rest: first + rest,
        st.sampled_from(["c", "(", "P", "\x80", "PK\x03\x04", "x"]),
        st.text(alphabet=st.sampled_from(list("ab.\n \t\x0b\x85\xa0\u2028\u0100c(")), max_size=300),
    )
)
def test_text_that_opens_like_a_pickle_is_judged_as_the_machine_does(text: str) -> None:
    """The reading's early answer for text that opens with ``c`` or ``(`` but holds no STOP
    (``coef_``, ``classes_``) is the machine's answer: a payload or not, for every text."""
    assert _payload_text(text) == (len(text) >= 4 and picklevm._payload_head(text))


def test_protocol_0_payload_as_a_text_literal_is_left_to_the_machine() -> None:
    for payload in ("cos\nsystem\n(S'id'\ntR.", "cos\nsystem\n(S'id'\ntR. \n\t", "(cos\nsystem\n."):
        data = pickle.dumps({"coef_": 1, "classes_": [payload]}, protocol=4)
        assert screen(data) is None, payload
    assert _agrees(pickle.dumps({"coef_": 1, "classes_": ["c.", "copy_X"]}, protocol=4))


# -- what a naive shortcut lets through ------------------------------------------------------


def _object_with_state(state: bytes) -> bytes:
    return craft.glob("collections", "OrderedDict") + b")R" + state + b"b"


def test_payload_after_64_items_of_a_state_is_left_to_the_machine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The machine keeps 64 items of a container; a payload literal past them is still a
    literal the screen sees, so the stream goes to the machine, which reports what it would
    have reported without the screen."""
    items = b"".join(craft.arg(f"k{i}") + craft.arg(i) for i in range(40))
    state = b"}(" + items + craft.arg("blob") + craft.arg(craft.os_system(2)) + b"u"
    data = b"\x80\x02" + _object_with_state(state) + b"."
    assert screen(data) is None
    with_screen = _scan(tmp_path, "model.pkl", data)
    monkeypatch.setattr(scanpickle, "_plain", lambda *args, **kwargs: False)
    assert with_screen == _scan(tmp_path, "model.pkl", data)


def test_stack_global_from_memoised_strings(tmp_path: Path) -> None:
    # the names pushed and memoised early, fetched back for STACK_GLOBAL after a benign object
    names = craft.arg("os") + b"q\x01" + craft.arg("system") + b"q\x020"
    call = b"0h\x01h\x02\x93" + craft.arg((craft.PAYLOAD,)) + b"R."
    data = b"\x80\x04" + names + craft.glob("collections", "OrderedDict") + b")R" + call
    assert _agrees(data)  # read to its end: it imports os.system, which the policy does not allow
    found = _mdl001(_scan(tmp_path, "model.pkl", data), "os.system")
    assert found and "called" in getattr(found[0], "message", "")


def test_second_pickle_after_stop(tmp_path: Path) -> None:
    data = craft.benign(2) + craft.os_system(4)
    plain = screen(data)
    assert plain is not None and plain.end < len(data)  # the first stream alone is plain
    assert _mdl001(_scan(tmp_path, "model.pkl", data), "os.system")


def test_data_after_stop_is_reported(tmp_path: Path) -> None:
    data = craft.benign(2) + b"trailing bytes a loader may read"
    findings = _scan(tmp_path, "model.pkl", data)
    assert any(getattr(f, "code", "") == "MDL005" for f in findings), findings


def test_joblib_array_that_imports(tmp_path: Path) -> None:
    """Array bytes a plain ``pickle.load`` runs as opcodes, an import among them: the screen
    leaves the stream to the machine."""
    hidden = b"(" + craft.arg(craft.PAYLOAD) + b"ios\nsystem\n."
    data = b"\x80\x02" + craft.joblib_wrapper(len(hidden)) + hidden + b"."
    assert screen(data) is None
    assert _mdl001(_scan(tmp_path, "model.joblib", data), "os.system")


def test_joblib_array_with_import_bytes_after_a_pad_length(tmp_path: Path) -> None:
    """An aligned array starts with its pad length (1-16), never an opcode: a plain load breaks
    there, whatever the array holds, and the screen accepts the stream."""
    raw = b"\x03\xff\xff\xff" + b"cos\nsystem\n" + b"i\x93"
    data = b"\x80\x02" + craft.joblib_wrapper(len(raw) - 4, aligned=True) + raw + b"."
    assert _agrees(data)
    assert not _mdl001(_scan(tmp_path, "model.joblib", data), "os.system")


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("reduce of a computed value", b"\x80\x02" + _object_with_state(b"}") + b")R."),
        ("build on a global", b"\x80\x02" + craft.glob("os", "path") + b"}b."),
        (
            "gadget handed a computed value",
            b"\x80\x02"
            + craft.glob("copyreg", "_reconstructor")
            + b"("
            + craft.glob("collections", "OrderedDict")
            + b")R"
            + craft.glob("builtins", "object")
            + b"NtR.",
        ),
        (
            "computed STACK_GLOBAL",
            b"\x80\x04" + craft.glob("builtins", "object") + b")R\x8c\x01a\x93.",
        ),
        ("nested payload in bytes", b"\x80\x02" + craft.arg(craft.os_system(2)) + b"."),
        ("protocol 0", craft.protocol0_system()),
        ("truncated", craft.benign(2)[:-1]),
        ("persistent id called", b"\x80\x02" + craft.arg("x") + b"Q)R."),
    ],
)
def test_what_the_machine_records_is_left_to_it(name: str, data: bytes) -> None:
    assert screen(data) is None, name


def test_python2_names_are_mapped_as_the_machine_maps_them() -> None:
    data = b"\x80\x02c__builtin__\nset\n]\x85R."
    assert _agrees(data)
    plain = screen(data)
    assert plain is not None and plain.imports[0][1:3] == ("builtins", "set")
