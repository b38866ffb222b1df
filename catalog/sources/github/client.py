"""The only module that talks to the GitHub REST API: repository, license, git tree.

A thin client over httpx2 (the HTTP library huggingface_hub already brings). Requests are
conditional when an ETag is stored: GitHub answers 304 without a body (free of quota when
the request is authorised, counted when anonymous), and the caller then writes nothing.
The shared budget is checked before each request, charged only for answers GitHub charges,
and stops sending once GitHub's own ``x-ratelimit-remaining`` says the hour is spent.
Rate limits: a 403/429 with ``x-ratelimit-remaining: 0`` means the primary limit, wait
until ``x-ratelimit-reset``; a secondary limit says so and may carry ``Retry-After``
(otherwise wait at least a minute). Responses are parsed here into the records below.
"""

from __future__ import annotations

import base64
import binascii
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import httpx2
from django.conf import settings

from catalog.sources.base import UpstreamError
from catalog.sources.budget import BudgetExhausted, RequestBudget
from catalog.sources.huggingface.client import parse_hub_datetime
from lib import netguard
from lib.text import may_hold_nul, without_nul

T = TypeVar("T")
SECONDARY_FALLBACK_WAIT = 60.0


class GitHubError(UpstreamError):
    code = "github_error"


class GitHubNotFound(GitHubError):
    code = "not_found"


class GitHubNotInSnapshot(GitHubError):
    """The offline stand-in did not capture this (its 404 says ``"standin": "not in the
    snapshot"``; GitHub itself never sends that key): it may exist, so it could not be checked
    (methodology v2 §1), which is not the same as deleted."""

    code = "not_in_snapshot"


class GitHubEmpty(GitHubError):
    code = "empty_repository"


class GitHubRateLimited(GitHubError):
    code = "rate_limited"
    transient = True


class GitHubUnavailable(GitHubError):
    code = "upstream_unavailable"
    transient = True


class GitHubRefused(GitHubError):
    code = "host_refused"


class GitHubMalformed(GitHubError):
    code = "malformed_response"


class GitHubBadToken(GitHubError):
    """GITHUB_TOKEN is invalid or expired (GitHub answers 401 "Bad credentials")."""

    code = "bad_token"


@dataclass(frozen=True, slots=True)
class RepoInfo:
    full_name: str  # as GitHub now names it (differs from the request after a rename)
    html_url: str
    default_branch: str
    archived: bool
    fork: bool
    private: bool
    stars: int
    topics: list[str]
    pushed_at: datetime | None
    license_spdx: str  # "" when GitHub found no license; "NOASSERTION" when it could not identify it
    license_name: str


@dataclass(frozen=True, slots=True)
class LicenseFile:
    path: str
    spdx_id: str
    name: str
    text: str = ""  # the start of the file (GitHub sends it base64-encoded)


LICENSE_TEXT_MAX = 20_000


def _decoded_content(raw: dict[str, Any]) -> str:
    """A contents-API file body (base64), decoded leniently and capped."""
    content = raw.get("content")
    if not isinstance(content, str) or raw.get("encoding", "base64") != "base64":
        return ""
    try:
        data = base64.b64decode(content, validate=False)
    except (ValueError, binascii.Error):
        return ""
    return (
        data[: LICENSE_TEXT_MAX * 2].decode("utf-8", errors="replace")[:LICENSE_TEXT_MAX].replace("\x00", "")
    )


@dataclass(frozen=True, slots=True)
class DocFile:
    """A documentation file of a repository (README, data docs), read as raw text.

    ``problem`` says why ``text`` is empty: ``oversized`` (over ``REPO_DOCS_MAX_BYTES``: not
    read at all), ``binary`` (NUL bytes or not UTF-8); "" when it was read.
    """

    path: str
    text: str
    size: int
    problem: str = ""


# GitHub's media type for a file's raw body (docs.github.com, REST "Repository contents",
# "Get repository content" and "Get a repository README": custom media types
# ``application/vnd.github.raw+json`` returns the raw file contents; the default JSON object
# carries them base64-encoded, and not at all for files over 1 MB)
RAW_MEDIA_TYPE = "application/vnd.github.raw+json"


