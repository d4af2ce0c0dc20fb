"""A symbolic pickle machine: follows every opcode of protocols 0-5 and never imports anything.

It keeps a symbolic stack and memo so that it knows which globals a stream imports, which of them
it calls and with what, which operands were not literals, and which byte strings are handed to a
callable (nested payloads). It records events; deciding what is dangerous is the policy's job.
"""

from __future__ import annotations

import codecs
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from outwork.analyzers.models.policy import gadget
from outwork.core.artifact import pickle_fails_before_code

#: Opcodes the machine follows (every opcode of protocols 0-5).
MAX_OPS = 20_000_000
MAX_CONTAINER_ITEMS = 64  # items kept per symbolic container (the rest are counted, not kept)
MAX_NESTED = 4096  # nested payloads recorded per stream (the rest are counted)
MAX_MEMO = 1_000_000
#: Bytes of a newline-terminated argument read at once; a longer line is read past and reported.
MAX_LINE = 65536
_SEARCH_CHUNK = 1 << 20
#: Digits this Python converts to an int (its default limit); a longer literal stays opaque.
MAX_DIGITS = 4300
#: Bytes of a LONG1/LONG4 literal converted; a longer one is skipped and stays opaque.
MAX_LONG_BYTES = 1_000_000


# The machine's values: mutable where the machine fills them in, compared by identity (two
# equal-looking values at different offsets are different objects).


@dataclass(slots=True, eq=False)
class Lit:
    """A literal: str, bytes (as a view), int, float, bool or None."""

    value: object
    offset: int = -1


@dataclass(slots=True, eq=False)
class Glob:
    module: str
    name: str
    offset: int
    opcode: str


@dataclass(slots=True, eq=False)
class Obj:
    """The result of a call or instantiation."""

    func: object
    args: object
    offset: int
    state: object = None


@dataclass(slots=True, eq=False)
class Seq:
    kind: str  # tuple, list, dict, set, frozenset
    items: list[object] = field(default_factory=list)


@dataclass(slots=True, eq=False)
class Opaque:
    """A value the machine cannot know (persistent id, out-of-band buffer, extension code)."""

    what: str
    offset: int = -1


# Type tuples for isinstance in the opcode handlers.
_BINARY = (bytes, bytearray, memoryview)
_BYTES_OR_TEXT = (bytes, memoryview, str)
_OBJECTS = (Obj, Opaque)


_FLOAT = Lit(0.0)
#: First bytes of a literal :meth:`Machine._nested_in` may follow: a protocol 2+ pickle (PROTO),
#: a protocol 0/1 one (GLOBAL or MARK first, see :func:`looks_like_pickle`), a zip (``PK``). Text
#: is searched as its Latin-1 encoding, so the same characters.
_PAYLOAD_FIRST = frozenset(b"\x80c(P")
_PAYLOAD_FIRST_TEXT = frozenset("\x80c(P")


class Import(NamedTuple):
    offset: int
    module: str
    name: str
    opcode: str


class Call(NamedTuple):
    offset: int
    opcode: str
    module: str
    name: str
    args: str


class Dynamic(NamedTuple):
    """An operation whose target is not a literal: unknown, so dangerous."""

    offset: int
    opcode: str
    detail: str


class Nested(NamedTuple):
    """Bytes handed to a callable that look like another pickle (or a PyTorch zip)."""

    offset: int
    data: bytes
    via: str


class Malformed(NamedTuple):
    offset: int
    message: str


class Fork(NamedTuple):
    """A machine's state where a plain loader parts from joblib's: at the first array's bytes,
    which joblib skips and ``pickle.load`` reads as opcodes."""

    pos: int
    protocol: int
    stack: list[object]
    marks: list[list[object]]
    memo: dict[int, object]
    seen: set[tuple[str, str]]


@dataclass(slots=True, eq=False)
class Trace:
    """What one pickle stream does."""

    start: int
    end: int = -1
    protocol: int = 0
    imports: list[Import] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    dynamic: list[Dynamic] = field(default_factory=list)
    nested: list[Nested] = field(default_factory=list)
    #: Nested payloads past :data:`MAX_NESTED`, counted, not recorded.
    nested_dropped: int = 0
    errors: list[Malformed] = field(default_factory=list)
    ops: int = 0
    #: Byte ranges of raw joblib array data skipped inside the stream.
    skipped: list[tuple[int, int]] = field(default_factory=list)
    #: The value returned by STOP, for container readers (legacy torch magic, joblib wrappers).
    result: object = None
    #: The state at the first skipped array, when no object array came before it (see
    #: :func:`resume`).
    fork: Fork | None = None

    @property
    def complete(self) -> bool:
        return self.end >= 0 and not self.errors


class _TruncatedError(Exception):
    pass


class _BadError(Exception):
    pass


