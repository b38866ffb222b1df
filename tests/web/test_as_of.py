"""The whole index as of a date (issue 15): the leaderboard and the API answer from the score
history, so a figure published on a day can be reproduced later, whatever changed since."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.utils import timezone

from scoring.models import MethodologyVersion, ScoreChange
from tests.factories import AIModelFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()
DAY1 = (NOW - dt.timedelta(days=20)).date()
DAY2 = (NOW - dt.timedelta(days=10)).date()


def levels(w, d, c, lic, total):
    return {"weights": w, "training_data": d, "training_code": c, "license": lic, "total": total}


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


@pytest.fixture
def history():
    """Three models. On DAY1: alpha 50, beta 50 (tie), gamma not yet scored. Later (DAY2)
    alpha falls to 25 and gamma appears at 100; a change at 23:59 of DAY1 still counts for DAY1."""
    cache.clear()
    v1, v2 = MethodologyVersion.objects.order_by("published_on", "id")[:2]  # published by migrations
    alpha, beta, gamma = (AIModelFactory(repo_id=f"org/{n}") for n in ("alpha", "beta", "gamma"))

    def change(model, when, new, methodology=v1):
        ScoreChange.objects.create(
            model=model, methodology=methodology, changed_at=when, cause="crawl", new=new
        )

    change(alpha, at(DAY1, 9), levels("open", "closed", "closed", "open", 30.0))
    change(alpha, at(DAY1, 23).replace(minute=59), levels("open", "partial", "closed", "open", 50.0))
    change(beta, at(DAY1, 10), levels("open", "partial", "closed", "open", 50.0))
    change(alpha, at(DAY2), levels("partial", "closed", "closed", "open", 25.0), v2)
    change(gamma, at(DAY2), levels("open", "open", "open", "open", 100.0), v2)
    return alpha, beta, gamma


def v2_version() -> str:
    return MethodologyVersion.objects.order_by("published_on", "id")[1].version


def board_rows(html: str) -> list[tuple[str, str, str]]:
    """(rank, model, total) of every row of the past board."""
    return re.findall(
        r'<td class="rank" data-label="Rank">(\d+)</td>\s*'
        r'<td data-label="Model"><a href="/models/([^/]+/[^/]+)/\?as_of=[^"]+">'
        r".*?<strong>([\d.]+)</strong>",
        html,
        flags=re.S,
    )


def test_the_leaderboard_on_a_past_day_shows_that_days_ranks_and_totals(client, history):
    html = client.get(f"/?as_of={DAY1.isoformat()}").content.decode()
    assert board_rows(html) == [("1", "org/alpha", "50.0"), ("1", "org/beta", "50.0")]  # tie; gamma absent
    assert "2 models had been scored by then" in html
    later = client.get(f"/?as_of={DAY2.isoformat()}").content.decode()
    assert board_rows(later) == [
        ("1", "org/gamma", "100.0"),
        ("2", "org/beta", "50.0"),
        ("3", "org/alpha", "25.0"),
    ]
    assert f"v{v2_version()}" in later  # alpha's state then was recorded under methodology 2
    searched = client.get(f"/?as_of={DAY2.isoformat()}&q=ALPHA&licence_family=x").content.decode()
    assert board_rows(searched) == [("1", "org/alpha", "25.0")]  # rank within the view, as today
    assert "ignored: licence_family" in searched


def test_a_bad_or_future_date_is_named_not_an_error(client, history):
    html = client.get("/?as_of=yesterday").content.decode()
    assert "is not a date; write it as YYYY-MM-DD" in html
    future = client.get("/?as_of=2999-01-01")
    assert future.status_code == 200
    assert "is in the future" in future.content.decode()


def test_the_model_page_and_the_board_agree_on_a_past_day(client, history):
    page = client.get(f"/models/org/alpha/?as_of={DAY1.isoformat()}").content.decode()
    assert "total <strong>50.0</strong>" in page


def test_the_api_answers_the_index_as_of_a_date(client, history):
    v1 = MethodologyVersion.objects.order_by("published_on", "id")[0].version
    data = client.get(f"/api/v1/as-of/{DAY1.isoformat()}/").json()
    assert [(r["model"], r["rank"], r["total"], r["methodology"]) for r in data["results"]] == [
        ("org/alpha", 1, 50.0, v1),
        ("org/beta", 1, 50.0, v1),
    ]
    assert data["results"][0]["levels"]["training_data"] == "partial"
    later = client.get(f"/api/v1/as-of/{DAY2.isoformat()}/?q=a&page_size=1").json()
    assert [r["model"] for r in later["results"]] == ["org/gamma"]
    following = client.get(later["next"]).json()  # keyset cursor over the past board
    assert [r["model"] for r in following["results"]] == ["org/beta"]


def test_the_model_list_redirects_as_of_to_the_past_board(client, history):
    response = client.get(f"/api/v1/models/?as_of={DAY1.isoformat()}&q=alpha")
    assert response.status_code == 303
    assert response["Location"] == f"/api/v1/as-of/{DAY1.isoformat()}/?q=alpha"
    for bad in ("2999-01-01", "1999-12-31", "12/01/2026"):
        assert client.get(f"/api/v1/models/?as_of={bad}").status_code == 400
    assert client.get("/api/v1/as-of/2999-01-01/").status_code == 400
