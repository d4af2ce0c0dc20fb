"""CVSS base scores computed from vectors (v3.0, v3.1 and v4.0), per the FIRST specifications.

Advisories carry vectors, not always scores; outwork computes the base score itself so that
severity is the same whichever database the record came from.
"""

from __future__ import annotations

import math
from functools import lru_cache
from importlib import resources

from outwork.analyzers.dependencies.context import Rating

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


# --- CVSS v4.0 ---------------------------------------------------------------------------------

_V4_REQUIRED = ("AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA")
_V4_LEVELS: dict[str, dict[str, float]] = {
    "AV": {"N": 0.0, "A": 0.1, "L": 0.2, "P": 0.3},
    "PR": {"N": 0.0, "L": 0.1, "H": 0.2},
    "UI": {"N": 0.0, "P": 0.1, "A": 0.2},
    "AC": {"L": 0.0, "H": 0.1},
    "AT": {"N": 0.0, "P": 0.1},
    "VC": {"H": 0.0, "L": 0.1, "N": 0.2},
    "VI": {"H": 0.0, "L": 0.1, "N": 0.2},
    "VA": {"H": 0.0, "L": 0.1, "N": 0.2},
    "SC": {"H": 0.1, "L": 0.2, "N": 0.3},
    "SI": {"S": 0.0, "H": 0.1, "L": 0.2, "N": 0.3},
    "SA": {"S": 0.0, "H": 0.1, "L": 0.2, "N": 0.3},
    "CR": {"H": 0.0, "M": 0.1, "L": 0.2},
    "IR": {"H": 0.0, "M": 0.1, "L": 0.2},
    "AR": {"H": 0.0, "M": 0.1, "L": 0.2},
}
#: The highest-severity vectors of each EQ level (EQ3 is keyed by EQ6 too).
_V4_MAX_EQ1 = {0: ["AV:N/PR:N/UI:N"], 1: ["AV:A/PR:N/UI:N", "AV:N/PR:L/UI:N", "AV:N/PR:N/UI:P"],
               2: ["AV:P/PR:N/UI:N", "AV:A/PR:L/UI:P"]}  # fmt: skip
_V4_MAX_EQ2 = {0: ["AC:L/AT:N"], 1: ["AC:H/AT:N", "AC:L/AT:P"]}
_V4_MAX_EQ3 = {
    0: {0: ["VC:H/VI:H/VA:H/CR:H/IR:H/AR:H"],
        1: ["VC:H/VI:H/VA:L/CR:M/IR:M/AR:H", "VC:H/VI:H/VA:H/CR:M/IR:M/AR:M"]},
    1: {0: ["VC:L/VI:H/VA:H/CR:H/IR:H/AR:H", "VC:H/VI:L/VA:H/CR:H/IR:H/AR:H"],
        1: ["VC:L/VI:H/VA:L/CR:H/IR:M/AR:H", "VC:L/VI:H/VA:H/CR:H/IR:M/AR:M",
            "VC:H/VI:L/VA:H/CR:M/IR:H/AR:M", "VC:H/VI:L/VA:L/CR:M/IR:H/AR:H",
            "VC:L/VI:L/VA:H/CR:H/IR:H/AR:M"]},
    2: {1: ["VC:L/VI:L/VA:L/CR:H/IR:H/AR:H"]},
}  # fmt: skip
_V4_MAX_EQ4 = {0: ["SC:H/SI:S/SA:S"], 1: ["SC:H/SI:H/SA:H"], 2: ["SC:L/SI:L/SA:L"]}
#: Depth of each EQ level (max severity distance + 1), in steps of 0.1.
_V4_DEPTH_EQ1 = {0: 1, 1: 4, 2: 5}
_V4_DEPTH_EQ2 = {0: 1, 1: 2}
_V4_DEPTH_EQ3EQ6 = {(0, 0): 7, (0, 1): 6, (1, 0): 8, (1, 1): 8, (2, 1): 10}
_V4_DEPTH_EQ4 = {0: 6, 1: 5, 2: 4}


@lru_cache(maxsize=1)
def _v4_lookup() -> dict[str, float]:
    text = resources.files(__package__).joinpath("data/cvss4_macrovectors.txt").read_text()
    table: dict[str, float] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, value = line.split()
            table[key] = float(value)
    return table


def _v4_metric(m: dict[str, str], name: str) -> str:
    """Effective value: modified environmental metrics win; X requirements mean High."""
    modified = m.get("M" + name, "X")
    if modified != "X":
        return modified
    value = m.get(name, "X")
    if name == "E" and value == "X":
        return "A"
    if name in ("CR", "IR", "AR") and value == "X":
        return "H"
    return value


def _v4_macrovector(m: dict[str, str]) -> tuple[int, int, int, int, int, int]:
    def v(name: str) -> str:
        return _v4_metric(m, name)

    av, pr, ui = v("AV"), v("PR"), v("UI")
    if av == "N" and pr == "N" and ui == "N":
        eq1 = 0
    elif (av == "N" or pr == "N" or ui == "N") and av != "P":
        eq1 = 1
    else:
        eq1 = 2
    eq2 = 0 if v("AC") == "L" and v("AT") == "N" else 1
    vc, vi, va = v("VC"), v("VI"), v("VA")
    if vc == "H" and vi == "H":
        eq3 = 0
    elif "H" in (vc, vi, va):
        eq3 = 1
    else:
        eq3 = 2
    if m.get("MSI") == "S" or m.get("MSA") == "S":
        eq4 = 0
    elif "H" in (v("SC"), v("SI"), v("SA")):
        eq4 = 1
    else:
        eq4 = 2
    eq5 = {"A": 0, "P": 1, "U": 2}.get(v("E"), 0)
    high = (v("CR") == "H" and vc == "H") or (v("IR") == "H" and vi == "H")
    eq6 = 0 if high or (v("AR") == "H" and va == "H") else 1
    return eq1, eq2, eq3, eq4, eq5, eq6


