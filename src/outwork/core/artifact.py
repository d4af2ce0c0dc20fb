"""Artifacts: what sources hand to analyzers, and how their kind is decided.

Kind comes from content first (magic bytes, structure), because attackers rename files: a
pickle called ``README.txt`` is still a pickle. Names count too, because consumers act on them:
a file named as text (``RECORD``, ``.csv``, ``.py``) is a protocol 0 pickle only when its bytes
parse as one without a single error, and a ``.pkl`` is a pickle even when its head does not say so.
"""

from __future__ import annotations

import ast
import enum
import hashlib
import io
import json
import pickletools
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

if TYPE_CHECKING:
    import os

#: How much of the head of a file classification reads.
HEAD_BYTES = 8192
#: How much of the start of an archive member an analyzer's ``accepts`` may read (see
#: :class:`Probe`): a member no selected analyzer accepts from its path, kind and these bytes
#: is not held in memory.
PROBE_BYTES = 64 * 1024
MEMBER_SEP = "!/"
#: Tag of an archive member whose content the source streamed through its checks and did not
#: keep, because no selected analyzer accepts it: counted, never analysed.
NOT_HELD = "not-held"
#: Tag of an image's file (and of what it holds) whose digest is the one its OS package's
#: database recorded for its path: the distribution's own bytes, as installed. The record is
#: inside the image, so this says what the image claims, not that the bytes are safe.
OS_PACKAGE_FILE = "os-package-file"
#: Tag prefix of an image file's layer of origin: ``image-layer-origin:<index>:<digest>``.
LAYER_ORIGIN = "image-layer-origin:"


def layer_origin(tags: frozenset[str]) -> dict[str, Any]:
    """``layer_index`` and ``layer`` (its digest) of an image file, from its tags; empty for
    files that are not in an image layer."""
    for tag in tags:
        if tag.startswith(LAYER_ORIGIN):
            index, _, digest = tag[len(LAYER_ORIGIN) :].partition(":")
            if index.isdigit():
                return {"layer_index": int(index), "layer": digest}
    return {}


class Kind(enum.StrEnum):
    """What an artifact is, decided from its content and then its name."""

    # archives that sources open
    ZIP = "zip"
    TAR = "tar"
    GZIP = "gzip"
    BZIP2 = "bzip2"
    XZ = "xz"
    ZSTD = "zstd"
    SEVENZIP = "7z"
    # model containers that analyzers read whole
    PICKLE = "pickle"
    PYTORCH_ZIP = "pytorch-zip"
    NUMPY = "numpy"
    NUMPY_ZIP = "numpy-zip"
    SAFETENSORS = "safetensors"
    GGUF = "gguf"
    HDF5 = "hdf5"
    ONNX = "onnx"
    KERAS = "keras"
    # source and configuration text
    PYTHON = "python"
    JAVASCRIPT = "javascript"
    YAML = "yaml"
    JSON = "json"
    TOML = "toml"
    LOCKFILE = "lockfile"
    SHELL = "shell"
    TEXT = "text"
    # keys and certificates
    PEM = "pem"
    DER = "der"
    # executables
    ELF = "elf"
    PE = "pe"
    MACHO = "macho"
    # a container image as a whole: its manifest, config, layers and file index, which the
    # image source builds (see :mod:`outwork.sources.images`)
    IMAGE = "container-image"
    # everything else
    BINARY = "binary"
    EMPTY = "empty"


ARCHIVE_KINDS: frozenset[Kind] = frozenset(
    {Kind.ZIP, Kind.TAR, Kind.GZIP, Kind.BZIP2, Kind.XZ, Kind.ZSTD, Kind.SEVENZIP}
)
TEXT_KINDS: frozenset[Kind] = frozenset(
    {
        Kind.PYTHON,
        Kind.JAVASCRIPT,
        Kind.YAML,
        Kind.JSON,
        Kind.TOML,
        Kind.LOCKFILE,
        Kind.SHELL,
        Kind.TEXT,
        Kind.PEM,
    }
)

