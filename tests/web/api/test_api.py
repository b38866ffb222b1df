"""The read-only REST API v1 against the crawled snapshot.

Expectations come from the database the crawl filled and from the rules (the shared FilterSet,
``SORTS`` and its tiebreak, the license knowledge base), never from a previous run.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
import yaml
from django.core.cache import cache
from django.core.management import call_command
from django.http import QueryDict
from django.utils.http import http_date, parse_http_date

from catalog import choices
from catalog.models import AIModel, CodeRepository, Dataset, LineageEdge
from scoring import selectors
from scoring.filters import SORTS
from scoring.licenses import knowledge_base
from scoring.models import MethodologyVersion, Score, ScoreChange
from tests.web_api_data import (
    API_V1_PATHS,
    approve_correction,
    expected_order,
    listed_rows,
    seed_nullable_columns,
)
from web.exports import DATA_LICENSE, DATA_LICENSE_URL, export_write

pytestmark = pytest.mark.django_db

API = "/api/v1"
QUANTIZED = "TheBloke/Llama-2-7B-GGUF"
BASE = "meta-llama/Llama-2-7b-hf"
# declares "other" and names no licence the knowledge base knows: unknown until corrected
CORRECTED = "facebook/opt-30b"
LIST_KEYS = {
    "id",
    "url",
    "organization",
    "total",
    "levels",
    "corrected",
    "unknown_count",
    "license",
    "mof_class",
    "osaid_ready",
    "is_derivative",
    "pipeline_tag",
    "modality",
    "downloads",
    "likes",
    "parameters",
    "released_at",
    "last_crawled_at",
    "stale",
    "methodology",
    "computed_at",
}
DETAIL_KEYS = LIST_KEYS | {"hub_url", "hub", "judgments", "lineage", "sources", "mof", "osaid"}
DIMENSIONS = ("weights", "training_data", "training_code", "license")
# Crawler bookkeeping, reviewer details and free-text notes: never part of an answer.
INTERNAL_KEYS = {
    "crawl_error",
    "crawl_error_at",
    "crawl_failures",
    "submitted_by",
    "submitted_at",
    "reviewed_by",
    "note",
    "review_note",
    "etags",
    "outputs_hash",
    "card_data",
    "card_html",
    "link_patterns",
    "kb_digest",
    "tree_sha",
    "detail_sha",
    "is_listed",
    "is_notable",
    "password",
    "email",
}


@pytest.fixture
def api(client, crawled, no_throttle):
    return client


def get_json(client, url: str, status: int = 200, **headers) -> dict:
    response = client.get(url, headers=headers)
    assert response.status_code == status, (url, response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def walk(client, url: str, *, max_pages: int = 500) -> list[dict]:
    """Every result of a paginated endpoint, following the ``next`` links."""
    results: list[dict] = []
    for _ in range(max_pages):
        page = get_json(client, url)
        assert set(page) == {"next", "first", "results"}
        results += page["results"]
        if page["next"] is None:
            return results
        assert page["results"], "a page with a next link is never empty"
        url = page["next"]
    raise AssertionError(f"more than {max_pages} pages from {url}")


def ids(results: list[dict]) -> list[str]:
    return [r["id"] for r in results]


def all_keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in all_keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in all_keys(v)}
    return set()


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"status", "code", "message", "details"}
    assert body["error"]["status"] == status
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code
    return body["error"]


def cursor_of(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


# --- the model list --------------------------------------------------------------------------------
def test_list_items_carry_exactly_the_public_fields_and_the_scores(api):
    results = walk(api, f"{API}/models/?show=all&page_size=200")
    stored = {s.repo_id: s for s in Score.objects.filter(is_listed=True).select_related("methodology")}
    assert sorted(ids(results)) == sorted(stored)
    for item in results:
        assert set(item) == LIST_KEYS
        assert set(item["levels"]) == set(DIMENSIONS)
        assert set(item["license"]) == {"key", "declared", "conflict"}
        row = stored[item["id"]]
        assert item["levels"] == {d: getattr(row, d) for d in DIMENSIONS}
        assert item["total"] == row.total
        assert item["organization"] == row.organization_name
        assert item["methodology"] == row.methodology.version
        assert item["license"]["key"] == (row.license_key or None)
        assert item["license"]["conflict"] is row.has_license_conflict
        assert item["mof_class"] == (row.mof_class or None)
        assert item["url"] == f"http://testserver{API}/models/{row.repo_id}/"


def test_the_default_page_holds_fifty_and_links_the_next_with_the_same_query(api):
    page = get_json(api, f"{API}/models/?show=all&weights=open")
    expected = listed_rows(weights="open")
    assert len(page["results"]) == min(50, len(expected))
    assert len(expected) > 50, "the filter keeps more than one page"
    query = QueryDict(page["next"].split("?", 1)[1])
    assert query["show"] == "all"
    assert query["weights"] == "open"
    assert query["cursor"]
    assert "cursor" not in page["first"]


NULLABLE_AND_PLAIN_SORTS = [
    "total",
    "-total",
    "name",
    "-name",
    "organization",
    "weights",
    "training_code",
    "license",
    "mof",
    "downloads",
    "likes",
    "parameters",
    "-parameters",
    "released",
    "-released",
    "crawled",
    "-crawled",
]


@pytest.mark.parametrize("sort", NULLABLE_AND_PLAIN_SORTS)
def test_next_links_walk_the_whole_set_in_order_without_duplicates_or_gaps(api, sort):
    seed_nullable_columns()
    walked = ids(walk(api, f"{API}/models/?show=all&page_size=7&sort={sort}"))
    assert len(walked) == len(set(walked)), "no model twice"
    assert walked == expected_order(listed_rows(), sort)


@pytest.mark.parametrize(
    ("query", "filters"),
    [
        ("license_grade=open&sort=parameters", {"license": "open"}),
        ("lineage=derivative&sort=-released", {"is_derivative": True}),
        ("training_code=closed&sort=released", {"training_code": "closed"}),
        ("modality=text&sort=weights", {"modality": "text"}),
    ],
)
def test_next_links_walk_a_filtered_set(api, query, filters):
    seed_nullable_columns()
    rows = listed_rows(**filters)
    assert 7 < len(rows) < Score.objects.filter(is_listed=True).count(), "the filter narrows to several pages"
    walked = ids(walk(api, f"{API}/models/?show=all&page_size=7&{query}"))
    assert walked == expected_order(rows, QueryDict(query)["sort"])


def test_rows_added_meanwhile_never_shift_a_page(api):
    first = get_json(api, f"{API}/models/?show=all&sort=name&page_size=10")
    seen = ids(first["results"])
    # a model now sorts before the first page (as a new one would): an offset would repeat
    # the last row seen; the cursor goes on right after it
    later = sorted(r["repo_id"] for r in listed_rows())[30]
    Score.objects.filter(repo_id=later).update(repo_id="0000-new/model")
    rows = sorted(r["repo_id"] for r in listed_rows())
    assert rows[10] == seen[-1]
    second = get_json(api, first["next"])
    assert ids(second["results"]) == rows[11:21]


@pytest.mark.parametrize(
    ("size", "status"),
    [("1", 200), ("200", 200), ("201", 400), ("0", 400), ("-3", 400), ("ten", 400), ("1e2", 400)],
)
def test_page_size_is_between_one_and_two_hundred(api, size, status):
    response = api.get(f"{API}/models/", {"show": "all", "page_size": size})
    if status == 200:
        assert len(response.json()["results"]) == min(int(size), Score.objects.filter(is_listed=True).count())
    else:
        error = assert_error(response, 400, "invalid_request")
        assert "page_size" in error["details"]
        assert "200" in error["message"]


def test_page_size_is_capped_on_every_list(api):
    for endpoint in ("models", "changes", "organizations", "datasets", "repositories", "licenses"):
        assert_error(api.get(f"{API}/{endpoint}/", {"page_size": "201"}), 400, "invalid_request")


@pytest.mark.parametrize(
    "cursor",
    [
        "not a cursor!",
        cursor_of({"total": 50}),
        cursor_of([50.0]),  # the wrong number of values for this ordering
        cursor_of(["fifty", "org/name", 1]),  # a text where the total is a number
        cursor_of([[50], "org/name", 1]),
        cursor_of([50.0, {"x": 1}, 1]),
        cursor_of([{"t": "2026-01-01T00:00:00"}, "org/name", 1]),
        cursor_of([1e308 * 10, "org/name", 1]),
        cursor_of([50.0, "org/name", 10**40]),
    ],
)
def test_an_invalid_cursor_is_a_400(api, cursor):
    error = assert_error(api.get(f"{API}/models/", {"cursor": cursor}), 400, "invalid_request")
    assert "cursor" in error["details"]


def test_a_cursor_from_another_ordering_is_a_400(api):
    page = get_json(api, f"{API}/models/?show=all&page_size=5&sort=weights")
    cursor = QueryDict(page["next"].split("?", 1)[1])["cursor"]
    assert_error(api.get(f"{API}/models/", {"show": "all", "sort": "name", "cursor": cursor}), 400)


# --- filters: the leaderboard's -------------------------------------------------------------------
FILTER_QUERIES = [
    "weights=open",
    "license_grade=partial&lineage=derivative",
    "q=llama",
    "organization=meta-llama&sort=name",
    "modality=code&sort=-total",
    "osaid_ready=true",
    "training_code=open&training_data=open",
    "show=all&mof_class=0&sort=license",
    "pipeline_tag=text-generation&training_data=closed&sort=organization",
    "license=Apache-2.0&lineage=base",
    "released_after=2024-03-01&released_before=2024-05-31&sort=released",
    "min_downloads=1000&sort=downloads",
]


@pytest.mark.parametrize("query", FILTER_QUERIES)
def test_filters_select_the_same_models_as_the_leaderboard(api, settings, query):
    seed_nullable_columns()
    settings.LEADERBOARD_PAGE_SIZE = 500
    _, queryset = selectors.filtered_scores(QueryDict(query))
    expected = list(queryset.values_list("repo_id", flat=True))
    assert expected, f"{query} selects nothing: the comparison would prove nothing"
    assert len(expected) < Score.objects.filter(is_listed=True).count() or "show=all" in query
    assert ids(walk(api, f"{API}/models/?{query}&page_size=200")) == expected
    page = api.get("/", QueryDict(query))
    assert page.status_code == 200
    board = re.findall(r'<td class="model"><a href="/models/([^"]+)/">', page.content.decode())
    assert board == expected


# --- one model ------------------------------------------------------------------------------------
def test_model_detail_shows_judgments_with_evidence_lineage_license_mof_and_osaid(api):
    item = get_json(api, f"{API}/models/{QUANTIZED}/")
    assert set(item) == DETAIL_KEYS
    score = Score.objects.select_related("detail", "model").get(repo_id=QUANTIZED)
    model = score.model
    assert item["id"] == QUANTIZED
    assert item["hub_url"] == f"https://huggingface.co/{QUANTIZED}"
    assert item["hub"]["sha"] == model.sha
    assert item["hub"]["placeholder"] is False
    assert item["levels"] == {d: getattr(score, d) for d in DIMENSIONS}

    assert set(item["judgments"]) == set(DIMENSIONS)
    for dimension, judgment in item["judgments"].items():
        assert set(judgment) == {"level", "points", "rationale", "origin", "evidence", "details"}
        assert judgment["level"] == getattr(score, dimension)
        assert judgment["rationale"].strip()
        assert judgment["origin"] in {"crawled", "inferred", "corrected"}
        assert judgment["evidence"], f"{dimension} rests on evidence"
        for evidence in judgment["evidence"]:
            assert {"fact", "subject", "source_url", "fetched_at", "origin"} <= set(evidence)
            assert evidence["source_url"].startswith("https://")
            assert dt.datetime.fromisoformat(evidence["fetched_at"]).tzinfo is not None
            if evidence["subject"] == f"model:{QUANTIZED}":
                assert evidence["revision"] == model.sha
    # a quantization inherits what its base decides: at least one judgment says so
    assert "inferred" in {j["origin"] for j in item["judgments"].values()}

    edges = LineageEdge.objects.filter(child=model).select_related("parent")
    assert item["lineage"]["bases"] == [{"id": e.parent.repo_id, "relation": e.relation} for e in edges]
    assert [b["id"] for b in item["lineage"]["bases"]] == [BASE]
    assert item["lineage"]["derivatives"] == LineageEdge.objects.filter(parent=model).count()
    base = get_json(api, f"{API}/models/{BASE}/")
    assert base["lineage"]["derivatives"] == LineageEdge.objects.filter(parent__repo_id=BASE).count() >= 1

    entry = knowledge_base().entries[score.license_key]
    assert item["license"] == {
        "key": score.license_key,
        "declared": score.license_label,
        "conflict": score.detail.license_conflict or None,
        "grade": score.license,
        "attributes": entry.attributes,
        "restrictions": entry.restrictions(),
        "text_url": entry.text_url,
    }
    assert item["mof"] == {
        "class": score.mof_class or None,
        "progress": score.detail.mof_progress,
        "missing_for_next_class": score.detail.mof_missing,
        "ceiling": score.detail.mof_ceiling or None,
        "not_read": score.detail.mof_unread,
    }
    assert item["osaid"] == {"ready": score.osaid_ready, "failing": score.detail.osaid_failing}
    assert item["osaid"]["ready"] or item["osaid"]["failing"], "a model that is not ready says why"


def test_a_corrected_judgment_says_so(api, reviewers, django_capture_on_commit_callbacks):
    model = AIModel.objects.get(repo_id=CORRECTED)
    assert get_json(api, f"{API}/models/{CORRECTED}/")["judgments"]["license"]["origin"] != "corrected"
    approve_correction(
        model,
        fact=choices.CorrectionFact.LICENSE,
        value={"license": "grok2-community"},
        reviewers=reviewers,
        capture=django_capture_on_commit_callbacks,
    )
    judgment = get_json(api, f"{API}/models/{CORRECTED}/")["judgments"]["license"]
    assert judgment["origin"] == "corrected"
    assert judgment["level"] == knowledge_base().resolve_declared(["grok2-community"], "", "").grade
    assert any(
        e["subject"].startswith("correction:") and e["origin"] == "corrected" for e in judgment["evidence"]
    )


def test_every_model_detail_matches_its_score(api):
    for score in Score.objects.filter(is_listed=True).select_related("detail"):
        item = get_json(api, f"{API}/models/{score.repo_id}/")
        assert set(item) == DETAIL_KEYS
        assert {d: j["level"] for d, j in item["judgments"].items()} == {
            d: getattr(score, d) for d in DIMENSIONS
        }
        assert not all_keys(item) & INTERNAL_KEYS


@pytest.mark.parametrize("path", ["models/nobody/nothing/", "models/nobody/nothing/history/"])
def test_an_unknown_model_is_a_json_404(api, path):
    error = assert_error(api.get(f"{API}/{path}"), 404, "not_found")
    assert "nobody/nothing" in error["message"]


def test_history_lists_every_change_newest_first(api, reviewers, django_capture_on_commit_callbacks):
    history = walk(api, f"{API}/models/{CORRECTED}/history/")
    assert len(history) == 1
    assert history[0]["cause"] == "crawl"
    assert history[0]["old"] is None
    approve_correction(
        AIModel.objects.get(repo_id=CORRECTED),
        fact=choices.CorrectionFact.LICENSE,
        value={"license": "grok2-community"},
        reviewers=reviewers,
        capture=django_capture_on_commit_callbacks,
    )
    history = walk(api, f"{API}/models/{CORRECTED}/history/?page_size=1")
    stored = ScoreChange.objects.filter(model__repo_id=CORRECTED).order_by("-changed_at", "-id")
    assert [h["id"] for h in history] == [c.id for c in stored]
    assert [h["cause"] for h in history] == ["correction", "crawl"]
    latest = history[0]
    assert set(latest) == {"id", "model", "methodology", "changed_at", "cause", "old", "new"}
    assert latest["model"] == CORRECTED
    assert latest["old"] == history[1]["new"]
    assert latest["new"]["license"] == Score.objects.get(repo_id=CORRECTED).license


# --- the change feed -----------------------------------------------------------------------------
def test_the_feed_walks_every_change_newest_first(api):
    feed = walk(api, f"{API}/changes/?page_size=40")
    stored = list(ScoreChange.objects.order_by("-changed_at", "-id").values_list("id", flat=True))
    assert [c["id"] for c in feed] == stored
    assert len(stored) == AIModel.objects.count(), "the crawl scored every model once"


def test_since_starts_the_feed_at_a_moment(api, reviewers, django_capture_on_commit_callbacks):
    approve_correction(
        AIModel.objects.get(repo_id=CORRECTED),
        fact=choices.CorrectionFact.LICENSE,
        value={"license": "grok2-community"},
        reviewers=reviewers,
        capture=django_capture_on_commit_callbacks,
    )
    moment = ScoreChange.objects.get(model__repo_id=CORRECTED, cause="correction").changed_at
    expected = list(
        ScoreChange.objects.filter(changed_at__gte=moment)
        .order_by("-changed_at", "-id")
        .values_list("id", flat=True)
    )
    assert 0 < len(expected) < ScoreChange.objects.count()
    for since in (moment.isoformat(), moment.isoformat().replace("+00:00", "Z")):
        feed = walk(api, f"{API}/changes/?{urlencode({'since': since})}")
        assert [c["id"] for c in feed] == expected
    day = walk(api, f"{API}/changes/?since={(moment + dt.timedelta(days=1)).date().isoformat()}")
    assert day == []
    corrections = walk(api, f"{API}/changes/?cause=correction")
    assert {c["model"] for c in corrections} == {CORRECTED}


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("since=yesterday", "since"),
        ("since=2026-13-45", "since"),
        ("since=2026-11-01T25:00", "since"),
        ("cause=gremlins", "cause"),
    ],
)
def test_a_malformed_feed_parameter_is_a_400(api, query, parameter):
    error = assert_error(api.get(f"{API}/changes/?{query}"), 400, "invalid_request")
    assert parameter in error["details"]


# --- organizations, datasets, repositories, licenses, methodology, export -------------------------
def test_organizations_count_their_models(api):
    orgs = walk(api, f"{API}/organizations/?page_size=25")
    rows = listed_rows()
    names = sorted({r["organization_name"] for r in rows if r["organization_name"]})
    assert [o["name"] for o in orgs] == names
    for org in orgs:
        assert set(org) == {"name", "models", "mean_total", "open_weights", "url"}
        mine = [r for r in rows if r["organization_name"] == org["name"]]
        assert org["models"] == len(mine)
        assert org["open_weights"] == sum(r["weights"] == "open" for r in mine)
        assert org["mean_total"] == pytest.approx(
            sum(r["total"] for r in mine) / len(mine), abs=0.051
        )  # shown to 0.1
    meta = next(o for o in orgs if o["name"] == "meta-llama")
    assert sorted(ids(walk(api, meta["url"]))) == sorted(
        r["repo_id"] for r in rows if r["organization_name"] == "meta-llama"
    )
    assert {o["name"] for o in walk(api, f"{API}/organizations/?q=META")} == {
        n for n in names if "meta" in n.lower()
    }


DATASET_KEYS = {
    "id",
    "source",
    "url",
    "status",
    "gated",
    "private",
    "license_declared",
    "size_category",
    "resolution_error",
    "crawled_at",
}


def test_datasets_list_and_detail(api):
    datasets = walk(api, f"{API}/datasets/?page_size=30")
    assert [d["id"] for d in datasets] == sorted(Dataset.objects.values_list("repo_id", flat=True))
    assert all(set(d) == DATASET_KEYS for d in datasets)
    available = walk(api, f"{API}/datasets/?status=available")
    assert available
    assert {d["status"] for d in available} == {"available"}
    assert len(available) == Dataset.objects.filter(status="available").count()
    hub = next(d for d in datasets if d["source"] == "huggingface" and d["status"] == "available")
    assert get_json(api, f"{API}/datasets/{hub['id']}/") == hub
    assert_error(api.get(f"{API}/datasets/nobody/nothing/"), 404, "not_found")


REPOSITORY_KEYS = {
    "full_name",
    "host",
    "url",
    "status",
    "canonical",
    "classification",
    "evidence_paths",
    "license_spdx",
    "license_name",
    "archived",
    "default_branch",
    "pushed_at",
    "tree_truncated",
    "crawled_at",
}


def test_repositories_list_and_detail(api):
    repositories = walk(api, f"{API}/repositories/?page_size=30")
    assert [r["full_name"] for r in repositories] == sorted(
        CodeRepository.objects.values_list("full_name", flat=True)
    )
    assert all(set(r) == REPOSITORY_KEYS for r in repositories)
    training = walk(api, f"{API}/repositories/?classification=training")
    assert training
    assert {r["classification"] for r in training} == {"training"}
    one = training[0]
    assert get_json(api, f"{API}/repositories/{one['full_name']}/") == one
    owner, name = one["full_name"].split("/")
    assert get_json(api, f"{API}/repositories/{owner.upper()}/{name}/") == one, "names are case-insensitive"
    assert_error(api.get(f"{API}/repositories/nobody/nothing/"), 404, "not_found")


LICENSE_KEYS = {
    "key",
    "spdx_id",
    "name",
    "hub_tag",
    "kind",
    "grade",
    "grade_reason",
    "attributes",
    "restrictions",
    "aliases",
    "text_url",
    "notes",
}


def test_licenses_are_the_knowledge_base(api):
    entries = knowledge_base().entries
    licenses = walk(api, f"{API}/licenses/?page_size=40")
    assert sorted(lic["key"] for lic in licenses) == sorted(entries)
    for lic in licenses:
        assert set(lic) == LICENSE_KEYS
        entry = entries[lic["key"]]
        assert (lic["grade"], lic["attributes"], lic["restrictions"]) == (
            entry.grade,
            entry.attributes,
            entry.restrictions(),
        )
    closed = walk(api, f"{API}/licenses/?grade=closed")
    assert sorted(lic["key"] for lic in closed) == sorted(
        k for k, e in entries.items() if e.grade == "closed"
    )
    assert get_json(api, f"{API}/licenses/Apache-2.0/")["name"] == entries["Apache-2.0"].name
    assert_error(api.get(f"{API}/licenses/No-Such-License/"), 404, "not_found")


def test_methodology_versions(api):
    current = selectors.current_methodology()
    body = get_json(api, f"{API}/methodology/")
    assert set(body) == {"results"}
    assert [v["version"] for v in body["results"]] == list(
        MethodologyVersion.objects.order_by("-published_on", "-id").values_list("version", flat=True)
    )
    one = get_json(api, f"{API}/methodology/{current.version}/")
    assert set(one) == {"version", "name", "published_on", "weights", "changelog", "is_current"}
    assert one["weights"] == current.weights
    assert one["is_current"] is True
    assert_error(api.get(f"{API}/methodology/9.9/"), 404, "not_found")


def test_export_info_names_the_dump_its_license_and_citation(api, settings, tmp_path):
    settings.EXPORT_DIR = tmp_path
    info = get_json(api, f"{API}/export/")
    assert info["files"] == []
    assert (info["license"], info["license_url"]) == (DATA_LICENSE, DATA_LICENSE_URL)
    assert info["methodology"] == selectors.current_methodology().version
    assert "CC BY 4.0" in info["citation"]
    export_write(tmp_path)
    cache.clear()
    files = get_json(api, f"{API}/export/")["files"]
    assert [f["name"] for f in files] == ["openness-index.jsonl", "openness-index.csv"]
    for f in files:
        assert set(f) == {"name", "url", "bytes", "modified"}
        assert f["bytes"] == (Path(tmp_path) / f["name"]).stat().st_size > 0
        assert f["url"] == f"http://testserver/data/{f['name']}"


# --- nothing internal leaks ------------------------------------------------------------------------
def test_no_internal_field_or_note_leaks(api, reviewers, django_capture_on_commit_callbacks):
    secret = "internal-reviewer-note-7c1f"
    model = AIModel.objects.get(repo_id=CORRECTED)
    approve_correction(
        model,
        fact=choices.CorrectionFact.WEIGHTS,
        value={"level": "open", "rationale": "The weights are public on the Hub."},
        reviewers=reviewers,
        capture=django_capture_on_commit_callbacks,
        note=secret,
    )
    AIModel.objects.filter(pk=model.pk).update(crawl_error="internal crawl error 9d2e")
    CodeRepository.objects.update(etags={"repo": 'W/"internal-etag-5b"'})
    urls = [
        f"{API}/models/?show=all&page_size=200",
        f"{API}/models/{CORRECTED}/",
        f"{API}/models/{QUANTIZED}/",
        f"{API}/models/{CORRECTED}/history/",
        f"{API}/changes/?page_size=200",
        f"{API}/organizations/",
        f"{API}/datasets/?page_size=200",
        f"{API}/repositories/?page_size=200",
        f"{API}/licenses/?page_size=200",
        f"{API}/methodology/",
        f"{API}/export/",
    ]
    for url in urls:
        response = api.get(url)
        assert response.status_code == 200
        text = response.content.decode()
        assert not all_keys(response.json()) & INTERNAL_KEYS, url
        for leaked in (secret, "internal crawl error", "internal-etag", "alice", "bob"):
            assert leaked not in text, (url, leaked)
    assert get_json(api, f"{API}/models/{CORRECTED}/")["judgments"]["weights"]["origin"] == "corrected"


# --- errors ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        f"{API}/models/",
        f"{API}/models/{QUANTIZED}/",
        f"{API}/changes/",
        f"{API}/licenses/",
        f"{API}/datasets/",
        f"{API}/methodology/",
        f"{API}/export/",
    ],
)
def test_an_unknown_parameter_is_a_400_that_names_it(api, url):
    error = assert_error(api.get(url, {"colour": "blue"}), 400, "invalid_request")
    assert "colour" in error["message"]
    assert "unknown_parameters" in error["details"]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("weights=mostly", "weights"),
        ("license_grade=free", "license_grade"),
        ("min_downloads=-1", "min_downloads"),
        ("min_downloads=many", "min_downloads"),
        ("released_after=last-year", "released_after"),
        ("sort=popularity", "sort"),
        ("show=some", "show"),
        ("mof_class=7", "mof_class"),
        ("osaid_ready=maybe", "osaid_ready"),
        ("lineage=cousin", "lineage"),
        (f"q={'x' * 101}", "q"),
    ],
)
def test_a_malformed_filter_value_is_a_400_that_names_the_filter(api, query, parameter):
    error = assert_error(api.get(f"{API}/models/?{query}"), 400, "invalid_request")
    assert parameter in error["details"]
    assert error["message"].startswith(f"{parameter}:")


@pytest.mark.parametrize(
    "path", ["/api/v2/models/", f"{API}/nothing/", f"{API}/models/a/b/c/d/", f"{API}/models/%0A/x/", "/api/"]
)
def test_an_unknown_api_route_is_a_json_404(api, path):
    assert_error(api.get(path), 404, "not_found")


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("url", [f"{API}/models/", f"{API}/models/{QUANTIZED}/", f"{API}/licenses/"])
def test_there_are_no_write_endpoints(api, method, url):
    response = getattr(api, method)(url, data=json.dumps({"total": 100}), content_type="application/json")
    assert_error(response, 405, "method_not_allowed")
    assert "POST" not in response["Allow"]
    assert "GET" in response["Allow"]


# --- conditional requests and caching -------------------------------------------------------------
CONDITIONAL_URLS = [
    f"{API}/models/?weights=open",
    f"{API}/models/{QUANTIZED}/",
    f"{API}/licenses/",
    f"{API}/changes/",
    f"{API}/models/{QUANTIZED}/history/",
]


@pytest.mark.parametrize("url", CONDITIONAL_URLS)
def test_conditional_get_answers_304(api, url):
    first = api.get(url)
    assert first.status_code == 200
    etag, last_modified = first["ETag"], first["Last-Modified"]
    assert re.fullmatch(r'W/"[0-9a-f]{20}"', etag)
    assert parse_http_date(last_modified) <= dt.datetime.now(dt.UTC).timestamp() + 1
    assert first["Cache-Control"] == "public, max-age=60"

    again = api.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert api.get(url, headers={"If-None-Match": f'W/"0000", {etag}'}).status_code == 304
    assert api.get(url, headers={"If-None-Match": 'W/"0000"'}).status_code == 200
    assert api.get(url, headers={"If-Modified-Since": last_modified}).status_code == 304
    earlier = http_date(parse_http_date(last_modified) - 3600)
    assert api.get(url, headers={"If-Modified-Since": earlier}).status_code == 200


def test_each_url_has_its_own_etag(api):
    tags = {api.get(url)["ETag"] for url in CONDITIONAL_URLS}
    assert len(tags) == len(CONDITIONAL_URLS)


def test_a_rescore_that_writes_retires_the_old_etag(api, reviewers, django_capture_on_commit_callbacks):
    url = f"{API}/models/{CORRECTED}/"
    before = api.get(url)
    etag = before["ETag"]
    assert api.get(url, headers={"If-None-Match": etag}).status_code == 304
    approve_correction(
        AIModel.objects.get(repo_id=CORRECTED),
        fact=choices.CorrectionFact.LICENSE,
        value={"license": "grok2-community"},
        reviewers=reviewers,
        capture=django_capture_on_commit_callbacks,
    )
    after = api.get(url, headers={"If-None-Match": etag})
    assert after.status_code == 200
    assert after["ETag"] != etag
    assert after.json()["levels"]["license"] != before.json()["levels"]["license"]
    assert api.get(url, headers={"If-None-Match": after["ETag"]}).status_code == 304


# --- throttling -----------------------------------------------------------------------------------
def test_the_fourth_request_in_a_minute_is_throttled(client, crawled, monkeypatch):
    from rest_framework.throttling import AnonRateThrottle

    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/min"})
    for _ in range(3):
        assert client.get(f"{API}/licenses/").status_code == 200
    response = client.get(f"{API}/licenses/")
    error = assert_error(response, 429, "throttled")
    assert 0 < int(response["Retry-After"]) <= 60
    assert "throttled" in error["message"].lower()
    assert client.get(f"{API}/models/", REMOTE_ADDR="198.51.100.7").status_code == 200, "per address"


# --- CORS -----------------------------------------------------------------------------------------
def test_a_cross_origin_get_is_allowed_without_credentials(api):
    response = api.get(f"{API}/models/", headers={"Origin": "https://example.net"})
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    assert "ETag" in response["Access-Control-Expose-Headers"]


def test_a_preflight_allows_reads_only(api):
    def preflight(method: str):
        return api.options(
            f"{API}/models/",
            headers={"Origin": "https://example.net", "Access-Control-Request-Method": method},
        )

    allowed = preflight("GET")
    assert allowed.status_code == 200
    assert allowed["Access-Control-Allow-Origin"] == "*"
    assert "GET" in allowed["Access-Control-Allow-Methods"]
    refused = preflight("POST")
    methods = {m.strip() for m in refused.get("Access-Control-Allow-Methods", "").split(",")}
    assert not methods & {"POST", "PUT", "PATCH", "DELETE"}


@pytest.mark.parametrize("path", ["/", f"/models/{QUANTIZED}/", "/export.csv"])
def test_pages_outside_the_api_send_no_cors_headers(api, path):
    response = api.get(path, headers={"Origin": "https://example.net"})
    assert response.status_code == 200
    assert not [h for h in response.headers if h.lower().startswith("access-control-")]


# --- SQL queries ----------------------------------------------------------------------------------
QUERY_URLS = [
    f"{API}/models/?weights=open&license_grade=partial&lineage=derivative&sort=parameters&q=a&page_size=20",
    f"{API}/models/?show=all&modality=text&training_code=closed&sort=-released",
    f"{API}/models/{QUANTIZED}/",
    f"{API}/models/{QUANTIZED}/history/",
    f"{API}/changes/?page_size=100",
    f"{API}/licenses/?page_size=100",
    f"{API}/licenses/Apache-2.0/",
    f"{API}/organizations/?page_size=100",
    f"{API}/datasets/?page_size=100",
    f"{API}/datasets/allenai/dolma/",
    f"{API}/repositories/?page_size=100",
    f"{API}/repositories/allenai/OLMo/",
    f"{API}/methodology/",
    f"{API}/methodology/1.0/",
    f"{API}/export/",
]


@pytest.mark.parametrize("url", QUERY_URLS)
def test_each_endpoint_needs_at_most_six_queries(api, url, django_assert_max_num_queries):
    cache.clear()
    with django_assert_max_num_queries(6):  # cold cache: data version and methodology read too
        assert api.get(url).status_code == 200
    with django_assert_max_num_queries(6):  # warm
        assert api.get(url).status_code == 200
    etag = api.get(url)["ETag"]
    with django_assert_max_num_queries(0):  # a revalidation costs a cache lookup and no query
        assert api.get(url, headers={"If-None-Match": etag}).status_code == 304


def test_a_deep_page_costs_what_the_first_does(api, django_assert_max_num_queries):
    page = get_json(api, f"{API}/models/?show=all&page_size=5")
    for _ in range(10):
        page = get_json(api, page["next"])
    with django_assert_max_num_queries(6):
        assert api.get(page["next"]).status_code == 200


# --- OpenAPI and its documentation pages ---------------------------------------------------------
def test_the_schema_is_openapi_3_and_lists_every_endpoint(api):
    response = api.get(f"{API}/schema/")
    assert response.status_code == 200
    document = yaml.safe_load(response.content)
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    as_json = get_json(api, f"{API}/schema/", Accept="application/json")
    assert document == as_json
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] == "Openness Index API"
    assert set(document["paths"]) == {f"{API}/{p}" for p in API_V1_PATHS}
    models = document["paths"][f"{API}/models/"]["get"]
    parameters = {p["name"]: p for p in models["parameters"]}
    assert set(parameters) == set(selectors.ScoreFilterSet.base_filters) | {"cursor", "page_size", "as_of"}
    assert sorted(parameters["sort"]["schema"]["enum"]) == sorted(
        k for key in SORTS for k in ((key,) if key == "relevance" else (key, f"-{key}"))
    )
    assert sorted(parameters["weights"]["schema"]["enum"]) == ["closed", "open", "partial", "unknown"]
    assert parameters["page_size"]["schema"]["maximum"] == 200
    assert set(models["responses"]) == {"200", "303", "304", "400", "429"}
    assert set(document["paths"][f"{API}/models/{{owner}}/{{name}}/"]["get"]["responses"]) == {
        "200",
        "304",
        "400",
        "404",
        "429",
    }
    for path in document["paths"].values():
        assert set(path) == {"get"}, "read-only"


def test_the_schema_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert yaml.safe_load(target.read_text())["openapi"].startswith("3.")


@pytest.mark.parametrize("path", [f"{API}/docs/", f"{API}/redoc/"])
def test_the_documentation_pages_load_only_local_assets(api, path):
    response = api.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"https?://", html), "no CDN or other remote URL"
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(a.endswith(".js") for a in assets)
    for asset in assets:
        assert asset.startswith("/"), asset
        assert api.get(asset).status_code == 200, asset
    policy = response["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]*)", policy).group(1).split()
    assert script_src == ["'self'"]
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "no inline script"
