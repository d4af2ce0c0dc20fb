"""``--verify``: ask the provider whether a found credential is live. Off by default; only with
``--online``; never in tests against a real provider (they start a fake one on loopback).

One read-only request per credential to the endpoint each provider documents for "who am I",
at most one request per provider per :data:`MIN_INTERVAL` seconds and :data:`MAX_REQUESTS` per
process, no redirects followed (a redirect would carry the credential to another host), and
nothing about the credential written anywhere but the masked report: errors keep only their
class and the HTTP status.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import urllib.request

#: Seconds between two requests to one provider, per process.
MIN_INTERVAL = 1.0
#: Requests one process makes in one scan.
MAX_REQUESTS = 200
#: Seconds one request may take.
TIMEOUT = 10.0
#: Bytes of a response read.
MAX_RESPONSE = 64 * 1024


@dataclass(frozen=True, slots=True)
class Verifier:
    """How to ask one provider: the base URL, the path, the header that carries the
    credential, and which field of the JSON answer names the identity."""

    base: str
    path: str
    header: Callable[[str], tuple[str, str]]
    identity: tuple[str, ...] = ()
    method: str = "GET"


def _bearer(value: str) -> tuple[str, str]:
    return "Authorization", f"Bearer {value}"


#: By detector id (rows of the table). An AWS key pair is asked through STS, signed
#: (:func:`verify_aws_pair`).
VERIFIERS: dict[str, Verifier] = {
    "github-token": Verifier(
        "https://api.github.com", "/user", lambda v: ("Authorization", f"token {v}"), ("login",)
    ),
    "github-fine-grained-token": Verifier(
        "https://api.github.com", "/user", lambda v: ("Authorization", f"token {v}"), ("login",)
    ),
    "gitlab-token": Verifier(
        "https://gitlab.com", "/api/v4/user", lambda v: ("PRIVATE-TOKEN", v), ("username",)
    ),
    "npm-token": Verifier("https://registry.npmjs.org", "/-/whoami", _bearer, ("username",)),
    "slack-token": Verifier(
        "https://slack.com", "/api/auth.test", _bearer, ("user", "team"), method="POST"
    ),
    "stripe-key": Verifier("https://api.stripe.com", "/v1/balance", _bearer),
    "openai-key": Verifier("https://api.openai.com", "/v1/models", _bearer),
    "anthropic-key": Verifier(
        "https://api.anthropic.com", "/v1/models", lambda v: ("x-api-key", v)
    ),
    "huggingface-token": Verifier("https://huggingface.co", "/api/whoami-v2", _bearer, ("name",)),
}


@dataclass(frozen=True, slots=True)
class Verdict:
    #: ``live``, ``revoked`` or ``unknown``.
    status: str
    detail: str = ""
    identity: str = ""


@functools.cache
def _opener() -> urllib.request.OpenerDirector:
    """An opener that follows no redirect. The network stack is imported here, when
    ``--verify`` first asks, never by a scan that does not (docs/benchmarks.md, issue 11)."""
    import urllib.request  # see the docstring

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    return urllib.request.build_opener(NoRedirect)


_LOCK = threading.Lock()
_LAST: dict[str, float] = {}
_COUNT = [0]


def verify(detector: str, value: str, options: Mapping[str, Any]) -> Verdict | None:
    """The provider's answer for one credential, or None when the row has no verifier."""
    verifier = VERIFIERS.get(detector)
    if verifier is None:
        return None
    import urllib.error  # the network stack only when --verify asks
    import urllib.request

    base = str(options.get(f"secrets.verify_url.{detector}", verifier.base)).rstrip("/")
    if not _take_turn(detector, float(options.get("secrets.verify_interval", MIN_INTERVAL))):
        return Verdict("unknown", f"not asked: past {MAX_REQUESTS} verifications")
    name, header = verifier.header(value)
    request = urllib.request.Request(  # noqa: S310 - https by default; tests use loopback
        base + verifier.path,
        method=verifier.method,
        headers={name: header, "User-Agent": "outwork-verify", "Accept": "application/json"},
        data=b"" if verifier.method == "POST" else None,
    )
    try:
        with _opener().open(request, timeout=TIMEOUT) as response:
            body = response.read(MAX_RESPONSE)
            status = response.status
    except urllib.error.HTTPError as exc:
        if exc.code in (401, 403):
            return Verdict("revoked", f"HTTP {exc.code}")
        return Verdict("unknown", f"HTTP {exc.code}")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return Verdict("unknown", type(exc).__name__)
    return _read_answer(verifier, status, body)