#: Lockfiles and manifests recognised by exact file name (lower-cased).
LOCKFILE_NAMES: frozenset[str] = frozenset(
    {
        "poetry.lock",
        "uv.lock",
        "pipfile.lock",
        "pipfile",
        "pdm.lock",
        "pylock.toml",
        "package-lock.json",
        "npm-shrinkwrap.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "cargo.lock",
        "go.mod",
        "go.sum",
        "gemfile.lock",
        "composer.lock",
        "pom.xml",
        "gradle.lockfile",
        "buildscript-gradle.lockfile",
        "bun.lock",
        "packages.lock.json",
        "pubspec.lock",
        "mix.lock",
        "conan.lock",
    }
)
_REQUIREMENTS_RE = re.compile(
    r"^(requirements|constraints)[\w.-]*\.(txt|in)$|^pylock\.[\w-]+\.toml$"
)

_PY_HINTS = re.compile(
    rb"^\s*(import\s+[\w.]+|from\s+[\w.]+\s+import\s|def\s+\w+\s*\(|class\s+\w+[\s(:])", re.M
)
_JS_HINTS = re.compile(
    rb"\brequire\s*\(\s*['\"]|\bmodule\.exports\b|^\s*(const|let|var)\s+\w+\s*=|=>\s*\{"
    rb"|\bfunction\s*\w*\s*\(",
    re.M,
)
_PICKLE_OPS = frozenset(b"cCGiRb.()]}qhjtuX\x8c\x93\x94\x95}N")

NAME_KINDS: dict[str, Kind] = {
    ".py": Kind.PYTHON,
    ".pyw": Kind.PYTHON,
    ".pyi": Kind.PYTHON,
    ".pth": Kind.PYTHON,
    ".js": Kind.JAVASCRIPT,
    ".cjs": Kind.JAVASCRIPT,
    ".mjs": Kind.JAVASCRIPT,
    ".jsx": Kind.JAVASCRIPT,
    ".ts": Kind.JAVASCRIPT,
    ".tsx": Kind.JAVASCRIPT,
    ".mts": Kind.JAVASCRIPT,
    ".cts": Kind.JAVASCRIPT,
    ".yml": Kind.YAML,
    ".yaml": Kind.YAML,
    ".json": Kind.JSON,
    ".toml": Kind.TOML,
    ".sh": Kind.SHELL,
    ".bash": Kind.SHELL,
    ".pem": Kind.PEM,
    ".crt": Kind.PEM,
    ".key": Kind.PEM,
    ".der": Kind.DER,
    ".cer": Kind.DER,
    ".pkl": Kind.PICKLE,
    ".pickle": Kind.PICKLE,
    ".joblib": Kind.PICKLE,
    ".npy": Kind.NUMPY,
    ".npz": Kind.NUMPY_ZIP,
    ".safetensors": Kind.SAFETENSORS,
    ".gguf": Kind.GGUF,
    ".h5": Kind.HDF5,
    ".hdf5": Kind.HDF5,
    ".onnx": Kind.ONNX,
    ".keras": Kind.KERAS,
    ".pt": Kind.PYTORCH_ZIP,
    ".pth.tar": Kind.PYTORCH_ZIP,
    ".bin": Kind.BINARY,
}


#: Name suffixes, longest first (``.pth.tar`` before ``.tar``); computed once, not per file.
_SUFFIXES_LONGEST_FIRST: tuple[str, ...] = tuple(sorted(NAME_KINDS, key=len, reverse=True))


def classify(head: bytes, name: str, size: int | None = None) -> Kind:
    """Decide an artifact's kind from the first bytes of its content, then from its name.

    ``head`` is at most :data:`HEAD_BYTES` from the start. For zip files the central directory is
    not in the head; :func:`refine_zip` looks inside when the whole content is at hand.
    """
    if size == 0 or not head:
        return Kind.EMPTY
    by_magic = _classify_magic(head)
    if by_magic is not None:
        return by_magic
    lower = posix_name(name).lower()
    if lower in LOCKFILE_NAMES or _REQUIREMENTS_RE.match(lower):
        return Kind.LOCKFILE
    if _looks_like_pickle(
        head, strict=named_as_text(lower), model=lower.endswith(MODEL_SUFFIXES)
    ) and not _source_over_pickle(head, lower, size):
        return Kind.PICKLE
    if _looks_binary(head):
        return Kind.BINARY  # compressed joblib files among them: the models layer opens those
    if lower.endswith(PICKLE_SUFFIXES):
        return Kind.PICKLE  # a text stream named as a pickle is unpickled by whoever loads it
    return _classify_text(head, lower)


