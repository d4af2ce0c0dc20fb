"""The detector table's row type and the context a credential is found in.

A :class:`Detector` is data: the provider, the pattern whose ``secret`` group is the credential,
the literal keywords that the one multi-pattern pass looks for (every match holds one of them),
an entropy bound and the structure check (:mod:`formats`). Each rule module of the layer declares
its rows beside its rule; the scanner collects them all.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from outwork.analyzers.secrets.formats import Structure
from outwork.core.rules import Rule


class Exposure(enum.Enum):
    """Where and in what state a credential was found: the context of every severity table
    of the layer."""

    CHECKED = "proven format (checksum, parse or pair) in code or configuration"
    SHAPED = "provider's shape, nothing to prove it, in code or configuration"
    WEAKENED = "expired, encrypted, test-mode, local-only or a published well-known value"
    TEST = "in a test, example or documentation file (a package's README copy included)"
    FAKE = "in a test or example file, on a line or in a file that calls it fake"


@dataclass(frozen=True, slots=True)
class Detector:
    """One row of the table."""

    id: str
    provider: str
    rule: type[Rule]
    #: Its ``secret`` group is the credential; an optional ``name`` group the key it is
    #: assigned to.
    pattern: re.Pattern[str]
    #: Lower-case literals; the pattern is only tried near where one of them occurs.
    keywords: tuple[str, ...]
    #: Reads the match (its ``secret`` group, or more of it: a URL's host, a key's header).
    structure: Callable[[re.Match[str]], Structure | None]
    #: Least Shannon entropy (bits per character) of the credential.
    min_entropy: float = 0.0
    #: How far after a keyword a match may end, and how far before it a match may start.
    reach: int = 400
    lookback: int = 0
    #: Rows for unquoted ``KEY=value`` lines run only in configuration files (``.env``,
    #: ``.ini``, YAML, properties), where such a line is a value and not code.
    config_only: bool = False
    #: Where the pattern is tried: ``""`` anywhere in the window around a keyword, ``"name"``
    #: once at the start of the name that holds the keyword, ``"line"`` once at the start of
    #: the keyword's line.
    anchor: str = ""
    #: Generic rows (a secret-looking name assigned a random-looking value) are off in lockfiles
    #: and minified lines, and their value must not look like a hash, a UUID or a word.
    generic: bool = False
    #: Higher wins when two rows match the same characters (a service-account key's PEM is
    #: its private key, reported once).
    priority: int = 0


@dataclass(frozen=True, slots=True)
class Candidate:
    """A match that passed its row's checks, before its context is weighed."""

    detector: Detector
    start: int
    end: int
    value: str
    structure: Structure
    #: The key or variable it is assigned to, when the pattern saw one.
    name: str = ""
    #: The span of the whole match (the secret is inside it).
    span: tuple[int, int] = (0, 0)
    #: The other half of a credential reported as one (an AWS key id's secret access key): used to
    #: ask the provider with ``--verify``, never reported.
    partner: str = field(default="", repr=False)


def on_secret(
    check: Callable[[str], Structure | None],
) -> Callable[[re.Match[str]], Structure | None]:
    """A structure check that reads only the ``secret`` group."""

    def read(match: re.Match[str]) -> Structure | None:
        return check(match.group("secret"))

    return read
