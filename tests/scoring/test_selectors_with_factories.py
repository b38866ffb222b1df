"""Selector and API checks on a few factory rows: no crawl needed."""

from __future__ import annotations

import pytest

from scoring import selectors
from tests.factories import CorrectionFactory, ScoreFactory

pytestmark = pytest.mark.django_db


def test_the_leaderboard_orders_by_total_and_counts_what_it_shows():
    low = ScoreFactory(weights="closed", license="closed")
    high = ScoreFactory(training_data="open", training_code="open")
    page = selectors.leaderboard_page(params={}, page=1, page_size=50)
    ids = [row.repo_id for row in page.rows]
    assert ids.index(high.repo_id) < ids.index(low.repo_id)
    assert high.total == 100.0
    assert low.total == 0.0


def test_a_level_filter_means_the_same_in_the_api(client):
    ScoreFactory(weights="partial")
    ScoreFactory(weights="open")
    body = client.get("/api/v1/models/", {"weights": "partial"}).json()
    assert [item["levels"]["weights"] for item in body["results"]] == ["partial"]


def test_a_pending_correction_waits_for_review():
    correction = CorrectionFactory()
    assert correction.status == "pending"
    assert correction.model.corrections.count() == 1