#: Python 2 module names that the unpickler maps to Python 3 ones (pickle's fix_imports).
PY2_MODULES: dict[str, str] = {
    "__builtin__": "builtins",
    "copy_reg": "copyreg",
    "exceptions": "builtins",
    "cPickle": "pickle",
    "cStringIO": "io",
    "StringIO": "io",
    "commands": "subprocess",
    "Queue": "queue",
    "UserDict": "collections",
    "UserList": "collections",
    "UserString": "collections",
    "urllib2": "urllib.request",
    "httplib": "http.client",
    "SocketServer": "socketserver",
    "thread": "_thread",
    "dummy_thread": "_dummy_thread",
    "repr": "reprlib",
    "Tkinter": "tkinter",
    "HTMLParser": "html.parser",
    "htmlentitydefs": "html.entities",
    "BaseHTTPServer": "http.server",
    "CGIHTTPServer": "http.server",
    "SimpleHTTPServer": "http.server",
    "xmlrpclib": "xmlrpc.client",
    "cookielib": "http.cookiejar",
    "dbm": "dbm.ndbm",
    "anydbm": "dbm",
    "whichdb": "dbm",
    "__main__": "__main__",
}


def _preview(value: object, depth: int = 0) -> str:
    if depth > 3:
        return "..."
    if isinstance(value, Lit):
        v = value.value
        if isinstance(v, _BINARY):
            b = bytes(v[:40])
            return repr(b) + ("..." if len(v) > 40 else "")
        text = repr(v)
        return text[:80] + ("..." if len(text) > 80 else "")
    if isinstance(value, Glob):
        return f"{value.module}.{value.name}"
    if isinstance(value, Obj):
        return f"{_preview(value.func, depth + 1)}(...)"
    if isinstance(value, Seq):
        inner = ", ".join(_preview(i, depth + 1) for i in value.items[:6])
        if value.kind == "tuple":
            return f"({inner})"
        if value.kind == "list":
            return f"[{inner}]"
        return f"{value.kind}({inner})"
    if isinstance(value, Opaque):
        return f"<{value.what}>"
    return "?"


