"""A quick first reading of a pickle stream that proves it plain, or gives up.

Most model pickles a folder holds are what their library wrote: globals named by literal
strings, calls of those globals, containers, literals and joblib's arrays. In such a stream the
symbolic machine (:mod:`~outwork.analyzers.models.picklevm`) records imports and nothing else a
check reads. This reading follows the stream as the machine does (the same stack, marks and
memo, the machine's :class:`~picklevm.Glob`, :class:`~picklevm.Obj` and :class:`~picklevm.Seq`;
literals as plain Python values instead of one :class:`~picklevm.Lit` each), records only the
imports and which of them are called, and gives up at the first thing the machine would record
besides: a call of a computed value (or one a call gadget makes), a computed global, a literal
that starts like a nested pickle or zip, a mutation of a global or a literal, a broken or
truncated stream or one over the machine's budgets, an opcode outside the binary set model
libraries write, joblib array bytes that a plain ``pickle.load`` would run. The caller then
runs the machine, so a stream is either read by the machine or proven to hold nothing but the
imports returned here (``tests/analyzers/models/test_pickle_screen.py`` checks every accepted
stream against the machine, on real, hostile and randomly mutated pickles).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

from outwork.analyzers.models.picklevm import (
    _DISPATCH,
    _FLOAT,
    _PAYLOAD_FIRST,
    _PAYLOAD_FIRST_TEXT,
    LOADERS,
    MAX_CONTAINER_ITEMS,
    MAX_LINE,
    MAX_MEMO,
    MAX_OPS,
    NOT_LITERAL,
    PY2_MODULES,
    Glob,
    Import,
    Obj,
    Opaque,
    Seq,
    _is_joblib_wrapper,
    _payload_head,
    array_layout,
)
from outwork.analyzers.models.policy import gadget

#: The opcode bytes that import (GLOBAL, INST, STACK_GLOBAL): joblib array bytes that hold
#: none of them import nothing when a plain loader reads them as opcodes.
_IMPORT_OPCODE = re.compile(rb"[ci\x93]")
_NEWLINE = re.compile(rb"\n")


class Plain(NamedTuple):
    """A stream read to its STOP that does nothing but import, call what it imports, and
    build containers and objects from literals (a named tuple, as the machine's records: one
    is made for most files a scan reads)."""

    end: int
    #: Its imports in the machine's order and form (first offset, Python 2 names mapped).
    imports: tuple[Import, ...]
    #: The imports it calls (directly, or through an allowed callable that calls its argument).
    called: frozenset[tuple[str, str]]
    #: The value STOP returns (a literal as a plain Python value).
    result: object


#: The machine's values that are not literals: this reading keeps literals as plain Python
#: values (str, bytes as a view, int, bool, float, None), which saves building one object for
#: each.
_VALUES = (Glob, Obj, Seq, Opaque)


def _payload_text(value: str) -> bool:
    """Whether a text literal starts like a nested payload, as the machine decides it. Text
    that opens like a protocol 0/1 pickle (``c``, ``(``: attribute names such as ``coef_``)
    is one only when a STOP (``.``) is in it, which is asked first."""
    if len(value) < 4 or (value[0] in "c(" and "." not in value):
        return False
    return _payload_head(value)


def _literal_of(value: object) -> object:
    """:func:`picklevm.literal_value` of a value this reading holds."""
    return NOT_LITERAL if isinstance(value, _VALUES) else value


_STOP, _MEMOIZE, _SHORT_BINUNICODE, _BINGET, _BININT1, _MARK, _TUPLE = b".\x94\x8chK(t"
_STACK_GLOBAL, _BUILD = b"\x93b"
#: Opcodes followed in :meth:`_Reader.run` itself, by kind: the constants (None, True,
#: False), the empty containers, the tuples of one to three items, the opcodes that end at a
#: mark and the calls (REDUCE, NEWOBJ).
_CONSTANTS: dict[int, object] = {b"N"[0]: None, b"\x88"[0]: True, b"\x89"[0]: False}
_EMPTY = {b")"[0]: "tuple", b"]"[0]: "list", b"}"[0]: "dict", b"\x8f"[0]: "set"}
_TUPLE_N = {b"\x85"[0]: 1, b"\x86"[0]: 2, b"\x87"[0]: 3}
_MARKED = frozenset(b"tue\x90")
_CALLS = frozenset(b"R\x81")
#: The byte strings with a length before them (SHORT_BINBYTES, BINBYTES, BINBYTES8,
#: BYTEARRAY8: an array's data in a pickle of protocol 3 or later) and the length's width.
_PREFIXED_BYTES = {b"C"[0]: 1, b"B"[0]: 4, b"\x8e"[0]: 8, b"\x96"[0]: 8}


class _UndecidedError(Exception):
    """The machine would record more than imports here: it has to read the stream."""


class _Reader:
    def __init__(self, buf: bytes | memoryview, start: int) -> None:
        self.buf = buf
        self.pos = start
        self.protocol = 0
        self.stack: list[object] = []
        self.marks: list[list[object]] = []
        self.memo: dict[int, object] = {}
        self.imports: list[Import] = []
        self.seen: set[tuple[str, str]] = set()
        self.called: set[tuple[str, str]] = set()
        self.skipped: list[tuple[int, int]] = []
        #: Where a plain loader's reading parts from joblib's (the first array's bytes).
        self.fork = -1

    # -- the stack -------------------------------------------------------------------------
    def pop(self) -> object:
        if not self.stack:
            raise _UndecidedError
        return self.stack.pop()

    def top(self) -> object:
        if not self.stack:
            raise _UndecidedError
        return self.stack[-1]

    def pop2(self) -> tuple[object, object]:
        """The two values on top, taken off (the topmost second)."""
        stack = self.stack
        if len(stack) < 2:
            raise _UndecidedError
        top = stack.pop()
        return stack.pop(), top

    def pop_mark(self) -> list[object]:
        if not self.marks:
            raise _UndecidedError
        items = self.stack
        self.stack = self.marks.pop()
        return items

    def put(self, index: int) -> None:
        if not self.stack or (len(self.memo) >= MAX_MEMO and index not in self.memo):
            raise _UndecidedError
        self.memo[index] = self.stack[-1]

    def get(self, index: int) -> None:
        if index not in self.memo:
            raise _UndecidedError
        self.stack.append(self.memo[index])

    # -- what the machine records ----------------------------------------------------------
    def import_(self, module: str, name: str, offset: int, opcode: str) -> None:
        if self.protocol < 3:
            module = PY2_MODULES.get(module, module)
        key = (module, name)
        if key not in self.seen:
            self.seen.add(key)
            self.imports.append(Import(offset, module, name, opcode))
        self.stack.append(Glob(module, name, offset, opcode))

    def call(self, func: object, args: object, offset: int) -> None:
        if not isinstance(func, Glob) or (func.module, func.name) in LOADERS:
            raise _UndecidedError
        self.called.add((func.module, func.name))
        found = gadget(func.module, func.name)
        if found is not None and isinstance(args, Seq):
            for position in found[0]:
                if position >= len(args.items):
                    continue
                target = args.items[position]
                if isinstance(target, Glob):
                    self.called.add((target.module, target.name))
                elif isinstance(target, _VALUES):
                    raise _UndecidedError
        self.stack.append(Obj(func, args, offset))

    def text(self, raw: bytes | memoryview) -> None:
        value = str(raw, "utf-8", "surrogatepass")
        if value[:1] in _PAYLOAD_FIRST_TEXT and _payload_text(value):
            raise _UndecidedError
        self.stack.append(value)

    def binary(self, raw: bytes | memoryview, offset: int) -> None:
        if len(raw) >= 4 and raw[0] in _PAYLOAD_FIRST and _payload_head(raw):
            raise _UndecidedError
        self.stack.append(raw)

    def extend(self, items: list[object]) -> None:
        target = self.top()
        if isinstance(target, Seq):
            room = MAX_CONTAINER_ITEMS - len(target.items)
            if room > 0:
                target.items.extend(items[:room])
        elif not isinstance(target, Obj):  # a global or a literal mutated
            raise _UndecidedError

    def build(self, _: object, offset: int) -> None:
        target, state = self.pop2()
        self.stack.append(target)
        if isinstance(target, Obj):
            target.state = state
            if _is_joblib_wrapper(target.func):
                self.joblib_array(state)
        elif not isinstance(target, Opaque):
            raise _UndecidedError

    def joblib_array(self, state: object) -> None:
        """The array bytes joblib writes after a wrapper's BUILD, skipped as the machine
        skips them (the same :func:`picklevm.array_layout`)."""
        layout = array_layout(state, _literal_of)
        if layout is None or layout.hasobject:
            raise _UndecidedError  # not a literal shape or dtype, or an array of objects
        begin = self.pos
        if self.fork < 0:
            self.fork = begin
        if layout.aligned:
            self.skip(self.u1())
        self.skip(layout.items * layout.itemsize)
        self.skipped.append((begin, self.pos))

    # -- reading ---------------------------------------------------------------------------
    def u1(self) -> int:
        if self.pos >= len(self.buf):
            raise _UndecidedError
        self.pos += 1
        return self.buf[self.pos - 1]

    def skip(self, n: int) -> None:
        if n < 0 or self.pos + n > len(self.buf):
            raise _UndecidedError
        self.pos += n

    def read(self, n: int) -> bytes | memoryview:
        begin = self.pos
        self.skip(n)
        return self.buf[begin : self.pos]

    def line(self) -> str:
        """A newline-terminated argument within the machine's line limit, as UTF-8."""
        found = _NEWLINE.search(self.buf, self.pos, min(len(self.buf), self.pos + MAX_LINE))
        if found is None:
            raise _UndecidedError
        text = str(self.buf[self.pos : found.start()], "utf-8")
        self.pos = found.end()
        return text

    def run(self, max_ops: int) -> None:
        """Read to STOP. The opcodes most of a model pickle is made of (memo entries, short
        strings, small integers, byte strings, constants, marks, containers, imports, calls
        and their states) are followed here, the rest by their handlers through :meth:`other`. A
        read past the stream's end, an empty stack or a missing memo entry raises IndexError or
        KeyError, which :func:`screen` takes as any other reason to leave the stream to the
        machine: a literal whose argument or bytes the stream's end cuts short leaves ``pos``
        past the end, and the next opcode's read raises."""
        buf, memo, marks = self.buf, self.memo, self.marks
        stack, pos = self.stack, self.pos
        for _ in range(max_ops):
            code = buf[pos]
            if code == _MEMOIZE:
                if len(memo) >= MAX_MEMO:
                    raise _UndecidedError
                memo[len(memo)] = stack[-1]
                pos += 1
            elif code == _SHORT_BINUNICODE:
                end = pos + 2 + buf[pos + 1]
                value = str(buf[pos + 2 : end], "utf-8", "surrogatepass")
                if value[:1] in _PAYLOAD_FIRST_TEXT and _payload_text(value):
                    raise _UndecidedError
                stack.append(value)
                pos = end
            elif code == _BININT1:
                stack.append(buf[pos + 1])
                pos += 2
            elif code == _BINGET:
                stack.append(memo[buf[pos + 1]])
                pos += 2
            elif code in _CONSTANTS:
                stack.append(_CONSTANTS[code])
                pos += 1
            elif code == _MARK:
                marks.append(stack)
                stack = self.stack = []
                pos += 1
            elif code in _EMPTY:
                stack.append(Seq(_EMPTY[code]))
                pos += 1
            elif code in _TUPLE_N:
                count = _TUPLE_N[code]
                if len(stack) < count:
                    raise _UndecidedError
                items = stack[-count:]
                del stack[-count:]
                stack.append(Seq("tuple", items))
                pos += 1
            elif code in _MARKED:  # TUPLE; SETITEMS, APPENDS, ADDITEMS
                items = stack
                stack = self.stack = marks.pop()
                if code == _TUPLE:
                    stack.append(Seq("tuple", items[:MAX_CONTAINER_ITEMS]))
                else:
                    self.extend(items)
                pos += 1
            elif code in _CALLS:  # REDUCE, NEWOBJ
                args = stack.pop()
                self.call(stack.pop(), args, pos)
                pos += 1
            elif code == _STACK_GLOBAL:
                _stack_global(self, None, pos)
                pos += 1
            elif code == _BUILD:
                self.pos = pos + 1  # where joblib's array bytes start
                self.build(None, pos)
                pos = self.pos
            elif code in _PREFIXED_BYTES:
                begin = pos + 1 + _PREFIXED_BYTES[code]
                end = begin + int.from_bytes(buf[pos + 1 : begin], "little")
                self.binary(buf[begin:end], pos)
                pos = end
            else:
                self.stack, self.pos = stack, pos
                if self.other(code, pos):
                    return
                stack, pos = self.stack, self.pos
        raise _UndecidedError

    def other(self, code: int, offset: int) -> bool:
        """Follow the opcode at ``offset`` by its handler; True at STOP."""
        entry = _OPCODES[code]
        if entry is None:
            raise _UndecidedError
        width, prefixed, handler = entry
        buf = self.buf
        pos = offset + 1 + width
        if pos > len(buf):
            raise _UndecidedError
        if width == 0:
            arg: object = None
        elif width == 1:
            arg = buf[offset + 1]
        else:
            arg = int.from_bytes(buf[offset + 1 : pos], "little")
        if prefixed:
            assert isinstance(arg, int)
            end = pos + arg
            if end > len(buf):
                raise _UndecidedError
            arg = buf[pos:end]
            pos = end
        self.pos = pos
        handler(self, arg, offset)
        return code == _STOP

    def plain_load_imports_nothing(self) -> bool:
        """Whether a plain loader reading joblib's array bytes as opcodes imports nothing
        there: none of those bytes is an importing opcode, or its reading breaks on the first
        array's first byte (the machine reads on from there), which is asked first: it is one
        byte, where the search reads every array's."""
        if not self.skipped:
            return True
        buf = self.buf
        if self.fork < len(buf) and buf[self.fork] not in _DISPATCH:
            return True
        return not any(_IMPORT_OPCODE.search(buf, begin, end) for begin, end in self.skipped)


def _stop(r: _Reader, _: object, offset: int) -> None:
    r.top()


def _proto(r: _Reader, proto: object, offset: int) -> None:
    assert isinstance(proto, int)
    if proto > 5:
        raise _UndecidedError
    r.protocol = proto


def _mark(r: _Reader, _: object, offset: int) -> None:
    r.marks.append(r.stack)
    r.stack = []


def _literal(value: object) -> Callable[[_Reader, object, int], None]:
    def push(r: _Reader, _: object, offset: int) -> None:
        r.stack.append(value)

    return push


def _int(r: _Reader, value: object, offset: int) -> None:
    r.stack.append(value)


def _pop(r: _Reader, _: object, offset: int) -> None:
    if r.stack:
        r.stack.pop()
    else:
        r.pop_mark()


def _pop_mark(r: _Reader, _: object, offset: int) -> None:
    r.pop_mark()


def _dup(r: _Reader, _: object, offset: int) -> None:
    r.stack.append(r.top())


def _binint(r: _Reader, value: object, offset: int) -> None:
    assert isinstance(value, int)
    r.stack.append(value - (1 << 32) if value >= 1 << 31 else value)


def _long1(r: _Reader, raw: object, offset: int) -> None:
    assert isinstance(raw, bytes | memoryview)
    r.stack.append(int.from_bytes(raw, "little", signed=True))


def _binfloat(r: _Reader, _: object, offset: int) -> None:
    r.skip(8)
    r.stack.append(_FLOAT.value)


def _text(r: _Reader, raw: object, offset: int) -> None:
    assert isinstance(raw, bytes | memoryview)
    r.text(raw)


def _binary(r: _Reader, raw: object, offset: int) -> None:
    assert isinstance(raw, bytes | memoryview)
    r.binary(raw, offset)


def _empty(kind: str) -> Callable[[_Reader, object, int], None]:
    def push(r: _Reader, _: object, offset: int) -> None:
        r.stack.append(Seq(kind))

    return push


def _collection(kind: str) -> Callable[[_Reader, object, int], None]:
    def push(r: _Reader, _: object, offset: int) -> None:
        items = r.pop_mark()
        r.stack.append(Seq(kind, items[:MAX_CONTAINER_ITEMS]))

    return push


def _tuple_n(n: int) -> Callable[[_Reader, object, int], None]:
    def push(r: _Reader, _: object, offset: int) -> None:
        stack = r.stack
        if len(stack) < n:
            raise _UndecidedError
        items = stack[len(stack) - n :]
        del stack[len(stack) - n :]
        stack.append(Seq("tuple", items))

    return push


def _append(r: _Reader, _: object, offset: int) -> None:
    r.extend([r.pop()])


def _setitem(r: _Reader, _: object, offset: int) -> None:
    r.extend(list(r.pop2()))


def _extend_marked(r: _Reader, _: object, offset: int) -> None:
    r.extend(r.pop_mark())


def _memoize(r: _Reader, _: object, offset: int) -> None:
    r.put(len(r.memo))


def _put(r: _Reader, index: object, offset: int) -> None:
    assert isinstance(index, int)
    r.put(index)


def _get(r: _Reader, index: object, offset: int) -> None:
    assert isinstance(index, int)
    r.get(index)


def _global(r: _Reader, _: object, offset: int) -> None:
    module = r.line()
    r.import_(module, r.line(), offset, "GLOBAL")


def _stack_global(r: _Reader, _: object, offset: int) -> None:
    module, name = r.pop2()
    if not (isinstance(module, str) and isinstance(name, str)):
        raise _UndecidedError
    r.import_(module, name, offset, "STACK_GLOBAL")


def _reduce(r: _Reader, _: object, offset: int) -> None:
    func, args = r.pop2()
    r.call(func, args, offset)


def _newobj_ex(r: _Reader, _: object, offset: int) -> None:
    kwargs = r.pop()
    args = r.pop()
    r.call(r.pop(), Seq("tuple", [args, kwargs]), offset)


def _binpersid(r: _Reader, _: object, offset: int) -> None:
    r.pop()
    r.stack.append(Opaque("persistent id", offset))


def _nothing(r: _Reader, _: object, offset: int) -> None:
    pass


#: The opcodes this reading follows (the binary ones model libraries write) with their
#: argument's kind; any other opcode leaves the stream to the machine.
_FOLLOWED: dict[bytes, tuple[int, bool, Callable[[_Reader, object, int], None]]] = {
    b".": (0, False, _stop),
    b"\x80": (1, False, _proto),
    b"\x95": (8, False, _nothing),  # FRAME
    b"(": (0, False, _mark),
    b"0": (0, False, _pop),
    b"1": (0, False, _pop_mark),
    b"2": (0, False, _dup),
    b"N": (0, False, _literal(None)),
    b"\x88": (0, False, _literal(True)),
    b"\x89": (0, False, _literal(False)),
    b"K": (1, False, _int),
    b"M": (2, False, _int),
    b"J": (4, False, _binint),
    b"\x8a": (1, True, _long1),
    b"G": (0, False, _binfloat),
    b"\x8c": (1, True, _text),
    b"X": (4, True, _text),
    b"\x8d": (8, True, _text),
    b"C": (1, True, _binary),
    b"B": (4, True, _binary),
    b"\x8e": (8, True, _binary),
    b"U": (1, True, _binary),
    b"\x96": (8, True, _binary),
    b")": (0, False, _empty("tuple")),
    b"]": (0, False, _empty("list")),
    b"}": (0, False, _empty("dict")),
    b"\x8f": (0, False, _empty("set")),
    b"t": (0, False, _collection("tuple")),
    b"l": (0, False, _collection("list")),
    b"d": (0, False, _collection("dict")),
    b"\x91": (0, False, _collection("frozenset")),
    b"\x85": (0, False, _tuple_n(1)),
    b"\x86": (0, False, _tuple_n(2)),
    b"\x87": (0, False, _tuple_n(3)),
    b"a": (0, False, _append),
    b"e": (0, False, _extend_marked),
    b"s": (0, False, _setitem),
    b"u": (0, False, _extend_marked),
    b"\x90": (0, False, _extend_marked),
    b"\x94": (0, False, _memoize),
    b"q": (1, False, _put),
    b"r": (4, False, _put),
    b"h": (1, False, _get),
    b"j": (4, False, _get),
    b"c": (0, False, _global),
    b"\x93": (0, False, _stack_global),
    b"R": (0, False, _reduce),
    b"\x81": (0, False, _reduce),  # NEWOBJ: the class and its arguments, as REDUCE
    b"\x92": (0, False, _newobj_ex),
    b"b": (0, False, _Reader.build),
    b"Q": (0, False, _binpersid),
}
#: The same, indexed by opcode byte (None: not followed).
_OPCODES: list[tuple[int, bool, Callable[[_Reader, object, int], None]] | None] = [
    _FOLLOWED.get(bytes([code])) for code in range(256)
]


def screen(buf: bytes | memoryview, start: int = 0, *, max_ops: int = MAX_OPS) -> Plain | None:
    """Read one stream from ``start`` as :func:`picklevm.run` does, and return what it imports
    when that is all the machine would record; None when the machine has to read it."""
    # Bytes stay bytes (a small file read whole): their slices decode faster than a view's.
    reader = _Reader(buf if isinstance(buf, bytes) else memoryview(buf), start)
    try:
        reader.run(max_ops)
    except (_UndecidedError, IndexError, KeyError, ValueError):  # ValueError: not UTF-8
        return None
    if not reader.plain_load_imports_nothing():
        return None
    return Plain(reader.pos, tuple(reader.imports), frozenset(reader.called), reader.stack[-1])
