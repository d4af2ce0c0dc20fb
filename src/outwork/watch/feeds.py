"""The registries' change feeds, read in order from a stored position.

- **PyPI**: the changelog, through the XML-RPC methods ``changelog_last_serial`` and
  ``changelog_since_serial`` (the serial-numbered journal of every upload; PyPI's only feed with
  a resumable position). Its RSS feed of updates (``/rss/updates.xml``, the newest 100 releases)
  is the fallback where XML-RPC is not served; it has no serial, so its position is a publication
  time and a gap longer than 100 releases between two polls is missed (the watcher says so).
- **npm**: the replication changes feed (``_changes?since=SEQ&limit=N``), one entry per changed
  package document; the versions it published are read from the package document's ``time``.

Every document is read with byte and time bounds; registry errors are
:class:`~outwork.sources.registries.RegistryBusyError` (HTTP 429/5xx, with its ``Retry-After``)
or :class:`~outwork.sources.registries.RegistryUnreachableError` (network, timeout), both of which
the watcher retries with back-off, or :class:`~outwork.core.errors.TargetError` for an answer that
cannot be read.
"""

from __future__ import annotations

import json
import time
import urllib.parse
import xmlrpc.client
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol
from xml.parsers.expat import ExpatError

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from outwork.core.errors import TargetError
from outwork.sources import RegistryOptions
from outwork.sources.registries import (
    DEFAULT_NPM_CHANGES,
    RegistryBusyError,
    RegistryUnreachableError,
    document_url,
    fetch_document,
    pypi_json_base,
)
from outwork.store.results import Release

#: Bytes one feed answer may have (PyPI's changelog answers up to 50,000 entries, ~5 MB).
FEED_MAX_BYTES = 64 * 1024 * 1024
#: npm versions published before a package's change that are still looked at (a change whose
#: document lists more new versions than this is a flood: the newest ones are scanned).
NPM_MAX_VERSIONS = 20

_PYPI_RELEASE_ACTIONS = ("new release",)


@dataclass(frozen=True, slots=True)
class Change:
    """One entry of a feed: a package changed at ``position``.

    ``version`` is known for PyPI (one entry per upload); for npm it is None and the versions
    are read from the package document (:meth:`Feed.releases`). An entry with an empty
    ``package`` only moves the position on (the end of a batch of other events)."""

    position: str
    package: str
    version: str | None = None
    #: When the registry says it happened (seconds since the epoch), when it says so.
    published: float | None = None
    #: The release file this entry uploaded (PyPI's ``add <pyversion> file <name>``).
    file: str | None = None


@dataclass(frozen=True, slots=True)
class Batch:
    changes: list[Change]
    #: Where the next poll starts; past every entry read, releases or not.
    position: str


class Feed(Protocol):
    #: The position's key in the results store.
    name: str
    ecosystem: str

    def head(self) -> str:
        """The current end of the feed: where a first run starts."""
        ...

    def poll(self, position: str) -> Batch:
        """Entries after ``position``, in order."""
        ...

    def releases(self, change: Change, since: float) -> list[Release]:
        """The releases a change published (npm: versions published at or after ``since``)."""
        ...


# --- PyPI ---------------------------------------------------------------------------------------