class Machine:
    """Runs one pickle stream symbolically from ``start`` in ``buf``."""

    def __init__(
        self,
        buf: bytes | memoryview,
        start: int = 0,
        *,
        max_ops: int = MAX_OPS,
        joblib: bool = True,
    ) -> None:
        self.buf = memoryview(buf) if not isinstance(buf, memoryview) else buf
        self.buflen = len(self.buf)
        self._nested_ops = 0
        self.pos = start
        self.max_ops = max_ops
        self.joblib = joblib
        self.trace = Trace(start=start)
        self.stack: list[object] = []
        self.marks: list[list[object]] = []
        self.memo: dict[int, object] = {}
        self._seen_imports: set[tuple[str, str]] = set()
        #: Byte and text literals met so far that could hold a nested payload (see
        #: :meth:`_literal`): with none, no state or argument is searched for one.
        self._payloads = 0
        #: Those literals themselves, and the ones a call or a state handed to
        #: :meth:`_nested_in` (by identity of their value): a literal the machine's containers
        #: dropped (past :data:`MAX_CONTAINER_ITEMS`) is followed at the end all the same.
        self._payload_literals: list[Lit] = []
        self._followed: set[int] = set()
        #: Whether the next joblib array is the first (where a plain loader's reading forks).
        self._first_array = True

    # -- reading ---------------------------------------------------------------------------
    def _read(self, n: int) -> memoryview:
        if n < 0:
            raise _BadError(f"negative length {n}")
        pos = self.pos
        end = pos + n
        if end > self.buflen:
            raise _TruncatedError(f"needs {n} bytes, {self.buflen - pos} left")
        self.pos = end
        return self.buf[pos:end]

    def _u1(self) -> int:
        pos = self.pos
        if pos >= self.buflen:
            raise _TruncatedError("needs 1 byte, 0 left")
        self.pos = pos + 1
        return self.buf[pos]

    def _line(self) -> bytes:
        """The next newline-terminated argument. A line longer than :data:`MAX_LINE` is read
        past (a loader reads it whole, then runs what follows) and recorded as a break; its
        first :data:`MAX_LINE` bytes stand for it."""
        limit = min(self.buflen, self.pos + MAX_LINE)
        chunk = bytes(self.buf[self.pos : limit])
        idx = chunk.find(b"\n")
        if idx >= 0:
            self.pos += idx + 1
            return chunk[:idx]
        end = self._newline_after(limit)
        if end < 0:
            raise _TruncatedError("line without newline")
        self.trace.errors.append(
            Malformed(self.pos, f"line of {end - self.pos} bytes (longer than 64 KiB) read past")
        )
        self.pos = end + 1
        return chunk

    def _newline_after(self, pos: int) -> int:
        """The offset of the next newline at or after ``pos``, or -1: searched in bounded
        chunks, so a line as long as the file costs one pass and no copy of it."""
        while pos < self.buflen:
            limit = min(self.buflen, pos + _SEARCH_CHUNK)
            idx = bytes(self.buf[pos:limit]).find(b"\n")
            if idx >= 0:
                return pos + idx
            pos = limit
        return -1

    def _u(self, n: int, fmt: str) -> int:
        return int(struct.unpack(fmt, self._read(n))[0])

    # -- stack -----------------------------------------------------------------------------
    def _pop(self) -> object:
        if not self.stack:
            raise _BadError("stack underflow")
        return self.stack.pop()

    def _top(self) -> object:
        if not self.stack:
            raise _BadError("stack underflow")
        return self.stack[-1]

    def _pop_mark(self) -> list[object]:
        if not self.marks:
            raise _BadError("no MARK on the stack")
        items = self.stack
        self.stack = self.marks.pop()
        return items

    def _push(self, value: object) -> None:
        # The opcode budget bounds the stack: every push costs an opcode.
        self.stack.append(value)

    # -- events ----------------------------------------------------------------------------
    def _import(self, module: str, name: str, offset: int, opcode: str) -> Glob:
        module = PY2_MODULES.get(module, module) if self.trace.protocol < 3 else module
        key = (module, name)
        if key not in self._seen_imports:
            self._seen_imports.add(key)
            self.trace.imports.append(Import(offset, module, name, opcode))
        return Glob(module, name, offset, opcode)

    def _call(self, func: object, args: object, offset: int, opcode: str) -> Obj:
        if isinstance(func, Glob):
            self.trace.calls.append(Call(offset, opcode, func.module, func.name, _preview(args)))
        else:
            self.trace.dynamic.append(
                Dynamic(offset, opcode, f"calls a computed value {_preview(func)}")
            )
        self._nested_in(args, offset, func)
        if isinstance(func, Glob):
            self._through_gadget(func, args, offset, opcode)
        if isinstance(func, Glob) and (func.module, func.name) in LOADERS:
            first = args.items[0] if isinstance(args, Seq) and args.items else None
            if _literal_bytes(first) is None:
                self.trace.dynamic.append(
                    Dynamic(
                        offset,
                        opcode,
                        f"hands computed bytes {_preview(first)} to the loader "
                        f"{func.module}.{func.name}: the nested payload cannot be read",
                    )
                )
        return Obj(func, args, offset)

    def _through_gadget(self, func: Glob, args: object, offset: int, opcode: str) -> None:
        """An allowed callable that calls one of its arguments (a call gadget): a global
        there is called, a computed value there is a call of something unnamed."""
        found = gadget(func.module, func.name)
        if found is None or not isinstance(args, Seq):
            return
        positions, what = found
        via = f"{func.module}.{func.name}"
        for position in positions:
            if position >= len(args.items):
                continue
            target = args.items[position]
            if isinstance(target, Glob):
                self.trace.calls.append(
                    Call(offset, f"{opcode} via {via}", target.module, target.name, what)
                )
            elif not isinstance(target, Lit):
                self.trace.dynamic.append(
                    Dynamic(
                        offset,
                        opcode,
                        f"hands the computed value {_preview(target)} to {via}, which calls it "
                        f"({what})",
                    )
                )

    def _nested_in(self, value: object, offset: int, via: object, depth: int = 0) -> None:
        if depth > 3 or not self._payloads:
            return
        raw = _literal_bytes(value)
        if raw is not None:
            if len(raw) < 4 or not _payload_head(raw):
                return
            self._followed.add(id(raw))
            self._add_nested(raw, offset, _preview(via))
        elif isinstance(value, Seq):
            for item in value.items:
                self._nested_in(item, offset, via, depth + 1)

    def _add_nested(self, raw: bytes | memoryview | str, offset: int, via: str) -> None:
        data = raw.encode("latin-1", "replace") if isinstance(raw, str) else bytes(raw)
        is_zip = data[:4] == b"PK\x03\x04"
        if not is_zip and not looks_like_pickle(data):
            return
        if not is_zip and data[:1] != b"\x80" and pickle_fails_before_code(data):
            return  # text (a document's paragraph) a loader handed it raises on at once
        if len(self.trace.nested) >= MAX_NESTED:
            self.trace.nested_dropped += 1
            return
        self.trace.nested.append(Nested(offset, data, via))

    def _follow_dropped(self) -> None:
        """Payload literals no call or state the machine kept reached: a state or an argument
        list longer than the machine keeps (:data:`MAX_CONTAINER_ITEMS`) still reaches the
        loader whole, so what it held is read as what it is."""
        for literal in self._payload_literals:
            raw = literal.value
            if isinstance(raw, _BYTES_OR_TEXT) and id(raw) not in self._followed:
                self._followed.add(id(raw))
                self._add_nested(raw, literal.offset, "a literal past the items the machine keeps")

    # -- main loop -------------------------------------------------------------------------
    def run(self) -> Trace:
        trace = self.trace
        buf, buflen, dispatch, max_ops = self.buf, self.buflen, _DISPATCH, self.max_ops
        ops = trace.ops
        try:
            while True:
                if ops >= max_ops:
                    raise _BadError(f"more than {max_ops} opcodes")
                ops += 1
                offset = self.pos
                if offset >= buflen:
                    raise _TruncatedError("stream ends without STOP")
                code = buf[offset]
                self.pos = offset + 1
                handler = dispatch.get(code)
                if handler is None:
                    raise _BadError(f"unknown opcode 0x{code:02x}")
                if handler(self, offset):
                    trace.ops = ops + self._nested_ops
                    trace.end = self.pos
                    trace.result = self.stack[-1] if self.stack else None
                    if self._payload_literals:
                        self._follow_dropped()
                    return trace
        except _TruncatedError as exc:
            trace.ops = ops + self._nested_ops
            trace.errors.append(Malformed(self.pos, f"truncated: {exc}"))
        except _BadError as exc:
            trace.ops = ops + self._nested_ops
            trace.errors.append(Malformed(offset, str(exc)))
        except (ValueError, UnicodeDecodeError, OverflowError, struct.error) as exc:
            trace.ops = ops + self._nested_ops
            trace.errors.append(Malformed(offset, f"{type(exc).__name__}: {exc}"))
        if self._payload_literals:
            self._follow_dropped()
        return trace

    # -- opcode handlers: return True on STOP ----------------------------------------------
    def op_mark(self, off: int) -> bool:
        self.marks.append(self.stack)
        self.stack = []
        return False

    def op_stop(self, off: int) -> bool:
        if not self.stack:
            raise _BadError("STOP with an empty stack")
        return True

    def op_pop(self, off: int) -> bool:
        if self.stack:
            self.stack.pop()
        else:
            self._pop_mark()
        return False

    def op_pop_mark(self, off: int) -> bool:
        self._pop_mark()
        return False

    def op_dup(self, off: int) -> bool:
        self._push(self._top())
        return False

    def op_float(self, off: int) -> bool:
        self._push(Lit(float(self._line()), off))
        return False

    def op_int(self, off: int) -> bool:
        line = self._line()
        if line == b"00":
            value: object = False
        elif line == b"01":
            value = True
        else:
            value = self._int(line, off)
        self._push(value if isinstance(value, Opaque) else Lit(value, off))
        return False

    def _int(self, digits: bytes, off: int) -> int | Opaque:
        """A decimal literal, or an opaque integer when it is longer than Python converts
        (a loader on an older Python does convert it, then runs what follows)."""
        if len(digits) <= MAX_DIGITS:
            return int(digits)
        if not digits.lstrip(b"+-").isdigit():
            raise _BadError("integer literal is not a number")
        return Opaque(f"integer of {len(digits)}+ digits", off)

    def op_binint(self, off: int) -> bool:
        self._push(Lit(self._u(4, "<i"), off))
        return False

    def op_binint1(self, off: int) -> bool:
        self._push(Lit(self._u1(), off))
        return False

    def op_binint2(self, off: int) -> bool:
        self._push(Lit(self._u(2, "<H"), off))
        return False

    def op_long(self, off: int) -> bool:
        line = self._line()
        if line.endswith(b"L"):
            line = line[:-1]
        value = self._int(line, off)
        self._push(value if isinstance(value, Opaque) else Lit(value, off))
        return False

    def _long_bytes(self, n: int, off: int) -> None:
        if n > MAX_LONG_BYTES:
            self._read(n)  # skipped, not copied: what follows still runs on load
            self._push(Opaque(f"integer of {n} bytes", off))
            return
        data = bytes(self._read(n))
        self._push(Lit(int.from_bytes(data, "little", signed=True), off))

    def op_long1(self, off: int) -> bool:
        self._long_bytes(self._u1(), off)
        return False

    def op_long4(self, off: int) -> bool:
        self._long_bytes(self._u(4, "<i"), off)
        return False

    def op_none(self, off: int) -> bool:
        self._push(Lit(None, off))
        return False

    def op_true(self, off: int) -> bool:
        self._push(Lit(True, off))
        return False

    def op_false(self, off: int) -> bool:
        self._push(Lit(False, off))
        return False

    def op_binfloat(self, off: int) -> bool:
        # Float values never decide anything: skip the bytes, push a shared literal.
        if self.pos + 8 > self.buflen:
            raise _TruncatedError("BINFLOAT needs 8 bytes")
        self.pos += 8
        self.stack.append(_FLOAT)
        return False

    def op_string(self, off: int) -> bool:
        line = self._line().rstrip(b"\r")
        if len(line) >= 2 and line[:1] == line[-1:] and line[:1] in (b"'", b'"'):
            line = line[1:-1]
        else:
            raise _BadError("STRING literal is not quoted")
        self._literal(codecs.escape_decode(line)[0], off)
        return False

    def op_binstring(self, off: int) -> bool:
        self._literal(self._read(self._u(4, "<i")), off)
        return False

    def op_short_binstring(self, off: int) -> bool:
        self._literal(self._read(self._u1()), off)
        return False

    def op_binbytes(self, off: int) -> bool:
        self._literal(self._read(self._u(4, "<I")), off)
        return False

    def op_short_binbytes(self, off: int) -> bool:
        self._literal(self._read(self._u1()), off)
        return False

    def op_binbytes8(self, off: int) -> bool:
        self._literal(self._read(self._u(8, "<Q")), off)
        return False

    def op_bytearray8(self, off: int) -> bool:
        self._literal(self._read(self._u(8, "<Q")), off)
        return False

    def op_unicode(self, off: int) -> bool:
        self._literal(self._line().decode("raw-unicode-escape"), off)
        return False

    def _text(self, n: int, off: int) -> None:
        text = str(self._read(n), "utf-8", "surrogatepass")
        literal = Lit(text, off)
        if len(text) >= 4 and text[0] in _PAYLOAD_FIRST_TEXT and _payload_head(text):
            self._payloads += 1
            self._payload_literals.append(literal)
        self.stack.append(literal)

    def _literal(self, value: bytes | memoryview | str, off: int) -> None:
        """Push a byte or text literal, counted when :meth:`_nested_in` would follow it."""
        if (
            len(value) >= 4
            and value[0] in (_PAYLOAD_FIRST_TEXT if isinstance(value, str) else _PAYLOAD_FIRST)
            and _payload_head(value)
        ):
            self._payloads += 1
            literal = Lit(value, off)
            self._payload_literals.append(literal)
            self._push(literal)
            return
        self._push(Lit(value, off))

    def op_binunicode(self, off: int) -> bool:
        self._text(self._u(4, "<I"), off)
        return False

    def op_short_binunicode(self, off: int) -> bool:
        self._text(self._u1(), off)
        return False

    def op_binunicode8(self, off: int) -> bool:
        self._text(self._u(8, "<Q"), off)
        return False

    def op_persid(self, off: int) -> bool:
        self._line()
        self._push(Opaque("persistent id", off))
        return False

    def op_binpersid(self, off: int) -> bool:
        self._pop()
        self._push(Opaque("persistent id", off))
        return False

    def op_reduce(self, off: int) -> bool:
        args = self._pop()
        func = self._pop()
        self._push(self._call(func, args, off, "REDUCE"))
        return False

    def op_build(self, off: int) -> bool:
        state = self._pop()
        target = self._top()
        if isinstance(target, Glob):
            self.trace.dynamic.append(
                Dynamic(off, "BUILD", f"sets attributes on {target.module}.{target.name} itself")
            )
        elif not isinstance(target, _OBJECTS):
            self.trace.dynamic.append(
                Dynamic(off, "BUILD", f"sets state on a non-object {_preview(target)}")
            )
        self._nested_in(state, off, target)
        if isinstance(target, Obj):
            target.state = state
            if self.joblib and _is_joblib_wrapper(target.func):
                self._joblib_array(state, off)
        return False

    def _joblib_array(self, state: object, off: int) -> None:
        """joblib writes array bytes (or a nested pickle) right after the wrapper's BUILD."""
        layout = array_layout(state)
        if layout is None:
            raise _BadError("joblib array wrapper with a shape or dtype that is not a literal")
        hasobject = layout.hasobject
        if self._first_array:
            self._first_array = False
            if not hasobject:
                self.trace.fork = Fork(
                    self.pos,
                    self.trace.protocol,
                    list(self.stack),
                    [list(m) for m in self.marks],
                    dict(self.memo),
                    set(self._seen_imports),
                )
        if hasobject:
            # joblib reads the nested stream with a plain Unpickler: no wrappers inside it.
            inner = Machine(self.buf, self.pos, max_ops=self.max_ops, joblib=False)
            sub = inner.run()
            self.trace.imports.extend(
                i for i in sub.imports if (i.module, i.name) not in self._seen_imports
            )
            self._seen_imports.update((i.module, i.name) for i in sub.imports)
            self.trace.calls.extend(sub.calls)
            self.trace.dynamic.extend(sub.dynamic)
            self.trace.nested.extend(sub.nested)
            self.trace.nested_dropped += sub.nested_dropped
            self.trace.errors.extend(sub.errors)
            self._nested_ops += sub.ops
            if not sub.complete:
                raise _BadError("nested joblib object-array pickle is broken")
            self.pos = sub.end
            return
        begin = self.pos
        if layout.aligned:
            pad = self._u1()
            self._read(pad)
        self._read(layout.items * layout.itemsize)
        self.trace.skipped.append((begin, self.pos))

    def op_global(self, off: int) -> bool:
        module = self._line().decode("utf-8")
        name = self._line().decode("utf-8")
        self._push(self._import(module, name, off, "GLOBAL"))
        return False

    def op_stack_global(self, off: int) -> bool:
        name = self._pop()
        module = self._pop()
        if (
            isinstance(module, Lit)
            and isinstance(module.value, str)
            and isinstance(name, Lit)
            and isinstance(name.value, str)
        ):
            self._push(self._import(module.value, name.value, off, "STACK_GLOBAL"))
        else:
            self.trace.dynamic.append(
                Dynamic(
                    off,
                    "STACK_GLOBAL",
                    f"imports a global whose name is not a literal: {_preview(module)} "
                    f"{_preview(name)}",
                )
            )
            self._push(Opaque("computed global", off))
        return False

    def op_inst(self, off: int) -> bool:
        module = self._line().decode("utf-8")
        name = self._line().decode("utf-8")
        items = self._pop_mark()
        glob = self._import(module, name, off, "INST")
        self._push(self._call(glob, Seq("tuple", items[:MAX_CONTAINER_ITEMS]), off, "INST"))
        return False

    def op_obj(self, off: int) -> bool:
        items = self._pop_mark()
        if not items:
            raise _BadError("OBJ without a class")
        cls, args = items[0], items[1:]
        self._push(self._call(cls, Seq("tuple", args[:MAX_CONTAINER_ITEMS]), off, "OBJ"))
        return False

    def op_newobj(self, off: int) -> bool:
        args = self._pop()
        cls = self._pop()
        self._push(self._call(cls, args, off, "NEWOBJ"))
        return False

    def op_newobj_ex(self, off: int) -> bool:
        kwargs = self._pop()
        args = self._pop()
        cls = self._pop()
        self._push(self._call(cls, Seq("tuple", [args, kwargs]), off, "NEWOBJ_EX"))
        return False

    def _ext(self, code: int, off: int) -> None:
        self.trace.dynamic.append(
            Dynamic(off, "EXT", f"imports extension-registry code {code} (resolved at load time)")
        )
        self._push(Opaque(f"extension {code}", off))

    def op_ext1(self, off: int) -> bool:
        self._ext(self._u1(), off)
        return False

    def op_ext2(self, off: int) -> bool:
        self._ext(self._u(2, "<H"), off)
        return False

    def op_ext4(self, off: int) -> bool:
        self._ext(self._u(4, "<i"), off)
        return False

    def _collection(self, kind: str, items: list[object]) -> Seq:
        return Seq(kind, items[:MAX_CONTAINER_ITEMS])

    def op_tuple(self, off: int) -> bool:
        self._push(self._collection("tuple", self._pop_mark()))
        return False

    def op_empty_tuple(self, off: int) -> bool:
        self._push(Seq("tuple"))
        return False

    def _tuple_n(self, n: int) -> None:
        if len(self.stack) < n:
            raise _BadError("stack underflow")
        items = self.stack[len(self.stack) - n :]
        del self.stack[len(self.stack) - n :]
        self._push(Seq("tuple", items))

    def op_tuple1(self, off: int) -> bool:
        self._tuple_n(1)
        return False

    def op_tuple2(self, off: int) -> bool:
        self._tuple_n(2)
        return False

    def op_tuple3(self, off: int) -> bool:
        self._tuple_n(3)
        return False

    def op_list(self, off: int) -> bool:
        self._push(self._collection("list", self._pop_mark()))
        return False

    def op_empty_list(self, off: int) -> bool:
        self._push(Seq("list"))
        return False

    def op_dict(self, off: int) -> bool:
        self._push(self._collection("dict", self._pop_mark()))
        return False

    def op_empty_dict(self, off: int) -> bool:
        self._push(Seq("dict"))
        return False

    def op_empty_set(self, off: int) -> bool:
        self._push(Seq("set"))
        return False

    def op_frozenset(self, off: int) -> bool:
        self._push(self._collection("frozenset", self._pop_mark()))
        return False

    def _extend(self, target: object, items: list[object], off: int, what: str) -> None:
        if isinstance(target, Seq):
            room = MAX_CONTAINER_ITEMS - len(target.items)
            if room > 0:
                target.items.extend(items[:room])
        elif isinstance(target, Obj):
            # list.extend / dict.__setitem__ / set.add on an object call its own methods.
            for item in items:
                self._nested_in(item, off, target)
        elif isinstance(target, Glob):
            self.trace.dynamic.append(
                Dynamic(off, what, f"mutates the global {target.module}.{target.name}")
            )
        else:
            self.trace.dynamic.append(Dynamic(off, what, f"mutates {_preview(target)}"))

    def op_append(self, off: int) -> bool:
        value = self._pop()
        self._extend(self._top(), [value], off, "APPEND")
        return False

    def op_appends(self, off: int) -> bool:
        items = self._pop_mark()
        self._extend(self._top(), items, off, "APPENDS")
        return False

    def op_setitem(self, off: int) -> bool:
        value = self._pop()
        key = self._pop()
        self._extend(self._top(), [key, value], off, "SETITEM")
        return False

    def op_setitems(self, off: int) -> bool:
        items = self._pop_mark()
        self._extend(self._top(), items, off, "SETITEMS")
        return False

    def op_additems(self, off: int) -> bool:
        items = self._pop_mark()
        self._extend(self._top(), items, off, "ADDITEMS")
        return False

    def _get(self, index: int) -> None:
        if index not in self.memo:
            raise _BadError(f"memo key {index} was never stored")
        self._push(self.memo[index])

    def _put(self, index: int) -> None:
        if not self.stack:
            raise _BadError("stack underflow")
        memo = self.memo
        if len(memo) >= MAX_MEMO and index not in memo:
            raise _BadError("memo budget exceeded")
        if index < 0:
            raise _BadError("negative memo key")
        memo[index] = self.stack[-1]

    def op_get(self, off: int) -> bool:
        self._get(int(self._line()))
        return False

    def op_binget(self, off: int) -> bool:
        self._get(self._u1())
        return False

    def op_long_binget(self, off: int) -> bool:
        self._get(self._u(4, "<I"))
        return False

    def op_put(self, off: int) -> bool:
        self._put(int(self._line()))
        return False

    def op_binput(self, off: int) -> bool:
        self._put(self._u1())
        return False

    def op_long_binput(self, off: int) -> bool:
        self._put(self._u(4, "<I"))
        return False

    def op_memoize(self, off: int) -> bool:
        self._put(len(self.memo))
        return False

    def op_proto(self, off: int) -> bool:
        proto = self._u1()
        if proto > 5:
            raise _BadError(f"unsupported protocol {proto}")
        self.trace.protocol = proto
        return False

    def op_frame(self, off: int) -> bool:
        self._u(8, "<Q")
        return False

    def op_next_buffer(self, off: int) -> bool:
        self.trace.dynamic.append(
            Dynamic(off, "NEXT_BUFFER", "reads an out-of-band buffer supplied by the loader")
        )
        self._push(Opaque("out-of-band buffer", off))
        return False

    def op_readonly_buffer(self, off: int) -> bool:
        self._top()
        return False


