"""The address a request came from, read the same way everywhere (report throttle, login lockout).

Behind ``API_NUM_PROXIES`` trusted proxies (``REST_FRAMEWORK["NUM_PROXIES"]``) the client is the
N-th address from the right of X-Forwarded-For, as DRF's throttles read it; with none (the
default) X-Forwarded-For is ignored, because anyone can send it.
"""

from __future__ import annotations

from django.conf import settings


def client_address(request) -> str:
    address = request.META.get("REMOTE_ADDR", "") or ""
    proxies = int(str(settings.REST_FRAMEWORK.get("NUM_PROXIES") or 0))
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        address = hops[-min(proxies, len(hops))] if hops else address
    return address
