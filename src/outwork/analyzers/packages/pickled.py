"""What a pickle written into a package's source refers to, read with the standard library's
opcode reader (never loaded): the names it imports, the strings it holds, and whether it could
be followed to its end.

``pickle.loads(b"...")`` of a literal is judged by this (:func:`own_objects`): a literal whose
every import is a name of the package's own modules, that names no standard-library module in
its strings (the argument of an import gadget such as ``numpy.core._ufunc_reconstruct``) and no
name the standard library's process, file and code-running modules define (a re-export such as
``mylib.util.system``), rebuilds the package's own objects: a test that checks an old pickle
format still loads. Anything else, or a stream this reader cannot follow (a truncated stream,
an import whose name is computed, extension codes, persistent ids), is an embedded load.
"""

from __future__ import annotations

import codecs
import functools
import importlib
import io
import pickletools
import sys
from collections.abc import Iterator
from dataclasses import dataclass

#: Opcodes that push one string (of any protocol).
_STRINGS = frozenset(
    {
        "STRING",
        "BINSTRING",
        "SHORT_BINSTRING",
        "UNICODE",
        "BINUNICODE",
        "SHORT_BINUNICODE",
        "BINUNICODE8",
    }
)
_BY_CODE = {op.code: op for op in pickletools.opcodes}
_PUTS = frozenset({"PUT", "BINPUT", "LONG_BINPUT"})
_GETS = frozenset({"GET", "BINGET", "LONG_BINGET"})
#: Opcodes whose target this reader cannot name: the copyreg extension registry and
#: ``persistent_load``.
_OPAQUE = frozenset({"EXT1", "EXT2", "EXT4", "PERSID", "BINPERSID"})
#: Standard-library modules whose names (functions, classes) run processes, code or touch the
#: file system and network; a pickle that imports one of these names from anywhere is not
#: rebuilding plain objects.
_RUNNERS = (
    "builtins",
    "os",
    "posix",
    "subprocess",
    "shutil",
    "socket",
    "pty",
    "runpy",
    "importlib",
    "code",
    "codeop",
    "sys",
    "pickle",
    "marshal",
    "ctypes",
    "webbrowser",
)


@dataclass(frozen=True, slots=True)
class Pickled:
    #: ``(module, name)`` of every GLOBAL, INST and STACK_GLOBAL, in order.
    imports: tuple[tuple[str, str], ...]
    strings: tuple[str, ...]
    #: Read to its STOP with every import named.
    clean: bool


def read_pickle(data: bytes) -> Pickled:
    imports: list[tuple[str, str]] = []
    strings: list[str] = []
    memo: dict[int, str] = {}
    recent: list[str | None] = []  # what the last opcodes pushed: a string, or None
    memo_next = 0
    clean = False
    try:
        for name, arg in _opcodes(data):
            if name in _STRINGS:
                text = arg.decode("latin-1") if isinstance(arg, bytes) else str(arg)
                strings.append(text)
                recent.append(text)
            elif name in _PUTS and isinstance(arg, int):
                if recent and recent[-1] is not None:
                    memo[arg] = recent[-1]
            elif name == "MEMOIZE":
                if recent and recent[-1] is not None:
                    memo[memo_next] = recent[-1]
                memo_next += 1
            elif name in _GETS and isinstance(arg, int):
                recent.append(memo.get(arg))
            elif name in ("GLOBAL", "INST") and isinstance(arg, str):
                module, _, attr = arg.partition(" ")
                imports.append((module, attr))
                recent.append(None)
            elif name == "STACK_GLOBAL":
                if len(recent) < 2 or recent[-1] is None or recent[-2] is None:
                    return Pickled(tuple(imports), tuple(strings), False)
                imports.append((recent[-2], recent[-1]))
                recent.append(None)
            elif name in _OPAQUE:
                return Pickled(tuple(imports), tuple(strings), False)
            elif name == "STOP":
                clean = True
                break
            elif name not in ("FRAME", "PROTO"):
                recent.append(None)
            del recent[:-4]
    except (ValueError, TypeError, EOFError, KeyError, IndexError, OverflowError):
        clean = False
    return Pickled(tuple(imports), tuple(strings), clean)


def _opcodes(data: bytes) -> Iterator[tuple[str, object]]:
    """Each opcode's name and argument, read with the standard library's opcode table and
    argument readers; protocol 0's quoted ``STRING`` is read as Python 2 wrote it (escapes
    decoded, bytes kept as Latin-1), where ``pickletools.genops`` insists on ASCII."""
    stream = io.BytesIO(data)
    while True:
        code = stream.read(1)
        if not code:
            raise EOFError("the stream ends without STOP")
        opcode = _BY_CODE.get(code.decode("latin-1"))
        if opcode is None:
            raise ValueError(f"unknown opcode {code!r}")
        if opcode.name == "STRING":
            line = stream.readline()
            if not line.endswith(b"\n") or len(line) < 3 or line[0] not in b"'\"":
                raise ValueError("a STRING that is not a quoted line")
            quoted = line.rstrip(b"\n")
            if quoted[-1:] != quoted[:1]:
                raise ValueError("a STRING whose quotes do not match")
            arg: object = codecs.escape_decode(quoted[1:-1])[0]
        elif opcode.arg is None:
            arg = None
        else:
            arg = opcode.arg.reader(stream)
        yield opcode.name, arg
        if opcode.name == "STOP":
            return


@functools.cache
def _runner_names() -> frozenset[str]:
    """Every public name the :data:`_RUNNERS` modules define, read from the running
    interpreter's own modules (those that cannot be imported here are left out)."""
    names: set[str] = set()
    for module_name in _RUNNERS:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        names.update(n for n in dir(module) if not n.startswith("__"))
    return frozenset(names)


def _is_stdlib(dotted: str) -> bool:
    return dotted.split(".", 1)[0] in sys.stdlib_module_names


def own_objects(pickled: Pickled, owners: frozenset[str]) -> bool:
    """Whether the stream rebuilds objects of the package's own modules only (see the module
    docstring); ``owners`` are the top-level package names the file may belong to."""
    if not pickled.clean or not pickled.imports:
        return False
    for module, attr in pickled.imports:
        top = module.split(".", 1)[0]
        if top not in owners or _is_stdlib(module):
            return False
        if attr.rsplit(".", 1)[-1] in _runner_names():
            return False
    return not any(_is_stdlib(s) for s in pickled.strings if s.replace(".", "").isidentifier())
