"""Property-based API tests: Schemathesis drives every operation of the live OpenAPI schema.

The schema is read from the application itself (``/api/v1/schema/``, through the WSGI app)
and every request goes through ``openness.wsgi.application`` in this process, inside the
test's transaction, so it sees the crawled snapshot. For every operation: no 5xx, and every
response's status code, content type and body are ones the schema documents. Generation is
deterministic (fixed seed, derandomized), positive and negative, with at most 25 generated
examples per operation; a second test sends every real id of the catalog through the same
checks, since generated ids almost never name an existing model.

(``schemathesis.pytest.from_fixture`` would load the schema lazily, but it touches a pytest
node attribute pytest 9 no longer has; the schema is therefore loaded at collection. Reading
it needs no database.)
"""

from __future__ import annotations

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from catalog.models import CodeRepository, Dataset
from openness.wsgi import application
from scoring.models import License, MethodologyVersion, Score
from tests.web_api_data import API_V1_PATHS

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]
CONFIG = {
    "seed": 20261121,
    "generation": {"mode": "all", "max-examples": 25, "deterministic": True, "database": "none"},
    "phases": {"stateful": {"enabled": False}},
}

schema = schemathesis.openapi.from_wsgi(
    "/api/v1/schema/", application, config=schemathesis.Config.from_dict(CONFIG)
)


@pytest.fixture
def in_process_app(crawled, no_throttle):
    """Requests through the WSGI handler, not the test client: keep the handler from closing the
    test's database connection at the end of each request (the test client does the same)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_the_schema_covers_every_endpoint():
    operations = {op.ok().label for op in schema.get_all_operations()}
    assert operations == {f"GET /api/v1/{path}" for path in API_V1_PATHS}


@schema.parametrize()
@hypothesis.settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(hypothesis.HealthCheck),
)
def test_every_operation_answers_as_documented(case, in_process_app):
    response = case.call_and_validate(checks=CHECKS)
    assert response.status_code < 500


def _validate(operation_id: str, **path_parameters) -> int:
    case = schema.find_operation_by_id(operation_id).Case(path_parameters=path_parameters)
    response = case.call_and_validate(checks=CHECKS)
    return response.status_code


def test_every_real_record_answers_as_documented(in_process_app):
    scores = list(Score.objects.filter(is_listed=True).values_list("repo_id", flat=True))
    assert scores
    for repo_id in scores:
        owner, name = repo_id.split("/")
        assert _validate("models_retrieve", owner=owner, name=name) == 200, repo_id
        assert _validate("models_history", owner=owner, name=name) == 200, repo_id
    for dataset_id in Dataset.objects.values_list("repo_id", flat=True):
        # external datasets are keyed by their URL, which the path pattern does not take
        if "://" not in dataset_id:
            assert _validate("datasets_retrieve", dataset_id=dataset_id) == 200, dataset_id
    for full_name in CodeRepository.objects.values_list("full_name", flat=True):
        owner, name = full_name.split("/")
        assert _validate("repositories_retrieve", owner=owner, name=name) == 200, full_name
    for key in License.objects.values_list("key", flat=True):
        assert _validate("licenses_retrieve", key=key) == 200, key
    for version in MethodologyVersion.objects.values_list("version", flat=True):
        assert _validate("methodology_retrieve", version=version) == 200, version
