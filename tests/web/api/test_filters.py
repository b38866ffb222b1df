"""Every list endpoint of API v1 is narrowed by its FilterSet: a valid value narrows the list, a
value the filter cannot take is a JSON 400 naming the filter (never an empty 200), and the
parameters accepted and documented are exactly the FilterSet's.

Expectations come from the ORM over the crawled snapshot, never from a previous run.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import pytest
import yaml
from django.urls import URLPattern, get_resolver
from django.utils import timezone

from catalog.models import AIModel, CodeRepository, Dataset
from scoring import selectors
from scoring.models import License, ScoreChange
from web.api import filters, views

pytestmark = pytest.mark.django_db

API = "/api/v1"
MANUAL = "TheBloke/Llama-2-7B-GGUF"  # gets one extra, later, manual change in the tests that need it


@pytest.fixture
def api(client, crawled, no_throttle):
    return client


def walk(client, url: str) -> list[dict]:
    results: list[dict] = []
    for _ in range(200):
        response = client.get(url)
        assert response.status_code == 200, (url, response.content[:500])
        page = response.json()
        results += page["results"]
        if page["next"] is None:
            return results
        url = page["next"]
    raise AssertionError(f"too many pages from {url}")


def assert_json_400(response, parameter: str) -> None:
    assert response.status_code == 400, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert set(error) == {"status", "code", "message", "details"}
    assert (error["status"], error["code"]) == (400, "invalid_request")
    assert parameter in error["details"]
    assert error["message"].startswith(f"{parameter}:")


@pytest.fixture
def manual_change(db):
    """One more change, a day after the crawl's, with a cause the crawl never writes."""
    model = AIModel.objects.get(repo_id=MANUAL)
    return ScoreChange.objects.create(
        model=model,
        methodology=selectors.current_methodology(),
        cause="manual",
        changed_at=timezone.now() + dt.timedelta(days=1),
        old=None,
        new={"total": 0},
    )


def list_views() -> dict[str, type[views.ReadOnlyAPIView]]:
    """Every paginated list endpoint, found through the URL configuration (a new list joins)."""
    found = {}
    for pattern in get_resolver("web.api.urls").url_patterns:
        view = getattr(getattr(pattern, "callback", None), "view_class", None)
        if isinstance(pattern, URLPattern) and view and issubclass(view, views.ReadOnlyListView):
            found[str(pattern.pattern)] = view
    return found


def expected_changes(**lookups) -> list[int]:
    return list(ScoreChange.objects.filter(**lookups).values_list("id", flat=True))


# endpoint, query -> the rows it must return (from the ORM) and how a result row is named
NARROWING = [
    (
        "datasets/",
        {"status": "available"},
        lambda: Dataset.objects.filter(status="available"),
        "repo_id",
        "id",
    ),
    (
        "datasets/",
        {"q": "ALLENAI"},
        lambda: Dataset.objects.filter(repo_id__icontains="allenai"),
        "repo_id",
        "id",
    ),
    (
        "repositories/",
        {"classification": "training"},
        lambda: CodeRepository.objects.filter(classification="training"),
        "full_name",
        "full_name",
    ),
    (
        "repositories/",
        {"status": "available"},
        lambda: CodeRepository.objects.filter(status="available"),
        "full_name",
        "full_name",
    ),
    (
        "repositories/",
        {"q": "allenai/"},
        lambda: CodeRepository.objects.filter(full_name__icontains="allenai/"),
        "full_name",
        "full_name",
    ),
    ("licenses/", {"grade": "closed"}, lambda: License.objects.filter(grade="closed"), "key", "key"),
    ("licenses/", {"kind": "permissive"}, lambda: License.objects.filter(kind="permissive"), "key", "key"),
    (
        "organizations/",
        {"q": "Meta"},
        lambda: selectors.scores_current().filter(organization_name__icontains="meta").distinct(),
        "organization_name",
        "name",
    ),
    ("changes/", {"cause": "manual"}, lambda: ScoreChange.objects.filter(cause="manual"), "id", "id"),
    (
        "changes/",
        {"since": "LATER"},
        lambda: ScoreChange.objects.filter(changed_at__gt=timezone.now()),
        "id",
        "id",
    ),
    (
        f"models/{MANUAL}/history/",
        {"cause": "manual"},
        lambda: ScoreChange.objects.filter(model__repo_id=MANUAL, cause="manual"),
        "id",
        "id",
    ),
]


