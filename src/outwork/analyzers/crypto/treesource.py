"""What the tree-sitter scanners of Go and Java share: a use found, turned into an asset at its
node; file constants bound by name; the walk bounded in nodes; the names around a use that say
its purpose."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from outwork.analyzers.crypto.model import Asset, AssetType, Purpose
from outwork.analyzers.crypto.policy import row
from outwork.analyzers.crypto.pysource import ScanResult, name_purpose

#: Syntax nodes of one file walked before the scan stops (and says so).
MAX_NODES = 3_000_000


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


#: A value the scanner could not resolve to a constant.
UNKNOWN: Any = _Unknown()


@dataclass(slots=True)
class Found:
    """One use, before it becomes an :class:`Asset` at its node."""

    algorithm: str
    api: str
    key_size: int | None = None
    mode: str | None = None
    curve: str | None = None
    hash: str | None = None
    version: str | None = None
    padding: str | None = None
    parameter_set: str | None = None
    static_iv: bool = False
    purpose: Purpose | None = None
    purpose_reason: str = ""
    unknown: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class FixedBytes:
    """Bytes written in the code (a literal, a zero-filled array never filled)."""

    size: int | None


#: Words of a cipher suite name (``TLS_RSA_WITH_RC4_128_SHA``) that make it broken.
SUITE_WORDS = (
    ("RC4", "RC4", None),
    ("3DES", "3DES", "CBC"),
    ("DES", "DES", "CBC"),
    ("NULL", "none", None),
    ("EXPORT", "DES", "CBC"),
)


def suite(name: str, api: str) -> Found | None:
    """The broken part of a TLS cipher suite (IANA or Java name), or None."""
    words = name.upper().replace("-", "_").split("_")
    for word, algorithm, mode in SUITE_WORDS:
        if word in words:
            return Found(algorithm, api, mode=mode)
    return None


def default_purpose(primitive: str) -> Purpose:
    return {
        "signature": Purpose.SIGNATURE,
        "block-cipher": Purpose.ENCRYPTION,
        "stream-cipher": Purpose.ENCRYPTION,
        "ae": Purpose.ENCRYPTION,
        "pke": Purpose.ENCRYPTION,
        "mac": Purpose.INTEGRITY,
        "kdf": Purpose.PASSWORD,
    }.get(primitive, Purpose.UNKNOWN)


def text(node: Any) -> str:
    return bytes(node.text or b"").decode("utf-8", "replace")


def walk(root: Any) -> list[Any] | None:
    """Every node in document order, or None past :data:`MAX_NODES`."""
    nodes: list[Any] = []
    stack = [root]
    while stack:
        node = stack.pop()
        nodes.append(node)
        if len(nodes) > MAX_NODES:
            return None
        stack.extend(reversed(node.children))
    return nodes


class Bindings:
    """Names bound in a file, by scope: a name resolves in the innermost scope around its use
    that binds it (a method's locals, then its class's fields, then the file). Bound to one value
    there it resolves to it; bound to different values (or reassigned by an operator), it is
    unknown. ``scopes`` are the node types that open a scope."""

    def __init__(self, scopes: frozenset[str] = frozenset()) -> None:
        self.scopes = scopes
        self.values: dict[tuple[tuple[int, int] | None, str], list[object]] = {}

    def _chain(self, node: Any) -> list[tuple[int, int] | None]:
        keys: list[tuple[int, int] | None] = []
        current = node.parent if node is not None else None
        while current is not None:
            if current.type in self.scopes:
                keys.append((current.start_byte, current.end_byte))
            current = current.parent
        keys.append(None)
        return keys

    def bind(self, name: str, value: object, node: Any = None) -> None:
        """Bind ``name`` in the scope around ``node`` (the file without one)."""
        self.values.setdefault((self._chain(node)[0], name), []).append(value)

    def lookup(self, name: str, node: Any = None) -> list[object] | None:
        for key in self._chain(node):
            if (key, name) in self.values:
                return self.values[(key, name)]
        return None

    def has(self, name: str, node: Any = None) -> bool:
        return self.lookup(name, node) is not None

    def get(self, name: str, node: Any = None, default: object = UNKNOWN) -> object:
        values = self.lookup(name, node)
        if not values:
            return default
        first = values[0]
        return first if all(v == first for v in values) else UNKNOWN


def make_asset(node: Any, found: Found, context: list[str]) -> Asset:
    """The asset of one use at its node; its purpose from the API, else from the names around
    it, else from its primitive."""
    entry = row(found.algorithm)
    primitive = entry.primitive if entry else "unknown"
    purpose, reason = found.purpose, found.purpose_reason or found.api
    if purpose is None:
        named = name_purpose(context)
        purpose, reason = named if named else (default_purpose(primitive), "")
    return Asset(
        asset_type=AssetType.PROTOCOL if primitive == "protocol" else AssetType.ALGORITHM,
        algorithm=found.algorithm,
        primitive=primitive,
        api=found.api,
        line=node.start_point[0] + 1,
        column=node.start_point[1] + 1,
        key_size=found.key_size,
        mode=found.mode,
        curve=found.curve,
        hash=found.hash,
        version=found.version,
        padding=found.padding,
        parameter_set=found.parameter_set,
        purpose=purpose,
        purpose_reason=reason,
        unknown=tuple(dict.fromkeys(found.unknown)),
        static_iv=found.static_iv,
    )


def stopped() -> ScanResult:
    return ScanResult([], f"more than {MAX_NODES} syntax nodes")
