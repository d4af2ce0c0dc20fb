"""Static deobfuscation: fold constant expressions and decode layers without running anything.

The folder evaluates a small, side-effect-free subset of Python over the syntax tree: literals,
arithmetic and string operators, slicing, ``join``, ``chr``/``ord`` lists, comprehensions over
constants (XOR with constant keys), ``format``/f-strings, ``getattr``/``__import__`` indirection
and the usual decoders (base64, hex, zlib, lzma, bz2, gzip, rot13). Every evaluation draws on a
step budget and every value on a size budget, so hostile input cannot make it hang or swell.
``marshal`` payloads are never loaded: they are kept as opaque bytes whose strings are read.
"""

# ruff: noqa: N802, N815 - visitor methods are named after the ast node classes they fold

from __future__ import annotations

import ast
import base64
import binascii
import bz2
import codecs
import lzma
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

#: Largest string or bytes value the folder keeps (bigger results count as unknown).
MAX_VALUE = 4 * 1024 * 1024
#: Largest sequence iterated by a comprehension or map.
MAX_ITEMS = 200_000


class Unknown:
    """The value of an expression the folder cannot evaluate."""

    _instance: Unknown | None = None

    def __new__(cls) -> Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = Unknown()


@dataclass(frozen=True, slots=True)
class Ref:
    """A module, function or attribute reached by name: ``os``, ``os.system``, ``builtins.exec``."""

    name: str

    def attr(self, attr: str) -> Ref:
        return Ref(f"{self.name}.{attr}")


@dataclass(frozen=True, slots=True)
class Marshalled:
    """Bytes handed to ``marshal.loads``: compiled code that is never loaded, only read."""

    data: bytes


@dataclass(frozen=True, slots=True)
class UserFunction:
    """A function of the scanned code simple enough to inline: assignments, then a return."""

    node: ast.FunctionDef | ast.Lambda


class BudgetExceededError(Exception):
    """The step budget of one folding run is spent."""


@dataclass(slots=True)
class Budget:
    """Folding steps left; spending past zero raises :class:`BudgetExceededError`."""

    steps: int = 200_000

    def spend(self, n: int = 1) -> None:
        self.steps -= n
        if self.steps < 0:
            raise BudgetExceededError


BUILTIN_NAMES = frozenset(
    {
        "exec",
        "eval",
        "compile",
        "__import__",
        "getattr",
        "setattr",
        "globals",
        "locals",
        "vars",
        "open",
        "chr",
        "ord",
        "str",
        "bytes",
        "bytearray",
        "int",
        "len",
        "list",
        "tuple",
        "reversed",
        "map",
        "range",
        "zip",
        "sorted",
        "print",
        "input",
        "type",
        "hex",
        "oct",
        "bin",
        "sum",
        "abs",
        "min",
        "max",
        "repr",
        "format",
        "object",
        "execfile",
        "copyright",
        "credits",
        "license",
        "dict",
        "set",
        "frozenset",
        "enumerate",
        "filter",
        "any",
        "all",
        "isinstance",
        "iter",
        "next",
        "round",
        "float",
        "bool",
        "hash",
        "id",
        "super",
        "property",
        "staticmethod",
        "classmethod",
        "callable",
        "memoryview",
        "breakpoint",
        "help",
        "divmod",
        "pow",
        "ascii",
        "slice",
        "Exception",
    }
)

#: What ``str(builtin)`` gives for the few builtins whose text obfuscators index into.
_BUILTIN_TEXT = {
    "copyright": "Copyright (c) 2001 Python Software Foundation.",
    "credits": "    Thanks to CWI, CNRI, BeOpen, Zope Corporation, the Python Software Foundation,",
    "license": "Type license() to see the full license text",
}


def _rot13(value: str) -> str:
    return codecs.encode(value, "rot13")


def _as_bytes(value: object) -> bytes | None:
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    if isinstance(value, str):
        try:
            return value.encode("latin-1")
        except UnicodeEncodeError:
            return value.encode("utf-8", "surrogatepass")
    return None


