"""The classification step: what an asset is worth against classical and quantum attackers.

Detection (the scanners) says what is used; this module, reading the versioned table in
``data/algorithms.toml``, says how it stands: broken, quantum-vulnerable (with its NIST IR 8547
and CNSA 2.0 dates), weakened by Grover's algorithm, or quantum-safe, and what to migrate to.
"""

from __future__ import annotations

import enum
import functools
import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from typing import Any

from outwork.analyzers.crypto.model import Asset, AssetType


class Status(enum.StrEnum):
    BROKEN = "broken"
    QUANTUM_VULNERABLE = "quantum-vulnerable"
    WEAKENED = "weakened"
    QUANTUM_SAFE = "quantum-safe"
    UNKNOWN = "unknown"


_STATUSES = frozenset(s.value for s in Status)


@dataclass(frozen=True, slots=True)
class AlgorithmRow:
    name: str
    primitive: str
    status: str
    oid: str | None
    nist_quantum_level: int | None
    min_key_size: int | None
    key_size: int | None
    target: str
    why: str


@dataclass(frozen=True, slots=True)
class CurveRow:
    name: str
    bits: int
    oid: str | None


@dataclass(frozen=True, slots=True)
class Verdict:
    """How one asset stands, with its dates and its migration target."""

    status: Status
    reason: str
    nist_quantum_level: int | None = None
    #: Classical security in bits, where the table and the parameters say it.
    classical_bits: int | None = None
    deprecated_after: int | None = None
    disallowed_after: int | None = None
    cnsa2_after: int | None = None
    target: str = ""
    oid: str | None = None

    @property
    def deadline(self) -> str:
        """The dates in words: ``deprecated after 2030, disallowed after 2035 (NIST IR 8547)``."""
        parts = []
        if self.deprecated_after:
            parts.append(f"deprecated after {self.deprecated_after}")
        if self.disallowed_after:
            parts.append(f"disallowed after {self.disallowed_after}")
        text = ", ".join(parts) + " (NIST IR 8547)" if parts else ""
        if self.cnsa2_after:
            text += f"; CNSA 2.0: quantum-resistant only by {self.cnsa2_after}"
        return text.lstrip("; ")


@dataclass(frozen=True, slots=True)
class Table:
    version: str
    algorithms: dict[str, AlgorithmRow]
    curves: dict[str, CurveRow]
    aliases: dict[str, str]
    curve_aliases: dict[str, str]
    broken_protocols: dict[str, frozenset[str]]
    protocol_targets: dict[str, str]
    deadlines: dict[str, Any]


def _key(text: str) -> str:
    return re.sub(r"[\s_\-/.()]", "", text).lower()


@functools.cache
def table() -> Table:
    raw = tomllib.loads(
        resources.files("outwork.analyzers.crypto.data").joinpath("algorithms.toml").read_text()
    )
    algorithms: dict[str, AlgorithmRow] = {}
    aliases: dict[str, str] = {}
    for name, row in raw["algorithm"].items():
        algorithms[name] = AlgorithmRow(
            name=name,
            primitive=row["primitive"],
            status=row["status"],
            oid=row.get("oid"),
            nist_quantum_level=row.get("nist_quantum_level"),
            min_key_size=row.get("min_key_size"),
            key_size=row.get("key_size"),
            target=row.get("target", ""),
            why=row.get("why", ""),
        )
        for alias in [name, *row.get("aliases", ())]:
            aliases[_key(alias)] = name
    curves: dict[str, CurveRow] = {}
    curve_aliases: dict[str, str] = {}
    for name, row in raw["curve"].items():
        curves[name] = CurveRow(name, row["bits"], row.get("oid"))
        for alias in [name, *row.get("aliases", ())]:
            curve_aliases[_key(alias)] = name
    return Table(
        version=raw["version"],
        algorithms=algorithms,
        curves=curves,
        aliases=aliases,
        curve_aliases=curve_aliases,
        broken_protocols={k: frozenset(v["broken"]) for k, v in raw["protocol"].items()},
        protocol_targets={k: v["target"] for k, v in raw["protocol"].items()},
        deadlines=raw["deadlines"],
    )


def algorithm_name(text: str) -> str | None:
    """The table's name for an algorithm however a library spells it (``sha256``,
    ``SHA-256``, ``TripleDES``), or None."""
    return table().aliases.get(_key(text))


def curve_name(text: str) -> str | None:
    return table().curve_aliases.get(_key(text))


def curve_bits(name: str | None) -> int | None:
    row = table().curves.get(name or "")
    return row.bits if row else None


def row(name: str) -> AlgorithmRow | None:
    return table().algorithms.get(name)


def classical_bits(algorithm: str, key_size: int | None, curve: str | None) -> int | None:
    """Classical security strength in bits (SP 800-57 Part 1, Table 2)."""
    entry = row(algorithm)
    if entry is None:
        return None
    if entry.status == "quantum-vulnerable":
        bits = curve_bits(curve) or key_size or entry.key_size
        if bits is None:
            return None
        if algorithm in ("RSA", "RSASSA-PSS", "RSAES-OAEP", "DSA", "DH"):
            for limit, strength in ((15360, 256), (7680, 192), (3072, 128), (2048, 112)):
                if bits >= limit:
                    return strength
            return 80 if bits >= 1024 else 0
        return bits // 2
    if entry.primitive in ("block-cipher", "stream-cipher", "ae") and key_size:
        return key_size
    return None


