"""Registry targets: ``pypi:NAME[==VERSION]`` and ``npm:NAME[@VERSION]``.

The release files are found through the registry's JSON API (PyPI's ``/pypi/NAME/json``, the
npm registry's package document), downloaded with byte and time bounds into a private temporary
folder, checked against the digests the registry publishes, and handed on like any local file.
Nothing is installed, built or run. The folder is removed when the process exits.
"""

from __future__ import annotations

import atexit
import base64
import hashlib
import json
import re
import shutil
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from outwork.core.artifact import ARCHIVE_KINDS, HEAD_BYTES, Artifact, Kind, classify, refine_zip
from outwork.core.budgets import Budgets
from outwork.core.errors import TargetError
from outwork.core.findings import Finding, Skip
from outwork.sources import RegistryOptions
from outwork.sources.archives import archive_and_members
from outwork.sources.reader import Keeps

#: npm's replication database, whose ``_changes`` feed ``outwork watch npm`` follows.
DEFAULT_NPM_CHANGES = "https://replicate.npmjs.com/registry"
_NAME_RE = re.compile(r"^(@[a-z0-9][\w.-]*/)?[A-Za-z0-9][\w.-]*$")

Yielded = Artifact | Finding | Skip


@dataclass(frozen=True, slots=True)
class RegistryRef:
    ecosystem: str
    name: str
    version: str | None

    @property
    def display(self) -> str:
        sep = "==" if self.ecosystem == "pypi" else "@"
        return f"{self.ecosystem}:{self.name}{sep + self.version if self.version else ''}"


def parse_ref(target: str) -> RegistryRef:
    """``pypi:requests==2.32.3``, ``pypi:requests``, ``npm:left-pad@1.3.0``, ``npm:@scope/x``."""
    ecosystem, _, rest = target.partition(":")
    rest = rest.strip()
    if ecosystem == "pypi":
        name, _, version = rest.partition("==")
    elif ecosystem == "npm":
        at = rest.rfind("@")
        name, version = (rest[:at], rest[at + 1 :]) if at > 0 else (rest, "")
    else:
        raise TargetError(
            f"{target}: unknown registry; use pypi:NAME[==VERSION] or npm:NAME[@VERSION]"
        )
    name, version = name.strip(), version.strip()
    if not _NAME_RE.match(name) or (version and not re.match(r"^[\w.!+-]+$", version)):
        raise TargetError(f"{target}: not a valid package reference; e.g. pypi:requests==2.32.3")
    return RegistryRef(ecosystem, name, version or None)