def cvss4_score(vector: str) -> float:
    """The CVSS v4.0 score (base, or with threat/environmental metrics when present)."""
    version, m = parse_vector(vector)
    if version != "4.0":
        raise ValueError(f"not a CVSS v4.0 vector: {vector!r}")
    for name in _V4_REQUIRED:
        if m.get(name) not in _V4_LEVELS[name] or (name in ("SI", "SA") and m[name] == "S"):
            raise ValueError(f"CVSS v4 vector {vector!r} lacks or misspells metric {name}")
    if all(_v4_metric(m, n) == "N" for n in ("VC", "VI", "VA", "SC", "SI", "SA")):
        return 0.0
    lookup = _v4_lookup()
    eq = _v4_macrovector(m)
    key = "".join(str(e) for e in eq)
    value = lookup[key]
    eq1, eq2, eq3, eq4, eq5, eq6 = eq

    def score_of(*levels: int) -> float | None:
        return lookup.get("".join(str(x) for x in levels))

    lower_eq1 = score_of(eq1 + 1, eq2, eq3, eq4, eq5, eq6)
    lower_eq2 = score_of(eq1, eq2 + 1, eq3, eq4, eq5, eq6)
    if eq3 == 0 and eq6 == 0:
        left = score_of(eq1, eq2, eq3, eq4, eq5, eq6 + 1)
        right = score_of(eq1, eq2, eq3 + 1, eq4, eq5, eq6)
        candidates = [s for s in (left, right) if s is not None]
        lower_eq3eq6 = max(candidates) if candidates else None
    elif eq3 == 1 and eq6 == 0:
        lower_eq3eq6 = score_of(eq1, eq2, eq3, eq4, eq5, eq6 + 1)
    elif eq6 == 1 and eq3 in (0, 1):
        lower_eq3eq6 = score_of(eq1, eq2, eq3 + 1, eq4, eq5, eq6)
    else:
        lower_eq3eq6 = score_of(eq1, eq2, eq3 + 1, eq4, eq5, eq6 + 1)
    lower_eq4 = score_of(eq1, eq2, eq3, eq4 + 1, eq5, eq6)
    lower_eq5 = score_of(eq1, eq2, eq3, eq4, eq5 + 1, eq6)

    distance: dict[str, float] = {}
    for eq1_max in _V4_MAX_EQ1[eq1]:
        for eq2_max in _V4_MAX_EQ2[eq2]:
            for eq3_max in _V4_MAX_EQ3[eq3][eq6]:
                for eq4_max in _V4_MAX_EQ4[eq4]:
                    maximum = dict(
                        part.split(":")
                        for part in "/".join((eq1_max, eq2_max, eq3_max, eq4_max)).split("/")
                    )
                    distance = {
                        name: _V4_LEVELS[name][_v4_metric(m, name)]
                        - _V4_LEVELS[name][maximum[name]]
                        for name in _V4_LEVELS
                    }
                    if all(d >= 0 for d in distance.values()):
                        break
                else:
                    continue
                break
            else:
                continue
            break
        else:
            continue
        break

    current = {
        "eq1": distance["AV"] + distance["PR"] + distance["UI"],
        "eq2": distance["AC"] + distance["AT"],
        "eq3eq6": sum(distance[n] for n in ("VC", "VI", "VA", "CR", "IR", "AR")),
        "eq4": distance["SC"] + distance["SI"] + distance["SA"],
    }
    step = 0.1
    depth = {
        "eq1": _V4_DEPTH_EQ1[eq1] * step,
        "eq2": _V4_DEPTH_EQ2[eq2] * step,
        "eq3eq6": _V4_DEPTH_EQ3EQ6[(eq3, eq6)] * step,
        "eq4": _V4_DEPTH_EQ4[eq4] * step,
    }
    lowers = {"eq1": lower_eq1, "eq2": lower_eq2, "eq3eq6": lower_eq3eq6, "eq4": lower_eq4}
    existing = 0
    total = 0.0
    for name, lower in lowers.items():
        if lower is not None:
            existing += 1
            total += (value - lower) * (current[name] / depth[name])
    if lower_eq5 is not None:
        existing += 1  # EQ5's proportion is always zero
    mean = total / existing if existing else 0.0
    result = min(max(value - mean, 0.0), 10.0)
    return math.floor(result * 10 + 0.5 + 1e-9) / 10


def base_score(vector: str) -> float | None:
    """The score of a CVSS v3.x or v4.0 vector, else None (v2 is not scored)."""
    try:
        version, _ = parse_vector(vector)
        if version.startswith("3"):
            return cvss3_base_score(vector)
        if version == "4.0":
            return cvss4_score(vector)
    except (ValueError, KeyError):
        return None
    return None


def rating_for_score(score: float) -> Rating:
    """The CVSS qualitative rating scale."""
    if score >= 9.0:
        return Rating.CRITICAL
    if score >= 7.0:
        return Rating.HIGH
    if score >= 4.0:
        return Rating.MEDIUM
    if score > 0.0:
        return Rating.LOW
    return Rating.NONE