#: The handler of each opcode.
_HANDLERS: dict[bytes, Callable[[Machine, int], bool]] = {
    b"(": Machine.op_mark,
    b".": Machine.op_stop,
    b"0": Machine.op_pop,
    b"1": Machine.op_pop_mark,
    b"2": Machine.op_dup,
    b"F": Machine.op_float,
    b"I": Machine.op_int,
    b"J": Machine.op_binint,
    b"K": Machine.op_binint1,
    b"L": Machine.op_long,
    b"M": Machine.op_binint2,
    b"N": Machine.op_none,
    b"P": Machine.op_persid,
    b"Q": Machine.op_binpersid,
    b"R": Machine.op_reduce,
    b"S": Machine.op_string,
    b"T": Machine.op_binstring,
    b"U": Machine.op_short_binstring,
    b"V": Machine.op_unicode,
    b"X": Machine.op_binunicode,
    b"a": Machine.op_append,
    b"b": Machine.op_build,
    b"c": Machine.op_global,
    b"d": Machine.op_dict,
    b"}": Machine.op_empty_dict,
    b"e": Machine.op_appends,
    b"g": Machine.op_get,
    b"h": Machine.op_binget,
    b"i": Machine.op_inst,
    b"j": Machine.op_long_binget,
    b"l": Machine.op_list,
    b"]": Machine.op_empty_list,
    b"o": Machine.op_obj,
    b"p": Machine.op_put,
    b"q": Machine.op_binput,
    b"r": Machine.op_long_binput,
    b"s": Machine.op_setitem,
    b"t": Machine.op_tuple,
    b")": Machine.op_empty_tuple,
    b"u": Machine.op_setitems,
    b"G": Machine.op_binfloat,
    b"\x80": Machine.op_proto,
    b"\x81": Machine.op_newobj,
    b"\x82": Machine.op_ext1,
    b"\x83": Machine.op_ext2,
    b"\x84": Machine.op_ext4,
    b"\x85": Machine.op_tuple1,
    b"\x86": Machine.op_tuple2,
    b"\x87": Machine.op_tuple3,
    b"\x88": Machine.op_true,
    b"\x89": Machine.op_false,
    b"\x8a": Machine.op_long1,
    b"\x8b": Machine.op_long4,
    b"B": Machine.op_binbytes,
    b"C": Machine.op_short_binbytes,
    b"\x8c": Machine.op_short_binunicode,
    b"\x8d": Machine.op_binunicode8,
    b"\x8e": Machine.op_binbytes8,
    b"\x8f": Machine.op_empty_set,
    b"\x90": Machine.op_additems,
    b"\x91": Machine.op_frozenset,
    b"\x92": Machine.op_newobj_ex,
    b"\x93": Machine.op_stack_global,
    b"\x94": Machine.op_memoize,
    b"\x95": Machine.op_frame,
    b"\x96": Machine.op_bytearray8,
    b"\x97": Machine.op_next_buffer,
    b"\x98": Machine.op_readonly_buffer,
}

