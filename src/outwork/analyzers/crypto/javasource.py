"""Java source, by tree-sitter syntax tree: the JCA/JCE factories (``Cipher``, ``MessageDigest``,
``Mac``, ``Signature``, ``KeyPairGenerator``, ``KeyGenerator``, ``KeyAgreement``,
``SecretKeyFactory``, ``KeyFactory``, ``SSLContext``, ``SecureRandom``) and BouncyCastle's
lightweight API (engines, digests, modes, signers, key pair generators, password hashing).

Class names resolve through the file's imports (explicit, wildcard, or written in full); a
factory bound to a name is followed to its ``initialize``/``init`` call for the key size or
curve, and a cipher to the IV its ``init`` receives; string constants, concatenations and
fields bound once in the file are folded. Java's defaults are recorded as what they are: a
``Cipher.getInstance("AES")`` is ECB, a ``KeyPairGenerator`` never initialised has the
provider's key size (unknown). Nothing is run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import tree_sitter
import tree_sitter_java

from outwork.analyzers.crypto import apis
from outwork.analyzers.crypto.model import Asset, Purpose
from outwork.analyzers.crypto.policy import algorithm_name, curve_name
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

#: The JCA/JCE factory classes by package.
JCA_CLASSES = {
    "javax.crypto": {"Cipher", "Mac", "KeyGenerator", "KeyAgreement", "SecretKeyFactory"},
    "java.security": {
        "MessageDigest",
        "Signature",
        "KeyPairGenerator",
        "KeyFactory",
        "SecureRandom",
    },
    "javax.net.ssl": {"SSLContext"},
    "javax.crypto.spec": {
        "IvParameterSpec",
        "GCMParameterSpec",
        "SecretKeySpec",
        "PBEKeySpec",
    },
    "java.security.spec": {"ECGenParameterSpec", "RSAKeyGenParameterSpec", "NamedParameterSpec"},
    "java.util": {"Random"},
}
_PACKAGE_OF = {name: package for package, names in JCA_CLASSES.items() for name in names}
BC = "org.bouncycastle."
#: ``KeyPairGenerator``/``KeyGenerator``/``Signature`` names that are not the table's.
JCA_NAMES = {
    "ec": "ECDSA",
    "diffiehellman": "DH",
    "xdh": "X25519",
    "eddsa": "Ed25519",
    "kyber": "ML-KEM",
    "dilithium": "ML-DSA",
    "sphincsplus": "SLH-DSA",
    "arcfour": "RC4",
    "tripledes": "3DES",
    "desede": "3DES",
}
#: Key types whose size is fixed by their name: no ``initialize`` is needed.
FIXED_SIZE = frozenset({"Ed25519", "Ed448", "X25519", "X448", "ML-KEM", "ML-DSA", "SLH-DSA"})
#: Block ciphers: a transformation without a mode gets the provider's default, ECB.
BLOCK_CIPHERS = frozenset(
    {"AES", "DES", "3DES", "Blowfish", "RC2", "CAST5", "IDEA", "SEED", "Camellia", "ARIA", "SM4"}
)
#: ``SSLContext.getInstance`` names: "SSL" and "TLS" are the provider's default versions (SunJSSE
#: treats "SSL" as "TLS"), a versioned name caps the context at that version.
SSL_PROTOCOLS = {
    "sslv3": "SSLv3",
    "sslv2": "SSLv2",
    "tlsv1": "TLSv1.0",
    "tlsv1.1": "TLSv1.1",
    "tlsv1.2": "TLSv1.2",
    "tlsv1.3": "TLSv1.3",
}
#: BouncyCastle engines whose class name is not the table's algorithm name.
BC_ENGINES = {
    "AESFast": "AES",
    "AESLight": "AES",
    "DESede": "3DES",
    "ChaCha7539": "ChaCha20",
    "ChaCha": "ChaCha20",
    "XSalsa20": "Salsa20",
    "RSABlinded": "RSA",
    "CAST5": "CAST5",
}
BC_MODES = {
    "CBCBlockCipher": "CBC",
    "GCMBlockCipher": "GCM",
    "SICBlockCipher": "CTR",
    "CFBBlockCipher": "CFB",
    "OFBBlockCipher": "OFB",
    "CCMBlockCipher": "CCM",
    "EAXBlockCipher": "EAX",
    "GCMSIVBlockCipher": "GCM-SIV",
}
#: Buffered wrappers: given a bare engine, they run it block by block (ECB).
BC_BUFFERED = frozenset(
    {"BufferedBlockCipher", "PaddedBufferedBlockCipher", "DefaultBufferedBlockCipher"}
)
BC_KEY_GENERATORS = {
    "RSAKeyPairGenerator": "RSA",
    "ECKeyPairGenerator": "ECDSA",
    "DSAKeyPairGenerator": "DSA",
    "DHKeyPairGenerator": "DH",
    "Ed25519KeyPairGenerator": "Ed25519",
    "Ed448KeyPairGenerator": "Ed448",
    "X25519KeyPairGenerator": "X25519",
    "X448KeyPairGenerator": "X448",
    "MLKEMKeyPairGenerator": "ML-KEM",
    "KyberKeyPairGenerator": "ML-KEM",
    "MLDSAKeyPairGenerator": "ML-DSA",
    "DilithiumKeyPairGenerator": "ML-DSA",
    "SLHDSAKeyPairGenerator": "SLH-DSA",
    "SPHINCSPlusKeyPairGenerator": "SLH-DSA",
}
BC_SIGNERS = {
    "Ed25519Signer": "Ed25519",
    "Ed448Signer": "Ed448",
    "ECDSASigner": "ECDSA",
    "DSASigner": "DSA",
    "RSADigestSigner": "RSA",
    "PSSSigner": "RSASSA-PSS",
    "MLDSASigner": "ML-DSA",
}
#: BouncyCastle classes that take a digest, and where: the digest they consume is theirs.
BC_WITH_DIGEST = {
    "HMac": ("HMAC", 0, Purpose.INTEGRITY),
    "RSADigestSigner": ("RSA", 0, Purpose.SIGNATURE),
    "PSSSigner": ("RSASSA-PSS", 1, Purpose.SIGNATURE),
    "PKCS5S2ParametersGenerator": ("PBKDF2", 0, Purpose.PASSWORD),
    "HKDFBytesGenerator": ("HKDF", 0, None),
}
#: Methods that fill a byte array they are given (an IV filled so is not static).
FILLERS = frozenset({"nextBytes", "read", "readFully", "arraycopy", "get", "generateSeed"})
_RANDOM_METHODS = frozenset(
    {"nextInt", "nextLong", "nextBytes", "nextDouble", "nextFloat", "ints", "longs"}
)
_SIGNATURE_NAME = re.compile(
    r"^(?P<hash>[\w\-/]+?)with(?P<family>RSA|ECDSA|DSA|PLAIN-ECDSA)(?P<pss>/PSS|andMGF1)?$", re.I
)


#: Where a local or a field is in scope: its method, constructor, lambda or initializer, and the
#: class body for fields.
_SCOPES = frozenset(
    {
        "method_declaration",
        "constructor_declaration",
        "lambda_expression",
        "static_initializer",
        "class_body",
    }
)
_DECLARATIONS = frozenset(
    {"class_declaration", "interface_declaration", "enum_declaration", "record_declaration"}
)


@cache
def _parser() -> Any:
    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_java.language()))


@dataclass(frozen=True, slots=True)
class Instance:
    """The object a factory call or a constructor made, by the key of its record."""

    key: tuple[int, int]
    kind: str


@dataclass(frozen=True, slots=True)
class Zeroed:
    """``new byte[16]``: zeros unless the code fills them (the name is checked for fillers)."""

    size: int | None


@dataclass(frozen=True, slots=True)
class Spec:
    """A parameter object: ``new IvParameterSpec(iv)``, ``new ECGenParameterSpec("secp256r1")``,
    ``new RSAKeyGenParameterSpec(1024, F4)``."""

    kind: str
    static: bool = False
    curve: str | None = None
    key_size: int | None = None


@dataclass(slots=True)
class Record:
    node: Any
    found: Found
    kind: str
    emitted: bool = True


class JavaScanner:
    def __init__(self, data: bytes) -> None:
        self.tree = _parser().parse(data)
        self.imports: dict[str, str] = {}
        self.wildcards: set[str] = set()
        self.bindings = Bindings(_SCOPES)
        self.records: dict[tuple[int, int], Record] = {}
        self.filled: set[str] = set()
        #: Classes, interfaces, enums and records the file declares, with the bytes where they
        #: are in scope (a nested class: its enclosing class; a top-level one: the file).
        self.declared: dict[str, list[tuple[int, int]]] = {}
        self.assets: list[Asset] = []

    def run(self) -> ScanResult:
        nodes = walk(self.tree.root_node)
        if nodes is None:
            return stopped()
        for node in nodes:
            if node.type == "import_declaration":
                self._import(node)
            elif node.type in _DECLARATIONS:
                name = node.child_by_field_name("name")
                if name is not None:
                    self._declare(node, text(name))
            elif node.type == "method_invocation":
                name = node.child_by_field_name("name")
                if name is not None and text(name) in FILLERS:
                    for arg in _args(node):
                        if arg.type == "identifier":
                            self.filled.add(text(arg))
        for node in nodes:
            self._binding(node)
        for node in nodes:
            if node.type in ("method_invocation", "object_creation_expression"):
                self.value(node)
                if node.type == "method_invocation":
                    self._method(node)
        for record in self.records.values():
            if record.emitted:
                self._emit(record.node, record.found)
        self.assets.sort(key=lambda a: (a.line or 0, a.column or 0))
        return ScanResult(self.assets)

    def _binding(self, node: Any) -> None:
        """Parameters (the caller's value), declarations and plain assignments."""
        if node.type in ("formal_parameter", "spread_parameter", "catch_formal_parameter"):
            name = node.child_by_field_name("name")
            if name is not None:
                self.bindings.bind(text(name), UNKNOWN, node)
        elif node.type == "variable_declarator":
            target, value = node.child_by_field_name("name"), node.child_by_field_name("value")
            if target is not None:
                evaluated = self.value(value) if value is not None else UNKNOWN
                self.bindings.bind(text(target), evaluated, node)
        elif node.type == "assignment_expression":
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            operator = node.child_by_field_name("operator")
            if left is not None and left.type == "identifier" and right is not None:
                plain = operator is not None and text(operator) == "="
                self.bindings.bind(text(left), self.value(right) if plain else UNKNOWN, node)

    # --- names ------------------------------------------------------------------------------

    def _import(self, node: Any) -> None:
        if any(c.type == "static" or text(c) == "static" for c in node.children):
            return
        names = [c for c in node.named_children if c.type in ("scoped_identifier", "identifier")]
        if not names:
            return
        path = text(names[0])
        if any(c.type == "asterisk" for c in node.children):
            self.wildcards.add(path)
        else:
            self.imports[path.rsplit(".", 1)[-1]] = path

    def _declare(self, node: Any, name: str) -> None:
        scope = node.parent
        while scope is not None and scope.type not in _DECLARATIONS:
            scope = scope.parent
        where = scope if scope is not None else self.tree.root_node
        self.declared.setdefault(name, []).append((where.start_byte, where.end_byte))

    def _shadowed(self, name: str, node: Any) -> bool:
        return any(start <= node.start_byte < end for start, end in self.declared.get(name, ()))

    def resolve(self, node: Any) -> str | None:
        """The fully qualified class a type or expression names, when it names one."""
        written = re.sub(r"\s+", "", text(node))
        if node.type in ("generic_type",) and node.named_children:
            return self.resolve(node.named_children[0])
        if "." in written:
            if written.startswith(("java.", "javax.", BC)):
                return written
            head, _, rest = written.partition(".")
            return f"{self.imports[head]}.{rest}" if head in self.imports else None
        if self.bindings.has(written, node) or self._shadowed(written.split(".")[0], node):
            return None
        if written in self.imports:
            return self.imports[written]
        package = _PACKAGE_OF.get(written)
        if package is not None and package in self.wildcards:
            return f"{package}.{written}"
        for wildcard in self.wildcards:
            if wildcard.startswith(BC):
                return f"{wildcard}.{written}"
        return None

    # --- values -----------------------------------------------------------------------------

    def value(self, node: Any) -> object:
        kind = node.type
        if kind == "string_literal":
            out = _string(node)
            return out if out is not None else UNKNOWN
        if kind in ("decimal_integer_literal", "hex_integer_literal"):
            try:
                return int(text(node).replace("_", "").rstrip("lL"), 0)
            except ValueError:
                return UNKNOWN
        if kind == "identifier":
            return self.bindings.get(text(node), node)
        if kind == "binary_expression":
            return self._binary(node)
        if kind == "parenthesized_expression" and node.named_children:
            return self.value(node.named_children[0])
        if kind == "array_creation_expression":
            return self._array(node)
        if kind == "array_initializer":
            return [self.value(c) for c in node.named_children]
        if kind == "field_access":
            return self._field(node)
        if kind == "method_invocation":
            return self._invocation(node)
        if kind == "object_creation_expression":
            return self._creation(node)
        return UNKNOWN

    def _binary(self, node: Any) -> object:
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        operator = node.child_by_field_name("operator")
        if left is None or right is None or operator is None:
            return UNKNOWN
        a, b = self.value(left), self.value(right)
        op = text(operator)
        if op == "+" and isinstance(a, str) and isinstance(b, str | int):
            return a + str(b)
        if isinstance(a, int) and isinstance(b, int) and op in ("+", "*", "-"):
            result: int = {"+": a + b, "*": a * b, "-": a - b}[op]
            return result
        return UNKNOWN

    def _array(self, node: Any) -> object:
        element = node.child_by_field_name("type")
        initializer = node.child_by_field_name("value")
        if initializer is not None:
            values = self.value(initializer)
            if element is not None and text(element) == "byte" and isinstance(values, list):
                return FixedBytes(len(values))
            return values
        dimensions = [c for c in node.named_children if c.type == "dimensions_expr"]
        if element is not None and text(element) == "byte" and len(dimensions) == 1:
            size = (
                self.value(dimensions[0].named_children[0])
                if dimensions[0].named_children
                else None
            )
            return Zeroed(size if isinstance(size, int) else None)
        return UNKNOWN

    def _field(self, node: Any) -> object:
        """``NamedParameterSpec.X25519``, ``MLKEMParameterSpec.ml_kem_768``: named parameters."""
        field = node.child_by_field_name("field")
        return Spec("named", curve=text(field)) if field is not None else UNKNOWN

    def _invocation(self, node: Any) -> object:
        key = _key(node)
        if key in self.records:
            return Instance(key, self.records[key].kind)
        obj, name = node.child_by_field_name("object"), node.child_by_field_name("name")
        if name is None:
            return UNKNOWN
        method = text(name)
        if obj is not None and obj.type == "string_literal" and method == "getBytes":
            literal = _string(obj)
            return FixedBytes(len(literal.encode()) if literal is not None else None)
        if obj is None:
            return UNKNOWN
        cls = self.resolve(obj)
        if cls is None:
            return UNKNOWN
        simple = cls.rsplit(".", 1)[-1]
        if method == "getInstance" and _PACKAGE_OF.get(simple) == cls.rsplit(".", 1)[0]:
            found = self._factory(simple, _args(node))
            if found is None:
                return UNKNOWN
            self.records[key] = Record(node, found, simple)
            return Instance(key, simple)
        if method == "newInstance" and cls.startswith(BC):
            return self._bouncycastle(node, cls, _args(node))
        return UNKNOWN

    def _creation(self, node: Any) -> object:
        key = _key(node)
        if key in self.records:
            return Instance(key, self.records[key].kind)
        type_node = node.child_by_field_name("type")
        cls = self.resolve(type_node) if type_node is not None else None
        if cls is None:
            return UNKNOWN
        args = _args(node)
        simple = cls.rsplit(".", 1)[-1]
        if cls.startswith(BC):
            return self._bouncycastle(node, cls, args)
        if simple in ("IvParameterSpec", "GCMParameterSpec"):
            position = 1 if simple == "GCMParameterSpec" else 0
            return Spec(
                "iv", static=self._static(args[position]) if len(args) > position else False
            )
        if simple == "ECGenParameterSpec":
            curve = self.value(args[0]) if args else UNKNOWN
            return Spec("curve", curve=curve if isinstance(curve, str) else None)
        if simple == "RSAKeyGenParameterSpec":
            size = self.value(args[0]) if args else UNKNOWN
            return Spec("rsa", key_size=size if isinstance(size, int) else None)
        if simple == "SecretKeySpec" and len(args) >= 2:
            algorithm = self.value(args[1])
            if isinstance(algorithm, str):
                if algorithm.lower().startswith("hmac"):
                    found = _mac(algorithm, "SecretKeySpec")
                else:
                    found = _transformation(algorithm, "SecretKeySpec")
                    found.mode, found.padding, found.purpose_reason = None, None, ""
                self.records[key] = Record(node, found, simple)
                return Instance(key, simple)
        if simple == "SecureRandom":
            self.records[key] = Record(
                node, Found("DRBG", "new SecureRandom", purpose=Purpose.SECRET), simple
            )
            return Instance(key, simple)
        if simple == "Random" and cls == "java.util.Random":
            self.records[key] = Record(
                node, Found("java.util.Random", "new Random"), simple, emitted=False
            )
            return Instance(key, simple)
        return UNKNOWN

    def _static(self, node: Any) -> bool:
        value = self.value(node)
        if isinstance(value, FixedBytes):
            return True
        return isinstance(value, Zeroed) and not (
            node.type == "identifier" and text(node) in self.filled
        )

    # --- factories ----------------------------------------------------------------------------

    def _factory(self, cls: str, args: list[Any]) -> Found | None:
        name = self.value(args[0]) if args else UNKNOWN
        api = f"{cls}.getInstance"
        if not isinstance(name, str):
            if cls in ("SecureRandom",):
                return Found("DRBG", api, purpose=Purpose.SECRET)
            return Found("unknown", api, unknown=["algorithm"])
        if cls == "Cipher":
            return _transformation(name, api)
        if cls == "MessageDigest":
            return Found(algorithm_name(name) or "unknown", api)
        if cls == "Mac":
            return _mac(name, api)
        if cls == "Signature":
            return _signature(name, api)
        if cls == "SSLContext":
            version = SSL_PROTOCOLS.get(name.lower())
            return Found("TLS", api, version=version)
        if cls == "SecureRandom":
            return Found("DRBG", api, purpose=Purpose.SECRET)
        if cls == "SecretKeyFactory":
            return _secret_key_factory(name, api)
        if cls == "KeyGenerator" and name.lower().startswith("hmac"):
            return _mac(name, api)
        algorithm = _algorithm(name)
        found = Found(algorithm, api)
        upper = name.upper()
        for prefix in ("ML-KEM-", "ML-DSA-"):
            if upper.startswith(prefix):
                found.parameter_set = upper
        if cls in ("KeyPairGenerator", "KeyGenerator") and algorithm not in FIXED_SIZE:
            found.unknown.append("key size")
        if cls == "KeyFactory":
            found.unknown.append("key size")
        return found

    def _method(self, node: Any) -> None:
        """``kpg.initialize(1024)``, ``cipher.init(mode, key, iv)``, ``setEnabledProtocols``,
        ``Math.random()``/``random.nextInt()`` for a secret."""
        obj, name = node.child_by_field_name("object"), node.child_by_field_name("name")
        if name is None:
            return
        method, args = text(name), _args(node)
        if method in ("setEnabledProtocols", "setProtocols") and args:
            self._protocols(node, args[0])
            return
        if method in ("setEnabledCipherSuites", "setCipherSuites") and args:
            self._suites(node, args[0])
            return
        if obj is None:
            return
        if method == "random" and text(obj) == "Math":
            self._secret_random(node, "Math.random")
            return
        target = self.value(obj)
        if not isinstance(target, Instance):
            return
        record = self.records[target.key]
        if target.kind == "Random" and method in _RANDOM_METHODS:
            self._secret_random(node, f"Random.{method}")
        elif (
            method in ("initialize", "init")
            and args
            and target.kind
            in (
                "KeyPairGenerator",
                "KeyGenerator",
                *BC_KEY_GENERATORS,
            )
        ):
            self._initialize(record.found, args[0])
        elif method == "init" and target.kind == "Cipher" and len(args) >= 3:
            spec = self.value(args[2])
            if isinstance(spec, Spec) and spec.kind == "iv" and spec.static:
                record.found.static_iv = True

    def _initialize(self, found: Found, arg: Any) -> None:
        value = self.value(arg)
        if isinstance(value, int):
            found.key_size = value
        elif isinstance(value, Spec) and value.kind == "curve" and value.curve:
            found.curve = curve_name(value.curve) or value.curve
        elif isinstance(value, Spec) and value.kind == "rsa" and value.key_size:
            found.key_size = value.key_size
        elif isinstance(value, Spec) and value.kind == "named" and value.curve:
            named = value.curve.upper().replace("_", "-")
            if named.startswith(("ML-KEM-", "ML-DSA-")):
                found.parameter_set = named
            found.curve = curve_name(value.curve)
        elif isinstance(value, Spec) and value.kind == "bc-keygen":
            found.key_size = value.key_size
            if value.key_size is not None:
                found.unknown = [u for u in found.unknown if u != "key size"]
            return
        else:
            return
        found.unknown = [u for u in found.unknown if u != "key size"]

    def _protocols(self, node: Any, arg: Any) -> None:
        values = self.value(arg)
        for value in values if isinstance(values, list) else []:
            if isinstance(value, str) and value.lower() in SSL_PROTOCOLS:
                version = SSL_PROTOCOLS[value.lower()]
                self._emit(node, Found("TLS", "setEnabledProtocols", version=version))

    def _suites(self, node: Any, arg: Any) -> None:
        values = self.value(arg)
        for value in values if isinstance(values, list) else []:
            found = (
                suite(value, f"setEnabledCipherSuites {value}") if isinstance(value, str) else None
            )
            if found is not None:
                self._emit(node, found)

    def _secret_random(self, node: Any, api: str) -> None:
        named = name_purpose(_context_names(node))
        if named is not None and named[0] in (Purpose.SECRET, Purpose.PASSWORD):
            found = Found("java.util.Random", api, purpose=Purpose.SECRET, purpose_reason=named[1])
            self._emit(node, found)

    # --- BouncyCastle -------------------------------------------------------------------------

    def _bouncycastle(self, node: Any, cls: str, args: list[Any]) -> object:
        key = _key(node)
        simple = cls.rsplit(".", 1)[-1]
        api = f"BouncyCastle {simple}"
        found: Found | None = None
        if simple == "RSAKeyGenerationParameters" and len(args) >= 3:
            size = self.value(args[2])
            return Spec("bc-keygen", key_size=size if isinstance(size, int) else None)
        if simple.endswith("Engine"):
            prefix = simple.removesuffix("Engine")
            algorithm = BC_ENGINES.get(prefix) or algorithm_name(prefix)
            if algorithm is None:
                return UNKNOWN
            found = Found(algorithm, api)
        elif simple.endswith("Digest") and simple not in BC_WITH_DIGEST:
            prefix = simple.removesuffix("Digest")
            algorithm = algorithm_name(prefix)
            if prefix == "SHA3" and args:
                bits = self.value(args[0])
                algorithm = f"SHA3-{bits}" if isinstance(bits, int) else "SHA3-256"
            if algorithm is None:
                return UNKNOWN
            found = Found(algorithm, api)
        elif simple in BC_MODES or simple in BC_BUFFERED:
            found = self._bc_mode(simple, api, args)
        elif simple in BC_WITH_DIGEST:
            algorithm, position, purpose = BC_WITH_DIGEST[simple]
            found = Found(algorithm, api, purpose=purpose)
            digest = self._consume(args[position]) if len(args) > position else None
            if digest is not None:
                found.hash = digest.algorithm
            elif simple == "PKCS5S2ParametersGenerator" and not args:
                found.hash = "SHA-1"  # its documented default digest
            else:
                found.unknown.append("hash")
        elif simple in BC_KEY_GENERATORS:
            algorithm = BC_KEY_GENERATORS[simple]
            found = Found(algorithm, api)
            if algorithm not in FIXED_SIZE:
                found.unknown.append("key size")
        elif simple in BC_SIGNERS:
            found = Found(BC_SIGNERS[simple], api, purpose=Purpose.SIGNATURE)
        elif simple in ("SCrypt", "Argon2BytesGenerator", "BCrypt", "OpenBSDBCrypt"):
            algorithm = {"SCrypt": "scrypt", "Argon2BytesGenerator": "Argon2"}.get(simple, "bcrypt")
            found = Found(algorithm, api, purpose=Purpose.PASSWORD)
        if found is None:
            return UNKNOWN
        self.records[key] = Record(node, found, simple)
        return Instance(key, simple)

    def _bc_mode(self, simple: str, api: str, args: list[Any]) -> Found | None:
        inner = self._consume(args[0]) if args else None
        if simple in BC_BUFFERED:
            if inner is None or inner.mode is not None:
                # wraps a mode (which speaks for itself) or something unknown
                if inner is not None:
                    self._restore(args[0])
                return None
            return Found(
                inner.algorithm,
                api,
                mode="ECB",
                purpose=Purpose.ENCRYPTION,
                purpose_reason="a bare engine buffered block by block (ECB)",
            )
        mode = BC_MODES[simple]
        if inner is None:
            return Found(
                "unknown", api, mode=mode, unknown=["algorithm"], purpose=Purpose.ENCRYPTION
            )
        return Found(
            inner.algorithm, api, key_size=inner.key_size, mode=mode, purpose=Purpose.ENCRYPTION
        )

    def _consume(self, node: Any) -> Found | None:
        """The BouncyCastle object an argument is (a digest, an engine, a mode), which the
        wrapper that receives it now speaks for."""
        value = self.value(node)
        if not isinstance(value, Instance):
            return None
        record = self.records[value.key]
        record.emitted = False
        return record.found

    def _restore(self, node: Any) -> None:
        value = self.value(node)
        if isinstance(value, Instance):
            self.records[value.key].emitted = True

    def _emit(self, node: Any, found: Found) -> None:
        self.assets.append(make_asset(node, found, _context_names(node)))


# --- names ------------------------------------------------------------------------------------


def _algorithm(name: str) -> str:
    lower = name.lower()
    if lower in JCA_NAMES:
        return JCA_NAMES[lower]
    found = algorithm_name(name)
    if found:
        return found
    for prefix in ("ML-KEM", "ML-DSA", "SLH-DSA"):
        if name.upper().startswith(prefix):
            return prefix
    return "unknown"


def _transformation(name: str, api: str) -> Found:
    """``AES/GCM/NoPadding``, ``RSA/ECB/OAEPWithSHA-256AndMGF1Padding``, ``DES``,
    ``PBEWithMD5AndDES``: the algorithm, key size, mode, padding and hash."""
    parts = name.split("/")
    head = parts[0]
    mode = parts[1].upper() if len(parts) > 1 else None
    padding = parts[2] if len(parts) > 2 else None
    size_match = re.match(r"^(AES)_(\d+)$", head, re.I)
    key_size = int(size_match.group(2)) if size_match else None
    if size_match:
        head = size_match.group(1)
    pbe = re.match(r"^PBEWith(?:Hmac)?(\w+?)And(\w+?)(?:_(\d+))?$", head, re.I)
    if pbe:
        algorithm = _algorithm(pbe.group(2))
        found = Found(algorithm, api, hash=algorithm_name(pbe.group(1)), purpose=Purpose.PASSWORD)
        found.key_size = int(pbe.group(3)) if pbe.group(3) else None
        found.mode = "CBC" if algorithm in BLOCK_CIPHERS else None
        return found
    algorithm = _algorithm(head)
    found = Found(algorithm, api, key_size=key_size, padding=padding)
    if algorithm == "RSA":
        found.mode = None
        if padding and padding.upper().startswith("OAEP"):
            found.algorithm = "RSAES-OAEP"
            digest = re.match(r"^OAEPWith(.+?)AndMGF1Padding$", padding, re.I)
            found.hash = algorithm_name(digest.group(1)) if digest else "SHA-1"
        else:
            found.padding = padding or "PKCS1Padding"
        return found
    if algorithm in BLOCK_CIPHERS:
        if mode is None:
            found.mode = "ECB"
            found.padding = "PKCS5Padding"
            found.purpose_reason = f'"{name}" without a mode: the provider default is ECB'
            found.purpose = Purpose.ENCRYPTION
        else:
            found.mode = mode
    return found


def _mac(name: str, api: str) -> Found:
    lower = name.lower()
    if lower.startswith("hmac"):
        return Found("HMAC", api, hash=algorithm_name(name[4:]))
    return Found(algorithm_name(name) or "unknown", api)


def _signature(name: str, api: str) -> Found:
    match = _SIGNATURE_NAME.match(name)
    if match:
        family = match.group("family").upper().removeprefix("PLAIN-")
        algorithm = "RSASSA-PSS" if match.group("pss") else family
        digest = match.group("hash")
        hash_name = None if digest.upper() == "NONE" else algorithm_name(digest)
        return Found(algorithm, api, hash=hash_name, purpose=Purpose.SIGNATURE)
    if name.upper() in apis.JOSE:
        family, digest, curve = apis.JOSE[name.upper()]
        return Found(family, api, hash=digest, curve=curve, purpose=Purpose.SIGNATURE)
    return Found(_algorithm(name), api, purpose=Purpose.SIGNATURE)


def _secret_key_factory(name: str, api: str) -> Found:
    pbkdf2 = re.match(r"^PBKDF2WithHmac(\w+)$", name, re.I)
    if pbkdf2:
        return Found("PBKDF2", api, hash=algorithm_name(pbkdf2.group(1)), purpose=Purpose.PASSWORD)
    found = _transformation(name, api)
    found.mode = None if not name.upper().startswith("PBE") else found.mode
    return found


# --- helpers ----------------------------------------------------------------------------------


def _key(node: Any) -> tuple[int, int]:
    return (node.start_byte, node.end_byte)


def _string(node: Any) -> str | None:
    parts = []
    for child in node.named_children:
        if child.type == "string_fragment":
            parts.append(text(child))
        elif child.type == "escape_sequence":
            try:
                parts.append(text(child).encode().decode("unicode_escape"))
            except UnicodeDecodeError:
                return None
        else:
            return None
    return "".join(parts)


def _args(node: Any) -> list[Any]:
    arguments = node.child_by_field_name("arguments")
    if arguments is None:
        return []
    return [
        c
        for c in arguments.named_children
        if c.type not in ("comment", "line_comment", "block_comment")
    ]


def _context_names(node: Any) -> list[str]:
    names: list[str] = []
    current = node
    while current is not None:
        parent = current.parent
        if parent is None:
            break
        if parent.type == "variable_declarator":
            target = parent.child_by_field_name("name")
            if target is not None:
                names.append(text(target))
        elif parent.type == "assignment_expression":
            left = parent.child_by_field_name("left")
            if left is not None:
                names.append(text(left).rsplit(".", 1)[-1])
        elif parent.type in ("method_declaration", "constructor_declaration"):
            ident = parent.child_by_field_name("name")
            if ident is not None:
                names.append(text(ident))
            break
        current = parent
    return names


def scan_java(data: bytes) -> ScanResult:
    try:
        return JavaScanner(data).run()
    except RecursionError:
        return ScanResult([], "expressions nested too deeply for the scanner")
