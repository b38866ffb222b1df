"""Freshness is honest: a score resting on an old crawl says so on its page, the board and the API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from scoring.freshness import is_stale
from tests.factories import ScoreFactory

pytestmark = pytest.mark.django_db


def test_the_window_comes_from_the_setting(settings):
    settings.STALE_AFTER_DAYS = 14
    now = timezone.now()
    assert not is_stale(now - timedelta(days=13), now=now)
    assert is_stale(now - timedelta(days=15), now=now)
    assert is_stale(None)


def test_stale_and_fresh_models_in_the_api_the_board_and_the_page(client, settings):
    settings.STALE_AFTER_DAYS = 14
    old = timezone.now() - timedelta(days=30)
    stale = ScoreFactory(last_crawled_at=old)
    stale.model.detail_crawled_at = old
    stale.model.save()
    fresh = ScoreFactory(last_crawled_at=timezone.now())
    fresh.model.detail_crawled_at = timezone.now()
    fresh.model.save()
    items = {i["id"]: i for i in client.get("/api/v1/models/").json()["results"]}
    assert items[stale.repo_id]["stale"] is True
    assert items[fresh.repo_id]["stale"] is False
    assert client.get(f"/api/v1/models/{stale.repo_id}/").json()["stale"] is True
    board = client.get("/").content.decode()
    assert board.count('class="stale"') == 1
    assert "freshness window" in client.get(f"/models/{stale.repo_id}/").content.decode()
    assert "freshness window" not in client.get(f"/models/{fresh.repo_id}/").content.decode()
