"""Logical locations in a YAML document: key paths such as ``jobs.build.steps[2].run``.

Findings name where they are by key path; the shared locator turns a key path back into a line
and column (see ``yamlpos.locate``).
"""

from __future__ import annotations

import re

_SEGMENT_RE = re.compile(r"""([^.\[\]]+)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]""")


def parse_path(logical: str) -> list[str | int]:
    """``jobs.build.steps[2].run`` -> ``["jobs", "build", "steps", 2, "run"]``."""
    out: list[str | int] = []
    for match in _SEGMENT_RE.finditer(logical):
        name, index, quoted = match.groups()
        if index is not None:
            out.append(int(index))
        elif quoted is not None:
            out.append(quoted.replace('\\"', '"'))
        else:
            out.append(name)
    return out


_PLAIN_KEY_RE = re.compile(r"[^.\[\]\"]+")


def key_path(*parts: str | int) -> str:
    """The inverse of :func:`parse_path`; keys with dots or brackets are quoted."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _PLAIN_KEY_RE.fullmatch(part):
            text += ("." if text else "") + part
        else:
            text += '["' + part.replace('"', '\\"') + '"]'
    return text
