"""JavaScript and TypeScript source, by tree-sitter syntax tree: node:crypto, WebCrypto, tls,
jsonwebtoken, node-forge and crypto-js.

``require``/``import`` aliases are resolved to qualified names (``crypto.createHash``,
``crypto-js.AES.encrypt``); string and number constants bound once in the file (``const ALG =
"md5"``) and option objects (``{modulusLength: 1024}``) are read from the tree. A parameter given
but not resolvable is recorded as unknown. Nothing is run.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

import tree_sitter
import tree_sitter_javascript

from outwork.analyzers.crypto import apis
from outwork.analyzers.crypto.model import Asset, AssetType, Purpose
from outwork.analyzers.crypto.policy import algorithm_name, curve_name, row
from outwork.analyzers.crypto.pysource import ScanResult, name_purpose
from outwork.analyzers.crypto.treesource import default_purpose
from outwork.analyzers.crypto.treesource import text as node_text
from outwork.core.budgets import Budgets
from outwork.core.syntaxwindows import Span, window_bytes, windows

#: Syntax nodes of one file walked before the scan stops (and says so).
MAX_NODES = 3_000_000
#: Bytes of source in one syntax tree under the default budgets.
DEFAULT_WINDOW = window_bytes(Budgets())


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()


@dataclass(frozen=True, slots=True)
class JsRef:
    """A module member reached by name: ``crypto.createHash``, ``CryptoJS.mode.ECB``."""

    name: str


@dataclass(frozen=True, slots=True)
class FixedBytes:
    """``Buffer.from("...")``, ``Buffer.alloc(16)``: bytes written in the code."""

    size: int | None


@dataclass(frozen=True, slots=True)
class FreshBytes:
    """``crypto.randomBytes(n)``."""

    size: int | None


#: Module names as the table spells them.
_MODULES = {
    "node:crypto": "crypto",
    "crypto": "crypto",
    "node:tls": "tls",
    "tls": "tls",
    "node:https": "https",
    "https": "https",
    "jsonwebtoken": "jsonwebtoken",
    "node-forge": "forge",
    "crypto-js": "CryptoJS",
}
#: Names that are globals when nothing binds them.
_GLOBALS = {
    "crypto": "crypto",
    "CryptoJS": "CryptoJS",
    "forge": "forge",
    "window": "window",
    "Math": "Math",
}
#: Node's OpenSSL cipher names that are not ``FAMILY-BITS-MODE``.
_NODE_CIPHERS = {
    "des-ede3-cbc": ("3DES", 192, "CBC"),
    "des-ede3": ("3DES", 192, "ECB"),
    "des3": ("3DES", 192, "CBC"),
    "des-ede-cbc": ("3DES", 128, "CBC"),
    "des-cbc": ("DES", 56, "CBC"),
    "des-ecb": ("DES", 56, "ECB"),
    "des": ("DES", 56, "CBC"),
    "rc4": ("RC4", None, None),
    "rc2-cbc": ("RC2", None, "CBC"),
    "bf-cbc": ("Blowfish", None, "CBC"),
    "bf-ecb": ("Blowfish", None, "ECB"),
    "cast5-cbc": ("CAST5", None, "CBC"),
    "chacha20-poly1305": ("ChaCha20-Poly1305", 256, None),
    "chacha20": ("ChaCha20", 256, None),
    "id-aes128-wrap": ("AES", 128, "KW"),
    "id-aes256-wrap": ("AES", 256, "KW"),
}
_CIPHER_RE = re.compile(r"^(aes|aria|camellia|sm4)-?(\d{3})?-?([a-z0-9]+)?$", re.I)
#: ``crypto.getDiffieHellman(group)``: RFC 2409/3526 group sizes.
_MODP = {
    "modp1": 768,
    "modp2": 1024,
    "modp5": 1536,
    "modp14": 2048,
    "modp15": 3072,
    "modp16": 4096,
    "modp17": 6144,
    "modp18": 8192,
}
_KEY_TYPES = {
    "rsa": "RSA",
    "rsa-pss": "RSASSA-PSS",
    "dsa": "DSA",
    "ec": "ECDSA",
    "ed25519": "Ed25519",
    "ed448": "Ed448",
    "x25519": "X25519",
    "x448": "X448",
    "dh": "DH",
}
_WEBCRYPTO = {
    "RSA-OAEP": "RSAES-OAEP",
    "RSASSA-PKCS1-v1_5": "RSA",
    "RSA-PSS": "RSASSA-PSS",
    "ECDSA": "ECDSA",
    "ECDH": "ECDH",
    "Ed25519": "Ed25519",
    "X25519": "X25519",
    "HMAC": "HMAC",
    "PBKDF2": "PBKDF2",
    "HKDF": "HKDF",
}
_TLS_VERSIONS = {
    "TLSv1": "TLSv1.0",
    "TLSv1.1": "TLSv1.1",
    "TLSv1.2": "TLSv1.2",
    "TLSv1.3": "TLSv1.3",
    "SSLv3": "SSLv3",
}
_TLS_METHODS = {
    "SSLv2_method": "SSLv2",
    "SSLv3_method": "SSLv3",
    "TLSv1_method": "TLSv1.0",
    "TLSv1_1_method": "TLSv1.1",
    "TLSv1_2_method": "TLSv1.2",
}


@cache
def _language() -> Any:
    return tree_sitter.Language(tree_sitter_javascript.language())


@dataclass(slots=True)
class _Found:
    algorithm: str
    api: str
    key_size: int | None = None
    mode: str | None = None
    curve: str | None = None
    hash: str | None = None
    version: str | None = None
    padding: str | None = None
    static_iv: bool = False
    purpose: Purpose | None = None
    unknown: list[str] = field(default_factory=list)


class JsScanner:
    """Two passes over the file's syntax tree (bindings, then uses), a window at a time when
    the file is larger than ``window`` bytes (:mod:`outwork.core.syntaxwindows`): bindings
    are keyed by name alone, so the first pass over every window binds what the second pass over
    any window resolves."""

    def __init__(self, data: bytes, window: int = DEFAULT_WINDOW) -> None:
        self.data = data
        self.window = window
        self.bindings: dict[str, list[object]] = {}
        self.assets: list[Asset] = []

    def run(self) -> ScanResult:
        spans: list[Span] = []
        whole: Any = None
        count = 0
        for part in windows(_language(), self.data, self.window):
            spans.append(part.span)
            whole = part.tree if (part.span.start, part.span.cut) == (0, len(self.data)) else None
            count = self._bindings(part.tree, part.span, count)
            if count > MAX_NODES:
                return ScanResult([], f"more than {MAX_NODES} syntax nodes")
        for span in spans:
            self._uses(whole or span.parse(_language(), self.data), span)
        return ScanResult(self.assets)

    # Each window's walk is a call of its own: no node (which keeps its tree alive) outlives it.

    def _bindings(self, tree: Any, span: Span, count: int) -> int:
        for node in _nodes(tree, span):
            count += 1
            if count > MAX_NODES:
                break
            self._binding(node)
        return count

    def _uses(self, tree: Any, span: Span) -> None:
        for node in _nodes(tree, span):
            if node.type in ("call_expression", "new_expression"):
                self._call(node)
            elif node.type == "pair":
                self._tls_option(node)

    def _binding(self, node: Any) -> None:
        if node.type == "variable_declarator":
            self._declarator(node)
        elif node.type == "import_statement":
            self._import(node)
        elif node.type in ("assignment_expression", "augmented_assignment_expression"):
            left, right = (
                node.child_by_field_name("left"),
                node.child_by_field_name("right"),
            )
            if left is not None and left.type == "identifier":
                value = self.value(right) if right is not None else UNKNOWN
                plain = node.type == "assignment_expression"
                self._bind(node_text(left), value if plain else UNKNOWN)

    # --- bindings ---------------------------------------------------------------------------

    def _bind(self, name: str, value: object) -> None:
        self.bindings.setdefault(name, []).append(value)

    def lookup(self, name: str) -> object:
        values = self.bindings.get(name)
        if not values:
            return JsRef(_GLOBALS[name]) if name in _GLOBALS else UNKNOWN
        first = values[0]
        return first if all(v == first for v in values) else UNKNOWN

    def _declarator(self, node: Any) -> None:
        target, value = (
            node.child_by_field_name("name"),
            node.child_by_field_name("value"),
        )
        if target is None:
            return
        evaluated = self.value(value) if value is not None else UNKNOWN
        if target.type == "identifier":
            self._bind(node_text(target), evaluated)
        elif target.type == "object_pattern" and isinstance(evaluated, JsRef):
            for child in target.named_children:
                if child.type == "shorthand_property_identifier_pattern":
                    self._bind(node_text(child), JsRef(f"{evaluated.name}.{node_text(child)}"))
                elif child.type == "pair_pattern":
                    key = child.child_by_field_name("key")
                    alias = child.child_by_field_name("value")
                    if key is not None and alias is not None and alias.type == "identifier":
                        self._bind(
                            node_text(alias),
                            JsRef(f"{evaluated.name}.{node_text(key)}"),
                        )

    def _import(self, node: Any) -> None:
        source = node.child_by_field_name("source")
        if source is None:
            return
        module = _MODULES.get(_string(source) or "")
        if module is None:
            return
        for clause in node.named_children:
            if clause.type != "import_clause":
                continue
            for part in clause.named_children:
                if part.type == "identifier":
                    self._bind(node_text(part), JsRef(module))
                elif part.type == "namespace_import":
                    for ident in part.named_children:
                        self._bind(node_text(ident), JsRef(module))
                elif part.type == "named_imports":
                    for spec in part.named_children:
                        name = spec.child_by_field_name("name")
                        alias = spec.child_by_field_name("alias") or name
                        if name is not None and alias is not None:
                            self._bind(node_text(alias), JsRef(f"{module}.{node_text(name)}"))

    # --- values -----------------------------------------------------------------------------

    def value(self, node: Any) -> object:
        kind = node.type
        if kind in ("string", "template_string"):
            text = _string(node)
            return text if text is not None else UNKNOWN
        if kind == "number":
            try:
                return int(node_text(node), 0)
            except ValueError:
                return UNKNOWN
        if kind == "identifier":
            return self.lookup(node_text(node))
        if kind == "member_expression":
            base = node.child_by_field_name("object")
            prop = node.child_by_field_name("property")
            inner = self.value(base) if base is not None else UNKNOWN
            if isinstance(inner, JsRef) and prop is not None:
                return JsRef(f"{inner.name}.{node_text(prop)}")
            return UNKNOWN
        if kind == "object":
            out: dict[str, object] = {}
            for pair in node.named_children:
                if pair.type == "pair":
                    key, val = (
                        pair.child_by_field_name("key"),
                        pair.child_by_field_name("value"),
                    )
                    if key is not None and val is not None:
                        out[_string(key) or node_text(key)] = self.value(val)
            return out
        if kind == "array":
            return [self.value(child) for child in node.named_children]
        if kind == "call_expression":
            return self._call_value(node)
        if kind == "parenthesized_expression" and node.named_children:
            return self.value(node.named_children[0])
        return UNKNOWN

    def _call_value(self, node: Any) -> object:
        func = node.child_by_field_name("function")
        args = _args(node)
        if func is not None and func.type == "identifier" and node_text(func) == "require" and args:
            module = _MODULES.get(str(self.value(args[0])))
            return JsRef(module) if module else UNKNOWN
        callee = self.value(func) if func is not None else UNKNOWN
        name = callee.name if isinstance(callee, JsRef) else ""
        if name.endswith(("Buffer.from", "Buffer.alloc")) or (
            func is not None and node_text(func) in ("Buffer.from", "Buffer.alloc")
        ):
            first = self.value(args[0]) if args else UNKNOWN
            if isinstance(first, str):
                return FixedBytes(len(first))
            return FixedBytes(first if isinstance(first, int) else None)
        if name in ("crypto.randomBytes", "crypto.getRandomValues"):
            size = self.value(args[0]) if args else UNKNOWN
            return FreshBytes(size if isinstance(size, int) else None)
        return UNKNOWN

    # --- calls ------------------------------------------------------------------------------

    def _call(self, node: Any) -> None:
        func = node.child_by_field_name("function") or node.child_by_field_name("constructor")
        if func is None:
            return
        callee = self.value(func)
        if not isinstance(callee, JsRef):
            return
        name = callee.name.removeprefix("window.")
        if name == "Math.random":
            self._math_random(node)
            return
        handler = _handler(name)
        if handler is None:
            return
        found = handler(self, name, _args(node))
        for item in found:
            self._emit(node, item)

    def _math_random(self, node: Any) -> None:
        """``Math.random()`` making something named as a secret (V8's generator is
        xorshift128+: its state is recovered from a few outputs)."""
        named = name_purpose(self._context_names(node))
        if named is not None and named[0] in (Purpose.SECRET, Purpose.PASSWORD):
            found = _Found("xorshift128+", "Math.random", purpose=Purpose.SECRET)
            self._emit(node, found)
            self.assets[-1] = replace(self.assets[-1], purpose_reason=named[1])

    def _tls_option(self, node: Any) -> None:
        """``{minVersion: "TLSv1"}``, ``{secureProtocol: "TLSv1_method"}`` wherever they are."""
        key, val = node.child_by_field_name("key"), node.child_by_field_name("value")
        if key is None or val is None:
            return
        option = _string(key) or node_text(key)
        text = self.value(val)
        if not isinstance(text, str):
            return
        version = None
        if option in ("minVersion", "maxVersion"):
            version = _TLS_VERSIONS.get(text)
        elif option == "secureProtocol":
            version = _TLS_METHODS.get(text)
        if version is not None:
            self._emit(node, _Found("TLS", f"tls {option}", version=version))

    def _emit(self, node: Any, found: _Found) -> None:
        entry = row(found.algorithm)
        primitive = entry.primitive if entry else "unknown"
        purpose, reason = found.purpose, found.api
        if purpose is None:
            named = name_purpose(self._context_names(node))
            purpose, reason = named if named else (default_purpose(primitive), "")
        self.assets.append(
            Asset(
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
                purpose=purpose,
                purpose_reason=reason,
                unknown=tuple(dict.fromkeys(found.unknown)),
                static_iv=found.static_iv,
            )
        )

    def _context_names(self, node: Any) -> list[str]:
        names: list[str] = []
        current = node
        while current is not None and current.type not in (
            "statement_block",
            "program",
            "arguments",
        ):
            parent = current.parent
            if parent is None:
                break
            if parent.type == "variable_declarator":
                target = parent.child_by_field_name("name")
                if target is not None and target.type == "identifier":
                    names.append(node_text(target))
            elif parent.type in (
                "assignment_expression",
                "augmented_assignment_expression",
            ):
                left = parent.child_by_field_name("left")
                if left is not None:
                    names.append(node_text(left).rsplit(".", 1)[-1])
            elif parent.type == "pair":
                key = parent.child_by_field_name("key")
                if key is not None:
                    names.append(_string(key) or node_text(key))
            elif parent.type in ("function_declaration", "method_definition"):
                ident = parent.child_by_field_name("name")
                if ident is not None:
                    names.append(node_text(ident))
            current = parent
        return names


# --- handlers ---------------------------------------------------------------------------------

Handler = Callable[[JsScanner, str, list[Any]], list[_Found]]


def _hash(scanner: JsScanner, api: str, args: list[Any]) -> list[_Found]:
    value = scanner.value(args[0]) if args else UNKNOWN
    if isinstance(value, str):
        return [_Found(algorithm_name(value) or "unknown", api)]
    return [_Found("unknown", api, unknown=["algorithm"])]


def _hmac(scanner: JsScanner, api: str, args: list[Any]) -> list[_Found]:
    value = scanner.value(args[0]) if args else UNKNOWN
    found = _Found("HMAC", api)
    if isinstance(value, str):
        found.hash = algorithm_name(value)
    else:
        found.unknown.append("hash")
    return [found]


def _cipher(scanner: JsScanner, api: str, args: list[Any]) -> list[_Found]:
    value = scanner.value(args[0]) if args else UNKNOWN
    if not isinstance(value, str):
        return [_Found("unknown", api, unknown=["algorithm"], purpose=Purpose.ENCRYPTION)]
    found = _node_cipher(value, api)
    if len(args) >= 3 and api.endswith("iv"):
        iv = scanner.value(args[2])
        found.static_iv = isinstance(iv, str | FixedBytes)
    return [found]


def _node_cipher(text: str, api: str) -> _Found:
    lower = text.lower()
    if lower in _NODE_CIPHERS:
        family, size, mode = _NODE_CIPHERS[lower]
        return _Found(family, api, key_size=size, mode=mode)
    match = _CIPHER_RE.match(lower)
    if match:
        family = algorithm_name(match.group(1)) or match.group(1).upper()
        size = int(match.group(2)) if match.group(2) else None
        mode = match.group(3).upper() if match.group(3) else None
        return _Found(family, api, key_size=size, mode=mode)
    return _Found(algorithm_name(lower) or "unknown", api)


def _sign(scanner: JsScanner, api: str, args: list[Any]) -> list[_Found]:
    value = scanner.value(args[0]) if args else UNKNOWN
    if not isinstance(value, str):
        return [_Found("unknown", api, unknown=["algorithm"], purpose=Purpose.SIGNATURE)]
    parts = value.upper().replace("WITH", "-").split("-")
    family = "RSA" if "RSA" in parts else ("ECDSA" if "ECDSA" in parts else "unknown")
    digest = next((algorithm_name(p) for p in reversed(parts) if algorithm_name(p)), None)
    if family == "unknown" and digest:
        family = "RSA" if "RSA" in value.upper() else "unknown"
    return [_Found(family, api, hash=digest, purpose=Purpose.SIGNATURE)]


def _keypair(scanner: JsScanner, api: str, args: list[Any]) -> list[_Found]:
    kind = scanner.value(args[0]) if args else UNKNOWN
    options = scanner.value(args[1]) if len(args) > 1 else {}
    if not isinstance(kind, str):
        return [_Found("unknown", api, unknown=["algorithm"])]
    found = _Found(_KEY_TYPES.get(kind.lower(), "unknown"), api)
    if isinstance(options, dict):
        _size_and_curve(found, options.get("modulusLength"), options.get("namedCurve"))
    return [found]


def _size_and_curve(found: _Found, size: object, curve: object) -> None:
    if isinstance(size, int):
        found.key_size = size
    elif size is not None:
        found.unknown.append("key size")
    if isinstance(curve, str):
        found.curve = curve_name(curve) or curve
    elif curve is not None:
        found.unknown.append("curve")


def _pbkdf2(scanner: JsScanner, api: str, args: list[Any]) -> list[_Found]:
    digest = scanner.value(args[4]) if len(args) > 4 else None
    found = _Found("PBKDF2", api, purpose=Purpose.PASSWORD)
    if isinstance(digest, str):
        found.hash = algorithm_name(digest)
    elif digest is not None:
        found.unknown.append("hash")
    return [found]


def _fixed(algorithm: str, purpose: Purpose | None = None) -> Handler:
    def handle(scanner: JsScanner, api: str, args: list[Any]) -> list[_Found]:
        return [_Found(algorithm, api, purpose=purpose)]

    return handle


def _dh(scanner: JsScanner, api: str, args: list[Any]) -> list[_Found]:
    value = scanner.value(args[0]) if args else UNKNOWN
    found = _Found("DH", api)
    if isinstance(value, int):
        found.key_size = value
    elif isinstance(value, str) and value in _MODP:
        found.key_size = _MODP[value]
    else:
        found.unknown.append("key size")
    return [found]


def _ecdh(scanner: JsScanner, api: str, args: list[Any]) -> list[_Found]:
    found = _Found("ECDH", api)
    _size_and_curve(found, None, scanner.value(args[0]) if args else UNKNOWN)
    return [found]


def _webcrypto(position: int) -> Handler:
    def handle(scanner: JsScanner, api: str, args: list[Any]) -> list[_Found]:
        params = scanner.value(args[position]) if len(args) > position else UNKNOWN
        if isinstance(params, str):
            params = {"name": params}
        if not isinstance(params, dict) or not isinstance(params.get("name"), str):
            return [_Found("unknown", api, unknown=["algorithm"])]
        name = params["name"]
        if name.upper().startswith("AES-"):
            found = _Found("AES", api, mode=name.upper()[4:])
            length = params.get("length")
            found.key_size = length if isinstance(length, int) else None
            iv = params.get("iv", params.get("counter"))
            found.static_iv = isinstance(iv, FixedBytes | str)
            return [found]
        algorithm = _WEBCRYPTO.get(name) or algorithm_name(name) or "unknown"
        found = _Found(algorithm, api)
        _size_and_curve(found, params.get("modulusLength"), params.get("namedCurve"))
        digest = params.get("hash")
        if isinstance(digest, dict):
            digest = digest.get("name")
        if isinstance(digest, str):
            found.hash = algorithm_name(digest)
        return [found]

    return handle


def _jwt_sign(scanner: JsScanner, api: str, args: list[Any]) -> list[_Found]:
    options = scanner.value(args[2]) if len(args) > 2 else {}
    algorithm = options.get("algorithm", "HS256") if isinstance(options, dict) else UNKNOWN
    return [_jose(algorithm, api)]


def _jwt_verify(scanner: JsScanner, api: str, args: list[Any]) -> list[_Found]:
    options = scanner.value(args[2]) if len(args) > 2 else {}
    names = options.get("algorithms") if isinstance(options, dict) else None
    if not isinstance(names, list):
        return []
    return [_jose(name, api) for name in names]


def _jose(name: object, api: str) -> _Found:
    if isinstance(name, str) and name in apis.JOSE:
        family, digest, curve = apis.JOSE[name]
        return _Found(family, api, hash=digest, curve=curve, purpose=Purpose.SIGNATURE)
    return _Found("unknown", api, unknown=["algorithm"], purpose=Purpose.SIGNATURE)


def _forge_keypair(scanner: JsScanner, api: str, args: list[Any]) -> list[_Found]:
    first = scanner.value(args[0]) if args else UNKNOWN
    size = first.get("bits") if isinstance(first, dict) else first
    found = _Found("RSA", api)
    _size_and_curve(found, size if args else None, None)
    return [found]


def _forge_cipher(scanner: JsScanner, api: str, args: list[Any]) -> list[_Found]:
    value = scanner.value(args[0]) if args else UNKNOWN
    if not isinstance(value, str):
        return [_Found("unknown", api, unknown=["algorithm"], purpose=Purpose.ENCRYPTION)]
    family, _, mode = value.partition("-")
    found = (
        _node_cipher(value, api)
        if family.upper() == "AES"
        else _Found(algorithm_name(family) or "unknown", api)
    )
    found.mode = mode.upper() or found.mode
    return [found]


def _cryptojs_cipher(scanner: JsScanner, api: str, args: list[Any]) -> list[_Found]:
    family = api.split(".")[1]
    found = _Found(algorithm_name(family) or "unknown", api, mode="CBC")
    options = scanner.value(args[2]) if len(args) > 2 else {}
    if isinstance(options, dict):
        mode = options.get("mode")
        if isinstance(mode, JsRef):
            found.mode = mode.name.rsplit(".", 1)[-1].upper()
        elif mode is not None:
            found.unknown.append("mode")
        iv = options.get("iv")
        found.static_iv = isinstance(iv, str | FixedBytes)
    if found.algorithm in ("RC4", "ChaCha20", "Salsa20"):
        found.mode = None
    return [found]


def _cryptojs_hash(scanner: JsScanner, api: str, args: list[Any]) -> list[_Found]:
    name = api.split(".")[1]
    if name.startswith("Hmac"):
        return [_Found("HMAC", api, hash=algorithm_name(name[4:]))]
    return [_Found(algorithm_name(name) or "unknown", api)]


HANDLERS: dict[str, Handler] = {
    "crypto.createHash": _hash,
    "crypto.hash": _hash,
    "crypto.createHmac": _hmac,
    "crypto.createCipheriv": _cipher,
    "crypto.createDecipheriv": _cipher,
    "crypto.createCipher": _cipher,
    "crypto.createDecipher": _cipher,
    "crypto.createSign": _sign,
    "crypto.createVerify": _sign,
    "crypto.generateKeyPair": _keypair,
    "crypto.generateKeyPairSync": _keypair,
    "crypto.pbkdf2": _pbkdf2,
    "crypto.pbkdf2Sync": _pbkdf2,
    "crypto.scrypt": _fixed("scrypt", Purpose.PASSWORD),
    "crypto.scryptSync": _fixed("scrypt", Purpose.PASSWORD),
    "crypto.createDiffieHellman": _dh,
    "crypto.getDiffieHellman": _dh,
    "crypto.createECDH": _ecdh,
    "crypto.randomBytes": _fixed("DRBG", Purpose.SECRET),
    "crypto.randomUUID": _fixed("DRBG", Purpose.SECRET),
    "crypto.subtle.digest": _hash,
    "crypto.subtle.generateKey": _webcrypto(0),
    "crypto.subtle.importKey": _webcrypto(2),
    "crypto.subtle.encrypt": _webcrypto(0),
    "crypto.subtle.decrypt": _webcrypto(0),
    "crypto.subtle.sign": _webcrypto(0),
    "crypto.subtle.deriveKey": _webcrypto(0),
    "crypto.subtle.deriveBits": _webcrypto(0),
    "jsonwebtoken.sign": _jwt_sign,
    "jsonwebtoken.verify": _jwt_verify,
    "forge.pki.rsa.generateKeyPair": _forge_keypair,
    "forge.cipher.createCipher": _forge_cipher,
    "forge.cipher.createDecipher": _forge_cipher,
}


def _handler(name: str) -> Handler | None:
    if name in HANDLERS:
        return HANDLERS[name]
    parts = name.split(".")
    if parts[0] == "forge" and len(parts) == 4 and parts[1] == "md" and parts[3] == "create":
        return lambda s, api, args: [_Found(algorithm_name(parts[2]) or "unknown", api)]
    if parts[0] == "CryptoJS" and len(parts) == 3 and parts[2] in ("encrypt", "decrypt"):
        return _cryptojs_cipher
    if (
        parts[0] == "CryptoJS"
        and len(parts) == 2
        and (algorithm_name(parts[1]) or parts[1].startswith("Hmac"))
    ):
        return _cryptojs_hash
    return None


# --- helpers ----------------------------------------------------------------------------------


def _nodes(tree: Any, span: Span) -> Iterator[Any]:
    """The window's own nodes (none of its prefix's), in document order, each made when it is
    reached: a list of them all held ~90 bytes of Python objects per node on top of the tree
    (a 1.7 MB minified bundle: 750,000 nodes, 150 MB)."""
    cursor = tree.walk()
    while True:
        if cursor.node.start_byte >= span.cut:
            return  # document order: every later node starts at or after this one
        if cursor.node.start_byte >= span.start:
            yield cursor.node
        if cursor.goto_first_child():
            continue
        while not cursor.goto_next_sibling():
            if not cursor.goto_parent():
                return


def _string(node: Any) -> str | None:
    if node.type == "string":
        return "".join(node_text(c) for c in node.named_children if c.type == "string_fragment")
    if node.type == "template_string":
        if any(c.type == "template_substitution" for c in node.named_children):
            return None
        return node_text(node)[1:-1]
    return None


def _args(node: Any) -> list[Any]:
    arguments = node.child_by_field_name("arguments")
    if arguments is None:
        return []
    return [c for c in arguments.named_children if c.type != "comment"]


def scan_javascript(data: bytes, window: int = DEFAULT_WINDOW) -> ScanResult:
    """The file's cryptography, parsed in windows of at most ``window`` bytes of source."""
    try:
        return JsScanner(data, window).run()
    except RecursionError:
        return ScanResult([], "expressions nested too deeply for the scanner")