def _read_answer(verifier: Verifier, status: int, body: bytes) -> Verdict:
    if status >= 300:
        return Verdict("unknown", f"HTTP {status}")
    try:
        data = json.loads(body) if body else {}
    except ValueError:
        data = {}
    if isinstance(data, dict) and data.get("ok") is False:  # Slack answers 200 with ok: false
        return Verdict("revoked", str(data.get("error", "not ok"))[:60])
    who = ""
    if isinstance(data, dict):
        who = "/".join(str(data[f])[:100] for f in verifier.identity if data.get(f))
    return Verdict("live", f"HTTP {status}", who)


def _take_turn(detector: str, interval: float) -> bool:
    with _LOCK:
        if _COUNT[0] >= MAX_REQUESTS:
            return False
        _COUNT[0] += 1
        wait = _LAST.get(detector, 0.0) + interval - time.monotonic()
        _LAST[detector] = time.monotonic() + max(wait, 0.0)
    if wait > 0:
        time.sleep(wait)
    return True


#: STS's global endpoint: ``GetCallerIdentity`` needs no permission, so any live key answers.
STS = "https://sts.amazonaws.com"
STS_REGION = "us-east-1"
_STS_BODY = "Action=GetCallerIdentity&Version=2011-06-15"


def sigv4_headers(
    key_id: str,
    secret: str,
    *,
    method: str,
    host: str,
    path: str,
    body: str,
    region: str,
    service: str,
    headers: Mapping[str, str],
    now: datetime,
) -> dict[str, str]:
    """The headers of a request signed with AWS Signature Version 4 (AWS's documented
    algorithm: canonical request, string to sign, a signing key derived from the secret by
    date, region and service). ``headers`` are signed too; no query string."""
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    day = amz_date[:8]
    signed = {name.lower(): " ".join(value.split()) for name, value in headers.items()}
    signed["host"] = host
    signed["x-amz-date"] = amz_date
    names = sorted(signed)
    canonical = "\n".join(
        [
            method,
            path,
            "",
            "".join(f"{name}:{signed[name]}\n" for name in names),
            ";".join(names),
            hashlib.sha256(body.encode()).hexdigest(),
        ]
    )
    scope = f"{day}/{region}/{service}/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = f"AWS4{secret}".encode()
    for part in (day, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return {
        **dict(headers),
        "X-Amz-Date": amz_date,
        "Authorization": (
            f"AWS4-HMAC-SHA256 Credential={key_id}/{scope}, SignedHeaders={';'.join(names)},"
            f" Signature={signature}"
        ),
    }


def verify_aws_pair(key_id: str, secret: str, options: Mapping[str, Any]) -> Verdict:
    """STS ``GetCallerIdentity`` signed with the pair: live (with the ARN it authenticates as),
    revoked (the key id is unknown to AWS, or the secret does not match it), or unknown."""
    import urllib.error  # the network stack only when --verify asks
    import urllib.parse
    import urllib.request

    base = str(options.get("secrets.verify_url.aws-access-key-id", STS)).rstrip("/")
    if not _take_turn("aws", float(options.get("secrets.verify_interval", MIN_INTERVAL))):
        return Verdict("unknown", f"not asked: past {MAX_REQUESTS} verifications")
    host = urllib.parse.urlsplit(base).netloc
    headers = sigv4_headers(
        key_id,
        secret,
        method="POST",
        host=host,
        path="/",
        body=_STS_BODY,
        region=STS_REGION,
        service="sts",
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        now=datetime.now(UTC),
    )
    request = urllib.request.Request(  # noqa: S310 - https by default; tests use loopback
        base + "/",
        method="POST",
        headers={**headers, "User-Agent": "outwork-verify", "Accept": "application/xml"},
        data=_STS_BODY.encode(),
    )
    try:
        with _opener().open(request, timeout=TIMEOUT) as response:
            body = response.read(MAX_RESPONSE)
            status = response.status
    except urllib.error.HTTPError as exc:
        code = _xml_field(exc.read(MAX_RESPONSE), "Code")
        if exc.code == 403 and code in ("InvalidClientTokenId", "SignatureDoesNotMatch"):
            return Verdict("revoked", f"HTTP 403 {code}")
        return Verdict("unknown", f"HTTP {exc.code} {code}".strip())
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return Verdict("unknown", type(exc).__name__)
    if status >= 300:
        return Verdict("unknown", f"HTTP {status}")
    arn = _xml_field(body, "Arn")
    return Verdict("live", f"HTTP {status}", arn[:200])


def _xml_field(body: bytes, name: str) -> str:
    """One element's text of an STS answer (XML in AWS's namespace), or an empty string when
    the answer is not XML or has no such element."""
    import defusedxml.ElementTree as SafeET  # parsed only when --verify asks AWS

    try:
        root = SafeET.fromstring(body)
    except (SafeET.ParseError, ValueError):
        return ""
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] == name and element.text:
            return element.text.strip()[:512]
    return ""