class PyPIChangelog:
    """PyPI's changelog serial over XML-RPC (``/pypi``, the index URL of the registry source)."""

    name = "pypi"
    ecosystem = "pypi"

    def __init__(self, options: RegistryOptions, *, limit: int = 5000) -> None:
        self.url = pypi_json_base(options.pypi_url)
        self.timeout = options.timeout
        self.limit = limit

    def head(self) -> str:
        return str(int(self._call("changelog_last_serial")))

    def poll(self, position: str) -> Batch:
        since = _serial(position)
        entries = self._call("changelog_since_serial", since)
        if not isinstance(entries, list):
            raise TargetError("PyPI's changelog answered something other than a list")
        changes: list[Change] = []
        last = since
        for entry in entries[: self.limit]:
            if not isinstance(entry, list | tuple) or len(entry) < 5:
                continue
            name, version, stamp, action, serial = entry[:5]
            if not isinstance(serial, int) or serial <= last:
                continue
            last = serial
            if _is_release(action) and isinstance(name, str) and isinstance(version, str):
                published = float(stamp) if isinstance(stamp, int | float) else None
                uploaded = str(action).partition(" file ")[2].strip() or None
                changes.append(Change(str(serial), name, version, published, uploaded))
        return Batch(changes, str(last))

    def releases(self, change: Change, since: float) -> list[Release]:
        del since  # every upload is in the changelog
        return [Release("pypi", change.package, change.version)] if change.version else []

    def _call(self, method: str, *params: Any) -> Any:
        body = xmlrpc.client.dumps(params, method).encode()
        raw = _request(self.url, body, "text/xml", self.timeout, f"PyPI {method}")
        if b"<!DOCTYPE" in raw.upper() or b"<!ENTITY" in raw.upper():
            raise TargetError(f"PyPI {method}: the answer declares a DTD; refused")
        try:
            (value,), _ = xmlrpc.client.loads(raw, use_builtin_types=True)
        except xmlrpc.client.Fault as fault:
            raise TargetError(
                f"PyPI {method}: the XML-RPC API answered {fault.faultString!r};"
                " follow the RSS feed instead (--feed rss)"
            ) from None
        except (ExpatError, xmlrpc.client.ResponseError, ValueError) as exc:
            raise TargetError(f"PyPI {method}: unreadable XML-RPC answer ({exc})") from None
        return value


class PyPIUpdatesRSS:
    """PyPI's RSS feed of the newest releases: the fallback without XML-RPC. Its position is the
    publication time (seconds since the epoch) of the newest entry read."""

    name = "pypi-rss"
    ecosystem = "pypi"

    def __init__(self, options: RegistryOptions) -> None:
        parts = urllib.parse.urlsplit(pypi_json_base(options.pypi_url))
        root = parts.path.removesuffix("/pypi")
        self.url = urllib.parse.urlunsplit(
            (parts.scheme, parts.netloc, f"{root}/rss/updates.xml", "", "")
        )
        self.timeout = options.timeout

    def head(self) -> str:
        return f"{time.time():.3f}"

    def poll(self, position: str) -> Batch:
        since = float(position)
        raw = _request(self.url, None, "application/rss+xml", self.timeout, "PyPI's RSS feed")
        try:
            root = ElementTree.fromstring(raw)
        except (ElementTree.ParseError, DefusedXmlException) as exc:
            raise TargetError(f"PyPI's RSS feed: unreadable ({exc})") from None
        changes = []
        for item in root.iter("item"):
            release = _rss_release(item)
            if release is None or release[2] < since:
                continue
            changes.append(Change(f"{release[2]:.3f}", release[0], release[1], release[2]))
        changes.sort(key=lambda c: (c.published or 0.0, c.package))
        newest = max((c.published or since for c in changes), default=since)
        return Batch(changes, f"{newest:.3f}")

    def releases(self, change: Change, since: float) -> list[Release]:
        del since
        return [Release("pypi", change.package, change.version)] if change.version else []


def _rss_release(item: Any) -> tuple[str, str, float] | None:
    """(name, version, published) of an RSS item: the link is ``.../project/NAME/VERSION/``."""
    link = (item.findtext("link") or "").strip()
    parts = [p for p in urllib.parse.urlsplit(link).path.split("/") if p]
    if len(parts) < 3 or parts[-3] != "project":
        return None
    try:
        when = parsedate_to_datetime(item.findtext("pubDate") or "").timestamp()
    except (TypeError, ValueError):
        return None
    return urllib.parse.unquote(parts[-2]), urllib.parse.unquote(parts[-1]), when


def _is_release(action: object) -> bool:
    """``new release`` or ``add <pyversion> file <name>``: an upload of a release's file."""
    if not isinstance(action, str):
        return False
    return action in _PYPI_RELEASE_ACTIONS or (action.startswith("add ") and " file " in action)


def _serial(position: str) -> int:
    try:
        return int(position)
    except ValueError:
        raise TargetError(
            f"stored PyPI position {position!r} is not a changelog serial; reset it with --since"
        ) from None


# --- npm ----------------------------------------------------------------------------------------


