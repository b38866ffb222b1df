"""Crawl the code repositories model cards link to, and record what is really in them."""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from catalog import choices
from catalog.ingest.failures import repository_failure_record
from catalog.ingest.store import _evidence, evidence_upsert
from catalog.models import CodeRepository, ModelCodeRepository
from catalog.sources.github import client as github
from catalog.sources.github.taxonomy import RULES_VERSION, classify_tree

REPO = choices.SubjectType.REPOSITORY
RECRAWL_CURSOR_KEY = "repos:recrawl:cursor"


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
        if repository.rules_version != RULES_VERSION and repository.tree_paths is not None:
            repository_reclassify(repository=repository)
            return choices.CrawlOutcome.CRAWLED
        return choices.CrawlOutcome.UNCHANGED
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
    report = classify_tree(tree.paths if tree else [])
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
            rules_version=report.rules_version,
            license_text=license_text,
            etags=etags,
            crawled_at=now,
            crawl_error="; ".join(notes),
        )
        source = info.html_url
        evidence_upsert(
            [
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


def repository_reclassify(*, repository: CodeRepository) -> bool:
    """Classify the stored tree again under the current rules (no request); True if it changed."""
    if repository.tree_paths is None:
        return False
    report = classify_tree(list(repository.tree_paths))
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
    now = timezone.now()
    with transaction.atomic():
        CodeRepository.objects.filter(pk=repository.pk).update(
            status=status,
            crawled_at=now,
            crawl_error=f"{exc.code}: {exc}"[:2000],
            etags={},
            classification=choices.CodeClassification.UNKNOWN
            if status != choices.RepoStatus.MISSING
            else choices.CodeClassification.NONE,
        )
        evidence_upsert(
            [
                _evidence(
                    REPO,
                    repository.pk,
                    choices.Fact.REPO_CODE,
                    {"classification": "none", "status": status, "reason": str(exc)},
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
