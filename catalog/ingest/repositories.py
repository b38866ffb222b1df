"""Crawl the code repositories model cards link to, and record what is really in them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from catalog import choices
from catalog.ingest.failures import repository_failure_record
from catalog.ingest.store import _evidence, evidence_upsert
from catalog.models import CodeRepository, Evidence, ModelCodeRepository
from catalog.sources.github import client as github
from catalog.sources.github.docs import (
    DOCS_VERSION,
    classification_with_entry_points,
    extract_doc,
    select_docs,
)
from catalog.sources.github.taxonomy import RULES_VERSION, CodeReport, classify_tree

REPO = choices.SubjectType.REPOSITORY
RECRAWL_CURSOR_KEY = "repos:recrawl:cursor"
# other branches read per repository (cards linking github.com/o/r/tree/<branch>): one tree
# request each, conditional on its stored ETag (rules version 5)
MAX_BRANCHES_PER_REPOSITORY = 3


def repository_crawl(*, repository: CodeRepository) -> str:
    """Fetch, conditionally, a repository, its license and its tree; classify its code.

    Returns ``unchanged`` (GitHub answered 304: nothing was written), ``crawled``, or the
    status the repository ended in (missing, empty, refused, renamed). Transient errors
    (rate limits, 5xx) raise ``GitHubError`` for the caller to retry.
    """
    client = github.GitHubClient()
    etags = dict(repository.etags or {})
    try:
        fetched = client.repository(
            repository.full_name, etag=etags.get("repo") if repository.crawled_at else None
        )
    except github.GitHubNotFound as exc:
        return _unavailable(repository, choices.RepoStatus.MISSING, exc)
    except github.GitHubRefused as exc:
        return _unavailable(repository, choices.RepoStatus.REFUSED, exc)
    except github.GitHubError as exc:
        if exc.transient:
            raise
        return _unavailable(repository, choices.RepoStatus.ERROR, exc)
    if fetched.not_modified:
        branches_changed = False
        if (
            repository.branches_pending
            and repository.status == choices.RepoStatus.AVAILABLE
            and repository.tree_paths is not None
        ):
            # only when a card linking it with a folder or ref was read since: a plain 304 stays
            # free of database work
            wanted = branches_wanted(repository, repository.default_branch)
            changes: dict[str, Any] = {"branches_pending": False}
            if set(wanted) != set(repository.branch_trees or {}):
                # unchanged on GitHub, but a card now links a branch not read yet (or no longer)
                changes["branch_trees"] = _branches_read(
                    client, repository.full_name, wanted, repository.branch_trees, etags
                )
                changes["etags"] = etags
                branches_changed = True
            CodeRepository.objects.filter(pk=repository.pk).update(**changes)
            repository.refresh_from_db()
        stale_docs = repository.status == choices.RepoStatus.AVAILABLE and not _docs_current(
            repository.docs, repository.tree_sha
        )
        if stale_docs and repository.tree_paths is not None:
            # unchanged on GitHub, but its documentation was never read (or under older rules)
            repository_docs_refresh(repository=repository, client=client)
            repository.refresh_from_db()
            repository_reclassify(repository=repository)
            return choices.CrawlOutcome.CRAWLED
        if repository.rules_version != RULES_VERSION and repository.tree_paths is not None:
            repository_reclassify(repository=repository)
            return choices.CrawlOutcome.CRAWLED
        return choices.CrawlOutcome.CRAWLED if branches_changed else choices.CrawlOutcome.UNCHANGED
    info: github.RepoInfo = fetched.value
    if info.private:  # visible only to the token in use: not public code
        return _unavailable(
            repository, choices.RepoStatus.MISSING, github.GitHubNotFound("the repository is private")
        )
    canonical_name = info.full_name.lower()
    if canonical_name != repository.full_name:
        return _renamed(repository, info, fetched.etag)

    etags["repo"] = fetched.etag
    tree_error = ""
    tree_error_code = ""
    tree = None
    try:
        tree_fetch = client.tree(repository.full_name, info.default_branch)
        tree = tree_fetch.value
        etags["tree"] = tree_fetch.etag
    except github.GitHubEmpty as exc:
        tree_error, tree_error_code = str(exc), "empty_repository"
    except github.GitHubNotFound:
        tree_error = f"default branch {info.default_branch!r} has no tree"
        tree_error_code = "tree_not_found"
    except github.GitHubError as exc:
        if exc.transient:
            raise
        return _unavailable(repository, choices.RepoStatus.ERROR, exc)
    branch_trees = None
    if tree is not None:
        branch_trees = _branches_read(
            client,
            repository.full_name,
            branches_wanted(repository, info.default_branch),
            repository.branch_trees,
            etags,
        )
    license_path = ""
    license_text = ""
    if info.license_spdx == "NOASSERTION":
        # GitHub found a licence file it cannot name: keep its text for the knowledge base
        try:
            license_fetch = client.license(repository.full_name)
            license_path = license_fetch.value.path if license_fetch.value else ""
            license_text = license_fetch.value.text if license_fetch.value else ""
        except github.GitHubNotFound:
            pass
        except github.GitHubError as exc:
            if exc.transient:
                raise
            return _unavailable(repository, choices.RepoStatus.ERROR, exc)
    docs = None
    if tree is not None:
        docs = _docs_read(
            client,
            full_name=repository.full_name,
            html_url=info.html_url,
            ref=info.default_branch,
            paths=tree.paths,
            revision=tree.sha,
            previous=repository.docs,
            etags=etags,
        )
    report = _with_entry_points(classify_tree(tree.paths if tree else [], repository.full_name), docs)
    status = (
        choices.RepoStatus.EMPTY if tree_error and "empty" in tree_error else choices.RepoStatus.AVAILABLE
    )
    now = timezone.now()
    notes = []
    if tree and tree.truncated:
        notes.append("GitHub truncated the tree (too many files): classification rests on the part returned")
    if tree_error:
        notes.append(tree_error)
    with transaction.atomic():
        CodeRepository.objects.filter(pk=repository.pk).update(
            status=status,
            html_url=info.html_url,
            default_branch=info.default_branch,
            archived=info.archived,
            fork=info.fork,
            stars=info.stars,
            topics=info.topics,
            pushed_at=info.pushed_at,
            license_spdx=info.license_spdx,
            license_name=info.license_name,
            classification=report.classification,
            evidence_paths=report.paths,
            tree_truncated=bool(tree and tree.truncated),
            tree_sha=tree.sha if tree else "",
            tree_paths=tree.paths if tree else None,
            branch_trees=branch_trees,
            branches_pending=False,
            rules_version=report.rules_version,
            license_text=license_text,
            etags=etags,
            docs=docs,
            crawled_at=now,
            crawl_error="; ".join(notes),
        )
        source = info.html_url
        evidence_upsert(
            ([_docs_evidence(repository.pk, docs, info.html_url, now)] if docs is not None else [])
            + [
                _evidence(
                    REPO,
                    repository.pk,
                    choices.Fact.REPO_LICENSE,
                    {
                        "spdx_id": info.license_spdx,
                        "name": info.license_name,
                        "license_file": license_path,
                        "license_text_kept": bool(license_text),
                    },
                    f"{source}/blob/{info.default_branch}/{license_path or 'LICENSE'}",
                    fetched.etag,
                    now,
                ),
                _evidence(
                    REPO,
                    repository.pk,
                    choices.Fact.REPO_CODE,
                    {
                        "classification": report.classification,
                        "paths": report.paths,
                        "counts": report.counts,
                        "truncated": bool(tree and tree.truncated),
                        "archived": info.archived,
                        "branches": {b: t.get("status") for b, t in (branch_trees or {}).items()},
                        "note": "; ".join(notes),
                    },
                    f"{source}/tree/{tree.sha if tree and tree.sha else info.default_branch}",
                    tree.sha if tree else "",
                    now,
                ),
            ]
        )
    if notes:
        repository_failure_record(
            repository=repository,
            error_code="tree_incomplete" if tree else tree_error_code or "tree_unavailable",
            message="; ".join(notes),
            final=True,
        )
    return choices.CrawlOutcome.CRAWLED


# --- other branches the cards link (rules version 5) ----------------------------------------
def branches_wanted(repository: CodeRepository, default_branch: str) -> list[str]:
    """The branches other than the default one that the cards linking this repository name
    (``github.com/o/r/tree/<branch>/...``: the first segment after ``tree/``), at most
    ``MAX_BRANCHES_PER_REPOSITORY``. A branch name holding a slash cannot be told from a folder
    without asking GitHub, so only its first segment is tried (a 404 is recorded as missing)."""
    names = {repository.full_name} | set(
        CodeRepository.objects.filter(canonical=repository).values_list("full_name", flat=True)
    )
    # a list, not a subquery: with a subquery PostgreSQL walks every model's documentation row
    # (43 ms a repository at 100,000 models, on every 304); with the ids the unique index serves
    linking = list(
        ModelCodeRepository.objects.filter(repository__full_name__in=names).values_list("model_id", flat=True)
    )
    if not linking:
        return []
    wanted: set[str] = set()
    for name in sorted(names):
        # only the cards that link this repository through a ref (few, even for a framework
        # linked by a great many cards): the database filters on the key
        for value in Evidence.objects.filter(
            subject_type=choices.SubjectType.MODEL,
            subject_id__in=linking,
            fact=choices.Fact.DOCUMENTATION,
            origin=choices.EvidenceOrigin.CRAWLED,
            value__repo_subfolders__has_key=name,
        ).values_list("value", flat=True):
            folders = (value or {}).get("repo_subfolders") if isinstance(value, dict) else None
            for ref in (folders or {}).get(name) or []:
                branch = ref.split("/", 1)[0]
                if branch and branch != default_branch:
                    wanted.add(branch)
    return sorted(wanted)[:MAX_BRANCHES_PER_REPOSITORY]


def _branches_read(
    client: github.GitHubClient,
    full_name: str,
    branches: list[str],
    previous: dict[str, Any] | None,
    etags: dict[str, str],
) -> dict[str, Any] | None:
    """The recursive tree of each wanted branch (``GET /repos/{o}/{r}/git/trees/{branch}``),
    conditional on the ETag of the tree read before: a 304 keeps the stored paths. A branch
    GitHub does not know (404) is recorded as missing; a transient error raises for a retry of
    the whole repository. None when no card links another branch."""
    for key in [k for k in etags if k.startswith("tree:") and k[5:] not in branches]:
        del etags[key]
    if not branches:
        return None
    found: dict[str, Any] = {}
    for branch in branches:
        key = f"tree:{branch}"
        old = (previous or {}).get(branch) or {}
        etag = etags.get(key) if old.get("status") == "read" else None
        try:
            fetched = client.tree(full_name, branch, etag=etag)
        except (github.GitHubNotFound, github.GitHubEmpty):
            etags.pop(key, None)
            found[branch] = {"status": "missing"}
            continue
        except github.GitHubError as exc:
            if exc.transient:
                raise
            etags.pop(key, None)
            found[branch] = {"status": "error", "error": f"{exc.code}: {exc}"[:300]}
            continue
        if fetched.not_modified:
            found[branch] = old
            continue
        tree: github.TreeInfo = fetched.value
        etags[key] = fetched.etag
        found[branch] = {"status": "read", "sha": tree.sha, "paths": tree.paths, "truncated": tree.truncated}
    return found


# --- README and data documentation (methodology v2, training data) ----------------------------
def _docs_current(docs: dict[str, Any] | None, revision: str) -> bool:
    if not docs or not revision:
        return False
    return docs.get("version") == DOCS_VERSION and docs.get("revision") == revision


def _readme_path(paths: list[str]) -> str:
    """The README GitHub prefers is a root file named README*; the API does not say which."""
    roots = sorted((p for p in paths if "/" not in p and p.lower().startswith("readme")), key=len)
    return roots[0] if roots else "README.md"


def _docs_read(
    client: github.GitHubClient,
    *,
    full_name: str,
    html_url: str,
    ref: str,
    paths: list[str],
    revision: str,
    previous: dict[str, Any] | None,
    etags: dict[str, str],
) -> dict[str, Any]:
    """Read the README and the data documents the tree names, conditionally; extract findings.

    A document that is missing, oversized or binary is recorded with its status and never stops
    the crawl; a transient error (rate limit, 5xx) raises for the caller to retry the whole
    repository later. Unchanged tree and rules: the stored findings stand, no request is sent.
    """
    if previous and _docs_current(previous, revision):
        return previous
    same_rules = previous is not None and previous.get("version") == DOCS_VERSION
    earlier = {f["path"]: f for f in (previous or {}).get("files", [])} if same_rules else {}
    present = set(paths)
    max_bytes = settings.REPO_DOCS_MAX_BYTES
    wanted = [(_readme_path(paths), True)] + [
        (path, False) for path in select_docs(paths, limit=settings.REPO_DOCS_MAX_FILES)
    ]
    files: list[dict[str, Any]] = []
    for path, is_readme in wanted:
        key = f"doc:{path}"
        old = earlier.get(path)
        etag = etags.get(key) if old and old.get("status") == "read" else None
        entry: dict[str, Any] = {
            "path": path,
            "url": f"{html_url}/blob/{revision or ref}/{path}",
            "readme": is_readme,
        }
        try:
            if is_readme:
                fetched = client.readme(full_name, etag=etag, max_bytes=max_bytes)
            else:
                fetched = client.document(full_name, path, ref=ref, etag=etag, max_bytes=max_bytes)
        except github.GitHubNotFound:
            etags.pop(key, None)
            files.append({**entry, "status": "missing"})
            continue
        except github.GitHubError as exc:
            if exc.transient:
                raise
            etags.pop(key, None)
            files.append({**entry, "status": "error", "error": f"{exc.code}: {exc}"[:300]})
            continue
        if fetched.not_modified and old is not None:
            findings = dict(old.get("findings") or {})
            # the same text, a new tree: an entry point must still exist
            findings["entry_points"] = [e for e in findings.get("entry_points", []) if e["path"] in present]
            files.append({**entry, "status": "read", "size": old.get("size", 0), "findings": findings})
            continue
        doc: github.DocFile = fetched.value
        if doc.problem:
            etags.pop(key, None)
            files.append({**entry, "status": doc.problem, "size": doc.size})
            continue
        etags[key] = fetched.etag
        found = extract_doc(
            doc.text,
            path=path,
            tree=paths,
            is_readme=is_readme,
            max_links=settings.REPO_DOCS_MAX_LINKS,
        )
        files.append({**entry, "status": "read", "size": doc.size, "findings": found.as_dict()})
    for key in [k for k in etags if k.startswith("doc:") and k[4:] not in {p for p, _ in wanted}]:
        del etags[key]
    return {"version": DOCS_VERSION, "revision": revision, "files": files}


def docs_datasets(docs: dict[str, Any] | None) -> list[tuple[str, str, str]]:
    """(kind, value, document path) for every dataset the documents name, first mention wins;
    kind is ``hub`` (a Hub id), ``url`` (another dataset host) or ``name`` (a corpus in text)."""
    found: list[tuple[str, str, str]] = []
    seen: set[tuple[str, str]] = set()
    for file in (docs or {}).get("files", []):
        findings = file.get("findings") or {}
        for kind, bucket in (("hub", "hub_datasets"), ("url", "dataset_urls"), ("name", "dataset_names")):
            for value in findings.get(bucket, []):
                if (kind, value.lower()) not in seen:
                    seen.add((kind, value.lower()))
                    found.append((kind, value, file["path"]))
    return found


def docs_entry_points(docs: dict[str, Any] | None) -> list[dict[str, str]]:
    points: list[dict[str, str]] = []
    for file in (docs or {}).get("files", []):
        for point in (file.get("findings") or {}).get("entry_points", []):
            if all(p["path"] != point["path"] for p in points):
                points.append({**point, "doc": file["path"]})
    return points


def _with_entry_points(report: CodeReport, docs: dict[str, Any] | None) -> CodeReport:
    """The tree's classification, with the training commands the README documents (v2)."""
    points = docs_entry_points(docs)
    if not points:
        return report
    report.classification = classification_with_entry_points(report.classification, points)
    report.paths = {**report.paths, "readme_entry_points": sorted(p["path"] for p in points)}
    report.counts = {**report.counts, "readme_entry_points": len(points)}
    return report


