"""The embedded OSV advisory database: SQLite, updated from OSV's per-ecosystem ``all.zip`` files.

An update downloads the feed to a temporary file beside the database, checks its length and the
digests the server announces, then imports it record by record (the zip is streamed, never held
whole in memory) inside one SQLite transaction. Records whose ``modified`` stamp did not change are
skipped; records that left the feed are deleted. Anything that goes wrong (a short download, a
CRC error, a record that is not OSV JSON, the process being killed) rolls the transaction back, so
an interrupted update leaves the previous database exactly as it was.

The library never reads the environment: callers pass the database path (the CLI derives it from
the user's data directory).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import re
import sqlite3
import tempfile
import time
import urllib.parse
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import IO, Any, Protocol

from packaging.utils import canonicalize_version

from outwork.core.errors import OutworkError, UsageError
from outwork.store import (
    ADVISORIES_BASE_URL,
    ADVISORIES_FILENAME,
    DEFAULT_ECOSYSTEMS,
    STALE_AFTER_DAYS,
)

DB_FILENAME = ADVISORIES_FILENAME
SCHEMA_VERSION = 2
DEFAULT_BASE_URL = ADVISORIES_BASE_URL
#: Budgets for one feed: a record larger than this is refused, and so is a feed with more members.
MAX_RECORD_BYTES = 16 * 1024 * 1024
MAX_RECORDS = 2_000_000
MAX_DOWNLOAD_BYTES = 4 * 1024 * 1024 * 1024
_BATCH = 2000
#: Decoded records kept per open store (a scan looks the same packages up again and again).
_DECODED_CACHE = 50_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS feeds (
    feed TEXT PRIMARY KEY, url TEXT NOT NULL, sha256 TEXT NOT NULL, size INTEGER NOT NULL,
    imported_at TEXT NOT NULL, records INTEGER NOT NULL, newest_modified TEXT
);
CREATE TABLE IF NOT EXISTS vulns (
    feed TEXT NOT NULL, id TEXT NOT NULL, modified TEXT NOT NULL, withdrawn TEXT,
    data BLOB NOT NULL, member TEXT, crc INTEGER, PRIMARY KEY (feed, id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS packages (
    ecosystem TEXT NOT NULL, name TEXT NOT NULL, feed TEXT NOT NULL, id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS packages_by_name ON packages (ecosystem, name);
CREATE INDEX IF NOT EXISTS packages_by_id ON packages (feed, id);
"""


class AdvisoryDatabaseError(OutworkError):
    """The advisory database could not be updated; the previous one is intact."""


class UpdateIncompleteError(AdvisoryDatabaseError):
    """Some feeds could not be updated; they keep their previous records."""

    def __init__(self, failures: list[str], reports: list[UpdateReport]) -> None:
        super().__init__(
            f"{len(failures)} feed(s) not updated (their previous records are kept): "
            + "; ".join(failures)
        )
        self.failures = failures
        self.reports = reports


class AdvisoryHostUnreachableError(UpdateIncompleteError):
    """The advisory host could not be reached: the update stopped there (every other feed
    lives on the same host), the feeds imported before it are kept."""

    def __init__(self, url: str, reason: str, reports: list[UpdateReport]) -> None:
        host = urllib.parse.urlsplit(url).netloc or url
        AdvisoryDatabaseError.__init__(
            self,
            f"cannot reach {host} ({reason}); advisory data not updated."
            " Check the network, or import a feed fetched elsewhere with"
            " `outwork db update --from-file all.zip --ecosystem NAME`",
        )
        self.failures = [f"{host}: {reason}"]
        self.reports = reports
        self.host = host