def _classify_magic(head: bytes) -> Kind | None:
    if head.startswith(b"\x7fELF"):
        return Kind.ELF
    if head.startswith(b"MZ") and len(head) >= 64:
        return Kind.PE
    if head[:4] in (
        b"\xfe\xed\xfa\xce",
        b"\xfe\xed\xfa\xcf",
        b"\xce\xfa\xed\xfe",
        b"\xcf\xfa\xed\xfe",
    ):
        return Kind.MACHO
    if head[:4] == b"\xca\xfe\xba\xbe" and len(head) >= 8 and int.from_bytes(head[4:8], "big") < 45:
        return Kind.MACHO  # fat binary; Java classes share the magic with a larger version field
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        return Kind.ZIP
    if head.startswith(b"\x1f\x8b"):
        return Kind.GZIP
    if head.startswith(b"BZh") and len(head) > 3 and head[3:4].isdigit():
        return Kind.BZIP2
    if head.startswith(b"\xfd7zXZ\x00"):
        return Kind.XZ
    if head.startswith(b"\x28\xb5\x2f\xfd"):
        return Kind.ZSTD
    if head.startswith(b"7z\xbc\xaf\x27\x1c"):
        return Kind.SEVENZIP
    if len(head) >= 262 and head[257:262] == b"ustar":
        return Kind.TAR
    if head.startswith(b"\x93NUMPY"):
        return Kind.NUMPY
    if head.startswith(b"GGUF"):
        return Kind.GGUF
    if head.startswith(b"\x89HDF\r\n\x1a\n"):
        return Kind.HDF5
    if head.startswith(b"-----BEGIN "):
        return Kind.PEM
    if head[:1] == b"\x80" and len(head) >= 2 and 2 <= head[1] <= 5:
        return Kind.PICKLE
    if _looks_like_safetensors(head):
        return Kind.SAFETENSORS
    if _looks_like_onnx(head):
        return Kind.ONNX
    if head[:2] == b"\x30\x82" and len(head) >= 4:
        return Kind.DER
    return None


def _looks_like_safetensors(head: bytes) -> bool:
    if len(head) < 10:
        return False
    length = int.from_bytes(head[:8], "little")
    return 2 <= length <= 100_000_000 and head[8:9] == b"{" and head[9:10] in (b'"', b"}", b" ")


def _looks_like_onnx(head: bytes) -> bool:
    # ModelProto: field 1 (ir_version, varint) then usually field 8 (opset_import) or 2/3 strings.
    return (
        len(head) > 4 and head[0] == 0x08 and head[1] < 0x20 and head[2] in (0x12, 0x1A, 0x3A, 0x42)
    )


def _looks_binary(head: bytes) -> bool:
    if b"\x00" in head[:1024]:
        return True
    sample = head[:1024]
    control = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return control > len(sample) // 10


#: Control characters that do not occur in text (tab, newlines, form feed and CR do).
_CONTROL_BYTES = bytes(b for b in range(32) if b < 9 or 13 < b)


