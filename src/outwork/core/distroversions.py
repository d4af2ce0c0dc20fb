"""Version ordering of Linux distributions' packages: dpkg (Debian, Ubuntu), apk (Alpine) and
rpm (Red Hat, Rocky, AlmaLinux, Fedora, SUSE), each as a sort key.

Each follows its tool's own algorithm, not a general-purpose one: dpkg's ``verrevcmp``
(``~`` below everything, even the end; letters below other symbols), apk-tools' token order
(``_alpha < _beta < _pre < _rc < (none) < _cvs < _svn < _git < _hg < _p``, a letter after the
numbers, ``-rN`` last) and rpm's ``rpmvercmp`` (``~`` below the end, ``^`` above it but below any
more segments, a number newer than letters, separators ignored). Keys compare with ``<``; an
unreadable version still gets a key, in the same space, so nothing crashes on hostile input.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

Key = tuple[Any, ...]

_DIGITS = re.compile(r"\d+")


def _dpkg_char(char: str) -> int:
    """dpkg's ``order()``: ``~`` first, then the end of the string, letters, then the rest."""
    if char == "~":
        return -1
    if char.isalpha() and char.isascii():
        return ord(char)
    return ord(char) + 256


_DPKG_END = ((0,), 0)


def _dpkg_part(text: str) -> Key:
    """``verrevcmp`` as a key: alternating non-digit runs (each char weighted, closed by the
    end's weight 0) and numbers; a final empty run stands for the end of the string."""
    pairs: list[tuple[tuple[int, ...], int]] = []
    pos = 0
    while pos < len(text):
        start = pos
        while pos < len(text) and not text[pos].isdigit():
            pos += 1
        letters = (*(_dpkg_char(c) for c in text[start:pos]), 0)
        start = pos
        while pos < len(text) and text[pos].isdigit():
            pos += 1
        number = int(text[start:pos]) if pos > start else 0
        pairs.append((letters, number))
    while pairs and pairs[-1] == _DPKG_END:
        pairs.pop()  # "0" and "" are the same version: no letters, number zero
    pairs.append(_DPKG_END)
    return tuple(pairs)


@lru_cache(maxsize=65536)
def dpkg_key(version: str) -> Key:
    """``[epoch:]upstream[-revision]`` ordered as ``dpkg --compare-versions`` orders it."""
    text = version.strip()
    epoch = 0
    if ":" in text:
        head, rest = text.split(":", 1)
        if head.isdigit():
            epoch, text = int(head), rest
    upstream, _, revision = text.rpartition("-") if "-" in text else (text, "", "")
    return (epoch, _dpkg_part(upstream), _dpkg_part(revision))


_APK_SUFFIXES = {"alpha": 0, "beta": 1, "pre": 2, "rc": 3, "cvs": 5, "svn": 6, "git": 7, "hg": 8}
_APK_SUFFIXES["p"] = 9
_APK_NO_SUFFIX = 4
_APK_RE = re.compile(
    r"^(?P<numbers>\d+(?:\.\d+)*)(?P<letter>[a-z]?)(?P<suffixes>(?:_[a-z]+\d*)*)"
    r"(?:~(?P<hash>[0-9a-f]+))?(?:-r(?P<revision>\d+))?$"
)


def _apk_number(token: str, first: bool) -> Key:
    """A numeric component: the first is an integer; later ones with a leading zero compare as
    decimal fractions (``1.01 < 1.1``), as apk-tools and Gentoo compare them."""
    if first or not token.startswith("0"):
        return (1, int(token), "")
    return (0, 0, token.rstrip("0"))


@lru_cache(maxsize=65536)
def apk_key(version: str) -> Key:
    """An Alpine package version (``1.2.3_rc1-r4``) ordered as ``apk version -t`` orders it."""
    match = _APK_RE.match(version.strip())
    if match is None:
        return (0, version)  # invalid: below every valid version, among themselves by text
    numbers = tuple(
        _apk_number(token, index == 0) for index, token in enumerate(match["numbers"].split("."))
    )
    suffixes: list[tuple[int, int]] = []
    for token in (match["suffixes"] or "").split("_")[1:]:
        name = token.rstrip("0123456789")
        suffixes.append((_APK_SUFFIXES.get(name, -1), int(token[len(name) :] or 0)))
    suffixes.append((_APK_NO_SUFFIX, 0))
    letter = ord(match["letter"]) if match["letter"] else 0
    # a shorter list of numbers is older (1.0 < 1.0.1): close it with a key below any number
    return (1, (*numbers, (-1, 0, "")), letter, tuple(suffixes), int(match["revision"] or 0))


_RPM_TOKEN = re.compile(r"~|\^|\d+|[A-Za-z]+")
_RPM_TILDE, _RPM_END, _RPM_CARET, _RPM_ALPHA, _RPM_NUMBER = range(5)


def _rpm_part(text: str) -> Key:
    """``rpmvercmp`` as a key: separators ignored, ``~`` below the end, ``^`` between the end
    and any segment, letters below numbers, numbers by value."""
    tokens: list[tuple[int, int | str]] = []
    for segment in _RPM_TOKEN.findall(text):
        if segment == "~":
            tokens.append((_RPM_TILDE, 0))
        elif segment == "^":
            tokens.append((_RPM_CARET, 0))
        elif segment.isdigit():
            tokens.append((_RPM_NUMBER, int(segment)))
        else:
            tokens.append((_RPM_ALPHA, segment))
    tokens.append((_RPM_END, 0))
    return tuple(tokens)


@lru_cache(maxsize=65536)
def rpm_key(version: str) -> Key:
    """``[epoch:]version[-release]`` ordered as ``rpm``'s ``rpmvercmp`` orders each part."""
    text = version.strip()
    epoch = 0
    if ":" in text:
        head, rest = text.split(":", 1)
        if head.isdigit():
            epoch, text = int(head), rest
    upstream, _, release = text.rpartition("-") if "-" in text else (text, "", "")
    return (epoch, _rpm_part(upstream), _rpm_part(release))


def compare(key: Key, other: Key) -> int:
    """-1, 0 or 1, like the tools' own comparisons."""
    return (key > other) - (key < other)


__all__ = ["apk_key", "compare", "dpkg_key", "rpm_key"]