_DISPATCH = {code[0]: handler for code, handler in _HANDLERS.items()}


_NUMPY_KIND_SIZES = {"b": 1, "i": 0, "u": 0, "f": 0, "c": 0, "M": 0, "m": 0, "S": 0, "V": 0, "U": 0}


#: Allowed callables that deserialise the bytes they are given (torch.load on a buffer).
LOADERS = frozenset({("torch.storage", "_load_from_bytes")})


def _payload_head(raw: bytes | memoryview | str) -> bool:
    """Whether a literal of 4 bytes or more starts like a nested payload: a zip, or a pickle
    by its first 256 and last 8 bytes (text as Latin-1, as a loader handed it would see it)."""
    if isinstance(raw, str):
        if raw[:4] == "PK\x03\x04":
            return True
        head = raw[:256].encode("latin-1", "replace")
        tail = raw[-8:].encode("latin-1", "replace")
    else:
        if raw[:4] == b"PK\x03\x04":
            return True
        head, tail = bytes(raw[:256]), bytes(raw[-8:])
    return looks_like_pickle(head + b"\n" + tail.rstrip())


def _literal_bytes(value: object) -> bytes | memoryview | str | None:
    """A literal byte string, seeing through ``_codecs.encode(text, "latin1")`` (protocol 2)."""
    if isinstance(value, Lit) and isinstance(value.value, _BYTES_OR_TEXT):
        return value.value
    if (
        isinstance(value, Obj)
        and isinstance(value.func, Glob)
        and (value.func.module, value.func.name) == ("_codecs", "encode")
        and isinstance(value.args, Seq)
        and value.args.items
    ):
        inner = value.args.items[0]
        if isinstance(inner, Lit) and isinstance(inner.value, str):
            return inner.value
    return None