#: First opcodes of protocol 0/1 pickles seen in practice (MARK, GLOBAL, EMPTY_*, INST, ...).
_PICKLE_FIRST = frozenset(b"(c]})}NIFLSVdlptiJKM")
#: Opcodes that make an opcode stream worth treating as a pickle.
_PICKLE_SIGNIFICANT = frozenset(
    {"GLOBAL", "INST", "STACK_GLOBAL", "REDUCE", "BUILD", "OBJ", "STOP"}
)
#: Opcodes through which a pickle reaches code.
_PICKLE_IMPORTS = frozenset({"GLOBAL", "INST", "STACK_GLOBAL"})
_FREE_TEXT_OPS = frozenset({"MARK", "GLOBAL", "INST"})
#: Names a consumer unpickles, whatever their first bytes look like.
PICKLE_SUFFIXES = (".pkl", ".pickle", ".joblib")
#: Names of files a loader reads as a model (``torch.load`` of a ``.pt``, ``.bin`` or ``.ckpt``
#: unpickles a raw stream): a stream in one that fails at its first import is still judged as
#: a broken model (see :func:`_looks_like_pickle`).
MODEL_SUFFIXES = (*PICKLE_SUFFIXES, ".pt", ".pth.tar", ".bin", ".ckpt", ".model")
#: Names that say a file is read as text (by pip, a compiler, a program, a person): a pickle
#: sniffed in one must parse cleanly (see :func:`_looks_like_pickle`).
TEXT_NAMES: frozenset[str] = frozenset(
    {"record", "metadata", "pkg-info", "wheel", "installer", "requested"}
)
_TEXT_PREFIXES = ("license", "licence", "copying", "notice", "authors", "readme", "changelog")
_TEXT_SUFFIXES_MORE = """
    .txt .csv .tsv .md .rst .cfg .ini .in .html .htm .xml .svg .c .h .cc .cpp .hpp .pyx .pxd .rs
    .go .java .rb .po .pot .tex .log .out .err .diff .patch .css .typed
""".split()  # noqa: SIM905 - a word list reads better than 33 quoted strings one per line
TEXT_SUFFIXES: frozenset[str] = frozenset(
    {suffix for suffix, kind in NAME_KINDS.items() if kind in TEXT_KINDS}.union(_TEXT_SUFFIXES_MORE)
)


def _looks_like_pickle(head: bytes, *, strict: bool = False, model: bool = False) -> bool:
    """Protocol 0/1 pickles have no header: parse the opcodes of the head (never executing them)
    and accept a stream that is valid up to a STOP, or valid to the end of a full head, with at
    least one opcode that imports or calls.

    ``strict`` is for files whose name says text (``RECORD``, ``.csv``, ``.txt``, ``.py``), which
    a consumer reads as text: they count only when every byte of the head parses as opcodes,
    to a STOP after an import of a global (the only way a pickle reaches code) or through a
    whole head. Ordinary text fails that at once; a real pickle named ``.txt`` passes it.

    ``model`` is for files named as models (``.bin``, ``.pt``): a stream in one whose first
    import names nothing a loader can import is still a pickle, a broken model for the models
    layer to report, as a loader would try to read it."""
    if not head or head[0] not in _PICKLE_FIRST:
        return False
    if _fails_before_code(head, imports=not model):
        return False
    if strict:
        return _parses_cleanly(head)
    names: set[str] = set()
    count = 0
    try:
        for opcode, _arg, _pos in pickletools.genops(head):
            names.add(opcode.name)
            count += 1
            if opcode.name == "STOP":
                break
    except Exception:  # any parse error means: not a pickle, or a truncated one
        if len(head) < HEAD_BYTES or count < 8:
            return False
    return (
        count >= 2
        and bool(names & _PICKLE_SIGNIFICANT)
        and ("STOP" in names or len(head) >= HEAD_BYTES)
    )


#: Opcodes through which unpickling imports or calls something (or hands an id to a loader).
_PICKLE_REACHES_CODE = frozenset(
    {"STACK_GLOBAL", "REDUCE", "BUILD", "OBJ", "NEWOBJ", "NEWOBJ_EX", "PERSID", "BINPERSID"}
    | {"EXT1", "EXT2", "EXT4"}
)
_PICKLE_PUTS = frozenset({"PUT", "BINPUT", "LONG_BINPUT", "MEMOIZE"})
_PICKLE_GETS = frozenset({"GET", "BINGET", "LONG_BINGET"})


