"""Every text field the API serves is the stored value, of the stored type (issue 15).

The licence-conflict bug served ``"\\"\\""`` (a JSON-encoded empty string) for every model while
the test compared the field with itself. These tests walk the serializers' declared fields,
read each one's stored value from the database by its ``source``, and compare it with what the
API answered; fields computed by methods are mapped to their stored columns explicitly. The
OpenAPI schema's types are checked against the same answers.
"""

from __future__ import annotations

import pytest
from rest_framework import serializers as drf
from rest_framework.test import APIClient

from catalog.models import CodeRepository, Dataset
from scoring.models import License, MethodologyVersion, Score, ScoreChange
from web.api import serializers

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture
def api(crawled, no_throttle):
    return APIClient()


def stored(instance, source: str):
    value = instance
    for part in source.split("."):
        value = getattr(value, part)
    return value


def text_fields(serializer_class) -> dict[str, str]:
    """{API name: source} of every plain text field the serializer declares or builds."""
    fields = serializer_class().fields
    return {
        name: field.source
        for name, field in fields.items()
        if isinstance(field, drf.CharField | drf.ChoiceField) and field.source != "*"
    }


def assert_text(api_value, stored_value, where: str) -> None:
    assert isinstance(api_value, str), (where, api_value)
    assert api_value == stored_value, (where, api_value, stored_value)
    # a text column holds text, not JSON: '""' is how the conflict bug stored an empty string
    assert not (len(api_value) >= 2 and api_value[0] == api_value[-1] == '"'), f"{where}: {api_value!r}"


def test_the_walk_finds_the_text_fields():
    names = text_fields(serializers.ModelDetailSerializer)
    assert {"id", "organization", "methodology", "pipeline_tag", "modality"} <= set(names)
    assert {"id", "status", "gated", "size_category"} <= set(text_fields(serializers.DatasetSerializer))
    assert "name" in text_fields(serializers.LicenseSerializer)


def test_every_text_field_of_a_model_is_its_stored_value(api):
    scores = Score.objects.select_related("detail", "model", "methodology").filter(is_listed=True)
    fields = text_fields(serializers.ModelDetailSerializer)
    checked = 0
    for score in scores.order_by("repo_id")[:60]:
        data = api.get(f"{API}/models/{score.repo_id}/").json()
        for name, source in fields.items():
            assert_text(data[name], stored(score, source), f"{score.repo_id}.{name}")
        # the fields built by methods, mapped to their stored columns
        detail = score.detail
        assert_text(data["license"]["declared"], score.license_label, "license.declared")
        conflict = data["license"]["conflict"]
        assert bool(detail.license_conflict) == score.has_license_conflict, score.repo_id
        if detail.license_conflict:
            assert_text(conflict, detail.license_conflict, "license.conflict")
        else:
            assert conflict is None, (score.repo_id, conflict)
        assert data["license"]["key"] == (score.license_key or None)
        assert_text(data["hub"]["sha"], score.model.sha, "hub.sha")
        assert_text(data["hub"]["gated"], score.model.gated, "hub.gated")
        assert_text(data["hub"]["library_name"], score.model.library_name, "hub.library_name")
        for key, judgment in detail.judgments.items():
            served = data["judgments"][key]
            assert_text(served["rationale"], judgment["rationale"], f"judgments.{key}.rationale")
            assert_text(served["level"], judgment["level"], f"judgments.{key}.level")
            for got, want in zip(served["evidence"], judgment["evidence"], strict=True):
                assert set(got) == set(want), "evidence is served as stored"
                for field in ("source_url", "revision", "fact", "subject", "fetched_at"):
                    if field in want:
                        assert_text(got[field], want[field], f"judgments.{key}.evidence.{field}")
        checked += 1
    assert checked >= 30


