"""Crawl orchestration: discovery passes, model detail crawls, dataset checks.

Tasks and the ``crawl`` command call these; they talk to the Hub only through
``catalog.sources.huggingface.client`` and write only through ``catalog.ingest.store``.
"""

from __future__ import annotations

import logging
import re
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
    Evidence,
    LineageEdge,
    ModelDataset,
    ModelPaper,
    Organization,
    Paper,
)
from catalog.sources.huggingface import client as hub
from catalog.sources.links import CARD_RULES_VERSION, ExtractedLinks, extract_links, strip_front_matter
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
    """Newest lastModified any finished discovery ingested: incremental passes stop there.

    Passes limited by ``--limit`` count only while no unlimited pass has finished: after a
    first ``crawl --limit N`` the first incremental pass would otherwise walk the whole Hub.
    What such a first pass did not reach (older and less downloaded) comes with the weekly
    full pass."""
    finished = CrawlRun.objects.filter(
        kind__in=[choices.CrawlKind.DISCOVER_FULL, choices.CrawlKind.DISCOVER_INCREMENTAL],
        status__in=[choices.CrawlStatus.SUCCEEDED, choices.CrawlStatus.PARTIAL],
        params__author__isnull=True,
    )
    mark = finished.filter(params__limit__isnull=True).aggregate(mark=Max("high_water_mark"))["mark"]
    if mark is None:
        mark = finished.aggregate(mark=Max("high_water_mark"))["mark"]
    return mark


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
            known = set(
                AIModel.objects.filter(repo_id__in=[m.repo_id for m in page.models]).values_list(
                    "repo_id", flat=True
                )
            )
            outcome = ingest.listing_page_ingest(
                page=page, run=run, orgs=orgs, cursor_after=None if done else page.next_url
            )
            if fresh := [m for m in page.models if m.repo_id not in known and m.sha and not m.private]:
                renames_spot(new=fresh, run=run, client=client, hooks=hooks)
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
    if mode == FULL and not limit and not author:
        # the walk reached the end of the listing: what it did not see may have vanished. The
        # run is finished first: a check cut short (time limit, 429) leaves the rows it did not
        # reach for the next full pass, which checks them again
        try:
            vanished_check(run=run, client=client, hooks=hooks)
        except hub.HubError as exc:
            crawl_failure_record(
                subject_type=choices.SubjectType.CRAWL,
                subject_key=f"run {run.pk}",
                stage=choices.CrawlStage.DETAIL,
                error_code=exc.code,
                message=f"vanished check stopped (the next full pass continues it): {exc}",
                run=run,
                http_status=exc.http_status,
                final=False,
            )
        run.requests_made = hub.requests_made() - requests_before
        CrawlRun.objects.filter(pk=run.pk).update(requests_made=run.requests_made)
    return run


@dataclass
class VanishedOutcome:
    checked: int = 0
    retired: dict[str, int] = field(default_factory=dict)  # reason -> count
    renamed: list[tuple[str, str]] = field(default_factory=list)
    still_served: int = 0
    changed_ids: list[int] = field(default_factory=list)
    detail_ids: list[int] = field(default_factory=list)


