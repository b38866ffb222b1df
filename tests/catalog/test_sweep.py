"""The sweeper's reading of the database (catalog/ingest/sweep.py), and its task in-process.

The drill with a real worker and a lost Redis is tests/drills/test_redis_faults.py; these
pin down what counts as due, what is left alone, and that a model is named once per grace period.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog import choices, tasks
from catalog.ingest import crawl, sweep
from catalog.models import AIModel, CrawlRun, LineageEdge

pytestmark = pytest.mark.django_db
SHA = "a" * 40


@pytest.fixture
def grace(settings):
    settings.SWEEP_GRACE_SECONDS = 60
    settings.CRAWL_POPULARITY_THRESHOLD = 100
    settings.CRAWL_LIKES_THRESHOLD = 20
    settings.DISCOVER_HEARTBEAT_STALE_SECONDS = 120
    return timedelta(seconds=60)


def model(repo_id: str, *, age: timedelta = timedelta(minutes=10), **fields) -> AIModel:
    fields = {"sha": SHA, "downloads": 1000, "updated_at": timezone.now() - age, **fields}
    return AIModel.objects.create(repo_id=repo_id, name=repo_id.split("/")[1], **fields)


def test_what_is_due_and_what_is_not(grace):
    never = model("org/never-crawled")
    changed = model("org/changed", detail_sha="b" * 40, detail_crawled_at=timezone.now())
    model("org/current", detail_sha=SHA, detail_crawled_at=timezone.now())
    model("org/unpopular", downloads=1, likes=0)
    model("org/just-listed", age=timedelta(seconds=5))  # its task may still be queued
    model("org/gone", missing_since=timezone.now())
    model("org/private", private=True)
    model("org/disabled", disabled=True)
    failed = model("org/failed-for-good")
    AIModel.objects.filter(pk=failed.pk).update(crawl_error_at=timezone.now())  # after its listing
    base = model("org/base-only-named", is_placeholder=True, downloads=0)
    LineageEdge.objects.create(child=never, parent=base, relation="finetune")
    assert set(sweep.details_due(limit=100, grace=grace)) == {never.pk, changed.pk, base.pk}


def test_lost_discovery_passes(grace):
    now = timezone.now()
    CrawlRun.objects.create(
        kind=choices.CrawlKind.DISCOVER_FULL, heartbeat_at=now - timedelta(minutes=5), cursor_url="x"
    )
    CrawlRun.objects.create(kind=choices.CrawlKind.DISCOVER_INCREMENTAL, heartbeat_at=now)  # alive
    CrawlRun.objects.create(  # the crawl command's own pass
        kind=choices.CrawlKind.DISCOVER_INCREMENTAL,
        heartbeat_at=now - timedelta(hours=1),
        params={"limit": 5},
    )
    assert sweep.discoveries_lost() == ["full"]


def test_each_model_is_named_once_per_grace_period(grace):
    due = model("org/due")
    first = sweep.sweep()
    assert first.model_ids == [due.pk]
    assert sweep.sweep().model_ids == []  # the marker holds it back until the grace period ends


def test_the_sweep_task_enqueues_the_lost_work(grace, tiny_hub):
    tiny_hub.hub.add_model({"id": "org/due", "sha": SHA, "downloads": 1000}, readme="# due")
    due = model("org/due")
    assert tasks.sweep_lost_work.delay().get() == {"models": 1, "discoveries": 0}
    due.refresh_from_db()
    assert due.detail_sha == SHA  # crawled by the re-enqueued task (eager here)
    assert sweep.details_due(limit=10, grace=timedelta(0)) == []


def test_a_resume_only_pass_never_starts_a_new_one(tiny_hub):
    tiny_hub.hub.add_model({"id": "org/a", "sha": SHA, "downloads": 10})
    assert crawl.discover(mode=crawl.FULL, resume_only=True) is None
    assert not CrawlRun.objects.exists()
    stale = CrawlRun.objects.create(
        kind=choices.CrawlKind.DISCOVER_FULL, heartbeat_at=timezone.now() - timedelta(hours=1)
    )
    resumed = crawl.discover(mode=crawl.FULL, resume_only=True)  # no cursor: taken over from page 1
    assert resumed.pk == stale.pk
    assert resumed.status == choices.CrawlStatus.SUCCEEDED
    assert AIModel.objects.filter(repo_id="org/a").exists()


def test_a_page_of_a_run_taken_over_meanwhile_rolls_back(tiny_hub):
    """The worker presumed dead may still be ingesting: its page commit finds the heartbeat
    token changed (the run was claimed again) and rolls back, so no page is counted twice."""
    from catalog.ingest import store
    from catalog.sources.huggingface.client import HubClient

    tiny_hub.hub.add_model({"id": "org/a", "sha": SHA, "downloads": 10})
    run = CrawlRun.objects.create(kind=choices.CrawlKind.DISCOVER_FULL, heartbeat_at=timezone.now())
    CrawlRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() + timedelta(seconds=1))  # claimed
    client = HubClient()
    page = next(client.iter_pages(client.first_page_url(sort="downloads")))
    with pytest.raises(store.RunTakenOver):
        store.listing_page_ingest(page=page, run=run, orgs=store.OrganizationCache())
    assert not AIModel.objects.exists()
    assert CrawlRun.objects.get(pk=run.pk).pages == 0


def test_a_run_taken_over_after_its_last_page_is_finished_not_listed_again(tiny_hub):
    tiny_hub.hub.add_model({"id": "org/a", "sha": SHA, "downloads": 10})
    done_listing = CrawlRun.objects.create(
        kind=choices.CrawlKind.DISCOVER_FULL,
        pages=3,
        seen_count=15,
        heartbeat_at=timezone.now() - timedelta(hours=1),
    )
    resumed = crawl.discover(mode=crawl.FULL, resume_only=True)
    assert resumed.pk == done_listing.pk
    assert resumed.status == choices.CrawlStatus.SUCCEEDED
    assert (resumed.pages, resumed.seen_count) == (3, 15)  # nothing listed or counted again
    assert tiny_hub.stats["list"] == 0
