"""OSV's query API as a fallback source of advisories, for the packages of one scan.

A scan that has no local feed for an ecosystem (none imported, and the first-use download
failed or was not wanted) may ask ``POST /v1/querybatch`` which advisories affect each
``(ecosystem, name, version)`` it found, then ``GET /v1/vulns/{id}`` for each record. Only
when the user allows it (``outwork scan --osv-api``): the names and versions of the scan's
dependencies leave the machine. The records are matched by the same code as a local feed's;
nothing is written to the advisory database, since a handful of records is no feed and must
not make a later offline scan believe the ecosystem was covered.

The API's answers are bounded: a batch answer, a record and the number of records each have a
limit, and a query whose answer pages on (``next_page_token``) is asked again with the token,
a bounded number of times.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from outwork.store import OSV_API_URL as DEFAULT_API_URL

#: Queries per ``querybatch`` request (the API's documented limit is 1,000).
BATCH = 1000
#: Bytes of one answer (a batch of ids, or one record).
MAX_ANSWER_BYTES = 32 * 1024 * 1024
#: Records fetched for one scan.
MAX_RECORDS = 5000
#: Extra requests for one query whose answer pages on.
MAX_PAGES = 20


class OsvApiError(Exception):
    """The API could not answer; the message says why, once, for the scan's report."""


@dataclass(frozen=True, slots=True)
class Query:
    ecosystem: str
    name: str
    version: str

    def body(self, page_token: str | None = None) -> dict[str, Any]:
        query: dict[str, Any] = {
            "package": {"ecosystem": self.ecosystem, "name": self.name},
            "version": self.version,
        }
        if page_token:
            query["page_token"] = page_token
        return query


def query_records(
    queries: Sequence[Query], *, base_url: str = DEFAULT_API_URL, timeout: float = 10.0
) -> list[dict[str, Any]]:
    """The OSV records affecting any of ``queries``; raises :class:`OsvApiError`."""
    ids = _affecting_ids(queries, base_url, timeout)
    if len(ids) > MAX_RECORDS:
        raise OsvApiError(
            f"the API named {len(ids):,} advisories for this scan, more than the"
            f" {MAX_RECORDS:,} outwork fetches one by one; import the feeds instead"
            " (`outwork db update`)"
        )
    records = []
    for vuln_id in sorted(ids):
        quoted = urllib.parse.quote(vuln_id, safe="")
        record = _request(f"{base_url.rstrip('/')}/v1/vulns/{quoted}", None, timeout)
        if not isinstance(record, dict) or record.get("id") != vuln_id:
            raise OsvApiError(f"the API's record for {vuln_id} is not an OSV record of that id")
        records.append(record)
    return records


def _affecting_ids(queries: Sequence[Query], base_url: str, timeout: float) -> set[str]:
    url = f"{base_url.rstrip('/')}/v1/querybatch"
    ids: set[str] = set()
    pending: list[tuple[Query, str | None, int]] = [(q, None, 0) for q in queries]
    while pending:
        batch, pending = pending[:BATCH], pending[BATCH:]
        answer = _request(url, {"queries": [q.body(token) for q, token, _ in batch]}, timeout)
        results = answer.get("results") if isinstance(answer, dict) else None
        if not isinstance(results, list) or len(results) != len(batch):
            raise OsvApiError(f"{url} answered {len(batch)} queries with something else")
        for (query, _token, pages), result in zip(batch, results, strict=True):
            if not isinstance(result, dict):
                raise OsvApiError(f"{url}: an answer that is not an object")
            for vuln in result.get("vulns") or ():
                if isinstance(vuln, dict) and isinstance(vuln.get("id"), str):
                    ids.add(vuln["id"])
            token = result.get("next_page_token")
            if isinstance(token, str) and token:
                if pages >= MAX_PAGES:
                    raise OsvApiError(
                        f"{url}: the answer for {query.name} {query.version} pages on past"
                        f" {MAX_PAGES} pages"
                    )
                pending.append((query, token, pages + 1))
    return ids


def _request(url: str, payload: dict[str, Any] | None, timeout: float) -> Any:
    scheme = urllib.parse.urlsplit(url).scheme
    if scheme not in ("http", "https"):
        raise OsvApiError(f"the OSV API URL must be http(s), not {scheme!r}: {url}")
    # The network stack is imported by the code that talks to the network only (start-up).
    from http.client import HTTPException
    from urllib.error import HTTPError, URLError
    from urllib.request import Request, urlopen

    data = json.dumps(payload).encode() if payload is not None else None
    headers = {"Content-Type": "application/json"} if data is not None else {}
    request = Request(url, data=data, headers=headers, method="POST" if data else "GET")  # noqa: S310 - scheme checked above
    try:
        with urlopen(request, timeout=timeout) as response:  # noqa: S310 - scheme checked above
            body = response.read(MAX_ANSWER_BYTES + 1)
    except HTTPError as exc:
        raise OsvApiError(f"{url}: HTTP {exc.code} {exc.reason}") from None
    except URLError as exc:
        raise OsvApiError(f"{url}: {getattr(exc, 'reason', exc)}") from None
    except TimeoutError:
        raise OsvApiError(f"{url}: no answer in {timeout:g} s") from None
    except (HTTPException, OSError) as exc:
        raise OsvApiError(f"{url}: {exc}") from None
    if len(body) > MAX_ANSWER_BYTES:
        raise OsvApiError(f"{url}: an answer larger than {MAX_ANSWER_BYTES:,} bytes")
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise OsvApiError(f"{url}: the answer is not JSON ({exc})") from None
