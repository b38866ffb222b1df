"""The server-rendered pages against the crawled snapshot: leaderboard, model, compare,
methodology, insights, badges and downloads; their security headers, escaping and markup.

Expectations come from the database the crawl filled and from the rules (``SORTS`` and its
tiebreak, the filters' meaning, the knowledge base, the methodology row), never from a
previous run.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import re
from html import unescape
from html.parser import HTMLParser
from io import StringIO
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.db.models import Q
from django.http import QueryDict, StreamingHttpResponse
from django.utils.http import http_date

from catalog import choices
from catalog.models import AIModel, Dataset, LineageEdge, ModelDataset
from scoring import selectors
from scoring.filters import SORTS, ScoreFilterSet
from scoring.licenses import knowledge_base
from scoring.models import License, MethodologyVersion, Score
from scoring.rubric import DIMENSION_LABELS, DIMENSIONS
from scoring.services import methodology_publish, rescore_all
from tests.web_api_data import approve_correction, expected_order, listed_rows, seed_nullable_columns

pytestmark = pytest.mark.django_db

QUANTIZED = "TheBloke/Llama-2-7B-GGUF"
BASE = "meta-llama/Llama-2-7b-hf"
CORRECTED = "facebook/opt-30b"


# --- reading pages ----------------------------------------------------------------------------------
class Elements(HTMLParser):
    """Every start tag with its attributes, and the text of every <script> and <a>."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.links: list[tuple[dict[str, str | None], str]] = []
        self._link: list | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "a":
            self._link = [dict(attrs), ""]

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        if self._link is not None:
            self._link[1] += data

    def handle_endtag(self, tag):
        if tag == "a" and self._link is not None:
            self.links.append((self._link[0], self._link[1].strip()))
            self._link = None

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]


def html_of(response) -> str:
    assert response.status_code == 200, (response.status_code, response.content[:300])
    return response.content.decode()


def board(response) -> list[str]:
    """The model ids of the leaderboard's rows, in order."""
    return re.findall(r'<td class="model"><a href="/models/([^"]+)/">', html_of(response))


def section(html: str, start: str, end: str) -> str:
    begin = html.index(start)
    return html[begin : html.index(end, begin)]


@pytest.fixture
def site(client, crawled):
    return client


@pytest.fixture
def whole_board(settings):
    """One page holds every model, so a view's whole order can be read at once."""
    settings.LEADERBOARD_PAGE_SIZE = 500


# --- the leaderboard ---------------------------------------------------------------------------------
def test_the_leaderboard_shows_the_best_models_first(site):
    rows = listed_rows(is_notable=True)
    html = html_of(site.get("/"))
    assert board(site.get("/")) == expected_order(rows, "total")[:50]
    assert f"{len(rows)} models match; page 1 of {math.ceil(len(rows) / 50)}" in html
    first = Score.objects.get(repo_id=board(site.get("/"))[0])
    row = section(html, f'<a href="/models/{first.repo_id}/">', "</tr>")
    assert f'<td class="num total">{first.total:.1f}</td>' in row
    for dimension in DIMENSIONS:
        assert f'<span class="mark mark-{getattr(first, dimension)}">' in row


FILTERS = [
    ("weights=partial", Q(weights="partial")),
    ("training_data=open", Q(training_data="open")),
    ("training_code=partial", Q(training_code="partial")),
    ("license_grade=closed", Q(license="closed")),
    ("modality=image", Q(modality="image")),
    ("pipeline_tag=automatic-speech-recognition", Q(pipeline_tag="automatic-speech-recognition")),
    ("organization=allenai", Q(organization_name="allenai")),
    ("license=MIT", Q(license_key="MIT")),
    ("lineage=derivative", Q(is_derivative=True)),
    ("lineage=base", Q(is_derivative=False)),
    ("osaid_ready=true", Q(osaid_ready=True)),
    ("osaid_ready=false", Q(osaid_ready=False)),
    ("min_downloads=50000", Q(downloads__gte=50000)),
    ("released_after=2024-04-01", Q(released_at__date__gte=dt.date(2024, 4, 1))),
    ("released_before=2024-02-29", Q(released_at__date__lte=dt.date(2024, 2, 29))),
    ("q=Qwen", Q(repo_id__icontains="qwen") | Q(organization_name__icontains="qwen")),
    (
        "weights=open&training_code=open&license_grade=open",
        Q(weights="open", training_code="open", license="open"),
    ),
]