def classify(asset: Asset) -> Verdict:
    """The verdict on one asset."""
    if asset.asset_type is AssetType.PROTOCOL:
        return _protocol(asset)
    entry = row(asset.algorithm)
    if entry is None:
        return Verdict(Status.UNKNOWN, f"{asset.algorithm} is not in the classification table")
    if entry.status == "broken":
        return Verdict(
            Status.BROKEN,
            entry.why or f"{entry.name} is broken",
            0,
            None,
            None,
            None,
            None,
            entry.target,
            entry.oid,
        )
    if entry.status == "quantum-vulnerable":
        return _quantum_vulnerable(asset, entry)
    if entry.status == "by-hash":
        inner = row(asset.hash or "")
        if inner is not None and inner.status == "broken":
            return Verdict(
                Status.WEAKENED,
                f"{entry.name} over {inner.name}: survives the collisions of {inner.name}"
                " but has no margin left",
                0,
                None,
                None,
                None,
                None,
                entry.target,
                entry.oid,
            )
        level = inner.nist_quantum_level if inner else None
        status = Status(inner.status) if inner and inner.status in _STATUSES else Status.UNKNOWN
        return Verdict(
            status,
            f"{entry.name} over {asset.hash or 'an unresolved hash'}",
            level,
            target=entry.target,
            oid=entry.oid,
        )
    if entry.status == "by-key-size":
        return _symmetric(asset, entry)
    status = Status(entry.status)
    reason = {
        Status.WEAKENED: "Grover's algorithm halves its security: below CNSA 2.0's minimum",
        Status.QUANTUM_SAFE: "fit for a post-quantum inventory",
    }.get(status, entry.why)
    return Verdict(status, reason, entry.nist_quantum_level, target=entry.target, oid=entry.oid)


def _quantum_vulnerable(asset: Asset, entry: AlgorithmRow) -> Verdict:
    deadlines = table().deadlines
    bits = curve_bits(asset.curve) or asset.key_size or entry.key_size
    strength = classical_bits(entry.name, asset.key_size, asset.curve)
    cnsa2 = (
        deadlines["cnsa2_signature"]
        if entry.primitive == "signature"
        else deadlines["cnsa2_key_establishment"]
    )
    if bits is not None and entry.min_key_size and bits < entry.min_key_size:
        return Verdict(
            Status.BROKEN,
            f"{bits}-bit {entry.name} is below the {entry.min_key_size}-bit minimum"
            " (SP 800-131A): within reach of classical computers",
            0,
            strength,
            None,
            None,
            cnsa2,
            entry.target,
            entry.oid,
        )
    deprecated = deadlines["deprecated_112"] if strength == 112 else None
    size = f"{bits}-bit " if bits else ""
    reason = f"{size}{entry.name} is broken by Shor's algorithm on a quantum computer"
    return Verdict(
        Status.QUANTUM_VULNERABLE,
        reason,
        0,
        strength,
        deprecated,
        deadlines["disallowed"],
        cnsa2,
        entry.target,
        entry.oid,
    )


def _symmetric(asset: Asset, entry: AlgorithmRow) -> Verdict:
    size = asset.key_size
    if size is None:
        return Verdict(
            Status.UNKNOWN,
            f"{entry.name} with an unresolved key size",
            target=entry.target,
            oid=entry.oid,
        )
    if size >= 256:
        return Verdict(
            Status.QUANTUM_SAFE,
            f"{entry.name}-{size}: 128-bit security against Grover's algorithm",
            5,
            size,
            oid=entry.oid,
        )
    if size < 128:
        return Verdict(
            Status.BROKEN,
            f"{size}-bit {entry.name} key is too short",
            0,
            size,
            target=entry.target,
            oid=entry.oid,
        )
    level = 3 if size >= 192 else 1
    return Verdict(
        Status.WEAKENED,
        f"{entry.name}-{size}: Grover's algorithm halves it; CNSA 2.0 asks for 256-bit keys",
        level,
        size,
        target=entry.target,
        oid=entry.oid,
    )


def _protocol(asset: Asset) -> Verdict:
    data = table()
    broken = data.broken_protocols.get(asset.algorithm, frozenset())
    target = data.protocol_targets.get(asset.algorithm, "")
    if asset.version in broken:
        return Verdict(
            Status.BROKEN,
            f"{asset.version} is deprecated (RFC 8996) and attackable",
            0,
            target=target,
        )
    if asset.version is None:
        return Verdict(
            Status.UNKNOWN, f"{asset.algorithm} with the library's default versions", target=target
        )
    exchange = asset.detail("keyExchange")
    if asset.version == "TLSv1.3" and exchange and _hybrid(exchange):
        return Verdict(
            Status.QUANTUM_SAFE,
            f"{asset.version} with the hybrid post-quantum key exchange {exchange}",
            3,
        )
    return Verdict(
        Status.QUANTUM_VULNERABLE,
        f"{asset.version}: key exchange is quantum-"
        "vulnerable unless a hybrid ML-KEM group is negotiated",
        0,
        disallowed_after=data.deadlines["disallowed"],
        target=target,
    )


def _hybrid(group: str) -> bool:
    entry = row(group)
    return entry is not None and entry.status == Status.QUANTUM_SAFE.value