def _fails_before_code(head: bytes, *, imports: bool = True) -> bool:
    """Whether unpickling ``head`` raises before it imports or calls anything, as CPython's
    unpickler does: an opcode that needs a MARK, stack items or a memo entry that are not
    there, or bytes that are no opcode. Nothing of such a stream runs, so it is no pickle,
    whatever its bytes look like (a Debian ``NEWS`` file starting ``dash (0.5...`` reads as
    DICT with no MARK). With ``imports``, a first import (GLOBAL, INST: the import comes before
    the stack is touched) of a name no loader can import fails too (see
    :func:`_importable_operand`: ``count = 286`` then ``siggen_mu =``, a test vector, reads as
    GLOBAL of module ``ount = 286``). A stream whose first import names a module, that calls,
    stops cleanly or outlasts the head is not decided here."""
    frames: list[int] = []  # items above each open MARK, the topmost last
    depth = 0  # items above the topmost MARK
    memo: set[object] = set()
    try:
        for opcode, arg, pos in pickletools.genops(head):
            name = opcode.name
            if name in ("GLOBAL", "INST"):
                return imports and not _importable_operand(head, pos or 0)
            if name == "STOP":
                return False
            if name == "MARK":
                frames.append(depth)
                depth = 0
                continue
            if name == "POP" and depth == 0:  # pops the MARK itself when no item is above it
                if not frames:
                    return True
                depth = frames.pop()
                continue
            before = opcode.stack_before
            if pickletools.markobject in before:
                if not frames:
                    return True
                depth = frames.pop()
                below = before.index(pickletools.markobject)
            else:
                below = len(before)
            if depth < below:
                return True
            if name in _PICKLE_REACHES_CODE:
                return False
            depth -= below
            if name in _PICKLE_GETS and arg not in memo:
                return True
            if name in _PICKLE_PUTS:
                if depth == 0:
                    return True
                memo.add(len(memo) if name == "MEMOIZE" else arg)
            depth += len(opcode.stack_after)
    except ValueError as exc:
        # a bad opcode in a whole file fails the load; in a cut head it may be the cut
        return len(head) < HEAD_BYTES and "exhausted before seeing STOP" not in str(exc)
    return False


def pickle_fails_before_code(data: bytes) -> bool:
    """Whether a loader handed ``data``, a whole headerless (protocol 0/1) stream, raises before
    it imports anything it can import or calls anything (see :func:`_fails_before_code`): a
    literal of prose that starts with ``c`` and ends in ``.`` is no payload a loader can run."""
    return _fails_before_code(data)


def _importable_operand(head: bytes, pos: int) -> bool:
    """Whether the two lines after the GLOBAL or INST opcode at ``pos`` name a module and an
    attribute a loader's ``find_class`` could resolve. CPython decodes both lines (UTF-8 for
    GLOBAL, ASCII for INST), imports the module and looks the attribute up; a line with a
    space, ``=``, ``(`` or an empty line names no module a Python ``import`` can spell and no
    installer puts on a path, so the load raises there and nothing after the opcode runs. Only
    a module someone already placed on the loader's path under such a name could answer, and
    whoever placed it already runs code. Dotted attribute paths (``Outer.Inner``, which
    protocol 4 loaders resolve) count as names. Lines cut by the end of ``head`` are
    undecided (importable)."""
    start = pos + 1
    first = head.find(b"\n", start)
    second = head.find(b"\n", first + 1) if first >= 0 else -1
    if second < 0:
        return True
    try:
        module = head[start:first].decode()
        attribute = head[first + 1 : second].decode()
    except UnicodeDecodeError:
        return False
    return _dotted_identifiers(module) and _dotted_identifiers(attribute)


def _dotted_identifiers(text: str) -> bool:
    return all(part.isidentifier() for part in text.split("."))