@pytest.mark.parametrize(("query", "condition"), FILTERS, ids=[q for q, _ in FILTERS])
def test_each_filter_narrows_to_the_models_it_names(site, whole_board, query, condition):
    seed_nullable_columns()
    everything = listed_rows()
    rows = list(selectors.scores_current().filter(condition).values(*everything[0]))
    assert 0 < len(rows) < len(everything), "the filter keeps some models and drops others"
    assert board(site.get(f"/?{query}")) == expected_order(rows, "total")


def test_a_filter_nothing_matches_says_so(site):
    html = html_of(site.get("/?mof_class=1"))
    assert not Score.objects.filter(mof_class=1).exists()
    assert board(site.get("/?mof_class=1")) == []
    assert "No model matches these filters" in html
    assert "include every model" in html
    assert 'href="?mof_class=1&amp;show=all"' in html


# relevance needs a search (tests/web/test_search.py); without one it is the default sort
SORT_KEYS = [k for key in SORTS if key != "relevance" for k in (key, f"-{key}")]


@pytest.mark.parametrize("sort", SORT_KEYS)
def test_every_column_sorts_with_a_deterministic_tiebreak(site, whole_board, sort):
    seed_nullable_columns()
    shown = board(site.get(f"/?sort={sort}"))
    assert shown == expected_order(listed_rows(), sort), "ties ordered by repository id; unknowns last"
    assert board(site.get(f"/?sort={sort}")) == shown, "the same query gives the same order"


def test_search_is_case_insensitive_and_covers_organizations(site, whole_board):
    # the licence label counts too (issue 15: model, organization, licence): "Llama 2" licences
    expected = [
        r
        for r in expected_order(listed_rows(), "total")
        if "llama" in r.lower() or "llama" in Score.objects.get(repo_id=r).license_label.lower()
    ]
    assert any("llama" not in r.lower() for r in expected), "a model found by its licence alone"
    assert board(site.get("/?q=LLAMA&sort=total")) == expected
    assert board(site.get("/", {"q": "  llama  ", "sort": "total"})) == expected
    assert board(site.get("/?sort=relevance")) == expected_order(listed_rows(), "total")
    by_org = [
        r
        for r in expected_order(listed_rows(), "total")
        if "mistralai" in Score.objects.get(repo_id=r).organization_name.lower() or "mistralai" in r.lower()
    ]
    assert by_org
    assert board(site.get("/?q=mistralai&sort=total")) == by_org


def test_notable_shows_popular_models_and_all_shows_every_listed_one(site, whole_board, settings):
    settings.NOTABLE_MIN_DOWNLOADS, settings.NOTABLE_MIN_LIKES = 1000, 50
    rescore_all()
    rows = listed_rows()
    notable = [r for r in rows if r["downloads"] >= 1000 or r["likes"] >= 50]
    assert 0 < len(notable) < len(rows)
    assert board(site.get("/")) == expected_order(notable, "total")
    assert board(site.get("/?show=notable")) == expected_order(notable, "total")
    assert board(site.get("/?show=all")) == expected_order(rows, "total")
    assert "at least 1,000 downloads in 30 days or 50 likes" in html_of(site.get("/"))


def test_pages_follow_each_other_and_an_out_of_range_page_clamps(site):
    order = expected_order(listed_rows(), "total")
    last = math.ceil(len(order) / 50)
    assert last >= 3
    first, second = board(site.get("/")), board(site.get("/?page=2"))
    assert first == order[:50]
    assert second == order[50:100]
    assert not set(first) & set(second)
    for page in ("999", str(last)):
        response = site.get(f"/?page={page}")
        assert board(response) == order[(last - 1) * 50 :]
        assert f"Page {last} of {last}" in html_of(response)
    for page in ("0", "-4", "two"):
        assert board(site.get(f"/?page={page}")) == order[:50]