def _docs_evidence(repository_id: int, docs: dict[str, Any], html_url: str, now) -> dict[str, Any]:
    files = docs.get("files", [])
    readme = next((f for f in files if f.get("readme")), None)
    return _evidence(
        REPO,
        repository_id,
        choices.Fact.REPO_DOCS,
        {
            "documents": [
                {k: f[k] for k in ("path", "url", "status", "size", "error") if k in f} for f in files
            ],
            "datasets": [{"kind": k, "value": v, "doc": p} for k, v, p in docs_datasets(docs)],
            "entry_points": docs_entry_points(docs),
            "rules_version": docs.get("version"),
        },
        readme["url"] if readme else html_url,
        docs.get("revision", ""),
        now,
    )


def repository_docs_refresh(*, repository: CodeRepository, client: github.GitHubClient | None = None) -> None:
    """Read the documentation of a repository whose stored tree is current (GitHub said 304)."""
    etags = dict(repository.etags or {})
    docs = _docs_read(
        client or github.GitHubClient(),
        full_name=repository.full_name,
        html_url=repository.url,
        ref=repository.default_branch,
        paths=list(repository.tree_paths or []),
        revision=repository.tree_sha,
        previous=repository.docs,
        etags=etags,
    )
    with transaction.atomic():
        CodeRepository.objects.filter(pk=repository.pk).update(docs=docs, etags=etags)
        evidence_upsert([_docs_evidence(repository.pk, docs, repository.url, timezone.now())])


