"""Which hosts the crawler may contact, checked on every request (redirects included).

Only the configured endpoints are ever fetched: the Hub (``HF_ENDPOINT``), the GitHub API
(``GITHUB_API_URL``), the Hub's download CDN (``HUB_CDN_HOSTS``, where a file download
may be redirected) and any ``CRAWL_EXTRA_ALLOWED_HOSTS``. A host that resolves to a
private, loopback, link-local, reserved, multicast or otherwise non-global address is
refused, unless it is exactly a configured endpoint that itself points at such an address
(the stand-in hub on 127.0.0.1, an internal mirror an operator chose on purpose).

Checking a URL is not enough on its own: the HTTP library would resolve the name again when
it connects, and a resolver that answers a public address to the check and 169.254.169.254
to the connection (DNS rebinding) would slip through. So the clients connect through
``pinned_transport()``: the connection looks the name up once, checks every address it got,
and connects to exactly those checked addresses (TLS still verifies the name).
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from typing import Any, cast
from urllib.parse import urlsplit

import httpcore2
import httpx2
from django.conf import settings


class HostNotAllowed(Exception):
    """The crawler refused to contact a URL."""


_cache: dict[str, tuple[float, list[str]]] = {}
_lock = threading.Lock()
_TTL = 60.0


def _origin(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return host, port


def configured_origins() -> set[tuple[str, int]]:
    # env_url() is typed str | None; both settings have a default
    origins = {_origin(settings.HF_ENDPOINT), _origin(settings.GITHUB_API_URL)}  # type: ignore[arg-type]
    for extra in [*settings.CRAWL_EXTRA_ALLOWED_HOSTS, *settings.HUB_CDN_HOSTS]:
        origins.add(_origin(extra if "://" in extra else f"https://{extra}"))
    return origins


def lookup(host: str) -> list[str]:
    """Ask the resolver now (no cache): the answer a connection is made to."""
    try:
        return sorted({cast(str, info[4][0]) for info in socket.getaddrinfo(host, None)})
    except socket.gaierror as exc:
        raise HostNotAllowed(f"{host} does not resolve: {exc}") from None


def resolve(host: str) -> list[str]:
    now = time.monotonic()
    with _lock:
        cached = _cache.get(host)
        if cached and now - cached[0] < _TTL:
            return cached[1]
    addresses = lookup(host)
    with _lock:
        _cache[host] = (now, addresses)
    return addresses


def is_internal(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast:
        return True
    # not routable on the internet either: 0.0.0.0, 100.64.0.0/10 (where one cloud serves instance metadata)
    return ip.is_unspecified or not ip.is_global


def check_url(url: str) -> None:
    """Raise ``HostNotAllowed`` unless the crawler may fetch ``url``."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise HostNotAllowed(f"scheme {parts.scheme!r} is never fetched: {url}")
    _check_addresses(_origin(url), resolve)


def _check_addresses(origin: tuple[str, int], resolver) -> list[str]:
    """The addresses ``origin`` may be reached at, or ``HostNotAllowed``."""
    if origin not in configured_origins():
        raise HostNotAllowed(f"{origin[0]}:{origin[1]} is not a configured crawl endpoint")
    addresses = resolver(origin[0].strip("[]"))
    internal = [a for a in addresses if is_internal(a)]
    if internal and not _configured_as_internal(origin):
        raise HostNotAllowed(f"{origin[0]} resolves to internal address {internal[0]}")
    return addresses


def _configured_as_internal(origin: tuple[str, int]) -> bool:
    """True when the configured endpoint is itself written as an internal address (the stand-in).

    A configured *name* that resolves to an internal address is refused: that is what a
    hijacked resolver or a poisoned configuration would look like.
    """
    host = origin[0]
    if host == "localhost":
        return True
    try:
        return is_internal(host.strip("[]"))
    except ValueError:
        return False


def request_hook(request) -> None:
    """httpx2 request event hook: refuse anything outside the allowlist."""
    check_url(str(request.url))


class _PinnedBackend(httpcore2.SyncBackend):
    """Connects only to addresses checked in this very call (see the module docstring)."""

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore2.NetworkStream:
        host = host.decode() if isinstance(host, bytes) else host
        addresses = _check_addresses((host.lower(), port), lookup)
        error: Exception | None = None
        for address in addresses:
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore2.ConnectError as exc:
                error = exc
        raise error or HostNotAllowed(f"{host} has no address")


class PinnedTransport(httpx2.HTTPTransport):
    """httpx2's transport whose connections go through ``_PinnedBackend``; no proxy (a proxy
    would resolve names itself, out of the guard's sight)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        # httpcore2 takes a network backend only through the pool; swap it in the pool built above
        self._pool._network_backend = _PinnedBackend()


def pinned_transport() -> PinnedTransport:
    return PinnedTransport()