def test_every_link_keeps_the_view_state(site, settings):
    settings.LEADERBOARD_PAGE_SIZE = 10
    state = {"weights": ["open"], "license_grade": ["open"], "sort": ["-name"], "show": ["all"]}
    response = site.get("/?weights=open&license_grade=open&sort=-name&show=all&page=2")
    html = html_of(response)
    page = Elements(html)
    head = Elements(section(html, "<thead>", "</thead>"))
    sort_links = [attrs["href"] for attrs in head.all("a")]
    assert len(sort_links) == len([th for th in head.all("th") if "aria-sort" in th]) > 5
    assert {parse_qs(urlsplit(h).query)["sort"][0].lstrip("-") for h in sort_links} <= set(SORTS)
    for href in sort_links:
        query = parse_qs(urlsplit(href).query)
        assert {k: v for k, v in query.items() if k != "sort"} == {
            k: v for k, v in state.items() if k != "sort"
        }
        assert "page" not in query, "a new order starts at page 1"
    assert "?weights=open&license_grade=open&sort=name&show=all" in sort_links, "the sorted column reverses"
    last = math.ceil(len(listed_rows(weights="open", license="open")) / 10)
    assert last >= 3
    pager = Elements(section(html, '<nav class="pagination"', "</nav>"))
    pages = [parse_qs(urlsplit(a["href"]).query) for a in pager.all("a")]
    assert [p["page"] for p in pages] == [["1"], ["1"], ["3"], [str(last)]], "first, previous, next, last"
    for query in pages:
        assert {k: v for k, v in query.items() if k != "page"} == state
    downloads = [a["href"] for a in page.all("a") if a["href"].startswith("/export.")]
    assert [urlsplit(h).path for h in downloads] == ["/export.csv", "/export.json"]
    for href in downloads:
        assert parse_qs(urlsplit(href).query) == state, "a download is the view, all pages"
    jump = section(html, '<form method="get" action="/" class="jump">', "</form>")
    hidden = {a["name"]: [a["value"]] for a in Elements(jump).all("input") if a.get("type") == "hidden"}
    assert hidden == state
    selected = dict(
        re.findall(
            r'<select name="([^"]+)"[^>]*>(?:(?!</select>).)*?<option value="([^"]*)"[^>]*selected',
            section(html, '<form method="get" action="/" class="filters"', "</form>"),
            re.S,
        )
    )
    assert {k: selected[k] for k in ("weights", "license_grade", "sort", "show")} == {
        k: v[0] for k, v in state.items()
    }


MALFORMED = [
    ("weights=mostly", "weights"),
    ("min_downloads=lots", "min_downloads"),
    ("released_after=last-tuesday", "released_after"),
    ("sort=popularity", "sort"),
    ("mof_class=9", "mof_class"),
    (f"q={'x' * 101}", "q"),
]


@pytest.mark.parametrize(("query", "parameter"), MALFORMED, ids=[p for _, p in MALFORMED])
def test_a_malformed_parameter_shows_a_readable_message(site, query, parameter):
    html = html_of(site.get(f"/?{query}"))
    alert = section(html, '<div class="errors" role="alert">', "</div>")
    label = ScoreFilterSet.base_filters[parameter].label
    assert f"<li>{label}: " in alert, "named by its label, in words"
    assert f"<li>{parameter}: " not in alert or parameter == label
    assert "Traceback" not in html


def test_unknown_parameters_and_a_bad_page_are_reported_or_ignored(site):
    html = html_of(site.get("/?colour=blue&page=abc"))
    assert "“colour” is not a filter this page knows; it was ignored." in html
    assert board(site.get("/?colour=blue&page=abc")) == expected_order(listed_rows(), "total")[:50]


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?sort=parameters&show=all",
        "?weights=open&license_grade=partial&q=a&page=2",
        "?lineage=derivative&sort=-released&page=999",
        "?modality=text&sort=weights",
        "?license=llama&organization=Meta-Llama&sort=name",
    ],
)
def test_a_leaderboard_page_needs_at_most_ten_queries(site, django_assert_max_num_queries, query):
    cache.clear()
    # cold: counts, ranks, summary, pick lists, methodology and the set of corrected models are
    # read too (each cached per data version); an organization typed in another case is looked
    # up once (then cached)
    with django_assert_max_num_queries(12 if "organization=" in query else 11):
        assert site.get(f"/{query}").status_code == 200
    with django_assert_max_num_queries(10):
        assert site.get(f"/{query}").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        f"/models/{QUANTIZED}/",
        f"/compare/?m={QUANTIZED}&m=meta-llama/Llama-2-7b-hf",
        "/insights/",
        "/methodology/",
    ],
)
def test_other_pages_need_at_most_ten_queries(site, django_assert_max_num_queries, path):
    cache.clear()
    with django_assert_max_num_queries(10):
        assert site.get(path).status_code == 200
    with django_assert_max_num_queries(10):
        assert site.get(path).status_code == 200