def doc_from_bytes(path: str, body: bytes, max_bytes: int) -> DocFile:
    """Raw bytes -> a document, never raising: oversized and binary files are recorded as such."""
    if len(body) > max_bytes:
        return DocFile(path, "", len(body), "oversized")
    if b"\x00" in body[:8192]:
        return DocFile(path, "", len(body), "binary")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return DocFile(path, "", len(body), "binary")
    return DocFile(path, text.replace("\x00", ""), len(body))


@dataclass(frozen=True, slots=True)
class TreeInfo:
    sha: str
    paths: list[str]  # blob paths
    truncated: bool


@dataclass(slots=True)
class Fetched(Generic[T]):
    """A conditional GET: ``value`` is None when GitHub answered 304 (nothing changed)."""

    value: T | None
    etag: str
    moved: bool = False  # answered after a 301 (renamed or transferred repository)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def not_modified(self) -> bool:
        return self.value is None


def github_budget() -> RequestBudget:
    """GitHub's ``core`` resource (the REST routes the crawler uses)."""
    return RequestBudget(
        "github",
        settings.GITHUB_REQUEST_BUDGET,
        settings.GITHUB_REQUEST_WINDOW_SECONDS,
        settings.CRAWL_UPSTREAM_RESERVE,
    )


def _observe_ratelimit(budget: RequestBudget, response: httpx2.Response) -> None:
    """GitHub's own count on every answer (docs.github.com, "Rate limits for the REST API":
    ``x-ratelimit-remaining``, ``x-ratelimit-reset`` in UTC epoch seconds, ``x-ratelimit-resource``)."""
    headers = response.headers
    if headers.get("x-ratelimit-resource", "core") != "core":
        return
    try:
        remaining = int(headers["x-ratelimit-remaining"])
        reset_at = float(headers["x-ratelimit-reset"])
    except (KeyError, ValueError):
        return
    budget.observe(remaining=remaining, reset_in=reset_at - time.time())


_clients = threading.local()


def _client() -> httpx2.Client:
    """One keep-alive client per thread (and per configuration)."""
    key = (settings.GITHUB_API_URL, settings.GITHUB_TOKEN, settings.GITHUB_REQUEST_BUDGET)
    cached = getattr(_clients, "entry", None)
    if cached and cached[0] == key:
        return cached[1]
    budget = github_budget()
    headers = {
        "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": "2022-11-28",
        "User-Agent": settings.CRAWL_USER_AGENT,
    }
    if settings.GITHUB_TOKEN:
        headers["Authorization"] = f"Bearer {settings.GITHUB_TOKEN}"

    authorised = bool(settings.GITHUB_TOKEN)

    def charge(response: httpx2.Response) -> None:
        # a 304 is free only when the request is authorised (docs.github.com, "Best practices
        # for using the REST API": "making a conditional request does not count against your
        # primary rate limit if a 304 response is returned and the request was made while
        # correctly authorized"); an anonymous one counts
        if response.status_code != 304 or not authorised:
            budget.charge()
        _observe_ratelimit(budget, response)

    client = httpx2.Client(
        headers=headers,  # type: ignore[arg-type]  # CRAWL_USER_AGENT: env_str() is typed str | None
        timeout=httpx2.Timeout(settings.HUB_HTTP_TIMEOUT),
        follow_redirects=True,
        max_redirects=3,
        transport=netguard.pinned_transport(),  # connects only to the addresses it checked
        trust_env=False,  # no proxy from the environment: the guard must see the connection
        event_hooks={
            "request": [netguard.request_hook, lambda request: budget.check()],
            "response": [charge],
        },
    )
    _clients.entry = (key, client)
    return client


def _rate_limit_error(response: httpx2.Response) -> GitHubRateLimited | None:
    if response.status_code not in (403, 429):
        return None
    headers = response.headers
    if headers.get("x-ratelimit-remaining") == "0":
        try:
            wait = max(0.0, float(headers.get("x-ratelimit-reset", "0")) - time.time())
        except ValueError:
            wait = SECONDARY_FALLBACK_WAIT
        return GitHubRateLimited(
            f"primary rate limit spent; resets in {wait:.0f} s",
            http_status=response.status_code,
            retry_after=wait,
        )
    retry_after = headers.get("retry-after")
    body = response.text[:500].lower()
    if retry_after is not None or "secondary rate limit" in body or response.status_code == 429:
        try:
            wait = float(retry_after) if retry_after is not None else SECONDARY_FALLBACK_WAIT
        except ValueError:
            wait = SECONDARY_FALLBACK_WAIT
        return GitHubRateLimited(
            f"secondary rate limit; retry in {wait:.0f} s", http_status=response.status_code, retry_after=wait
        )
    return None