def vanished_check(
    *, run: CrawlRun, client: hub.HubClient | None = None, hooks: DiscoverHooks | None = None
) -> VanishedOutcome:
    """After a complete full pass: ask the Hub about each model the pass did not list.

    Never called for a pass cut short or limited (a partial walk proves nothing about what
    it did not reach). The Hub's model info answers: 404 -> deleted; 401/403 (RepoNotFound,
    what the Hub says about a private repo) -> private; a 307 to another id (followed) ->
    renamed; 200 under the same id -> still there (the listing shifted under the cursor).
    A transient error stops the check and raises (the rest wait for the next full pass).
    """
    client = client or hub.HubClient()
    outcome = VanishedOutcome()
    unseen = (
        AIModel.objects.filter(
            source=choices.Source.HUGGINGFACE, is_placeholder=False, retired_at__isnull=True
        )
        .filter(Q(listed_at__lt=run.started_at) | Q(listed_at__isnull=True))
        .order_by("id")
    )
    hooks = hooks or DiscoverHooks()
    told = {"changed": 0, "detail": 0}

    def tell() -> None:  # as it goes: a check cut short has announced what it did
        for name, callback, ids in (
            ("changed", hooks.on_changed, outcome.changed_ids),
            ("detail", hooks.on_detail, outcome.detail_ids),
        ):
            if callback and ids[told[name] :]:
                callback(ids[told[name] :])
            told[name] = len(ids)

    try:
        for model in unseen.iterator(chunk_size=500):
            outcome.checked += 1
            _check_one(model, client, run, outcome)
            if outcome.checked % 100 == 0:
                tell()
    finally:
        tell()
    if outcome.checked:
        log.info(
            "vanished check after %s: %d checked, retired %s, %d renamed, %d still served",
            run,
            outcome.checked,
            outcome.retired or "none",
            len(outcome.renamed),
            outcome.still_served,
        )
    return outcome


def renames_spot(
    *, new: list[hub.ModelRecord], run: CrawlRun, client: hub.HubClient, hooks: DiscoverHooks
) -> VanishedOutcome:
    """A new id whose commit a stored model carries under another id may be that model,
    renamed (a rename keeps the repository's history, so its sha): ask the Hub about the
    stored id at once and fold a rename now, so the two names are not both on the board
    until the next full pass. A copy under another name (same commit, both served) is left
    alone. One model-info request per suspect; none for ordinary new models."""
    outcome = VanishedOutcome()
    suspects = (
        AIModel.objects.filter(
            source=choices.Source.HUGGINGFACE,
            sha__in=[m.sha for m in new],
            is_placeholder=False,
            retired_at__isnull=True,
        )
        .exclude(repo_id__in=[m.repo_id for m in new])
        .filter(Q(listed_at__lt=run.started_at) | Q(listed_at__isnull=True))
    )
    for model in suspects:
        outcome.checked += 1
        try:
            _check_one(model, client, run, outcome)
        except hub.HubError as exc:  # the full pass's check will ask again
            log.info("rename check of %s skipped: %s", model.repo_id, exc)
            break
    for callback, ids in ((hooks.on_changed, outcome.changed_ids), (hooks.on_detail, outcome.detail_ids)):
        if callback and ids:
            callback(ids)
    return outcome


def _check_one(model: AIModel, client: hub.HubClient, run: CrawlRun, outcome: VanishedOutcome) -> None:
    """Ask the Hub about one model the pass did not list, and act on the answer."""
    try:
        record = client.model(model.repo_id)
    except hub.HubNotFound as exc:
        reason = choices.Retirement.DELETED if exc.http_status == 404 else choices.Retirement.PRIVATE
        ingest.model_retire(model=model, reason=reason, message=f"not listed; model info: {exc}")
        outcome.retired[reason] = outcome.retired.get(reason, 0) + 1
        outcome.changed_ids.append(model.pk)
        return
    except hub.HubDisabled:
        AIModel.objects.filter(pk=model.pk).update(disabled=True, listed_at=timezone.now())
        outcome.changed_ids.append(model.pk)
        return
    except hub.HubError as exc:
        if exc.transient:
            raise
        crawl_failure_record(
            subject_type=choices.SubjectType.MODEL,
            subject_key=model.repo_id,
            stage=choices.CrawlStage.DETAIL,
            error_code=exc.code,
            message=f"vanished check: {exc}",
            run=run,
            http_status=exc.http_status,
        )
        return
    if record.private:  # a token that can read it still sees it; the public cannot
        ingest.model_retire(
            model=model, reason=choices.Retirement.PRIVATE, message="not listed; the repository is private"
        )
        outcome.retired["private"] = outcome.retired.get("private", 0) + 1
        outcome.changed_ids.append(model.pk)
    elif record.repo_id != model.repo_id:
        old = model.repo_id
        model = ingest.model_rename(model=model, new_repo_id=record.repo_id)
        ingest.model_still_served(model=model, record=record)
        outcome.renamed.append((old, record.repo_id))
        outcome.changed_ids.append(model.pk)
        outcome.detail_ids.append(model.pk)
    else:
        ingest.model_still_served(model=model, record=record)
        outcome.still_served += 1
        outcome.changed_ids.append(model.pk)


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
    if (
        not force
        and model.detail_crawled_at
        and record.sha
        and record.sha == model.detail_sha
        and card_read_with_current_rules(model)
    ):
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
        notes += collections_expand(client, links)
        links.dataset_names = [n for n in links.dataset_names if not named_after_model(n, model.repo_id)]
        notes += dataset_names_resolve(client, model.repo_id, links)
        notes += base_names_resolve(client, model.repo_id, links)
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
    license_file = license_file_read(client, model.repo_id, record)
    outcome = ingest.model_detail_ingest(
        model=model,
        record=record,
        readme=readme,
        links=links,
        readme_problem=readme_problem,
        license_file=license_file,
    )
    return ModelCrawlResult(
        choices.CrawlOutcome.CRAWLED, readme_problem, outcome.dataset_ids, outcome.repository_ids
    )


