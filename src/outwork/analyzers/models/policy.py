"""Allowlist-first policy for pickle globals, read from the data tables in ``data/``."""

from __future__ import annotations

import enum
import fnmatch
import functools
from importlib import resources
from typing import NamedTuple


class Verdict(enum.Enum):
    ALLOWED = "allowed"
    UNLISTED = "unlisted"
    DANGEROUS = "dangerous"


class Judgement(NamedTuple):
    verdict: Verdict
    reason: str = ""
    matched: str = ""


def _data(name: str) -> str:
    """A table from ``data/``, read through the package's resources."""
    return resources.files("outwork.analyzers.models").joinpath("data", name).read_text("utf-8")


def reason_table(name: str) -> dict[str, str]:
    """A table from ``data/`` of ``key<TAB>reason`` lines (``#`` starts a comment line)."""
    out: dict[str, str] = {}
    for raw in _data(name).splitlines():
        if raw.strip() and not raw.startswith("#"):
            key, _, reason = raw.partition("\t")
            out[key.strip()] = reason.strip()
    return out


@functools.cache
def _allowlist(
    table: str = "pickle_allowlist.txt",
) -> tuple[frozenset[tuple[str, str]], tuple[tuple[str, str], ...]]:
    exact: set[tuple[str, str]] = set()
    patterns: list[tuple[str, str]] = []
    for raw in _data(table).splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        module, name = line.split()
        if any(c in module + name for c in "*?["):
            patterns.append((module, name))
        else:
            exact.add((module, name))
    return frozenset(exact), tuple(patterns)


@functools.cache
def denylist() -> dict[str, str]:
    table: dict[str, str] = {}
    for raw in _data("pickle_denylist.tsv").splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        prefix, _, reason = raw.partition("\t")
        table[prefix.strip()] = reason.strip()
    return table


def _deny_match(dotted: str) -> tuple[str, str] | None:
    table = denylist()
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        prefix = ".".join(parts[:i])
        if prefix in table:
            return prefix, table[prefix]
    return None


def is_allowed(module: str, name: str, table: str = "pickle_allowlist.txt") -> bool:
    exact, patterns = _allowlist(table)
    if (module, name) in exact:
        return True
    return any(
        fnmatch.fnmatchcase(module, m)
        and fnmatch.fnmatchcase(name, n)
        and ("." not in name or m.startswith("__torch__"))
        for m, n in patterns
    )


def judge(module: str, name: str, *, torchscript: bool = False) -> Judgement:
    """Decide what importing ``module``.``name`` in a pickle means (the tables are fixed, so a
    global's judgement is remembered: a folder of models imports the same few globals)."""
    return _judge(module, name, torchscript)


@functools.lru_cache(maxsize=4096)
def _judge(module: str, name: str, torchscript: bool) -> Judgement:
    """Decide what importing ``module``.``name`` in a pickle means.

    Order: a dangerous prefix of the full path is critical; then the allowlist; then dangerous
    names reached through attribute chains (``posixpath`` + ``os.system``) or dunder attributes;
    everything else is unlisted, which is at least high.
    """
    full = f"{module}.{name}" if module else name
    if torchscript and is_allowed(module, name, "torchscript_allowlist.txt"):
        return Judgement(Verdict.ALLOWED)
    hit = _deny_match(full) or _deny_match(module)
    if hit:
        return Judgement(Verdict.DANGEROUS, hit[1], hit[0])
    if is_allowed(module, name):
        return Judgement(Verdict.ALLOWED)
    parts = full.split(".")
    for i in range(1, len(parts)):
        hit = _deny_match(".".join(parts[i:]))
        if hit and i >= len(module.split(".")):
            return Judgement(
                Verdict.DANGEROUS, f"reaches {hit[0]} through an attribute chain: {hit[1]}", hit[0]
            )
    attrs = name.split(".")[1:]
    if any(a.startswith("__") and a.endswith("__") for a in attrs):
        return Judgement(
            Verdict.DANGEROUS,
            "walks dunder attributes (__globals__, __subclasses__) to reach any object",
            full,
        )
    if not module or not name:
        return Judgement(Verdict.DANGEROUS, "an empty module or name", full)
    return Judgement(Verdict.UNLISTED)
