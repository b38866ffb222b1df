"""Faults a worker must survive: its own time limit, 429 storms, a refused token.

The soft time limit is delivered as Celery delivers it (billiard raises
``SoftTimeLimitExceeded`` from a signal handler in the middle of whatever the worker is
doing): here a timer signal fires while the client waits on a slow stand-in answer.
"""

from __future__ import annotations

import contextlib
import signal
import time

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core.management import CommandError, call_command

from catalog import choices, tasks
from catalog.ingest import crawl
from catalog.models import CrawlFailure, CrawlRun
from catalog.sources.budget import waiting_allowed
from catalog.sources.github import client as gh
from catalog.sources.github.client import GitHubClient
from catalog.sources.huggingface import client as hf
from catalog.sources.huggingface.client import HubClient
from openness.celery import app as celery_app

SHA = "9" * 40


@contextlib.contextmanager
def raised_after(seconds: float, exc_type: type[BaseException]):
    """Raise ``exc_type`` in this (the main) thread after ``seconds``, as a signal would."""

    def handler(signum, frame):
        raise exc_type()

    previous = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def eager_retries():
    previous = celery_app.conf.task_eager_propagates
    celery_app.conf.task_eager_propagates = False
    yield
    celery_app.conf.task_eager_propagates = previous


@pytest.fixture
def no_sleeping(monkeypatch):
    """Record the sleeps of huggingface_hub's http_backoff instead of sleeping them."""
    from huggingface_hub.utils import _http

    slept: list[float] = []

    class Clock:
        def __getattr__(self, name):
            return getattr(time, name)

        @staticmethod
        def sleep(seconds):
            slept.append(seconds)

    monkeypatch.setattr(_http, "time", Clock())
    return slept


# --- control flow passes through the clients ---------------------------------------------------
@pytest.mark.parametrize("exc_type", [SoftTimeLimitExceeded, KeyboardInterrupt, SystemExit])
def test_control_flow_exceptions_pass_through_the_hub_client(tiny_hub, exc_type):
    tiny_hub.hub.add_model({"id": "org/slow", "sha": SHA})
    tiny_hub.faults.add(path="/api/models/org/slow", mode="slow", delay=2.0, times=1)
    with pytest.raises(exc_type), raised_after(1.0, exc_type):
        HubClient().model("org/slow")
    tiny_hub.faults.add(path="/api/models\\?", mode="slow", delay=2.0, times=1)
    client = HubClient()
    with pytest.raises(exc_type), raised_after(1.0, exc_type):
        next(client.iter_pages(client.first_page_url(sort="downloads")))


def test_control_flow_exceptions_pass_through_the_github_client(tiny_hub):
    tiny_hub.faults.add(path="/github-api/", mode="slow", delay=2.0, times=1)
    with pytest.raises(SoftTimeLimitExceeded), raised_after(1.0, SoftTimeLimitExceeded):
        GitHubClient().repository("org/repo")


@pytest.mark.django_db
def test_a_time_limit_during_discovery_interrupts_the_run_and_the_next_pass_resumes(settings, tiny_hub):
    settings.HUB_LIST_PAGE_SIZE = 1
    tiny_hub.hub.add_model({"id": "org/a", "sha": SHA, "downloads": 10})
    tiny_hub.hub.add_model({"id": "org/b", "sha": SHA, "downloads": 5})
    rule = tiny_hub.faults.add(path="cursor=", mode="slow", delay=2.0, times=1)  # the second page
    with raised_after(1.0, SoftTimeLimitExceeded):
        assert tasks.discover.delay(crawl.FULL).get() is None
    assert rule.applied == 1
    run = CrawlRun.objects.get()
    assert run.status == choices.CrawlStatus.INTERRUPTED
    assert "time limit" in run.error
    assert "cursor=" in run.cursor_url
    assert not CrawlFailure.objects.exists()

    assert tasks.discover.delay(crawl.FULL).get() == run.pk  # the same run, taken up again
    run.refresh_from_db()
    assert run.status == choices.CrawlStatus.SUCCEEDED
    assert run.seen_count == 2


@pytest.mark.django_db
def test_a_time_limit_during_a_detail_crawl_is_retried_not_recorded(tiny_hub, eager_retries):
    tiny_hub.hub.add_model({"id": "org/slow", "sha": SHA}, readme="# slow")
    model = crawl.model_get_or_placeholder("org/slow")
    rule = tiny_hub.faults.add(path="/api/models/org/slow", mode="slow", delay=2.0, times=1)
    with raised_after(1.0, SoftTimeLimitExceeded):
        result = tasks.crawl_model.delay(model.pk)
    assert rule.applied == 1
    assert result.get() == "crawled"
    assert not CrawlFailure.objects.exists()


