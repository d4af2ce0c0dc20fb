"""The HTTP API of ``outwork serve`` (FastAPI; its OpenAPI document is ``docs/openapi.json``).

Every ``/v1`` route needs a token (``Authorization: Bearer ow_...``; reads may be opened to
anonymous callers with ``anonymous_read``, writes never are), every caller has a request rate,
and every request a body size: the JSON routes a small one, uploads their own limit, checked as
the bytes arrive. A request that is malformed, too large, too fast or not allowed gets a 4xx
with ``{"error": "..."}`` saying what to change, and nothing is stored for it.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from outwork import __version__, report
from outwork.core.errors import TargetError
from outwork.core.rules import Severity
from outwork.report import html as html_report
from outwork.serve.auth import READ, WRITE, RateLimiter, allows, token_digest
from outwork.serve.runner import ORIGIN, ScanService, ServiceOptions
from outwork.sources.registries import parse_ref
from outwork.store.results import (
    DONE,
    FAILED,
    FindingRecord,
    Release,
    ResultStore,
    ScanRecord,
    VerdictRecord,
    open_store,
)

DATA = Path(__file__).resolve().parent / "data"
#: A file name an upload may have: letters, digits and ``._+-``, not hidden.
UPLOAD_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,199}$")
MAX_LIMIT = 500
#: The page's policy: its own script only. The report frame (``srcdoc``, sandboxed without
#: ``allow-same-origin``: an opaque origin, no token, no cookies) inherits it, so the report's
#: inline style and its one filter script (allowed by hash, as the report's own policy does) run
#: there and nothing else can.
PAGE_CSP = (
    f"default-src 'none'; script-src 'self' 'sha256-{html_report.SCRIPT_HASH}';"
    " style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:;"
    " frame-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
#: A report opened on its own: its own policy, in a sandbox (an opaque origin, no forms, no
#: navigation of the page that opened it).
REPORT_CSP = f"sandbox allow-scripts; {html_report.CSP}"
MEDIA_TYPES = {
    "json": "application/json",
    "sarif": "application/sarif+json",
    "cyclonedx": "application/vnd.cyclonedx+json",
    "html": "text/html; charset=utf-8",
    "gitlab": "application/json",
    "junit": "application/xml",
}
ReportFormat = Literal[
    "json", "html", "sarif", "cyclonedx", "gitlab", "junit", "markdown", "concise"
]


@dataclass(frozen=True, slots=True)
class Limits:
    """What one caller may send."""

    #: Bytes of a JSON request body.
    max_request_bytes: int = 64 * 1024
    #: Bytes of one uploaded file.
    max_upload_bytes: int = 64 * 1024 * 1024
    #: Requests a minute per caller (token, or client address before authentication) ...
    per_minute: int = 120
    #: ... and at once.
    burst: int = 30
    #: Scans waiting to run; a submission beyond gets 503.
    max_queued: int = 100


# --- API models ---------------------------------------------------------------------------------


class ErrorOut(BaseModel):
    error: str = Field(description="what went wrong and what to change")


class ScanRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    target: str = Field(
        min_length=1,
        max_length=1024,
        description="pypi:NAME[==VERSION], npm:NAME[@VERSION], or a path under the server's root",
        examples=["pypi:requests==2.32.3"],
    )


class ReleaseOut(BaseModel):
    ecosystem: str
    name: str
    version: str


class ProgressOut(BaseModel):
    done: int = Field(description="artifacts analysed so far")
    total: int = Field(description="artifacts found so far (grows while targets are opened)")


class ScanOut(BaseModel):
    id: int
    target: str
    origin: str
    release: ReleaseOut | None
    status: Literal["queued", "running", "done", "failed"]
    detail: str
    submitted_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    verdict: str | None = Field(description="clean, the highest active severity, or error")
    findings: int = Field(description="active findings")
    progress: ProgressOut | None = None
    report: str = Field(description="the report's URL (add ?format=html for the page)")


class FindingOut(BaseModel):
    scan_id: int
    rule: str
    severity: str
    confidence: str
    message: str
    path: str
    line: int | None
    subject: str | None
    fingerprint: str
    sha256: str | None
    release: ReleaseOut | None


class VerdictOut(BaseModel):
    release: ReleaseOut
    verdict: str
    findings: int
    reason: str
    scan_id: int | None
    decided_at: datetime


class PackageOut(BaseModel):
    ecosystem: str
    name: str
    verdicts: list[VerdictOut]
    scans: list[ScanOut]


class HealthOut(BaseModel):
    status: Literal["ok"]
    version: str


# --- the application ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Context:
    """What the routes share, kept in the application's state."""

    store: ResultStore
    service: ScanService
    limits: Limits
    limiter: RateLimiter
    anonymous_read: bool


