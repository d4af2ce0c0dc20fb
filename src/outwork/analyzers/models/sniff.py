"""Cheap checks of name and content that the analyzer's ``accepts`` makes before any parsing."""

from __future__ import annotations

from outwork.core.artifact import Artifact


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