def open_registry(
    target: str,
    budgets: Budgets,
    options: RegistryOptions | None = None,
    *,
    wants: Callable[[Artifact], bool] | None = None,
    keeps: Keeps | None = None,
) -> Iterator[Yielded]:
    """Download a registry release into a private folder and yield its files as artifacts."""
    options = options or RegistryOptions()
    ref = parse_ref(target)
    files = _pypi_files(ref, options) if ref.ecosystem == "pypi" else _npm_files(ref, options)
    if options.download_dir:
        folder = Path(tempfile.mkdtemp(prefix="release-", dir=options.download_dir))
    else:
        folder = Path(tempfile.mkdtemp(prefix="outwork-registry-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
    for filename, url, digest in files:
        safe = Path(filename).name or "release"
        dest = folder / safe
        try:
            _download(url, dest, digest, options)
        except TargetError as exc:
            if options.raise_transient and isinstance(exc, TRANSIENT_ERRORS):
                raise
            yield Skip(f"{ref.display}/{safe}", str(exc))
            continue
        yield from _local(dest, f"{ref.display}/{safe}", ref.display, budgets, wants, keeps)


def _local(
    path: Path,
    logical: str,
    root: str,
    budgets: Budgets,
    wants: Callable[[Artifact], bool] | None,
    keeps: Keeps | None = None,
) -> Iterator[Yielded]:
    with path.open("rb") as fh:
        head = fh.read(HEAD_BYTES)
    size = path.stat().st_size
    kind = classify(head, path.name, size)
    if kind is Kind.ZIP:
        with path.open("rb") as fh:
            kind = refine_zip(fh)
    artifact = Artifact(path=logical, kind=kind, size=size, fs_path=str(path), root=root)
    if kind in ARCHIVE_KINDS:
        yield from archive_and_members(artifact, budgets, wants=wants, keeps=keeps)
    else:
        yield artifact


def _get_json(url: str, options: RegistryOptions, what: str) -> Any:
    """The registry document of a ``pypi:``/``npm:`` target; a missing name is an error here."""
    doc = fetch_document(url, timeout=options.timeout, max_bytes=64 * 1024 * 1024, what=what)
    if doc is None:
        raise TargetError(f"{what} does not exist on {url.split('/')[2]}; check the name")
    return doc


def _pypi_files(ref: RegistryRef, options: RegistryOptions) -> list[tuple[str, str, str | None]]:
    base = pypi_json_base(options.pypi_url)
    url = f"{base}/{urllib.parse.quote(ref.name)}/json"
    doc = _get_json(url, options, ref.display)
    if ref.version:
        releases = doc.get("releases") if isinstance(doc, dict) else None
        entries = releases.get(ref.version) if isinstance(releases, dict) else None
        if entries is None:
            raise TargetError(f"{ref.display}: no such version on the index; check the version")
    else:
        entries = doc.get("urls") if isinstance(doc, dict) else None
    if not isinstance(entries, list) or not entries:
        raise TargetError(f"{ref.display}: the release has no files to scan")
    ordered = sorted(
        (e for e in entries if isinstance(e, dict)),
        key=lambda e: (e.get("packagetype") != "sdist", "none-any" not in str(e.get("filename"))),
    )
    out: list[tuple[str, str, str | None]] = []
    for entry in ordered[: options.max_files]:
        digests = entry.get("digests") or {}
        file_url = urllib.parse.urljoin(url, str(entry.get("url", "")))
        sha = digests.get("sha256") if isinstance(digests, dict) else None
        out.append(
            (str(entry.get("filename", "release")), file_url, f"sha256:{sha}" if sha else None)
        )
    return out


def _npm_files(ref: RegistryRef, options: RegistryOptions) -> list[tuple[str, str, str | None]]:
    base = options.npm_url.rstrip("/")
    url = f"{base}/{ref.name.replace('/', '%2f')}"
    doc = _get_json(url, options, ref.display)
    if not isinstance(doc, dict):
        raise TargetError(f"{ref.display}: unexpected registry answer")
    version = ref.version or (doc.get("dist-tags") or {}).get("latest")
    versions = doc.get("versions") or {}
    meta = versions.get(version) if isinstance(versions, dict) and version else None
    if not isinstance(meta, dict):
        raise TargetError(f"{ref.display}: no such version on the registry; check the version")
    dist = meta.get("dist") or {}
    tarball = dist.get("tarball") if isinstance(dist, dict) else None
    if not isinstance(tarball, str):
        raise TargetError(f"{ref.display}: the version has no tarball")
    integrity = dist.get("integrity")
    digest = integrity if isinstance(integrity, str) and integrity.startswith("sha512-") else None
    if digest is None and isinstance(dist.get("shasum"), str):
        digest = f"sha1:{dist['shasum']}"
    filename = tarball.rsplit("/", 1)[-1] or f"{ref.name.rsplit('/', 1)[-1]}-{version}.tgz"
    return [(filename, urllib.parse.urljoin(url, tarball), digest)]


def _download(url: str, dest: Path, digest: str | None, options: RegistryOptions) -> None:
    if not url.startswith(("https://", "http://")):
        raise TargetError(f"{url}: release URLs must be http or https")
    algorithm, _, expected = (digest or "").partition(":")
    if digest and digest.startswith("sha512-"):
        algorithm, expected = "sha512", base64.b64decode(digest[7:]).hex()
    hasher = hashlib.new(algorithm) if algorithm else None
    # The network stack (http.client, ssl, email), imported by the scans that download: a scan
    # of local files goes without it (docs/benchmarks.md, "start-up").
    from urllib.error import HTTPError, URLError
    from urllib.request import urlopen

    try:
        with (
            urlopen(url, timeout=options.timeout) as response,  # noqa: S310 - scheme checked above
            dest.open("wb") as out,
        ):
            deadline = time.monotonic() + options.max_seconds
            for chunk in _chunks(response, options.max_file_bytes, deadline, dest.name):
                if hasher:
                    hasher.update(chunk)
                out.write(chunk)
    except HTTPError as exc:
        if _busy(exc.code):
            raise RegistryBusyError(
                f"{dest.name}: the registry answered HTTP {exc.code}; retry later",
                retry_after=_retry_after(exc.headers.get("Retry-After")),
            ) from None
        raise TargetError(f"{dest.name}: download failed ({exc}); retry later") from None
    except (URLError, TimeoutError, OSError) as exc:
        raise RegistryUnreachableError(
            f"{dest.name}: download failed ({exc}); retry later"
        ) from None
    if hasher and hasher.hexdigest() != expected.lower():
        dest.unlink(missing_ok=True)
        raise TargetError(
            f"{dest.name}: digest does not match what the registry publishes; not scanned"
        )


def _chunks(response: Any, limit: int, deadline: float, what: str) -> Iterator[bytes]:
    """A response body chunk by chunk, stopped past ``limit`` bytes or past ``deadline``."""
    total = 0
    while chunk := response.read1(1 << 16):
        total += len(chunk)
        if total > limit:
            raise TargetError(f"{what}: larger than {limit} bytes; skipped")
        if time.monotonic() > deadline:
            raise RegistryUnreachableError(
                f"{what}: the registry sends too slowly; gave up, retry later"
            )
        yield chunk


# --- registry documents for the online checks --------------------------------------------------


class RegistryUnreachableError(TargetError):
    """The registry could not be reached at all (network, name resolution, timeout)."""


class RegistryBusyError(TargetError):
    """The registry answered that it cannot serve now (HTTP 429 or 5xx): retry later, after
    ``retry_after`` seconds when it said so."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


#: Failures that a later attempt may not meet.
TRANSIENT_ERRORS = (RegistryUnreachableError, RegistryBusyError)


def _busy(status: int) -> bool:
    return status == 429 or 500 <= status <= 599


def _retry_after(value: str | None) -> float | None:
    """``Retry-After`` in seconds (the delay form; an HTTP date is ignored), at most an hour."""
    if value and value.strip().isdigit():
        return min(float(value.strip()), 3600.0)
    return None


def pypi_json_base(url: str) -> str:
    """The JSON API base of a PyPI index URL.

    ``--index-url`` is meant as the JSON API base (``https://pypi.org/pypi``), but pip users
    pass the simple index (``https://pypi.org/simple``) or a bare host; both are mapped to the
    ``/pypi`` JSON API beside them.
    """
    base = url.strip().rstrip("/")
    parts = urllib.parse.urlsplit(base)
    path = parts.path.rstrip("/")
    if path.endswith("/simple"):
        path = path[: -len("/simple")] + "/pypi"
    elif not path:
        path = "/pypi"
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def document_url(ecosystem: str, name: str, options: RegistryOptions) -> str:
    """Where the registry publishes a project's JSON document (PyPI JSON API, npm packument)."""
    if ecosystem == "pypi":
        return f"{pypi_json_base(options.pypi_url)}/{urllib.parse.quote(name)}/json"
    return (
        f"{options.npm_url.rstrip('/')}/{urllib.parse.quote(name, safe='@/').replace('/', '%2f')}"
    )


def fetch_document(url: str, *, timeout: float, max_bytes: int, what: str) -> Any | None:
    """A registry's JSON document, or None when the registry says the name does not exist (404).

    Raises :class:`RegistryUnreachableError` when the registry cannot be reached and
    :class:`TargetError` for any other failure (an HTTP error, too many bytes, invalid JSON).
    """
    if not url.startswith(("https://", "http://")):
        raise TargetError(f"{url}: registry URLs must be http or https")
    # The network stack, as in _download.
    from urllib.error import HTTPError, URLError
    from urllib.request import Request, urlopen

    request = Request(url, headers={"Accept": "application/json"})  # noqa: S310 - scheme checked above
    deadline = time.monotonic() + 2 * timeout
    try:
        with urlopen(request, timeout=timeout) as response:  # noqa: S310 - scheme checked above
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise TargetError(f"{what}: the registry document is larger than {max_bytes} bytes")
            body = b"".join(_chunks(response, max_bytes, deadline, what))
    except HTTPError as exc:
        if exc.code in (404, 410):
            return None
        if _busy(exc.code):
            raise RegistryBusyError(
                f"{what}: the registry answered HTTP {exc.code}",
                retry_after=_retry_after(exc.headers.get("Retry-After")),
            ) from None
        raise TargetError(f"{what}: the registry answered HTTP {exc.code}") from None
    except (URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise RegistryUnreachableError(
            f"{what}: {url.split('/')[2]} cannot be reached ({reason})"
        ) from None
    try:
        return json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: nested past the parser's depth
        raise TargetError(f"{what}: the registry answered with invalid JSON") from None


# --- releases of one project, for ``outwork diff`` -------------------------------------------


@dataclass(frozen=True, slots=True)
class ReleaseFile:
    """One file of a registry release: its name, where it is and the digest published for it."""

    filename: str
    url: str
    digest: str | None


def release_files(target: str, options: RegistryOptions) -> tuple[RegistryRef, list[ReleaseFile]]:
    """The files of a ``pypi:``/``npm:`` release (the latest when no version is named): the
    sdist first, then pure wheels, then the others, as ``outwork scan`` fetches them."""
    ref = parse_ref(target)
    if ref.version is None:
        ref = RegistryRef(ref.ecosystem, ref.name, _latest(ref, options))
    found = _pypi_files(ref, options) if ref.ecosystem == "pypi" else _npm_files(ref, options)
    return ref, [ReleaseFile(*entry) for entry in found]


def previous_release(target: str, options: RegistryOptions) -> RegistryRef:
    """The release published before ``target`` (the highest lower version that has files; a
    pre-release only when the target is one too, or when no final release precedes it)."""
    from packaging.version import InvalidVersion, Version  # only the diff orders versions

    ref = parse_ref(target)
    current = ref.version or _latest(ref, options)
    doc = _get_json(document_url(ref.ecosystem, ref.name, options), options, ref.display)
    try:
        wanted = Version(current)
    except InvalidVersion:
        raise TargetError(
            f"{ref.display}: {current!r} is not a version that can be ordered; name the old one"
        ) from None
    lower: dict[Version, str] = {}
    for spelled in _versions_with_files(ref.ecosystem, doc):
        try:
            parsed = Version(spelled)
        except InvalidVersion:
            continue
        if parsed < wanted:
            lower.setdefault(parsed, spelled)
    finals = [v for v in lower if not v.is_prerelease] if not wanted.is_prerelease else []
    pool = finals or list(lower)
    if not pool:
        raise TargetError(f"{ref.display}: no release precedes {current}; name the old one")
    return RegistryRef(ref.ecosystem, ref.name, lower[max(pool)])


def _versions_with_files(ecosystem: str, doc: Any) -> list[str]:
    if not isinstance(doc, dict):
        return []
    if ecosystem == "pypi":
        releases = doc.get("releases")
        if not isinstance(releases, dict):
            return []
        return [
            str(v)
            for v, entries in releases.items()
            if isinstance(entries, list)
            and any(isinstance(e, dict) and not e.get("yanked") for e in entries)
        ]
    versions = doc.get("versions")
    return [str(v) for v in versions] if isinstance(versions, dict) else []


def _latest(ref: RegistryRef, options: RegistryOptions) -> str:
    doc = _get_json(document_url(ref.ecosystem, ref.name, options), options, ref.display)
    if ref.ecosystem == "pypi":
        info = doc.get("info") if isinstance(doc, dict) else None
        version = info.get("version") if isinstance(info, dict) else None
    else:
        tags = doc.get("dist-tags") if isinstance(doc, dict) else None
        version = tags.get("latest") if isinstance(tags, dict) else None
    if not isinstance(version, str) or not version:
        raise TargetError(f"{ref.display}: the registry names no latest version; name one")
    return version


def download_release_file(file: ReleaseFile, folder: Path, options: RegistryOptions) -> Path:
    """Download one release file into ``folder`` within the byte and time bounds, checked
    against its published digest; the path it was written to."""
    dest = folder / (Path(file.filename).name or "release")
    _download(file.url, dest, file.digest, options)
    return dest
