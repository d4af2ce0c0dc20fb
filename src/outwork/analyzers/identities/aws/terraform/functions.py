"""Terraform's built-in functions that modules use to assemble names and policies, on values
already evaluated. A function given a value not known (:class:`~.values.Unknown`) raises
:class:`NotKnownError` and its result is not known either; one given values of the wrong shape
raises ``ValueError`` or ``TypeError`` (Terraform would fail the plan) and its result is
reported as not evaluated. ``file``, ``templatefile``, ``jsonencode``, ``try`` and ``can``
need the module and are evaluated by :mod:`.expressions`."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from outwork.analyzers.identities.aws.terraform.values import Doc, Unknown

#: The size of a string or collection a function may make (a ``format`` or ``range`` bomb).
MAX_ITEMS = 65536


class NotKnownError(Exception):
    """An argument is not known: so is the result."""


def _known(value: Any) -> Any:
    if isinstance(value, Unknown):
        raise NotKnownError
    if isinstance(value, Doc):
        raise TypeError("a policy document is not a plain value")
    return value


def _deep(value: Any) -> Any:
    """The value, when nothing inside it is unknown."""
    if isinstance(value, dict):
        return {k: _deep(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep(v) for v in value]
    return _known(value)


def _string(value: Any) -> str:
    value = _known(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not a string")


def _list(value: Any) -> list[Any]:
    value = _known(value)
    if isinstance(value, list):
        return value
    raise TypeError(f"{type(value).__name__} is not a list")


def _map(value: Any) -> dict[str, Any]:
    value = _known(value)
    if isinstance(value, dict):
        return value
    raise TypeError(f"{type(value).__name__} is not a map")


def _number(value: Any) -> int | float:
    value = _known(value)
    if isinstance(value, bool):
        raise TypeError("a bool is not a number")
    if isinstance(value, int | float):
        return value
    text = str(value)
    return float(text) if "." in text or "e" in text.lower() else int(text)


def _capped(items: list[Any]) -> list[Any]:
    if len(items) > MAX_ITEMS:
        raise ValueError(f"more than {MAX_ITEMS} items")
    return items


def merge(*maps: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in maps:
        if item is not None:
            out.update(_map(item))
    return out


def concat(*lists: Any) -> list[Any]:
    """The lists joined; a list not known stands as one unknown item among the known ones."""
    out: list[Any] = []
    for item in lists:
        out.extend([item] if isinstance(item, Unknown) else _list(item))
    return _capped(out)


_VERB_RE = re.compile(r"%(%|[-+# 0]*\d*(?:\.\d+)?[sdvqfxXtbeEgGo])")


def format_(spec: Any, *args: Any) -> str:
    """``format``: the verbs modules use (``%s``, ``%d``, ``%v``, ``%q``, ``%%``)."""
    text = _string(spec)
    values = iter(args)

    def verb(match: re.Match[str]) -> str:
        if match.group(1) == "%":
            return "%"
        value = next(values, None)
        if value is None:
            raise ValueError("not enough arguments for the format")
        kind = match.group(1)[-1]
        if kind == "q":
            return json.dumps(_string(value))
        if kind == "d":
            return str(int(_number(value)))
        return _string(value)

    out = _VERB_RE.sub(verb, text)
    if len(out) > MAX_ITEMS:
        raise ValueError("the formatted string is too long")
    return out


def join(separator: Any, *lists: Any) -> str:
    return _string(separator).join(_string(v) for item in lists for v in _list(item))


def split(separator: Any, text: Any) -> list[str]:
    return _capped(_string(text).split(_string(separator)))


def replace(text: Any, old: Any, new: Any) -> str:
    pattern = _string(old)
    if len(pattern) > 1 and pattern.startswith("/") and pattern.endswith("/"):
        raise NotKnownError  # a regular expression in Go's syntax: not evaluated
    return _string(text).replace(pattern, _string(new))


def length(value: Any) -> int:
    value = _known(value)
    if isinstance(value, str | list | dict):
        return len(value)
    raise TypeError(f"{type(value).__name__} has no length")


def element(items: Any, index: Any) -> Any:
    found = _list(items)
    if not found:
        raise ValueError("element of an empty list")
    return found[int(_number(index)) % len(found)]


def lookup(mapping: Any, key: Any, *default: Any) -> Any:
    found = _map(mapping)
    name = _string(key)
    if name in found:
        return found[name]
    if default:
        return default[0]
    raise ValueError(f"no key {name!r}")


def flatten(items: Any) -> list[Any]:
    out: list[Any] = []

    def walk(value: Any) -> None:
        for item in _list(value):
            if isinstance(item, list):
                walk(item)
            else:
                out.append(item)

    walk(items)
    return _capped(out)


def distinct(items: Any) -> list[Any]:
    out: list[Any] = []
    for item in _list(items):
        if item not in out:
            out.append(item)
    return out


def compact(items: Any) -> list[Any]:
    return [v for v in _list(items) if v not in (None, "")]


def coalesce(*values: Any) -> Any:
    for value in values:
        if _known(value) not in (None, ""):
            return value
    raise ValueError("no non-null argument")


def coalescelist(*lists: Any) -> list[Any]:
    for item in lists:
        if _list(item):
            return _list(item)
    return []


def contains(items: Any, value: Any) -> bool:
    return _deep(value) in _deep(_list(items))


def keys(mapping: Any) -> list[str]:
    return sorted(_map(mapping))


def values(mapping: Any) -> list[Any]:
    found = _map(mapping)
    return [found[k] for k in sorted(found)]


def zipmap(names: Any, items: Any) -> dict[str, Any]:
    return dict(zip((_string(k) for k in _list(names)), _list(items), strict=True))


def tolist(value: Any) -> list[Any]:
    return _list(value)


def toset(value: Any) -> list[Any]:
    return distinct(value)


def tomap(value: Any) -> dict[str, Any]:
    return _map(value)


def tostring(value: Any) -> str | None:
    return None if _known(value) is None else _string(value)


def tonumber(value: Any) -> int | float:
    return _number(value)


def tobool(value: Any) -> bool:
    found = _known(value)
    if isinstance(found, bool):
        return found
    if found in ("true", "false"):
        return bool(found == "true")
    raise TypeError(f"{found!r} is not a bool")


def jsondecode(text: Any) -> Any:
    return json.loads(_string(text))


def one(items: Any) -> Any:
    found = _list(items)
    if len(found) > 1:
        raise ValueError("more than one element")
    return found[0] if found else None


def slice_(items: Any, start: Any, end: Any) -> list[Any]:
    return _list(items)[int(_number(start)) : int(_number(end))]


def range_(*bounds: Any) -> list[int | float]:
    numbers = [_number(b) for b in bounds]
    start, stop, step = (0, numbers[0], 1) if len(numbers) == 1 else (*numbers[:2], 1)
    if len(numbers) == 3:
        step = numbers[2]
    if step == 0 or abs((stop - start) / step) > MAX_ITEMS:
        raise ValueError("the range is empty or too long")
    out: list[int | float] = []
    value = start
    while (value < stop) if step > 0 else (value > stop):
        out.append(value)
        value += step
    return out


def _strings(function: Callable[[str], str]) -> Callable[[Any], str]:
    return lambda value: function(_string(value))


#: name -> function on evaluated arguments.
FUNCTIONS: dict[str, Callable[..., Any]] = {
    "merge": merge,
    "concat": concat,
    "format": format_,
    "join": join,
    "split": split,
    "replace": replace,
    "length": length,
    "element": element,
    "lookup": lookup,
    "flatten": flatten,
    "distinct": distinct,
    "compact": compact,
    "coalesce": coalesce,
    "coalescelist": coalescelist,
    "contains": contains,
    "keys": keys,
    "values": values,
    "zipmap": zipmap,
    "tolist": tolist,
    "toset": toset,
    "tomap": tomap,
    "tostring": tostring,
    "tonumber": tonumber,
    "tobool": tobool,
    "jsondecode": jsondecode,
    "one": one,
    "slice": slice_,
    "range": range_,
    "lower": _strings(str.lower),
    "upper": _strings(str.upper),
    "trimspace": _strings(str.strip),
    "title": _strings(str.title),
    "startswith": lambda text, prefix: _string(text).startswith(_string(prefix)),
    "trimprefix": lambda text, prefix: _string(text).removeprefix(_string(prefix)),
    "trimsuffix": lambda text, suffix: _string(text).removesuffix(_string(suffix)),
    "endswith": lambda text, suffix: _string(text).endswith(_string(suffix)),
}