@pytest.mark.parametrize(
    ("endpoint", "query", "rows", "column", "key"),
    NARROWING,
    ids=[f"{e}?{urlencode(q)}" for e, q, *_ in NARROWING],
)
def test_a_valid_filter_narrows_the_list(api, manual_change, endpoint, query, rows, column, key):
    if query.get("since") == "LATER":
        query = {"since": (timezone.now() + dt.timedelta(hours=1)).isoformat()}
    everything = walk(api, f"{API}/{endpoint}?page_size=200")
    narrowed = walk(api, f"{API}/{endpoint}?{urlencode({**query, 'page_size': 200})}")
    expected = sorted({str(v) for v in rows().values_list(column, flat=True)})
    assert sorted(str(r[key]) for r in narrowed) == expected
    assert 0 < len(narrowed) < len(everything), "the filter selects some rows, not all and not none"


INVALID = [
    ("datasets/", "status", "lost"),
    ("datasets/", "source", "ftp"),
    ("datasets/", "q", "x" * 101),
    ("repositories/", "status", "sleeping"),
    ("repositories/", "classification", "magic"),
    ("repositories/", "q", "x" * 101),
    ("licenses/", "grade", "free"),
    ("licenses/", "kind", "generous"),
    ("organizations/", "q", "x" * 97),
    ("changes/", "cause", "gremlins"),
    ("changes/", "since", "yesterday"),
    ("changes/", "since", "2026-13-45"),
    ("changes/", "since", "2026-11-01T25:00"),
    (f"models/{MANUAL}/history/", "cause", "gremlins"),
    (f"models/{MANUAL}/history/", "since", "soon"),
    ("models/", "weights", "mostly"),
]


@pytest.mark.parametrize(("endpoint", "parameter", "value"), INVALID, ids=[f"{e}?{p}" for e, p, _ in INVALID])
def test_an_invalid_value_is_a_json_400_naming_the_filter(api, endpoint, parameter, value):
    assert_json_400(api.get(f"{API}/{endpoint}", {parameter: value}), parameter)


def test_every_paginated_list_has_a_filterset():
    lists = list_views()
    assert set(lists) >= {
        "v1/changes/",
        "v1/organizations/",
        "v1/datasets/",
        "v1/repositories/",
        "v1/licenses/",
    }
    for route, view in lists.items():
        assert view.filterset_class is not None, route
        assert view.queryset is not None, f"{route}: the schema needs the model without a query"
        assert issubclass(view.queryset.model, view.filterset_class._meta.model), route


@pytest.mark.parametrize(
    "filterset",
    [
        filters.ScoreChangeFilterSet,
        filters.OrganizationFilterSet,
        filters.DatasetFilterSet,
        filters.CodeRepositoryFilterSet,
        filters.LicenseFilterSet,
    ],
)
def test_an_empty_value_means_no_filter(api, filterset):
    route = next(r for r, v in list_views().items() if v.filterset_class is filterset and "(" not in r)
    path = f"/api/{route}"
    whole = walk(api, f"{path}?page_size=200")
    assert walk(api, f"{path}?{urlencode(dict.fromkeys(filterset.base_filters, ''))}&page_size=200") == whole


def test_the_accepted_and_documented_parameters_are_the_filtersets(api):
    document = yaml.safe_load(api.get(f"{API}/schema/").content)
    for route, view in list_views().items():
        if "{" in route or "(?P" in route:
            continue  # the history is checked with the others below through its filterset
        path = f"/api/{route}"
        operation = document["paths"][path]["get"]
        parameters = {p["name"]: p for p in operation["parameters"]}
        assert set(parameters) == set(view.filterset_class.base_filters) | {"cursor", "page_size"}, path
        for name, f in view.filterset_class.base_filters.items():
            choices = f.extra.get("choices")
            if choices:
                assert sorted(parameters[name]["schema"]["enum"]) == sorted(str(v) for v, _ in choices)
            if f.extra.get("max_length"):
                assert parameters[name]["schema"]["maxLength"] == f.extra["max_length"]
            assert parameters[name].get("description"), (path, name)
        assert set(operation["responses"]) == {"200", "304", "400", "429"}
        error = api.get(path, {"colour": "blue"})
        assert error.status_code == 400
        assert error.json()["error"]["details"]["unknown_parameters"]
    history = document["paths"][f"{API}/models/{{owner}}/{{name}}/history/"]["get"]
    assert {p["name"] for p in history["parameters"] if p["in"] == "query"} == set(
        filters.ScoreChangeFilterSet.base_filters
    ) | {"cursor", "page_size"}