def card_read_with_current_rules(model: AIModel) -> bool:
    """Was this model's card last read with today's card-reading rules? A card never read (gated,
    unreadable) has nothing to re-read; one read with older rules is read again even when its
    commit did not change, as code trees are re-classified when the code rules change."""
    value = (
        Evidence.objects.filter(
            subject_type=choices.SubjectType.MODEL,
            subject_id=model.pk,
            fact=choices.Fact.DOCUMENTATION,
            origin=choices.EvidenceOrigin.CRAWLED,
        )
        .values_list("value", flat=True)
        .first()
    )
    if not value or not value.get("model_card"):
        return True
    return value.get("card_rules") == CARD_RULES_VERSION


# why a linked collection could not be read, by the client's error code
UNREADABLE_COLLECTION = {
    hub.HubNotInSnapshot.code: "is not in the stand-in's snapshot",
    hub.HubNotFound.code: "is private or deleted",
}


def collections_expand(client: hub.HubClient, links: ExtractedLinks) -> list[str]:
    """Add the datasets of the Hub collections a card links in its training context to the
    card's training datasets; returns notes on what could not be read (never raises for a
    permanent problem: an empty, private or deleted collection only loses its own datasets)."""
    notes: list[str] = []
    known = {d.lower() for d in links.hub_datasets}
    slugs = links.hub_collections[: settings.CRAWL_MAX_COLLECTIONS_PER_CARD]
    if len(links.hub_collections) > len(slugs):
        notes.append(
            f"collections over the cap of {settings.CRAWL_MAX_COLLECTIONS_PER_CARD}: "
            f"{len(links.hub_collections) - len(slugs)} not expanded"
        )
        links.hub_collections_unread += links.hub_collections[len(slugs) :]
    for slug in slugs:
        try:
            collection = client.collection(slug)
        except hub.HubError as exc:
            if exc.transient:
                raise
            why = UNREADABLE_COLLECTION.get(exc.code, f"unreadable ({exc.code})")
            notes.append(f"collection {slug} {why}: its datasets are unknown")
            links.hub_collections_unread.append(slug)
            continue
        if not collection.dataset_ids:
            notes.append(f"collection {slug} lists no datasets")
        for dataset_id in collection.dataset_ids[: settings.CRAWL_MAX_DATASETS_PER_COLLECTION]:
            if dataset_id.lower() not in known:
                known.add(dataset_id.lower())
                links.hub_datasets.append(dataset_id)
    return notes