class AdvisoryDatabaseMissingError(UsageError):
    """There is no advisory database where one was expected."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"no advisory database at {path}: run `outwork db update` (online) or"
            " `outwork db update --from-file all.zip --ecosystem PyPI` (offline) first"
        )
        self.path = path


_PEP503_RE = re.compile(r"[-_.]+")


def normalize_name(ecosystem: str, name: str) -> str:
    """The lookup form of a package name: PEP 503 for PyPI, case-folded where the ecosystem is
    case-insensitive, unchanged where it is not (Go module paths, npm)."""
    eco = ecosystem_key(ecosystem)
    if eco == "pypi":
        return _PEP503_RE.sub("-", name).lower()
    if eco in ("packagist", "nuget", "crates.io", "hex", "pub", "maven"):
        return name.lower()
    return name


#: Key added to PyPI ``affected`` entries at import: their ``versions`` in PEP 440 canonical
#: form, so a scan tests membership with one set look-up instead of parsing every listed version.
CANONICAL_VERSIONS = "x_outwork_canonical_versions"


@lru_cache(maxsize=65536)
def canonical_version(ecosystem: str, version: str) -> str:
    """One spelling per version where the ecosystem allows several (PyPI: ``2.0.0b`` = ``2b0``)."""
    if ecosystem_key(ecosystem) == "pypi":
        return str(canonicalize_version(version))
    return version


def _annotate(record: dict[str, Any]) -> None:
    for entry in record.get("affected") or ():
        if not isinstance(entry, dict):
            continue
        package = entry.get("package")
        listed = entry.get("versions")
        if (
            isinstance(package, dict)
            and ecosystem_key(str(package.get("ecosystem", ""))) == "pypi"
            and isinstance(listed, list)
        ):
            entry[CANONICAL_VERSIONS] = [
                canonical_version("PyPI", v) for v in listed if isinstance(v, str)
            ]


def ecosystem_key(ecosystem: str) -> str:
    """``Debian:12`` -> ``debian``; ``PyPI`` -> ``pypi``."""
    return ecosystem.split(":", 1)[0].strip().lower()


def same_release(wanted: str, theirs: str) -> bool:
    """Whether an advisory's ecosystem covers the release asked for: ``Debian:12`` covers
    ``Debian:12`` only, ``Ubuntu:22.04:LTS`` covers ``Ubuntu:22.04``; an ecosystem asked for
    without a release (``PyPI``) is covered by every entry of its name."""
    if ":" not in wanted:
        return True
    have, want = theirs.strip().lower(), wanted.strip().lower()
    return have == want or have.startswith(want + ":")


@dataclass(frozen=True, slots=True)
class Advisory:
    """One OSV record, as stored; ``record`` is the full OSV JSON object."""

    id: str
    modified: str
    record: dict[str, Any]

    @property
    def aliases(self) -> list[str]:
        return [a for a in self.record.get("aliases") or () if isinstance(a, str)]

    def affected_for(self, ecosystem: str, name: str) -> list[dict[str, Any]]:
        """The ``affected`` entries of this record that name this package."""
        eco = ecosystem_key(ecosystem)
        wanted = normalize_name(ecosystem, name)
        out: list[dict[str, Any]] = []
        for entry in self.record.get("affected") or ():
            package = entry.get("package") if isinstance(entry, dict) else None
            if not isinstance(package, dict):
                continue
            their_eco = str(package.get("ecosystem", ""))
            if ecosystem_key(their_eco) != eco or not same_release(ecosystem, their_eco):
                continue
            if normalize_name(their_eco, str(package.get("name", ""))) == wanted:
                out.append(entry)
        return out


@dataclass(frozen=True, slots=True)
class FeedStatus:
    feed: str
    url: str
    sha256: str
    size: int
    imported_at: str
    records: int
    newest_modified: str | None

    def age_days(self, now: datetime | None = None) -> float:
        moment = now or datetime.now(UTC)
        return (moment - datetime.fromisoformat(self.imported_at)).total_seconds() / 86400


@dataclass(frozen=True, slots=True)
class DatabaseStatus:
    path: Path
    exists: bool
    feeds: tuple[FeedStatus, ...] = ()

    @property
    def records(self) -> int:
        return sum(f.records for f in self.feeds)

    def oldest_age_days(self, now: datetime | None = None) -> float | None:
        ages = [f.age_days(now) for f in self.feeds]
        return max(ages) if ages else None

    def stale(self, max_age_days: float = STALE_AFTER_DAYS, now: datetime | None = None) -> bool:
        age = self.oldest_age_days(now)
        return age is None or age > max_age_days


@dataclass(frozen=True, slots=True)
class UpdateReport:
    feed: str
    url: str
    sha256: str
    size: int
    records: int
    added: int
    changed: int
    unchanged: int
    removed: int
    seconds: float
    notes: tuple[str, ...] = field(default=())


def default_path(data_dir: str | Path) -> Path:
    return Path(data_dir) / DB_FILENAME


def _connect(path: Path, *, readonly: bool) -> sqlite3.Connection:
    if readonly:
        uri = f"{path.resolve().as_uri()}?mode=ro"
        db = sqlite3.connect(uri, uri=True, timeout=30, check_same_thread=False)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(path, timeout=60, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.executescript(_SCHEMA)
        row = db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        if row is None:
            db.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        elif int(row[0]) != SCHEMA_VERSION:
            db.close()
            raise AdvisoryDatabaseError(
                f"{path} has schema {row[0]}, this outwork expects {SCHEMA_VERSION}:"
                " delete the file and run `outwork db update` again"
            )
    return db


class AdvisoryLookup(Protocol):
    """What matching needs of a source of advisories: a feed's database or an API's answers."""

    def lookup(self, ecosystem: str, names: Iterable[str]) -> dict[str, list[Advisory]]: ...


class AdvisoryStore:
    """Read access for scans: look packages up by ecosystem and name."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise AdvisoryDatabaseMissingError(self.path)
        self._db = _connect(self.path, readonly=True)
        self._decoded: dict[tuple[str, str], Advisory] = {}

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> AdvisoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def status(self) -> DatabaseStatus:
        return _status(self._db, self.path)

    def lookup(self, ecosystem: str, names: Iterable[str]) -> dict[str, list[Advisory]]:
        """Non-withdrawn advisories per (normalised) package name, for many names at once."""
        eco = ecosystem_key(ecosystem)
        wanted = sorted({normalize_name(ecosystem, n) for n in names})
        found: dict[str, list[Advisory]] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            where = f"p.ecosystem = ? AND p.name IN ({marks}) AND v.withdrawn IS NULL"
            query = (
                "SELECT p.name, v.feed, v.id, v.modified, v.data FROM packages p"  # noqa: S608 - only '?' marks are interpolated
                f" JOIN vulns v ON v.feed = p.feed AND v.id = p.id WHERE {where}"
            )
            rows = self._db.execute(query, (eco, *chunk)).fetchall()
            for name, feed, vid, modified, data in rows:
                advisory = self._decoded.get((feed, vid))
                if advisory is None:
                    if len(self._decoded) > _DECODED_CACHE:
                        self._decoded.clear()
                    advisory = Advisory(vid, modified, json.loads(zlib.decompress(data)))
                    self._decoded[(feed, vid)] = advisory
                bucket = found.setdefault(name, [])
                if all(a.id != vid for a in bucket):
                    bucket.append(advisory)
        return found


