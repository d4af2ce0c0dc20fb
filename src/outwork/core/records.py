"""Dataclasses without the start-up cost of generated methods.

``@dataclass`` writes the source text of ``__init__``, ``__repr__``, ``__eq__``, ``__hash__``,
``__setattr__`` and ``__delattr__`` for each class and compiles it when the module is imported:
about half a millisecond a class, and a small package's scan imports some thirty of them before
it reads a byte. :func:`record` gives a class the same behaviour without compiling anything: the
class stays a real dataclass (``dataclasses.fields``, ``replace``, ``asdict`` and ``__match_args__``
work on it), the comparison, hashing, ``repr``, immutability and pickling methods are shared
functions driven by its fields, and its ``__init__`` is written out in the class body (the one
method worth specialising: records are built often). tests/core/test_records.py compares every
record with the dataclass that ``@dataclass`` would build from the same fields.

    @record                      # as @dataclass(frozen=True, slots=True)
    @record(frozen=False)        # as @dataclass(slots=True)

A field with a ``default_factory`` takes :data:`FACTORY` as its default in ``__init__`` (the
factory is called when the argument is left out, as a dataclass does).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import FrozenInstanceError, dataclass, field, fields
from operator import attrgetter
from typing import Any, TypeVar, cast, dataclass_transform, overload

T = TypeVar("T", bound=type)

#: Stands for "not given" where a field has a ``default_factory``.
FACTORY: Any = object()

#: Every class made by :func:`record` (the tests compare each with its dataclass twin).
RECORDS: list[type] = []


@overload
def record(cls: T, /) -> T: ...
@overload
def record(*, frozen: bool = True) -> Callable[[T], T]: ...
@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def record(cls: T | None = None, /, *, frozen: bool = True) -> T | Callable[[T], T]:
    """Make ``cls`` a slotted dataclass (frozen unless told) whose methods cost nothing to build."""

    def wrap(cls: T) -> T:
        own = cls.__dict__
        for name in ("__post_init__", "__eq__", "__setattr__", "__delattr__"):
            if name in own:
                raise TypeError(f"{cls.__qualname__}: @record does not support {name}")
        if "__init__" not in own:
            raise TypeError(f"{cls.__qualname__}: a @record class writes out its __init__")
        built = cast(T, dataclass(init=False, repr=False, eq=False, slots=True)(cls))
        declared = fields(built)
        hashed = tuple(f.name for f in declared if f.hash or (f.hash is None and f.compare))
        methods: dict[str, Any] = {
            "_record_owner": built,
            "_record_fields": tuple(f.name for f in declared),
            "_record_shown": tuple(f.name for f in declared if f.repr),
            "_record_key": staticmethod(_getter(tuple(f.name for f in declared if f.compare))),
            "__eq__": _eq,
        }
        if "__repr__" not in own:
            methods["__repr__"] = _repr
        if frozen:
            methods["_record_hash_key"] = staticmethod(_getter(hashed))
            methods["__setattr__"] = _frozen_setattr
            methods["__delattr__"] = _frozen_delattr
            methods["__getstate__"] = _getstate
            methods["__setstate__"] = _setstate
            if "__hash__" not in own:
                methods["__hash__"] = _hash
        elif "__hash__" not in own:
            methods["__hash__"] = None
        for name, value in methods.items():
            setattr(built, name, value)
        RECORDS.append(built)
        return built

    return wrap if cls is None else wrap(cls)


def _getter(names: tuple[str, ...]) -> Callable[[object], tuple[Any, ...]]:
    """The tuple of these attributes (``attrgetter`` gives a bare value for a single name)."""
    if len(names) >= 2:
        return attrgetter(*names)
    return lambda item: tuple(getattr(item, name) for name in names)


def _repr(self: Any) -> str:
    inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._record_shown)
    return f"{self.__class__.__qualname__}({inner})"


def _eq(self: Any, other: Any) -> object:  # bool, or NotImplemented
    if other.__class__ is self.__class__:
        key: Callable[[object], tuple[Any, ...]] = self._record_key
        return bool(key(self) == key(other))
    return NotImplemented


def _hash(self: Any) -> int:
    return hash(self._record_hash_key(self))


def _frozen_setattr(self: Any, name: str, value: object) -> None:
    if type(self) is self._record_owner or name in self._record_fields:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")
    object.__setattr__(self, name, value)


def _frozen_delattr(self: Any, name: str) -> None:
    if type(self) is self._record_owner or name in self._record_fields:
        raise FrozenInstanceError(f"cannot delete field {name!r}")
    object.__delattr__(self, name)


def _getstate(self: Any) -> list[Any]:
    return [getattr(self, name) for name in self._record_fields]


def _setstate(self: Any, state: list[Any]) -> None:
    for name, value in zip(self._record_fields, state, strict=False):
        object.__setattr__(self, name, value)
