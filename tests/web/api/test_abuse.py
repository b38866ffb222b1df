"""API abuse (issue 17): oversized and hostile parameters are clear 400s, never 5xx; throttling
answers 429 with Retry-After on the configured cache (Redis in CI).

The caps: ``page_size`` 1-200, search ``q`` at most 100 characters, every filter one value,
at most 24 parameters, ``since`` between 1970 and 2200 (a far year with a +14:00 offset used
to overflow into a 500). The API has no ``as_of`` parameter; ``since`` is its only moment.
"""

from __future__ import annotations

import pytest
from rest_framework.throttling import AnonRateThrottle

from tests.web_api_data import no_throttle  # noqa: F401

pytestmark = pytest.mark.django_db
API = "/api/v1"


def error_of(response, field: str) -> str:
    assert response.status_code == 400, (response.status_code, response.content[:300])
    body = response.json()["error"]
    assert body["code"] == "invalid_request"
    assert field in body["details"], body
    return str(body["details"][field])


@pytest.mark.parametrize(
    ("url", "field", "says"),
    [
        (f"{API}/models/?page_size=1000000000000000000000", "page_size", "between 1 and 200"),
        (f"{API}/models/?page_size=201", "page_size", "between 1 and 200"),
        (f"{API}/models/?page_size=0", "page_size", "between 1 and 200"),
        (f"{API}/models/?q={'a' * 101}", "q", "at most 100 characters"),
        (f"{API}/organizations/?q={'a' * 97}", "q", "at most 96 characters"),
        (f"{API}/models/?organization={'o' * 10_000}", "organization", "at most 96"),
        (f"{API}/models/?modality=text&modality=image", "modality", "more than once"),
        (f"{API}/models/?" + "&".join(["license=mit"] * 500), "license", "more than once"),
        (f"{API}/models/?" + "&".join(f"p{i}=1" for i in range(25)), "parameters", "at most 24"),
        (f"{API}/changes/?since=0001-01-01T00:00:00%2B14:00", "since", "between 1970-01-01 and 2200-01-01"),
        (f"{API}/changes/?since=9999-12-31T23:59:59-14:00", "since", "between 1970-01-01 and 2200-01-01"),
        (f"{API}/changes/?since=1900-01-01", "since", "between 1970-01-01"),
        (f"{API}/changes/?since=99999-01-01", "since", "valid date"),
        (f"{API}/models/?min_downloads=1e400", "min_downloads", "less than or equal"),
        (f"{API}/models/?cursor={'A' * 5000}", "cursor", "invalid cursor"),
        (f"{API}/models/?q=%00", "q", "Null characters"),
    ],
)
def test_oversized_and_hostile_parameters_are_named_400s(client, no_throttle, url, field, says):  # noqa: F811
    assert says in error_of(client.get(url), field)


@pytest.mark.parametrize(
    "url",
    [
        f"{API}/models/?q={'(' * 100}",  # regex metacharacters are escaped, not compiled
        f"{API}/models/?q={'a ' * 50}",  # many words: only the first eight are searched
        f"{API}/models/?q=%E2%80%AEevil",  # RTL override
        f"{API}/changes/?since=2026-01-01T00:00:00%2B14:00",
        f"{API}/models/?page_size=200",
    ],
)
def test_hostile_but_valid_parameters_answer_200(client, no_throttle, url):  # noqa: F811
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]


def test_throttling_answers_429_with_retry_after_on_the_shared_cache(client, monkeypatch, settings):
    """The counters live in the configured cache (Redis in CI), so every web process shares them."""
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "5/min"})
    statuses = [client.get(f"{API}/licenses/", REMOTE_ADDR="203.0.113.9").status_code for _ in range(8)]
    assert statuses == [200] * 5 + [429] * 3
    response = client.get(f"{API}/models/", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response.json()["error"]["code"] == "throttled"
    assert client.get(f"{API}/licenses/", REMOTE_ADDR="203.0.113.10").status_code == 200  # per address
