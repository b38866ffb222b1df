"""Listing passes over a hub that changes without commits: counts, gates, privacy, bad items."""

from __future__ import annotations

import pytest

from catalog import choices
from catalog.ingest import crawl
from catalog.models import AIModel, CrawlFailure, Paper

pytestmark = pytest.mark.django_db


def _detail_ids(**kwargs) -> list[int]:
    queued: list[int] = []
    crawl.discover(mode=crawl.FULL, hooks=crawl.DiscoverHooks(on_detail=queued.extend), **kwargs)
    return queued


def test_counts_refresh_whatever_the_sha_and_crossing_the_threshold_queues_a_detail_crawl(settings, tiny_hub):
    settings.CRAWL_POPULARITY_THRESHOLD = 1000
    settings.CRAWL_LIKES_THRESHOLD = 50
    hub = tiny_hub.hub
    hub.add_model({"id": "org/rising", "downloads": 0, "cardData": {"license": "mit"}})
    hub.add_model({"id": "org/liked", "likes": 3, "cardData": {"license": "mit"}})
    hub.add_model({"id": "org/famous", "downloads": 5000, "cardData": {"license": "mit"}})
    first = _detail_ids()
    famous = AIModel.objects.get(repo_id="org/famous").pk
    assert first == [famous]
    sha = hub.models["org/rising"]["sha"]
    hub.models["org/rising"]["downloads"] = 1500
    hub.models["org/liked"]["likes"] = 60
    hub.models["org/famous"]["downloads"] = 9000  # was notable already: no second detail crawl
    queued = _detail_ids()
    assert sorted(queued) == sorted(
        AIModel.objects.filter(repo_id__in=["org/rising", "org/liked"]).values_list("pk", flat=True)
    )
    assert famous not in queued
    rising = AIModel.objects.get(repo_id="org/rising")
    assert (rising.sha, rising.downloads) == (sha, 1500)
    assert AIModel.objects.get(repo_id="org/liked").likes == 60
    assert AIModel.objects.get(repo_id="org/famous").downloads == 9000
    assert _detail_ids() == []  # nothing crossed again


def test_a_gate_switched_on_without_a_commit_is_seen_on_the_next_pass(tiny_hub):
    hub = tiny_hub.hub
    hub.add_model({"id": "org/open", "cardData": {"license": "mit"}})
    crawl.discover(mode=crawl.FULL)
    changed: list[int] = []
    hub.models["org/open"]["gated"] = "manual"
    hub.models["org/open"]["disabled"] = True
    run = crawl.discover(mode=crawl.FULL, hooks=crawl.DiscoverHooks(on_changed=changed.extend))
    model = AIModel.objects.get(repo_id="org/open")
    assert (model.gated, model.disabled) == ("manual", True)
    assert run.unchanged_count == 1
    assert changed == [model.pk]  # rescored: access is part of the facts


def _list_private_too(server, monkeypatch) -> None:
    """What the real Hub does for a token that can read private repos: list them (the
    stand-in lists a valid token's own namespace's private repos)."""
    from django.conf import settings

    server.httpd.tokens["hf_org_member"] = "org"
    monkeypatch.setattr(settings, "HF_TOKEN", "hf_org_member")


def test_private_items_are_never_stored_as_listed_models(tiny_hub, monkeypatch):
    hub = tiny_hub.hub
    hub.add_model({"id": "org/public", "cardData": {"license": "mit"}})
    hub.add_model({"id": "org/secret", "private": True, "cardData": {"license": "mit"}})
    _list_private_too(tiny_hub, monkeypatch)
    detail: list[int] = []
    crawl.discover(mode=crawl.FULL, hooks=crawl.DiscoverHooks(on_detail=detail.extend))
    assert set(AIModel.objects.values_list("repo_id", flat=True)) == {"org/public"}
    assert detail == [AIModel.objects.get(repo_id="org/public").pk]


def test_a_stored_model_turned_private_is_marked_private(tiny_hub, monkeypatch):
    hub = tiny_hub.hub
    hub.add_model({"id": "org/public", "cardData": {"license": "mit"}})
    hub.add_model({"id": "org/soon-private", "cardData": {"license": "mit"}})
    crawl.discover(mode=crawl.FULL)
    _list_private_too(tiny_hub, monkeypatch)
    hub.models["org/soon-private"]["private"] = True
    changed: list[int] = []
    detail: list[int] = []
    crawl.discover(
        mode=crawl.FULL, hooks=crawl.DiscoverHooks(on_changed=changed.extend, on_detail=detail.extend)
    )
    model = AIModel.objects.get(repo_id="org/soon-private")
    assert model.private
    assert changed == [model.pk]
    assert detail == []
    assert not AIModel.objects.get(repo_id="org/public").private
    hub.models["org/soon-private"]["private"] = False  # public again, same commit
    crawl.discover(mode=crawl.FULL)
    assert not AIModel.objects.get(repo_id="org/soon-private").private


def test_an_over_long_arxiv_tag_is_dropped_and_recorded_and_the_page_commits(tiny_hub):
    hub = tiny_hub.hub
    long_id = "2401." + "1" * 40
    hub.add_model({"id": "org/good", "tags": ["arxiv:2106.09685"], "cardData": {"license": "mit"}})
    hub.add_model(
        {"id": "org/bad", "tags": ["arxiv:2310.06825", f"arxiv:{long_id}"], "cardData": {"license": "mit"}}
    )
    run = crawl.discover(mode=crawl.FULL)
    assert run.new_count == 2
    assert set(Paper.objects.values_list("arxiv_id", flat=True)) == {"2106.09685", "2310.06825"}
    bad = AIModel.objects.get(repo_id="org/bad")
    assert list(bad.papers.values_list("arxiv_id", flat=True)) == ["2310.06825"]
    assert "arXiv id longer than 32 characters dropped" in bad.crawl_error
    failure = CrawlFailure.objects.get(subject_key="org/bad")
    assert failure.stage == choices.CrawlStage.LIST
    assert long_id[:20] in failure.message


@pytest.mark.django_db
def test_a_model_turned_private_leaves_the_leaderboard():
    from catalog.models import AIModel
    from scoring.models import Score
    from scoring.services import rescore

    model = AIModel.objects.create(repo_id="org/secret", name="secret", license_declared=["mit"])
    rescore(model_ids=[model.pk])
    assert Score.objects.get(model=model).is_listed
    AIModel.objects.filter(pk=model.pk).update(private=True)
    rescore(model_ids=[model.pk])
    assert not Score.objects.get(model=model).is_listed


@pytest.mark.django_db
def test_stored_created_at_placeholders_are_cleared_by_the_migration():
    import importlib
    from datetime import UTC, datetime

    from django.apps import apps

    migration = importlib.import_module("catalog.migrations.0006_created_at_sentinel")
    old = AIModel.objects.create(repo_id="org/old", name="old", hub_created_at=migration.SENTINEL)
    real = datetime(2024, 5, 1, tzinfo=UTC)
    new = AIModel.objects.create(repo_id="org/new", name="new", hub_created_at=real)
    migration.clear(apps, None)
    old.refresh_from_db()
    new.refresh_from_db()
    assert old.hub_created_at is None
    assert new.hub_created_at == real