# failures before GitHub answered (or while its answer was being read)
BEFORE_ANSWER = (
    netguard.HostNotAllowed,
    BudgetExhausted,
    httpx2.TimeoutException,
    httpx2.TooManyRedirects,
    httpx2.TransportError,
)


def _transport_error(exc: Exception) -> GitHubError:
    """The client's error for a failure before GitHub answered (refused host, budget, network)."""
    if isinstance(exc, netguard.HostNotAllowed):
        return GitHubRefused(str(exc))
    if isinstance(exc, BudgetExhausted):
        return GitHubRateLimited(str(exc), retry_after=exc.retry_after)
    if isinstance(exc, httpx2.TimeoutException):
        return GitHubUnavailable(f"timed out ({type(exc).__name__})")
    if isinstance(exc, httpx2.TooManyRedirects):
        return GitHubMalformed("too many redirects")
    return GitHubUnavailable(f"connection failed ({type(exc).__name__})")


def _not_in_snapshot(response: httpx2.Response) -> bool:
    """A 404 body carrying the stand-in's marker (standin/github.py NOT_IN_SNAPSHOT)."""
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("standin") == "not in the snapshot"


def _raise_for_status(response: httpx2.Response) -> None:
    """Raise the client's error for anything but a 200 (rate limits first)."""
    limited = _rate_limit_error(response)
    if limited:
        raise limited
    if response.status_code == 401:
        raise GitHubBadToken(
            "GitHub refused GITHUB_TOKEN (invalid or expired): set a valid token or unset it",
            http_status=401,
        )
    if response.status_code == 404:
        if _not_in_snapshot(response):
            raise GitHubNotInSnapshot(
                "not in the stand-in's snapshot (it may exist on GitHub): could not be checked",
                http_status=404,
            )
        raise GitHubNotFound(
            "GitHub has no public repository by this name (deleted, private, or never existed)",
            http_status=404,
        )
    if response.status_code == 409:
        raise GitHubEmpty("the repository is empty (no commits)", http_status=409)
    if response.status_code >= 500:
        raise GitHubUnavailable(f"GitHub answered {response.status_code}", http_status=response.status_code)
    if response.status_code != 200:
        raise GitHubError(f"GitHub answered {response.status_code}", http_status=response.status_code)


