"""GitHub REST routes of the stand-in: repository, license and recursive git tree.

Every answer carries the ``x-ratelimit-*`` headers of its caller (``standin.ratelimits``) and
an ``ETag``; a matching ``If-None-Match`` gets a bodiless 304 that, as on GitHub, uses up no
quota when the request is authorised (an anonymous one counts).
Renamed repositories answer 301 to ``/repositories/<id>``; a repository known to be gone
(``github/_gone.json``, or deleted by a test) answers GitHub's plain 404, and one the snapshot
never captured the same 404 with ``"standin": "not in the snapshot"`` (the crawler reads it as
unread, never as deleted); an empty repository answers 409
on its tree; a record may mark its tree as truncated. A record's ``tree`` is its default
branch; ``branches`` may hold the trees of other branches (``/git/trees/<branch>``); any other
ref answers 404, as GitHub does for a ref it does not know.

Documentation files come from the record's ``docs`` object (path -> body; our own short
summaries in the bundled snapshot). ``/repos/{o}/{r}/readme`` and
``/repos/{o}/{r}/contents/{path}`` answer as GitHub does (docs.github.com, REST "Repository
contents": "Get a repository README", "Get repository content", and "Custom media types for
repository contents"): 404 when the file is absent; the raw body for the ``raw`` media types
(``application/vnd.github.raw``, ``application/vnd.github.raw+json``); otherwise the content
object with the body base64-encoded, which for a file over 1 MB carries an empty ``content``
and ``encoding: "none"`` (GitHub changelog 2022-05-03: larger files need the raw media type).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

if TYPE_CHECKING:
    from standin.server import StandinHandler, StandinHTTPServer

NOT_FOUND = {"message": "Not Found", "documentation_url": "https://docs.github.com/rest", "status": "404"}
# GitHub's 404 plus what only the stand-in says: the snapshot did not capture this (a repository,
# a document, a branch's tree). The real GitHub never sends the "standin" key
NOT_IN_SNAPSHOT = {**NOT_FOUND, "standin": "not in the snapshot"}


def repo_number(full_name: str) -> int:
    return int(hashlib.sha1(full_name.lower().encode(), usedforsecurity=False).hexdigest()[:8], 16)


# the defining line of common licence texts, so a licence GitHub cannot name stays identifiable
IDENTIFYING_LINES = {
    "Apache-2.0": "Apache License\nVersion 2.0, January 2004\n",
    "MIT": "MIT License\n\nPermission is hereby granted, free of charge, to any person obtaining a copy\n",
    "BSD-3-Clause": "Redistribution and use in source and binary forms ... Neither the name of the copyright "
    "holder nor the names of its contributors\n",
    "GPL-3.0-only": "GNU GENERAL PUBLIC LICENSE\nVersion 3, 29 June 2007\n",
}


def _identifying_text(record: dict[str, Any]) -> str:
    identified = str(record.get("license_text_identified_as") or "")
    spdx = identified.split(" ", 1)[0]  # "BSD-3-Clause (NVIDIA Megatron-LM licence text)"
    line = IDENTIFYING_LINES.get(spdx) or (f"{identified}\n" if identified else "")
    return line or str((record["repo"].get("license") or {}).get("name") or "")


def caller_of(handler: StandinHandler) -> tuple[str, bool]:
    """Who GitHub counts a request against: the token, or the IP without one."""
    token = (handler.headers.get("Authorization") or "").split(" ", 1)[-1].strip()
    if token:
        return f"token:{token}", True
    return f"ip:{handler.client_address[0]}", False


class GitHubRoutes:
    def __init__(self, server: StandinHTTPServer) -> None:
        self.server = server

    @property
    def limits(self):
        return self.server.github_limits

    @property
    def remaining(self) -> int:
        """What is left of the anonymous loopback caller's hour (for tests)."""
        return self.limits.remaining("ip:127.0.0.1", False)

    def _answer(
        self, handler: StandinHandler, status: int, payload: Any, extra: dict[str, str] | None = None
    ) -> None:
        body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
        etag = f'W/"{hashlib.sha1(body, usedforsecurity=False).hexdigest()}"'
        caller, authorised = caller_of(handler)
        not_modified = status == 200 and handler.headers.get("If-None-Match") == etag
        # an authorised 304 is free; an anonymous one counts (docs.github.com, "Best practices
        # for using the REST API", conditional requests)
        allowed, rate = self.limits.spend(caller, authorised, free=not_modified and authorised)
        if not allowed:
            self.server.stats["github_limited"] += 1
            handler._send(
                403,
                json.dumps(
                    {
                        "message": f"API rate limit exceeded for {caller}.",
                        "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
                    }
                ).encode(),
                rate,
            )
            return
        if not_modified:
            self.server.stats["github_304"] += 1
            handler._send(304, b"", {"ETag": etag, **rate})
            return
        headers = {"ETag": etag, **rate, **(extra or {})}
        handler._send(status, body, headers)

    def _record(self, full_name: str) -> dict[str, Any] | None:
        return self.server.hub.github_repo(full_name)

    def _gone(self, full_name: str) -> bool:
        return self.server.hub.github_gone(full_name)

    def _by_number(self, number: int) -> dict[str, Any] | None:
        repos = getattr(self.server.hub, "repos", {})
        for record in repos.values():
            if "repo" in record and repo_number(record["repo"]["full_name"]) == number:
                return record
        return None

    def _repo_payload(self, record: dict[str, Any]) -> dict[str, Any]:
        repo = dict(record["repo"])
        repo.setdefault("id", repo_number(repo["full_name"]))
        repo.setdefault("private", False)
        repo.setdefault("html_url", f"https://github.com/{repo['full_name']}")
        return repo

    def handle(self, handler: StandinHandler, path: str, query: dict[str, list[str]]) -> None:
        match = re.fullmatch(r"/repositories/(\d+)(/license|/git/trees/[^/]+|/readme|/contents/.+)?", path)
        if match:  # where a renamed repository's routes redirect, sub-resources included
            record = self._by_number(int(match.group(1)))
            sub = match.group(2)
        else:
            match = re.fullmatch(
                r"/repos/([^/]+)/([^/]+)(/license|/git/trees/[^/]+|/readme|/contents/.+)?", path
            )
            if not match:
                self._answer(handler, 404, NOT_FOUND)
                return
            owner, name, sub = match.groups()
            record = self._record(f"{owner}/{name}")
            if record is None and not self._gone(f"{owner}/{name}"):
                # a repository the snapshot never captured: GitHub's 404 with the stand-in's
                # marker, so that it reads as unread, not as deleted (methodology v2 §1)
                self._answer(handler, 404, NOT_IN_SNAPSHOT)
                return
        if record is None:  # gone from GitHub (deleted or private): its plain 404
            self._answer(handler, 404, NOT_FOUND)
            return
        if "moved_to" in record:
            target = self._record(record["moved_to"])
            number = repo_number(target["repo"]["full_name"]) if target else 0
            base = handler._base_url() + self.server.github_prefix
            location = f"{base}/repositories/{number}{sub or ''}"
            self._answer(
                handler, 301, {"message": "Moved Permanently", "url": location}, {"Location": location}
            )
            return
        if sub is None:
            self._answer(handler, 200, self._repo_payload(record))
        elif sub == "/license":
            license_info = record["repo"].get("license")
            if not license_info:
                self._answer(handler, 404, NOT_FOUND)
                return
            # GitHub's contents API sends the file itself, base64-encoded. The snapshot keeps no
            # licence texts, only what identifies them ("license_file_text": title lines, or the
            # researcher's identification when GitHub cannot name the licence)
            text = record.get("license_file_text") or _identifying_text(record)
            self._answer(
                handler,
                200,
                {
                    "name": "LICENSE",
                    "path": "LICENSE",
                    "type": "file",
                    "encoding": "base64",
                    "content": base64.b64encode(text.encode()).decode(),
                    "license": license_info,
                },
            )
        elif sub == "/readme":
            docs = record.get("docs") or {}
            name = next((p for p in docs if "/" not in p and p.lower().startswith("readme")), None)
            self._document(handler, record, name)
        elif sub.startswith("/contents/"):
            self._document(handler, record, sub.removeprefix("/contents/"))
        else:
            self._tree(handler, record, unquote(sub.removeprefix("/git/trees/")))

    def _document(self, handler: StandinHandler, record: dict[str, Any], path: str | None) -> None:
        body = (record.get("docs") or {}).get(path) if path else None
        if body is None:
            # the status GitHub gives a missing file; the message says when the snapshot simply
            # did not capture the repository's documentation (its tree may list the file)
            captured = "docs" in record
            self._answer(handler, 404, NOT_FOUND if captured else NOT_IN_SNAPSHOT)
            return
        data = body.encode() if isinstance(body, str) else bytes(body)
        accept = handler.headers.get("Accept") or ""
        if "vnd.github.raw" in accept or "vnd.github.v3.raw" in accept:
            self._answer_raw(handler, data)
            return
        too_big = len(data) > 1024 * 1024
        full_name = record["repo"]["full_name"]
        branch = record["repo"].get("default_branch") or "main"
        self._answer(
            handler,
            200,
            {
                "type": "file",
                "name": path.rsplit("/", 1)[-1],
                "path": path,
                "size": len(data),
                "sha": hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest(),
                "encoding": "none" if too_big else "base64",
                "content": "" if too_big else base64.encodebytes(data).decode(),
                "html_url": f"https://github.com/{full_name}/blob/{branch}/{path}",
                "download_url": f"https://raw.githubusercontent.com/{full_name}/{branch}/{path}",
            },
        )

    def _answer_raw(self, handler: StandinHandler, data: bytes) -> None:
        """A raw file body, with the ETag, conditional 304 and rate-limit headers of every answer."""
        etag = f'W/"{hashlib.sha1(data, usedforsecurity=False).hexdigest()}"'
        caller, authorised = caller_of(handler)
        not_modified = handler.headers.get("If-None-Match") == etag
        allowed, rate = self.limits.spend(caller, authorised, free=not_modified and authorised)
        if not allowed:
            self.server.stats["github_limited"] += 1
            message = {
                "message": f"API rate limit exceeded for {caller}.",
                "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
            }
            handler._send(403, json.dumps(message).encode(), rate)
            return
        if not_modified:
            self.server.stats["github_304"] += 1
            handler._send(304, b"", {"ETag": etag, **rate})
            return
        handler._send(200, data, {"ETag": etag, **rate}, content_type="application/vnd.github.raw+json")

    def _tree(self, handler: StandinHandler, record: dict[str, Any], ref: str = "") -> None:
        if record.get("empty"):
            self._answer(
                handler,
                409,
                {"message": "Git Repository is empty.", "documentation_url": "https://docs.github.com/rest"},
            )
            return
        branch = (record.get("branches") or {}).get(ref)
        if branch is not None:  # a branch other than the default one
            record = branch
        elif ref not in ("", "HEAD", record["repo"].get("default_branch") or "main"):
            # GitHub answers 404 for a ref it does not know; the snapshot recorded no tree for
            # this one (it may exist on GitHub: the stand-in says so beside the 404)
            self._answer(handler, 404, NOT_IN_SNAPSHOT)
            return
        paths = record.get("tree", [])
        directories = sorted({"/".join(p.split("/")[:i]) for p in paths for i in range(1, p.count("/") + 1)})
        entries = [{"path": d, "mode": "040000", "type": "tree"} for d in directories]
        entries += [{"path": p, "mode": "100644", "type": "blob", "size": 1000} for p in paths]
        for entry in entries:
            entry["sha"] = hashlib.sha1(entry["path"].encode(), usedforsecurity=False).hexdigest()
        tree_sha = hashlib.sha1("\n".join(paths).encode(), usedforsecurity=False).hexdigest()
        self._answer(
            handler, 200, {"sha": tree_sha, "tree": entries, "truncated": bool(record.get("truncated"))}
        )