# --- a 429 in a worker is a task retry, not a sleep ---------------------------------------------
@pytest.mark.django_db
def test_a_429_in_a_task_retries_the_task_with_the_hubs_countdown(
    settings, tiny_hub, eager_retries, no_sleeping, monkeypatch
):
    settings.HUB_HTTP_MAX_RETRIES = 3
    tiny_hub.hub.add_model({"id": "org/busy", "sha": SHA}, readme="# busy")
    model = crawl.model_get_or_placeholder("org/busy")
    rule = tiny_hub.faults.add(path="/api/models/org/busy", mode="rate_limit", retry_after=30, times=1)
    countdowns: list[tuple[float | None, float]] = []
    real_countdown = tasks.retry_countdown

    def spy(retries, retry_after):
        countdowns.append((retry_after, real_countdown(retries, retry_after)))
        return countdowns[-1][1]

    monkeypatch.setattr(tasks, "retry_countdown", spy)

    assert tasks.crawl_model.delay(model.pk).get() == "crawled"
    assert rule.applied == 1
    assert no_sleeping == []  # the worker never slept the reset out
    assert len(countdowns) == 1
    retry_after, countdown = countdowns[0]
    assert retry_after == 30
    assert countdown >= 31
    assert not CrawlFailure.objects.exists()


def test_the_crawl_command_still_waits_a_429_out_in_place(settings, tiny_hub, no_sleeping):
    settings.HUB_HTTP_MAX_RETRIES = 2
    tiny_hub.hub.add_model({"id": "org/m", "sha": SHA})
    tiny_hub.faults.add(path="/api/models/org/m", mode="rate_limit", retry_after=7, times=1)
    with waiting_allowed(60):
        assert HubClient().model("org/m").sha == SHA
    assert no_sleeping == [8]


def test_retry_countdowns_after_a_reset_are_jittered_and_never_early(settings):
    values = [tasks.retry_countdown(0, 30) for _ in range(300)]
    assert min(values) >= 31
    assert max(values) <= 32
    assert len(set(values)) > 250  # a storm does not come back as a herd
    later = [tasks.retry_countdown(5, 30) for _ in range(300)]
    assert min(later) >= 31
    assert max(later) <= 31 + 32
    assert max(later) - min(later) > 16  # the spread doubles with each retry
    assert tasks.retry_countdown(0, 10**9) == settings.CELERY_VISIBILITY_TIMEOUT_SAFE


# --- a refused token: one clear error --------------------------------------------------------------
def test_check_token(settings, tiny_hub):
    tiny_hub.httpd.tokens["hf_good"] = "crawler"
    settings.HF_TOKEN = None
    HubClient().check_token()
    assert tiny_hub.stats["requests"] == 0  # no token, no check
    settings.HF_TOKEN = "hf_good"
    HubClient().check_token()
    settings.HF_TOKEN = "hf_expired"
    with pytest.raises(hf.HubBadToken) as bad:
        HubClient().check_token()
    assert bad.value.http_status == 401
    assert not bad.value.transient
    assert "HF_TOKEN" in str(bad.value)


def test_a_401_outside_a_repository_is_a_bad_token(tiny_hub):
    tiny_hub.faults.add(path="/api/models\\?", mode="status", status=401)
    client = HubClient()
    with pytest.raises(hf.HubBadToken):
        next(client.iter_pages(client.first_page_url(sort="downloads")))


def test_github_401_is_a_bad_token(tiny_hub):
    tiny_hub.faults.add(path="/github-api/", mode="status", status=401)
    with pytest.raises(gh.GitHubBadToken):
        GitHubClient().repository("org/repo")


@pytest.mark.django_db
def test_a_bad_token_stops_discovery_before_it_starts_with_one_error(settings, tiny_hub, caplog):
    settings.HF_TOKEN = "hf_expired"
    tiny_hub.hub.add_model({"id": "org/a", "sha": SHA})
    assert tasks.discover.delay(crawl.FULL).get() is None
    assert not CrawlRun.objects.exists()
    assert tiny_hub.stats["list"] == 0
    failure = CrawlFailure.objects.get()
    assert failure.error_code == "bad_token"
    assert "HF_TOKEN" in failure.message
    assert [r.levelname for r in caplog.records if "HF_TOKEN" in r.getMessage()] == ["ERROR"]


@pytest.mark.django_db
def test_the_crawl_command_stops_on_a_bad_token(settings, tiny_hub):
    settings.HF_TOKEN = "hf_expired"
    tiny_hub.hub.add_model({"id": "org/a", "sha": SHA})
    with pytest.raises(CommandError, match="HF_TOKEN"):
        call_command("crawl", "--no-progress")
    assert not CrawlRun.objects.exists()
    assert tiny_hub.stats["list"] == 0
    tiny_hub.httpd.tokens["hf_good"] = "crawler"
    settings.HF_TOKEN = "hf_good"
    call_command("crawl", "--no-progress", "--no-details")
    assert CrawlRun.objects.get().status == choices.CrawlStatus.SUCCEEDED
