"""Every ``@record`` class behaves exactly as the dataclass ``@dataclass`` builds from its fields.

``@record`` (outwork.core.records) keeps the start-up of the command line low by writing no code
at import; these tests hold it to the dataclass it replaces, for every record in the package:
the constructor's parameters and defaults, ``repr``, ``==`` and ``hash`` over pairs of values
that differ in one field at a time, immutability, pickling, ``copy`` and ``dataclasses.replace``.
Field values are opaque tokens: the generated methods never look inside them.
"""

from __future__ import annotations

import copy
import dataclasses
import importlib
import inspect
import itertools
import pickle
import pkgutil
from typing import Any

import pytest

import outwork
from outwork.core import records


def _import_everything() -> list[type]:
    for module in pkgutil.walk_packages(outwork.__path__, "outwork."):
        if module.name.endswith("__main__"):
            continue
        try:
            importlib.import_module(module.name)
        except ImportError:  # an optional dependency: its records are not on this machine
            continue
    return list(records.RECORDS)


RECORDS = _import_everything()


class Token:
    """A field value: equal, hashed and shown by its name and number only."""

    __slots__ = ("name", "number")

    def __init__(self, name: str, number: int) -> None:
        self.name = name
        self.number = number

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Token) and (self.name, self.number) == (other.name, other.number)

    def __hash__(self) -> int:
        return hash((self.name, self.number))

    def __repr__(self) -> str:
        return f"Token({self.name!r}, {self.number})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Token, (self.name, self.number))


def is_frozen(cls: type) -> bool:
    return cls.__setattr__ is records._frozen_setattr  # type: ignore[comparison-overlap]


def reference(cls: type) -> type:
    """The class as ``@dataclass`` builds it from the same fields."""
    specs = []
    for f in dataclasses.fields(cls):
        options: dict[str, Any] = {"hash": f.hash, "compare": f.compare, "repr": f.repr}
        if f.default is not dataclasses.MISSING:
            options["default"] = f.default
        if f.default_factory is not dataclasses.MISSING:
            options["default_factory"] = f.default_factory
        specs.append((f.name, f.type, dataclasses.field(**options)))
    own_hash = vars(cls).get("__hash__")
    explicit = own_hash is not None and own_hash is not records._hash
    built = dataclasses.make_dataclass(
        cls.__name__,
        specs,
        frozen=is_frozen(cls),
        slots=True,
        namespace={"__hash__": own_hash} if explicit else {},
    )
    built.__qualname__ = cls.__qualname__
    return built


def samples(cls: type) -> list[dict[str, Any]]:
    """Arguments: the required fields only, then each field given two other values in turn."""
    declared = dataclasses.fields(cls)
    base = {
        f.name: Token(f.name, 0)
        for f in declared
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    }
    out = [dict(base)]
    for f in declared:
        out += [{**base, f.name: Token(f.name, 1)}, {**base, f.name: Token(f.name, 2)}]
    return out


def _hash(item: object) -> object:
    """The hash, or the type of the error hashing raises (a field holding a dict)."""
    try:
        return hash(item)
    except TypeError as exc:
        return type(exc)


def test_records_were_found() -> None:
    names = {cls.__name__ for cls in RECORDS}
    assert names, "no @record class left: delete outwork.core.records and this test"