def _zlib(data: bytes, *args: object) -> bytes:
    wbits = args[0] if args and isinstance(args[0], int) else zlib.MAX_WBITS
    d = zlib.decompressobj(wbits)
    out = d.decompress(data, MAX_VALUE)
    if d.unconsumed_tail:
        raise ValueError("too large")
    return out


def _lzma(data: bytes, *_: object) -> bytes:
    d = lzma.LZMADecompressor()
    out = d.decompress(data, MAX_VALUE)
    if not d.eof and d.needs_input is False:
        raise ValueError("too large")
    return out


def _bz2(data: bytes, *_: object) -> bytes:
    d = bz2.BZ2Decompressor()
    out = d.decompress(data, MAX_VALUE)
    if not d.eof and d.needs_input is False:
        raise ValueError("too large")
    return out


def _gzip(data: bytes, *_: object) -> bytes:
    return _zlib(data, 16 + zlib.MAX_WBITS)


def _codecs_decode(value: object, *args: object) -> object:
    encoding = str(args[0]).lower().replace("-", "_") if args else "utf_8"
    if encoding in ("rot13", "rot_13") and isinstance(value, str):
        return _rot13(value)
    data = _as_bytes(value)
    if data is None:
        return UNKNOWN
    if encoding in ("base64", "base_64", "base64_codec"):
        return base64.b64decode(data)
    if encoding in ("hex", "hex_codec"):
        return binascii.unhexlify(data)
    if encoding in ("zlib", "zip", "zlib_codec"):
        return _zlib(data)
    if encoding in ("bz2", "bz2_codec"):
        return _bz2(data)
    if encoding in ("utf_8", "utf8", "ascii", "latin_1", "latin1"):
        return data.decode(encoding, "replace")
    return UNKNOWN


def _b64(fn: Callable[..., bytes]) -> Callable[..., object]:
    def decode(value: object, *_: object) -> object:
        data = _as_bytes(value)
        if data is None:
            return UNKNOWN
        return fn(data)

    return decode


#: Decoders by qualified name: each takes the folded arguments and returns the decoded value.
DECODERS: dict[str, Callable[..., object]] = {
    "base64.b64decode": _b64(lambda d: base64.b64decode(d + b"=" * (-len(d) % 4))),
    "base64.standard_b64decode": _b64(lambda d: base64.b64decode(d + b"=" * (-len(d) % 4))),
    "base64.urlsafe_b64decode": _b64(lambda d: base64.urlsafe_b64decode(d + b"=" * (-len(d) % 4))),
    "base64.decodebytes": _b64(base64.decodebytes),
    "base64.decodestring": _b64(base64.decodebytes),
    "base64.b32decode": _b64(base64.b32decode),
    "base64.b16decode": _b64(lambda d: base64.b16decode(d, casefold=True)),
    "base64.b85decode": _b64(base64.b85decode),
    "base64.a85decode": _b64(base64.a85decode),
    "binascii.unhexlify": _b64(binascii.unhexlify),
    "binascii.a2b_hex": _b64(binascii.unhexlify),
    "binascii.a2b_base64": _b64(binascii.a2b_base64),
    "bytes.fromhex": lambda v, *_: bytes.fromhex(v) if isinstance(v, str) else UNKNOWN,
    "codecs.decode": _codecs_decode,
    "zlib.decompress": lambda v, *a: _zlib(_as_bytes(v) or b"", *a),
    "lzma.decompress": lambda v, *a: _lzma(_as_bytes(v) or b""),
    "bz2.decompress": lambda v, *a: _bz2(_as_bytes(v) or b""),
    "gzip.decompress": lambda v, *a: _gzip(_as_bytes(v) or b""),
}

_SIMPLE_BUILTINS: dict[str, Callable[..., object]] = {
    "chr": chr,
    "ord": ord,
    "len": len,
    "int": int,
    "hex": hex,
    "oct": oct,
    "bin": bin,
    "abs": abs,
    "float": float,
    "bool": bool,
    "sum": sum,
    "min": min,
    "max": max,
    "round": round,
    "divmod": divmod,
    "pow": lambda *a: pow(*a) if len(a) == 3 or abs(a[1]) < 64 else UNKNOWN,
}

