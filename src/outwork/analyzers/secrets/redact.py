"""Reports never hold a credential: the value is masked, its fingerprint is a keyed hash.

The key is 32 random bytes in ``secrets-fingerprint.key`` under outwork's data directory,
created on first use (mode 0600), so the fingerprint of one credential is the same in every
scan on this installation, and nobody without the file can test a guessed password against a
report. Without a data directory (the library called without one) the key lives only as long as
the process, and the finding says so.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

KEY_FILE = "secrets-fingerprint.key"
_KEYS: dict[str, bytes] = {}


def fingerprint_key(data_dir: str | None, scan_key: bytes) -> tuple[bytes, bool]:
    """The installation's key and whether it persists across runs; without a data folder, the
    scan's own key (the same in every worker of one scan, new for the next scan)."""
    if not data_dir:
        return scan_key, False
    if data_dir in _KEYS:
        return _KEYS[data_dir], True
    path = Path(data_dir) / KEY_FILE
    key = _read_key(path)
    if key is None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fresh = secrets.token_bytes(32)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another worker made it first
            key = _read_key(path)
        else:
            with os.fdopen(fd, "wb") as fh:
                fh.write(fresh)
            key = fresh
    if key is None:
        raise OSError(f"{path} is not a 32-byte key: delete it and scan again to make a new one")
    _KEYS[data_dir] = key
    return key, True


def _read_key(path: Path) -> bytes | None:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    return data if len(data) == 32 else None


def keyed_hash(value: str, key: bytes) -> str:
    return hmac.new(key, value.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()[:32]


def mask(value: str) -> str:
    """The first and last characters only, and never the length: a quarter of a short value,
    at most four characters at each end of a long one. Whitespace (a key's line breaks) is
    left out of the ends."""
    value = "".join(value.split())
    keep = min(4, len(value) // 8)
    if keep == 0:
        return "****"
    return f"{value[:keep]}****{value[-keep:]}"


def mask_line(line: str, spans: list[tuple[int, int]], limit: int = 160) -> str:
    """The line with every credential span (offsets within the line) masked, cut to
    ``limit`` characters around the first span."""
    out = []
    last = 0
    for start, end in sorted(spans):
        start = max(start, last)
        if end <= start:
            continue
        out.append(line[last:start])
        out.append(mask(line[start:end]))
        last = end
    out.append(line[last:])
    text = "".join(out).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"
