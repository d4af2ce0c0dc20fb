"""Version ordering per ecosystem and the OSV range algorithm.

Each ecosystem orders versions by its own rules: PEP 440 for PyPI (through ``packaging``), SemVer
2.0 for npm, crates.io and Go (whose pseudo-versions are SemVer pre-releases by design),
Gem::Version for RubyGems, Maven's ComparableVersion, and PHP's ``version_compare`` as Composer
uses it. Every ordering is a sort key, so candidate fixes are sorted and compared cheaply.
Versions an ecosystem's rules cannot read fall back to a natural (numbers-then-words) ordering that
sorts below every well-formed version, so they are never silently taken as "newest".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any

from packaging.version import InvalidVersion, Version

from outwork.core.distroversions import apk_key, dpkg_key, rpm_key
from outwork.store.advisories import CANONICAL_VERSIONS, canonical_version

Key = tuple[Any, ...]

_SEMVER_RE = re.compile(
    r"^[vV]?(?P<major>0|[1-9]\d*|\d+)(?:\.(?P<minor>\d+))?(?:\.(?P<patch>\d+))?"
    r"(?:\.(?P<extra>\d+(?:\.\d+)*))?"
    r"(?:-(?P<pre>[0-9A-Za-z.-]+))?(?:\+(?P<build>[0-9A-Za-z.-]+))?$"
)
_TOKEN_RE = re.compile(r"\d+|[A-Za-z]+")


def _natural(version: str) -> Key:
    """Numbers compare as numbers, words below numbers; used when an ecosystem's rules fail."""
    parts: list[tuple[int, int | str]] = []
    for token in _TOKEN_RE.findall(version):
        parts.append((1, int(token)) if token.isdigit() else (0, token.lower()))
    while parts and parts[-1] == (1, 0):
        parts.pop()
    parts.append((1, -1))  # terminator: above words (pre-releases), below any further number
    return tuple(parts)


def semver_key(version: str) -> Key:
    """SemVer 2.0 precedence; leading ``v`` and build metadata ignored, missing parts are zero."""
    text = version.strip()
    if text.endswith("+incompatible"):
        text = text[: -len("+incompatible")]
    match = _SEMVER_RE.match(text)
    if not match:
        return (0, _natural(text))
    release = [
        int(match.group("major")),
        int(match.group("minor") or 0),
        int(match.group("patch") or 0),
    ]
    if match.group("extra"):
        release += [int(x) for x in match.group("extra").split(".")]
    pre = match.group("pre")
    if pre is None:
        pre_key: Key = (1,)
    else:
        idents: list[tuple[int, int | str]] = [
            (0, int(p)) if p.isdigit() else (1, p) for p in pre.split(".")
        ]
        pre_key = (0, tuple(idents))
    return (1, tuple(release), pre_key)


def pep440_key(version: str) -> Key:
    try:
        return (1, Version(version))
    except InvalidVersion:
        return (0, _natural(version))


def go_key(version: str) -> Key:
    """Go modules: SemVer with a ``v`` prefix; pseudo-versions are pre-releases, ordered by time."""
    return semver_key(version)


_GEM_TOKEN_RE = re.compile(r"[0-9]+|[a-z]+", re.IGNORECASE)


def rubygems_key(version: str) -> Key:
    """Gem::Version: segments split at dots and letter/digit changes; letters mark pre-releases."""
    text = version.strip().replace("-", ".pre.")
    segments: list[int | str] = [int(t) if t.isdigit() else t for t in _GEM_TOKEN_RE.findall(text)]
    first_str = next((i for i, s in enumerate(segments) if isinstance(s, str)), len(segments))
    release, pre = segments[:first_str], segments[first_str:]
    while release and release[-1] == 0:
        release.pop()
    while pre and pre[-1] == 0:
        pre.pop()
    items: list[tuple[int, int | str]] = [
        (1, s) if isinstance(s, int) else (0, s) for s in (*release, *pre)
    ]
    items.append((1, 0))  # implicit zeros: above letters, below any positive number
    return tuple(items)


def _drop_zero_runs(items: list[Key], zero: Key, number_tag: int) -> list[Key]:
    """Drop runs of numeric zeros that end at a qualifier or at the end: ``1.0-rc`` is ``1-rc``."""
    out: list[Key] = []
    pending: list[Key] = []
    for item in items:
        if item == zero:
            pending.append(item)
            continue
        if item[0] == number_tag:
            out.extend(pending)
        pending = []
        out.append(item)
    return out