_STR_METHODS = frozenset(
    {
        "join",
        "replace",
        "lower",
        "upper",
        "strip",
        "lstrip",
        "rstrip",
        "split",
        "swapcase",
        "title",
        "capitalize",
        "zfill",
        "center",
        "ljust",
        "rjust",
        "removeprefix",
        "removesuffix",
        "translate",
        "startswith",
        "endswith",
        "find",
        "index",
        "count",
        "splitlines",
        "hex",
    }
)


@dataclass(slots=True)
class FoldResult:
    """What one folding run found besides the value: which decoders it went through."""

    decoders: list[str] = field(default_factory=list)

    def note(self, step: str) -> None:
        if step not in self.decoders:
            self.decoders.append(step)


class Folder:
    """Evaluates constant expressions in an environment of already-folded names.

    ``env`` maps names to folded values (``Ref`` for imports); ``functions`` holds the scanned
    code's simple functions, inlined when called with constant arguments.
    """

    def __init__(
        self,
        env: dict[str, object],
        functions: dict[str, UserFunction] | None = None,
        budget: Budget | None = None,
    ) -> None:
        self.env = env
        self.functions = functions if functions is not None else {}
        self.budget = budget or Budget()
        self.trace = FoldResult()
        self._depth = 0

    def fold(self, node: ast.AST) -> object:
        """The node's value, or :data:`UNKNOWN`; never raises."""
        try:
            return self._fold(node)
        except BudgetExceededError:
            return UNKNOWN
        except RecursionError:
            return UNKNOWN

    def _fold(self, node: ast.AST) -> object:
        budget = self.budget
        budget.steps -= 1  # Budget.spend(), inlined: this runs for every node folded
        if budget.steps < 0:
            raise BudgetExceededError
        method = _FOLD_METHODS[type(node)]
        if method is None:
            return UNKNOWN
        try:
            value = method(self, node)
        except (BudgetExceededError, RecursionError):
            raise
        except Exception:
            return UNKNOWN
        if isinstance(value, str | bytes | bytearray) and len(value) > MAX_VALUE:
            return UNKNOWN
        return value

    # --- leaves -----------------------------------------------------------------------------

    def _fold_Constant(self, node: ast.Constant) -> object:
        return node.value

    def _fold_Name(self, node: ast.Name) -> object:
        if node.id in self.env:
            return self.env[node.id]
        if node.id in self.functions:
            return self.functions[node.id]
        if node.id in ("__builtins__", "builtins"):
            return Ref("builtins")
        if node.id in BUILTIN_NAMES:
            return Ref(node.id)
        return UNKNOWN

    def _fold_JoinedStr(self, node: ast.JoinedStr) -> object:
        parts: list[str] = []
        for value in node.values:
            folded = self._fold(value)
            if not isinstance(folded, str):
                return UNKNOWN
            parts.append(folded)
        return "".join(parts)

    def _fold_FormattedValue(self, node: ast.FormattedValue) -> object:
        value = self._fold(node.value)
        if isinstance(value, Unknown | Ref | UserFunction | Marshalled):
            return UNKNOWN
        spec = self._fold(node.format_spec) if node.format_spec else ""
        if not isinstance(spec, str):
            return UNKNOWN
        if node.conversion == ord("r"):
            value = repr(value)
        return format(value, spec)

    def _fold_List(self, node: ast.List) -> object:
        return self._seq(node.elts, list)

    def _fold_Tuple(self, node: ast.Tuple) -> object:
        return self._seq(node.elts, tuple)

    def _seq(self, elts: list[ast.expr], kind: Callable[[list[object]], object]) -> object:
        values: list[object] = []
        for elt in elts:
            if isinstance(elt, ast.Starred):
                return UNKNOWN
            values.append(self._fold(elt))
        return kind(values)

    def _fold_Dict(self, node: ast.Dict) -> object:
        out: dict[object, object] = {}
        for key, value in zip(node.keys, node.values, strict=True):
            if key is None:
                return UNKNOWN
            k = self._fold(key)
            if isinstance(k, Unknown):
                return UNKNOWN
            out[k] = self._fold(value)
        return out

    # --- operators --------------------------------------------------------------------------

    def _fold_BinOp(self, node: ast.BinOp) -> object:
        left = self._fold(node.left)
        if isinstance(left, Unknown):
            return UNKNOWN
        right = self._fold(node.right)
        if isinstance(right, Unknown):
            return UNKNOWN
        op = type(node.op)
        if op is ast.Add:
            if isinstance(left, Ref | UserFunction) or isinstance(right, Ref | UserFunction):
                return UNKNOWN
            return left + right  # type: ignore[operator]
        if op is ast.Mult:
            for seq, n in ((left, right), (right, left)):
                if (
                    isinstance(seq, str | bytes | list | tuple)
                    and isinstance(n, int)
                    and len(seq) * max(n, 0) > MAX_VALUE
                ):
                    return UNKNOWN
            return left * right  # type: ignore[operator]
        if op is ast.Mod:
            if isinstance(left, str | bytes) and not isinstance(right, Ref):
                return left % right
            return left % right  # type: ignore[operator]
        if op is ast.LShift:
            if isinstance(right, int) and right > 256:
                return UNKNOWN
            return left << right  # type: ignore[operator]
        if op is ast.Pow:
            if isinstance(right, int) and right > 64:
                return UNKNOWN
            return left**right  # type: ignore[operator]
        if op is ast.Div and isinstance(left, str) and isinstance(right, str):
            # only a path divides by text (``Path.home() / ".config"``), and paths fold to
            # their text: the two are joined as the path operator joins them
            return right if right.startswith(("/", "\\")) else left.rstrip("/\\") + "/" + right
        ops: dict[type[ast.operator], Callable[[Any, Any], object]] = {
            ast.Sub: lambda a, b: a - b,
            ast.BitXor: self._xor,
            ast.BitAnd: lambda a, b: a & b,
            ast.BitOr: lambda a, b: a | b,
            ast.RShift: lambda a, b: a >> b,
            ast.FloorDiv: lambda a, b: a // b,
            ast.Div: lambda a, b: a / b,
        }
        fn = ops.get(op)
        return fn(left, right) if fn else UNKNOWN

    def _xor(self, a: object, b: object) -> object:
        self.trace.note("xor")
        return a ^ b  # type: ignore[operator]

    def _fold_UnaryOp(self, node: ast.UnaryOp) -> object:
        value = self._fold(node.operand)
        if isinstance(value, Unknown):
            return UNKNOWN
        if isinstance(node.op, ast.USub):
            return -value  # type: ignore[operator]
        if isinstance(node.op, ast.UAdd):
            return +value  # type: ignore[operator]
        if isinstance(node.op, ast.Invert):
            return ~value  # type: ignore[operator]
        if isinstance(node.op, ast.Not):
            return not value
        return UNKNOWN

    def _fold_Subscript(self, node: ast.Subscript) -> object:
        value = self._fold(node.value)
        if isinstance(value, Unknown):
            return UNKNOWN
        if isinstance(value, Ref):
            key = self._fold(node.slice)
            if value.name in (
                "builtins",
                "__builtins__",
                "builtins.__dict__",
                "globals()",
                "vars(builtins)",
            ) and isinstance(key, str):
                return Ref(key)
            if value.name in ("os.environ", "os.environb") and isinstance(key, str):
                return f"%{key}%"
            return UNKNOWN
        if isinstance(node.slice, ast.Slice):
            lower = self._fold(node.slice.lower) if node.slice.lower else None
            upper = self._fold(node.slice.upper) if node.slice.upper else None
            step = self._fold(node.slice.step) if node.slice.step else None
            if any(isinstance(v, Unknown) for v in (lower, upper, step)):
                return UNKNOWN
            if isinstance(step, int) and step < 0 and isinstance(value, str | bytes):
                self.trace.note("reverse")
            return value[slice(lower, upper, step)]  # type: ignore[index]
        key = self._fold(node.slice)
        if isinstance(key, Unknown):
            return UNKNOWN
        return value[key]  # type: ignore[index]

    def _fold_IfExp(self, node: ast.IfExp) -> object:
        test = self._fold(node.test)
        if isinstance(test, Unknown | Ref):
            # either way the same value (``getattr(b, "exec") if ... else b["exec"]``, the two
            # spellings of one builtin for the two types ``__builtins__`` may have)
            body = self._fold(node.body)
            if isinstance(body, Unknown) or body != self._fold(node.orelse):
                return UNKNOWN
            return body
        return self._fold(node.body if test else node.orelse)

    def _fold_Compare(self, node: ast.Compare) -> object:
        left = self._fold(node.left)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = self._fold(right_node)
            if any(isinstance(v, Unknown | Ref | UserFunction | Marshalled) for v in (left, right)):
                return UNKNOWN
            fn = _COMPARE.get(type(op))
            if fn is None or not fn(left, right):
                return False if fn is not None else UNKNOWN
            left = right
        return True

    def _fold_Attribute(self, node: ast.Attribute) -> object:
        base = self._fold(node.value)
        if isinstance(base, Ref):
            if base.name == "string" and node.attr in STRING_CONSTANTS:
                return STRING_CONSTANTS[node.attr]
            if node.attr == "__name__" and "." not in base.name:
                return base.name.removeprefix("builtins.")
            return base.attr(node.attr)
        if isinstance(base, str | bytes) and node.attr in _STR_METHODS | {
            "decode",
            "encode",
            "format",
        }:
            return _BoundMethod(base, node.attr)
        if isinstance(base, Unknown) and isinstance(node.value, ast.Call):
            # ``__import__("os").system``: keep the chain when the call named a module
            inner = self._call_target(node.value)
            if isinstance(inner, Ref):
                return inner.attr(node.attr)
        return UNKNOWN

    # --- comprehensions ----------------------------------------------------------------------

    def _comprehension(self, node: ast.ListComp | ast.GeneratorExp | ast.SetComp) -> object:
        if len(node.generators) != 1:
            return UNKNOWN
        gen = node.generators[0]
        iterable = self._fold(gen.iter)
        values = self._iterate(iterable)
        if values is None:
            return UNKNOWN
        saved = dict(self.env)
        out: list[object] = []
        try:
            for item in values:
                self.budget.spend()
                if not self._bind(gen.target, item):
                    return UNKNOWN
                if any(not self._truthy(self._fold(cond)) for cond in gen.ifs):
                    continue
                value = self._fold(node.elt)
                if isinstance(value, Unknown):
                    return UNKNOWN
                out.append(value)
        finally:
            self.env.clear()
            self.env.update(saved)
        return out

    _fold_ListComp = _comprehension
    _fold_GeneratorExp = _comprehension

    def _truthy(self, value: object) -> bool:
        if isinstance(value, Unknown | Ref):
            raise ValueError("unknown condition")
        return bool(value)

    def _bind(self, target: ast.expr, value: object) -> bool:
        if isinstance(target, ast.Name):
            self.env[target.id] = value
            return True
        if isinstance(target, ast.Tuple) and isinstance(value, tuple | list):
            if len(target.elts) != len(value):
                return False
            return all(self._bind(t, v) for t, v in zip(target.elts, value, strict=True))
        return False

    def _iterate(self, value: object) -> list[object] | None:
        if isinstance(value, str | bytes | bytearray | list | tuple | range):
            if len(value) > MAX_ITEMS:
                return None
            return list(value)
        return None

    # --- calls ---------------------------------------------------------------------------------

    def _call_target(self, node: ast.Call) -> object:
        """For ``__import__('x')`` and ``importlib.import_module('x')``: ``Ref('x')``."""
        func = self._fold(node.func)
        if (
            isinstance(func, Ref)
            and func.name
            in (
                "__import__",
                "builtins.__import__",
                "importlib.import_module",
            )
            and node.args
        ):
            name = self._fold(node.args[0])
            if isinstance(name, str):
                return Ref(name)
        return UNKNOWN

    def _fold_Call(self, node: ast.Call) -> object:
        func = self._fold(node.func)
        if isinstance(func, Unknown):
            return UNKNOWN
        if any(isinstance(a, ast.Starred) for a in node.args):
            return UNKNOWN
        if isinstance(func, Ref):
            return self._call_ref(func, node)
        args = [self._fold(a) for a in node.args]
        kwargs: dict[str | None, object] = {
            k.arg: self._fold(k.value) for k in node.keywords if k.arg
        }
        if isinstance(func, _BoundMethod):
            if any(isinstance(a, Unknown | Ref) for a in args):
                return UNKNOWN
            return func.call(args, kwargs, self)
        if isinstance(func, UserFunction):
            return self._inline(func, args)
        return UNKNOWN

    def _call_ref(self, func: Ref, node: ast.Call) -> object:
        name = func.name.removeprefix("builtins.")
        if name in ("__import__", "importlib.import_module"):
            return self._call_target(node)
        args = [self._fold(a) for a in node.args]
        if name == "getattr" and len(args) >= 2:
            base, attr = args[0], args[1]
            if isinstance(base, Ref) and isinstance(attr, str):
                return base.attr(attr) if base.name != "builtins" else Ref(attr)
            if isinstance(base, str | bytes) and isinstance(attr, str):
                return _BoundMethod(base, attr)
            return UNKNOWN
        if name in ("globals", "locals", "vars") and not args:
            return Ref("globals()")
        if name == "vars" and args and isinstance(args[0], Ref) and args[0].name == "builtins":
            return Ref("builtins.__dict__")
        if any(isinstance(a, Unknown) for a in args):
            return UNKNOWN
        if func.name.endswith(".__str__") or func.name.endswith(".__repr__"):
            inner = func.name.rsplit(".", 1)[0].removeprefix("builtins.")
            return _BUILTIN_TEXT.get(inner, f"<built-in function {inner}>")
        if name in ("eval", "compile") and args and isinstance(args[0], str | bytes):
            # eval of a constant expression (``eval("\\145\\166\\141\\154")`` is ``eval``)
            # is folded, never run; compile() of a constant is its text, for exec/eval to take
            text = args[0].decode("utf-8", "replace") if isinstance(args[0], bytes) else args[0]
            if name == "compile":
                self.trace.note("compile")
                return text
            return self._eval_text(text)
        if name in DECODERS:
            result = DECODERS[name](*args)
            if not isinstance(result, Unknown):
                self.trace.note(name)
            return result
        if name in ("marshal.loads",):
            data = _as_bytes(args[0]) if args else None
            if data is None:
                return UNKNOWN
            self.trace.note(name)
            return Marshalled(data)
        if name in _SIMPLE_BUILTINS:
            if any(isinstance(a, Ref | UserFunction | Marshalled) for a in args):
                return UNKNOWN
            if name == "chr":
                self.trace.note("chr")
            return _SIMPLE_BUILTINS[name](*args)
        return self._call_builtin_container(name, args)

    def _call_builtin_container(self, name: str, args: list[object]) -> object:
        if name == "str":
            if not args:
                return ""
            if isinstance(args[0], Ref):
                inner = args[0].name.removeprefix("builtins.")
                return _BUILTIN_TEXT.get(inner, f"<built-in function {inner}>")
            if len(args) >= 2 and isinstance(args[0], bytes) and isinstance(args[1], str):
                return args[0].decode(args[1], "replace")
            return str(args[0]) if isinstance(args[0], str | int | float) else UNKNOWN
        if name in ("bytes", "bytearray"):
            if not args:
                return b""
            if isinstance(args[0], str) and len(args) >= 2:
                return args[0].encode(str(args[1]), "surrogatepass")
            if isinstance(args[0], list | tuple | bytes | bytearray):
                return bytes(args[0])
            return UNKNOWN
        if name in ("list", "tuple", "reversed", "sorted"):
            seq = self._iterate(args[0]) if args else []
            if seq is None:
                return UNKNOWN
            if name == "reversed":
                return list(reversed(seq))
            if name == "sorted":
                return sorted(seq, key=repr)
            return list(seq) if name == "list" else tuple(seq)
        if name == "range":
            ints = [a for a in args if isinstance(a, int)]
            if ints and len(ints) == len(args) and len(ints) <= 3:
                r = range(*ints)
                return r if len(r) <= MAX_ITEMS else UNKNOWN
            return UNKNOWN
        if name == "map" and len(args) == 2:
            return self._map(args[0], args[1])
        if name == "os.path.join" and all(isinstance(a, str) for a in args):
            return "/".join(str(a) for a in args)
        if name in ("os.path.expanduser", "os.path.expandvars", "pathlib.Path", "Path"):
            return args[0] if args and isinstance(args[0], str) else UNKNOWN
        if name in ("os.getenv", "os.environ.get") and args and isinstance(args[0], str):
            return f"%{args[0]}%"
        if name in ("pathlib.Path.home", "Path.home", "os.path.expanduser"):
            return "~"
        return UNKNOWN

    def _eval_text(self, text: str) -> object:
        if self._depth > 8 or len(text) > 100_000:
            return UNKNOWN
        try:
            tree = ast.parse(text.strip(), mode="eval")
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return UNKNOWN
        self._depth += 1
        try:
            value = self._fold(tree.body)
        finally:
            self._depth -= 1
        if not isinstance(value, Unknown):
            self.trace.note("eval")
        return value

    def _map(self, fn: object, iterable: object) -> object:
        values = self._iterate(iterable)
        if values is None:
            return UNKNOWN
        self.budget.spend(len(values) // 8 + 1)
        if isinstance(fn, Ref) and fn.name.removeprefix("builtins.") in _SIMPLE_BUILTINS:
            short = fn.name.removeprefix("builtins.")
            if short == "chr":
                self.trace.note("chr")
            call = _SIMPLE_BUILTINS[short]
            return [call(v) for v in values]
        if isinstance(fn, Ref) and fn.name.removeprefix("builtins.") == "str":
            return [str(v) for v in values]
        if isinstance(fn, UserFunction):
            out = []
            for v in values:
                r = self._inline(fn, [v])
                if isinstance(r, Unknown):
                    return UNKNOWN
                out.append(r)
            return out
        return UNKNOWN

    def _inline(self, fn: UserFunction, args: list[object]) -> object:
        if self._depth > 8:
            return UNKNOWN
        node = fn.node
        params = [a.arg for a in node.args.args]
        if len(args) > len(params) or any(isinstance(a, Unknown) for a in args):
            return UNKNOWN
        defaults = node.args.defaults
        saved = dict(self.env)
        self._depth += 1
        try:
            for i, param in enumerate(params):
                if i < len(args):
                    self.env[param] = args[i]
                else:
                    d_index = i - (len(params) - len(defaults))
                    if d_index < 0:
                        return UNKNOWN
                    self.env[param] = self._fold(defaults[d_index])
            if isinstance(node, ast.Lambda):
                return self._fold(node.body)
            for stmt in node.body:
                if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                    if not self._bind(stmt.targets[0], self._fold(stmt.value)):
                        return UNKNOWN
                elif isinstance(stmt, ast.Return) and stmt.value is not None:
                    return self._fold(stmt.value)
                elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
                    continue
                else:
                    return UNKNOWN
            return UNKNOWN
        finally:
            self._depth -= 1
            self.env.clear()
            self.env.update(saved)

    def _fold_Lambda(self, node: ast.Lambda) -> object:
        return UserFunction(node)


class _FoldMethods(dict[type, Callable[[Folder, Any], object] | None]):
    """``Folder._fold_<node class name>`` per node class, looked up once per class."""

    def __missing__(self, cls: type) -> Callable[[Folder, Any], object] | None:
        method = self[cls] = getattr(Folder, f"_fold_{cls.__name__}", None)
        return method


_FOLD_METHODS = _FoldMethods()


_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Eq: lambda a, b: bool(a == b),
    ast.NotEq: lambda a, b: bool(a != b),
    ast.Lt: lambda a, b: bool(a < b),
    ast.LtE: lambda a, b: bool(a <= b),
    ast.Gt: lambda a, b: bool(a > b),
    ast.GtE: lambda a, b: bool(a >= b),
    ast.In: lambda a, b: bool(a in b),
    ast.NotIn: lambda a, b: bool(a not in b),
}