def _parses_cleanly(head: bytes) -> bool:
    """Whether ``head`` is an opcode stream without a single error (see _looks_like_pickle)."""
    full = len(head) >= HEAD_BYTES
    if full:  # cut at the last line: the next opcode may be cut in half
        head = head[: head.rfind(b"\n") + 1]
    names: set[str] = set()
    try:
        for opcode, _arg, _pos in pickletools.genops(head):
            names.add(opcode.name)
            if opcode.name == "STOP":
                return bool(names & _PICKLE_IMPORTS)
    except ValueError as exc:
        # A whole head of clean opcodes is a pickle whether or not its import comes later, if
        # it is more than lines of free text (MARK, then GLOBAL and INST take any two lines);
        # a short file must reach its STOP.
        return full and bool(names - _FREE_TEXT_OPS) and "exhausted before seeing STOP" in str(exc)
    except Exception:  # any other parse error: not a pickle
        return False
    return False


def named_as_text(lower_name: str) -> bool:
    """Whether a file's lower-cased name says its consumer reads it as text (``RECORD``,
    ``.csv``, ``.txt``, ``.py``): see :data:`TEXT_SUFFIXES`."""
    if lower_name in TEXT_NAMES or lower_name.startswith(_TEXT_PREFIXES):
        return True
    dot = lower_name.rfind(".")
    return dot > 0 and lower_name[dot:] in TEXT_SUFFIXES


#: Source files whose text can also read as protocol-0 pickle opcodes (``import os`` does).
_SOURCE_SUFFIXES = (".py", ".pyw", ".js", ".cjs", ".mjs", ".jsx", ".ts", ".tsx", ".mts", ".cts")


def _source_over_pickle(head: bytes, lower_name: str, size: int | None) -> bool:
    """Whether a source-named text file that also reads as pickle opcodes is source: a file
    that parses as source is analysed as source, whatever else it parses as, so that an
    attacker cannot choose the reading that hides it. Only a Python file small enough to be all
    in ``head`` that does not parse as Python stays a pickle (Python could not import it)."""
    if not lower_name.endswith(_SOURCE_SUFFIXES) or _looks_binary(head):
        return False
    if not lower_name.endswith((".py", ".pyw")) or size is None or size > len(head):
        return True
    try:
        ast.parse(head)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


#: Documents in a markup language (Markdown, reStructuredText, AsciiDoc): read by people and
#: rendered by sites, never imported or run, whatever their code blocks look like (an API
#: listing of ``class`` lines is no Python module). MDX, which bundlers compile to JavaScript,
#: is not among them.
MARKUP_SUFFIXES = (".md", ".markdown", ".rst", ".adoc", ".asciidoc")
#: Jenkinsfiles (``Jenkinsfile``, ``Jenkinsfile.release``, ``Jenkinsfile-linux``,
#: ``ci.jenkinsfile``) and Groovy sources: Groovy reads them, so their ``def f(`` and
#: ``import`` lines are no Python.
_GROOVY_NAME_RE = re.compile(r"^(?:jenkinsfile[\w.-]*|[\w.-]+\.(?:jenkinsfile|groovy|gvy))$")


def _classify_text(head: bytes, lower_name: str) -> Kind:
    if _GROOVY_NAME_RE.match(lower_name):
        return Kind.TEXT
    if head.startswith(b"#!"):
        first = head.split(b"\n", 1)[0]
        if b"python" in first:
            return Kind.PYTHON
        if b"node" in first:
            return Kind.JAVASCRIPT
        if b"sh" in first:
            return Kind.SHELL
    for suffix in _SUFFIXES_LONGEST_FIRST:
        if lower_name.endswith(suffix):
            kind = NAME_KINDS[suffix]
            if kind in TEXT_KINDS:
                return kind
            break
    if lower_name.endswith(MARKUP_SUFFIXES):
        return Kind.TEXT  # no interpreter runs a document: its code blocks are prose
    stripped = head.lstrip()
    if stripped[:1] in (b"{", b"[") and _parses_as_json_prefix(stripped):
        return Kind.JSON
    if lower_name in ("setup.cfg", "pkg-info", "metadata") or lower_name.endswith(".cfg"):
        return Kind.TEXT
    if _PY_HINTS.search(head):
        return Kind.PYTHON
    if _JS_HINTS.search(head):
        return Kind.JAVASCRIPT
    return Kind.TEXT