def test_a_conflict_is_served_as_its_text_and_no_conflict_as_null(api):
    with_conflict = Score.objects.select_related("detail").filter(has_license_conflict=True).first()
    without = Score.objects.select_related("detail").filter(has_license_conflict=False).first()
    assert without is not None
    assert api.get(f"{API}/models/{without.repo_id}/").json()["license"]["conflict"] is None
    if with_conflict is not None:
        served = api.get(f"{API}/models/{with_conflict.repo_id}/").json()["license"]["conflict"]
        assert served == with_conflict.detail.license_conflict
        assert not served.startswith('"')


@pytest.mark.parametrize(
    ("serializer_class", "queryset", "url", "key"),
    [
        (serializers.DatasetSerializer, lambda: Dataset.objects.all(), f"{API}/datasets/", "repo_id"),
        (
            serializers.CodeRepositorySerializer,
            lambda: CodeRepository.objects.all(),
            f"{API}/repositories/",
            "full_name",
        ),
        (serializers.LicenseSerializer, lambda: License.objects.all(), f"{API}/licenses/", "key"),
        (serializers.ScoreChangeSerializer, lambda: ScoreChange.objects.all(), f"{API}/changes/", "pk"),
    ],
    ids=["datasets", "repositories", "licenses", "changes"],
)
def test_every_text_field_of_a_list_is_its_stored_value(api, serializer_class, queryset, url, key):
    fields = text_fields(serializer_class)
    assert fields
    page = api.get(url, {"page_size": 200}).json()["results"]
    assert page
    rows = {str(getattr(row, key)): row for row in queryset()}
    api_key = {"repo_id": "id", "full_name": "full_name", "key": "key", "pk": "id"}[key]
    for item in page:
        row = rows[str(item[api_key])]
        for name, source in fields.items():
            assert_text(item[name], stored(row, source), f"{url}{item[api_key]}.{name}")


def test_methodology_text_fields_are_stored_values(api):
    fields = text_fields(serializers.MethodologySerializer)
    for item in api.get(f"{API}/methodology/").json()["results"]:
        row = MethodologyVersion.objects.get(version=item["version"])
        for name, source in fields.items():
            assert_text(item[name], stored(row, source), f"methodology.{name}")


def test_the_schema_types_match_the_answers(api):
    schema = api.get(f"{API}/schema/", HTTP_ACCEPT="application/json").json()
    components = schema["components"]["schemas"]
    model = components["ModelDetail"]["properties"]
    score = Score.objects.filter(is_listed=True).order_by("repo_id").first()
    data = api.get(f"{API}/models/{score.repo_id}/").json()
    python_types = {"string": str, "integer": int, "number": (int, float), "boolean": bool, "object": dict}
    checked = 0
    for name, spec in model.items():
        kind = spec.get("type")
        if kind not in python_types or name not in data:
            continue
        value = data[name]
        if value is None:
            assert spec.get("nullable"), f"{name} is null but the schema says it cannot be"
            continue
        assert isinstance(value, python_types[kind]), (name, kind, value)
        if kind == "object":
            for sub, sub_spec in spec.get("properties", {}).items():
                sub_kind = sub_spec.get("type")
                if sub in value and value[sub] is not None and sub_kind in python_types:
                    assert isinstance(value[sub], python_types[sub_kind]), (name, sub, value[sub])
        checked += 1
    assert checked >= 15


def test_a_model_history_as_of_a_date_starts_with_its_state_then(api):
    import datetime as dt

    change = ScoreChange.objects.select_related("model").order_by("changed_at").first()
    earlier = ScoreChange.objects.create(
        model=change.model,
        methodology=change.methodology,
        changed_at=change.changed_at - dt.timedelta(days=5),
        cause="crawl",
        old=None,
        new={**change.new, "total": 1.0},
    )
    day = (change.changed_at - dt.timedelta(days=2)).date().isoformat()
    history = api.get(f"{API}/models/{change.model.repo_id}/history/", {"as_of": day}).json()["results"]
    assert [c["id"] for c in history] == [earlier.pk]
    assert history[0]["new"]["total"] == 1.0
    assert api.get(f"{API}/changes/", {"as_of": "someday"}).status_code == 400