class RecordSet:
    """Advisories held in memory (records an API answered with for one scan), looked up the way
    :class:`AdvisoryStore` looks up a feed's."""

    def __init__(self, records: Iterable[dict[str, Any]]) -> None:
        self._advisories = [
            Advisory(str(r.get("id")), str(r.get("modified", "")), r)
            for r in records
            if not r.get("withdrawn")
        ]

    def lookup(self, ecosystem: str, names: Iterable[str]) -> dict[str, list[Advisory]]:
        found: dict[str, list[Advisory]] = {}
        for name in {normalize_name(ecosystem, n) for n in names}:
            hits = [a for a in self._advisories if a.affected_for(ecosystem, name)]
            if hits:
                found[name] = hits
        return found


def status(path: str | Path) -> DatabaseStatus:
    """What the database holds and how fresh it is; a missing database is reported, not raised."""
    p = Path(path)
    if not p.is_file():
        return DatabaseStatus(p, exists=False)
    db = _connect(p, readonly=True)
    try:
        return _status(db, p)
    finally:
        db.close()


def _status(db: sqlite3.Connection, path: Path) -> DatabaseStatus:
    try:
        rows = db.execute(
            "SELECT feed, url, sha256, size, imported_at, records, newest_modified FROM feeds"
            " ORDER BY feed"
        ).fetchall()
    except sqlite3.OperationalError:
        rows = []
    return DatabaseStatus(path, exists=True, feeds=tuple(FeedStatus(*row) for row in rows))


# --- updating -----------------------------------------------------------------------------------


Progress = Callable[[str], None]


def feed_url(base_url: str, ecosystem: str) -> str:
    return f"{base_url.rstrip('/')}/{urllib.parse.quote(ecosystem)}/all.zip"


#: Called with the feed, the bytes received so far and the announced size (None: unknown).
Transfer = Callable[[str, int, int | None], None]


