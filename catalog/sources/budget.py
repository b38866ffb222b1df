"""One request budget per upstream, shared by every worker through the cache.

The Hub counts API calls in fixed 5-minute windows and GitHub in hourly ones, so the
budget is a fixed-window counter: ``cache.add`` creates the window's key with an expiry,
``cache.incr`` (atomic INCRBY on Redis) takes one request. With Redis configured every
worker process draws from the same counter; in the embedded default (local-memory cache,
Celery eager) there is one process and the counter is local.

A caller that finds the window spent either waits for the next window (when the wait is
short enough for its context) or gets ``BudgetExhausted`` with the seconds to wait, which
Celery tasks turn into a retry with that countdown. Only the crawl command waits in place
(``waiting_allowed``); a worker never sleeps out a budget or a 429, it retries its task.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

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


@dataclass
class RequestBudget:
    name: str
    limit: int  # requests per window; 0 = unlimited
    window: int  # seconds

    def _key(self, window_index: int) -> str:
        return f"budget:{self.name}:{self.window}:{window_index}"

    def take(self) -> None:
        if self.limit <= 0:
            return
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
                return
            wait = (window_index + 1) * self.window - now + 0.05
            if wait > _max_wait():
                raise BudgetExhausted(self.name, wait)
            time.sleep(wait)

    def check(self) -> None:
        """Raise (or wait) when the window is already spent, without taking a request.

        For upstreams that do not charge every answer (GitHub's 304s are free): check before
        sending, ``charge`` after a charged answer.
        """
        if self.limit <= 0:
            return
        while True:
            now = time.time()
            if self.used() < self.limit:
                return
            wait = (int(now // self.window) + 1) * self.window - now + 0.05
            if wait > _max_wait():
                raise BudgetExhausted(self.name, wait)
            time.sleep(wait)

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