def test_the_leaderboard_is_accessible(site):
    html = html_of(site.get("/?sort=name"))
    page = Elements(html)
    assert re.search(r'<html lang="en">', html)
    skip = page.links[0]
    assert skip[0].get("href") == "#main"
    assert "skip" in (skip[0].get("class") or "")
    assert any(attrs.get("id") == "main" for _, attrs in page.tags)
    labels = {attrs.get("for") for attrs in page.all("label")}
    controls = [
        attrs
        for name, attrs in page.tags
        if name in ("input", "select", "textarea") and attrs.get("type") not in ("hidden", "submit", "button")
    ]
    assert len(controls) > len(ScoreFilterSet.base_filters), "filters, compare boxes and the page box"
    for attrs in controls:
        assert attrs.get("id"), attrs
        assert attrs["id"] in labels, attrs
    table = section(html, '<table class="board">', "</table>")
    assert re.search(r"<caption>\S[^<]*</caption>", table)
    headers = Elements(section(table, "<thead>", "</thead>")).all("th")
    assert headers
    assert all(th.get("scope") == "col" for th in headers)
    sortable = {th["aria-sort"] for th in headers if "aria-sort" in th}
    assert sortable == {"ascending", "none"}
    assert re.search(r'<th scope="col" aria-sort="ascending"><a [^>]*>Model</a>', table)
    default = html_of(site.get("/"))
    assert re.search(r'<th scope="col" aria-sort="descending"><a [^>]*>Total</a>', default)
    assert re.search(
        r'<th scope="col" aria-sort="ascending"><a [^>]*>Total</a>', html_of(site.get("/?sort=-total"))
    )


# --- one model ---------------------------------------------------------------------------------------
def test_the_model_page_shows_four_judgments_with_their_evidence(site):
    score = Score.objects.select_related("detail").get(repo_id=QUANTIZED)
    html = html_of(site.get(f"/models/{QUANTIZED}/"))
    articles = re.findall(r'<article class="judgment" id="([a-z_]+)">(.*?)</article>', html, re.S)
    assert [key for key, _ in articles] == list(DIMENSIONS)
    for key, body in articles:
        judgment = score.detail.judgments[key]
        assert f"<h3>{DIMENSION_LABELS[key]}: " in body
        assert f'class="mark mark-{judgment["level"]}"' in body
        assert unescape(judgment["rationale"]) in unescape(body)
        links = Elements(body).all("a")
        report = f"/models/{QUANTIZED}/report/?topic={key}"
        assert [a["href"] for a in links if a["href"] == report] == [
            report
        ]  # "report a problem" per judgment
        links = [a for a in links if a["href"] != report]
        assert [a["href"] for a in links] == [unescape(e["source_url"]) for e in judgment["evidence"]]
        for a in links:
            assert {"nofollow", "noopener"} <= set(a["rel"].split())


def test_the_model_page_shows_the_lineage_chain_up_to_the_root(site):
    chain, frontier = [], [AIModel.objects.get(repo_id=QUANTIZED).pk]
    while frontier:
        edges = list(LineageEdge.objects.filter(child_id__in=frontier).select_related("parent"))
        chain += [(e.relation, e.parent.repo_id) for e in edges]
        frontier = [e.parent_id for e in edges]
    assert chain[-1][1] == BASE
    html = html_of(site.get(f"/models/{QUANTIZED}/"))
    items = re.findall(
        r'<li>(\w+) of <a href="/models/([^"]+)/">', section(html, '<ol class="lineage">', "</ol>")
    )
    assert items == chain
    derivatives = LineageEdge.objects.filter(parent__repo_id=BASE).count()
    assert derivatives > 0
    assert f"{derivatives} model{'s' if derivatives != 1 else ''} name" in html_of(
        site.get(f"/models/{BASE}/")
    )


PLAIN_WORDS = {
    "Commercial use": ("commercial_use", "allowed,not allowed,not confirmed"),
    "Modification": ("modification", "allowed,not allowed,not confirmed"),
    "Redistribution": ("redistribution", "allowed,not allowed,not confirmed"),
    "Use-based restrictions": (
        "use_restrictions",
        "yes (acceptable-use policy or list of banned uses),none,not confirmed",
    ),
    "OSI-approved": ("osi_approved", "yes,no,not confirmed"),
    "Revocable by the licensor": ("revocable", "yes,no,not confirmed"),
}


def test_the_model_page_explains_the_license_in_plain_words(site):
    score = Score.objects.get(repo_id=QUANTIZED)
    entry = License.objects.get(key=score.license_key)
    html = html_of(site.get(f"/models/{QUANTIZED}/"))
    table = section(html, '<table class="attributes">', "</table>")
    assert f"<strong>{entry.name}</strong>" in html
    for label, (attribute, words) in PLAIN_WORDS.items():
        yes, no, unsure = words.split(",", 2) if attribute == "use_restrictions" else words.split(",")
        value = entry.attributes.get(attribute)
        word = unsure if value is None else (yes if value else no)
        assert f'<th scope="row">{label}</th><td>{word}</td>' in unescape(table), label
    cap = entry.attributes.get("user_cap") or "none"
    assert f'<th scope="row">User cap</th><td>{cap}</td>' in table