_MAVEN_QUALIFIERS: dict[str, int] = {
    "alpha": 0,
    "a": 0,
    "beta": 1,
    "b": 1,
    "milestone": 2,
    "m": 2,
    "rc": 3,
    "cr": 3,
    "snapshot": 4,
    "": 5,
    "ga": 5,
    "final": 5,
    "release": 5,
    "sp": 6,
}
_MAVEN_SPLIT_RE = re.compile(r"\d+|[A-Za-z]+")


def maven_key(version: str) -> Key:
    """Maven ComparableVersion, flattened: qualifiers < release < sp < other < numbers."""
    tokens = _MAVEN_SPLIT_RE.findall(version.strip().lower())
    items: list[Key] = []
    for token in tokens:
        if token.isdigit():
            items.append((2, int(token)))
        elif token in _MAVEN_QUALIFIERS:
            items.append((1, _MAVEN_QUALIFIERS[token], ""))
        else:
            items.append((1, 7, token))
    release = (1, 5, "")
    items = [i for i in _drop_zero_runs(items, (2, 0), 2) if i != release]
    items.append(release)
    return tuple(items)


_COMPOSER_RANKS: dict[str, int] = {
    "dev": 1,
    "alpha": 2,
    "a": 2,
    "beta": 3,
    "b": 3,
    "rc": 4,
    "pl": 7,
    "p": 7,
    "patch": 7,
}


_COMPOSER_RE = re.compile(r"^v?(?P<numbers>\d+(?:\.\d+)*)(?P<rest>.*)$", re.IGNORECASE)


def composer_key(version: str) -> Key:
    """Composer: up to four numbers (zero-padded), then the stability suffix
    (dev < alpha < beta < RC < stable < patch) and its number."""
    match = _COMPOSER_RE.match(version.strip())
    if not match:
        return (0, _natural(version))
    numbers = [int(n) for n in match.group("numbers").split(".")]
    numbers += [0] * (4 - len(numbers))
    rank = 5
    suffix: list[int] = []
    for token in _TOKEN_RE.findall(match.group("rest").lower()):
        if token.isdigit():
            suffix.append(int(token))
        elif rank == 5:
            rank = _COMPOSER_RANKS.get(token, 0)
    return (1, tuple(numbers), rank, tuple(suffix))


def natural_key(version: str) -> Key:
    return (1, _natural(version))


KEYS: dict[str, Callable[[str], Key]] = {
    "pypi": pep440_key,
    "npm": semver_key,
    "crates.io": semver_key,
    "go": go_key,
    "rubygems": rubygems_key,
    "maven": maven_key,
    "packagist": composer_key,
    "nuget": semver_key,
    "pub": semver_key,
    "hex": semver_key,
    # Linux distributions: each orders its packages with its package manager's algorithm
    "debian": dpkg_key,
    "ubuntu": dpkg_key,
    "alpine": apk_key,
    "wolfi": apk_key,
    "chainguard": apk_key,
    "rocky linux": rpm_key,
    "almalinux": rpm_key,
    "red hat": rpm_key,
    "opensuse": rpm_key,
    "suse": rpm_key,
    "mageia": rpm_key,
}


def ecosystem_key(ecosystem: str) -> Callable[[str], Key]:
    """The sort key for an OSV ecosystem name (``PyPI``, ``npm``, ``Debian:12`` ...)."""
    return KEYS.get(ecosystem.split(":", 1)[0].lower(), natural_key)


@lru_cache(maxsize=65536)
def version_key(ecosystem: str, version: str) -> Key:
    return ecosystem_key(ecosystem)(version)


def _event_key(ecosystem: str, version: str, range_type: str) -> Key:
    if version == "0":
        return ()  # "0" means "from the first version": below every key
    if range_type == "SEMVER":
        return semver_key(version)
    return version_key(ecosystem, version)


def _current_key(ecosystem: str, version: str, range_type: str) -> Key:
    return semver_key(version) if range_type == "SEMVER" else version_key(ecosystem, version)


_EVENT_ORDER = {"introduced": 0, "fixed": 1, "last_affected": 2, "limit": 3}
_SORTED_EVENTS: dict[int, tuple[Mapping[str, Any], str, list[tuple[Key, int, str]]]] = {}


