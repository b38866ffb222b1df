"""One request budget per upstream bucket, shared by every worker through the cache.

Three things bound what a crawler sends:

* **The upstream's own counter.** The Hub sends ``RateLimit: "api";r=<remaining>;t=<seconds
  to reset>`` and ``RateLimit-Policy: "fixed window";"api";q=<quota>;w=<window>`` on every
  response (IETF draft-ietf-httpapi-ratelimit-headers-09; parsed by huggingface_hub's own
  ``parse_ratelimit_headers``), one bucket each for ``api``, ``resolvers`` (file downloads,
  a separate and larger quota) and ``pages`` (hub-docs rate-limits.md). GitHub sends
  ``x-ratelimit-remaining`` / ``x-ratelimit-reset`` (epoch seconds) / ``x-ratelimit-resource``
  (docs.github.com "Rate limits for the REST API"). ``observe`` stores the latest figure;
  once the upstream says the bucket is spent (``remaining <= reserve``), no worker sends to
  it until the upstream's reset, whatever our own count says (other clients may share the
  token or the IP).
* **Our own fixed-window count** (``limit`` per ``window``): ``cache.add`` creates the
  window's key with an expiry, ``cache.incr`` (atomic INCRBY on Redis) takes one request.
* **Pacing.** A window's budget is never spent in one burst at its start (GitHub's
  secondary limits punish bursts; docs.github.com "secondary rate limits": make requests
  serially, avoid many at once): each ``CRAWL_PACE_SECONDS`` slice of the window allows
  only its share of the budget (at least one request), spaced evenly inside the slice; the
  next request waits for its turn or the next slice, in place (a few seconds at most).

A caller that finds a budget spent either waits (when the wait is short enough for its
context) or gets ``BudgetExhausted`` with the seconds to wait plus jitter (so workers
turned back together do not return together), which Celery tasks turn into a retry with
that countdown. Only the crawl command waits out a window (``waiting_allowed``); a worker
never sleeps out a budget or a 429, it retries its task. ``limit = 0`` turns a budget off.
"""

from __future__ import annotations

import contextlib
import math
import random
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache


class BudgetExhausted(Exception):
    def __init__(self, name: str, retry_after: float) -> None:
        self.name = name
        self.retry_after = retry_after
        super().__init__(f"{name} request budget spent for this window; next window in {retry_after:.0f} s")


_local = threading.local()


def _max_wait() -> float:
    return getattr(_local, "max_wait", 0.0)


def may_wait() -> bool:
    """Whether this thread may sleep out a spent budget or an upstream's 429 (the CLI)."""
    return _max_wait() > 0


@contextlib.contextmanager
def waiting_allowed(seconds: float) -> Iterator[None]:
    """Let budget checks in this thread sleep up to ``seconds`` instead of raising."""
    previous = _max_wait()
    _local.max_wait = seconds
    try:
        yield
    finally:
        _local.max_wait = previous


def jitter(window: float) -> float:
    """A random extra wait, so callers turned back together spread out (up to 2 % of the
    window, at least 1 s)."""
    return random.uniform(0, max(1.0, 0.02 * window))


@dataclass
class RequestBudget:
    name: str
    limit: int  # requests per window; 0 = unlimited (no counting, no pacing, no observing)
    window: int  # seconds
    reserve: int = 0  # leave this many of the upstream's own remaining count unused

    def _key(self, window_index: int) -> str:
        return f"budget:{self.name}:{self.window}:{window_index}"

    @property
    def _observed_key(self) -> str:
        return f"budget:{self.name}:observed"

    # --- the upstream's counter ---------------------------------------------------------
    def observe(self, *, remaining: int, reset_in: float) -> None:
        """Record what the upstream said is left in this bucket and when it resets."""
        if self.limit <= 0:
            return
        reset_in = max(0.0, float(reset_in))
        cache.set(self._observed_key, (int(remaining), time.time() + reset_in), timeout=int(reset_in) + 5)

    def observed(self) -> tuple[int, float] | None:
        """(remaining, reset at epoch seconds) as the upstream last said, while it holds."""
        value = cache.get(self._observed_key)
        if not value or value[1] <= time.time():
            return None
        return int(value[0]), float(value[1])

    def _upstream_wait(self) -> float:
        seen = self.observed()
        if seen is None or seen[0] > self.reserve:
            return 0.0
        return seen[1] - time.time() + jitter(self.window)

    def _wait_or_raise(self, wait: float) -> None:
        if wait > _max_wait():
            raise BudgetExhausted(self.name, wait)
        time.sleep(wait)

    # --- our own count -------------------------------------------------------------------
    def _pace(self, now: float) -> None:
        """Take a slot in the current slice of the window; wait in place for the next slice
        when this one's share is used (slices are short: this is pacing, not a rate limit)."""
        slice_seconds = min(float(settings.CRAWL_PACE_SECONDS), float(self.window))
        if slice_seconds <= 0:
            return
        share = max(1, math.ceil(self.limit * slice_seconds / self.window))
        while True:
            index = int(now // slice_seconds)
            key = f"budget:{self.name}:pace:{slice_seconds}:{index}"
            cache.add(key, 0, timeout=int(slice_seconds) + 5)
            try:
                used = cache.incr(key)
            except ValueError:
                continue
            if used <= share:
                # and spaced inside the slice: the n-th request of a slice goes no earlier
                # than n-1 spacings after its start
                due = index * slice_seconds + (used - 1) * slice_seconds / share
                if due > now:
                    time.sleep(due - now)
                return
            time.sleep((index + 1) * slice_seconds - now + 0.01)
            now = time.time()

    def take(self) -> None:
        if self.limit <= 0:
            return
        if wait := self._upstream_wait():
            self._wait_or_raise(wait)
        while True:
            now = time.time()
            window_index = int(now // self.window)
            key = self._key(window_index)
            cache.add(key, 0, timeout=self.window + 5)
            try:
                used = cache.incr(key)
            except ValueError:  # expired between add and incr: start the window again
                continue
            if used <= self.limit:
                self._pace(now)
                return
            wait = (window_index + 1) * self.window - now + 0.05
            self._wait_or_raise(wait + (jitter(self.window) if wait > _max_wait() else 0))

    def check(self) -> None:
        """Raise (or wait) when the window is already spent, without taking a request.

        For upstreams that do not charge every answer (GitHub's authorised 304s are free):
        check before sending, ``charge`` after a charged answer.
        """
        if self.limit <= 0:
            return
        if wait := self._upstream_wait():
            self._wait_or_raise(wait)
        while True:
            now = time.time()
            if self.used() < self.limit:
                self._pace(now)
                return
            wait = (int(now // self.window) + 1) * self.window - now + 0.05
            self._wait_or_raise(wait + (jitter(self.window) if wait > _max_wait() else 0))

    def charge(self) -> None:
        if self.limit <= 0:
            return
        key = self._key(int(time.time() // self.window))
        cache.add(key, 0, timeout=self.window + 5)
        try:
            cache.incr(key)
        except ValueError:
            cache.add(key, 1, timeout=self.window + 5)

    def used(self) -> int:
        return int(cache.get(self._key(int(time.time() // self.window))) or 0)