def _is_joblib_wrapper(func: object) -> bool:
    return (
        isinstance(func, Glob)
        and func.module == "joblib.numpy_pickle"
        and func.name == "NumpyArrayWrapper"
    )


#: What :func:`literal_value` gives for a value that is not a literal.
NOT_LITERAL = object()


def literal_value(value: object) -> object:
    """The Python value of one of the machine's literals, or :data:`NOT_LITERAL`."""
    return value.value if isinstance(value, Lit) else NOT_LITERAL


class ArrayLayout(NamedTuple):
    """How joblib wrote an array's bytes after its wrapper's BUILD (a named tuple, as the
    machine's other records: one is made for every array of every joblib file)."""

    #: Elements in the array (the product of its shape).
    items: int
    itemsize: int
    #: An array of Python objects: a nested pickle follows instead of raw bytes.
    hasobject: bool
    #: A pad length byte and that many pad bytes come first (joblib's alignment for mmap).
    aligned: bool


def array_layout(
    state: object, literal: Callable[[object], object] = literal_value
) -> ArrayLayout | None:
    """The layout a joblib ``NumpyArrayWrapper``'s BUILD ``state`` describes, from its literals
    (``literal`` gives a value's Python value or :data:`NOT_LITERAL`, so that a reader keeping
    literals otherwise shares this reading); None when the shape or dtype is not literal."""
    fields = _dict_fields(state, literal)
    count = _shape_count(fields.get("shape"), literal)
    info = _dtype_info(fields.get("dtype"), literal)
    if count is None or info is None:
        return None
    align = literal(fields.get("numpy_array_alignment_bytes"))
    return ArrayLayout(count, info[0], info[1], align is not None and align is not NOT_LITERAL)


