"""The scan cache: analysis results keyed by content, analyzer versions and rule set.

It also remembers the digest of files on disk by (device, inode, size, mtime, ctime), so that a
warm rescan of an unchanged tree does not read file contents again.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path

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
        try:
            self._db = self._open()
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
                raise
            # A cache is only a cache: a damaged file (a crash during a write, see below) is
            # replaced by an empty one rather than failing the scan.
            for suffix in ("", "-journal", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            self._db = self._open()

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
        try:
            # No fsync: losing the last results to a power cut costs a rescan, and a file damaged
            # by one is detected and replaced on open. A rollback journal, not WAL: no checkpoint
            # on close.
            db.execute("PRAGMA journal_mode=TRUNCATE")
            db.execute("PRAGMA synchronous=OFF")
            db.executescript(_SCHEMA)
            row = db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
            if row is None or row[0] != str(SCHEMA_VERSION):
                db.executescript("DELETE FROM results; DELETE FROM digests;")
                db.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),)
                )
            db.commit()
        except BaseException:
            db.close()
            raise
        return db

    def get_many(self, keys: Iterable[str]) -> dict[str, str]:
        """The stored text of each known key."""
        keys = list(keys)
        found: dict[str, str] = {}
        with self._lock:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    f"SELECT key, payload FROM results WHERE key IN ({marks})",  # noqa: S608 - only '?' marks are interpolated
                    chunk,
                ).fetchall()
                for key, payload in rows:
                    found[key] = payload
        return found

    def put_many(self, items: Iterable[tuple[str, str]]) -> None:
        """Store text (the caller encodes) under each key."""
        rows = list(items)
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