class _UnreachableError(AdvisoryDatabaseError):
    """The host did not answer (no route, no name, refused, timed out)."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


def update(
    path: str | Path,
    ecosystems: Iterable[str] = DEFAULT_ECOSYSTEMS,
    *,
    base_url: str = DEFAULT_BASE_URL,
    timeout: float = 60.0,
    progress: Progress | None = None,
    transfer: Transfer | None = None,
) -> list[UpdateReport]:
    """Download and import each ecosystem's ``all.zip``, each feed in its own transaction.

    A feed that fails (HTTP error, corrupt download) keeps its previous records and the others
    go on; at the end :class:`UpdateIncompleteError` lists the failures and carries the reports
    of the feeds that were imported. A host that cannot be reached stops the update at once
    (:class:`AdvisoryHostUnreachableError`): the next feeds live there too. ``transfer`` sees
    every chunk received, for a progress bar."""
    db_path = Path(path)
    reports: list[UpdateReport] = []
    failures: list[str] = []
    for ecosystem in ecosystems:
        url = feed_url(base_url, ecosystem)
        if progress:
            progress(f"downloading {url}")
        try:
            with _download(url, db_path.parent, timeout, ecosystem, transfer) as (
                tmp,
                sha256,
                size,
            ):
                if progress:
                    progress(f"importing {ecosystem} ({size:,} bytes, sha256 {sha256[:12]})")
                reports.append(import_zip(db_path, ecosystem, tmp, url=url, sha256=sha256))
        except _UnreachableError as exc:
            raise AdvisoryHostUnreachableError(exc.url, exc.reason, reports) from None
        except AdvisoryDatabaseError as exc:
            failures.append(f"{ecosystem}: {exc}")
            if progress:
                progress(f"{ecosystem} failed: {exc}")
    if failures:
        raise UpdateIncompleteError(failures, reports)
    return reports


@contextlib.contextmanager
def _download(
    url: str,
    directory: Path,
    timeout: float,
    feed: str = "",
    transfer: Transfer | None = None,
) -> Iterator[tuple[Path, str, int]]:
    scheme = urllib.parse.urlsplit(url).scheme
    if scheme not in ("http", "https"):
        raise UsageError(f"advisory base URL must be http(s), not {scheme!r}: {url}")
    # The network stack (http.client, ssl, email) is imported by the one command that downloads:
    # every other command and scan goes without it (docs/benchmarks.md, "start-up").
    from http.client import HTTPException
    from urllib.error import HTTPError, URLError
    from urllib.request import urlopen

    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=directory, prefix=".download-", suffix=".zip") as tmp:
        sha = hashlib.sha256()
        md5 = hashlib.md5(usedforsecurity=False)
        size = 0
        try:
            with urlopen(url, timeout=timeout) as response:  # noqa: S310 - scheme checked above
                expected = response.headers.get("Content-Length")
                total = int(expected) if expected is not None and expected.isdigit() else None
                announced = _goog_md5(response.headers.get_all("x-goog-hash") or [])
                while chunk := response.read(1 << 20):
                    size += len(chunk)
                    if transfer:
                        transfer(feed, size, total)
                    if size > MAX_DOWNLOAD_BYTES:
                        raise AdvisoryDatabaseError(
                            f"{url} is larger than {MAX_DOWNLOAD_BYTES} bytes"
                        )
                    sha.update(chunk)
                    md5.update(chunk)
                    tmp.write(chunk)
        except HTTPError as exc:
            raise AdvisoryDatabaseError(
                f"{url}: HTTP {exc.code} {exc.reason}; check the ecosystem name and --base-url"
            ) from None
        except URLError as exc:  # before any answer: name, route, refusal
            raise _UnreachableError(url, str(getattr(exc, "reason", exc))) from None
        except TimeoutError as exc:
            if size == 0:
                raise _UnreachableError(url, f"no answer in {timeout:g} s") from None
            raise AdvisoryDatabaseError(
                f"{url}: download stalled after {size:,} bytes ({exc}); the previous database"
                " is unchanged"
            ) from None
        except (HTTPException, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise AdvisoryDatabaseError(
                f"{url}: download failed ({reason}); the previous database is unchanged."
                " Retry, or import a file you fetched yourself with --from-file"
            ) from None
        if expected is not None and expected.isdigit() and int(expected) != size:
            raise AdvisoryDatabaseError(
                f"{url}: got {size} bytes of the announced {expected}: the download was cut short;"
                " the previous database is unchanged"
            )
        if announced is not None and announced != md5.digest():
            raise AdvisoryDatabaseError(
                f"{url}: the MD5 announced by the server does not match what was received;"
                " the previous database is unchanged"
            )
        tmp.flush()
        yield Path(tmp.name), sha.hexdigest(), size


def _goog_md5(values: list[str]) -> bytes | None:
    """The MD5 in Google Cloud Storage's ``x-goog-hash: crc32c=...,md5=...`` headers."""
    for value in values:
        for part in value.split(","):
            name, _, encoded = part.strip().partition("=")
            if name == "md5" and encoded:
                try:
                    return base64.b64decode(encoded + "=" * (-len(encoded) % 4))
                except ValueError:
                    return None
    return None


