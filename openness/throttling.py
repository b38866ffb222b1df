"""API throttling by fixed windows: one atomic counter per client and window.

DRF's default anonymous throttle keeps a list of every request time in the window and
rewrites it on each request, so its cost grows with the rate it allows. A fixed-window
counter (``cache.add`` + ``cache.incr``, atomic on Redis) costs the same at any rate. The
client learns when to come back from ``Retry-After`` (the end of the window).
"""

from __future__ import annotations

import time

from django.core.cache import cache
from rest_framework.throttling import AnonRateThrottle


class FixedWindowAnonThrottle(AnonRateThrottle):
    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        ident = self.get_ident(request)
        now = time.time()
        window = int(now // self.duration)
        key = f"throttle:anon:{ident}:{self.duration}:{window}"
        cache.add(key, 0, timeout=int(self.duration) + 5)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=int(self.duration) + 5)
            count = 1
        self._wait = (window + 1) * self.duration - now
        return count <= self.num_requests

    def wait(self) -> float:
        return max(1.0, self._wait)
