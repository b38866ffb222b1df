"""Two weeks of churn, short version: after every day's passes the index equals the hub.

The hub (standin.churn, stress rates so 300 models see every kind of event) drifts counts,
commits, switches gates on, renames, deletes, privatises and adds models every simulated
day; the stand-in's clock moves a day at a time and enforces a free token's rate limits.
The full-scale run is ``python -m bench churn`` (docs/performance.md).
"""

from __future__ import annotations

import pytest

from bench.churn import FREE_TOKEN_DAILY, simulate
from catalog.models import AIModel, ModelAlias
from scoring.models import Score
from scoring.services import rescore
from standin.churn import STRESS, ChurnHub
from standin.server import StandinServer
from tests.conftest import point_at

pytestmark = pytest.mark.django_db
TOKEN = "hf_churn_test_token"


@pytest.fixture
def churn_hub(settings):
    hub = ChurnHub.generate(300, seed=13, rates=STRESS)
    with StandinServer(hub) as server:
        point_at(settings, server)
        settings.HF_TOKEN = TOKEN
        server.httpd.tokens[TOKEN] = "churn"
        server.httpd.hub_limits.enforce = True  # a free token's quotas, per 5-minute window
        yield server


def test_fourteen_days_of_churn_leave_the_index_equal_to_the_hub(churn_hub):
    reports = simulate(server=churn_hub, days=14)
    assert len(reports) == 15
    for report in reports:
        assert report.errors == 0, report.as_dict()
        assert report.index_listed == report.hub_models
        # a day's passes stay far inside a free token's daily quota
        assert report.api_requests < FREE_TOKEN_DAILY["api"] * 0.01
        assert report.resolver_requests < FREE_TOKEN_DAILY["resolvers"] * 0.01
    totals = {kind: sum(r.events.get(kind, 0) for r in reports) for kind in STRESS}
    assert all(count > 0 for count in totals.values()), totals  # every kind of change happened
    hub = churn_hub.hub
    assert reports[-1].retired >= totals["deletions"] + totals["privatisations"] - totals["new"]
    assert churn_hub.stats["rate_limited"] == 0
    # one row per hub model, whatever it was renamed to; every old name an alias
    listed = AIModel.objects.filter(is_placeholder=False, retired_at__isnull=True, private=False)
    assert sorted(listed.values_list("repo_id", flat=True)) == hub.public_ids()
    renamed_and_known = [old for old in hub.renamed if ModelAlias.objects.filter(repo_id=old).exists()]
    assert renamed_and_known
    # and the leaderboard agrees once scored
    rescore(model_ids=None)
    board = set(Score.objects.filter(is_listed=True).values_list("repo_id", flat=True))
    assert board == set(hub.public_ids())