STRING_CONSTANTS = {
    "ascii_letters": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "ascii_lowercase": "abcdefghijklmnopqrstuvwxyz",
    "ascii_uppercase": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "digits": "0123456789",
    "hexdigits": "0123456789abcdefABCDEF",
    "octdigits": "01234567",
    "punctuation": "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
}


class _BoundMethod:
    """A method of a folded str or bytes value, called with folded arguments."""

    __slots__ = ("attr", "base")

    def __init__(self, base: str | bytes, attr: str) -> None:
        self.base = base
        self.attr = attr

    def call(self, args: list[object], kwargs: dict[str | None, object], folder: Folder) -> object:
        base, attr = self.base, self.attr
        if attr == "join":
            seq = folder._iterate(args[0]) if args else None
            if seq is None:
                return UNKNOWN
            if isinstance(base, str):
                if not all(isinstance(s, str) for s in seq):
                    return UNKNOWN
                return base.join(seq)  # type: ignore[arg-type]
            if not all(isinstance(s, bytes | bytearray) for s in seq):
                return UNKNOWN
            return base.join(seq)  # type: ignore[arg-type]
        if attr == "decode":
            if isinstance(base, str):
                return UNKNOWN
            encoding = str(args[0]) if args else str(kwargs.get("encoding", "utf-8"))
            if encoding.lower().replace("-", "") in ("hex",):
                return binascii.unhexlify(base)
            if encoding.lower() in ("base64",):
                return base64.b64decode(base)
            return base.decode(encoding, "replace")
        if attr == "encode":
            if isinstance(base, bytes):
                return UNKNOWN
            encoding = str(args[0]) if args else "utf-8"
            if encoding.lower() in ("rot13", "rot_13"):
                folder.trace.note("rot13")
                return _rot13(base)
            return base.encode(encoding, "surrogatepass")
        if attr == "format" and isinstance(base, str):
            if any(isinstance(v, Ref | Unknown) for v in kwargs.values()):
                return UNKNOWN
            return base.format(*args, **{k: v for k, v in kwargs.items() if k})
        if attr == "hex" and isinstance(base, bytes):
            return base.hex()
        method = getattr(base, attr, None)
        if method is None or attr not in _STR_METHODS:
            return UNKNOWN
        return method(*args)