def test_the_model_page_shows_mof_osaid_history_and_how_to_correct(site):
    score = Score.objects.select_related("detail").get(repo_id=QUANTIZED)
    html = html_of(site.get(f"/models/{QUANTIZED}/"))
    labels = section(html, '<dl class="labels">', "</dl>")
    mof = {0: "none", 1: "Class I", 2: "Class II", 3: "Class III"}[score.mof_class]
    assert re.search(rf"<dt>MOF class</dt>\s*<dd>{mof}", labels)
    if score.osaid_ready:
        assert re.search(r"<dt>OSAID readiness</dt>\s*<dd>yes", labels)
    else:
        failing = [
            unescape(f)
            for f in re.findall(r"<li>([^<]+)</li>", section(labels, "<dt>OSAID readiness</dt>", "</dd>"))
        ]
        assert failing == score.detail.osaid_failing
        assert failing
    history = section(html, '<section aria-labelledby="history-heading">', "</section>")
    assert re.search(r'<svg [^>]*role="img"[^>]*aria-labelledby="hist-title hist-desc"', history)
    assert history.count("<circle ") == 1, "one recorded score so far"
    assert '<a href="/models/TheBloke/Llama-2-7B-GGUF/report/">Report a problem</a>' in html


def test_a_correction_shows_in_the_history_chart(site, reviewers, django_capture_on_commit_callbacks):
    approve_correction(
        AIModel.objects.get(repo_id=CORRECTED),
        fact=choices.CorrectionFact.LICENSE,
        value={"license": "grok2-community"},
        reviewers=reviewers,
        capture=django_capture_on_commit_callbacks,
    )
    html = html_of(site.get(f"/models/{CORRECTED}/"))
    history = section(html, '<section aria-labelledby="history-heading">', "</section>")
    assert history.count("<circle ") == 2
    assert "maintainer correction" in history
    assert "maintainer-corrected" in section(html, '<article class="judgment" id="license">', "</article>")


def test_the_old_suggest_address_leads_to_the_report_form_and_staff_see_the_correction_form(site):
    response = site.get(f"/models/{QUANTIZED}/correct/")
    assert (response.status_code, response["Location"]) == (301, f"/models/{QUANTIZED}/report/")
    form_page = html_of(site.get(response["Location"]))
    assert "<h1>Report a problem with TheBloke/Llama-2-7B-GGUF</h1>" in form_page
    pk = AIModel.objects.get(repo_id=QUANTIZED).pk
    assert f"/admin/corrections/correction/add/?model={pk}" not in html_of(site.get(f"/models/{QUANTIZED}/"))
    staff = get_user_model().objects.create_user("carol", password="x", is_staff=True)
    site.force_login(staff)
    assert f"/admin/corrections/correction/add/?model={pk}" in html_of(site.get(f"/models/{QUANTIZED}/"))


@pytest.mark.parametrize("path", ["/models/nobody/nothing/", "/models/nobody/nothing/report/"])
def test_an_unknown_model_page_is_a_404(site, path):
    response = site.get(path)
    assert response.status_code == 404
    assert "nobody/nothing is not in the index" in response.content.decode()


# --- compare -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("count", [2, 3, 4])
def test_compare_shows_two_to_four_models_side_by_side(site, count):
    picked = expected_order(listed_rows(), "name")[:count]
    html = html_of(site.get("/compare/", {"m": picked}))
    table = section(html, '<table class="compare">', "</table>")
    assert f"<caption>{count} models side by side</caption>" in table
    assert re.findall(r'<th scope="col"><a href="/models/([^"]+)/">', table) == picked
    scores = {s.repo_id: s for s in Score.objects.filter(repo_id__in=picked)}
    for dimension in DIMENSIONS:
        row = section(table, f'<th scope="row">{DIMENSION_LABELS[dimension]}</th>', "</tr>")
        assert re.findall(r'class="mark mark-(\w+)"', row) == [getattr(scores[r], dimension) for r in picked]
    totals = re.findall(r'<td class="total">([\d.]+)</td>', table)
    assert totals == [f"{scores[r].total:.1f}" for r in picked]


def test_compare_takes_at_most_four(site):
    picked = expected_order(listed_rows(), "name")[:5]
    html = html_of(site.get("/compare/", {"m": picked}))
    assert re.findall(r'<th scope="col"><a href="/models/([^"]+)/">', html) == picked[:4]


@pytest.mark.parametrize(
    ("models", "message"),
    [
        ([], "Choose at least two indexed models"),
        ([QUANTIZED], "Choose at least two indexed models"),
        ([QUANTIZED, "nobody/nothing"], "Not in the index: nobody/nothing"),
        (["ghost/one", "ghost/two"], "Not in the index: ghost/one, ghost/two"),
    ],
)
def test_compare_explains_too_few_or_unknown_models(site, models, message):
    html = html_of(site.get("/compare/", {"m": models}))
    assert message in html
    assert '<table class="compare">' not in html