def import_zip(
    path: str | Path,
    ecosystem: str,
    zip_path: str | Path,
    *,
    url: str | None = None,
    sha256: str | None = None,
    interrupt_after: int | None = None,
) -> UpdateReport:
    """Import one feed's ``all.zip`` into the database, atomically.

    ``interrupt_after`` raises after that many records (tests use it to prove atomicity).
    """
    started = time.monotonic()
    db_path = Path(path)
    zpath = Path(zip_path)
    if sha256 is None:
        sha256 = _file_sha256(zpath)
    size = zpath.stat().st_size
    source = url or zpath.resolve().as_uri()
    feed = ecosystem
    db = _connect(db_path, readonly=False)
    try:
        try:
            zf = zipfile.ZipFile(zpath)
        except (zipfile.BadZipFile, OSError) as exc:
            raise AdvisoryDatabaseError(
                f"{source} is not a readable zip ({exc}); the previous database is unchanged"
            ) from None
        with zf:
            members = [i for i in zf.infolist() if not i.is_dir() and i.filename.endswith(".json")]
            if not members:
                raise AdvisoryDatabaseError(
                    f"{source} holds no OSV JSON records; refusing to empty the {feed} feed"
                )
            if len(members) > MAX_RECORDS:
                raise AdvisoryDatabaseError(f"{source} has more than {MAX_RECORDS} records")
            db.execute("BEGIN IMMEDIATE")
            try:
                counts = _import_members(db, zf, members, feed, source, interrupt_after)
                newest = db.execute(
                    "SELECT max(modified) FROM vulns WHERE feed = ?", (feed,)
                ).fetchone()[0]
                total = db.execute("SELECT count(*) FROM vulns WHERE feed = ?", (feed,)).fetchone()[
                    0
                ]
                db.execute(
                    "INSERT OR REPLACE INTO feeds VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (feed, source, sha256, size, datetime.now(UTC).isoformat(), total, newest),
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        # At rest the database is one self-contained file (no -wal/-shm), so it can be read from
        # read-only media such as a container image layer.
        db.execute("PRAGMA journal_mode=DELETE")
    finally:
        db.close()
    added, changed, unchanged, removed = counts
    return UpdateReport(
        feed=feed,
        url=source,
        sha256=sha256,
        size=size,
        records=total,
        added=added,
        changed=changed,
        unchanged=unchanged,
        removed=removed,
        seconds=time.monotonic() - started,
    )


def _import_members(
    db: sqlite3.Connection,
    zf: zipfile.ZipFile,
    members: list[zipfile.ZipInfo],
    feed: str,
    source: str,
    interrupt_after: int | None,
) -> tuple[int, int, int, int]:
    existing: dict[str, str] = {}
    by_member: dict[str, tuple[str, int | None]] = {}
    for vid, modified, member, crc in db.execute(
        "SELECT id, modified, member, crc FROM vulns WHERE feed = ?", (feed,)
    ):
        existing[vid] = modified
        if member:
            by_member[member] = (vid, crc)
    seen: set[str] = set()
    added = changed = unchanged = 0
    vuln_rows: list[tuple[str, str, str, str | None, bytes, str, int]] = []
    package_rows: list[tuple[str, str, str, str]] = []
    stale_ids: list[tuple[str, str]] = []
    relabel: list[tuple[str, int, str, str]] = []
    for count, info in enumerate(members, start=1):
        if interrupt_after is not None and count > interrupt_after:
            raise AdvisoryDatabaseError(f"import interrupted after {interrupt_after} records")
        known = by_member.get(info.filename)
        if known is not None and known[1] == info.CRC and known[0] not in seen:
            seen.add(known[0])  # same bytes as last time: no need to read or parse it
            unchanged += 1
            continue
        record = _read_record(zf, info, source)
        vid = record["id"]
        modified = record["modified"]
        if vid in seen:
            continue
        seen.add(vid)
        previous = existing.get(vid)
        if previous == modified:
            unchanged += 1
            relabel.append((info.filename, info.CRC, feed, vid))
            continue
        if previous is None:
            added += 1
        else:
            changed += 1
            stale_ids.append((feed, vid))
        withdrawn = record.get("withdrawn") if isinstance(record.get("withdrawn"), str) else None
        _annotate(record)
        data = zlib.compress(json.dumps(record, separators=(",", ":")).encode(), 6)
        vuln_rows.append((feed, vid, modified, withdrawn, data, info.filename, info.CRC))
        for eco, name in _package_keys(record):
            package_rows.append((eco, name, feed, vid))
        if len(vuln_rows) >= _BATCH:
            _flush(db, vuln_rows, package_rows, stale_ids)
    _flush(db, vuln_rows, package_rows, stale_ids)
    db.executemany("UPDATE vulns SET member = ?, crc = ? WHERE feed = ? AND id = ?", relabel)
    gone = [(feed, vid) for vid in existing if vid not in seen]
    db.executemany("DELETE FROM packages WHERE feed = ? AND id = ?", gone)
    db.executemany("DELETE FROM vulns WHERE feed = ? AND id = ?", gone)
    return added, changed, unchanged, len(gone)


def _flush(
    db: sqlite3.Connection,
    vuln_rows: list[tuple[str, str, str, str | None, bytes, str, int]],
    package_rows: list[tuple[str, str, str, str]],
    stale_ids: list[tuple[str, str]],
) -> None:
    if stale_ids:
        db.executemany("DELETE FROM packages WHERE feed = ? AND id = ?", stale_ids)
    db.executemany("INSERT OR REPLACE INTO vulns VALUES (?, ?, ?, ?, ?, ?, ?)", vuln_rows)
    db.executemany("INSERT INTO packages VALUES (?, ?, ?, ?)", package_rows)
    vuln_rows.clear()
    package_rows.clear()
    stale_ids.clear()


def _read_record(zf: zipfile.ZipFile, info: zipfile.ZipInfo, source: str) -> dict[str, Any]:
    if info.file_size > MAX_RECORD_BYTES:
        raise AdvisoryDatabaseError(f"{source}!/{info.filename} is larger than {MAX_RECORD_BYTES}")
    try:
        with zf.open(info) as fh:
            raw = _read_bounded(fh, MAX_RECORD_BYTES)
        record = json.loads(raw)
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
        raise AdvisoryDatabaseError(
            f"{source}!/{info.filename} is corrupt ({exc}); the previous database is unchanged"
        ) from None
    except ValueError as exc:
        raise AdvisoryDatabaseError(
            f"{source}!/{info.filename} is not JSON ({exc}); the previous database is unchanged"
        ) from None
    if (
        not isinstance(record, dict)
        or not isinstance(record.get("id"), str)
        or not isinstance(record.get("modified"), str)
    ):
        raise AdvisoryDatabaseError(
            f"{source}!/{info.filename} is not an OSV record (no id or modified);"
            " the previous database is unchanged"
        )
    return record


def _read_bounded(fh: IO[bytes], limit: int) -> bytes:
    data = fh.read(limit + 1)
    if len(data) > limit:
        raise AdvisoryDatabaseError(f"a record is larger than {limit} bytes")
    return data


def _package_keys(record: dict[str, Any]) -> set[tuple[str, str]]:
    keys: set[tuple[str, str]] = set()
    for entry in record.get("affected") or ():
        package = entry.get("package") if isinstance(entry, dict) else None
        if not isinstance(package, dict):
            continue
        eco, name = package.get("ecosystem"), package.get("name")
        if isinstance(eco, str) and isinstance(name, str) and eco and name:
            keys.add((ecosystem_key(eco), normalize_name(eco, name)))
    return keys


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
