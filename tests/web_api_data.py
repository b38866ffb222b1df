"""Shared data and helpers for the API and page tests (tests/web/api, tests/web).

``crawled`` crawls the bundled snapshot once per test module through the stand-in hub
(discovery, details, datasets, repositories, rescore; ``call_command("crawl")``) with every
listed model notable, commits it, and flushes the database when the module is done; each
test runs in its own transaction on top of it and is rolled back. Nothing depends on another
module, on a previous session or on the order of the tests.

The helpers derive expectations from the rules (``scoring.filters.SORTS`` and its tiebreak,
the level ranks) and from the data, never from a previous run.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
from io import StringIO
from types import SimpleNamespace
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import override_settings

from standin.server import StandinServer
from tests.conftest import point_at, republish_methodologies

# Every listed model counts as notable, so the default view shows the whole snapshot.
DATA_SETTINGS = {"NOTABLE_MIN_DOWNLOADS": 0}
# every path of API v1 below /api/v1/, as the OpenAPI schema must list them
API_V1_PATHS = (
    "models/",
    "models/{owner}/{name}/",
    "models/{owner}/{name}/history/",
    "as-of/{date}/",
    "changes/",
    "organizations/",
    "datasets/",
    "datasets/{dataset_id}/",
    "repositories/",
    "repositories/{owner}/{name}/",
    "licenses/",
    "licenses/{key}/",
    "methodology/",
    "methodology/{version}/",
    "export/",
)


@pytest.fixture(scope="module")
def crawled(django_db_setup, django_db_blocker, snapshot_data):
    """Crawl the snapshot once for the module; yields the stand-in server (its hub is ``.hub``)."""
    with StandinServer(copy.deepcopy(snapshot_data)) as server:
        endpoints = SimpleNamespace()
        point_at(endpoints, server)
        with override_settings(**vars(endpoints), **DATA_SETTINGS):
            try:
                with django_db_blocker.unblock():
                    republish_methodologies()  # an earlier transactional test may have flushed them
                    call_command("crawl", "--no-progress", stdout=StringIO(), stderr=StringIO())
                yield server
            finally:
                with django_db_blocker.unblock():
                    call_command("flush", interactive=False, verbosity=0)
                    republish_methodologies()


@pytest.fixture
def no_throttle(monkeypatch):
    """A rate no test reaches (DRF reads the rates into the class when it is imported)."""
    from rest_framework.throttling import AnonRateThrottle

    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "100000/min"})


@pytest.fixture
def reviewers(db):
    users = get_user_model().objects
    return users.create_user("alice", password="x"), users.create_user("bob", password="x")


def approve_correction(model, *, fact: str, value: dict, reviewers, capture, note: str = ""):
    """Submit a correction as one maintainer and approve it as the other; the rescore it
    enqueues (and the data-version bump after it) runs on commit."""
    from corrections.services import correction_approve, correction_submit

    submitter, reviewer = reviewers
    correction = correction_submit(
        model=model,
        fact=fact,
        value=value,
        note=note,
        evidence_url=f"https://huggingface.co/{model.repo_id}/blob/main/README.md",
        submitted_by=submitter,
    )
    with capture(execute=True):
        correction_approve(correction=correction, reviewer=reviewer)
    return correction


# --- orderings ---------------------------------------------------------------------------------
ROW_FIELDS = (
    "id",
    "repo_id",
    "total",
    "organization_name",
    "weights",
    "training_data",
    "training_code",
    "license",
    "mof_class",
    "downloads",
    "likes",
    "parameters",
    "released_at",
    "last_crawled_at",
)


def sort_fields(sort: str) -> list[str]:
    """The columns a sort key orders by, as ``scoring.filters.SORTS`` defines them, then the tiebreak;
    a reversed sort ("-key") is the exact reverse of the whole sequence, tiebreak included."""
    from scoring.filters import SORTS, TIEBREAK

    fields = list(SORTS[sort.lstrip("-")])
    fields += [f for f in TIEBREAK if f not in fields]
    if sort.startswith("-"):
        fields = [f[1:] if f.startswith("-") else f"-{f}" for f in fields]
    return fields


def _value(row: dict, column: str) -> Any:
    from scoring.selectors import LEVEL_RANK

    if column.endswith("_rank") and column != "mof_rank":
        return LEVEL_RANK[row[column[: -len("_rank")]]]
    if column == "mof_rank":
        return {1: 3, 2: 2, 3: 1}.get(row["mof_class"], 0)
    return row[column]


def expected_order(rows: list[dict], sort: str) -> list[str]:
    """Repository ids of ``rows`` in the order ``sort`` defines; unknown values (NULL) last either way."""
    fields = sort_fields(sort)

    def compare(a: dict, b: dict) -> int:
        for name in fields:
            column, descending = name.lstrip("-"), name.startswith("-")
            x, y = _value(a, column), _value(b, column)
            if x == y:
                continue
            if x is None or y is None:
                return 1 if x is None else -1
            smaller = -1 if x < y else 1
            return -smaller if descending else smaller
        return 0

    return [r["repo_id"] for r in sorted(rows, key=functools.cmp_to_key(compare))]


def listed_rows(**filters) -> list[dict]:
    from scoring.selectors import scores_current

    return list(scores_current().filter(**filters).values(*ROW_FIELDS))


def seed_nullable_columns() -> None:
    """The snapshot knows no parameter counts or release dates; give most models some (with ties)
    and leave the rest unknown, so sorts on nullable columns have NULLs and ties to order."""
    from scoring.models import Score

    rows = list(Score.objects.order_by("id"))
    for i, row in enumerate(rows):
        row.parameters = None if i % 3 == 0 else (i % 4 + 1) * 10**9
        row.released_at = None if i % 4 == 1 else dt.datetime(2024, 1 + i % 6, 1, tzinfo=dt.UTC)
    Score.objects.bulk_update(rows, ["parameters", "released_at"])