def _dict_fields(state: object, literal: Callable[[object], object]) -> dict[str, object]:
    if not isinstance(state, Seq) or state.kind != "dict":
        return {}
    items = state.items
    out: dict[str, object] = {}
    for index in range(0, len(items) - 1, 2):
        name = literal(items[index])
        if isinstance(name, str):
            out[name] = items[index + 1]
    return out


def _shape_count(shape: object, literal: Callable[[object], object]) -> int | None:
    if not isinstance(shape, Seq):
        return None
    count = 1
    for dim in shape.items:
        size = literal(dim)
        if not isinstance(size, int) or size < 0:
            return None
        count *= size
    return count


def _dtype_info(dtype: object, literal: Callable[[object], object]) -> tuple[int, bool] | None:
    """(itemsize, has objects) of a symbolic ``numpy.dtype(...)`` plus its BUILD state."""
    if not isinstance(dtype, Obj) or not isinstance(dtype.args, Seq) or not dtype.args.items:
        return None
    text = literal(dtype.args.items[0])
    if not isinstance(text, str):
        return None
    state = dtype.state.items if isinstance(dtype.state, Seq) else []
    flags = literal(state[7]) if len(state) > 7 else None
    elsize = literal(state[5]) if len(state) > 5 else -1
    if text.startswith("O"):
        return 8, True
    if isinstance(flags, int) and flags & 1:
        return 8, True
    if isinstance(elsize, int) and elsize > 0:
        return elsize, False
    kind, digits = text[:1], text[1:]
    if kind not in _NUMPY_KIND_SIZES or not digits.isdigit():
        return None
    size = int(digits)
    return (size * 4 if kind == "U" else size), False


