"""Celery tasks: thin. Ids in, one service call, retries for transient upstream errors.

Every task is late-acknowledged and rejected on worker loss (settings), so a killed worker's
task is delivered again; the services are idempotent, so running twice is harmless. A
transient failure (429, 5xx, timeout, spent request budget, the soft time limit) is retried
with exponential backoff and full jitter, or after the ``Retry-After`` / ``RateLimit`` reset
when the upstream gave one (plus jitter, so a 429 storm does not come back as a herd); a
worker never sleeps a rate limit out. When the retries run out, the failure is written to
the database. A refused token stops a discovery pass before it starts, with one error.
"""

from __future__ import annotations

import logging
import random
from datetime import timedelta
from typing import NoReturn

from celery import shared_task
from celery.exceptions import MaxRetriesExceededError, SoftTimeLimitExceeded
from django.conf import settings
from django.db import InterfaceError, OperationalError, connections, transaction
from kombu.exceptions import OperationalError as KombuOperationalError

from catalog import choices
from catalog.ingest import crawl, pipeline
from catalog.ingest.failures import (
    crawl_failure_record,
    dataset_failure_record,
    model_failure_record,
    repository_failure_record,
)
from catalog.models import AIModel, CodeRepository, CrawlRun, Dataset
from catalog.sources.base import UpstreamError
from catalog.sources.huggingface.client import HubBadToken, HubClient, HubError

log = logging.getLogger(__name__)
RETRYING = {"bind": True, "max_retries": None, "acks_late": True, "reject_on_worker_lost": True}


class TimeLimitReached(UpstreamError):
    """The task's soft time limit cut it short: worth another attempt, not a failure."""

    code = "time_limit"
    transient = True


def _as_upstream(exc: UpstreamError | SoftTimeLimitExceeded) -> UpstreamError:
    if isinstance(exc, SoftTimeLimitExceeded):
        return TimeLimitReached("the task's soft time limit was reached")
    return exc


def retry_countdown(retries: int, retry_after: float | None) -> float:
    """Seconds before the next attempt, with full jitter: without an upstream figure, uniform
    up to an exponential ceiling; with one (``Retry-After`` / ``RateLimit`` reset), never
    before it, plus full jitter up to a ceiling that doubles with each retry (1 s, 2 s, 4 s
    ...), so tasks turned back again and again spread out instead of returning as a herd."""
    if retry_after is not None:
        spread = min(settings.CRAWL_RETRY_BACKOFF_MAX, 2**retries)
        wait = max(0.0, float(retry_after)) + 1 + random.uniform(0, spread)
        return min(wait, settings.CELERY_VISIBILITY_TIMEOUT_SAFE)
    ceiling = min(settings.CRAWL_RETRY_BACKOFF_MAX, 2 ** (retries + 1))
    return random.uniform(1, ceiling)


def _retry_or_record(task, exc: UpstreamError, record_exhausted) -> None:
    """Retry a transient error; once the retries are spent, write the failure and stop."""
    attempts = task.request.retries + 1
    if task.request.retries >= settings.CRAWL_MAX_RETRIES:
        record_exhausted(attempts, exc)
        return
    try:
        raise task.retry(
            exc=exc,
            countdown=retry_countdown(task.request.retries, exc.retry_after),
            max_retries=settings.CRAWL_MAX_RETRIES,
        )
    except MaxRetriesExceededError:
        record_exhausted(attempts, exc)


# The database connection died under the task (a restarted server, a terminated backend, a
# network cut): the transaction rolled back whole, so the task is simply retried on a new one.
DATABASE_LOST = (OperationalError, InterfaceError)


def _retry_on_a_new_connection(task, exc: Exception) -> NoReturn:
    """Close the dead connection (Django would reuse it) and retry with backoff."""
    log.warning("database connection lost (%s); retrying on a new connection", exc)
    for conn in connections.all(initialized_only=True):
        conn.close()
    raise task.retry(
        exc=exc, countdown=retry_countdown(task.request.retries, None), max_retries=settings.CRAWL_MAX_RETRIES
    )


def enqueue_after_commit(task, ids: list[int]) -> None:
    for pk in ids:
        transaction.on_commit(lambda pk=pk: _enqueue(task, pk))


def _enqueue(task, pk: int) -> None:
    """Publish; a broker that is down does not fail the caller (a discovery pass goes on): the
    database still says the work is due and the sweeper enqueues it again."""
    try:
        task.delay(pk)
    except KombuOperationalError as exc:
        log.warning("broker unavailable, %s(%s) left to the sweeper: %s", task.name, pk, exc)


class CeleryDispatch:
    """The pipeline's next steps as tasks, enqueued once the current transaction commits."""

    def __init__(self, *, details: bool = True) -> None:
        self.with_details = details

    def details(self, model_ids: list[int]) -> None:
        if self.with_details:
            enqueue_after_commit(crawl_model, model_ids)

    def datasets(self, dataset_ids: list[int]) -> None:
        if self.with_details:
            enqueue_after_commit(crawl_dataset, dataset_ids)

    def repositories(self, repository_ids: list[int]) -> None:
        enqueue_after_commit(crawl_repo, repository_ids)

    def changed(self, model_ids: list[int]) -> None:
        pipeline.announce(model_ids)


