"""The scan cache: analysis results keyed by content, analyzer versions and rule set.

It also remembers the digest of files on disk by (device, inode, size, mtime, ctime), so that a
warm rescan of an unchanged tree does not read file contents again.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, payload TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS digests (
    path TEXT PRIMARY KEY, identity TEXT NOT NULL, sha256 TEXT NOT NULL
);
"""


class ScanCache:
    """A small SQLite key-value store; safe to open from one process at a time per handle."""

    def __init__(self, directory: str | Path) -> None:
        self.path = Path(directory) / "scan-cache.sqlite3"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        row = self._db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        if row is None or int(row[0]) != SCHEMA_VERSION:
            self._db.executescript("DELETE FROM results; DELETE FROM digests;")
            self._db.execute(
                "INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),)
            )
        self._db.commit()

    def get_many(self, keys: Iterable[str]) -> dict[str, Any]:
        keys = list(keys)
        found: dict[str, Any] = {}
        with self._lock:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    f"SELECT key, payload FROM results WHERE key IN ({marks})",  # noqa: S608 - only '?' marks are interpolated
                    chunk,
                ).fetchall()
                for key, payload in rows:
                    found[key] = json.loads(payload)
        return found

    def put_many(self, items: Iterable[tuple[str, Any]]) -> None:
        rows = [(k, json.dumps(v, separators=(",", ":"))) for k, v in items]
        if not rows:
            return
        with self._lock:
            self._db.executemany("INSERT OR REPLACE INTO results VALUES (?, ?)", rows)
            self._db.commit()

    def digests(self, paths: Iterable[str]) -> dict[str, tuple[str, str]]:
        """Known ``path -> (identity, sha256)`` for the given file paths."""
        paths = list(paths)
        found: dict[str, tuple[str, str]] = {}
        with self._lock:
            for start in range(0, len(paths), 500):
                chunk = paths[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    f"SELECT path, identity, sha256 FROM digests WHERE path IN ({marks})",  # noqa: S608 - only '?' marks are interpolated
                    chunk,
                ).fetchall()
                for path, identity, sha in rows:
                    found[path] = (identity, sha)
        return found

    def put_digests(self, items: Iterable[tuple[str, str, str]]) -> None:
        rows = list(items)
        if not rows:
            return
        with self._lock:
            self._db.executemany("INSERT OR REPLACE INTO digests VALUES (?, ?, ?)", rows)
            self._db.commit()

    def clear(self) -> None:
        with self._lock:
            self._db.executescript("DELETE FROM results; DELETE FROM digests;")
            self._db.commit()

    def close(self) -> None:
        with self._lock:
            self._db.close()