def _parses_as_json_prefix(data: bytes) -> bool:
    try:
        json.loads(data)
    except RecursionError:
        return True  # nested deeper than the parser goes: JSON still, for its readers to judge
    except (ValueError, UnicodeDecodeError):
        return len(data) >= HEAD_BYTES - 16  # truncated head of a large document
    return True


def refine_zip(data: bytes | BinaryIO) -> Kind:
    """Tell a model container (PyTorch, Keras, npz) from a plain zip by its member names."""
    try:
        with zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data) as zf:
            names = zf.namelist()[:10_000]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return Kind.ZIP
    if any(n.endswith(("data.pkl", "/constants.pkl")) for n in names):
        return Kind.PYTORCH_ZIP
    if "config.json" in names and any(n.endswith(".weights.h5") for n in names):
        return Kind.KERAS
    if names and all(n.endswith(".npy") for n in names):
        return Kind.NUMPY_ZIP
    return Kind.ZIP


@dataclass(frozen=True, slots=True)
class ReadMember:
    """A member of an archive as the walk read it, for an analyzer that reads the archive whole
    (:class:`MemberNeeds`): its name as the archive spells it, its size, and its first bytes,
    as many as that analyzer asked for (all of them when ``len(data) == size``)."""

    name: str
    size: int
    data: bytes


@dataclass(frozen=True, slots=True)
class MemberNeeds:
    """What an analyzer that reads an archive whole reads of its members.

    The walk decompresses every member of an archive anyway (budgets, bombs, the other layers);
    told this, it keeps each member's first ``bytes_of(name, head)`` bytes (``name`` as the
    archive spells it, ``head`` its first :data:`HEAD_BYTES` bytes) and hands them over with
    the archive (:attr:`Artifact.members`), so the analyzer reads them instead of decompressing
    the archive a second time. Beyond ``total`` kept bytes the walk keeps nothing and the
    analyzer reads the archive itself.
    """

    bytes_of: Callable[[str, bytes], int]
    total: int


@dataclass(frozen=True, slots=True)
class Artifact:
    """One thing to analyse: a file on disk or a member held in memory.

    ``path`` is the logical path (archive members joined with ``!/``). Exactly one of ``fs_path``
    and ``data`` is set, except on members tagged :data:`NOT_HELD`, whose content no analyzer
    reads and nobody kept (reading them raises :class:`ContentNotHeldError`). Artifacts are
    small and picklable so they cross process boundaries.
    """

    path: str
    kind: Kind
    size: int
    fs_path: str | None = None
    data: bytes | None = None
    #: The logical path of the package/archive/directory root the artifact belongs to.
    root: str = ""
    #: Tags sources attach (``"in-archive"``, ``"executable-bit"``).
    tags: frozenset[str] = field(default_factory=frozenset)
    _digest: list[str] = field(default_factory=list, compare=False, repr=False)
    #: The whole content of a small file on disk, when the source already read it to classify
    #: it: analyzers then read it from here instead of opening the file again.
    _content: bytes | None = field(default=None, compare=False, repr=False)
    #: The file's status as the source saw it before reading (the cache's identity of the file).
    _stat: os.stat_result | None = field(default=None, compare=False, repr=False)
    #: An archive's regular members in the archive's order, as the walk read them for an analyzer
    #: that reads the archive whole (:class:`MemberNeeds`); None when the walk kept none (no
    #: such analyzer, or the walk reported something about the archive: a budget, a bomb, a
    #: corrupt member), and the analyzer then reads the archive itself.
    members: tuple[ReadMember, ...] | None = field(default=None, compare=False, repr=False)

    @property
    def name(self) -> str:
        return posix_name(self.path.rsplit(MEMBER_SEP, 1)[-1])

    @property
    def member_path(self) -> str:
        """The path inside the innermost container (or on disk, relative to the target)."""
        return self.path.rsplit(MEMBER_SEP, 1)[-1]

    def read(self, limit: int | None = None) -> bytes:
        """The content, or its first ``limit`` bytes."""
        content = self.data if self.data is not None else self._content
        if content is not None:
            return content if limit is None else content[:limit]
        if self.fs_path is None:
            raise ContentNotHeldError(self.path)
        with Path(self.fs_path).open("rb") as fh:
            return fh.read() if limit is None else fh.read(limit)

    def open(self) -> BinaryIO:
        """A binary stream: use it to read only what matters from large files."""
        content = self.data if self.data is not None else self._content
        if content is not None:
            return io.BytesIO(content)
        if self.fs_path is None:
            raise ContentNotHeldError(self.path)
        return Path(self.fs_path).open("rb")

    def text(self, limit: int | None = None) -> str:
        return self.read(limit).decode("utf-8", errors="replace")

    def sha256(self) -> str:
        """Content digest, computed once and streamed for files on disk."""
        if self._digest:
            return self._digest[0]
        h = hashlib.sha256()
        content = self.data if self.data is not None else self._content
        if content is not None:
            h.update(content)
        else:
            with self.open() as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    h.update(chunk)
        digest = h.hexdigest()
        self._digest.append(digest)
        return digest

    def with_digest(self, digest: str) -> Artifact:
        if not self._digest:
            self._digest.append(digest)
        return self