@shared_task(
    name="catalog.tasks.discover",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,
    soft_time_limit=settings.DISCOVER_SOFT_TIME_LIMIT,
    time_limit=settings.DISCOVER_SOFT_TIME_LIMIT + 60,
)
def discover(self, mode: str = crawl.INCREMENTAL, resume_only: bool = False) -> int | None:
    """One discovery pass (singleton); a pass cut short resumes from its cursor next time.
    ``resume_only``: only take over an unfinished pass (the sweeper's), never start one."""
    try:
        HubClient().check_token()
        run = pipeline.discovery_step(dispatch=CeleryDispatch(), mode=mode, resume_only=resume_only)
    except SoftTimeLimitExceeded:
        running = CrawlRun.objects.filter(status=choices.CrawlStatus.RUNNING).order_by("-started_at").first()
        if running:
            crawl.discover_interrupt(run=running, reason="time limit reached; the next pass resumes here")
        return None
    except HubBadToken as exc:
        log.error("discovery not started: %s", exc)
        crawl_failure_record(
            subject_type=choices.SubjectType.CRAWL,
            subject_key=f"discover {mode}",
            stage=choices.CrawlStage.LIST,
            error_code=exc.code,
            message=str(exc),
            http_status=exc.http_status,
        )
        return None
    except HubError as exc:
        if not exc.transient:
            return None
        _retry_or_record(
            self, exc, lambda attempts, exc: log.error("discovery gave up after %d attempts", attempts)
        )
        return None
    except DATABASE_LOST as exc:
        for conn in connections.all(initialized_only=True):
            conn.close()
        try:  # hand the run to the retry: interrupted with its cursor (the lost page was rolled back)
            kind = crawl._kind(mode)
            running = CrawlRun.objects.filter(kind=kind, status=choices.CrawlStatus.RUNNING).first()
            if running:
                crawl.discover_interrupt(
                    run=running, reason="database connection lost; the retry resumes here"
                )
        except DATABASE_LOST:
            pass  # still down: the run's heartbeat goes stale and the retry or the sweeper takes it over
        _retry_on_a_new_connection(self, exc)
    return run.pk if run else None


@shared_task(name="catalog.tasks.crawl_model", **RETRYING)
def crawl_model(self, model_id: int, force: bool = False) -> str | None:
    model = AIModel.objects.filter(pk=model_id).first()
    if model is None:
        return None
    try:
        result = pipeline.model_step(model=model, dispatch=CeleryDispatch(), force=force)
    except DATABASE_LOST as exc:
        _retry_on_a_new_connection(self, exc)
    except (HubError, SoftTimeLimitExceeded) as exc:
        _retry_or_record(
            self,
            _as_upstream(exc),
            lambda attempts, exc: model_failure_record(
                model=model,
                stage=choices.CrawlStage.DETAIL,
                error_code="retries_exhausted",
                message=f"gave up after {attempts} attempts: {exc.code}: {exc}",
                http_status=exc.http_status,
                attempts=attempts,
            ),
        )
        return None
    return result.status


@shared_task(name="catalog.tasks.crawl_dataset", **RETRYING)
def crawl_dataset(self, dataset_id: int) -> str | None:
    dataset = Dataset.objects.filter(pk=dataset_id).first()
    if dataset is None:
        return None
    try:
        status = pipeline.dataset_step(dataset=dataset, dispatch=CeleryDispatch())
    except DATABASE_LOST as exc:
        _retry_on_a_new_connection(self, exc)
    except (HubError, SoftTimeLimitExceeded) as exc:
        _retry_or_record(
            self,
            _as_upstream(exc),
            lambda attempts, exc: dataset_failure_record(
                dataset=dataset,
                error_code="retries_exhausted",
                message=f"{exc.code}: {exc}",
                http_status=exc.http_status,
                attempts=attempts,
            ),
        )
        return None
    return status


@shared_task(name="catalog.tasks.crawl_repo", **RETRYING)
def crawl_repo(self, repository_id: int) -> str | None:
    from catalog.sources.github.client import GitHubError

    repository = CodeRepository.objects.filter(pk=repository_id).first()
    if repository is None:
        return None
    try:
        status = pipeline.repository_step(repository=repository, dispatch=CeleryDispatch())
    except DATABASE_LOST as exc:
        _retry_on_a_new_connection(self, exc)
    except (GitHubError, SoftTimeLimitExceeded) as exc:
        _retry_or_record(
            self,
            _as_upstream(exc),
            lambda attempts, exc: repository_failure_record(
                repository=repository,
                error_code="retries_exhausted",
                message=f"{exc.code}: {exc}",
                http_status=exc.http_status,
                attempts=attempts,
            ),
        )
        return None
    return status


@shared_task(name="catalog.tasks.recrawl_stale_datasets", acks_late=True, reject_on_worker_lost=True)
def recrawl_stale_datasets(limit: int = 500) -> int:
    ids = crawl.stale_datasets(limit=limit, older_than=timedelta(days=7))
    for pk in ids:
        crawl_dataset.delay(pk)
    return len(ids)


@shared_task(name="catalog.tasks.recrawl_stale_repos", acks_late=True, reject_on_worker_lost=True)
def recrawl_stale_repos(limit: int = 500) -> int:
    from catalog.ingest import repositories

    ids = repositories.stale_repositories(limit=limit)
    for pk in ids:
        crawl_repo.delay(pk)
    return len(ids)


@shared_task(name="catalog.tasks.sweep_lost_work", acks_late=True, reject_on_worker_lost=True)
def sweep_lost_work(limit: int = 1000) -> dict[str, int]:
    """Re-enqueue what the database says is due but the broker lost (see catalog.ingest.sweep)."""
    from catalog.ingest import sweep

    found = sweep.sweep(limit=limit)
    for mode in found.discover_modes:
        discover.delay(mode, resume_only=True)
    for pk in found.model_ids:
        crawl_model.delay(pk)
    if found.model_ids or found.discover_modes:
        log.warning(
            "sweeper re-enqueued %d detail crawls and discovery %s",
            len(found.model_ids),
            ", ".join(found.discover_modes) or "none",
        )
    return {"models": len(found.model_ids), "discoveries": len(found.discover_modes)}
