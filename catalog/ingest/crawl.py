"""Crawl orchestration: discovery passes, model detail crawls, dataset checks.

Tasks and the ``crawl`` command call these; they talk to the Hub only through
``catalog.sources.huggingface.client`` and write only through ``catalog.ingest.store``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from catalog import choices
from catalog.ingest import store as ingest
from catalog.ingest.failures import crawl_failure_record, model_failure_record
from catalog.models import (
    AIModel,
    CrawlRun,
    Dataset,
    LineageEdge,
    ModelDataset,
    ModelPaper,
    Organization,
    Paper,
)
from catalog.sources.huggingface import client as hub
from catalog.sources.links import extract_links, strip_front_matter
from lib import bulk

log = logging.getLogger(__name__)
FULL = "full"
INCREMENTAL = "incremental"
# what a listing page looks rows up in (the first grows with the pass; its growth paces ANALYZE)
DISCOVERY_TABLES = [AIModel, LineageEdge, ModelDataset, ModelPaper, Dataset, Paper, Organization]


RunTakenOver = ingest.RunTakenOver  # raised by the heartbeat below and by the page's own commit


@dataclass
class DiscoverHooks:
    """What to do with ids the discovery produced (tasks enqueue; tests and benches may not)."""

    on_page: Callable[[CrawlRun, ingest.PageOutcome], None] | None = None
    on_changed: Callable[[list[int]], None] | None = None
    on_detail: Callable[[list[int]], None] | None = None
    on_datasets: Callable[[list[int]], None] | None = None


@dataclass
class ModelCrawlResult:
    status: choices.CrawlOutcome
    message: str = ""
    dataset_ids: list[int] = field(default_factory=list)
    repository_ids: list[int] = field(default_factory=list)


def _kind(mode: str) -> str:
    return choices.CrawlKind.DISCOVER_FULL if mode == FULL else choices.CrawlKind.DISCOVER_INCREMENTAL


def high_water_mark() -> datetime | None:
    """Newest lastModified any finished discovery ingested: incremental passes stop there."""
    finished = CrawlRun.objects.filter(
        kind__in=[choices.CrawlKind.DISCOVER_FULL, choices.CrawlKind.DISCOVER_INCREMENTAL],
        status__in=[choices.CrawlStatus.SUCCEEDED, choices.CrawlStatus.PARTIAL],
        params__author__isnull=True,
        params__limit__isnull=True,
    )
    return finished.aggregate(mark=Max("high_water_mark"))["mark"]


def discover_claim(*, mode: str, params: dict, resume_only: bool = False) -> CrawlRun | None:
    """Start a discovery run, or take over an unfinished one with the same parameters.

    Returns None while another live worker runs a discovery of this kind (its heartbeat is
    fresh): periodic passes are singletons. ``resume_only`` (the sweeper's re-enqueued pass)
    takes over an unfinished run or does nothing: it never starts a new pass.
    """
    kind = _kind(mode)
    now = timezone.now()
    with transaction.atomic():
        unfinished = (
            CrawlRun.objects.select_for_update()
            .filter(kind=kind, status__in=[choices.CrawlStatus.RUNNING, choices.CrawlStatus.INTERRUPTED])
            .order_by("-started_at")
        )
        for run in unfinished:
            stale_after = timedelta(seconds=settings.DISCOVER_HEARTBEAT_STALE_SECONDS)
            alive = run.status == choices.CrawlStatus.RUNNING and now - run.heartbeat_at < stale_after
            if alive:
                return None
            if run.params == params and (run.cursor_url or resume_only):
                run.status = choices.CrawlStatus.RUNNING
                run.heartbeat_at = now
                run.error = ""
                run.save(update_fields=["status", "heartbeat_at", "error"])
                log.info("resuming %s from its cursor (page %d)", run, run.pages + 1)
                return run
            if resume_only:
                return None
            run.status = choices.CrawlStatus.FAILED
            run.finished_at = now
            run.error = run.error or "abandoned: superseded by a new pass"
            run.save(update_fields=["status", "finished_at", "error"])
        if resume_only:
            return None
        return CrawlRun.objects.create(kind=kind, params=params, heartbeat_at=now)


def _still_owner(run: CrawlRun) -> None:
    """Refresh the heartbeat; raise if another worker took the run over."""
    owned = CrawlRun.objects.filter(
        pk=run.pk, status=choices.CrawlStatus.RUNNING, heartbeat_at=run.heartbeat_at
    )
    now = timezone.now()
    if not owned.update(heartbeat_at=now):
        raise RunTakenOver(f"{run} was taken over by another worker")
    run.heartbeat_at = now


def discover(
    *,
    mode: str = FULL,
    limit: int | None = None,
    author: str | None = None,
    since: datetime | None = None,
    hooks: DiscoverHooks | None = None,
    resume_only: bool = False,
) -> CrawlRun | None:
    """One discovery pass. Full: every model by downloads. Incremental: newest lastModified
    first, down to the high-water mark (or ``since``). Resumes an interrupted pass."""
    hooks = hooks or DiscoverHooks()
    params: dict = {}
    if limit:
        params["limit"] = limit
    if author:
        params["author"] = author
    if mode == INCREMENTAL:
        mark = since or high_water_mark()
        params["since"] = mark.isoformat() if mark else None
    run = discover_claim(mode=mode, params=params, resume_only=resume_only)
    if run is None:
        log.info("a %s discovery is already running; not starting another", mode)
        return None
    stop_at = datetime.fromisoformat(params["since"]) if params.get("since") else None
    client = hub.HubClient()
    requests_before = hub.requests_made()
    page_size = min(limit, settings.HUB_LIST_PAGE_SIZE) if limit else None
    start_url = run.cursor_url or client.first_page_url(
        sort="downloads" if mode == FULL else "lastModified", author=author, page_size=page_size
    )
    orgs = ingest.OrganizationCache()
    statistics = bulk.AnalyzeAsTablesGrow(DISCOVERY_TABLES)
    # a run taken over after its last page (pages counted, no cursor) only needs finishing
    pages = client.iter_pages(start_url) if run.cursor_url or not run.pages else iter(())
    try:
        for page in pages:
            reached_mark = False
            if stop_at is not None:
                fresh = [m for m in page.models if m.last_modified is None or m.last_modified > stop_at]
                reached_mark = len(fresh) < len(page.models)
                page.models = fresh
            if limit is not None:
                room = limit - run.seen_count
                if len(page.models) > room:
                    page.models = page.models[:room]
            done = reached_mark or (limit is not None and run.seen_count + len(page.models) >= limit)
            _still_owner(run)
            outcome = ingest.listing_page_ingest(
                page=page, run=run, orgs=orgs, cursor_after=None if done else page.next_url
            )
            run.requests_made = hub.requests_made() - requests_before
            CrawlRun.objects.filter(pk=run.pk).update(requests_made=run.requests_made)
            statistics.added(outcome.new)
            for callback, ids in (
                (hooks.on_changed, outcome.changed_ids),
                (hooks.on_detail, outcome.detail_ids),
                (hooks.on_datasets, outcome.dataset_ids),
            ):
                if callback and ids:
                    callback(ids)
            if hooks.on_page:
                hooks.on_page(run, outcome)
            if done:
                break
    except RunTakenOver:
        log.warning("stopping: %s was taken over", run)
        return run
    except hub.HubError as exc:
        run.status = choices.CrawlStatus.INTERRUPTED if exc.transient else choices.CrawlStatus.FAILED
        run.error = f"{exc.code}: {exc}"
        run.requests_made = hub.requests_made() - requests_before
        run.save(update_fields=["status", "error", "requests_made"])
        crawl_failure_record(
            subject_type=choices.SubjectType.CRAWL,
            subject_key=f"run {run.pk}",
            stage=choices.CrawlStage.LIST,
            error_code=exc.code,
            message=str(exc),
            run=run,
            http_status=exc.http_status,
            final=not exc.transient,
        )
        raise
    run.refresh_from_db()
    run.status = choices.CrawlStatus.PARTIAL if run.failed_count else choices.CrawlStatus.SUCCEEDED
    run.finished_at = timezone.now()
    run.cursor_url = ""
    run.requests_made = hub.requests_made() - requests_before
    run.save(update_fields=["status", "finished_at", "cursor_url", "requests_made"])
    return run


def discover_interrupt(*, run: CrawlRun, reason: str) -> None:
    """A pass cut short (time limit, shutdown): keep the cursor so the next one resumes."""
    CrawlRun.objects.filter(pk=run.pk, status=choices.CrawlStatus.RUNNING).update(
        status=choices.CrawlStatus.INTERRUPTED, error=reason[:2000]
    )


# --- one model ---------------------------------------------------------------------------------
def model_get_or_placeholder(repo_id: str) -> AIModel:
    model, _ = AIModel.objects.get_or_create(
        source=choices.Source.HUGGINGFACE,
        repo_id=repo_id,
        defaults={"name": repo_id.rsplit("/", 1)[-1], "is_placeholder": True},
    )
    return model


def lineage_follow_rename(*, old: AIModel, new: AIModel) -> None:
    """Derivatives that name a base by its old id now point at the id the Hub serves (v2, section 4)."""
    if old.pk == new.pk:
        return
    with transaction.atomic():
        already = set(LineageEdge.objects.filter(parent=new).values_list("child_id", flat=True))
        LineageEdge.objects.filter(parent=old, child_id__in=already).delete()
        LineageEdge.objects.filter(parent=old).exclude(child=new).update(parent=new)
        LineageEdge.objects.filter(parent=old, child=new).delete()


def unlisted_bases(*, child_id: int | None = None, limit: int = 1000) -> list[int]:
    """Bases named by other models (or by this child) that no listing has shown and nobody has
    looked up: the Hub may serve them under a new name (a rename), or not at all."""
    query = AIModel.objects.filter(
        is_placeholder=True,
        detail_crawled_at__isnull=True,
        missing_since__isnull=True,
        derivative_edges__isnull=False,
    )
    if child_id is not None:
        query = query.filter(derivative_edges__child_id=child_id)
    return list(query.values_list("id", flat=True).distinct()[:limit])


def model_crawl(*, model: AIModel, force: bool = False, run: CrawlRun | None = None) -> ModelCrawlResult:
    """Detail crawl of one model: files, parameters, README links; records, never raises for
    permanent problems. Transient ones (rate limits, 5xx, timeouts) raise ``HubError`` for
    the caller to retry."""
    client = hub.HubClient()
    try:
        record = client.model(model.repo_id)
    except hub.HubNotFound as exc:
        ingest.model_mark_missing(model=model, message=f"detail: not_found: {exc}")
        crawl_failure_record(
            subject_type=choices.SubjectType.MODEL,
            subject_key=model.repo_id,
            stage=choices.CrawlStage.DETAIL,
            error_code=exc.code,
            message=str(exc),
            run=run,
            http_status=exc.http_status,
        )
        return ModelCrawlResult(choices.CrawlOutcome.MISSING, str(exc))
    except hub.HubDisabled as exc:
        AIModel.objects.filter(pk=model.pk).update(
            disabled=True, crawl_error=f"detail: disabled: {exc}", crawl_error_at=timezone.now()
        )
        return ModelCrawlResult(choices.CrawlOutcome.DISABLED, str(exc))
    except hub.HubError as exc:
        if exc.transient:
            raise
        model_failure_record(
            model=model,
            stage=choices.CrawlStage.DETAIL,
            error_code=exc.code,
            message=str(exc),
            run=run,
            http_status=exc.http_status,
        )
        return ModelCrawlResult(choices.CrawlOutcome.FAILED, str(exc))

    if record.repo_id != model.repo_id:
        ingest.model_mark_missing(model=model, message=f"renamed: the Hub now serves it as {record.repo_id}")
        target = model_get_or_placeholder(record.repo_id)
        lineage_follow_rename(old=model, new=target)
        result = model_crawl(model=target, force=force, run=run)
        result.status = choices.CrawlOutcome.RENAMED
        return result
    if not force and model.detail_crawled_at and record.sha and record.sha == model.detail_sha:
        return ModelCrawlResult(choices.CrawlOutcome.UNCHANGED)

    readme = None
    readme_problem = ""
    try:
        readme = client.readme(model.repo_id, record.sha or "main")
    except hub.HubGated:
        readme_problem = "README gated (401/403): card links unavailable; metadata from the API only"
    except hub.HubNotFound:
        readme_problem = "no README in the repository"
    except hub.HubRevisionNotFound:
        readme_problem = "the revision vanished while crawling; README skipped"
    except hub.HubError as exc:
        if exc.transient:
            raise
        readme_problem = f"README unreadable: {exc}"
    links = None
    if readme is not None:
        links = extract_links(strip_front_matter(readme.text), max_links=settings.CRAWL_MAX_LINKS_PER_CARD)
        notes = []
        if readme.truncated:
            notes.append(
                f"README larger than {settings.README_MAX_BYTES} bytes: only the start was read"
                if len(readme.text.encode()) >= settings.README_MAX_BYTES - 4
                else "only part of the README could be read"
            )
        if readme.decoding_errors:
            notes.append("README is not valid UTF-8: undecodable bytes were replaced")
        if links.dropped:
            notes.append(
                f"card links over the cap of {settings.CRAWL_MAX_LINKS_PER_CARD}: {links.dropped} ignored"
            )
        readme_problem = "; ".join(notes)
    if readme_problem:
        crawl_failure_record(
            subject_type=choices.SubjectType.MODEL,
            subject_key=model.repo_id,
            stage=choices.CrawlStage.README,
            error_code=_readme_code(readme, readme_problem),
            message=readme_problem,
            run=run,
        )
    outcome = ingest.model_detail_ingest(
        model=model, record=record, readme=readme, links=links, readme_problem=readme_problem
    )
    return ModelCrawlResult(
        choices.CrawlOutcome.CRAWLED, readme_problem, outcome.dataset_ids, outcome.repository_ids
    )


def _readme_code(readme: hub.Readme | None, problem: str) -> str:
    if readme is None:
        return "readme_unavailable"
    if readme.truncated:
        return "readme_too_large"
    if readme.decoding_errors:
        return "readme_not_utf8"
    return "card_links_capped"


# --- datasets ----------------------------------------------------------------------------------
def dataset_crawl(*, dataset: Dataset) -> str:
    """Verify a named dataset through the Hub's dataset API; unresolvable names are recorded."""
    if dataset.source != "huggingface":
        return dataset.status
    if "/" not in dataset.repo_id and not dataset.repo_id.replace("-", "").replace("_", "").isalnum():
        ingest.dataset_mark_unresolved(
            dataset=dataset, status=choices.DatasetStatus.MISSING, reason="not a Hub dataset id"
        )
        return choices.DatasetStatus.MISSING
    if dataset.repo_id.count("/") > 1:
        ingest.dataset_mark_unresolved(
            dataset=dataset,
            status=choices.DatasetStatus.MISSING,
            reason="names a subset path inside a repository (owner/name/subset), not a dataset id",
        )
        return choices.DatasetStatus.MISSING
    try:
        record = hub.HubClient().dataset(dataset.repo_id)
    except hub.HubNotFound as exc:
        ingest.dataset_mark_unresolved(
            dataset=dataset,
            status=choices.DatasetStatus.MISSING,
            reason=f"the Hub has no public dataset by this name ({exc.http_status})",
        )
        return choices.DatasetStatus.MISSING
    except hub.HubGated as exc:
        ingest.dataset_mark_unresolved(dataset=dataset, status=choices.DatasetStatus.GATED, reason=str(exc))
        return choices.DatasetStatus.GATED
    except hub.HubDisabled as exc:
        ingest.dataset_mark_unresolved(
            dataset=dataset, status=choices.DatasetStatus.MISSING, reason=f"disabled on the Hub: {exc}"
        )
        return choices.DatasetStatus.MISSING
    except hub.HubError as exc:
        if exc.transient:
            raise
        ingest.dataset_mark_unresolved(dataset=dataset, status=choices.DatasetStatus.ERROR, reason=str(exc))
        return choices.DatasetStatus.ERROR
    if record.repo_id != dataset.repo_id:
        record.problems.append(f"the Hub serves this name as {record.repo_id}")
    ingest.dataset_ingest(dataset=dataset, record=record)
    return Dataset.objects.values_list("status", flat=True).get(pk=dataset.pk)


def stale_datasets(*, limit: int, older_than: timedelta) -> list[int]:
    cutoff = timezone.now() - older_than
    query = Dataset.objects.filter(source="huggingface").filter(
        Q(crawled_at__isnull=True) | Q(crawled_at__lt=cutoff)
    )
    return list(query.order_by("crawled_at", "id").values_list("id", flat=True)[:limit])