@pytest.mark.parametrize("cls", RECORDS, ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_constructor_signature_is_the_dataclass_one(cls: type) -> None:
    ours = inspect.signature(cls).parameters
    theirs = inspect.signature(reference(cls)).parameters
    assert list(ours) == list(theirs)
    for f in dataclasses.fields(cls):
        assert ours[f.name].kind == theirs[f.name].kind
        if f.default is not dataclasses.MISSING:
            assert ours[f.name].default == f.default, f.name
        elif f.default_factory is not dataclasses.MISSING:
            assert ours[f.name].default is records.FACTORY, f.name
        else:
            assert ours[f.name].default is inspect.Parameter.empty, f.name
    ref = reference(cls)
    assert cls.__match_args__ == ref.__match_args__  # type: ignore[attr-defined]
    assert cls.__slots__ == ref.__slots__  # type: ignore[attr-defined]
    instance, twin = cls(**samples(cls)[0]), ref(**samples(cls)[0])
    for f in dataclasses.fields(cls):  # defaults and default factories
        assert getattr(instance, f.name) == getattr(twin, f.name), f.name


@pytest.mark.parametrize("cls", RECORDS, ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_repr_equality_and_hash_match_the_dataclass(cls: type) -> None:
    ref = reference(cls)
    kwargs = samples(cls)
    ours = [cls(**k) for k in kwargs]
    theirs = [ref(**k) for k in kwargs]
    for a, b in zip(ours, theirs, strict=True):
        if vars(cls)["__repr__"] is records._repr:
            assert repr(a) == repr(b)
    for (a, ra), (b, rb) in itertools.product(zip(ours, theirs, strict=True), repeat=2):
        assert (a == b) == (ra == rb)
        assert (a != b) == (ra != rb)
        if ref.__hash__ is not None:
            assert _hash(a) == _hash(ra)
    assert ours[0] != theirs[0]  # another class never compares equal
    assert ours[0].__eq__(object()) is NotImplemented
    if ref.__hash__ is None:
        with pytest.raises(TypeError):
            hash(ours[0])


@pytest.mark.parametrize("cls", RECORDS, ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_mutability_matches_the_dataclass(cls: type) -> None:
    item, twin = cls(**samples(cls)[0]), reference(cls)(**samples(cls)[0])
    name = dataclasses.fields(cls)[0].name
    if is_frozen(cls):
        for target in (item, twin):
            with pytest.raises(dataclasses.FrozenInstanceError, match=f"field '{name}'"):
                setattr(target, name, None)
            with pytest.raises(dataclasses.FrozenInstanceError, match=f"delete field '{name}'"):
                delattr(target, name)
        # Another name: refused by both, though Python 3.11's slotted frozen dataclass refuses
        # it with a TypeError from super() (a CPython bug of slotted dataclasses)
        with pytest.raises(dataclasses.FrozenInstanceError, match="field 'other'"):
            item.other = 1
        with pytest.raises((dataclasses.FrozenInstanceError, TypeError)):
            twin.other = 1
    else:
        setattr(item, name, Token(name, 9))
        assert getattr(item, name) == Token(name, 9)
        with pytest.raises(AttributeError):
            item.other = 1
    with pytest.raises(AttributeError):
        item.__dict__  # noqa: B018  # slotted: no instance dictionary


@pytest.mark.parametrize("cls", RECORDS, ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_pickle_copy_and_replace(cls: type) -> None:
    ref = reference(cls)
    for kwargs in samples(cls):
        item = cls(**kwargs)
        for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
            try:
                ref(**kwargs).__reduce_ex__(protocol)
            except TypeError:  # a slotted dataclass without __getstate__, protocols 0 and 1
                with pytest.raises(TypeError):
                    pickle.dumps(item, protocol)
                continue
            back = pickle.loads(pickle.dumps(item, protocol))
            assert back == item and repr(back) == repr(item)
            assert type(back) is cls
        assert copy.copy(item) == item and copy.deepcopy(item) == item
        assert dataclasses.replace(item) == item
        assert dataclasses.asdict(item) == dataclasses.asdict(ref(**kwargs))
    first = dataclasses.fields(cls)[0].name
    changed = dataclasses.replace(cls(**samples(cls)[0]), **{first: Token(first, 7)})
    assert getattr(changed, first) == Token(first, 7)


def test_record_refuses_what_it_does_not_reproduce() -> None:
    with pytest.raises(TypeError, match="writes out its __init__"):

        @records.record
        class NoInit:
            a: int

    with pytest.raises(TypeError, match="__post_init__"):

        @records.record
        class PostInit:
            a: int

            def __init__(self, a: int) -> None:
                object.__setattr__(self, "a", a)

            def __post_init__(self) -> None:
                pass


@pytest.mark.parametrize("cls", RECORDS, ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_every_record_has_a_docstring(cls: type) -> None:
    """Without one, ``dataclasses`` writes ``Name(signature)`` with ``inspect.signature`` at
    import: a tenth of a millisecond a class on the start-up path."""
    assert cls.__doc__
    assert not cls.__doc__.startswith(f"{cls.__name__}(")