def _context(request: Request) -> _Context:
    context: _Context = request.app.state.outwork
    return context


Context = Annotated[_Context, Depends(_context)]
_bearer = HTTPBearer(auto_error=False, description="a token from `outwork token create`")


def _caller(needed: str) -> Callable[..., str]:
    """The dependency that names the caller of a route that needs ``needed`` (read, write)."""

    def check(
        request: Request,
        context: Context,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> str:
        client = request.client.host if request.client else "unknown"
        if credentials is None:
            _limit(context.limiter, f"addr:{client}")
            if needed == READ and context.anonymous_read:
                return "anonymous"
            raise HTTPException(401, "a token is needed: Authorization: Bearer <token>")
        record = context.store.token(token_digest(credentials.credentials))
        if record is None:
            _limit(context.limiter, f"addr:{client}")
            raise HTTPException(401, "unknown or revoked token")
        _limit(context.limiter, f"token:{record.name}")
        if not allows(record.scope, needed):
            raise HTTPException(403, f"token {record.name!r} may only {record.scope}")
        return record.name

    return check


Reader = Annotated[str, Depends(_caller(READ))]
Writer = Annotated[str, Depends(_caller(WRITE))]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Digest = Annotated[str | None, Query(pattern="^[0-9a-fA-F]{64}$")]
router = APIRouter(prefix="/v1")


def create_app(
    store: ResultStore,
    service: ScanService,
    *,
    limits: Limits | None = None,
    anonymous_read: bool = False,
) -> FastAPI:
    """The service's application over ``store``; ``service`` runs what is submitted."""
    limits = limits or Limits()
    app = FastAPI(
        title="outwork",
        version=__version__,
        description="Submit targets to outwork, follow their scans, and query verdicts,"
        " findings and reports from the results store.",
        docs_url=None,
        redoc_url=None,
        responses={code: {"model": ErrorOut} for code in (400, 401, 403, 413, 422, 429)},
    )
    app.state.outwork = _Context(
        store, service, limits, RateLimiter(limits.per_minute, limits.burst), anonymous_read
    )
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _malformed)
    app.include_router(router)
    app.add_api_route("/", _page, include_in_schema=False)
    app.mount("/static", StaticFiles(directory=DATA), name="static")
    app.add_middleware(BodyLimit, limits=limits)
    return app


async def _http_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    headers = getattr(exc, "headers", None)
    return JSONResponse({"error": str(exc.detail)}, exc.status_code, headers=headers)


async def _malformed(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = "; ".join(
        f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}" for e in exc.errors()
    )
    return JSONResponse({"error": f"malformed request: {problems}"}, 422)


def _page() -> Response:
    return FileResponse(DATA / "index.html", headers={"Content-Security-Policy": PAGE_CSP})


@router.get("/health", tags=["service"])
def health() -> HealthOut:
    """Whether the service is up (no token needed)."""
    return HealthOut(status="ok", version=__version__)


@router.post("/scans", status_code=202, tags=["scans"])
def submit(body: ScanRequest, who: Writer, context: Context) -> ScanOut:
    """Queue a scan of a registry package or of a path under the server's root."""
    target, release = _checked_target(body.target, context.service)
    _room(context)
    scan_id = context.service.submit(target, ORIGIN + who, release)
    return _scan_out(_get(context.store, scan_id), context.service)


@router.post(
    "/uploads",
    status_code=202,
    tags=["scans"],
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/octet-stream": {"schema": {"type": "string"}}},
            "description": "the file's bytes (an sdist, a wheel, an npm tarball, a model...)",
        }
    },
)
async def upload(
    request: Request,
    who: Writer,
    context: Context,
    filename: Annotated[
        str, Query(description="the file's name, which tells its kind (pkg-1.0.tar.gz)")
    ],
) -> ScanOut:
    """Upload one file and queue its scan; the body is the file (at most the server's upload
    limit), kept in the scratch area until its scan ends."""
    if not UPLOAD_NAME.match(filename) or ".." in filename:
        raise HTTPException(400, "filename: letters, digits and ._+- only (e.g. pkg-1.0.tar.gz)")
    _room(context)
    folder = context.service.upload_folder()
    path = folder / filename
    size = 0
    try:
        with path.open("wb") as fh:
            async for chunk in request.stream():  # counted by BodyLimit as it arrives
                size += len(chunk)
                fh.write(chunk)
        if size == 0:
            raise HTTPException(400, "the upload is empty: send the file as the body")
    except BaseException:
        _remove(folder)
        raise
    scan_id = context.service.submit(str(path), ORIGIN + who)
    return _scan_out(_get(context.store, scan_id), context.service)


