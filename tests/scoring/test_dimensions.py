"""``scoring.dimensions`` is the one list of dimensions, and every registered dimension is
wired through: its Score column, its filter and sort, its API field (list, detail, schema),
its export column, its page sections, its badge letter, its admin column and its judge.

Adding a dimension (docs/adding-a-dimension.md) is done when this module passes for it.
The expectations are read from each registry entry, never written out per dimension.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from django.contrib import admin
from django.db import models

from scoring import dimensions, rubric, selectors
from scoring.filters import SORTS, ScoreFilterSet
from scoring.levels import LEVEL_CHOICES, LEVELS
from scoring.models import Score, ScoreChange
from tests.web_api_data import crawled, no_throttle  # noqa: F401
from web import badges, exports
from web.api.serializers import LevelsSerializer, ModelDetailSerializer, ModelListSerializer
from web.rendering import BOARD_COLUMNS
from web.templatetags.openness import DESCENDING_SORTS, levels_summary

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
EACH = pytest.mark.parametrize("dimension", dimensions.ALL, ids=lambda d: d.key)
QUANTIZED = "TheBloke/Llama-2-7B-GGUF"  # a derivative: every judge has something to say


@pytest.fixture
def site(client, crawled, no_throttle):  # noqa: F811
    return client


def a_score() -> Score:
    return Score.objects.select_related("detail", "methodology").get(repo_id=QUANTIZED)


# --- one source --------------------------------------------------------------------------------
def test_the_rubric_takes_its_dimensions_from_the_registry():
    assert rubric.DIMENSIONS == dimensions.KEYS == tuple(d.key for d in dimensions.ALL)
    assert {d.key: d.label for d in dimensions.ALL} == rubric.DIMENSION_LABELS
    assert (rubric.WEIGHTS, rubric.DATA, rubric.CODE, rubric.LICENSE) == (
        dimensions.WEIGHTS,
        dimensions.DATA,
        dimensions.CODE,
        dimensions.LICENSE,
    )
    assert list(rubric.METHODOLOGY_V1.weights) == list(dimensions.KEYS)
    assert {d.key: d for d in dimensions.ALL} == dimensions.BY_KEY


def test_every_derived_list_follows_the_registry_order():
    assert tuple((d.key, d.letter) for d in dimensions.ALL) == badges.SHORT
    assert list(LevelsSerializer().fields) == [d.api_field for d in dimensions.ALL]
    level_columns = [c for c in exports.COLUMNS if c in {d.export_column for d in dimensions.ALL}]
    assert level_columns == [d.export_column for d in dimensions.ALL]
    score_admin = admin.site._registry[Score]
    shown = [c for c in score_admin.list_display if c in dimensions.COLUMNS]
    assert shown == list(dimensions.COLUMNS)
    level_sorts = [key for key in SORTS if key in {d.sort_key for d in dimensions.ALL}]
    assert level_sorts == [d.sort_key for d in dimensions.ALL]
    assert 11 + len(dimensions.ALL) == BOARD_COLUMNS


def test_the_registry_gives_each_dimension_its_own_names():
    for attribute in ("key", "label", "letter", "column", "api_field", "export_column", "filter_name"):
        values = [getattr(d, attribute) for d in dimensions.ALL]
        assert len(set(values)) == len(values), attribute


# Files that once wrote the dimensions out by hand: now none of them may name one. (The
# rubric's judges, the MOF/OSAID labels and the license block name the dimension they are
# about; that is not a copy of the list.)
DERIVED_FILES = (
    "scoring/filters.py",
    "scoring/selectors.py",
    "scoring/admin.py",
    "web/api/serializers.py",
    "web/exports.py",
    "web/badges.py",
    "web/rendering.py",
    "web/views.py",
    "web/templatetags/openness.py",
    "templates/leaderboard.html",
    "templates/compare.html",
    "templates/model_detail.html",
)


@pytest.mark.parametrize("path", DERIVED_FILES)
def test_no_derived_file_writes_a_dimension_out_by_hand(path):
    text = (ROOT / path).read_text(encoding="utf-8")
    for d in dimensions.ALL:
        for name in {d.column, d.api_field, d.export_column, d.filter_name} - {"license", "weights"}:
            # "license" and "weights" are also ordinary words (the license key, methodology weights)
            assert not re.search(rf"\b{name}\b", text), f"{path} names {name} by hand"
    assert not re.search(r"\b(weights|license)_rank\b", text)


# --- every dimension, wired through ----------------------------------------------------------------
@EACH
def test_the_score_has_its_level_column_and_index(dimension):
    field = Score._meta.get_field(dimension.column)
    assert isinstance(field, models.CharField)
    assert list(field.choices) == list(LEVEL_CHOICES)
    assert any(
        list(index.fields[:3]) == ["methodology", dimension.column, "-total"] for index in Score._meta.indexes
    ), "the level filters walk an index"


@EACH
def test_the_judge_is_the_rubrics_and_judges_its_dimension(dimension):
    assert dimension.judge is getattr(rubric, dimension.judge_name)
    facts = rubric.ModelFacts(model_id=1, repo_id="org/model", weight_files=("model.safetensors",))
    outcome = dimension.judge(facts, [], "")
    judgment = outcome[0] if isinstance(outcome, tuple) else outcome
    assert isinstance(judgment, rubric.Judgment)
    assert judgment.dimension == dimension.key
    result = rubric.score_model(facts, [])
    assert list(result.judgments) == list(dimensions.KEYS)
    assert result.judgments[dimension.key] == judgment


@EACH
def test_the_filterset_filters_and_sorts_by_it(site, dimension):
    level_filter = ScoreFilterSet.base_filters[dimension.filter_name]
    assert level_filter.field_name == dimension.column
    assert level_filter.extra["choices"] == LEVEL_CHOICES
    for level in LEVELS:
        _, queryset = selectors.filtered_scores({"show": "all", dimension.filter_name: level})
        expected = selectors.scores_current().filter(**{dimension.column: level})
        assert {s.pk for s in queryset} == set(expected.values_list("pk", flat=True))
    assert SORTS[dimension.sort_key] == (f"-{dimension.rank}", "-total")
    assert dimension.sort_key in DESCENDING_SORTS
    _, queryset = selectors.filtered_scores({"show": "all", "sort": dimension.sort_key})
    ranks = [selectors.LEVEL_RANK[getattr(s, dimension.column)] for s in queryset]
    assert ranks == sorted(ranks, reverse=True)


@EACH
def test_the_api_serves_its_level_in_list_detail_and_schema(site, dimension):
    assert dimension.api_field in LevelsSerializer().fields
    score = a_score()
    level = getattr(score, dimension.column)
    listed = ModelListSerializer(score, context={"methodology_version": "1.0"}).data
    detailed = ModelDetailSerializer(score, context={"methodology_version": "1.0"}).data
    assert listed["levels"][dimension.api_field] == level
    assert detailed["levels"][dimension.api_field] == level
    assert detailed["judgments"][dimension.key]["level"] == level

    for value in LEVELS:
        query = {"show": "all", "q": QUANTIZED, dimension.filter_name: value}
        page = site.get("/api/v1/models/", query).json()
        assert ([r["id"] for r in page["results"]] == [QUANTIZED]) is (value == level)
    page = site.get("/api/v1/models/", {"show": "all", dimension.filter_name: level, "page_size": 200}).json()
    assert page["results"]
    assert all(r["levels"][dimension.api_field] == level for r in page["results"])
    detail = site.get(f"/api/v1/models/{QUANTIZED}/").json()
    assert detail["levels"][dimension.api_field] == level
    assert detail["judgments"][dimension.key]["level"] == level

    schema = site.get("/api/v1/schema/", headers={"Accept": "application/json"}).json()
    assert dimension.api_field in schema["components"]["schemas"]["Levels"]["properties"]
    parameters = {p["name"] for p in schema["paths"]["/api/v1/models/"]["get"]["parameters"]}
    assert dimension.filter_name in parameters


@EACH
def test_the_downloads_have_its_column(site, dimension):
    assert dimension.export_column in exports.COLUMNS
    assert dimension.column in exports.FIELDS
    rows = list(
        csv.DictReader(io.StringIO(b"".join(site.get("/export.csv?show=all").streaming_content).decode()))
    )
    by_id = {row["repo_id"]: row for row in rows}
    assert by_id[QUANTIZED][dimension.export_column] == getattr(a_score(), dimension.column)
    body = b"".join(site.get("/export.json?show=all").streaming_content).decode()
    assert f'"{dimension.export_column}": ' in body


@EACH
def test_the_model_page_has_its_section(site, dimension):
    score = a_score()
    judgment = score.detail.judgments[dimension.key]
    html = site.get(f"/models/{QUANTIZED}/").content.decode()
    match = re.search(rf'<article class="judgment" id="{dimension.key}">(.*?)</article>', html, re.S)
    assert match, f"no section for {dimension.key}"
    assert f"<h3>{dimension.label}: " in match.group(1)
    assert f'class="mark mark-{judgment["level"]}"' in match.group(1)
    change = ScoreChange.objects.filter(model=score.model).first()
    assert f"{dimension.letter} {change.new[dimension.key]}" in levels_summary(change.new)
    assert f"({levels_summary(change.new)})" in html


@EACH
def test_the_leaderboard_compare_and_methodology_pages_show_it(site, dimension):
    board = site.get("/?show=all").content.decode()
    assert re.search(
        rf'<th scope="col" aria-sort="[a-z]+"><a href="\?[^"]*sort={dimension.sort_key}[^"]*">'
        rf"{dimension.heading}</a></th>",
        board,
    )
    assert re.search(rf'<select name="{dimension.filter_name}" id="id_{dimension.filter_name}">', board)
    compare = site.get("/compare/", {"m": [QUANTIZED, "meta-llama/Llama-2-7b-hf"]}).content.decode()
    assert f'<tr><th scope="row">{dimension.label}</th>' in compare
    methodology = site.get("/methodology/").content.decode()
    assert f'<h3 id="{dimension.key}">' in methodology, "the methodology page documents it"
    assert f'<th scope="row">{dimension.label}</th>' in methodology


@EACH
def test_the_badge_shows_its_letter(site, dimension):
    level = getattr(a_score(), dimension.column)
    svg = site.get(f"/badge/{QUANTIZED}.svg").content.decode()
    assert f"{dimension.key.replace('_', ' ')}: {level}" in svg
    assert f">{dimension.letter} {badges.SYMBOLS[level]}<" in svg
    message = site.get(f"/badge/{QUANTIZED}.json").json()["message"]
    assert f"{dimension.letter}{badges.SYMBOLS[level]}" in message


@EACH
def test_the_admin_lists_and_filters_by_it(dimension):
    score_admin = admin.site._registry[Score]
    assert dimension.column in score_admin.list_display
    assert dimension.column in score_admin.list_filter
