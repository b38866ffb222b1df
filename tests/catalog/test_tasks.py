"""Celery tasks (eager, see conftest): retries of transient errors and what is written when they run out."""

from __future__ import annotations

import pytest

from catalog import tasks
from catalog.ingest import crawl
from catalog.models import AIModel, CrawlFailure, Dataset
from openness.celery import app as celery_app

SHA = "8" * 40


@pytest.fixture
def eager_retries():
    """Let eager tasks run their retries in-process (without sleeping).

    With ``task_eager_propagates`` on (conftest, and the embedded default in settings) the
    ``Retry`` that ``task.retry`` raises escapes ``.delay()`` instead of re-running the task.
    Failures still surface: ``EagerResult.get()`` re-raises them.
    """
    previous = celery_app.conf.task_eager_propagates
    celery_app.conf.task_eager_propagates = False
    yield
    celery_app.conf.task_eager_propagates = previous


@pytest.mark.django_db
def test_crawl_model_gives_up_after_the_retries_and_records_it(settings, tiny_hub, eager_retries):
    settings.CRAWL_MAX_RETRIES = 2
    settings.HUB_HTTP_MAX_RETRIES = 0  # one request per task attempt
    tiny_hub.hub.add_model({"id": "org/busy", "sha": SHA}, readme="# busy")
    model = crawl.model_get_or_placeholder("org/busy")
    rule = tiny_hub.faults.add(path="/api/models/org/busy", mode="rate_limit", retry_after=9)

    result = tasks.crawl_model.delay(model.pk)

    assert result.get() is None
    assert rule.applied == settings.CRAWL_MAX_RETRIES + 1
    failure = CrawlFailure.objects.get()
    assert failure.subject_key == "org/busy"
    assert failure.stage == "detail"
    assert failure.error_code == "retries_exhausted"
    assert failure.attempts == settings.CRAWL_MAX_RETRIES + 1
    assert failure.http_status == 429
    assert failure.final
    assert failure.message.startswith("gave up after 3 attempts: rate_limited:")
    model.refresh_from_db()
    assert model.crawl_failures == 1
    assert "retries_exhausted" in model.crawl_error
    assert model.detail_crawled_at is None


@pytest.mark.django_db
def test_crawl_model_retries_a_transient_error_and_then_succeeds(settings, tiny_hub, eager_retries):
    settings.CRAWL_MAX_RETRIES = 2
    settings.HUB_HTTP_MAX_RETRIES = 0
    tiny_hub.hub.add_model({"id": "org/flaky", "sha": SHA}, readme="# flaky")
    model = crawl.model_get_or_placeholder("org/flaky")
    rule = tiny_hub.faults.add(path="/api/models/org/flaky", mode="status", status=503, times=2)

    assert tasks.crawl_model.delay(model.pk).get() == "crawled"
    assert rule.applied == 2
    assert tiny_hub.stats["model"] == 1
    assert not CrawlFailure.objects.exists()
    assert AIModel.objects.get(pk=model.pk).detail_sha == SHA


@pytest.mark.django_db
def test_no_retries_at_all(settings, tiny_hub):
    settings.CRAWL_MAX_RETRIES = 0
    settings.HUB_HTTP_MAX_RETRIES = 0
    tiny_hub.hub.add_model({"id": "org/busy"})
    model = crawl.model_get_or_placeholder("org/busy")
    rule = tiny_hub.faults.add(path="/api/models/org/busy", mode="status", status=500)
    tasks.crawl_model.delay(model.pk)
    assert rule.applied == 1
    assert CrawlFailure.objects.get().attempts == 1


@pytest.mark.django_db
def test_crawl_dataset_records_exhausted_retries(settings, tiny_hub, eager_retries):
    settings.CRAWL_MAX_RETRIES = 1
    settings.HUB_HTTP_MAX_RETRIES = 0
    tiny_hub.hub.add_dataset({"id": "org/data"})
    dataset = Dataset.objects.create(repo_id="org/data")
    tiny_hub.faults.add(path="/api/datasets/org/data", mode="status", status=502)
    assert tasks.crawl_dataset.delay(dataset.pk).get() is None
    failure = CrawlFailure.objects.get()
    assert (failure.subject_type, failure.error_code, failure.attempts) == ("dataset", "retries_exhausted", 2)
    assert Dataset.objects.get(pk=dataset.pk).crawl_failures == 1


@pytest.mark.django_db
def test_a_model_deleted_before_its_task_runs(tiny_hub):
    assert tasks.crawl_model.delay(987654).get() is None
    assert tiny_hub.stats["requests"] == 0


def test_retry_countdown_honours_retry_after(settings):
    # never before the upstream's reset (+1 s), then full jitter up to 2**retries seconds
    assert all(31 <= tasks.retry_countdown(0, 30) <= 32 for _ in range(100))
    assert all(1 <= tasks.retry_countdown(4, 0) <= 1 + 2**4 for _ in range(100))
    assert all(13.5 <= tasks.retry_countdown(0, 12.5) <= 14.5 for _ in range(100))
    assert tasks.retry_countdown(0, 10**9) == settings.CELERY_VISIBILITY_TIMEOUT_SAFE


def test_retry_countdown_backs_off_with_jitter_within_bounds(settings):
    settings.CRAWL_RETRY_BACKOFF_MAX = 60
    for retries in range(12):
        ceiling = min(60, 2 ** (retries + 1))
        values = [tasks.retry_countdown(retries, None) for _ in range(200)]
        assert all(1 <= value <= ceiling for value in values), retries
        assert len(set(values)) > 100  # full jitter, not a fixed delay
    late = [tasks.retry_countdown(20, None) for _ in range(500)]
    assert max(late) > 30  # the ceiling grows to the configured maximum
    settings.CRAWL_RETRY_BACKOFF_MAX = 1
    assert {tasks.retry_countdown(retries, None) for retries in range(5)} == {1}
