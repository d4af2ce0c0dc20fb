"""CVSS base scores computed from vectors (v3.0 and v3.1), per the FIRST specification.

Advisories carry vectors, not always scores; outwork computes the base score itself so that
severity is the same whichever database the record came from.
"""

from __future__ import annotations

import math

from outwork.core.rules import Severity

_V3_WEIGHTS: dict[str, dict[str, float]] = {
    "AV": {"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2},
    "AC": {"L": 0.77, "H": 0.44},
    "UI": {"N": 0.85, "R": 0.62},
    "C": {"H": 0.56, "L": 0.22, "N": 0.0},
    "I": {"H": 0.56, "L": 0.22, "N": 0.0},
    "A": {"H": 0.56, "L": 0.22, "N": 0.0},
}
_V3_PR: dict[str, dict[str, float]] = {
    "U": {"N": 0.85, "L": 0.62, "H": 0.27},
    "C": {"N": 0.85, "L": 0.68, "H": 0.5},
}


def _roundup(value: float) -> float:
    """CVSS v3.1 Roundup: the smallest number with one decimal that is >= value, float-safe."""
    integer = round(value * 100_000)
    if integer % 10_000 == 0:
        return integer / 100_000
    return (math.floor(integer / 10_000) + 1) / 10.0


def parse_vector(vector: str) -> tuple[str, dict[str, str]]:
    """``CVSS:3.1/AV:N/...`` into its version and metrics; raises ValueError when malformed."""
    parts = vector.strip().split("/")
    if not parts or not parts[0].upper().startswith("CVSS:"):
        raise ValueError(f"not a CVSS vector: {vector!r}")
    version = parts[0].split(":", 1)[1]
    metrics: dict[str, str] = {}
    for part in parts[1:]:
        if ":" not in part:
            raise ValueError(f"malformed CVSS metric {part!r} in {vector!r}")
        name, value = part.split(":", 1)
        metrics[name] = value
    return version, metrics


def cvss3_base_score(vector: str) -> float:
    """The base score of a CVSS v3.0 or v3.1 vector."""
    version, m = parse_vector(vector)
    if not version.startswith("3"):
        raise ValueError(f"not a CVSS v3 vector: {vector!r}")
    try:
        scope = m["S"]
        av = _V3_WEIGHTS["AV"][m["AV"]]
        ac = _V3_WEIGHTS["AC"][m["AC"]]
        pr = _V3_PR[scope][m["PR"]]
        ui = _V3_WEIGHTS["UI"][m["UI"]]
        c = _V3_WEIGHTS["C"][m["C"]]
        i = _V3_WEIGHTS["I"][m["I"]]
        a = _V3_WEIGHTS["A"][m["A"]]
    except KeyError as exc:
        raise ValueError(f"CVSS v3 vector {vector!r} lacks or misspells metric {exc}") from None
    iss = 1 - (1 - c) * (1 - i) * (1 - a)
    impact = 6.42 * iss if scope == "U" else 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15
    exploitability = 8.22 * av * ac * pr * ui
    if impact <= 0:
        return 0.0
    if scope == "U":
        return _roundup(min(impact + exploitability, 10))
    return _roundup(min(1.08 * (impact + exploitability), 10))


def base_score(vector: str) -> float | None:
    """The base score of a vector this module can compute, else None (v2 and v4 are not scored)."""
    try:
        version, _ = parse_vector(vector)
        if version.startswith("3"):
            return cvss3_base_score(vector)
    except ValueError:
        return None
    return None


def severity_for_score(score: float) -> Severity:
    """The CVSS qualitative rating scale, with "None" reported as info."""
    if score >= 9.0:
        return Severity.CRITICAL
    if score >= 7.0:
        return Severity.HIGH
    if score >= 4.0:
        return Severity.MEDIUM
    if score > 0.0:
        return Severity.LOW
    return Severity.INFO