# --- methodology and insights --------------------------------------------------------------------------
def test_the_methodology_page_is_generated_from_the_live_methodology(site):
    weights = {"weights": 2.0, "training_data": 1.5, "training_code": 1.25, "license": 0.75}
    methodology_publish(
        version="1.1", name="Methodology v1.1", weights=weights, changelog="Data weighs more."
    )
    cache.clear()
    html = html_of(site.get("/methodology/"))
    assert "<h1>Methodology v1.1</h1>" in html
    table = section(html, "Weights in this version", "</table>")
    for dimension, weight in weights.items():
        assert f'<th scope="row">{DIMENSION_LABELS[dimension]}</th><td>{weight}</td>' in table
    assert list(re.findall(r"<h3>v([\d.]+) ", html)) == list(
        MethodologyVersion.objects.order_by("-published_on", "-id").values_list("version", flat=True)
    )


def test_the_methodology_page_lists_every_license_of_the_knowledge_base(site):
    entries = knowledge_base().entries
    html = html_of(site.get("/methodology/"))
    table = section(html, "<caption>Licenses and their grades</caption>", "</table>")
    keys = re.findall(r"<td><code>([^<]+)</code></td>", table)
    assert sorted(unescape(k) for k in keys) == sorted(entries)
    assert f"{len(entries)} entries" in html
    for key, entry in entries.items():
        row = section(table, f"<code>{key}</code>".replace("&", "&amp;"), "</tr>")
        assert f'class="mark mark-{entry.grade}"' in row