def license_file_read(client: hub.HubClient, repo_id: str, record: hub.ModelRecord) -> dict | None:
    """The model repository's own LICENSE file, read when its metadata names no usable licence
    (none, ``other`` or ``unknown``): methodology v2 reads metadata, then this file, then the
    card's text. Returns {"path", "text"} ("" when it could not be read), or None."""
    declared = {d.lower() for d in record.license_declared}
    if declared and not declared & {"other", "unknown"}:
        return None
    path = hub.license_file_of(record.siblings)
    if path is None:
        return None
    try:
        file = client.readme(
            repo_id, record.sha or "main", max_bytes=settings.LICENSE_FILE_MAX_BYTES, filename=path
        )
    except hub.HubError as exc:
        if exc.transient:
            raise
        return {"path": path, "text": "", "problem": exc.code}
    return {"path": path, "text": file.text[: settings.LICENSE_FILE_MAX_BYTES]}


def dataset_name_spellings(name: str) -> set[str]:
    """How a corpus named in prose may be spelled as a Hub dataset name ("The Pile" -> pile)."""
    plain = name.strip().lower()
    spellings = {plain.replace(" ", "-"), plain.replace(" ", "_"), plain.replace(" ", "")}
    if plain.startswith("the "):
        spellings |= dataset_name_spellings(plain[4:])
    return {s for s in spellings if s}


def named_after_model(name: str, repo_id: str) -> bool:
    """'trained on the Phi-3 datasets' (Phi-3-mini-4k-instruct): data called by the model's own
    name describes its undisclosed data; it names no corpus anyone could look up."""
    first = _squash(re.split(r"\s+", name.strip())[0])
    own = _squash(repo_id.rsplit("/", 1)[-1])
    return len(first) >= 3 and any(c.isdigit() for c in first) and own.startswith(first)


def dataset_names_resolve(client: hub.HubClient, repo_id: str, links: ExtractedLinks) -> list[str]:
    """Corpora a card names in plain text become Hub datasets when exactly one dataset of the
    model's own organisation is called that (methodology v2: "resolved to a Hub dataset when the
    name matches one unambiguously"); the others stay named. One listing request per name."""
    owner = repo_id.split("/", 1)[0] if "/" in repo_id else ""
    if not owner or not links.dataset_names:
        return []
    notes: list[str] = []
    known = {d.lower() for d in links.hub_datasets}
    kept: list[str] = []
    for name in links.dataset_names[: settings.CRAWL_MAX_NAMED_DATASETS_RESOLVED]:
        spellings = dataset_name_spellings(name)
        try:
            candidates = client.dataset_ids(author=owner, search=min(spellings, key=len))
        except hub.HubError as exc:
            if exc.transient:
                raise
            notes.append(f"dataset name '{name}' not looked up ({exc.code})")
            kept.append(name)
            continue
        exact = [c for c in candidates if c.split("/", 1)[-1].lower() in spellings]
        if len(exact) == 1:
            if exact[0].lower() not in known:
                known.add(exact[0].lower())
                links.hub_datasets.append(exact[0])
        else:
            kept.append(name)
    links.dataset_names = kept + links.dataset_names[settings.CRAWL_MAX_NAMED_DATASETS_RESOLVED :]
    return notes


SIZE_TOKEN_RE = re.compile(r"(?<![a-z0-9.])(\d+(?:\.\d+)?[bmk])(?![a-z0-9])", re.IGNORECASE)


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def base_name_spellings(name: str) -> set[str]:
    """How a model named in prose may be spelled as a Hub repository name ("Llama 2" -> llama-2)."""
    plain = name.strip().lower()
    return {s for s in (plain, plain.replace(" ", "-"), plain.replace(" ", "_"), plain.replace(" ", "")) if s}


