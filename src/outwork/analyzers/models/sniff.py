"""Cheap checks of name and content that the analyzer's ``accepts`` makes before any parsing."""

from __future__ import annotations

import io
import pickletools
import re

from outwork.core.artifact import Artifact

#: Bytes of a file's start read to tell whether it opens a pickle stream that runs past them.
PICKLE_PREFIX_BYTES = 8192
#: Opcodes a protocol 0/1 stream (no PROTO header) can start with: every opcode that pushes.
PICKLE_FIRST_OPCODES = frozenset(b"(SVTUBCXIJKMLFGN]})cPi\x88\x89\x8a\x8b\x8c\x8d\x8e\x8f\x96")
#: pickletools' messages for an argument cut by the end of the bytes it was given.
_CUT = ("no newline found", "but only")
#: A module path or attribute a loader's ``find_class`` could resolve: dotted identifiers.
_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*\Z")


def sniff_compressed(head: bytes) -> str | None:
    """The compression of a stream from its first bytes (joblib's codecs), or None."""
    if len(head) >= 2 and head[0] == 0x78 and (head[0] * 256 + head[1]) % 31 == 0:
        return "zlib"
    if head.startswith(b"\x04\x22\x4d\x18"):
        return "lz4"
    if head.startswith(b"\x5d\x00\x00"):
        return "lzma"
    if head.startswith(b"ZF0x"):
        return "joblib-zfile"
    return None


def is_chat_template(artifact: Artifact) -> bool:
    """Hugging Face chat templates: ``chat_template.jinja`` and the files of
    ``additional_chat_templates/``. Other Jinja files (web pages, docs) are not model templates."""
    name = artifact.name.lower()
    if not name.endswith(".jinja"):
        return False
    return name == "chat_template.jinja" or "/additional_chat_templates/" in artifact.path.lower()


HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
#: Names whose loaders (h5py, Keras' legacy loader) read the file as HDF5.
HDF5_NAMES = (".h5", ".hdf5", ".he5", ".nc", ".weights")


def hdf5_superblock(buf: bytes | memoryview) -> int | None:
    """Where an HDF5 superblock starts behind a user block: HDF5 readers look at 0, 512, 1024,
    2048, ... (any power of two from 512), so a file with a user block has no magic at 0."""
    at = 512
    while at + 8 <= len(buf) and at <= 1 << 30:
        if bytes(buf[at : at + 8]) == HDF5_SIGNATURE:
            return at
        at *= 2
    return None


def pickle_prefix(head: bytes) -> bool:
    """Whether ``head`` (the first :data:`PICKLE_PREFIX_BYTES` of a file) is the start of a
    headerless (protocol 0/1) pickle that runs past it: every opcode parses, and the last one's
    argument is cut by the end of the head. A long literal (8 KB of padding text) hides the
    imports that follow from any check of the head alone, so such a file is read as a whole
    stream. Ordinary text fails at its first or second opcode."""
    if len(head) < PICKLE_PREFIX_BYTES or head[0] not in PICKLE_FIRST_OPCODES:
        return False
    try:
        for opcode, _arg, _pos in pickletools.genops(head):
            if opcode.name == "STOP":
                return False  # the head holds a whole stream: the content check decided it
    except ValueError as exc:
        return any(cut in str(exc) for cut in _CUT)
    return False


def first_import_resolvable(data: bytes | memoryview) -> bool:
    """Whether the first import (``GLOBAL`` or ``INST``) of a protocol 0/1 stream names a module
    and an attribute made of identifiers. A loader meeting a name no import can resolve raises
    there, so nothing after it runs: a text file that happens to parse as opcodes (a wheel's
    ``RECORD``, every line of which starts with ``c``, the ``GLOBAL`` opcode, followed by a path
    and a hash) is no pickle anyone can load, however many such "imports" it holds."""
    try:
        for opcode, arg, _pos in pickletools.genops(io.BytesIO(data)):
            if opcode.name in ("GLOBAL", "INST"):
                module, _, name = str(arg).partition(" ")
                return bool(_DOTTED.match(module) and _DOTTED.match(name))
            if opcode.name == "STOP":
                return False
    except ValueError:
        return False
    return False