def test_insights_draws_three_charts_from_the_data(site):
    seed_nullable_columns()
    html = html_of(site.get("/insights/"))
    charts = re.findall(r'<svg [^>]*aria-labelledby="(\w+)-title \1-desc"[^>]*>(.*?)</svg>', html, re.S)
    assert [name for name, _ in charts] == ["dist", "orgs", "time"]
    bodies = dict(charts)
    notable = listed_rows(is_notable=True)
    totals = sorted({r["total"] for r in notable})
    assert bodies["dist"].count("<rect ") == len(totals)
    for total in totals:
        assert (
            f"<title>{total:g} points: {sum(r['total'] == total for r in notable)} models</title>"
            in bodies["dist"]
        )
    organizations = {r["organization_name"] for r in notable if r["organization_name"]}
    assert bodies["orgs"].count("<rect ") == min(15, len(organizations))
    quarters = {
        (r["released_at"].year, (r["released_at"].month - 1) // 3) for r in notable if r["released_at"]
    }
    assert bodies["time"].count("<circle ") == len(quarters) > 1


# --- badges ----------------------------------------------------------------------------------------------
def test_the_badge_shows_the_four_levels(site):
    score = Score.objects.get(repo_id=QUANTIZED)
    response = site.get(f"/badge/{QUANTIZED}.svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert "public" in response["Cache-Control"]
    assert "max-age=3600" in response["Cache-Control"]
    assert response["Last-Modified"] == http_date(score.computed_at.timestamp())
    svg = response.content.decode()
    assert svg.startswith("<svg ")
    for dimension in DIMENSIONS:
        assert f"{dimension.replace('_', ' ')}: {getattr(score, dimension)}" in svg
    again = site.get(f"/badge/{QUANTIZED}.svg", headers={"If-Modified-Since": response["Last-Modified"]})
    assert again.status_code == 304
    assert again.content == b""


def test_the_shields_endpoint_follows_schema_version_1(site):
    score = Score.objects.get(repo_id=QUANTIZED)
    response = site.get(f"/badge/{QUANTIZED}.json")
    payload = response.json()
    assert response.status_code == 200
    assert "max-age=3600" in response["Cache-Control"]
    assert payload["schemaVersion"] == 1
    assert payload["label"] == "openness"
    assert payload["message"].endswith(f"({score.total:g}/100)")
    colour = (
        "green"
        if score.total >= 75
        else "yellowgreen"
        if score.total >= 50
        else ("orange" if score.total >= 25 else "red")
    )
    assert payload["color"] == colour
    again = site.get(f"/badge/{QUANTIZED}.json", headers={"If-Modified-Since": response["Last-Modified"]})
    assert again.status_code == 304


def test_an_unknown_model_gets_a_not_indexed_badge(site):
    svg = site.get("/badge/nobody/nothing.svg")
    assert svg.status_code == 404
    assert svg["Content-Type"].startswith("image/svg+xml")
    assert "not indexed" in svg.content.decode()
    shield = site.get("/badge/nobody/nothing.json")
    assert shield.status_code == 404
    assert shield.json()["schemaVersion"] == 1
    assert shield.json()["isError"] is True


# --- downloads --------------------------------------------------------------------------------------------
DOWNLOAD_QUERY = "license_grade=open&lineage=base&sort=name"


def _filtered_ids(query: str) -> list[str]:
    _, queryset = selectors.filtered_scores(QueryDict(query))
    return list(queryset.values_list("repo_id", flat=True))


def test_the_csv_download_streams_exactly_the_filtered_rows(site):
    response = site.get(f"/export.csv?{DOWNLOAD_QUERY}")
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="openness-index.csv"'
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    expected = _filtered_ids(DOWNLOAD_QUERY)
    assert 0 < len(expected) < Score.objects.filter(is_listed=True).count()
    assert [r["repo_id"] for r in rows] == expected
    scores = {s.repo_id: s for s in Score.objects.filter(repo_id__in=expected)}
    for row in rows:
        assert row["license_grade"] == "open"
        assert row["is_derivative"] == "False"
        assert float(row["total"]) == scores[row["repo_id"]].total


def test_the_json_download_streams_exactly_the_filtered_rows_with_the_license(site):
    response = site.get(f"/export.json?{DOWNLOAD_QUERY}")
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    document = json.loads(b"".join(response.streaming_content))
    assert [m["repo_id"] for m in document["models"]] == _filtered_ids(DOWNLOAD_QUERY)
    assert document["meta"]["license"] == "CC-BY-4.0"
    assert document["meta"]["methodology"] == selectors.current_methodology().version


def test_a_download_of_a_malformed_view_is_refused(site):
    response = site.get("/export.csv?weights=mostly")
    assert response.status_code == 400
    assert any(e.startswith("Weights:") for e in response.json()["errors"])


# --- security -----------------------------------------------------------------------------------------------
PAGES = [
    "/",
    "/?sort=name&weights=open",
    f"/models/{QUANTIZED}/",
    f"/models/{BASE}/",
    f"/models/{QUANTIZED}/report/",
    f"/compare/?m={QUANTIZED}&m={BASE}",
    "/compare/",
    "/methodology/",
    "/insights/",
    "/data/",
]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_has_a_strict_content_security_policy_and_no_inline_script(site, path):
    response = site.get(path)
    html = html_of(response)
    policy = dict(
        d.strip().split(" ", 1) for d in response["Content-Security-Policy"].split(";") if d.strip()
    )
    assert policy["script-src"] == "'self'"
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    page = Elements(html)
    scripts = page.all("script")
    assert scripts
    assert all(s.get("src", "").startswith("/static/") for s in scripts)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "no inline script"
    assert not [a for _, attrs in page.tags for a in attrs if a.startswith("on")], "no inline event handler"
    assert ' style="' not in html, "no inline style (the policy refuses it)"


def test_the_filter_controls_show_the_request_escaped_and_one_choice_each(site):
    """The filter controls are written in Python (web.rendering.filter_grid): what a visitor
    typed comes back escaped in its box, each select shows the chosen value and has exactly one
    empty choice."""
    hostile = '"><script>alert(1)</script>'
    html = html_of(site.get("/", {"q": hostile, "weights": "open", "sort": "-downloads", "show": "all"}))
    assert "<script>alert(1)" not in html
    inputs = {
        attrs["name"]: attrs for attrs in Elements(html).all("input") if attrs.get("id", "").startswith("id_")
    }
    assert inputs["q"]["value"] == hostile  # the parser unescapes: the box holds what was typed
    assert inputs["organization"]["value"] == ""
    assert inputs["license"]["list"] == "license-families"
    assert inputs["released_after"]["type"] == "date"
    selects = dict(re.findall(r'<select name="(\w+)" id="id_\w+">(.*?)</select>', html))
    assert set(selects) >= {"show", "weights", "training_data", "training_code", "license_grade", "sort"}
    chosen = {
        name: re.findall(r'<option value="([^"]*)" selected>', options) for name, options in selects.items()
    }
    assert chosen["weights"] == ["open"]
    assert chosen["sort"] == ["-downloads"]
    assert chosen["show"] == ["all"]
    assert chosen["training_data"] == [""]  # "any"
    for name, options in selects.items():
        assert "---------" not in options, name
        assert options.count('<option value=""') <= 1, name


def test_the_not_found_page_has_the_policy_and_escapes_the_address(site):
    response = site.get("/models/%3Cscript%3Ealert(1)%3C/script%3E/x/")
    assert response.status_code == 404
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "<script>alert" not in response.content.decode()


HOSTILE_README = """# Hello from the card

Some <script>alert("card")</script> text and <b onmouseover="alert('b')">bold</b>.

<img src="https://tracker.example.com/pixel.gif" onerror="alert('img')">

<a href="javascript:alert('raw')" onclick="alert('click')">raw link</a>

[markdown js link](javascript:alert('md')) and [a data link](data:text/html,<script>alert(1)</script>)

![remote image](https://tracker.example.com/image.png)

[a fine link](https://example.org/paper)

<iframe src="https://evil.example.com"></iframe>
"""
HOSTILE_LICENSE = "<script>alert('license')</script><b onmouseover=alert(2)>Evil License</b>"


@pytest.fixture
def hostile_model(site, tiny_hub):
    tiny_hub.hub.add_model(
        {
            "id": "evil/card",
            "downloads": 5000,
            "likes": 90,
            "pipeline_tag": "text-generation",
            "cardData": {"license": "other", "license_name": HOSTILE_LICENSE},
            "siblings": [{"rfilename": "README.md"}, {"rfilename": "model.safetensors"}],
        },
        readme=HOSTILE_README,
    )
    call_command("crawl", "--models", "evil/card", "--no-progress", stdout=StringIO(), stderr=StringIO())
    model = AIModel.objects.get(repo_id="evil/card")
    assert "Hello from the card" in model.card_html, "the detail crawl read the README"
    return model


def _assert_inert(html: str) -> None:
    page = Elements(html)
    for tag, attrs in page.tags:
        assert not [a for a in attrs if a.startswith("on")], (tag, attrs)
        for name in ("href", "src", "action", "formaction"):
            value = (attrs.get(name) or "").strip().lower()
            assert not value.startswith(("javascript:", "data:", "vbscript:")), (tag, attrs)
    assert all(s.get("src", "").startswith("/static/") for s in page.all("script"))
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not page.all("iframe")


def test_a_hostile_model_card_is_rendered_inert(site, hostile_model):
    html = html_of(site.get("/models/evil/card/"))
    _assert_inert(html)
    card = section(html, '<div class="card-text">', "</details>")
    links = Elements(card).links
    assert [(a["href"], text) for a, text in links] == [("https://example.org/paper", "a fine link")]
    assert all(a["rel"] == "nofollow ugc noopener" for a, _ in links)
    assert not Elements(card).all("img"), "no remote images in the card"
    assert "tracker.example.com/pixel.gif" not in [a.get("src") for a in Elements(html).all("img")]
    assert "&lt;script&gt;" in card, "card HTML is shown as text"


def test_hostile_license_names_are_escaped_on_every_page(site, hostile_model):
    for path in (
        "/?show=all&q=evil",
        "/models/evil/card/",
        "/compare/?m=evil/card&m=TheBloke/Llama-2-7B-GGUF",
    ):
        html = html_of(site.get(path))
        _assert_inert(html)
        assert "<b onmouseover" not in html
        assert "&lt;script&gt;alert(&#x27;license&#x27;)" in html or "&lt;script&gt;alert(" in html, path


def test_hostile_dataset_names_are_escaped(site):
    model = AIModel.objects.get(repo_id=QUANTIZED)
    dataset = Dataset.objects.create(
        source="external",
        repo_id='<img src=x onerror="alert(1)">data',
        url="https://example.org/<script>",
        status="external",
        resolution_error="<script>alert('why')</script>",
        license_declared=["<b onclick=alert(3)>mit</b>"],
    )
    ModelDataset.objects.create(model=model, dataset=dataset, origin=choices.LinkOrigin.README)
    html = html_of(site.get(f"/models/{QUANTIZED}/"))
    _assert_inert(html)
    table = section(html, '<section aria-labelledby="data-heading">', "</section>")
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;data" in table
    assert "&lt;script&gt;alert(&#x27;why&#x27;)&lt;/script&gt;" in table
    assert "&lt;b onclick=alert(3)&gt;mit&lt;/b&gt;" in table


def test_hostile_correction_text_is_escaped(site, reviewers, django_capture_on_commit_callbacks):
    rationale = "<script>alert('rationale')</script> weights are <i onclick=x()>public</i>"
    note = "<img src=x onerror=alert('note')> internal"
    approve_correction(
        AIModel.objects.get(repo_id=CORRECTED),
        fact=choices.CorrectionFact.WEIGHTS,
        value={"level": "open", "rationale": rationale},
        reviewers=reviewers,
        capture=django_capture_on_commit_callbacks,
        note=note,
    )
    for path in (f"/models/{CORRECTED}/", f"/compare/?m={CORRECTED}&m={QUANTIZED}"):
        html = html_of(site.get(path))
        _assert_inert(html)
        assert "&lt;script&gt;alert(&#x27;rationale&#x27;)&lt;/script&gt;" in html, path
        assert "<img src=x" not in html, path
        assert "alert('note')" not in html, path