def _pick_base_names(repo_id: str, candidates: list[tuple[str, str]]) -> list[str]:
    """Of the models a family's shared card names ("BLOOMZ and mT0 are BLOOM and mT5 checkpoints"),
    the one this model descends from: paired with the subject its own name starts with, else the
    one its own name starts with, else the only one named. Several and no way to tell: none."""
    own = _squash(repo_id.rsplit("/", 1)[-1])
    paired = sorted(
        (
            (len(_squash(subject)), name)
            for name, subject in candidates
            if subject and own.startswith(_squash(subject))
        ),
        reverse=True,
    )
    if paired:
        return [paired[0][1]]
    prefixed = [name for name, _ in candidates if own.startswith(_squash(name))]
    if prefixed:
        return prefixed[:1]
    return [candidates[0][0]] if len(candidates) == 1 else []


def _resolve_base_name(client: hub.HubClient, repo_id: str, name: str) -> tuple[str | None, int]:
    """(the Hub id, how many repositories the name could mean) for a model named in prose, looked
    up among the models of this model's own organisation (methodology v2, clarification 1: one
    repository of the named organisation or family matches, else the base is unknown, never a
    guess). Exact names count, ignoring case and spaces vs hyphens; a family name without a size
    ("OPT checkpoints") is completed with the size this model's own name carries (opt-iml-max-30b
    -> opt-30b), when exactly one repository is so named."""
    owner, own_name = repo_id.split("/", 1)
    first = re.split(r"[\s_-]+", name.strip())[0]
    ids = [
        i
        for i in client.model_ids(author=owner, search=first, limit=100)
        if i.lower() != repo_id.lower() and "/" in i
    ]
    names = {i: i.split("/", 1)[1].lower() for i in ids}
    spellings = base_name_spellings(name)
    exact = [i for i, n in names.items() if n in spellings]
    if len(exact) == 1:
        return exact[0], 1
    if not exact and not SIZE_TOKEN_RE.search(name):
        sizes = {m.group(1).lower() for m in SIZE_TOKEN_RE.finditer(own_name)}
        if len(sizes) == 1:
            size = sizes.pop()
            sized = {f"{s}{sep}{size}" for s in spellings for sep in ("-", "_", "")}
            exact = [i for i, n in names.items() if n in sized]
            if len(exact) == 1:
                return exact[0], 1
    family = [i for i, n in names.items() if _squash(n).startswith(_squash(name))]
    return None, max(len(exact), len(family))


def base_names_resolve(client: hub.HubClient, repo_id: str, links: ExtractedLinks) -> list[str]:
    """Bases a card names in prose by a name, not a Hub id, become Hub ids through the Hub's
    listing of the model's own organisation (one ``GET /api/models?author=&search=`` per name,
    at most ``CRAWL_MAX_BASE_NAMES_RESOLVED`` per card). A name stated as the base ("Finetuned
    from model: X") that no single repository matches stays shown as the unknown base; a name
    read before "checkpoints fine-tuned on" is lineage only when the Hub knows it as a model:
    several matches make the base unknown with the name shown, none is no lineage."""
    if links.base_models or "/" not in repo_id:
        return []
    notes: list[str] = []
    budget = budget_cap = settings.CRAWL_MAX_BASE_NAMES_RESOLVED
    stated = links.base_names[:1]
    guessed = [] if stated else _pick_base_names(repo_id, links.base_name_candidates)
    for name, from_text_form in [(n, False) for n in stated] + [(n, True) for n in guessed]:
        if budget <= 0:
            notes.append(f"base name '{name}' not looked up (over the cap of {budget_cap})")
            continue
        budget -= 1
        try:
            resolved, matches = _resolve_base_name(client, repo_id, name)
        except hub.HubError as exc:
            if exc.transient:
                raise
            notes.append(f"base name '{name}' not looked up ({exc.code})")
            if from_text_form:
                links.base_names = [name]
            continue
        if resolved:
            links.base_models = [resolved]
            links.base_names = []
            return notes
        if from_text_form and matches:
            links.base_names = [name]  # a model, but which one cannot be told: unknown, shown
    return notes


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
