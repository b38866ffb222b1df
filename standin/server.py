"""The stand-in hub's HTTP server: the Hugging Face and GitHub routes the crawler uses.

It answers on a real loopback socket (HTTP/1.1 with keep-alive), so the real
``huggingface_hub`` client and our GitHub client talk to it exactly as to the real
services. Faults (429 storms with ``RateLimit`` headers, 5xx, slow answers, pages cut
off mid-body, invalid JSON) are injected per route through ``server.faults`` in-process or
``POST /_standin/faults`` from another process.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import socket
import threading
import time
from collections import Counter, deque
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from standin.github import GitHubRoutes
from standin.hub import NOT_IN_SNAPSHOT, Hub, ListQuery
from standin.ratelimits import Clock, GitHubRateLimits, HubRateLimits

MAX_PAGE = 1000
LIST_DEFAULT_FIELDS = (
    "_id",
    "id",
    "likes",
    "trendingScore",
    "private",
    "downloads",
    "tags",
    "pipeline_tag",
    "library_name",
    "createdAt",
)
LIST_FULL_FIELDS = (*LIST_DEFAULT_FIELDS, "author", "sha", "lastModified", "gated", "disabled", "siblings")
DETAIL_ONLY_FIELDS = ("baseModels", "childrenModelCount", "usedStorage")


@dataclass
class FaultRule:
    """Make matching requests misbehave.

    mode: ``status`` (answer ``status`` with an error body), ``rate_limit`` (429 with
    ``RateLimit`` / ``Retry-After`` headers), ``truncate`` (send half the body, then close),
    ``invalid_json`` (a body that is not JSON), ``slow`` (sleep ``delay`` then answer
    normally), ``reset`` (close the connection without answering).
    """

    path: str  # regular expression searched in the request path (with query)
    mode: str = "status"
    status: int = 500
    times: int | None = None  # how many matching requests to affect; None = all
    every: int = 1  # affect every n-th matching request
    delay: float = 0.0
    retry_after: int = 1
    ratelimit_remaining: int = 0
    error_code: str | None = None
    github: bool = False  # answer in GitHub's style (x-ratelimit-* headers) instead of the Hub's
    seen: int = field(default=0, repr=False)
    applied: int = field(default=0, repr=False)

    def claims(self, path: str) -> bool:
        if not re.search(self.path, path):
            return False
        self.seen += 1
        if self.times is not None and self.applied >= self.times:
            return False
        if (self.seen - 1) % self.every:
            return False
        self.applied += 1
        return True


class Faults:
    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()

    def add(self, rule: FaultRule | None = None, **kwargs: Any) -> FaultRule:
        rule = rule or FaultRule(**kwargs)
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def match(self, path: str) -> FaultRule | None:
        with self._lock:
            for rule in self._rules:
                if rule.claims(path):
                    return rule
        return None

    def describe(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(rule) for rule in self._rules]


def encode_cursor(position: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"p": position}).encode()).decode()


def decode_cursor(cursor: str) -> int:
    try:
        return int(json.loads(base64.urlsafe_b64decode(cursor.encode()))["p"])
    except (ValueError, KeyError, TypeError):
        raise ValueError("invalid cursor") from None


def iso_now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())


class StandinHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # headers and body go out in separate writes: with Nagle on, each keep-alive answer waits ~40 ms
    # for the client's delayed ACK
    disable_nagle_algorithm = True
    server: StandinHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    # --- plumbing -----------------------------------------------------------------
    def _send(
        self,
        status: int,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        content_type: str = "application/json",
    ) -> None:
        self.send_response(status)
        merged = {"Content-Type": content_type, "Content-Length": str(len(body))}
        merged.update(getattr(self, "rate_headers", None) or {})
        merged.update(headers or {})
        for key, value in merged.items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)
        self.server.stats[f"status:{status}"] += 1

    def _json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(payload, separators=(",", ":")).encode(), headers)

    def _hub_error(self, status: int, code: str | None, message: str) -> None:
        headers = {"X-Error-Message": message}
        if code:
            headers["X-Error-Code"] = code
        self._json(status, {"error": message}, headers)

    def _base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{self.headers.get('Host') or f'{host}:{port}'}"

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    # --- dispatch -------------------------------------------------------------------
    def do_GET(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        self.rate_headers: dict[str, str] = {}  # a keep-alive handler serves many requests
        split = urlsplit(self.path)
        path = unquote(split.path)
        query = parse_qs(split.query, keep_blank_values=True)
        self.server.stats["requests"] += 1
        self.server.recent.append(f"{self.command} {self.path}")
        if path.startswith("/_standin/"):
            self._control(path, query)
            return
        if path.startswith("/_cdn/"):
            self._cdn(path.removeprefix("/_cdn/"))
            return
        rule = self.server.faults.match(self.path)
        if rule is not None and self._apply_fault(rule):
            return
        if not path.startswith(self.server.github_prefix + "/") and not self._spend_hub_quota(path):
            return
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self._route(path, query)

    def _spend_hub_quota(self, path: str) -> bool:
        """Count the request in its Hub bucket; every answer carries the caller's ``RateLimit``
        headers; over quota (when enforced) the answer is a 429 with ``r=0`` and the real reset.
        Buckets (hub-docs rate-limits.md): file downloads (``/resolve/``) are "resolvers", the
        ``/api/`` routes "api", the rest "pages"."""
        bucket = "resolvers" if "/resolve/" in path else "api" if path.startswith("/api/") else "pages"
        token = (self.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
        caller = f"token:{token}" if token else f"ip:{self.client_address[0]}"
        allowed, self.rate_headers = self.server.hub_limits.spend(caller, bool(token), bucket)
        if allowed:
            return True
        self.server.stats["rate_limited"] += 1
        reset_in = self.rate_headers["RateLimit"].rsplit("t=", 1)[-1]
        self._hub_error(429, None, f"You have been rate-limited; retry after {reset_in} seconds")
        return False

    def _apply_fault(self, rule: FaultRule) -> bool:
        """Act out a fault; return True when the request has been answered (or dropped)."""
        self.server.stats["faults"] += 1
        if rule.mode == "slow":
            time.sleep(rule.delay)
            return False
        if rule.mode == "reset":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return True
        if rule.mode == "rate_limit":
            if rule.github:
                reset = int(time.time()) + rule.retry_after
                headers = {
                    "x-ratelimit-limit": "5000",
                    "x-ratelimit-remaining": str(rule.ratelimit_remaining),
                    "x-ratelimit-used": "5000",
                    "x-ratelimit-reset": str(reset),
                    "x-ratelimit-resource": "core",
                }
                if rule.ratelimit_remaining:  # a secondary limit says so and sets retry-after
                    headers["retry-after"] = str(rule.retry_after)
                message = (
                    "You have exceeded a secondary rate limit"
                    if rule.ratelimit_remaining
                    else "API rate limit exceeded"
                )
                self._json(
                    rule.status if rule.status in (403, 429) else 403,
                    {"message": message, "documentation_url": "https://docs.github.com/rest"},
                    headers,
                )
                return True
            headers = {
                "RateLimit": f'"api";r={rule.ratelimit_remaining};t={rule.retry_after}',
                "RateLimit-Policy": '"fixed window";"api";q=500;w=300',
                "Retry-After": str(rule.retry_after),
                "X-Error-Message": "You have been rate-limited",
            }
            self._json(429, {"error": "rate limited"}, headers)
            return True
        if rule.mode == "truncate":
            self._route(urlsplit(self.path).path, parse_qs(urlsplit(self.path).query), truncate=True)
            return True
        if rule.mode == "invalid_json":
            self._send(200, b'[{"id": "cut-off/in-the-mid', {})
            return True
        code_header = {"X-Error-Code": rule.error_code} if rule.error_code else {}
        self._json(rule.status, {"error": f"injected {rule.status}"}, code_header)
        return True

    # --- control ----------------------------------------------------------------------
    def _control(self, path: str, query: dict[str, list[str]]) -> None:
        if path == "/_standin/faults" and self.command == "POST":
            try:
                rule = self.server.faults.add(**json.loads(self._read_body() or b"{}"))
            except (TypeError, ValueError) as exc:  # unknown fields, missing path, not JSON
                self._json(400, {"error": f"not a fault rule: {exc}"})
                return
            self._json(201, asdict(rule))
        elif path == "/_standin/faults" and self.command == "DELETE":
            self.server.faults.clear()
            self._json(200, {"cleared": True})
        elif path == "/_standin/faults":
            self._json(200, self.server.faults.describe())
        elif path == "/_standin/stats" and self.command == "DELETE":
            self.server.stats.clear()
            self._json(200, {"cleared": True})
        elif path == "/_standin/stats":
            self._json(200, dict(self.server.stats))
        elif path == "/_standin/touch" and self.command == "POST":
            payload = json.loads(self._read_body() or b"{}")
            touched = self.server.hub.touch(payload.get("ids", []), payload.get("when") or iso_now())
            self._json(200, {"touched": touched})
        else:
            self._json(404, {"error": "unknown control route"})

    # --- routes -----------------------------------------------------------------------
    def _route(self, path: str, query: dict[str, list[str]], truncate: bool = False) -> None:
        github_prefix = self.server.github_prefix
        if path.startswith(github_prefix + "/"):
            self.server.stats["github"] += 1
            self.server.github.handle(self, path[len(github_prefix) :], query)
            return
        if path == "/api/whoami-v2":
            self._whoami()
            return
        if path == "/api/models":
            self.server.stats["list"] += 1
            self._list_models(query, truncate)
            return
        match = re.fullmatch(r"/api/(models|datasets)/(.+?)(?:/revision/([^/]+))?", path)
        if match:
            kind, repo_id, revision = match.groups()
            self.server.stats["model" if kind == "models" else "dataset"] += 1
            self._repo_info(kind, repo_id, revision, query, truncate)
            return
        if path == "/api/datasets":
            self.server.stats["list_datasets"] += 1
            self._list_datasets(query)
            return
        match = re.fullmatch(r"/api/collections/([^/]+/[^/]+)", path)
        if match:
            self.server.stats["collection"] += 1
            self._collection(match.group(1))
            return
        match = re.fullmatch(r"/(datasets/)?(.+?)/resolve/([^/]+)/(.+)", path)
        if match and match.group(1) is None:
            self.server.stats["resolve"] += 1
            self._resolve(match.group(2), match.group(3), match.group(4))
            return
        self._hub_error(404, None, "Sorry, we can't find the page you are looking for.")

    def _list_datasets(self, query: dict[str, list[str]]) -> None:
        """GET /api/datasets?author=&search=&limit= (huggingface_hub ``list_datasets``): the
        first ``limit`` matches, each with ``_id`` and ``id`` (no pagination needed at our sizes)."""
        try:
            limit = min(int((query.get("limit") or [MAX_PAGE])[0]), MAX_PAGE)
        except ValueError as exc:
            self._hub_error(400, None, str(exc))
            return
        records = self.server.hub.list_datasets(
            (query.get("author") or [None])[0], (query.get("search") or [None])[0]
        )
        self._json(200, [{"_id": r.get("_id", r["id"]), "id": r["id"]} for r in records[:limit]])

    def _collection(self, slug: str) -> None:
        """GET /api/collections/{slug}, what huggingface_hub's ``get_collection`` reads (hf_api.py:
        ``Collection(**r.json())`` with ``items`` of ``{"id", "type", ...}``). A private collection
        answers 404 to anyone but its owner, like a private repository; one the snapshot does not
        hold answers the stand-in's own NotInSnapshot 404."""
        record = self.server.hub.collection(slug)
        if record is None:
            self._hub_error(404, "NotInSnapshot", f"collection {slug} is not in the snapshot")
            return
        if record.get("private"):
            self._hub_error(404, None, "Collection not found")
            return
        self._json(200, record)

    def _whoami(self) -> None:
        """What huggingface_hub's ``HfApi.whoami`` reads: 200 with the account for a token in
        ``server.tokens``, 401 for any other (or none)."""
        token = (self.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
        if token and token in self.server.tokens:
            self._json(200, {"type": "user", "name": self.server.tokens[token]})
        else:
            self._hub_error(401, None, "Invalid credentials in Authorization header")

    def _readable_namespaces(self) -> tuple[str, ...]:
        """A valid token reads its account's private repos (and its organisations')."""
        token = (self.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
        account = self.server.tokens.get(token) if token else None
        return (account, *self.server.token_orgs.get(token, ())) if account else ()

    def _list_models(self, query: dict[str, list[str]], truncate: bool) -> None:
        gated_value = (query.get("gated") or [None])[0]
        list_query = ListQuery(
            search=(query.get("search") or [None])[0],
            author=(query.get("author") or [None])[0],
            filters=tuple(query.get("filter", [])),
            pipeline_tag=(query.get("pipeline_tag") or [None])[0],
            gated=None if gated_value is None else gated_value.lower() == "true",
            sort=(query.get("sort") or [None])[0],
            private_namespaces=self._readable_namespaces(),
        )
        try:
            limit = min(int((query.get("limit") or [MAX_PAGE])[0]), MAX_PAGE)
            start = decode_cursor(query["cursor"][0]) if "cursor" in query else 0
        except ValueError as exc:
            self._hub_error(400, None, str(exc))
            return
        if limit <= 0:
            self._hub_error(400, None, "limit must be positive")
            return
        expand = query.get("expand", []) + query.get("expand[]", [])
        refused = [name for name in expand if name in DETAIL_ONLY_FIELDS]
        if refused:
            self._hub_error(400, None, f"expand: {', '.join(refused)} is only available on a single model")
            return
        page: list[dict[str, Any]] = []
        next_position = None
        for position, record in self.server.hub.list_models(list_query, start):
            if len(page) == limit:
                next_position = position
                break
            page.append(self._list_item(record, expand, query))
        headers = {}
        if next_position is not None:
            params = [(k, v) for k, values in query.items() if k != "cursor" for v in values]
            params.append(("cursor", encode_cursor(next_position)))
            headers["Link"] = f'<{self._base_url()}/api/models?{urlencode(params)}>; rel="next"'
        body = json.dumps(page, separators=(",", ":")).encode()
        if truncate:
            self._send_truncated(body, headers)
            return
        self._send(200, body, headers)

    def _send_truncated(self, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body[: len(body) // 2])
        self.wfile.flush()
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)

    @staticmethod
    def _list_item(record: dict[str, Any], expand: list[str], query: dict[str, list[str]]) -> dict[str, Any]:
        if expand:
            keys = ("_id", "id", *expand)
        else:
            full = (query.get("full") or ["false"])[0].lower() == "true"
            keys = LIST_FULL_FIELDS if full else LIST_DEFAULT_FIELDS
            if (query.get("cardData") or ["false"])[0].lower() == "true":
                keys = (*keys, "cardData")
        item = {key: record[key] for key in keys if key in record}
        if not expand:  # with expand the Hub sends only _id, id and the listed properties
            item.setdefault("modelId", record["id"])
        return item

    def _repo_info(
        self, kind: str, repo_id: str, revision: str | None, query: dict[str, list[str]], truncate: bool
    ) -> None:
        record = self.server.hub.model(repo_id) if kind == "models" else self.server.hub.dataset(repo_id)
        moved_to = self.server.hub.redirect(kind, repo_id) if record is None else None
        if moved_to:
            suffix = f"/revision/{revision}" if revision else ""
            query_string = urlsplit(self.path).query
            location = f"{self._base_url()}/api/{kind}/{moved_to}{suffix}" + (
                f"?{query_string}" if query_string else ""
            )
            self._json(307, {"error": "moved"}, {"Location": location})
            return
        readable = record is not None and record["id"].split("/", 1)[0] in self._readable_namespaces()
        if record is None or (record.get("private") and not readable):
            # the Hub answers 401 for repos that are private or do not exist; a token that can
            # read the private repo gets it, with "private": true
            status = 401 if record is not None else 404
            self._hub_error(status, "RepoNotFound", "Repository not found")
            return
        if record.get("disabled"):
            self._hub_error(403, None, "Access to this resource is disabled.")
            return
        if revision is not None and revision not in ("main", record.get("sha")):
            self._hub_error(404, "RevisionNotFound", f"Invalid rev id: {revision}")
            return
        expand = query.get("expand", []) + query.get("expand[]", [])
        payload = {k: v for k, v in record.items() if not k.startswith("_standin")}
        if expand:
            payload = {key: payload[key] for key in ("_id", "id", *expand) if key in payload}
        payload.setdefault("id", record["id"])
        if kind == "models" and not expand:
            payload.setdefault("modelId", record["id"])
        body = json.dumps(payload, separators=(",", ":")).encode()
        if truncate:
            self._send_truncated(body, {})
            return
        self._send(200, body)

    def _resolve(self, repo_id: str, revision: str, filename: str) -> None:
        hub = self.server.hub
        record = hub.model(repo_id)
        moved_to = hub.redirect("models", repo_id) if record is None else None
        if moved_to:
            self._json(
                307,
                {"error": "moved"},
                {"Location": f"{self._base_url()}/{moved_to}/resolve/{revision}/{filename}"},
            )
            return
        if record is None or record.get("private"):
            self._hub_error(404 if record is None else 401, "RepoNotFound", "Repository not found")
            return
        if revision not in ("main", record.get("sha")):
            self._hub_error(404, "RevisionNotFound", f"Invalid rev id: {revision}")
            return
        file = hub.model_file(repo_id, filename)
        if file is NOT_IN_SNAPSHOT:
            self._hub_error(
                404, "NotInSnapshot", f"{filename} of {repo_id} exists upstream but is not in the snapshot"
            )
            return
        if file is None:
            self._hub_error(404, "EntryNotFound", f"{filename} does not exist on {revision}")
            return
        if file.gated:
            self._hub_error(
                401,
                "GatedRepo",
                f"Access to model {repo_id} is restricted. You must have access to it and be authenticated.",
            )
            return
        etag = f'"{record["sha"][:12]}-{len(file.content)}"'
        headers = {"X-Repo-Commit": record["sha"], "ETag": etag, "Accept-Ranges": "bytes"}
        if record.get("_standin_files_via_cdn"):
            # a file stored in LFS / Xet: the Hub answers the resolve with a 302 to its CDN
            # (another host: cdn-lfs.hf.co, cas-bridge.xethub.hf.co), commit headers on the
            # first hop (huggingface_hub's file_download reads X-Repo-Commit / X-Linked-Etag
            # there and does not follow redirects to the CDN for metadata). Here the CDN is
            # this server under the name "localhost", another host to the client.
            port = self.server.server_address[1]
            location = f"http://localhost:{port}/_cdn/{repo_id}/{record['sha']}/{filename}"
            self._send(302, b"", {**headers, "X-Linked-Etag": etag, "Location": location})
            return
        if file.partial:
            headers["X-Standin-Partial"] = "1"
        self._send(200, file.content, headers, content_type="text/plain; charset=utf-8")

    def _cdn(self, rest: str) -> None:
        """The CDN end of a redirected download: the bytes, no rate limit, no Hub headers."""
        match = re.fullmatch(r"(.+?)/([0-9a-f]{40})/(.+)", rest)
        record = self.server.hub.model(match.group(1)) if match else None
        file = self.server.hub.model_file(match.group(1), match.group(3)) if match and record else None
        if file is None or file is NOT_IN_SNAPSHOT:
            self._send(404, b"NoSuchKey", content_type="application/xml")
            return
        self._send(
            200, file.content, {"ETag": f'"{len(file.content)}"'}, content_type="text/plain; charset=utf-8"
        )


class StandinHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], hub: Hub, github_prefix: str = "/github-api") -> None:
        super().__init__(address, StandinHandler)
        self.hub = hub
        self.faults = Faults()
        self.stats: Counter[str] = Counter()
        self.recent: deque[str] = deque(maxlen=200)
        self.github_prefix = github_prefix
        self.github = GitHubRoutes(self)
        self.tokens: dict[str, str] = {}  # valid Hub tokens -> account name (whoami, private listing)
        self.token_orgs: dict[str, tuple[str, ...]] = {}  # token -> organisations it reads
        self.clock = Clock()  # the stand-in's time: real, or frozen and advanced by a test
        self.hub_limits = HubRateLimits(self.clock)
        self.github_limits = GitHubRateLimits(self.clock)


class StandinServer:
    """Runs the stand-in in a background thread: ``with StandinServer(hub) as hub_server:``."""

    def __init__(self, hub: Hub, host: str = "127.0.0.1", port: int = 0) -> None:
        self.httpd = StandinHTTPServer((host, port), hub)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def github_url(self) -> str:
        return self.url + self.httpd.github_prefix

    @property
    def faults(self) -> Faults:
        return self.httpd.faults

    @property
    def stats(self) -> Counter[str]:
        return self.httpd.stats

    @property
    def hub(self) -> Hub:
        return self.httpd.hub

    def start(self) -> StandinServer:
        # a short poll interval: stop() waits for it, and tests stop a server after every test
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="standin", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> StandinServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