@router.get("/scans", tags=["scans"])
def list_scans(
    _: Reader,
    context: Context,
    status: Literal["queued", "running", "done", "failed"] | None = None,
    ecosystem: str | None = None,
    package: str | None = None,
    digest: Digest = None,
    limit: Limit = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[ScanOut]:
    """Scans, newest first."""
    records = context.store.scans(
        status=status,
        ecosystem=ecosystem,
        package=package,
        digest=digest,
        limit=limit,
        offset=offset,
    )
    return [_scan_out(r, context.service) for r in records]


@router.get("/scans/{scan_id}", tags=["scans"], responses={404: {"model": ErrorOut}})
def get_scan(scan_id: int, _: Reader, context: Context) -> ScanOut:
    """A scan's state; while it runs, its progress."""
    return _scan_out(_get(context.store, scan_id), context.service)


@router.get(
    "/scans/{scan_id}/report",
    tags=["scans"],
    response_class=Response,
    responses={
        200: {"content": {t: {} for t in MEDIA_TYPES.values()}},
        404: {"model": ErrorOut},
        409: {"model": ErrorOut},
    },
)
def get_report(
    scan_id: int, _: Reader, context: Context, format: ReportFormat = "json"
) -> Response:
    """A finished scan's report in any of outwork's formats (the JSON report by default)."""
    record = _get(context.store, scan_id)
    if record.status != DONE:
        raise HTTPException(409, f"scan {scan_id} is {record.status}: no report yet")
    result = context.store.result(scan_id)
    if result is None:
        raise HTTPException(409, f"scan {scan_id} has no report")
    text = report.render(format, result)
    media = MEDIA_TYPES.get(format, "text/plain; charset=utf-8")
    headers = {"Content-Security-Policy": REPORT_CSP} if format == "html" else {}
    return Response(text, media_type=media, headers=headers)


@router.get("/findings", tags=["results"])
def list_findings(
    _: Reader,
    context: Context,
    scan_id: int | None = None,
    rule: Annotated[str | None, Query(pattern=r"^[A-Za-z]+\d+$")] = None,
    ecosystem: str | None = None,
    package: str | None = None,
    version: str | None = None,
    digest: Digest = None,
    since: datetime | None = None,
    limit: Limit = 100,
) -> list[FindingOut]:
    """Active findings of finished scans, newest first."""
    release = None
    if version is not None:
        if ecosystem is None or package is None:
            raise HTTPException(400, "version needs ecosystem and package")
        release = Release(ecosystem, package, version)
    records = context.store.findings(
        scan_id=scan_id,
        rule=rule,
        release=release,
        ecosystem=ecosystem,
        package=package,
        digest=digest,
        since=since,
        limit=limit,
    )
    return [_finding_out(r) for r in records]


@router.get("/verdicts", tags=["results"])
def list_verdicts(
    _: Reader,
    context: Context,
    ecosystem: str | None = None,
    package: str | None = None,
    at_least: Literal["info", "low", "medium", "high", "critical"] | None = None,
    since: datetime | None = None,
    limit: Limit = 50,
) -> list[VerdictOut]:
    """Verdicts on registry releases, newest first."""
    records = context.store.verdicts(
        ecosystem=ecosystem,
        package=package,
        at_least=Severity.parse(at_least) if at_least else None,
        since=since,
        limit=limit,
    )
    return [_verdict_out(r) for r in records]


@router.get("/packages/{ecosystem}/{name:path}", tags=["results"])
def package_history(
    ecosystem: Literal["pypi", "npm"],
    name: Annotated[str, PathParam(max_length=214, description="npm scopes included")],
    _: Reader,
    context: Context,
    limit: Limit = 100,
) -> PackageOut:
    """A package's history: the verdict on each of its releases and its scans."""
    verdicts = context.store.verdicts(ecosystem=ecosystem, package=name, limit=limit)
    scans = context.store.scans(ecosystem=ecosystem, package=name, limit=limit)
    return PackageOut(
        ecosystem=ecosystem,
        name=name,
        verdicts=[_verdict_out(v) for v in verdicts],
        scans=[_scan_out(s, context.service) for s in scans],
    )


def openapi_document() -> dict[str, Any]:
    """The API's OpenAPI document (``docs/openapi.json``), from an application over an empty
    store."""
    with (
        tempfile.TemporaryDirectory(prefix="outwork-openapi-") as folder,
        open_store(Path(folder) / "results.sqlite3") as store,
    ):
        service = ScanService(store, ServiceOptions(scratch=Path(folder) / "scratch"))
        try:
            return create_app(store, service).openapi()
        finally:
            service.close()


# --- helpers ------------------------------------------------------------------------------------


def _limit(limiter: RateLimiter, caller: str) -> None:
    wait = limiter.take(caller)
    if wait:
        raise HTTPException(
            429,
            f"too many requests: wait {wait:.1f} s",
            headers={"Retry-After": str(max(1, round(wait)))},
        )


def _checked_target(target: str, service: ScanService) -> tuple[str, Release | None]:
    """The target as the scan gets it, and its release when it names one version; a 400 with
    the reason for anything else."""
    if "\x00" in target or "\n" in target:
        raise HTTPException(400, "target: control characters are not allowed")
    if target.startswith(("pypi:", "npm:")):
        try:
            ref = parse_ref(target)
        except TargetError as exc:
            raise HTTPException(400, str(exc)) from None
        release = Release(ref.ecosystem, ref.name, ref.version) if ref.version else None
        return target, release
    root = service.options.root
    if root is None:
        raise HTTPException(
            400,
            "server paths are not enabled (start outwork serve with --root DIR); submit"
            " pypi:/npm: references or upload the file",
        )
    base = root.resolve()
    try:
        path = (base / target).resolve(strict=True)
    except (OSError, RuntimeError):
        raise HTTPException(400, f"{target}: no such file or folder under the root") from None
    if not path.is_relative_to(base):
        raise HTTPException(400, f"{target}: outside the server's root; name a path under it")
    return str(path), None


def _room(context: _Context) -> None:
    queued = context.store.scans(status="queued", limit=context.limits.max_queued + 1)
    if len([s for s in queued if s.origin.startswith(ORIGIN)]) >= context.limits.max_queued:
        raise HTTPException(503, "the queue is full: try again when scans have finished")


def _get(store: ResultStore, scan_id: int) -> ScanRecord:
    record = store.get_scan(scan_id)
    if record is None:
        raise HTTPException(404, f"no scan {scan_id}")
    return record


def _remove(folder: Path) -> None:
    for item in folder.iterdir():
        item.unlink(missing_ok=True)
    folder.rmdir()


def _too_large(limit: int) -> str:
    return f"the request body is larger than this server accepts ({limit:,} bytes)"


def _release_out(release: Release | None) -> ReleaseOut | None:
    if release is None:
        return None
    return ReleaseOut(ecosystem=release.ecosystem, name=release.name, version=release.version)


def _scan_out(record: ScanRecord, service: ScanService) -> ScanOut:
    progress = service.progress(record.id) if record.status not in (DONE, FAILED) else None
    return ScanOut(
        id=record.id,
        target=record.target,
        origin=record.origin,
        release=_release_out(record.release),
        status=record.status,  # type: ignore[arg-type]  # the store's four states
        detail=record.detail,
        submitted_at=record.submitted_at,
        started_at=record.started_at,
        finished_at=record.finished_at,
        verdict=record.verdict,
        findings=record.findings,
        progress=ProgressOut(done=progress.done, total=progress.total) if progress else None,
        report=f"/v1/scans/{record.id}/report",
    )


def _finding_out(record: FindingRecord) -> FindingOut:
    return FindingOut(
        scan_id=record.scan_id,
        rule=record.rule,
        severity=record.severity,
        confidence=record.confidence,
        message=record.message,
        path=record.path,
        line=record.line,
        subject=record.subject,
        fingerprint=record.fingerprint,
        sha256=record.sha256,
        release=_release_out(record.release),
    )


def _verdict_out(record: VerdictRecord) -> VerdictOut:
    release = _release_out(record.release)
    assert release is not None
    return VerdictOut(
        release=release,
        verdict=record.verdict,
        findings=record.findings,
        reason=record.reason,
        scan_id=record.scan_id,
        decided_at=record.decided_at,
    )


class BodyLimit:
    """Refuses a request body larger than its route allows, before and while it arrives: a
    declared length over the limit is answered at once, the bytes of any other are counted
    (a chunked body declares none) and the route's read of them fails with a 413."""

    def __init__(self, app: ASGIApp, limits: Limits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        upload = scope["path"] == "/v1/uploads"
        limit = self.limits.max_upload_bytes if upload else self.limits.max_request_bytes
        declared = dict(scope.get("headers") or ()).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            status = 413 if declared.isdigit() else 400
            error = _too_large(limit) if status == 413 else "malformed Content-Length"
            await JSONResponse({"error": error}, status, headers={"Connection": "close"})(
                scope, receive, send
            )
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise HTTPException(413, _too_large(limit))
            return message

        await self.app(scope, counted, send)