def marshal_strings(data: bytes, minimum: int = 3) -> list[str]:
    """Names and strings inside a marshalled code object, read as bytes and never loaded."""
    out: list[str] = []
    i = 0
    n = len(data)
    while i < n and len(out) < 5000:
        code = data[i] & 0x7F
        if code in (0x7A, 0x5A) and i + 1 < n:  # short ascii (interned)
            length = data[i + 1]
            chunk = data[i + 2 : i + 2 + length]
            if length >= minimum and chunk.isascii():
                out.append(chunk.decode("ascii"))
                i += 2 + length
                continue
        elif code in (0x61, 0x41, 0x75, 0x73, 0x74) and i + 5 <= n:  # ascii, unicode, bytes
            length = int.from_bytes(data[i + 1 : i + 5], "little")
            if minimum <= length <= n - i - 5:
                chunk = data[i + 5 : i + 5 + length]
                try:
                    out.append(chunk.decode("utf-8"))
                    i += 5 + length
                    continue
                except UnicodeDecodeError:
                    pass
        i += 1
    return out


def looks_like_text(value: bytes | str) -> str | None:
    """Decoded bytes as text when they are text, else None."""
    if isinstance(value, str):
        return value
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        return None
    sample = text[:2048]
    if not sample:
        return None
    printable = sum(1 for c in sample if c.isprintable() or c in "\r\n\t")
    return text if printable >= 0.95 * len(sample) else None


def iter_strings(value: object) -> Iterable[str]:
    """Every string inside a folded value (lists of strings, bytes as text)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, bytes | bytearray):
        text = looks_like_text(bytes(value))
        if text is not None:
            yield text
    elif isinstance(value, list | tuple):
        for v in value[:1000]:
            yield from iter_strings(v)
    elif isinstance(value, Marshalled):
        yield " ".join(marshal_strings(value.data))
