"""What the stand-in hub knows: model, dataset and GitHub repository records.

Two providers share one interface. ``SnapshotHub`` serves the bundled snapshot (or any
directory / in-memory records in the same shape, which is how tests build odd cases);
``SyntheticHub`` generates N models on the fly, so a 100,000-model hub costs no disk and
little memory. Records are plain dicts in the Hub's JSON shapes; the server decides which
fields each route returns.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import yaml

SNAPSHOT_DIR = Path(__file__).resolve().parent / "snapshot"
DEFAULT_DATE = "2026-11-01T00:00:00.000Z"

# Sort keys the Hub accepts on /api/models, mapped to the record field they read.
SORT_FIELDS = {
    "downloads": "downloads",
    "likes": "likes",
    "lastModified": "lastModified",
    "last_modified": "lastModified",
    "createdAt": "createdAt",
    "created_at": "createdAt",
    "trendingScore": "trendingScore",
    "trending_score": "trendingScore",
}


@dataclass(frozen=True)
class ListQuery:
    search: str | None = None
    author: str | None = None
    filters: tuple[str, ...] = ()
    pipeline_tag: str | None = None
    gated: bool | None = None
    sort: str | None = None
    # namespaces whose private repos the caller's token may read: the Hub lists those too, as
    # the huggingface_hub maintainer's example Space does (huggingface.co/spaces/Wauplin/
    # gradio-oauth-private-models: list_models(author=..., token=...) then keeps
    # ``model.private``); anonymously, none
    private_namespaces: tuple[str, ...] = ()


LICENCE_FILE_RE = re.compile(r"^(LICEN[CS]E|COPYING|NOTICE|USE_POLICY)([._-][\w.-]*)?$", re.IGNORECASE)


def _is_licence_file(path: str) -> bool:
    return "/" not in path and bool(LICENCE_FILE_RE.match(path))


@dataclass
class FileBody:
    """A file served from /resolve/: bytes, plus whether the repo gates it."""

    content: bytes
    gated: bool = False
    partial: bool = False  # the snapshot's copy of this file is incomplete (X-Standin-Partial)


# what the real Hub holds but the snapshot did not capture (a card nobody could retrieve)
NOT_IN_SNAPSHOT = FileBody(b"", gated=False)


class Hub(Protocol):
    def list_models(self, query: ListQuery, start: int) -> Iterator[tuple[int, dict[str, Any]]]: ...
    def model(self, repo_id: str) -> dict[str, Any] | None: ...
    def model_file(self, repo_id: str, path: str) -> FileBody | None: ...
    def dataset(self, repo_id: str) -> dict[str, Any] | None: ...
    def collection(self, slug: str) -> dict[str, Any] | None: ...
    def list_datasets(self, author: str | None, search: str | None) -> list[dict[str, Any]]: ...
    def redirect(self, kind: str, repo_id: str) -> str | None: ...
    def github_repo(self, full_name: str) -> dict[str, Any] | None: ...
    def github_gone(self, full_name: str) -> bool: ...
    def touch(self, repo_ids: list[str], when: str) -> int: ...


def dataset_matches(repo_id: str, author: str | None, search: str | None) -> bool:
    """The Hub's dataset listing filters: ``author`` is the namespace, ``search`` a
    case-insensitive substring of the id (huggingface_hub ``list_datasets(author=, search=)``)."""
    if author and repo_id.split("/", 1)[0].lower() != author.lower():
        return False
    return not search or search.lower() in repo_id.lower()


def revision_of(record: dict[str, Any]) -> str:
    """A stable 40-hex revision for records that carry no ``sha`` of their own."""
    payload = json.dumps(record, sort_keys=True, default=str).encode()
    return hashlib.sha1(payload, usedforsecurity=False).hexdigest()


def card_front_matter(card_data: dict[str, Any] | None) -> str:
    if not card_data:
        return ""
    return "---\n" + yaml.safe_dump(card_data, sort_keys=False, allow_unicode=True) + "---\n"


def matches(record: dict[str, Any], query: ListQuery) -> bool:
    repo_id = record["id"]
    if query.author and repo_id.split("/", 1)[0] != query.author:
        return False
    if query.search and query.search.lower() not in repo_id.lower():
        return False
    if query.pipeline_tag and record.get("pipeline_tag") != query.pipeline_tag:
        return False
    if query.gated is not None and bool(record.get("gated")) != query.gated:
        return False
    tags = record.get("tags") or []
    return all(wanted in tags for wanted in query.filters)


def _sort_value(record: dict[str, Any], sort_field: str) -> Any:
    value = record.get(sort_field)
    if value is None:
        return "" if sort_field in ("lastModified", "createdAt") else 0
    return value


@dataclass
class SnapshotHub:
    """Records held in memory; loaded from a snapshot directory or given directly."""

    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    readmes: dict[str, bytes] = field(default_factory=dict)
    datasets: dict[str, dict[str, Any]] = field(default_factory=dict)
    repos: dict[str, dict[str, Any]] = field(default_factory=dict)
    # repo ids whose README is served exactly as given (no generated front matter)
    raw_readmes: set[str] = field(default_factory=set)
    # renamed repositories and legacy one-part dataset names -> where the Hub redirects them
    model_redirects: dict[str, str] = field(default_factory=dict)
    dataset_redirects: dict[str, str] = field(default_factory=dict)
    # the snapshot's own notes per repo id ("_snapshot" in the files): never served
    notes: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Hub collections by slug ("owner/title-<24 hex id>"), as GET /api/collections/{slug} answers
    collections: dict[str, dict[str, Any]] = field(default_factory=dict)
    # contents of other files the snapshot captured, by (repo id, path): licence files
    files: dict[tuple[str, str], bytes] = field(default_factory=dict)
    # GitHub repositories known to be gone (deleted or private), lower-cased: GitHub's plain 404.
    # Any other name without a record is one the snapshot did not capture (FORMAT.md)
    gone_repos: set[str] = field(default_factory=set)

    @classmethod
    def load(cls, directory: Path = SNAPSHOT_DIR) -> SnapshotHub:
        hub = cls()
        for path in sorted((directory / "models").glob("*/*.json")):
            record = json.loads(path.read_text(encoding="utf-8"))
            hub.add_model(record)
            readme = path.with_suffix(".README.md")
            if readme.exists():
                hub.readmes[record["id"]] = readme.read_bytes()
            # other captured files of the repository (licence files), by their path in it
            captured = path.with_suffix(".files")
            if captured.is_dir():
                for file in sorted(f for f in captured.rglob("*") if f.is_file()):
                    hub.add_file(record["id"], file.relative_to(captured).as_posix(), file.read_bytes())
        for path in sorted((directory / "datasets").glob("*/*.json")):
            hub.add_dataset(json.loads(path.read_text(encoding="utf-8")), from_snapshot=True)
        for kind, target in (("models", hub.model_redirects), ("datasets", hub.dataset_redirects)):
            redirects = directory / kind / "_redirects.json"
            if redirects.exists():
                target.update(json.loads(redirects.read_text(encoding="utf-8")))
        for path in sorted((directory / "collections").glob("*/*.json")):
            hub.add_collection(json.loads(path.read_text(encoding="utf-8")))
        for path in sorted((directory / "github").glob("*/*.json")):
            record = json.loads(path.read_text(encoding="utf-8"))
            hub.add_repo(record)
        gone = directory / "github" / "_gone.json"
        if gone.exists():
            names = json.loads(gone.read_text(encoding="utf-8"))
            hub.gone_repos.update(name.lower() for name in names if not name.startswith("_"))
        return hub

    def add_model(
        self, record: dict[str, Any], readme: bytes | str | None = None, *, raw: bool = False
    ) -> None:
        record = dict(record)
        if "_snapshot" in record:
            self.notes[record["id"]] = record.pop("_snapshot")
        record.setdefault("author", record["id"].split("/", 1)[0] if "/" in record["id"] else None)
        record.setdefault(
            "lastModified", DEFAULT_DATE
        )  # the snapshot's date; createdAt stays absent if unknown
        record.setdefault("private", False)
        record.setdefault("disabled", False)
        record.setdefault("gated", False)
        record.setdefault("downloads", 0)
        record.setdefault("likes", 0)
        record.setdefault("tags", [])
        record.setdefault("sha", revision_of(record))
        self.models[record["id"]] = record
        if readme is not None:
            self.readmes[record["id"]] = readme.encode() if isinstance(readme, str) else readme
            if raw:
                self.raw_readmes.add(record["id"])

    def add_dataset(self, record: dict[str, Any], *, from_snapshot: bool = False) -> None:
        record = dict(record)
        notes = record.pop("_snapshot", None) or {}
        if from_snapshot and "siblings" in record and notes.get("files") != "complete":
            # a file list the snapshot did not capture whole is not served as the repository's
            # contents (a dataset showing only its README would read as "no data files")
            record.pop("siblings")
        record.setdefault("author", record["id"].split("/", 1)[0] if "/" in record["id"] else None)
        record.setdefault("private", False)
        record.setdefault("disabled", False)
        record.setdefault("gated", False)
        record.setdefault("tags", [])
        record.setdefault("lastModified", DEFAULT_DATE)
        record.setdefault("sha", revision_of(record))
        self.datasets[record["id"]] = record

    def add_collection(self, record: dict[str, Any]) -> None:
        record = dict(record)
        record.pop("_snapshot", None)
        record.setdefault("private", False)
        record.setdefault("items", [])
        self.collections[record["slug"]] = record

    def add_repo(self, record: dict[str, Any]) -> None:
        full_name = record["repo"]["full_name"]
        self.repos[full_name.lower()] = record
        self.gone_repos.discard(full_name.lower())
        for old in record.get("renamed_from", []):
            self.repos.setdefault(old.lower(), {"moved_to": full_name})

    # --- Hub interface ---------------------------------------------------------------
    def list_models(self, query: ListQuery, start: int) -> Iterator[tuple[int, dict[str, Any]]]:
        records = [
            r
            for r in self.models.values()
            if (not r.get("private") or r["id"].split("/", 1)[0] in query.private_namespaces)
            and matches(r, query)
        ]
        sort_field = SORT_FIELDS.get(query.sort or "", "downloads")
        records.sort(key=lambda r: r["id"])
        records.sort(key=lambda r: _sort_value(r, sort_field), reverse=True)
        for position in range(start, len(records)):
            yield position, records[position]

    def model(self, repo_id: str) -> dict[str, Any] | None:
        return self.models.get(repo_id)

    def model_file(self, repo_id: str, path: str) -> FileBody | None:
        record = self.models.get(repo_id)
        if record is None:
            return None
        # The Hub serves a gated repository's README and licence files to anyone; only the other
        # files need the gate accepted (transformers PR #26257: "a server-side change that now
        # makes the README files readable even on gated repo"; hub-docs PR #1274: "license files
        # are still publicly accessible"). Research notes: standin/snapshot/SOURCES.md.
        gated = bool(record.get("gated")) and path != "README.md" and not _is_licence_file(path)
        if path == "README.md":
            if self.notes.get(repo_id, {}).get("card") == "unretrieved":
                return NOT_IN_SNAPSHOT
            body = self.readmes.get(repo_id)
            if repo_id in self.raw_readmes and body is not None:
                return FileBody(body, gated)
            if body is None and not record.get("cardData"):
                return None
            partial = self.notes.get(repo_id, {}).get("card") == "partial"
            return FileBody(
                card_front_matter(record.get("cardData")).encode() + (body or b""), gated, partial
            )
        names = {s.get("rfilename") for s in record.get("siblings") or []}
        if path in names:
            if (repo_id, path) in self.files:
                return FileBody(self.files[(repo_id, path)], gated)
            if _is_licence_file(path) and repo_id in self.notes:
                # a snapshot model lists it upstream but its text was never captured: unreadable,
                # not empty (records built by tests, without snapshot notes, serve an empty body)
                return NOT_IN_SNAPSHOT
            return FileBody(b"", gated)
        return None

    def add_file(self, repo_id: str, path: str, body: bytes) -> None:
        self.files[(repo_id, path)] = body

    def dataset(self, repo_id: str) -> dict[str, Any] | None:
        return self.datasets.get(repo_id)

    def collection(self, slug: str) -> dict[str, Any] | None:
        return self.collections.get(slug)

    def list_datasets(self, author: str | None, search: str | None) -> list[dict[str, Any]]:
        return [
            r
            for r in sorted(self.datasets.values(), key=lambda r: r["id"])
            if not r.get("private") and dataset_matches(r["id"], author, search)
        ]

    def redirect(self, kind: str, repo_id: str) -> str | None:
        return (self.model_redirects if kind == "models" else self.dataset_redirects).get(repo_id)

    def github_repo(self, full_name: str) -> dict[str, Any] | None:
        return self.repos.get(full_name.lower())

    def github_gone(self, full_name: str) -> bool:
        """Known to be gone from GitHub (plain 404), as opposed to never captured."""
        return full_name.lower() in self.gone_repos

    def touch(self, repo_ids: list[str], when: str) -> int:
        touched = 0
        for repo_id in repo_ids:
            record = self.models.get(repo_id)
            if record is None:
                continue
            record["lastModified"] = when
            record["sha"] = revision_of({**record, "sha": None, "touched": when})
            touched += 1
        return touched

    def model_ids(self) -> list[str]:
        return sorted(self.models)

    # --- how the Hub changes under a crawler (churn) ------------------------------------
    def rename_model(self, old: str, new: str) -> None:
        """A repo moved to a new name: the old id answers with a redirect to the new one, as
        the Hub does (huggingface_hub's ``_request_wrapper(follow_relative_redirects=True)``
        in file_download.py exists "to follow a redirection to a renamed repository without
        following redirection to a CDN"; the API answers the old id with a 307)."""
        record = self.models.pop(old)
        record["id"] = new
        record["author"] = new.split("/", 1)[0] if "/" in new else None
        if "modelId" in record:
            record["modelId"] = new
        self.models[new] = record
        if old in self.readmes:
            self.readmes[new] = self.readmes.pop(old)
        for source, target in list(self.model_redirects.items()):
            if target == old:
                self.model_redirects[source] = new
        self.model_redirects[old] = new
        self.model_redirects.pop(new, None)

    def delete_model(self, repo_id: str) -> None:
        """Deleted: the id answers 404 (RepoNotFound) and leaves the listing."""
        self.models.pop(repo_id, None)
        self.readmes.pop(repo_id, None)

    def delete_dataset(self, repo_id: str) -> None:
        """A dataset deleted from the Hub: dataset info answers 404 (RepoNotFound)."""
        self.datasets.pop(repo_id, None)

    def delete_repo(self, full_name: str) -> None:
        """A GitHub repository deleted (or made private, which GitHub answers the same way for
        anyone else: 404 "Not Found", docs.github.com REST "Get a repository")."""
        self.repos.pop(full_name.lower(), None)
        self.gone_repos.add(full_name.lower())

    def make_private(self, repo_id: str, private: bool = True) -> None:
        """Privatised: off the anonymous listing; model info answers 401 RepoNotFound."""
        self.models[repo_id]["private"] = private
