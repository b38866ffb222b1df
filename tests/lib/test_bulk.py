"""lib.bulk: raw upserts keep every value exactly, on each path (VALUES, COPY, SQLite)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from catalog.models import AIModel, Evidence
from lib import bulk

pytestmark = pytest.mark.django_db

# Characters COPY's text format gives meaning to, and strings that look like its markers.
AWKWARD_TEXT = [
    "tab\there",
    "line\nbreak",
    "carriage\rreturn",
    "back\\slash",
    "\\N",
    "\\.",
    "ends with a backslash\\",
    "ünïcødé ☃ 模型",
    "",
    "'quotes\" and ; semicolons --",
]
AWKWARD_JSON = [
    {"text": "x\\y\t\n\r", "nested": [1, None, True, 2.5, {"k": "\\N"}]},
    ["a", "\\", "ü", "\u2028"],
    "just a string with \\ and \t",
    42,
    {"empty": {}, "list": []},
]
WHEN = datetime(2026, 11, 1, 12, 30, 15, 123456, tzinfo=UTC)


def evidence_rows(count: int, version: int) -> list[dict]:
    return [
        {
            "subject_type": "model",
            "subject_id": 10_000 + i,
            "fact": "license",
            "origin": "crawled",
            "value": AWKWARD_JSON[(i + version) % len(AWKWARD_JSON)],
            "source_url": AWKWARD_TEXT[(i + version) % len(AWKWARD_TEXT)],
            "revision": f"rev-{version}-{i}",
            "fetched_at": WHEN,
            "correction_id": None,
        }
        for i in range(count)
    ]


def stored_evidence() -> list[tuple]:
    return list(
        Evidence.objects.order_by("subject_id").values_list(
            "subject_id", "value", "source_url", "revision", "fetched_at"
        )
    )


def expected_evidence(rows: list[dict]) -> list[tuple]:
    return [(r["subject_id"], r["value"], r["source_url"], r["revision"], r["fetched_at"]) for r in rows]


# 3 rows travel as VALUES lists (PostgreSQL) or executemany (SQLite); 250 rows through COPY on PostgreSQL
@pytest.mark.parametrize("count", [3, bulk.COPY_THRESHOLD + 50])
def test_awkward_values_survive_an_insert_and_an_update(count):
    first = evidence_rows(count, version=0)
    bulk.upsert(Evidence, first, conflict=["subject_type", "subject_id", "fact", "origin"])
    assert stored_evidence() == expected_evidence(first)

    second = evidence_rows(count, version=1)
    bulk.upsert(
        Evidence,
        second,
        conflict=["subject_type", "subject_id", "fact", "origin"],
        update=["value", "source_url", "revision", "fetched_at"],
    )
    assert stored_evidence() == expected_evidence(second)


@pytest.mark.parametrize("count", [3, bulk.COPY_THRESHOLD + 50])
def test_do_nothing_keeps_what_is_there(count):
    first = evidence_rows(count, version=0)
    bulk.upsert(Evidence, first, conflict=["subject_type", "subject_id", "fact", "origin"])
    bulk.upsert(
        Evidence, evidence_rows(count, version=1), conflict=["subject_type", "subject_id", "fact", "origin"]
    )
    assert stored_evidence() == expected_evidence(first)


@pytest.mark.parametrize("count", [3, bulk.COPY_THRESHOLD + 50])
def test_booleans_numbers_nulls_and_defaults(count):
    rows = [
        {
            "repo_id": f"org/model-{i}",
            "name": AWKWARD_TEXT[i % len(AWKWARD_TEXT)] or "x",
            "private": i % 2 == 0,
            "downloads": i * 1_000_003,
            "trending_score": i / 7 if i % 3 else None,
            "hub_created_at": WHEN if i % 2 else None,
            "tags": ["license:mit", f"tag\t{i}"],
            "card_data": AWKWARD_JSON[i % len(AWKWARD_JSON)] or {},
        }
        for i in range(count)
    ]
    bulk.upsert(AIModel, rows, conflict=["source", "repo_id"])
    stored = {m.repo_id: m for m in AIModel.objects.all()}
    assert len(stored) == count
    for row in rows:
        model = stored[row["repo_id"]]
        for key, value in row.items():
            if key == "trending_score" and value is not None:
                assert getattr(model, key) == pytest.approx(value, rel=1e-12)
            else:
                assert getattr(model, key) == value, key
        assert model.source == "huggingface"  # the model's default, filled in by bulk.complete
        assert model.disabled is False
        assert model.is_placeholder is False


def test_a_preserialised_json_value_is_written_as_is():
    text = '{"k":"a\\\\b","n":[1,2]}'
    rows = evidence_rows(bulk.COPY_THRESHOLD, version=0)
    for row in rows:
        row["value"] = bulk.Json(text)
    bulk.upsert(Evidence, rows, conflict=["subject_type", "subject_id", "fact", "origin"])
    values = [value for _, value, *_ in stored_evidence()]
    assert len(values) == bulk.COPY_THRESHOLD
    assert all(value == {"k": "a\\b", "n": [1, 2]} for value in values)