def looks_like_pickle(data: bytes) -> bool:
    """A protocol 2-5 header, or a protocol 0/1 stream that opens with a global and ends in STOP."""
    if len(data) < 4:
        return False
    if data[0] == 0x80 and 2 <= data[1] <= 5:
        return True
    return data[:1] in (b"c", b"(") and data.rstrip()[-1:] == b"." and b"\n" in data[:256]


def run(
    buf: bytes | memoryview, start: int = 0, *, max_ops: int = MAX_OPS, joblib: bool = True
) -> Trace:
    """Follow one pickle stream from ``start``; the trace's ``end`` is the offset after STOP."""
    return Machine(buf, start, max_ops=max_ops, joblib=joblib).run()


def resume(buf: bytes | memoryview, fork: Fork, *, max_ops: int = MAX_OPS) -> Trace:
    """Follow a stream on from ``fork`` as a plain loader (no joblib wrappers) does: what
    :func:`run` with ``joblib=False`` from the stream's start finds from there on, without
    following the stream's start again (the two machines run the same opcodes up to it)."""
    machine = Machine(buf, fork.pos, max_ops=max_ops, joblib=False)
    machine.trace.protocol = fork.protocol
    machine.stack = list(fork.stack)
    machine.marks = [list(m) for m in fork.marks]
    machine.memo = dict(fork.memo)
    machine._seen_imports = set(fork.seen)
    return machine.run()


def run_all(
    buf: bytes | memoryview, start: int = 0, *, max_streams: int = 64, max_ops: int = MAX_OPS
) -> Iterator[Trace]:
    """Follow concatenated pickle streams while the next bytes look like another pickle."""
    pos = start
    for _ in range(max_streams):
        trace = run(buf, pos, max_ops=max_ops)
        yield trace
        if not trace.complete:
            return
        pos = trace.end
        head = bytes(buf[pos : pos + 2])
        if len(head) < 2 or not (head[0] == 0x80 and 2 <= head[1] <= 5):
            return