class ContentNotHeldError(OSError):
    """Content a source did not keep was asked for: beyond the start of a :class:`Probe`, or
    any of a member tagged :data:`NOT_HELD`."""

    def __init__(self, path: str) -> None:
        super().__init__(f"{path}: content not held (no selected analyzer reads it)")


class Probe(Artifact):
    """The start of an archive member still being decompressed, shown to analyzers' ``accepts``
    so that the source holds the rest only when one of them wants it.

    ``data`` is the first bytes (at least :data:`PROBE_BYTES`, and the member is longer);
    ``size`` is what is known so far. Reading within the start works as on any artifact; an
    ``accepts`` that asks for more (or for a stream, or the digest) gets
    :class:`ContentNotHeldError`, and the engine then holds the member, so no analyzer decides
    on a truncated view.
    """

    __slots__ = ()

    def read(self, limit: int | None = None) -> bytes:
        assert self.data is not None
        if limit is None or limit > len(self.data):
            raise ContentNotHeldError(self.path)
        return self.data[:limit]

    def open(self) -> BinaryIO:
        raise ContentNotHeldError(self.path)

    def sha256(self) -> str:
        raise ContentNotHeldError(self.path)


#: Names of archives a registry serves and an installer unpacks (sdists, wheels, npm tarballs).
PACKAGE_SUFFIXES = (".whl", ".egg", ".tar.gz", ".tgz", ".zip", ".tar.bz2", ".tar.xz", ".tar")


def inside_package_archive(path: str) -> bool:
    """Whether a logical path is a member of a package archive (at any depth)."""
    if MEMBER_SEP not in path:
        return False
    containers = path.split(MEMBER_SEP)[:-1]
    return any(posix_name(c).lower().endswith(PACKAGE_SUFFIXES) for c in containers)


#: Folders that hold installed packages: whatever lies under them a package shipped.
INSTALLED_PACKAGE_FOLDERS = frozenset({"node_modules", "site-packages", "dist-packages"})


def inside_installed_packages(path: str) -> bool:
    """Whether a path lies in a folder of installed packages (``node_modules``,
    ``site-packages``, ``dist-packages``), on disk or inside an archive member."""
    parts = path.replace(MEMBER_SEP, "/").split("/")[:-1]
    return any(part in INSTALLED_PACKAGE_FOLDERS for part in parts)


def posix_name(path: str) -> str:
    """The last component of a ``/``-separated path, as :class:`~pathlib.PurePosixPath` names
    it (empty and ``.`` components skipped), without building one for each artifact."""
    last = path.rpartition("/")[2]
    if last and last != ".":  # most paths: the last component is the name
        return last
    parts = [part for part in path.split("/") if part and part != "."]
    return parts[-1] if parts else ""


def join_member(container: str, member: str) -> str:
    return f"{container}{MEMBER_SEP}{member}"
