"""``dump_json`` indents in one pass of its own: its text must be the standard library's."""

from __future__ import annotations

import enum
import json
import random
from typing import Any

from outwork.core.rules import Severity
from outwork.report._common import clean_data, dump_json


class _Text(str, enum.Enum):  # noqa: UP042 - str() differs from the value, as in old enums
    A = "a"


def _reference(data: Any, indent: int) -> str:
    return json.dumps(clean_data(data), indent=indent, sort_keys=True, ensure_ascii=False) + "\n"


def _value(rnd: random.Random, depth: int = 0) -> Any:
    roll = rnd.random()
    if depth > 4 or roll < 0.4:
        text = "".join(
            chr(rnd.choice([rnd.randint(0, 0x7F), rnd.randint(0x80, 0x3000), 0x202E, 0xD800]))
            for _ in range(rnd.randint(0, 6))
        )
        return rnd.choice(
            [None, True, False, rnd.randint(-(10**6), 10**6), rnd.random(), float("inf"),
             float("nan"), text, b"\xfe\x01a", Severity.LOW, _Text.A]
        )  # fmt: skip
    keys = ["a", "b", 1, 2, "\ud801", "é", _Text.A, Severity.HIGH, None, 2.5]
    if roll < 0.7:
        return {rnd.choice(keys): _value(rnd, depth + 1) for _ in range(rnd.randint(0, 5))}
    if roll < 0.85:
        return [_value(rnd, depth + 1) for _ in range(rnd.randint(0, 5))]
    if roll < 0.93:
        return tuple(_value(rnd, depth + 1) for _ in range(rnd.randint(0, 3)))
    return {rnd.choice(["a", "b", 1, 2.5, None, _Text.A]) for _ in range(rnd.randint(0, 4))}


def test_indented_text_is_the_standard_librarys() -> None:
    rnd = random.Random(7)
    for _ in range(2000):
        data = _value(rnd)
        for indent in (2, 4):
            assert dump_json(data, indent=indent) == _reference(data, indent)


def test_empty_containers_and_odd_strings() -> None:
    data = {"x": [], "y": {}, "z": ["\x1b[31m", "\u202e", "\ud800", b"\xff"], 3: (1.5, -0.0)}
    assert dump_json(data) == _reference(data, 2)