def repository_reclassify(*, repository: CodeRepository) -> bool:
    """Classify the stored tree again under the current rules (no request); True if it changed."""
    if repository.tree_paths is None:
        return False
    report = _with_entry_points(
        classify_tree(list(repository.tree_paths), repository.full_name), repository.docs
    )
    changed = (report.classification, report.paths) != (repository.classification, repository.evidence_paths)
    now = timezone.now()
    with transaction.atomic():
        CodeRepository.objects.filter(pk=repository.pk).update(
            classification=report.classification,
            evidence_paths=report.paths,
            rules_version=report.rules_version,
        )
        evidence_upsert(
            [
                _evidence(
                    REPO,
                    repository.pk,
                    choices.Fact.REPO_CODE,
                    {
                        "classification": report.classification,
                        "paths": report.paths,
                        "counts": report.counts,
                        "truncated": repository.tree_truncated,
                        "rules_version": report.rules_version,
                        "note": "re-classified from the stored tree after a rules change",
                    },
                    f"{repository.html_url}/tree/{repository.tree_sha or repository.default_branch}",
                    repository.tree_sha,
                    now,
                )
            ]
        )
    return changed


def repositories_reclassify() -> list[int]:
    """Every stored tree classified under older rules, classified again; ids of those that changed."""
    changed = []
    stale = CodeRepository.objects.exclude(rules_version=RULES_VERSION).exclude(tree_paths=None)
    for repository in stale.iterator(chunk_size=200):
        if repository_reclassify(repository=repository):
            changed.append(repository.pk)
    return changed


