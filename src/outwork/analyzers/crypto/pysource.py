"""Python source, by syntax tree: which cryptography a module uses, with what parameters.

Imports are resolved to qualified names and constants that flow locally (a module constant, a
name assigned once in the function, ``b"\\0" * 16``, ``os.urandom(32)``) are folded with
:class:`outwork.core.fold.Folder`, so ``rsa.generate_private_key(65537, KEY_BITS)`` reads 1024
when ``KEY_BITS = 1024``. A parameter the code gives but the folder cannot resolve (a function
argument, a value read at run time) is recorded as unknown, never guessed. Nothing is imported or
run.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from outwork.analyzers.crypto import apis
from outwork.analyzers.crypto.apis import Api, Arg
from outwork.analyzers.crypto.model import Asset, AssetType, Purpose
from outwork.analyzers.crypto.policy import algorithm_name, curve_name, row
from outwork.core.fold import UNKNOWN, Budget, Folder, Ref

#: Folding steps for one module: constants that flow locally are cheap; hostile code is not.
FOLD_STEPS = 200_000
#: Nodes of one module walked before the scan stops (and says so).
MAX_NODES = 2_000_000


@dataclass(frozen=True, slots=True)
class Built:
    """What a recognised call evaluates to: a partial asset, or a mode, curve or key for the
    call it is an argument of."""

    api: str
    role: str
    algorithm: str | None = None
    key_size: int | None = None
    mode: str | None = None
    padding: str | None = None
    curve: str | None = None
    hash: str | None = None
    version: str | None = None
    static_iv: bool = False
    unknown: tuple[str, ...] = ()
    purpose: Purpose | None = None
    parameter_set: str | None = None


@dataclass(frozen=True, slots=True)
class RandomBytes:
    """``os.urandom(n)`` and its kin: fresh random bytes of a known size."""

    size: int


@dataclass(slots=True)
class ScanResult:
    assets: list[Asset] = field(default_factory=list)
    #: Why the scan stopped early, when it did.
    stopped: str | None = None


_SEGMENT_RE = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")
_PASSWORD_WORDS = frozenset({"password", "passwd", "pwd", "passphrase", "pass", "credential"})
_CREDENTIAL_WORDS = frozenset(
    {"secret", "token", "nonce", "salt", "otp", "csrf", "apikey", "iv", "pin", "auth"}
)
_KEY_QUALIFIERS = frozenset(
    {
        "api",
        "secret",
        "private",
        "aes",
        "encryption",
        "crypt",
        "signing",
        "session",
        "access",
        "hmac",
        "cipher",
        "master",
        "symmetric",
    }
)
_SIGNATURE_WORDS = frozenset({"sign", "signature", "signed", "signer", "certificate", "cert"})
_CACHE_WORDS = frozenset({"cache", "cached", "etag", "memo", "memoize", "lru", "bucket", "shard"})
#: Words around a value named only ``token`` that say what kind of token it is when it is none
#: that authenticates: a MIME boundary, a delimiter, a back-off's jitter.
_NOT_SECRET_TOKEN_WORDS = frozenset(
    {"boundary", "delimiter", "separator", "jitter", "backoff", "shuffle", "sample"}
)


def segments(name: str) -> list[str]:
    """``make_AuthToken2`` -> ``['make', 'auth', 'token2'...]`` in lower case."""
    return [s.lower() for part in name.split("_") for s in _SEGMENT_RE.findall(part)]


#: An import statement's module names (``import a.b as c, d``; ``from a.b import c``).
#: A statement starts a line or follows ``;`` or a compound header's ``:``; a backslash
#: continues the line.
_IMPORT_RE = re.compile(
    rb"(?:^|[;:])[ \t]*(?:import(?:[ \t]|\\\r?\n)+(?P<names>(?:[\w. \t,]|\\\r?\n)+)"
    rb"|from(?:[ \t]|\\\r?\n)+(?P<module>[\w.]+)(?:[ \t]|\\\r?\n)+import\b)",
    re.M,
)


@cache
def known_roots() -> frozenset[str]:
    """The top-level modules whose imports can lead the scanner to an API it knows: names
    resolve only through import statements, so a module importing none of them has no asset."""
    names = [*apis.CALLS, *(prefix for prefix, _, _ in apis.FAMILIES), *apis.TLS_CONSTANTS]
    names += [*apis.RANDOM_BYTES, "random.", *(prefix for prefix, _ in apis.PREFIXES)]
    return frozenset(name.split(".")[0] for name in names)


def imports_known_module(data: bytes) -> bool:
    """Whether a module's import statements name a module the scanner knows (``os`` only
    where ``urandom`` is named: its other functions are no cryptography)."""
    roots = known_roots()
    for match in _IMPORT_RE.finditer(data):
        if match.group("module"):
            modules = [match.group("module")]
        else:
            names = re.sub(rb"\\\r?\n", b" ", match.group("names"))
            modules = [part.split()[0] for part in names.split(b",") if part.split()]
        for module in modules:
            root = module.split(b".")[0].decode("ascii", "replace")
            if root in roots and (root != "os" or b"urandom" in data):
                return True
    return False


def name_purpose(names: list[str]) -> tuple[Purpose, str] | None:
    """The purpose identifiers around a use say, if any: ``password_hash`` is password storage,
    ``cache_key`` is not security."""
    for name in names:
        words = segments(name)
        wordset = set(words)
        if wordset & _PASSWORD_WORDS:
            return Purpose.PASSWORD, f"named {name}"
        if wordset & _SIGNATURE_WORDS:
            # a name says "signature" for fingerprints too: integrity, not a signing API
            return Purpose.INTEGRITY, f"named {name}"
        if wordset & _CREDENTIAL_WORDS or ("key" in wordset and wordset & _KEY_QUALIFIERS):
            if wordset & _CREDENTIAL_WORDS == {"token"} and not wordset & _KEY_QUALIFIERS:
                other = next((n for n in names if set(segments(n)) & _NOT_SECRET_TOKEN_WORDS), "")
                if other:  # email.generator's boundary: token = random.randrange(sys.maxsize)
                    return Purpose.NON_SECURITY, f"a token of {other}, not a credential"
            return Purpose.SECRET, f"named {name}"
    for name in names:
        if set(segments(name)) & _CACHE_WORDS:
            return Purpose.NON_SECURITY, f"a cache key ({name})"
    return None


def qualified(ref: str) -> str:
    for prefix, short in apis.PREFIXES:
        if ref.startswith(prefix):
            return short + ref[len(prefix) :]
    return ref


def lookup(name: str) -> tuple[Api, str | None] | None:
    """The API entry for a qualified name, and the algorithm its family position names."""
    if name in apis.CALLS:
        return apis.CALLS[name], None
    for prefix, position, api in apis.FAMILIES:
        if name.startswith(prefix):
            parts = name[len(prefix) :].split(".")
            if position == -2:
                if len(parts) < 2 or parts[-1] not in ("new", "hash", "encrypt", "using", "verify"):
                    return None
                return api, parts[-2]
            return (api, parts[-1]) if len(parts) == 1 else None
    return None


class _Scope:
    """Names bound in one scope: folded constants, imported modules and built objects."""

    def __init__(self, env: dict[str, object], budget: Budget) -> None:
        self.env = env
        self.folder = Folder(env, budget=budget)

    def fold(self, node: ast.AST) -> object:
        return self.folder.fold(node)


class PythonScanner:
    """Walks one module and collects its assets."""

    def __init__(self, tree: ast.Module) -> None:
        self.tree = tree
        self.budget = Budget(FOLD_STEPS)
        self.parents: dict[int, ast.AST] = {}
        self.consumed: set[int] = set()
        self.assets: list[Asset] = []
        #: Names the scope being walked hands to ``.sign``/``.verify`` (``hash_alg`` in
        #: ``key.verify(sig, data, padding, hash_alg)``).
        self.signing_names: frozenset[str] = frozenset()

    # --- scopes -----------------------------------------------------------------------------

    def run(self) -> ScanResult:
        count = 0
        for parent in ast.walk(self.tree):
            for child in ast.iter_child_nodes(parent):
                self.parents[id(child)] = parent
                count += 1
            if count > MAX_NODES:
                return ScanResult([], f"more than {MAX_NODES} syntax nodes")
        module = self._bind(self.tree.body, {}, ())
        self._walk_scope(self.tree.body, module, None)
        return ScanResult(self.assets)

    def _walk_scope(self, body: list[ast.stmt], scope: _Scope, function: str | None) -> None:
        outer = self.signing_names
        self.signing_names = _signing_names(body)
        self._walk_nodes(body, scope, function)
        self.signing_names = outer

    def _walk_nodes(self, body: list[ast.stmt], scope: _Scope, function: str | None) -> None:
        for node in _scope_nodes(body):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                args = node.args
                params = [p.arg for p in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
                params += [p.arg for p in (args.vararg, args.kwarg) if p is not None]
                inner = self._bind(node.body, scope.env, params)
                self._walk_scope(node.body, inner, node.name)
            elif isinstance(node, ast.ClassDef):
                self._walk_scope(node.body, scope, function)
            elif isinstance(node, ast.Call):
                self._call(node, scope, function)
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                self._setting(node, scope, function)
            elif isinstance(node, ast.Attribute | ast.Name) and isinstance(node.ctx, ast.Load):
                self._constant_use(node, scope, function)

    def _bind(
        self, body: list[ast.stmt], parent: dict[str, object], params: list[str] | tuple[str, ...]
    ) -> _Scope:
        env = dict(parent)
        for name in params:
            env[name] = UNKNOWN
        scope = _Scope(env, self.budget)
        values: dict[str, list[object]] = {}
        for node in _scope_nodes(body):
            for name, value in self._bindings(node, scope):
                values.setdefault(name, []).append(value)
                same = all(v == values[name][0] for v in values[name])
                env[name] = value if same else UNKNOWN
        return scope

    def _bindings(self, node: ast.AST, scope: _Scope) -> Iterator[tuple[str, object]]:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    yield alias.asname, Ref(qualified(alias.name))
                else:
                    head = alias.name.split(".")[0]
                    yield head, Ref(qualified(head))
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                if alias.name != "*":
                    full = qualified(f"{node.module}.{alias.name}")
                    yield alias.asname or alias.name, Ref(full)
        elif isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    yield target.id, self._value(node.value, scope)
                else:
                    yield from ((n, UNKNOWN) for n in _names(target))
        elif isinstance(node, ast.AugAssign | ast.For | ast.AsyncFor | ast.NamedExpr):
            yield from ((n, UNKNOWN) for n in _names(node.target))
        elif isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                if item.optional_vars is not None:
                    yield from ((n, UNKNOWN) for n in _names(item.optional_vars))
        elif (
            isinstance(
                node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.ExceptHandler
            )
            and node.name
        ):
            yield node.name, UNKNOWN

    def _value(self, node: ast.expr, scope: _Scope) -> object:
        if isinstance(node, ast.Call):
            callee = scope.fold(node.func)
            if isinstance(callee, Ref) and qualified(callee.name) in apis.RANDOM_BYTES:
                size = scope.fold(node.args[0]) if node.args else None
                if isinstance(size, int) and not isinstance(size, bool):
                    return RandomBytes(size)
            built = self._evaluate(node, scope)
            if built is not None:
                return built[0]
        return scope.fold(node)

    # --- calls ------------------------------------------------------------------------------

    def _callee(self, node: ast.Call, scope: _Scope) -> str | None:
        func = scope.fold(node.func)
        return qualified(func.name) if isinstance(func, Ref) else None

    def _evaluate(self, node: ast.Call, scope: _Scope) -> tuple[Built, set[int]] | None:
        """The call's partial asset and the argument calls it consumed, or None."""
        callee = self._callee(node, scope)
        if callee is None:
            return self._method(node, scope)
        found = lookup(callee)
        if found is None:
            return None
        api, family_name = found
        return self._build(node, scope, callee, api, family_name)

    def _build(
        self, node: ast.Call, scope: _Scope, callee: str, api: Api, family_name: str | None
    ) -> tuple[Built, set[int]]:
        call = _Arguments(self, node, scope)
        fields: dict[str, Any] = {
            "algorithm": api.algorithm,
            "mode": api.mode,
            "curve": api.curve,
            "padding": api.padding,
            "key_size": api.key_size,
            "purpose": api.purpose,
            "parameter_set": api.parameter_set,
            "hash": None,
            "static_iv": False,
        }
        if family_name is not None:
            fields["algorithm"] = _algorithm_from(family_name, api)
            if api.role == "mode":
                fields.update(mode=family_name.upper(), algorithm=None)
            elif api.role == "curve":
                fields.update(curve=curve_name(family_name), algorithm=None)
                if fields["curve"] is None:
                    return Built(callee, "other"), call.consumed
        if api.name_arg is not None:
            named = call.get(api.name_arg, "algorithm")
            algorithm, hash_name, curve, purpose = _named(
                named, api, fields["algorithm"], None, fields["curve"], fields["purpose"]
            )
            fields.update(algorithm=algorithm, hash=hash_name, curve=curve, purpose=purpose)
        _inner(fields, api, call.get(api.inner_arg, "algorithm"), call.unknown)
        size = call.get(api.key_size_arg, "key size")
        if isinstance(size, int) and not isinstance(size, bool):
            fields["key_size"] = size
        fields["key_size"] = _key_bits(call.get(api.key_arg, "key size"), fields["key_size"])
        _mode(fields, api, call.get(api.mode_arg, "mode"), call.unknown)
        if api.iv_arg is not None:
            iv = _argument(node, api.iv_arg)
            if iv is not None:
                call.consumed.add(id(iv))
                fields["static_iv"] = fields["static_iv"] or _is_constant(iv, scope)
        curve_value = call.get(api.curve_arg, "curve")
        if curve_value is not None and curve_value is not UNKNOWN:
            fields["curve"] = _curve(curve_value) or fields["curve"]
            if fields["curve"] is None:
                call.unknown.append("curve")
        hash_value = call.get(api.hash_arg, "hash")
        if hash_value is not None and hash_value is not UNKNOWN:
            fields["hash"] = _algorithm(hash_value)
            if fields["hash"] is None:
                call.unknown.append("hash")
        version_value = call.get(api.version_arg, "version")
        if isinstance(version_value, Ref):
            fields["version"] = apis.TLS_CONSTANTS.get(qualified(version_value.name))
        for keyword in node.keywords:
            if keyword.arg == "usedforsecurity" and scope.fold(keyword.value) is False:
                fields["purpose"] = Purpose.NON_SECURITY
        unknown = tuple(dict.fromkeys(call.unknown))
        return Built(api=callee, role=api.role, unknown=unknown, **fields), call.consumed

    def _method(self, node: ast.Call, scope: _Scope) -> tuple[Built, set[int]] | None:
        """Calls on an object the scope built (``aesgcm.encrypt(nonce, ...)``) or whose method
        name says enough (``pkey.generate_key(crypto.TYPE_RSA, 1024)``)."""
        func = node.func
        if not isinstance(func, ast.Attribute):
            return None
        receiver = scope.fold(func.value)
        if isinstance(receiver, Built) and func.attr in ("encrypt", "decrypt") and node.args:
            static = (
                _is_constant(node.args[0], scope)
                and receiver.mode in ("GCM", "CCM", "OCB", "GCM-SIV")
            ) or (receiver.algorithm == "ChaCha20-Poly1305" and _is_constant(node.args[0], scope))
            if static:
                return replace(receiver, api=f"{receiver.api}.{func.attr}", static_iv=True), set()
            return None
        if isinstance(receiver, Built) and func.attr in _KEY_FROM_PARAMETERS:
            return replace(receiver, api=f"{receiver.api}.{func.attr}", role="asset"), set()
        if func.attr == "generate_key" and len(node.args) >= 2:
            kind = scope.fold(node.args[0])
            if isinstance(kind, Ref) and kind.name.rsplit(".", 1)[-1] in apis.PKEY_TYPES:
                bits = scope.fold(node.args[1])
                size = bits if isinstance(bits, int) and not isinstance(bits, bool) else None
                unknown = () if size is not None else ("key size",)
                algorithm = apis.PKEY_TYPES[kind.name.rsplit(".", 1)[-1]]
                return Built(
                    "OpenSSL.crypto.PKey.generate_key", "asset", algorithm, size, unknown=unknown
                ), set()
        if func.attr in apis.VERSION_SETTERS and node.args:
            value = scope.fold(node.args[0])
            if isinstance(value, Ref) and qualified(value.name) in apis.TLS_CONSTANTS:
                version = apis.TLS_CONSTANTS[qualified(value.name)]
                return Built(f"{func.attr}", "asset", "TLS", version=version), set()
        return None

    def _call(self, node: ast.Call, scope: _Scope, function: str | None) -> None:
        if id(node) in self.consumed:
            return
        result = self._evaluate(node, scope)
        if result is None:
            self._random(node, scope, function)
            return
        built, consumed = result
        self.consumed |= consumed
        if built.role not in ("asset", "key"):
            return
        names = self._names_of(node, scope, built)
        if names:
            for extra in names:
                self._emit(node, replace(built, **extra), function)
        else:
            self._emit(node, built, function)

    def _names_of(self, node: ast.Call, scope: _Scope, built: Built) -> list[dict[str, Any]]:
        """One asset per algorithm listed (``jwt.decode(..., algorithms=[...])``)."""
        api = apis.CALLS.get(built.api)
        if api is None or api.names_arg is None:
            return []
        expr = _argument(node, api.names_arg)
        if expr is None:
            return []
        value = scope.fold(expr)
        if not isinstance(value, list | tuple):
            return [{"algorithm": "unknown", "unknown": ("algorithm",)}]
        out: list[dict[str, Any]] = []
        for item in value:
            algorithm, hash_name, curve, _ = _named(item, api, None, None, None, None)
            out.append({"algorithm": algorithm or "unknown", "hash": hash_name, "curve": curve})
        return out

    def _emit(
        self, node: ast.AST, built: Built, function: str | None, *, referenced: bool = False
    ) -> None:
        algorithm = built.algorithm or "unknown"
        entry = row(algorithm)
        primitive = entry.primitive if entry else "unknown"
        asset_type = AssetType.PROTOCOL if primitive == "protocol" else AssetType.ALGORITHM
        if built.role == "key":
            asset_type = AssetType.MATERIAL
        purpose, reason = self._purpose(node, built, function, primitive)
        unknown = built.unknown
        if algorithm == "unknown" and "algorithm" not in unknown:
            unknown = ("algorithm", *unknown)
        self.assets.append(
            Asset(
                asset_type=asset_type,
                algorithm=algorithm,
                primitive=primitive,
                api=built.api,
                line=getattr(node, "lineno", None),
                column=getattr(node, "col_offset", -1) + 1,
                key_size=built.key_size,
                mode=built.mode,
                padding=built.padding,
                curve=built.curve,
                hash=built.hash,
                version=built.version,
                purpose=purpose,
                purpose_reason=reason,
                unknown=unknown,
                static_iv=built.static_iv,
                parameter_set=built.parameter_set,
                material="secret-key" if built.role == "key" else None,
                referenced=referenced,
            )
        )

    def _purpose(
        self, node: ast.AST, built: Built, function: str | None, primitive: str
    ) -> tuple[Purpose, str]:
        if built.purpose is Purpose.NON_SECURITY:
            return Purpose.NON_SECURITY, "usedforsecurity=False"
        parent = self.parents.get(id(node))
        if isinstance(parent, ast.keyword):
            parent = self.parents.get(id(parent))
        if (
            isinstance(parent, ast.Call)
            and isinstance(parent.func, ast.Attribute)
            and parent.func.attr in apis.SIGNING_METHODS
        ):
            return Purpose.SIGNATURE, f"an argument of .{parent.func.attr}()"
        if built.purpose is not None:
            return built.purpose, f"{built.api}"
        statement = self._statement(node)
        if isinstance(statement, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id in self.signing_names for t in statement.targets
        ):
            return Purpose.SIGNATURE, "handed to .sign()/.verify() by name"
        if primitive in ("signature",):
            return Purpose.SIGNATURE, "a signature algorithm"
        if primitive in ("block-cipher", "stream-cipher", "ae", "pke"):
            return Purpose.ENCRYPTION, "a cipher"
        if primitive == "mac":
            return Purpose.INTEGRITY, "a message authentication code"
        if primitive == "kdf":
            return Purpose.PASSWORD, "a key derivation function"
        if self._is_subscript_key(node):
            return Purpose.NON_SECURITY, "a lookup key"
        if isinstance(parent, ast.Attribute) and parent.attr in _SIZE_ATTRIBUTES:
            return Purpose.NON_SECURITY, f"only its {parent.attr} is read"
        found = name_purpose(self._context_names(node, function))
        if found is not None:
            return found
        return Purpose.UNKNOWN, ""

    def _statement(self, node: ast.AST) -> ast.AST | None:
        current: ast.AST | None = node
        while current is not None and not isinstance(current, ast.stmt):
            current = self.parents.get(id(current))
        return current

    def _is_subscript_key(self, node: ast.AST) -> bool:
        child, parent = node, self.parents.get(id(node))
        while parent is not None and not isinstance(parent, ast.stmt):
            if isinstance(parent, ast.Subscript) and parent.slice is child:
                return True
            child, parent = parent, self.parents.get(id(parent))
        return False

    def _context_names(self, node: ast.AST, function: str | None) -> list[str]:
        """Identifiers that say what a value is for: what it is assigned to, the keyword it is
        passed as, the function it is in. A value handed to a call that is not a mere
        conversion (``os.urandom(sha1().digest_size)``) serves that call: names further out say
        nothing about it."""
        names: list[str] = []
        current: ast.AST | None = node
        while current is not None and not isinstance(current, ast.stmt):
            parent = self.parents.get(id(current))
            if isinstance(parent, ast.keyword) and parent.arg:
                names.append(parent.arg)
            if isinstance(parent, ast.Dict):
                for key, value in zip(parent.keys, parent.values, strict=True):
                    if (
                        value is current
                        and isinstance(key, ast.Constant)
                        and isinstance(key.value, str)
                    ):
                        names.append(key.value)
            if (
                isinstance(parent, ast.Call)
                and current is not parent.func
                and _call_name(parent) not in _CONVERSIONS
            ):
                return names
            current = parent
        if isinstance(current, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = current.targets if isinstance(current, ast.Assign) else [current.target]
            for target in targets:
                names.extend(_target_names(target))
        if function:
            names.append(function)
        return names

    # --- random used for secrets ------------------------------------------------------------

    def _random(self, node: ast.Call, scope: _Scope, function: str | None) -> None:
        callee = self._callee(node, scope)
        if callee is None or not callee.startswith("random."):
            return
        if callee.removeprefix("random.") not in apis.RANDOM_FUNCTIONS:
            return
        found = name_purpose(self._context_names(node, function))
        if found is None or found[0] not in (Purpose.SECRET, Purpose.PASSWORD):
            return
        self.assets.append(
            Asset(
                asset_type=AssetType.ALGORITHM,
                algorithm="Mersenne-Twister",
                primitive="drbg",
                api=callee,
                line=node.lineno,
                column=node.col_offset + 1,
                purpose=Purpose.SECRET,
                purpose_reason=found[1],
            )
        )

    # --- constants and settings -------------------------------------------------------------

    def _setting(
        self, node: ast.Assign | ast.AnnAssign, scope: _Scope, function: str | None
    ) -> None:
        """``ctx.minimum_version = ssl.TLSVersion.TLSv1``."""
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if node.value is None:
            return
        for target in targets:
            if isinstance(target, ast.Attribute) and target.attr in apis.VERSION_SETTERS:
                value = scope.fold(node.value)
                if isinstance(value, Ref) and qualified(value.name) in apis.TLS_CONSTANTS:
                    self.consumed.add(id(node.value))
                    version = apis.TLS_CONSTANTS[qualified(value.name)]
                    built = Built(f"SSLContext.{target.attr}", "asset", "TLS", version=version)
                    self._emit(node, built, function)

    def _is_protocol_constant(self, node: ast.expr, scope: _Scope) -> bool:
        value = scope.fold(node)
        return isinstance(value, Ref) and qualified(value.name) in apis.TLS_CONSTANTS

    def _constant_use(
        self, node: ast.Attribute | ast.Name, scope: _Scope, function: str | None
    ) -> None:
        """A protocol constant passed or assigned where no known call takes it
        (``kwargs["ssl_version"] = ssl.PROTOCOL_TLSv1``); comparisons, tables and feature
        tests are not uses."""
        if id(node) in self.consumed:
            return
        parent = self.parents.get(id(node))
        if isinstance(parent, ast.Attribute):
            return
        self._reference(node, parent, scope, function)
        if not isinstance(parent, ast.keyword | ast.Call | ast.Assign | ast.AnnAssign):
            return
        if isinstance(parent, ast.Call) and parent.func is node:
            return
        if isinstance(parent, ast.Assign | ast.AnnAssign) and parent.value is not node:
            return
        if isinstance(parent, ast.Assign) and all(isinstance(t, ast.Name) for t in parent.targets):
            # an alias (``PROTOCOL_TLS = ssl.PROTOCOL_SSLv23``) is a use only where it is used
            return
        if isinstance(parent, ast.Assign) and any(
            isinstance(t, ast.Subscript) and self._is_protocol_constant(t.slice, scope)
            for t in parent.targets
        ):
            # a translation table (``versions[ssl.PROTOCOL_TLSv1] = SSL.TLSv1_METHOD``)
            return
        value = scope.fold(node)
        if not isinstance(value, Ref):
            return
        name = qualified(value.name)
        if name not in apis.TLS_CONSTANTS or apis.TLS_CONSTANTS[name] is None:
            return
        built = Built(name, "asset", "TLS", version=apis.TLS_CONSTANTS[name])
        self._emit(node, built, function)

    def _reference(
        self,
        node: ast.Attribute | ast.Name,
        parent: ast.AST | None,
        scope: _Scope,
        function: str | None,
    ) -> None:
        """An algorithm named but not called here: a hash function or cipher class kept in a
        table (``{"hmac-md5": md5}``, ``"class": algorithms.TripleDES``) or passed along.
        Recorded, and its findings capped at low: the call that uses it is elsewhere."""
        if isinstance(parent, ast.Call) and parent.func is node:
            return
        if isinstance(parent, ast.Compare | ast.alias):
            return
        value = scope.fold(node)
        if not isinstance(value, Ref):
            return
        name = qualified(value.name)
        if name in apis.CALLS:
            return
        found = lookup(name)
        if found is None or found[0].role != "asset" or found[1] is None:
            return
        algorithm = _algorithm_from(found[1], found[0])
        if algorithm == "unknown":
            return
        built = Built(name, "asset", algorithm, unknown=())
        self._emit(node, built, function, referenced=True)


# --- helpers ----------------------------------------------------------------------------------


class _Arguments:
    """A call's arguments as values: folded, or evaluated when they are recognised calls (which
    the call then consumes: they are its parameters, not assets of their own)."""

    def __init__(self, scanner: PythonScanner, node: ast.Call, scope: _Scope) -> None:
        self.scanner = scanner
        self.node = node
        self.scope = scope
        self.consumed: set[int] = set()
        self.unknown: list[str] = []

    def get(self, spec: Arg | None, what: str) -> object:
        if spec is None:
            return None
        expr = _argument(self.node, spec)
        if expr is None:
            if any(isinstance(a, ast.Starred) for a in self.node.args) or any(
                k.arg is None for k in self.node.keywords
            ):
                self.unknown.append(what)
            return None
        self.consumed.add(id(expr))
        value: object
        if isinstance(expr, ast.Call):
            value = self.scanner._value(expr, self.scope)
            if isinstance(value, Built):
                inner = self.scanner._evaluate(expr, self.scope)
                if inner is not None:
                    self.consumed.update(inner[1])
        else:
            value = self.scope.fold(expr)
        if value is UNKNOWN or value is None:
            self.unknown.append(what)
        return value


def _inner(fields: dict[str, Any], api: Api, inner: object, unknown: list[str]) -> None:
    """Take what an algorithm object argument says (``Cipher(algorithms.AES(key), ...)``,
    ``PSS(mgf=MGF1(hashes.SHA256()))``)."""
    if isinstance(inner, Built):
        if api.role == "mgf" or inner.role == "mgf" or api.algorithm == "RSASSA-PSS":
            fields["hash"] = inner.hash
            return
        fields["algorithm"] = fields["algorithm"] or inner.algorithm
        fields["key_size"] = fields["key_size"] or inner.key_size
        fields["mode"] = fields["mode"] or inner.mode
        fields["static_iv"] = fields["static_iv"] or inner.static_iv
        unknown.extend(inner.unknown)
    elif api.inner_arg is not None and inner is not None and fields["algorithm"] is None:
        fields["algorithm"] = "unknown"


def _mode(fields: dict[str, Any], api: Api, value: object, unknown: list[str]) -> None:
    if isinstance(value, Built):
        fields["mode"] = value.mode
        fields["static_iv"] = fields["static_iv"] or value.static_iv
        unknown.extend(value.unknown)
    elif value is not None and value is not UNKNOWN:
        fields["mode"] = _mode_name(value, api)


def _scope_nodes(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """Every node of a scope in source order, nested functions and classes given but not
    entered (they are scopes of their own)."""
    stack: list[ast.AST] = list(reversed(body))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        stack.extend(reversed(list(ast.iter_child_nodes(node))))


def _signing_names(body: list[ast.stmt]) -> frozenset[str]:
    """Names passed to a ``.sign``/``.verify`` call anywhere in a scope."""
    names: set[str] = set()
    for node in _scope_nodes(body):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in apis.SIGNING_METHODS
        ):
            values = [*node.args, *(k.value for k in node.keywords)]
            names.update(v.id for v in values if isinstance(v, ast.Name))
    return frozenset(names)


#: Methods of parameter objects that make a key of the same algorithm
#: (``dh.generate_parameters(...).generate_private_key()``).
_KEY_FROM_PARAMETERS = frozenset({"generate_private_key"})
#: Attributes that describe a hash object without hashing anything.
_SIZE_ATTRIBUTES = frozenset({"digest_size", "block_size", "name"})
#: Calls that only convert or assemble a value: what the result is named says what the value is.
_CONVERSIONS = frozenset(
    {
        "join",
        "str",
        "bytes",
        "bytearray",
        "int",
        "hex",
        "format",
        "list",
        "tuple",
        "sorted",
        "encode",
        "decode",
        "hexdigest",
        "digest",
        "upper",
        "lower",
        "strip",
        "zfill",
        "b64encode",
        "urlsafe_b64encode",
        "b32encode",
        "b16encode",
        "hexlify",
    }
)


def _call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _names(target: ast.AST) -> list[str]:
    """The names a target binds (``a, *b = ...`` binds a and b; ``x[i] = ...`` binds none)."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Starred):
        return _names(target.value)
    if isinstance(target, ast.Tuple | ast.List):
        return [n for elt in target.elts for n in _names(elt)]
    return []


def _target_names(target: ast.AST) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Attribute):
        return [target.attr]
    if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant):
        return [str(target.slice.value)]
    if isinstance(target, ast.Tuple | ast.List):
        return [n for elt in target.elts for n in _target_names(elt)]
    return []


def _argument(node: ast.Call, spec: Arg) -> ast.expr | None:
    for keyword in node.keywords:
        if keyword.arg is not None and keyword.arg in spec.kw:
            return keyword.value
    if spec.pos is not None and len(node.args) > spec.pos:
        positional = node.args[: spec.pos + 1]
        if not any(isinstance(a, ast.Starred) for a in positional):
            return node.args[spec.pos]
    return None


def _text(value: object) -> str | None:
    if isinstance(value, Built):
        return value.algorithm
    if isinstance(value, Ref):
        return value.name.rsplit(".", 1)[-1]
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return value.decode("ascii", "replace")
    return None


def _algorithm(value: object) -> str | None:
    """An algorithm object, module, function or name, as the table's name."""
    if isinstance(value, Built):
        return value.algorithm
    if isinstance(value, Ref):
        parts = value.name.split(".")
        for part in reversed(parts):
            found = algorithm_name(part)
            if found is not None:
                return found
        return None
    text = _text(value)
    return algorithm_name(text) if text else None


def _algorithm_from(family_name: str, api: Api) -> str:
    if api.vocabulary == "passlib":
        return apis.PASSLIB.get(family_name, ("unknown", None))[0]
    return algorithm_name(family_name) or "unknown"


def _named(
    value: object,
    api: Api,
    algorithm: str | None,
    hash_name: str | None,
    curve: str | None,
    purpose: Purpose | None,
) -> tuple[str | None, str | None, str | None, Purpose | None]:
    """An algorithm given by name: a hash name for ``hashlib.new``, a JOSE ``alg``, a passlib
    scheme."""
    text = _text(value)
    if text is None:
        return "unknown", hash_name, curve, purpose
    if api.vocabulary == "jose":
        if text in apis.JOSE:
            family, inner_hash, inner_curve = apis.JOSE[text]
            return family, inner_hash, inner_curve, Purpose.SIGNATURE
        return "unknown", hash_name, curve, Purpose.SIGNATURE
    if api.vocabulary == "passlib":
        family, inner_hash = apis.PASSLIB.get(text, ("unknown", None))
        return family, inner_hash, curve, Purpose.PASSWORD
    found = _algorithm(value)
    if api.purpose is Purpose.SIGNATURE and found and row(found) and row(found).primitive == "hash":  # type: ignore[union-attr]
        return found, found, curve, purpose
    return found or "unknown", hash_name, curve, purpose


def _curve(value: object) -> str | None:
    if isinstance(value, Built):
        return value.curve
    text = _text(value)
    return curve_name(text) if text else None


def _mode_name(value: object, api: Api) -> str | None:
    if api.vocabulary == "pycryptodome":
        key = value.name.rsplit(".", 1)[-1] if isinstance(value, Ref) else str(value)
        return apis.PYCRYPTODOME_MODES.get(key)
    text = _text(value)
    return text.upper() if text else None


def _key_bits(key: object, current: int | None) -> int | None:
    if isinstance(key, bytes | str) and key:
        return len(key) * 8
    if isinstance(key, RandomBytes):
        return key.size * 8
    if isinstance(key, Built) and key.role == "key" and key.key_size:
        return key.key_size
    return current


def _is_constant(node: ast.expr, scope: _Scope) -> bool:
    value = scope.fold(node)
    return isinstance(value, bytes | str) and len(value) > 0


def scan_source(text: str) -> ScanResult:
    """The assets of one Python module (raises ``SyntaxError``, ``ValueError`` and
    ``RecursionError`` for text that is not a module the parser can take)."""
    tree = ast.parse(text)
    return PythonScanner(tree).run()