def _sorted_events(
    ecosystem: str, rng: Mapping[str, Any], range_type: str
) -> list[tuple[Key, int, str]]:
    cached = _SORTED_EVENTS.get(id(rng))
    if cached is not None and cached[0] is rng and cached[1] == ecosystem:
        return cached[2]
    events: list[tuple[Key, int, str]] = []
    for event in rng.get("events") or ():
        if not isinstance(event, Mapping):
            continue
        for kind, value in event.items():
            if kind in _EVENT_ORDER and isinstance(value, str):
                events.append((_event_key(ecosystem, value, range_type), _EVENT_ORDER[kind], kind))
    events.sort(key=lambda e: (e[0], e[1]))
    if len(_SORTED_EVENTS) > 100_000:
        _SORTED_EVENTS.clear()
    _SORTED_EVENTS[id(rng)] = (rng, ecosystem, events)
    return events


def in_range(ecosystem: str, version: str, rng: Mapping[str, Any]) -> bool:
    """Whether ``version`` falls in one OSV ``ranges`` entry (types ECOSYSTEM and SEMVER)."""
    range_type = str(rng.get("type", "ECOSYSTEM"))
    if range_type not in ("ECOSYSTEM", "SEMVER"):
        return False
    events = _sorted_events(ecosystem, rng, range_type)
    if not events:
        return False
    current = _current_key(ecosystem, version, range_type)
    affected = False
    for key, _, kind in events:
        if kind == "introduced":
            if current >= key:
                affected = True
        elif kind in ("fixed", "limit"):
            if current >= key:
                affected = False
        elif kind == "last_affected" and current > key:
            affected = False
    return affected


#: ``id(versions list) -> (the list, its keys)``: PYSEC records enumerate hundreds of versions,
#: so their keys are computed once per list rather than once per comparison.
_LISTED: dict[int, tuple[Sequence[Any], str, frozenset[Key]]] = {}


_STRINGS: dict[int, tuple[Sequence[Any], frozenset[str]]] = {}


def _string_set(listed: Sequence[Any]) -> frozenset[str]:
    cached = _STRINGS.get(id(listed))
    if cached is not None and cached[0] is listed:
        return cached[1]
    if len(_STRINGS) > 100_000:
        _STRINGS.clear()
    strings = frozenset(v for v in listed if isinstance(v, str))
    _STRINGS[id(listed)] = (listed, strings)
    return strings


def _listed_keys(ecosystem: str, listed: Sequence[Any]) -> frozenset[Key]:
    cached = _LISTED.get(id(listed))
    if cached is not None and cached[0] is listed and cached[1] == ecosystem:
        return cached[2]
    if len(_LISTED) > 100_000:
        _LISTED.clear()
    keys = frozenset(version_key(ecosystem, v) for v in listed if isinstance(v, str))
    _LISTED[id(listed)] = (listed, ecosystem, keys)
    return keys


def is_affected(ecosystem: str, version: str, affected: Mapping[str, Any]) -> bool:
    """OSV: affected when listed in ``versions`` or inside any ECOSYSTEM/SEMVER range."""
    canonical = affected.get(CANONICAL_VERSIONS)
    if isinstance(canonical, list):
        if canonical and canonical_version(ecosystem, version) in _string_set(canonical):
            return True
    else:
        listed = affected.get("versions") or ()
        if listed and version_key(ecosystem, version) in _listed_keys(ecosystem, listed):
            return True
    return any(
        isinstance(r, Mapping) and in_range(ecosystem, version, r)
        for r in affected.get("ranges") or ()
    )


def fixed_versions(affected: Mapping[str, Any]) -> list[str]:
    """Every ``fixed`` event of the ECOSYSTEM and SEMVER ranges."""
    out: list[str] = []
    for rng in affected.get("ranges") or ():
        if not isinstance(rng, Mapping) or rng.get("type") not in ("ECOSYSTEM", "SEMVER"):
            continue
        for event in rng.get("events") or ():
            if isinstance(event, Mapping) and isinstance(event.get("fixed"), str):
                out.append(event["fixed"])
    return out


def sort_versions(ecosystem: str, versions: Iterable[str]) -> list[str]:
    return sorted(set(versions), key=lambda v: version_key(ecosystem, v))


def smallest_fix(
    ecosystem: str, current: str, affected_entries: Sequence[Mapping[str, Any]]
) -> str | None:
    """The smallest version above ``current`` that none of the advisories affects, from the
    advisories' own fixed versions; None when no listed fix clears them all."""
    candidates: list[str] = []
    for entry in affected_entries:
        candidates.extend(fixed_versions(entry))
    now = version_key(ecosystem, current)
    for candidate in sort_versions(ecosystem, candidates):
        if version_key(ecosystem, candidate) <= now:
            continue
        if not any(is_affected(ecosystem, candidate, entry) for entry in affected_entries):
            return candidate
    return None