def _unavailable(repository: CodeRepository, status: str, exc: github.GitHubError) -> str:
    """A repository that is gone (missing: its code is none) or could not be read (refused,
    error, not in the stand-in's snapshot: its code is unknown, methodology v2 §1)."""
    now = timezone.now()
    classification = (
        choices.CodeClassification.NONE
        if status == choices.RepoStatus.MISSING
        else choices.CodeClassification.UNKNOWN
    )
    with transaction.atomic():
        CodeRepository.objects.filter(pk=repository.pk).update(
            status=status,
            crawled_at=now,
            crawl_error=f"{exc.code}: {exc}"[:2000],
            etags={},
            classification=classification,
        )
        evidence_upsert(
            [
                _evidence(
                    REPO,
                    repository.pk,
                    choices.Fact.REPO_CODE,
                    {"classification": str(classification), "status": status, "reason": str(exc)},
                    f"https://github.com/{repository.full_name}",
                    "",
                    now,
                ),
            ]
        )
    repository_failure_record(
        repository=repository, error_code=exc.code, message=str(exc), http_status=exc.http_status, final=True
    )
    return status


def _renamed(repository: CodeRepository, info: github.RepoInfo, etag: str) -> str:
    """A 301: keep the linked row, point it at the repository's current name, crawl that one."""
    canonical, _ = CodeRepository.objects.get_or_create(
        host=repository.host,
        full_name=info.full_name.lower(),
        defaults={"html_url": info.html_url},
    )
    with transaction.atomic():
        CodeRepository.objects.filter(pk=repository.pk).update(
            status=choices.RepoStatus.RENAMED,
            canonical=canonical,
            crawled_at=timezone.now(),
            crawl_error=f"moved to {info.full_name}",
            etags={"repo": etag},
        )
        for link in ModelCodeRepository.objects.filter(repository=repository):
            ModelCodeRepository.objects.get_or_create(
                model_id=link.model_id, repository=canonical, defaults={"origin": link.origin}
            )
    repository_crawl(repository=canonical)
    return choices.RepoStatus.RENAMED


def stale_repositories(*, limit: int) -> list[int]:
    """Never-crawled repositories first, then a round-robin over the rest.

    Unchanged repositories answer 304 and are not written, so their ``crawled_at`` cannot
    order them; a cursor kept in the cache walks through all of them instead, one batch per
    schedule tick, without touching the database.
    """
    fresh = list(
        CodeRepository.objects.filter(crawled_at__isnull=True, status=choices.RepoStatus.UNVERIFIED)
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )
    room = limit - len(fresh)
    if room <= 0:
        return fresh
    cursor = cache.get(RECRAWL_CURSOR_KEY, 0)
    base = CodeRepository.objects.filter(crawled_at__isnull=False).exclude(status=choices.RepoStatus.RENAMED)
    batch = list(base.filter(id__gt=cursor).order_by("id").values_list("id", flat=True)[:room])
    if len(batch) < room:
        batch += list(
            base.filter(id__lte=cursor).order_by("id").values_list("id", flat=True)[: room - len(batch)]
        )
    if batch:
        cache.set(RECRAWL_CURSOR_KEY, batch[-1], timeout=None)
    return fresh + [pk for pk in batch if pk not in fresh]
