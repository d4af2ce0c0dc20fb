"""Cheap content checks the analyzer's ``accepts`` needs before any parser is imported."""

from __future__ import annotations


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