class NpmChanges:
    """npm's replication changes feed; package documents from the registry source's URL."""

    name = "npm"
    ecosystem = "npm"

    def __init__(
        self, options: RegistryOptions, *, changes_url: str = DEFAULT_NPM_CHANGES, limit: int = 500
    ) -> None:
        self.changes_url = changes_url.rstrip("/")
        self.options = options
        self.limit = limit

    def head(self) -> str:
        info = self._get(f"{self.changes_url}/", "npm's replication database")
        seq = info.get("update_seq") if isinstance(info, dict) else None
        if seq is None:
            last = self._get(
                f"{self.changes_url}/_changes?descending=true&limit=1", "npm's changes feed"
            )
            seq = last.get("last_seq") if isinstance(last, dict) else None
        if seq is None:
            raise TargetError("npm's replication database does not say its current sequence")
        return str(seq)

    def poll(self, position: str) -> Batch:
        query = urllib.parse.urlencode({"since": position, "limit": self.limit})
        doc = self._get(f"{self.changes_url}/_changes?{query}", "npm's changes feed")
        results = doc.get("results") if isinstance(doc, dict) else None
        if not isinstance(results, list):
            raise TargetError("npm's changes feed answered without results")
        changes = []
        last: str = position
        for entry in results:
            if not isinstance(entry, dict) or "seq" not in entry:
                continue
            last = str(entry["seq"])
            name = entry.get("id")
            if isinstance(name, str) and not entry.get("deleted") and not name.startswith("_"):
                changes.append(Change(last, name))
        last_seq = doc.get("last_seq")
        if last_seq is not None and results:
            last = str(last_seq)
        return Batch(changes, last)

    def releases(self, change: Change, since: float) -> list[Release]:
        """Versions of the changed package published at or after ``since`` (the watch's start),
        newest last, at most :data:`NPM_MAX_VERSIONS`; a removed package has none."""
        url = document_url("npm", change.package, self.options)
        doc = fetch_document(
            url,
            timeout=self.options.timeout,
            max_bytes=FEED_MAX_BYTES,
            what=f"npm:{change.package}",
        )
        if not isinstance(doc, dict):
            return []
        times = doc.get("time")
        versions = doc.get("versions")
        if not isinstance(times, dict) or not isinstance(versions, dict):
            return []
        published = []
        for version in versions:
            when = _iso_time(times.get(version))
            if when is not None and when >= since:
                published.append((when, version))
        published.sort()
        return [Release("npm", change.package, v) for _, v in published[-NPM_MAX_VERSIONS:]]

    def _get(self, url: str, what: str) -> Any:
        raw = _request(url, None, "application/json", self.options.timeout, what)
        try:
            return json.loads(raw)
        except (ValueError, RecursionError):
            raise TargetError(f"{what}: invalid JSON") from None


def _iso_time(value: object) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


# --- HTTP ---------------------------------------------------------------------------------------


def _request(url: str, body: bytes | None, accept: str, timeout: float, what: str) -> bytes:
    """GET (or POST ``body``) with bounded bytes and time; errors as the registry source's."""
    if not url.startswith(("https://", "http://")):
        raise TargetError(f"{url}: feed URLs must be http or https")
    # The network stack, imported by the commands that use it (see registries._download).
    from urllib.error import HTTPError, URLError
    from urllib.request import Request, urlopen

    headers = {"Accept": accept, "User-Agent": "outwork-watch"}
    if body is not None:
        headers["Content-Type"] = "text/xml"
    request = Request(url, data=body, headers=headers)  # noqa: S310 - scheme checked above
    deadline = time.monotonic() + 2 * timeout
    try:
        with urlopen(request, timeout=timeout) as response:  # noqa: S310 - scheme checked above
            chunks = []
            total = 0
            while chunk := response.read1(1 << 16):
                total += len(chunk)
                if total > FEED_MAX_BYTES:
                    raise TargetError(f"{what}: larger than {FEED_MAX_BYTES} bytes")
                if time.monotonic() > deadline:
                    raise RegistryUnreachableError(f"{what}: the registry sends too slowly")
                chunks.append(chunk)
            return b"".join(chunks)
    except HTTPError as exc:
        if exc.code == 429 or 500 <= exc.code <= 599:
            retry = exc.headers.get("Retry-After", "")
            raise RegistryBusyError(
                f"{what}: the registry answered HTTP {exc.code}",
                retry_after=min(float(retry), 3600.0) if retry.strip().isdigit() else None,
            ) from None
        raise TargetError(f"{what}: the registry answered HTTP {exc.code}") from None
    except (URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise RegistryUnreachableError(f"{what}: cannot be reached ({reason})") from None
