"""The results store: scans, their findings and artifact digests, verdicts on registry releases,
and how far each registry feed has been read.

One interface, :class:`ResultStore`, over two backends that share one schema:

- **SQLite** (the default, embedded, nothing to set up): :func:`open_store` with a file path,
  ``sqlite:///PATH``, or nothing (:func:`default_location`, ``results.sqlite3`` in the user data
  directory). WAL journal, so several processes (a watcher, a server) may share the file.
- **PostgreSQL** for shared deployments: ``postgresql://user@host/db`` (psycopg 3, the
  ``postgres`` extra).

What it records and how to ask for it:

- a **scan** (:meth:`~ResultStore.create_scan` -> id, :meth:`~ResultStore.start_scan`,
  :meth:`~ResultStore.set_detail` for progress, then :meth:`~ResultStore.finish_scan` with the
  :class:`~outwork.core.findings.ScanResult`, or :meth:`~ResultStore.fail_scan`); its JSON report
  is kept (:meth:`~ResultStore.report`, :meth:`~ResultStore.result` rebuilds the ``ScanResult``);
- its **findings** and **artifacts** (path, kind, size, sha256), queried by scan, package,
  version, rule, digest and time (:meth:`~ResultStore.findings`, :meth:`~ResultStore.artifacts`,
  :meth:`~ResultStore.scans`);
- a **verdict** per registry release (:class:`Release`: ecosystem, name, version): the highest
  active severity, ``clean``, or ``error`` with its reason; one per release, replaced by a rescan
  (:meth:`~ResultStore.verdict`, :meth:`~ResultStore.verdicts`);
- **feed positions** (:meth:`~ResultStore.position`): an opaque text per feed name (PyPI's
  changelog serial, npm's replication sequence).

A scan's findings, artifacts, verdict and, when given, its feed's new position commit in one
transaction, so a watcher that is killed at any point neither loses a release nor scans one twice.
Times are UTC, stored as seconds since the epoch. The schema is versioned: each entry of
:data:`MIGRATIONS` runs once, in order, recorded in ``schema_migrations``; a feature that needs a
table adds a migration at the end, never edits one that has shipped.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, Self

import platformdirs

from outwork.core.errors import ConfigError
from outwork.core.findings import (
    AnalyzerError,
    AttackPath,
    Fact,
    Finding,
    ScannedArtifact,
    ScanResult,
    Skip,
    Stats,
)
from outwork.core.rules import Severity
from outwork.report import json_report
from outwork.store import RESULTS_FILENAME

FILENAME = RESULTS_FILENAME

#: Verdict labels besides the severities' (``info`` ... ``critical``).
CLEAN = "clean"
ERROR = "error"

#: Scan states, in the order a scan goes through them.
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"

_ID = "{id}"  # the auto-numbered primary key, spelled per backend
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        f"""CREATE TABLE scans (
            id {_ID},
            target TEXT NOT NULL,
            origin TEXT NOT NULL,
            ecosystem TEXT,
            package TEXT,
            version TEXT,
            status TEXT NOT NULL,
            detail TEXT NOT NULL DEFAULT '',
            submitted_at DOUBLE PRECISION NOT NULL,
            started_at DOUBLE PRECISION,
            finished_at DOUBLE PRECISION,
            verdict TEXT,
            findings INTEGER NOT NULL DEFAULT 0,
            report TEXT
        )""",
        "CREATE INDEX scans_release ON scans (ecosystem, package, version)",
        "CREATE INDEX scans_submitted ON scans (submitted_at)",
        f"""CREATE TABLE findings (
            id {_ID},
            scan_id BIGINT NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
            rule TEXT NOT NULL,
            severity TEXT NOT NULL,
            confidence TEXT NOT NULL,
            message TEXT NOT NULL,
            path TEXT NOT NULL,
            line INTEGER,
            logical TEXT,
            subject TEXT,
            fingerprint TEXT NOT NULL,
            suppressed TEXT,
            sha256 TEXT
        )""",
        "CREATE INDEX findings_scan ON findings (scan_id)",
        "CREATE INDEX findings_rule ON findings (rule)",
        "CREATE INDEX findings_sha256 ON findings (sha256)",
        """CREATE TABLE artifacts (
            scan_id BIGINT NOT NULL REFERENCES scans (id) ON DELETE CASCADE,
            path TEXT NOT NULL,
            kind TEXT NOT NULL,
            size BIGINT NOT NULL,
            sha256 TEXT,
            PRIMARY KEY (scan_id, path)
        )""",
        "CREATE INDEX artifacts_sha256 ON artifacts (sha256)",
        """CREATE TABLE verdicts (
            ecosystem TEXT NOT NULL,
            package TEXT NOT NULL,
            version TEXT NOT NULL,
            verdict TEXT NOT NULL,
            findings INTEGER NOT NULL,
            reason TEXT NOT NULL DEFAULT '',
            scan_id BIGINT REFERENCES scans (id) ON DELETE SET NULL,
            decided_at DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (ecosystem, package, version)
        )""",
        "CREATE INDEX verdicts_decided ON verdicts (decided_at)",
        """CREATE TABLE feed_positions (
            feed TEXT PRIMARY KEY,
            position TEXT NOT NULL,
            updated_at DOUBLE PRECISION NOT NULL
        )""",
    ),
    (
        """CREATE TABLE api_tokens (
            name TEXT PRIMARY KEY,
            digest TEXT NOT NULL UNIQUE,
            scope TEXT NOT NULL,
            created_at DOUBLE PRECISION NOT NULL,
            revoked_at DOUBLE PRECISION
        )""",
    ),
)

_SCAN_COLUMNS = (
    "id, target, origin, ecosystem, package, version, status, detail, submitted_at, started_at,"
    " finished_at, verdict, findings"
)
_FINDING_COLUMNS = (
    "f.scan_id, f.rule, f.severity, f.confidence, f.message, f.path, f.line, f.logical,"
    " f.subject, f.fingerprint, f.suppressed, f.sha256, s.ecosystem, s.package, s.version,"
    " s.finished_at"
)


@dataclass(frozen=True, slots=True)
class Release:
    """One version of one package on a registry: what a verdict is about."""

    ecosystem: str
    name: str
    version: str

    @property
    def target(self) -> str:
        """The scan target that fetches it (``pypi:NAME==VERSION``, ``npm:NAME@VERSION``)."""
        sep = "==" if self.ecosystem == "pypi" else "@"
        return f"{self.ecosystem}:{self.name}{sep}{self.version}"


#: What a token of ``outwork serve`` may be named.
TOKEN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True, slots=True)
class TokenRecord:
    """A token of ``outwork serve``: its name and scope; the store holds only its digest."""

    name: str
    scope: str
    created_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class FeedPosition:
    """How far a feed has been read, committed together with a verdict."""

    feed: str
    position: str


@dataclass(frozen=True, slots=True)
class ScanRecord:
    id: int
    target: str
    #: Who asked: ``cli``, ``watch:pypi``, ``api:<token name>``...
    origin: str
    release: Release | None
    status: str
    #: Free text progress or, for a failed scan, the error.
    detail: str
    submitted_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    verdict: str | None
    findings: int


@dataclass(frozen=True, slots=True)
class FindingRecord:
    scan_id: int
    rule: str
    severity: str
    confidence: str
    message: str
    path: str
    line: int | None
    logical: str | None
    subject: str | None
    fingerprint: str
    suppressed: str | None
    #: Digest of the artifact the finding is in, when the scan recorded one for its path.
    sha256: str | None
    release: Release | None
    found_at: datetime | None


@dataclass(frozen=True, slots=True)
class ArtifactRecord:
    scan_id: int
    path: str
    kind: str
    size: int
    sha256: str | None


@dataclass(frozen=True, slots=True)
class VerdictRecord:
    release: Release
    #: ``clean``, a severity label (the highest active finding) or ``error``.
    verdict: str
    findings: int
    reason: str
    scan_id: int | None
    decided_at: datetime


class _Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def execute(self, sql: str, params: Sequence[Any] = ..., /) -> Any: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...


def default_location() -> Path:
    """``results.sqlite3`` in the user data directory (beside the advisory database)."""
    return Path(platformdirs.user_data_dir("outwork", appauthor=False)) / FILENAME


def open_store(location: str | Path | None = None) -> ResultStore:
    """The store at ``location``: a PostgreSQL URL, ``sqlite:///PATH``, a file path, or None for
    :func:`default_location`."""
    text = str(location) if location is not None else ""
    if text.startswith(("postgresql://", "postgres://")):
        return PostgresStore(text)
    if text.startswith("sqlite:///"):
        text = text[len("sqlite:///") - 1 :]
    elif "://" in text:
        raise ConfigError(
            f"{text}: unknown results store; use a file path, sqlite:///PATH or postgresql://..."
        )
    return SQLiteStore(Path(text) if text else default_location())


def verdict_of(result: ScanResult) -> str:
    """The highest severity among the active findings, or ``clean``."""
    top = max((f.severity for f in result.active), default=None)
    return top.label if top is not None else CLEAN


class ResultStore(ABC):
    """The interface; :class:`SQLiteStore` and :class:`PostgresStore` provide the connection.

    Safe to share between threads of one process (one connection, one lock); each process opens
    its own.
    """

    _placeholder = "?"
    _id_type = ""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._migrate()

    # --- backend hooks --------------------------------------------------------------------------

    @abstractmethod
    def _transaction(self) -> AbstractContextManager[_Cursor]:
        """A cursor inside one transaction, committed on exit, rolled back on an exception."""

    @abstractmethod
    def _lock_schema(self, cursor: _Cursor) -> None:
        """Serialise migrations between processes (inside the migration's transaction)."""

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # --- schema ---------------------------------------------------------------------------------

    def _sql(self, text: str) -> str:
        return text if self._placeholder == "?" else text.replace("?", self._placeholder)

    def _migrate(self) -> None:
        with self._transaction() as cur:
            self._lock_schema(cur)
            cur.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                "version INTEGER PRIMARY KEY, applied_at DOUBLE PRECISION NOT NULL)"
            )
            cur.execute("SELECT MAX(version) FROM schema_migrations")
            current = cur.fetchone()[0] or 0
            if current > len(MIGRATIONS):
                raise ConfigError(
                    f"the results store has schema version {current}, newer than this outwork"
                    f" knows ({len(MIGRATIONS)}); upgrade outwork"
                )
            for number, statements in enumerate(MIGRATIONS[current:], start=current + 1):
                for statement in statements:
                    cur.execute(statement.replace(_ID, self._id_type))
                cur.execute(
                    self._sql("INSERT INTO schema_migrations VALUES (?, ?)"), (number, time.time())
                )

    def schema_version(self) -> int:
        with self._transaction() as cur:
            cur.execute("SELECT MAX(version) FROM schema_migrations")
            return int(cur.fetchone()[0] or 0)

    # --- scans ----------------------------------------------------------------------------------

    def create_scan(
        self, target: str, *, origin: str = "cli", release: Release | None = None
    ) -> int:
        """Register a scan (queued) and return its id."""
        with self._transaction() as cur:
            cur.execute(
                self._sql(
                    "INSERT INTO scans (target, origin, ecosystem, package, version, status,"
                    " submitted_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id"
                ),
                (
                    target,
                    origin,
                    release.ecosystem if release else None,
                    release.name if release else None,
                    release.version if release else None,
                    QUEUED,
                    time.time(),
                ),
            )
            return int(cur.fetchone()[0])

    def start_scan(self, scan_id: int) -> None:
        with self._transaction() as cur:
            cur.execute(
                self._sql("UPDATE scans SET status = ?, started_at = ? WHERE id = ?"),
                (RUNNING, time.time(), scan_id),
            )

    def set_detail(self, scan_id: int, detail: str) -> None:
        """Progress text of a running scan (what it is reading now)."""
        with self._transaction() as cur:
            cur.execute(self._sql("UPDATE scans SET detail = ? WHERE id = ?"), (detail, scan_id))

    def finish_scan(
        self, scan_id: int, result: ScanResult, *, feed: FeedPosition | None = None
    ) -> str:
        """Store the result, the release's verdict and the feed position in one transaction;
        returns the verdict."""
        verdict = verdict_of(result)
        digests = {a.path: a.sha256 for a in result.artifacts}
        now = time.time()
        report = json.dumps(json_report.to_data(result), sort_keys=True, separators=(",", ":"))
        with self._transaction() as cur:
            cur.execute(
                self._sql(
                    "UPDATE scans SET status = ?, finished_at = ?, verdict = ?, findings = ?,"
                    " report = ?, started_at = COALESCE(started_at, ?) WHERE id = ?"
                    " RETURNING ecosystem, package, version"
                ),
                (DONE, now, verdict, len(result.active), report, now, scan_id),
            )
            row = cur.fetchone()
            if row is None:
                raise KeyError(f"no scan {scan_id} in the results store")
            cur.execute(self._sql("DELETE FROM findings WHERE scan_id = ?"), (scan_id,))
            cur.execute(self._sql("DELETE FROM artifacts WHERE scan_id = ?"), (scan_id,))
            for item in result.findings:
                self._insert_finding(cur, scan_id, item, digests.get(item.location.path))
            seen: set[str] = set()
            for artifact in result.artifacts:
                if artifact.path in seen:
                    continue
                seen.add(artifact.path)
                cur.execute(
                    self._sql("INSERT INTO artifacts VALUES (?, ?, ?, ?, ?)"),
                    (scan_id, artifact.path, str(artifact.kind), artifact.size, artifact.sha256),
                )
            if row[0] is not None:
                release = Release(row[0], row[1], row[2])
                self._put_verdict(cur, release, verdict, len(result.active), "", scan_id, now)
            if feed is not None:
                self._put_position(cur, feed, now)
        return verdict

    def fail_scan(self, scan_id: int, error: str, *, feed: FeedPosition | None = None) -> None:
        """The scan could not run (the release vanished, the download failed for good): its
        release gets the ``error`` verdict with the reason, committed with the feed position."""
        now = time.time()
        with self._transaction() as cur:
            cur.execute(
                self._sql(
                    "UPDATE scans SET status = ?, finished_at = ?, verdict = ?, detail = ?,"
                    " started_at = COALESCE(started_at, ?) WHERE id = ?"
                    " RETURNING ecosystem, package, version"
                ),
                (FAILED, now, ERROR, error, now, scan_id),
            )
            row = cur.fetchone()
            if row is None:
                raise KeyError(f"no scan {scan_id} in the results store")
            if row[0] is not None:
                self._put_verdict(
                    cur, Release(row[0], row[1], row[2]), ERROR, 0, error, scan_id, now
                )
            if feed is not None:
                self._put_position(cur, feed, now)

    def abandon_scans(self, origin: str, reason: str = "interrupted") -> int:
        """Mark the queued and running scans of ``origin`` failed, without a verdict (a watcher
        that was stopped runs their releases again); returns how many."""
        with self._transaction() as cur:
            cur.execute(
                self._sql(
                    "UPDATE scans SET status = ?, detail = ?, finished_at = ?"
                    " WHERE origin = ? AND status IN (?, ?)"
                ),
                (FAILED, reason, time.time(), origin, QUEUED, RUNNING),
            )
            return int(cur.rowcount)

    def _insert_finding(
        self, cur: _Cursor, scan_id: int, item: Finding, sha256: str | None
    ) -> None:
        cur.execute(
            self._sql(
                "INSERT INTO findings (scan_id, rule, severity, confidence, message, path, line,"
                " logical, subject, fingerprint, suppressed, sha256)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            ),
            (
                scan_id,
                item.code,
                item.severity.label,
                item.confidence.label,
                item.message,
                item.location.path,
                item.location.line,
                item.location.logical,
                item.subject,
                item.fingerprint,
                item.suppressed,
                sha256,
            ),
        )

    def get_scan(self, scan_id: int) -> ScanRecord | None:
        with self._transaction() as cur:
            cur.execute(
                self._sql(f"SELECT {_SCAN_COLUMNS} FROM scans WHERE id = ?"),  # noqa: S608 - fixed columns
                (scan_id,),
            )
            row = cur.fetchone()
        return _scan_record(row) if row else None

    def scans(
        self,
        *,
        release: Release | None = None,
        ecosystem: str | None = None,
        package: str | None = None,
        status: str | None = None,
        origin: str | None = None,
        digest: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[ScanRecord]:
        """Scans, newest first, narrowed by every argument given (``digest``: scans that read an
        artifact with that sha256; ``since``/``until``: submission time)."""
        where = _Where()
        if release is not None:
            where.add("ecosystem = ? AND package = ? AND version = ?", *_release_key(release))
        where.add_eq("ecosystem", ecosystem)
        where.add_eq("package", package)
        where.add_eq("status", status)
        where.add_eq("origin", origin)
        if digest is not None:
            where.add("id IN (SELECT scan_id FROM artifacts WHERE sha256 = ?)", _hex(digest))
        where.add_time("submitted_at", since, until)
        sql = (
            f"SELECT {_SCAN_COLUMNS} FROM scans{where.sql}"  # noqa: S608 - only '?' marks vary
            " ORDER BY submitted_at DESC, id DESC LIMIT ? OFFSET ?"
        )
        with self._transaction() as cur:
            cur.execute(self._sql(sql), (*where.params, limit, offset))
            return [_scan_record(row) for row in cur.fetchall()]

    def report(self, scan_id: int) -> dict[str, Any] | None:
        """The scan's JSON report (``docs/json-format.md``), or None before it finished."""
        with self._transaction() as cur:
            cur.execute(self._sql("SELECT report FROM scans WHERE id = ?"), (scan_id,))
            row = cur.fetchone()
        if not row or row[0] is None:
            return None
        data: dict[str, Any] = json.loads(row[0])
        return data

    def result(self, scan_id: int) -> ScanResult | None:
        """The finished scan's result, rebuilt from its report (to render it in any format)."""
        data = self.report(scan_id)
        return _result_from_report(data) if data is not None else None

    # --- findings and artifacts -----------------------------------------------------------------

    def findings(
        self,
        *,
        scan_id: int | None = None,
        release: Release | None = None,
        ecosystem: str | None = None,
        package: str | None = None,
        rule: str | None = None,
        digest: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        include_suppressed: bool = False,
        limit: int = 1000,
    ) -> list[FindingRecord]:
        """Findings of finished scans, newest scan first (``rule``: a code such as ``PKG003``;
        ``digest``: the sha256 of the artifact they are in; times: when the scan finished)."""
        where = _Where()
        where.add_eq("f.scan_id", scan_id)
        if release is not None:
            where.add("s.ecosystem = ? AND s.package = ? AND s.version = ?", *_release_key(release))
        where.add_eq("s.ecosystem", ecosystem)
        where.add_eq("s.package", package)
        where.add_eq("f.rule", rule.upper() if rule else None)
        where.add_eq("f.sha256", _hex(digest) if digest else None)
        where.add_time("s.finished_at", since, until)
        if not include_suppressed:
            where.add("f.suppressed IS NULL")
        sql = (
            f"SELECT {_FINDING_COLUMNS} FROM findings f JOIN scans s ON s.id = f.scan_id"  # noqa: S608 - only '?' marks vary
            f"{where.sql} ORDER BY s.finished_at DESC, f.id LIMIT ?"
        )
        with self._transaction() as cur:
            cur.execute(self._sql(sql), (*where.params, limit))
            return [_finding_record(row) for row in cur.fetchall()]

    def artifacts(
        self, *, scan_id: int | None = None, digest: str | None = None, limit: int = 1000
    ) -> list[ArtifactRecord]:
        where = _Where()
        where.add_eq("scan_id", scan_id)
        where.add_eq("sha256", _hex(digest) if digest else None)
        sql = (
            f"SELECT scan_id, path, kind, size, sha256 FROM artifacts{where.sql}"  # noqa: S608 - only '?' marks vary
            " ORDER BY scan_id DESC, path LIMIT ?"
        )
        with self._transaction() as cur:
            cur.execute(self._sql(sql), (*where.params, limit))
            return [ArtifactRecord(*row) for row in cur.fetchall()]

    # --- verdicts -------------------------------------------------------------------------------

    def verdict(self, release: Release) -> VerdictRecord | None:
        with self._transaction() as cur:
            cur.execute(
                self._sql(
                    "SELECT ecosystem, package, version, verdict, findings, reason, scan_id,"
                    " decided_at FROM verdicts WHERE ecosystem = ? AND package = ? AND version = ?"
                ),
                _release_key(release),
            )
            row = cur.fetchone()
        return _verdict_record(row) if row else None

    def verdicts(
        self,
        *,
        ecosystem: str | None = None,
        package: str | None = None,
        at_least: Severity | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
    ) -> list[VerdictRecord]:
        """Verdicts, newest first (``at_least``: only releases with a finding of that severity
        or higher)."""
        where = _Where()
        where.add_eq("ecosystem", ecosystem)
        where.add_eq("package", package)
        if at_least is not None:
            labels = [s.label for s in Severity if s >= at_least]
            where.add(f"verdict IN ({', '.join('?' * len(labels))})", *labels)
        where.add_time("decided_at", since, until)
        sql = (
            "SELECT ecosystem, package, version, verdict, findings, reason, scan_id, decided_at"  # noqa: S608 - only '?' marks vary
            f" FROM verdicts{where.sql} ORDER BY decided_at DESC LIMIT ?"
        )
        with self._transaction() as cur:
            cur.execute(self._sql(sql), (*where.params, limit))
            return [_verdict_record(row) for row in cur.fetchall()]

    def _put_verdict(
        self,
        cur: _Cursor,
        release: Release,
        verdict: str,
        findings: int,
        reason: str,
        scan_id: int | None,
        now: float,
    ) -> None:
        cur.execute(
            self._sql(
                "INSERT INTO verdicts VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (ecosystem, package, version) DO UPDATE SET"
                " verdict = excluded.verdict, findings = excluded.findings,"
                " reason = excluded.reason, scan_id = excluded.scan_id,"
                " decided_at = excluded.decided_at"
            ),
            (*_release_key(release), verdict, findings, reason, scan_id, now),
        )

    # --- feed positions -------------------------------------------------------------------------

    def position(self, feed: str) -> str | None:
        with self._transaction() as cur:
            cur.execute(self._sql("SELECT position FROM feed_positions WHERE feed = ?"), (feed,))
            row = cur.fetchone()
        return str(row[0]) if row else None

    def set_position(self, position: FeedPosition) -> None:
        """Move a feed on without a verdict (its entries up to here needed no scan)."""
        with self._transaction() as cur:
            self._put_position(cur, position, time.time())

    def _put_position(self, cur: _Cursor, position: FeedPosition, now: float) -> None:
        cur.execute(
            self._sql(
                "INSERT INTO feed_positions VALUES (?, ?, ?) ON CONFLICT (feed) DO UPDATE SET"
                " position = excluded.position, updated_at = excluded.updated_at"
            ),
            (position.feed, position.position, now),
        )

    # --- tokens of the service ---------------------------------------------------------------

    def add_token(self, name: str, digest: str, scope: str) -> None:
        """Record a token by its digest; a name in use (revoked or not) is an error."""
        with self._transaction() as cur:
            cur.execute(self._sql("SELECT 1 FROM api_tokens WHERE name = ?"), (name,))
            if cur.fetchone() is not None:
                raise ConfigError(f"a token named {name!r} exists; choose another name")
            cur.execute(
                self._sql("INSERT INTO api_tokens VALUES (?, ?, ?, ?, NULL)"),
                (name, digest, scope, time.time()),
            )

    def token(self, digest: str) -> TokenRecord | None:
        """The active token with this digest."""
        with self._transaction() as cur:
            cur.execute(
                self._sql(
                    "SELECT name, scope, created_at, revoked_at FROM api_tokens"
                    " WHERE digest = ? AND revoked_at IS NULL"
                ),
                (digest,),
            )
            row = cur.fetchone()
        return _token_record(row) if row else None

    def tokens(self) -> list[TokenRecord]:
        with self._transaction() as cur:
            cur.execute("SELECT name, scope, created_at, revoked_at FROM api_tokens ORDER BY name")
            return [_token_record(row) for row in cur.fetchall()]

    def revoke_token(self, name: str) -> bool:
        """Revoke an active token; False when there is none of that name."""
        with self._transaction() as cur:
            cur.execute(
                self._sql(
                    "UPDATE api_tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL"
                ),
                (time.time(), name),
            )
            return bool(cur.rowcount)


class SQLiteStore(ResultStore):
    """The embedded backend: one file, WAL journal, a 30 s wait for another process's lock."""

    _id_type = "INTEGER PRIMARY KEY AUTOINCREMENT"

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                self.path, timeout=30, isolation_level=None, check_same_thread=False
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(f"{self.path}: cannot open the results store ({exc})") from None
        super().__init__()

    @contextmanager
    def _transaction(self) -> Iterator[_Cursor]:
        with self._lock:
            cur = self._db.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                yield cur
            except BaseException:
                self._db.rollback()
                raise
            else:
                self._db.commit()
            finally:
                cur.close()

    def _lock_schema(self, cursor: _Cursor) -> None:
        """``BEGIN IMMEDIATE`` already holds the file's write lock."""

    def close(self) -> None:
        with self._lock:
            self._db.close()


class PostgresStore(ResultStore):
    """The shared backend (psycopg 3): one connection per process, serialised by a lock."""

    _placeholder = "%s"
    _id_type = "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"

    def __init__(self, url: str, *, connect_timeout: float = 10.0) -> None:
        try:
            import psycopg  # optional: only PostgreSQL stores need it
        except ImportError:
            raise ConfigError(
                "a PostgreSQL results store needs psycopg: install outwork's postgres extra"
                " (pip install 'psycopg[binary]')"
            ) from None
        self.url = url
        try:
            self._db = psycopg.connect(url, autocommit=True, connect_timeout=int(connect_timeout))
        except psycopg.Error as exc:
            raise ConfigError(f"cannot connect to the results store ({exc})".strip()) from None
        super().__init__()

    @contextmanager
    def _transaction(self) -> Iterator[_Cursor]:
        with self._lock, self._db.transaction(), self._db.cursor() as cur:
            yield cur

    def _lock_schema(self, cursor: _Cursor) -> None:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('outwork.results.schema'))")

    def close(self) -> None:
        with self._lock:
            self._db.close()


# --- helpers ------------------------------------------------------------------------------------


class _Where:
    """A WHERE clause built from the filters that were given."""

    def __init__(self) -> None:
        self.clauses: list[str] = []
        self.params: list[Any] = []

    def add(self, clause: str, *params: Any) -> None:
        self.clauses.append(clause)
        self.params.extend(params)

    def add_eq(self, column: str, value: Any) -> None:
        if value is not None:
            self.add(f"{column} = ?", value)

    def add_time(self, column: str, since: datetime | None, until: datetime | None) -> None:
        if since is not None:
            self.add(f"{column} >= ?", since.timestamp())
        if until is not None:
            self.add(f"{column} < ?", until.timestamp())

    @property
    def sql(self) -> str:
        return f" WHERE {' AND '.join(self.clauses)}" if self.clauses else ""


def _release_key(release: Release) -> tuple[str, str, str]:
    return release.ecosystem, release.name, release.version


def _hex(digest: str) -> str:
    """``sha256:ABC...`` or ``abc...`` as stored (lower-case hex)."""
    return digest.removeprefix("sha256:").strip().lower()


def _when(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value is not None else None


def _release(ecosystem: str | None, package: str | None, version: str | None) -> Release | None:
    if ecosystem is None or package is None or version is None:
        return None
    return Release(ecosystem, package, version)


def _scan_record(row: Sequence[Any]) -> ScanRecord:
    return ScanRecord(
        id=int(row[0]),
        target=row[1],
        origin=row[2],
        release=_release(row[3], row[4], row[5]),
        status=row[6],
        detail=row[7],
        submitted_at=datetime.fromtimestamp(row[8], UTC),
        started_at=_when(row[9]),
        finished_at=_when(row[10]),
        verdict=row[11],
        findings=int(row[12]),
    )


def _finding_record(row: Sequence[Any]) -> FindingRecord:
    return FindingRecord(
        scan_id=int(row[0]),
        rule=row[1],
        severity=row[2],
        confidence=row[3],
        message=row[4],
        path=row[5],
        line=row[6],
        logical=row[7],
        subject=row[8],
        fingerprint=row[9],
        suppressed=row[10],
        sha256=row[11],
        release=_release(row[12], row[13], row[14]),
        found_at=_when(row[15]),
    )


def _token_record(row: Sequence[Any]) -> TokenRecord:
    return TokenRecord(row[0], row[1], datetime.fromtimestamp(row[2], UTC), _when(row[3]))


def _verdict_record(row: Sequence[Any]) -> VerdictRecord:
    return VerdictRecord(
        release=Release(row[0], row[1], row[2]),
        verdict=row[3],
        findings=int(row[4]),
        reason=row[5],
        scan_id=int(row[6]) if row[6] is not None else None,
        decided_at=datetime.fromtimestamp(row[7], UTC),
    )


def _result_from_report(data: dict[str, Any]) -> ScanResult:
    stats = data.get("stats") or {}
    return ScanResult(
        findings=[Finding.from_dict(f) for f in data.get("findings", [])],
        facts=[Fact.from_dict(f) for f in data.get("facts", [])],
        paths=[
            AttackPath(
                entry=p["entry"],
                target=p["target"],
                steps=tuple(Fact.from_dict(s) for s in p.get("steps", [])),
                severity=Severity.parse(p["severity"]),
                suppressed_steps=tuple(p.get("suppressed_steps", [])),
            )
            for p in data.get("paths", [])
        ],
        skipped=[Skip(s["path"], s["reason"]) for s in data.get("skipped", [])],
        errors=[
            AnalyzerError(e["path"], e["analyzer"], e["error"]) for e in data.get("errors", [])
        ],
        artifacts=[
            ScannedArtifact(
                path=a["path"],
                kind=a["kind"],
                size=a["size"],
                sha256=a.get("sha256"),
                analyzers=tuple(a.get("analyzers", [])),
                properties=dict(a.get("properties") or {}),
            )
            for a in data.get("artifacts", [])
        ],
        stats=Stats(
            artifacts=stats.get("artifacts", 0),
            analyzed=stats.get("analyzed", 0),
            bytes=stats.get("bytes", 0),
            seconds=stats.get("seconds", 0.0),
            cache_hits=stats.get("cache_hits", 0),
            targets=stats.get("targets", 0),
        ),
        targets=list(data.get("targets", [])),
    )