class GitHubClient:
    def __init__(self, *, base_url: str | None = None) -> None:
        self.base_url = (base_url or settings.GITHUB_API_URL).rstrip("/")  # type: ignore[union-attr]

    def _get(
        self,
        path: str,
        etag: str | None,
        params: dict[str, str] | None = None,
        *,
        raw_limit: int | None = None,
    ) -> Fetched[Any]:
        """A conditional GET. With ``raw_limit`` the raw media type is asked for and the body is
        returned as bytes, read no further than ``raw_limit + 1`` bytes (a larger file is never
        held in memory whole)."""
        headers = {"If-None-Match": etag} if etag else {}
        if raw_limit is not None:
            headers["Accept"] = RAW_MEDIA_TYPE
            return self._get_raw(path, headers, params, raw_limit)
        try:
            response = _client().get(f"{self.base_url}{path}", headers=headers, params=params)
        except BEFORE_ANSWER as exc:
            raise _transport_error(exc) from exc
        moved = any(r.status_code in (301, 302, 307, 308) for r in response.history)
        if response.status_code == 304:
            return Fetched(None, etag or "", moved)
        _raise_for_status(response)
        try:
            payload = response.json()
        except ValueError as exc:
            raise GitHubMalformed("GitHub sent a body that is not JSON") from exc
        if may_hold_nul(response.content):
            payload = without_nul(payload)
        return Fetched(payload, response.headers.get("ETag", ""), moved)

    def _get_raw(
        self, path: str, headers: dict[str, str], params: dict[str, str] | None, limit: int
    ) -> Fetched[bytes]:
        try:
            url = f"{self.base_url}{path}"
            with _client().stream("GET", url, headers=headers, params=params) as response:
                moved = any(r.status_code in (301, 302, 307, 308) for r in response.history)
                if response.status_code == 304:
                    return Fetched(None, headers.get("If-None-Match", ""), moved)
                if response.status_code != 200:
                    response.read()  # error bodies are small; the status decides
                    _raise_for_status(response)
                body = bytearray()
                for chunk in response.iter_bytes():
                    body.extend(chunk)
                    if len(body) > limit:
                        break  # enough to know it is oversized; the rest is never read
                return Fetched(bytes(body[: limit + 1]), response.headers.get("ETag", ""), moved)
        except BEFORE_ANSWER as exc:
            raise _transport_error(exc) from exc

    def readme(self, full_name: str, *, etag: str | None = None, max_bytes: int) -> Fetched[DocFile]:
        """The repository's README (``GET /repos/{owner}/{repo}/readme``, raw media type); a
        repository without one raises ``GitHubNotFound``."""
        fetched = self._get(f"/repos/{full_name}/readme", etag, raw_limit=max_bytes)
        if fetched.value is not None:
            fetched.value = doc_from_bytes("README", fetched.value, max_bytes)
        return fetched

    def document(
        self, full_name: str, path: str, *, ref: str = "", etag: str | None = None, max_bytes: int
    ) -> Fetched[DocFile]:
        """One file of the repository (``GET /repos/{owner}/{repo}/contents/{path}``, raw)."""
        params = {"ref": ref} if ref else None
        fetched = self._get(
            f"/repos/{full_name}/contents/{quote(path, safe='/')}", etag, params, raw_limit=max_bytes
        )
        if fetched.value is not None:
            fetched.value = doc_from_bytes(path, fetched.value, max_bytes)
        return fetched

    def repository(self, full_name: str, *, etag: str | None = None) -> Fetched[RepoInfo]:
        fetched = self._get(f"/repos/{full_name}", etag)
        if fetched.value is not None:
            fetched.value = parse_repo(fetched.value)
        return fetched

    def license(self, full_name: str, *, etag: str | None = None) -> Fetched[LicenseFile]:
        fetched = self._get(f"/repos/{full_name}/license", etag)
        if fetched.value is not None:
            raw = fetched.value if isinstance(fetched.value, dict) else {}
            info: Any = raw.get("license") if isinstance(raw.get("license"), dict) else {}
            fetched.value = LicenseFile(
                path=str(raw.get("path") or ""),
                spdx_id=str(info.get("spdx_id") or ""),
                name=str(info.get("name") or ""),
                text=_decoded_content(raw),
            )
        return fetched

    def tree(self, full_name: str, ref: str, *, etag: str | None = None) -> Fetched[TreeInfo]:
        """The recursive tree of a branch, tag or tree sha (``GET /repos/{owner}/{repo}/git/trees/
        {branch_or_sha}?recursive=1``); an unknown ref raises ``GitHubNotFound``."""
        fetched = self._get(f"/repos/{full_name}/git/trees/{quote(ref, safe='')}", etag, {"recursive": "1"})
        if fetched.value is not None:
            raw = fetched.value if isinstance(fetched.value, dict) else {}
            entries: Any = raw.get("tree") if isinstance(raw.get("tree"), list) else []
            paths = [
                e["path"]
                for e in entries
                if isinstance(e, dict) and e.get("type") == "blob" and isinstance(e.get("path"), str)
            ]
            fetched.value = TreeInfo(
                sha=str(raw.get("sha") or ""), paths=paths, truncated=bool(raw.get("truncated"))
            )
        return fetched


def parse_repo(raw: Any) -> RepoInfo:
    if not isinstance(raw, dict) or not isinstance(raw.get("full_name"), str):
        raise GitHubMalformed("repository object without full_name")
    license_info: Any = raw.get("license") if isinstance(raw.get("license"), dict) else {}
    topics: Any = raw.get("topics") if isinstance(raw.get("topics"), list) else []
    problems: list[str] = []
    stars = raw.get("stargazers_count")
    return RepoInfo(
        full_name=raw["full_name"],
        html_url=str(raw.get("html_url") or f"https://github.com/{raw['full_name']}"),
        default_branch=str(raw.get("default_branch") or "main"),
        archived=raw.get("archived") is True,
        fork=raw.get("fork") is True,
        private=raw.get("private") is True,
        stars=stars if isinstance(stars, int) and stars >= 0 else 0,
        topics=[t for t in topics if isinstance(t, str)][:50],
        pushed_at=parse_hub_datetime(raw.get("pushed_at"), problems, "pushed_at"),
        license_spdx=str(license_info.get("spdx_id") or ""),
        license_name=str(license_info.get("name") or ""),
    )
