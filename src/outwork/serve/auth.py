"""Who may call the service, and how often.

A token is 32 random bytes (``ow_`` and URL-safe base64), shown once when it is created; the
results store keeps its SHA-256 only. A fast hash is enough for a secret of that entropy, where
a password hash's slowness protects guessable secrets (and would cost every request its time).
Scopes: ``read`` (queries, reports) and ``write`` (submissions, which include reading).
"""

from __future__ import annotations

import hashlib
import math
import secrets
import threading
import time
from dataclasses import dataclass, field

PREFIX = "ow_"
READ, WRITE = "read", "write"
SCOPES = (READ, WRITE)


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def allows(scope: str, needed: str) -> bool:
    """Whether a token of ``scope`` may do what needs ``needed``."""
    return scope == WRITE or needed == READ


@dataclass(slots=True)
class _Bucket:
    tokens: float
    stamp: float


@dataclass(slots=True)
class RateLimiter:
    """A token bucket per caller: ``per_minute`` requests a minute on average, ``burst`` at once.

    Callers are tokens' names, or client addresses before authentication; the table forgets
    callers that have been idle long enough to be full again, so it cannot grow without bound.
    """

    per_minute: int
    burst: int
    _buckets: dict[str, _Bucket] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self, caller: str, now: float | None = None) -> float:
        """0 when the request may go on, else the seconds to wait before the next one will."""
        now = time.monotonic() if now is None else now
        rate = self.per_minute / 60.0
        with self._lock:
            if len(self._buckets) > 10_000:
                refill = self.burst / rate
                self._buckets = {k: b for k, b in self._buckets.items() if now - b.stamp < refill}
            bucket = self._buckets.setdefault(caller, _Bucket(float(self.burst), now))
            bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.stamp) * rate)
            bucket.stamp = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / rate if rate > 0 else math.inf
