"""The stand-in's clock and the services' own rate-limit counters.

``Clock``: the time the stand-in lives in. Real time by default; a test may freeze it and
move it forward (a simulated day in no time); ``advance`` moves the whole stand-in: the
Hub's windows, GitHub's hour, count drift in a synthetic hub.

``HubRateLimits``: the Hub counts requests per caller (the token, or the IP without one) in
three buckets over **fixed 5-minute windows** and says so on every answer (hub-docs
``rate-limits.md``, figures "as of September '25"; header format per IETF
draft-ietf-httpapi-ratelimit-headers-09, exactly as huggingface_hub 2.4's
``parse_ratelimit_headers`` reads it: ``RateLimit: "api";r=489;t=189`` and
``RateLimit-Policy: "fixed window";"api";q=500;w=300``). Over quota it answers 429 with
those headers (``r=0``, ``t`` = seconds until the window resets). ``enforce`` turns the 429s
on; the headers and the counts are always there.

``GitHubRateLimits``: GitHub counts per token (5,000 an hour) or per IP anonymously (60 an
hour) and sends ``x-ratelimit-limit/remaining/used/reset/resource`` on every answer
(docs.github.com "Rate limits for the REST API"); a 304 costs nothing only when the request
was authorised ("Best practices for using the REST API": conditional requests). Over quota:
403 with ``x-ratelimit-remaining: 0``. The reset is sent in real epoch seconds (what a
client compares with its own clock), however far the stand-in's clock has been moved.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

WINDOW = 300
# (anonymous, free token): requests per 5-minute window (hub-docs rate-limits.md)
HUB_QUOTAS = {
    "api": (500, 1000),
    "resolvers": (3000, 5000),
    "pages": (100, 200),
}
GITHUB_QUOTAS = (60, 5000)  # per hour: anonymous (per IP), with a token
GITHUB_WINDOW = 3600


class Clock:
    """Real time, or frozen and moved by the test."""

    def __init__(self) -> None:
        self._frozen: float | None = None
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return (self._frozen if self._frozen is not None else time.time()) + self._offset

    def freeze(self, at: float | None = None) -> None:
        with self._lock:
            self._frozen = time.time() if at is None else at
            self._offset = 0.0

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += seconds

    def real_epoch(self, moment: float) -> float:
        """A stand-in moment as real epoch seconds (for absolute reset headers)."""
        return time.time() + (moment - self.now())


@dataclass
class _Window:
    started: float
    used: int = 0


@dataclass
class HubRateLimits:
    clock: Clock
    enforce: bool = False
    quotas: dict[str, tuple[int, int]] = field(default_factory=lambda: dict(HUB_QUOTAS))
    window: int = WINDOW
    _windows: dict[tuple[str, str], _Window] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def spend(self, caller: str, authenticated: bool, bucket: str) -> tuple[bool, dict[str, str]]:
        """Count one request; (allowed, the headers to send with the answer)."""
        quota = self.quotas[bucket][1 if authenticated else 0]
        now = self.clock.now()
        with self._lock:
            current = self._windows.get((caller, bucket))
            if current is None or now >= current.started + self.window:
                current = self._windows[(caller, bucket)] = _Window(started=now)
            allowed = current.used < quota or not self.enforce
            if current.used < quota:
                current.used += 1
            remaining = max(0, quota - current.used)
            reset_in = max(1, round(current.started + self.window - now))
        headers = {
            "RateLimit": f'"{bucket}";r={remaining};t={reset_in}',
            "RateLimit-Policy": f'"fixed window";"{bucket}";q={quota};w={self.window}',
        }
        return allowed, headers

    def used(self, caller: str, bucket: str) -> int:
        with self._lock:
            current = self._windows.get((caller, bucket))
            return current.used if current and self.clock.now() < current.started + self.window else 0


@dataclass
class GitHubRateLimits:
    clock: Clock
    enforce: bool = False
    quotas: tuple[int, int] = GITHUB_QUOTAS
    _windows: dict[str, _Window] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def spend(self, caller: str, authenticated: bool, *, free: bool) -> tuple[bool, dict[str, str]]:
        quota = self.quotas[1 if authenticated else 0]
        now = self.clock.now()
        with self._lock:
            current = self._windows.get(caller)
            if current is None or now >= current.started + GITHUB_WINDOW:
                current = self._windows[caller] = _Window(started=now)
            allowed = current.used < quota or not self.enforce
            if not free and current.used < quota:
                current.used += 1
            used = current.used
            reset_at = current.started + GITHUB_WINDOW
        headers = {
            "x-ratelimit-limit": str(quota),
            "x-ratelimit-remaining": str(max(0, quota - used)),
            "x-ratelimit-used": str(used),
            "x-ratelimit-reset": str(int(self.clock.real_epoch(reset_at))),
            "x-ratelimit-resource": "core",
        }
        return allowed, headers

    def remaining(self, caller: str, authenticated: bool) -> int:
        quota = self.quotas[1 if authenticated else 0]
        with self._lock:
            current = self._windows.get(caller)
            if current is None or self.clock.now() >= current.started + GITHUB_WINDOW:
                return quota
            return max(0, quota - current.used)
