"""Deep leaderboard pages start from a cached anchor instead of walking every row before them
(scoring.selectors): whatever the sort, they must list exactly the rows plain paging gives."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from catalog.models import AIModel
from scoring import selectors
from scoring.models import MethodologyVersion, Score

pytestmark = pytest.mark.django_db

ROWS = 730


@pytest.fixture
def board(monkeypatch):
    """730 listed scores with few distinct totals (ties run across anchors, as at scale), some
    sizes unknown; anchors every 100 rows so that page 5 of 50 already starts from one, cached
    three to a block so that deep pages read different blocks."""
    monkeypatch.setattr(selectors, "ANCHOR_STEP", 100)
    monkeypatch.setattr(selectors, "ANCHORS_PER_BLOCK", 3)
    methodology = MethodologyVersion.objects.get(is_current=True)
    AIModel.objects.bulk_create(
        AIModel(repo_id=f"org-{n % 7}/m-{n:04d}", name=f"m-{n:04d}") for n in range(ROWS)
    )
    levels = ("open", "partial", "closed", "unknown")
    Score.objects.bulk_create(
        Score(
            model_id=pk,
            methodology=methodology,
            repo_id=repo_id,
            organization_name=repo_id.split("/")[0],
            total=(pk % 3) * 25.0,
            weights=levels[pk % 4],
            training_data=levels[(pk // 2) % 4],
            training_code="closed",
            license="open",
            parameters=None if pk % 5 == 0 else (pk * 37) % 11 * 10**9,
            downloads=(pk * 7919) % 1000,
            is_listed=True,
            is_notable=pk % 2 == 0,
        )
        for pk, repo_id in AIModel.objects.values_list("pk", "repo_id")
    )


@pytest.mark.parametrize(
    "sort", ["", "-total", "name", "-name", "parameters", "-parameters", "weights", "-downloads"]
)
def test_a_deep_page_lists_the_rows_plain_paging_gives(board, sort):
    params = QueryDict(f"show=all&sort={sort}" if sort else "show=all")
    _, queryset = selectors.filtered_scores(params)
    every = list(queryset.values_list("id", flat=True))
    assert len(every) == ROWS
    for number in (5, 6, 9, 12, 15):  # 5: the first anchored page; 15 holds the last 30 rows
        page = selectors.leaderboard_page(params=params, page=number, page_size=50)
        start = (number - 1) * 50
        assert [row.id for row in page.rows] == every[start : start + 50], (sort, number)


def test_a_deep_page_of_the_notable_view_too(board):
    params = QueryDict("weights=open")
    _, queryset = selectors.filtered_scores(params)
    every = list(queryset.values_list("id", flat=True))
    pages = -(-len(every) // 20)
    assert pages >= 5
    for number in range(1, pages + 1):
        page = selectors.leaderboard_page(params=params, page=number, page_size=20)
        assert [row.id for row in page.rows] == every[(number - 1) * 20 : number * 20], number
