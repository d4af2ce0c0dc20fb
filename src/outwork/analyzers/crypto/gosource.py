"""Go source, by tree-sitter syntax tree: the standard library's ``crypto/*`` and
``golang.org/x/crypto``.

Imports (with their aliases) resolve selectors to import paths (``crypto/md5.New``); constants,
variables and conversions bound once in the file (``const bits = 1024``, ``key :=
[]byte("...")``) are read from the tree, and a block cipher made by ``aes.NewCipher`` is followed
by name into the mode that wraps it (``cipher.NewCBCEncrypter(block, iv)``) or the raw block
calls that make it ECB. ``crypto/tls`` and ``crypto/x509`` settings are read from struct literals
and assignments (``MinVersion``, ``CipherSuites``, ``CurvePreferences``, ``SignatureAlgorithm``).
A parameter given but not resolvable is recorded as unknown. Nothing is run.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import tree_sitter
import tree_sitter_go

from outwork.analyzers.crypto.model import Asset, Purpose
from outwork.analyzers.crypto.policy import algorithm_name
from outwork.analyzers.crypto.pysource import ScanResult, name_purpose
from outwork.analyzers.crypto.treesource import (
    UNKNOWN,
    Bindings,
    FixedBytes,
    Found,
    make_asset,
    stopped,
    suite,
    text,
    walk,
)

X = "golang.org/x/crypto/"


@dataclass(frozen=True, slots=True)
class GoRef:
    """A package member reached by name: ``crypto/md5.New``, ``crypto/tls.VersionTLS10``."""

    name: str


@dataclass(frozen=True, slots=True)
class Sized:
    """``make([]byte, n)``: a buffer of known size whose content the code fills later."""

    size: int | None


@dataclass(frozen=True, slots=True)
class Block:
    """A block cipher made by ``NewCipher`` (its algorithm and key size), bound to a name."""

    algorithm: str
    key_size: int | None
    api: str


@dataclass(frozen=True, slots=True)
class Curve:
    """``elliptic.P256()``, ``ecdh.X25519()``."""

    name: str


#: Hash constructors and one-shot functions, by import path and name.
HASHES: dict[str, str] = {
    "crypto/md5.New": "MD5",
    "crypto/md5.Sum": "MD5",
    "crypto/sha1.New": "SHA-1",
    "crypto/sha1.Sum": "SHA-1",
    "crypto/sha256.New": "SHA-256",
    "crypto/sha256.Sum256": "SHA-256",
    "crypto/sha256.New224": "SHA-224",
    "crypto/sha256.Sum224": "SHA-224",
    "crypto/sha512.New": "SHA-512",
    "crypto/sha512.Sum512": "SHA-512",
    "crypto/sha512.New384": "SHA-384",
    "crypto/sha512.Sum384": "SHA-384",
    "crypto/sha512.New512_224": "SHA-512/224",
    "crypto/sha512.Sum512_224": "SHA-512/224",
    "crypto/sha512.New512_256": "SHA-512/256",
    "crypto/sha512.Sum512_256": "SHA-512/256",
    X + "md4.New": "MD4",
    X + "ripemd160.New": "RIPEMD-160",
    X + "blake2b.New256": "BLAKE2b",
    X + "blake2b.New384": "BLAKE2b",
    X + "blake2b.New512": "BLAKE2b",
    X + "blake2b.Sum256": "BLAKE2b",
    X + "blake2b.Sum512": "BLAKE2b",
    X + "blake2s.New256": "BLAKE2s",
    X + "blake2s.Sum256": "BLAKE2s",
}
for _package in ("crypto/sha3", X + "sha3"):
    for _bits in ("224", "256", "384", "512"):
        HASHES[f"{_package}.New{_bits}"] = f"SHA3-{_bits}"
        HASHES[f"{_package}.Sum{_bits}"] = f"SHA3-{_bits}"
    for _bits in ("128", "256"):
        HASHES[f"{_package}.NewShake{_bits}"] = f"SHAKE{_bits}"
        HASHES[f"{_package}.ShakeSum{_bits}"] = f"SHAKE{_bits}"
        HASHES[f"{_package}.SumSHAKE{_bits}"] = f"SHAKE{_bits}"

#: Block ciphers: the constructor, the algorithm and its fixed key size.
BLOCKS: dict[str, tuple[str, int | None]] = {
    "crypto/aes.NewCipher": ("AES", None),
    "crypto/des.NewCipher": ("DES", 56),
    "crypto/des.NewTripleDESCipher": ("3DES", 192),
    X + "blowfish.NewCipher": ("Blowfish", None),
    X + "blowfish.NewSaltedCipher": ("Blowfish", None),
    X + "cast5.NewCipher": ("CAST5", 128),
}
#: ``crypto/cipher`` mode constructors: the mode and the position of the IV, if any.
MODES: dict[str, tuple[str, int | None]] = {
    "NewGCM": ("GCM", None),
    "NewGCMWithNonceSize": ("GCM", None),
    "NewGCMWithTagSize": ("GCM", None),
    "NewGCMWithRandomNonce": ("GCM", None),
    "NewCBCEncrypter": ("CBC", 1),
    "NewCBCDecrypter": ("CBC", 1),
    "NewCFBEncrypter": ("CFB", 1),
    "NewCFBDecrypter": ("CFB", 1),
    "NewCTR": ("CTR", 1),
    "NewOFB": ("OFB", 1),
}
#: ``crypto.Hash`` constants (``crypto.SHA256``) and the curves of ``crypto/elliptic``/``ecdh``.
CURVES = {"P224": "P-224", "P256": "P-256", "P384": "P-384", "P521": "P-521", "X25519": "X25519"}
TLS_VERSIONS = {
    "VersionSSL30": "SSLv3",
    "VersionTLS10": "TLSv1.0",
    "VersionTLS11": "TLSv1.1",
    "VersionTLS12": "TLSv1.2",
    "VersionTLS13": "TLSv1.3",
}
#: ``tls.CurveID`` names: the key exchange each one is.
TLS_GROUPS = {
    "X25519MLKEM768": ("X25519MLKEM768", None),
    "X25519Kyber768Draft00": ("X25519MLKEM768", None),
    "X25519": ("X25519", None),
    "CurveP256": ("ECDH", "P-256"),
    "CurveP384": ("ECDH", "P-384"),
    "CurveP521": ("ECDH", "P-521"),
}
_DSA_SIZES = re.compile(r"^L(\d+)N\d+$")
_SIGNATURE = re.compile(
    r"^(?:(?P<hash>\w+?)With(?P<family>RSAPSS|RSA|ECDSA|DSA)"
    r"|(?P<family2>ECDSA|DSA)With(?P<hash2>\w+))$"
)


#: Where a declared name is in scope: the function it is declared in (or the whole file).
_SCOPES = frozenset({"function_declaration", "method_declaration", "func_literal", "source_file"})


@cache
def _parser() -> Any:
    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_go.language()))


class GoScanner:
    def __init__(self, data: bytes) -> None:
        self.tree = _parser().parse(data)
        self.imports: dict[str, str] = {}
        self.bindings = Bindings(_SCOPES - {"source_file"})
        self.assets: list[Asset] = []
        #: Names of blocks that a mode or a raw block call consumed.
        self.consumed: set[str] = set()
        self.blocks: list[tuple[Any, Found, str | None]] = []
        #: Names that hide a package, with the bytes of the function where they do.
        self.shadows: dict[str, list[tuple[int, int]]] = {}
        #: Slice literals bound to a name (``var suites = []uint16{...}``), for settings.
        self.literals: dict[str, Any] = {}

    def run(self) -> ScanResult:
        nodes = walk(self.tree.root_node)
        if nodes is None:
            return stopped()
        for node in nodes:
            if node.type == "import_spec":
                self._import(node)
        for node in nodes:
            if node.type in ("parameter_declaration", "variadic_parameter_declaration"):
                for name in node.children_by_field_name("name"):
                    self._declare(name)
            if node.type in ("const_spec", "var_spec"):
                self._spec(node)
            elif node.type in ("short_var_declaration", "assignment_statement"):
                self._assignment(node)
        for node in nodes:
            if node.type == "call_expression":
                self._call(node)
            elif node.type == "keyed_element":
                self._keyed(node)
            elif node.type == "assignment_statement":
                self._field_assignment(node)
        for node, found, bound in self.blocks:
            if bound is None or bound not in self.consumed:
                self._emit(node, found)
        self.assets.sort(key=lambda a: (a.line or 0, a.column or 0))
        return ScanResult(self.assets)

    # --- bindings ---------------------------------------------------------------------------

    def _import(self, node: Any) -> None:
        path_node = node.child_by_field_name("path")
        if path_node is None:
            return
        path = _string(path_node)
        if path is None:
            return
        name_node = node.child_by_field_name("name")
        if name_node is not None:
            alias = text(name_node)
            if alias in ("_", "."):
                return
        else:
            parts = path.split("/")
            alias = parts[-2] if len(parts) > 1 and re.fullmatch(r"v\d+", parts[-1]) else parts[-1]
        self.imports[alias] = path

    def _spec(self, node: Any) -> None:
        names = [c for c in node.children_by_field_name("name") if c.type == "identifier"]
        values_node = node.child_by_field_name("value")
        values = values_node.named_children if values_node is not None else []
        self._bind_lists(names, values, plain=True)

    def _assignment(self, node: Any) -> None:
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is None or right is None:
            return
        operator = node.child_by_field_name("operator")
        plain = node.type == "short_var_declaration" or (
            operator is not None and text(operator) == "="
        )
        names = [c for c in left.named_children if c.type == "identifier"]
        if len(names) != len(left.named_children):
            names = [c if c.type == "identifier" else None for c in left.named_children]
        self._bind_lists(names, right.named_children, plain=plain)

    def _declare(self, name: Any) -> None:
        """A name declared in a function hides a package of that name there."""
        scope = name.parent
        while scope is not None and scope.type not in _SCOPES:
            scope = scope.parent
        if scope is not None:
            self.shadows.setdefault(text(name), []).append((scope.start_byte, scope.end_byte))

    def _shadowed(self, name: str, node: Any) -> bool:
        return any(start <= node.start_byte < end for start, end in self.shadows.get(name, ()))

    def _bind_lists(self, names: list[Any], values: list[Any], *, plain: bool) -> None:
        for index, name in enumerate(names):
            if name is None or text(name) == "_":
                continue
            self._declare(name)
            if not plain:
                value = UNKNOWN
            elif len(values) == len(names):
                value = self.value(values[index])
                if values[index].type == "composite_literal":
                    self.literals[text(name)] = values[index]
            elif len(values) == 1 and index == 0:
                value = self.value(values[0])
            else:
                value = UNKNOWN
            self.bindings.bind(text(name), value, name)

    # --- values -----------------------------------------------------------------------------

    def value(self, node: Any) -> object:
        kind = node.type
        if kind in ("interpreted_string_literal", "raw_string_literal"):
            out = _string(node)
            return out if out is not None else UNKNOWN
        if kind == "int_literal":
            return _int(text(node))
        if kind == "identifier":
            return self.bindings.get(text(node), node)
        if kind == "selector_expression":
            return self._selector(node)
        if kind == "call_expression":
            return self._call_value(node)
        if kind == "type_conversion_expression":
            operand = node.child_by_field_name("operand")
            inner = self.value(operand) if operand is not None else UNKNOWN
            if isinstance(inner, str) and text(node.child_by_field_name("type")) == "[]byte":
                return FixedBytes(len(inner.encode("utf-8", "replace")))
            return inner
        if kind == "composite_literal":
            return self._composite(node)
        if kind in ("parenthesized_expression", "literal_element") and node.named_children:
            return self.value(node.named_children[0])
        if kind == "unary_expression" and text(node).startswith("&"):
            operand = node.child_by_field_name("operand")
            return self.value(operand) if operand is not None else UNKNOWN
        if kind == "binary_expression":
            return self._binary(node)
        return UNKNOWN

    def _selector(self, node: Any) -> object:
        operand, field = node.child_by_field_name("operand"), node.child_by_field_name("field")
        if operand is None or field is None:
            return UNKNOWN
        if (
            operand.type == "identifier"
            and text(operand) in self.imports
            and not self._shadowed(text(operand), operand)
        ):
            return GoRef(f"{self.imports[text(operand)]}.{text(field)}")
        inner = self.value(operand)
        if isinstance(inner, GoRef):
            return GoRef(f"{inner.name}.{text(field)}")
        return UNKNOWN

    def _composite(self, node: Any) -> object:
        body = node.child_by_field_name("body")
        type_node = node.child_by_field_name("type")
        elements = [c for c in body.named_children if c.type != "comment"] if body else []
        if type_node is not None and text(type_node) == "[]byte":
            return FixedBytes(len(elements))
        if type_node is not None and type_node.type in ("slice_type", "array_type"):
            return [self.value(e) for e in elements]
        return UNKNOWN

    def _binary(self, node: Any) -> object:
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        operator = node.child_by_field_name("operator")
        if left is None or right is None or operator is None:
            return UNKNOWN
        a, b = self.value(left), self.value(right)
        op = text(operator)
        if op == "+" and isinstance(a, str) and isinstance(b, str):
            return a + b
        if isinstance(a, int) and isinstance(b, int) and op in ("+", "*", "-", "<<"):
            result: int = {"+": a + b, "*": a * b, "-": a - b, "<<": a << min(b, 64)}[op]
            return result
        return UNKNOWN

    def _call_value(self, node: Any) -> object:
        func = node.child_by_field_name("function")
        args = _args(node)
        if func is not None and func.type == "identifier" and text(func) == "make":
            if len(args) >= 2 and text(args[0]) == "[]byte":
                size = self.value(args[1])
                return Sized(size if isinstance(size, int) else None)
            return UNKNOWN
        callee = self.value(func) if func is not None else UNKNOWN
        if not isinstance(callee, GoRef):
            return UNKNOWN
        name = callee.name
        if name in BLOCKS:
            algorithm, size = BLOCKS[name]
            if size is None and args:
                key = self.value(args[0])
                if isinstance(key, FixedBytes | Sized) and key.size:
                    size = key.size * 8
            return Block(algorithm, size, name)
        package, _, member = name.rpartition(".")
        if package in ("crypto/elliptic", "crypto/ecdh") and member in CURVES:
            return Curve(CURVES[member])
        return callee if name in HASHES else UNKNOWN

    # --- calls ------------------------------------------------------------------------------

    def _call(self, node: Any) -> None:
        func = node.child_by_field_name("function")
        if func is None:
            return
        callee = self.value(func)
        args = _args(node)
        if isinstance(callee, GoRef):
            name = callee.name
            if name in BLOCKS:
                block = self._call_value(node)
                assert isinstance(block, Block)
                found = Found(block.algorithm, name, key_size=block.key_size)
                if block.key_size is None:
                    found.unknown.append("key size")
                self.blocks.append((node, found, _bound_name(node)))
                return
            handler = _handler(name)
            for found in handler(self, name, args) if handler is not None else []:
                if found.algorithm == "math/rand":
                    named = name_purpose(_context_names(node))
                    if named is None or named[0] not in (Purpose.SECRET, Purpose.PASSWORD):
                        continue
                    found.purpose, found.purpose_reason = Purpose.SECRET, named[1]
                self._emit(node, found)
            return
        self._method(node, func, args)

    def _method(self, node: Any, func: Any, args: list[Any]) -> None:
        """``block.Encrypt(dst, src)`` on a block cipher: one block at a time is ECB."""
        if func.type != "selector_expression":
            return
        operand, field = func.child_by_field_name("operand"), func.child_by_field_name("field")
        if operand is None or field is None or text(field) not in ("Encrypt", "Decrypt"):
            return
        block = self.value(operand)
        if not isinstance(block, Block):
            return
        if operand.type == "identifier":
            self.consumed.add(text(operand))
        self._emit(
            node,
            Found(
                block.algorithm,
                f"{block.api} block.{text(field)}",
                key_size=block.key_size,
                mode="ECB",
                purpose=Purpose.ENCRYPTION,
                purpose_reason="raw block calls: each block on its own (ECB)",
            ),
        )

    def _keyed(self, node: Any) -> None:
        key = node.child_by_field_name("key")
        value = node.child_by_field_name("value")
        if key is None or value is None:
            return
        for place, found in self._setting(text(key), value, node):
            self._emit(place, found)

    def _field_assignment(self, node: Any) -> None:
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is None or right is None or len(left.named_children) != 1:
            return
        target = left.named_children[0]
        if target.type != "selector_expression" or not right.named_children:
            return
        field = target.child_by_field_name("field")
        if field is not None:
            for place, found in self._setting(text(field), right.named_children[0], node):
                self._emit(place, found)

    def _setting(self, name: str, node: Any, place: Any) -> list[tuple[Any, Found]]:
        """``crypto/tls`` and ``crypto/x509`` struct fields, as literals or assignments: each
        found where it is written (a cipher suite on its own line in a list)."""
        if name in ("MinVersion", "MaxVersion"):
            ref = self.value(node)
            if isinstance(ref, GoRef) and ref.name.startswith("crypto/tls.Version"):
                version = TLS_VERSIONS.get(ref.name.rsplit(".", 1)[-1])
                if version is not None:
                    return [(place, Found("TLS", f"tls.Config.{name}", version=version))]
            return []
        if name in ("CipherSuites", "CurvePreferences"):
            out: list[tuple[Any, Found]] = []
            for element in self._elements(node):
                ref = self.value(element)
                member = ref.name.rsplit(".", 1)[-1] if isinstance(ref, GoRef) else ""
                if name == "CipherSuites":
                    found = _suite(member)
                elif member in TLS_GROUPS:
                    algorithm, curve = TLS_GROUPS[member]
                    found = Found(algorithm, "tls.Config.CurvePreferences", curve=curve)
                else:
                    found = None
                if found is not None:
                    out.append((element, found))
            return out
        if name == "SignatureAlgorithm":
            ref = self.value(node)
            if isinstance(ref, GoRef) and ref.name.startswith("crypto/x509."):
                found = _x509_signature(ref.name.rsplit(".", 1)[-1])
                return [(place, found)] if found is not None else []
        return []

    def _elements(self, node: Any) -> list[Any]:
        """The elements of a slice literal, directly or through a name bound to one."""
        while node.type in ("literal_element", "parenthesized_expression") and node.named_children:
            node = node.named_children[0]
        if node.type == "identifier":
            literal = self.literals.get(text(node))
            return self._elements(literal) if literal is not None else []
        if node.type != "composite_literal":
            return []
        body = node.child_by_field_name("body")
        return [c for c in body.named_children if c.type != "comment"] if body else []

    def _emit(self, node: Any, found: Found) -> None:
        self.assets.append(make_asset(node, found, _context_names(node)))

    # --- parameters -------------------------------------------------------------------------

    def hash_of(self, node: Any | None) -> object:
        """The hash a ``crypto.Hash`` constant, a constructor (``sha256.New``) or its call
        names; UNKNOWN when given but not resolvable, None when not given."""
        if node is None:
            return None
        value = self.value(node)
        if isinstance(value, GoRef):
            if value.name in HASHES:
                return HASHES[value.name]
            package, _, member = value.name.rpartition(".")
            if package == "crypto":
                named = algorithm_name(member) or algorithm_name(member.split("_")[0])
                return named if named is not None else UNKNOWN
        return UNKNOWN


# --- handlers ---------------------------------------------------------------------------------

Handler = Callable[[GoScanner, str, list[Any]], list[Found]]


def _with_hash(found: Found, digest: object) -> Found:
    if isinstance(digest, str):
        found.hash = digest
    elif digest is not None:
        found.unknown.append("hash")
    return found


def _hash(scanner: GoScanner, api: str, args: list[Any]) -> list[Found]:
    return [Found(HASHES[api], api)]


def _crypto_hash_new(scanner: GoScanner, api: str, args: list[Any]) -> list[Found]:
    member = api.split(".")[1]
    return [Found(algorithm_name(member) or "unknown", api)]


def _hash_arg(algorithm: str, position: int, purpose: Purpose | None = None) -> Handler:
    def handle(scanner: GoScanner, api: str, args: list[Any]) -> list[Found]:
        node = args[position] if len(args) > position else None
        return [_with_hash(Found(algorithm, api, purpose=purpose), scanner.hash_of(node))]

    return handle


def _fixed(algorithm: str, purpose: Purpose | None = None, **extra: Any) -> Handler:
    def handle(scanner: GoScanner, api: str, args: list[Any]) -> list[Found]:
        return [Found(algorithm, api, purpose=purpose, **extra)]

    return handle


def _rsa_generate(position: int) -> Handler:
    def handle(scanner: GoScanner, api: str, args: list[Any]) -> list[Found]:
        found = Found("RSA", api)
        size = scanner.value(args[position]) if len(args) > position else UNKNOWN
        if isinstance(size, int):
            found.key_size = size
        else:
            found.unknown.append("key size")
        return [found]

    return handle


def _ec_generate(algorithm: str) -> Handler:
    def handle(scanner: GoScanner, api: str, args: list[Any]) -> list[Found]:
        found = Found(algorithm, api)
        curve = scanner.value(args[0]) if args else UNKNOWN
        if isinstance(curve, Curve):
            found.curve = curve.name
        else:
            found.unknown.append("curve")
        return [found]

    return handle


def _ecdh_curve(scanner: GoScanner, api: str, args: list[Any]) -> list[Found]:
    curve = CURVES[api.rsplit(".", 1)[-1]]
    if curve == "X25519":
        return [Found("X25519", api)]
    return [Found("ECDH", api, curve=curve)]


def _dsa_parameters(scanner: GoScanner, api: str, args: list[Any]) -> list[Found]:
    found = Found("DSA", api, purpose=Purpose.SIGNATURE)
    sizes = scanner.value(args[2]) if len(args) > 2 else UNKNOWN
    match = _DSA_SIZES.match(sizes.name.rsplit(".", 1)[-1]) if isinstance(sizes, GoRef) else None
    if match:
        found.key_size = int(match.group(1))
    else:
        found.unknown.append("key size")
    return [found]


def _mode(scanner: GoScanner, api: str, args: list[Any]) -> list[Found]:
    mode, iv_position = MODES[api.rsplit(".", 1)[-1]]
    block = scanner.value(args[0]) if args else UNKNOWN
    if args and args[0].type == "identifier":
        scanner.consumed.add(text(args[0]))
    if isinstance(block, Block):
        found = Found(block.algorithm, api, key_size=block.key_size, mode=mode)
        if block.key_size is None:
            found.unknown.append("key size")
    else:
        found = Found("unknown", api, mode=mode, unknown=["algorithm"])
    found.purpose = Purpose.ENCRYPTION
    if iv_position is not None and len(args) > iv_position:
        found.static_iv = isinstance(scanner.value(args[iv_position]), FixedBytes)
    return [found]


def _mlkem(parameter_set: str) -> Handler:
    return _fixed("ML-KEM", parameter_set=parameter_set)


def _math_rand(scanner: GoScanner, api: str, args: list[Any]) -> list[Found]:
    """``math/rand`` is for simulations: an asset only when the names around it say secret
    (the caller checks)."""
    return [Found("math/rand", api)]


HANDLERS: dict[str, Handler] = {
    "crypto/hmac.New": _hash_arg("HMAC", 0),
    "crypto/rc4.NewCipher": _fixed("RC4", Purpose.ENCRYPTION),
    "crypto/rsa.GenerateKey": _rsa_generate(1),
    "crypto/rsa.GenerateMultiPrimeKey": _rsa_generate(2),
    "crypto/rsa.EncryptPKCS1v15": _fixed("RSA", Purpose.ENCRYPTION, padding="PKCS1v15"),
    "crypto/rsa.DecryptPKCS1v15": _fixed("RSA", Purpose.ENCRYPTION, padding="PKCS1v15"),
    "crypto/rsa.EncryptOAEP": _hash_arg("RSAES-OAEP", 0, Purpose.ENCRYPTION),
    "crypto/rsa.DecryptOAEP": _hash_arg("RSAES-OAEP", 0, Purpose.ENCRYPTION),
    "crypto/rsa.SignPKCS1v15": _hash_arg("RSA", 2, Purpose.SIGNATURE),
    "crypto/rsa.VerifyPKCS1v15": _hash_arg("RSA", 1, Purpose.SIGNATURE),
    "crypto/rsa.SignPSS": _hash_arg("RSASSA-PSS", 2, Purpose.SIGNATURE),
    "crypto/rsa.VerifyPSS": _hash_arg("RSASSA-PSS", 1, Purpose.SIGNATURE),
    "crypto/ecdsa.GenerateKey": _ec_generate("ECDSA"),
    "crypto/ecdsa.Sign": _fixed("ECDSA", Purpose.SIGNATURE),
    "crypto/ecdsa.SignASN1": _fixed("ECDSA", Purpose.SIGNATURE),
    "crypto/ecdsa.Verify": _fixed("ECDSA", Purpose.SIGNATURE),
    "crypto/ecdsa.VerifyASN1": _fixed("ECDSA", Purpose.SIGNATURE),
    "crypto/elliptic.GenerateKey": _ec_generate("ECDH"),
    "crypto/ecdh.P256": _ecdh_curve,
    "crypto/ecdh.P384": _ecdh_curve,
    "crypto/ecdh.P521": _ecdh_curve,
    "crypto/ecdh.X25519": _ecdh_curve,
    "crypto/dsa.GenerateParameters": _dsa_parameters,
    "crypto/dsa.Sign": _fixed("DSA", Purpose.SIGNATURE),
    "crypto/mlkem.GenerateKey768": _mlkem("ML-KEM-768"),
    "crypto/mlkem.GenerateKey1024": _mlkem("ML-KEM-1024"),
    "crypto/mlkem.NewEncapsulationKey768": _mlkem("ML-KEM-768"),
    "crypto/mlkem.NewEncapsulationKey1024": _mlkem("ML-KEM-1024"),
    "crypto/rand.Read": _fixed("DRBG", Purpose.SECRET),
    "crypto/rand.Text": _fixed("DRBG", Purpose.SECRET),
    "crypto/pbkdf2.Key": _hash_arg("PBKDF2", 0, Purpose.PASSWORD),
    "crypto/hkdf.Key": _hash_arg("HKDF", 0),
    "crypto/hkdf.Extract": _hash_arg("HKDF", 0),
    X + "pbkdf2.Key": _hash_arg("PBKDF2", 4, Purpose.PASSWORD),
    X + "hkdf.New": _hash_arg("HKDF", 0),
    X + "hkdf.Extract": _hash_arg("HKDF", 0),
    X + "bcrypt.GenerateFromPassword": _fixed("bcrypt", Purpose.PASSWORD),
    X + "bcrypt.CompareHashAndPassword": _fixed("bcrypt", Purpose.PASSWORD),
    X + "scrypt.Key": _fixed("scrypt", Purpose.PASSWORD),
    X + "argon2.IDKey": _fixed("Argon2", Purpose.PASSWORD),
    X + "argon2.Key": _fixed("Argon2", Purpose.PASSWORD),
    X + "chacha20poly1305.New": _fixed("ChaCha20-Poly1305", Purpose.ENCRYPTION, key_size=256),
    X + "chacha20poly1305.NewX": _fixed("ChaCha20-Poly1305", Purpose.ENCRYPTION, key_size=256),
    X + "chacha20.NewUnauthenticatedCipher": _fixed("ChaCha20", Purpose.ENCRYPTION, key_size=256),
    X + "salsa20.XORKeyStream": _fixed("Salsa20", Purpose.ENCRYPTION),
    X + "nacl/secretbox.Seal": _fixed("XSalsa20-Poly1305", Purpose.ENCRYPTION),
    X + "nacl/secretbox.Open": _fixed("XSalsa20-Poly1305", Purpose.ENCRYPTION),
    X + "nacl/box.GenerateKey": _fixed("X25519"),
    X + "nacl/box.Seal": _fixed("X25519"),
    X + "nacl/box.Open": _fixed("X25519"),
    X + "curve25519.X25519": _fixed("X25519"),
    X + "curve25519.ScalarMult": _fixed("X25519"),
    X + "curve25519.ScalarBaseMult": _fixed("X25519"),
}
for _package in ("crypto/ed25519", X + "ed25519"):
    for _member in ("GenerateKey", "NewKeyFromSeed", "Sign"):
        HANDLERS[f"{_package}.{_member}"] = _fixed("Ed25519", Purpose.SIGNATURE)
for _mode_name in MODES:
    HANDLERS[f"crypto/cipher.{_mode_name}"] = _mode
_RAND_MEMBERS = ("Int", "Intn", "Int31", "Int31n", "Int63", "Int63n", "IntN", "Int64", "Int64N")
for _package in ("math/rand", "math/rand/v2"):
    for _member in (*_RAND_MEMBERS, "Uint32", "Uint64", "Read", "Perm", "Shuffle", "N"):
        HANDLERS[f"{_package}.{_member}"] = _math_rand


def _handler(name: str) -> Handler | None:
    if name in HANDLERS:
        return HANDLERS[name]
    if name in HASHES:
        return _hash
    parts = name.split(".")
    if len(parts) == 3 and parts[0] == "crypto" and parts[2] == "New":
        return _crypto_hash_new
    return None


# --- helpers ----------------------------------------------------------------------------------


def _suite(name: str) -> Found | None:
    return suite(name, f"tls.Config.CipherSuites {name}")


def _x509_signature(name: str) -> Found | None:
    if name == "PureEd25519":
        return Found("Ed25519", f"x509 {name}", purpose=Purpose.SIGNATURE)
    match = _SIGNATURE.match(name)
    if match is None:
        return None
    family = match.group("family") or match.group("family2")
    digest = match.group("hash") or match.group("hash2")
    algorithm = {"RSAPSS": "RSASSA-PSS"}.get(family, family)
    return Found(
        algorithm,
        f"x509 {name}",
        hash=algorithm_name(digest) if digest else None,
        purpose=Purpose.SIGNATURE,
    )


def _string(node: Any) -> str | None:
    if node.type == "raw_string_literal":
        return text(node)[1:-1]
    if node.type != "interpreted_string_literal":
        return None
    parts = []
    for child in node.named_children:
        if child.type == "escape_sequence":
            try:
                parts.append(codecs.decode(text(child), "unicode_escape"))
            except (UnicodeDecodeError, ValueError):
                return None
        else:
            parts.append(text(child))
    return "".join(parts)


def _int(literal: str) -> object:
    cleaned = literal.replace("_", "")
    try:
        return int(cleaned, 0)
    except ValueError:
        pass
    try:
        return int(cleaned, 8)
    except ValueError:
        return UNKNOWN


def _args(node: Any) -> list[Any]:
    arguments = node.child_by_field_name("arguments")
    if arguments is None:
        return []
    return [c for c in arguments.named_children if c.type != "comment"]


def _bound_name(node: Any) -> str | None:
    """The first name a call's result is bound to (``block, err := aes.NewCipher(key)``)."""
    parent = node.parent
    if parent is None or parent.type != "expression_list":
        return None
    statement = parent.parent
    if statement is None:
        return None
    if statement.type in ("short_var_declaration", "assignment_statement"):
        left = statement.child_by_field_name("left")
        if left is not None and left.named_children and left.named_children[0].type == "identifier":
            return text(left.named_children[0])
    if statement.type == "var_spec":
        names = statement.children_by_field_name("name")
        return text(names[0]) if names else None
    return None


def _context_names(node: Any) -> list[str]:
    """The names a use is bound to, passed as or set on, out to its statement; then the
    enclosing function's name."""
    names: list[str] = []
    current = node
    while current is not None and current.type != "source_file":
        parent = current.parent
        if parent is None:
            break
        if parent.type in ("short_var_declaration", "assignment_statement"):
            left = parent.child_by_field_name("left")
            if left is not None:
                names.extend(text(c).rsplit(".", 1)[-1] for c in left.named_children)
        elif parent.type == "var_spec":
            names.extend(text(c) for c in parent.children_by_field_name("name"))
        elif parent.type == "keyed_element" and parent.named_children:
            names.append(text(parent.named_children[0]))
        elif parent.type in ("function_declaration", "method_declaration"):
            ident = parent.child_by_field_name("name")
            if ident is not None:
                names.append(text(ident))
            break
        elif parent.type == "return_statement":
            pass
        current = parent
    return names


def scan_go(data: bytes) -> ScanResult:
    try:
        return GoScanner(data).run()
    except RecursionError:
        return ScanResult([], "expressions nested too deeply for the scanner")
