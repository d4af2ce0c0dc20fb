"""The findings model's hand-written methods behave exactly as ``@dataclass`` would generate them.

Each class is compared with a reference dataclass built from its own field declarations
(``frozen=True, slots=True`` for the records, plain for ``Stats`` and ``ScanResult``): the
constructor's parameters and defaults, ``repr``, ``==`` and ``hash`` over many pairs of values,
immutability, pickling, ``copy`` and ``dataclasses.replace``.
"""

from __future__ import annotations

import copy
import dataclasses
import inspect
import itertools
import pickle
from typing import Any

import pytest

from outwork.core import findings as model
from outwork.core.corerules import AnalyzerFailed, ArchiveUnreadable
from outwork.core.rules import Confidence, Severity
from tests.core.test_records import reference

FROZEN = (
    model.Location,
    model.Finding,
    model.Fact,
    model.Skip,
    model.AnalyzerError,
    model.ScannedArtifact,
    model.AttackPath,
)
MUTABLE = (model.Stats, model.ScanResult)


def samples(cls: type) -> list[dict[str, Any]]:
    """Keyword arguments for instances that differ in each field, and some that are equal."""
    loc_a, loc_b = model.Location("a.py", 1, 2), model.Location("b.py", None, None, logical="k")
    fact_a, fact_b = model.Fact("x", "reaches", "y"), model.Fact("x", "reaches", "z", "p", {"k": 1})
    values: dict[str, list[Any]] = {
        "path": ["a.py", "b/c.txt!/d"],
        "line": [None, 3],
        "column": [None, 0],
        "end_line": [None, 9],
        "end_column": [None, 1],
        "logical": [None, "jobs.build"],
        "rule": [ArchiveUnreadable, AnalyzerFailed],
        "message": ["m", "n"],
        "location": [loc_a, loc_b],
        "severity": [Severity.LOW, Severity.HIGH],
        "confidence": [Confidence.LOW, Confidence.HIGH],
        "evidence": ["", "e"],
        "remediation": ["", "r"],
        "subject": [None, "pkg"],
        "related": [(), (loc_a, loc_b)],
        "properties": [{}, {"a": [1, 2]}],
        "snippet": [(), ((1, "x"), (2, "y"))],
        "suppressed": [None, "inline"],
        "source": ["s", "t"],
        "relation": ["r", "q"],
        "target": ["t", "u"],
        "proof": ["", "p"],
        "reason": ["too big", "unreadable"],
        "analyzer": ["packages", "models"],
        "error": ["boom", "bang"],
        "kind": ["python", "zip"],
        "size": [0, 10],
        "sha256": [None, "ab" * 32],
        "analyzers": [(), ("packages",)],
        "entry": ["entry:a", "entry:b"],
        "steps": [(fact_a,), (fact_a, fact_b)],
        "artifacts": [0, 4],
        "analyzed": [0, 2],
        "bytes": [0, 100],
        "seconds": [0.0, 1.5],
        "cache_hits": [0, 1],
        "targets": [0, 2],
        "findings": [[]],
        "facts": [[], [fact_a]],
        "paths": [[]],
        "skipped": [[], [model.Skip("a", "b")]],
        "errors": [[]],
        "stats": [model.Stats(), model.Stats(artifacts=3)],
    }
    if cls is model.ScanResult:
        values["artifacts"] = [[], [model.ScannedArtifact("a", "zip", 1, None)]]
        values["targets"] = [[], ["."]]
    fields = dataclasses.fields(cls)
    required = [f.name for f in fields if _required(f)]
    base = {name: values[name][0] for name in required}
    out = [dict(base)]
    for f in fields:  # one field changed at a time, given even where it has a default
        for value in values[f.name]:
            out.append({**base, f.name: value})
    return out


def _required(f: dataclasses.Field[Any]) -> bool:
    return f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING


@pytest.mark.parametrize("cls", FROZEN + MUTABLE, ids=lambda c: c.__name__)
def test_constructor_signature_is_the_dataclass_one(cls: type) -> None:
    ours = inspect.signature(cls).parameters
    theirs = inspect.signature(reference(cls)).parameters
    assert list(ours) == list(theirs)
    for name, param in theirs.items():
        assert ours[name].kind == param.kind
        if param.default is param.empty:
            assert ours[name].default is param.empty, name
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING:
            assert ours[f.name].default == f.default
    assert cls.__match_args__ == reference(cls).__match_args__  # type: ignore[attr-defined]
    assert cls.__slots__ == reference(cls).__slots__  # type: ignore[attr-defined]


@pytest.mark.parametrize("cls", FROZEN + MUTABLE, ids=lambda c: c.__name__)
def test_repr_equality_and_hash_match_the_dataclass(cls: type) -> None:
    ref = reference(cls)
    kwargs = samples(cls)
    ours = [cls(**k) for k in kwargs]
    theirs = [ref(**k) for k in kwargs]
    for a, b in zip(ours, theirs, strict=True):
        assert repr(a) == repr(b)
        for f in dataclasses.fields(cls):
            assert getattr(a, f.name) == getattr(b, f.name)
    for (a, ra), (b, rb) in itertools.product(zip(ours, theirs, strict=True), repeat=2):
        assert (a == b) == (ra == rb)
        assert (a != b) == (ra != rb)
        if cls in FROZEN:
            assert (hash(a) == hash(b)) == (hash(ra) == hash(rb))
            assert hash(a) == hash(ra)
    assert ours[0] != theirs[0]  # another class never compares equal
    assert ours[0].__eq__(object()) is NotImplemented
    if cls in MUTABLE:
        with pytest.raises(TypeError):
            hash(ours[0])


@pytest.mark.parametrize("cls", FROZEN, ids=lambda c: c.__name__)
def test_records_are_immutable(cls: type) -> None:
    item = cls(**samples(cls)[-1])
    name = dataclasses.fields(cls)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError, match=f"cannot assign to field '{name}'"):
        setattr(item, name, None)
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'other'"):
        item.other = 1
    with pytest.raises(dataclasses.FrozenInstanceError, match=f"cannot delete field '{name}'"):
        delattr(item, name)
    with pytest.raises(AttributeError):
        item.__dict__  # noqa: B018  # slotted: no instance dictionary


@pytest.mark.parametrize("cls", FROZEN + MUTABLE, ids=lambda c: c.__name__)
def test_pickle_copy_and_replace(cls: type) -> None:
    for kwargs in samples(cls):
        item = cls(**kwargs)
        for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
            try:
                reference(cls)(**kwargs).__reduce_ex__(protocol)
            except TypeError:  # a slotted dataclass without __getstate__, protocols 0 and 1
                with pytest.raises(TypeError):
                    pickle.dumps(item, protocol)
                continue
            back = pickle.loads(pickle.dumps(item, protocol))  # our own objects
            assert back == item and repr(back) == repr(item)
        assert copy.copy(item) == item and copy.deepcopy(item) == item
        assert dataclasses.replace(item) == item
        assert dataclasses.asdict(item) == dataclasses.asdict(reference(cls)(**kwargs))
    first = dataclasses.fields(cls)[0]
    item = cls(**samples(cls)[-1])
    changed = dataclasses.replace(item, **{first.name: samples(cls)[1][first.name]})
    assert getattr(changed, first.name) == samples(cls)[1][first.name]


def test_default_factories_give_each_instance_its_own_container() -> None:
    a, b = model.ScanResult(), model.ScanResult()
    a.findings.append(model.finding(ArchiveUnreadable, "m"))
    assert b.findings == [] and a.stats is not b.stats
    f1 = model.Fact("a", "b", "c")
    f2 = model.Fact("a", "b", "c")
    assert f1.properties is not f2.properties
    assert (
        model.Finding(
            ArchiveUnreadable,
            "m",
            model.Location("p"),
            Severity.LOW,
            Confidence.LOW,
            properties=None,
        ).properties
        is None
    )  # type: ignore[arg-type]
