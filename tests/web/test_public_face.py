"""The public face (issue 15): rank, pick-list filters, headline, organization pages, citing a
date, social previews, the sitemap, SITE_URL, exports with evidence, the dump after `make run`.

Most tests read the crawled snapshot; the rank tests build a board with known ties.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import socket
from html import unescape
from io import StringIO
from xml.etree import ElementTree  # our own responses, not untrusted input

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from catalog.models import AIModel
from scoring import dimensions, selectors
from scoring.licenses import license_family, license_keys_matching
from scoring.models import Score, ScoreChange
from tests.factories import AIModelFactory, OrganizationFactory, ScoreFactory
from tests.web_api_data import crawled  # noqa: F401 - module-scoped crawl of the snapshot

pytestmark = pytest.mark.django_db

SITE = "https://index.test.example"
OLMO = "allenai/OLMo-7B"


@pytest.fixture
def site(client, crawled, settings):  # noqa: F811
    settings.SITE_URL = SITE
    cache.clear()
    return client


def html_of(response) -> str:
    assert response.status_code == 200, (response.status_code, response.content[:300])
    return response.content.decode()


def rows_of(html: str) -> list[tuple[str, str]]:
    """(rank, model id) of every leaderboard row."""
    return re.findall(r'<td class="num rank">([^<]*)</td><td class="model"><a href="/models/([^"]+)/">', html)


# --- rank -------------------------------------------------------------------------------------------
@pytest.fixture
def tied_board(settings):
    """Three models at 100, one at 75, two at 50: ranks =1 =1 =1 4 =5 =5."""
    settings.NOTABLE_MIN_DOWNLOADS = 0
    org = OrganizationFactory(name="ties")
    levels = [
        ("a-open", "open", "open", "open", "open", 5),
        ("b-open", "open", "open", "open", "open", 500),
        ("c-open", "open", "open", "open", "open", 50),
        ("d-three", "open", "open", "open", "closed", 5000),
        ("e-half", "open", "open", "closed", "closed", 1),
        ("f-half", "open", "closed", "open", "closed", 2),
    ]
    for name, w, d, c, lic, downloads in levels:
        ScoreFactory(
            model=AIModelFactory(organization=org, name=name),
            weights=w,
            training_data=d,
            training_code=c,
            license=lic,
            downloads=downloads,
        )
    cache.clear()
    return {f"ties/{name}": None for name, *_ in levels}


def test_rank_is_a_competition_rank_by_total_with_ties_marked(client, tied_board):
    rows = rows_of(html_of(client.get("/?organization=ties")))
    assert rows == [
        ("=1", "ties/a-open"),
        ("=1", "ties/b-open"),
        ("=1", "ties/c-open"),
        ("4", "ties/d-three"),
        ("=5", "ties/e-half"),
        ("=5", "ties/f-half"),
    ]


@pytest.mark.parametrize("sort", ["name", "-name", "downloads", "-total", "weights"])
def test_rank_stays_the_score_rank_whatever_the_sort(client, tied_board, sort):
    html = html_of(client.get(f"/?organization=ties&sort={sort}"))
    ranks = {model: rank for rank, model in rows_of(html)}
    assert ranks == {
        "ties/a-open": "=1",
        "ties/b-open": "=1",
        "ties/c-open": "=1",
        "ties/d-three": "4",
        "ties/e-half": "=5",
        "ties/f-half": "=5",
    }
    if sort.lstrip("-") != "total":
        assert "rank is still by total score" in html


def test_rank_counts_only_the_filtered_view(client, tied_board):
    rows = rows_of(html_of(client.get("/?organization=ties&license_grade=closed")))
    assert rows == [("1", "ties/d-three"), ("=2", "ties/e-half"), ("=2", "ties/f-half")]


# --- license and organization: any case, pick lists ----------------------------------------------------
def test_license_family_names_are_plain():
    assert license_family("LicenseRef-openness-llama-3.1") == "llama"
    assert license_family("Apache-2.0") == "apache"
    assert license_family("GPL-3.0-only") == "gpl"
    assert license_family("CC-BY-NC-4.0") == "cc-by-nc"
    assert set(license_keys_matching("apache-2.0")) == {"Apache-2.0"}
    assert "LicenseRef-openness-llama-2" not in license_keys_matching("llama 3")
    assert "LicenseRef-openness-llama-3.1" in license_keys_matching("Llama 3")
    assert "LicenseRef-openness-llama-2" in license_keys_matching("llama")


def ids_for(client, query: str) -> set[str]:
    html = html_of(client.get(f"/?show=all&{query}"))
    assert 'class="errors"' not in html, query
    return {model for _, model in rows_of(html)}


def test_the_license_filter_takes_any_case_and_a_family(site, settings):
    settings.LEADERBOARD_PAGE_SIZE = 500
    apache = set(Score.objects.filter(license_key="Apache-2.0").values_list("repo_id", flat=True))
    assert apache
    assert ids_for(site, "license=Apache-2.0") == apache
    assert ids_for(site, "license=apache-2.0") == apache
    assert ids_for(site, "license=APACHE") == apache
    llama = set(Score.objects.filter(license_key__contains="llama").values_list("repo_id", flat=True))
    assert llama
    assert ids_for(site, "license=llama") == llama
    assert ids_for(site, "license=LicenseRef-openness-llama-3.1") < llama or len(llama) == 1
    assert ids_for(site, "license=no-such-license") == set()
    api = site.get("/api/v1/models/", {"license": "apache-2.0", "show": "all", "page_size": 200}).json()
    assert {m["id"] for m in api["results"]} == apache


def test_the_organization_filter_takes_any_case(site, settings):
    settings.LEADERBOARD_PAGE_SIZE = 500
    ai2 = set(Score.objects.filter(organization_name="allenai").values_list("repo_id", flat=True))
    assert ai2
    for spelled in ("allenai", "AllenAI", "ALLENAI"):
        assert ids_for(site, f"organization={spelled}") == ai2


def test_license_and_organization_are_pick_lists_of_the_values_present_with_counts(site):
    html = html_of(site.get("/"))
    assert 'id="id_license"' in html
    assert 'list="license-families"' in html
    assert 'list="organizations"' in html
    families = dict(re.findall(r'<option value="([^"]+)">(\d+) model', section(html, "license-families")))
    expected: dict[str, int] = {}
    for key, n in Score.objects.exclude(license_key="").values_list("license_key").annotate(n=Count("id")):
        expected[license_family(key)] = expected.get(license_family(key), 0) + n
    assert {k: int(v) for k, v in families.items()} == expected
    orgs = dict(re.findall(r'<option value="([^"]+)">(\d+) model', section(html, 'id="organizations"')))
    assert int(orgs["allenai"]) == Score.objects.filter(organization_name="allenai").count()


def section(html: str, start: str) -> str:
    begin = html.index(start)
    return html[begin : html.index("</datalist>", begin)]


# --- errors in words ----------------------------------------------------------------------------------
def test_a_bad_parameter_is_named_in_words_and_the_board_stays(site):
    html = html_of(site.get("/?sort=bogus&weights=open"))
    alert = html[html.index('<div class="errors"') :]
    alert = alert[: alert.index("</div>")]
    assert "Sort by: “bogus” is not one of the choices" in unescape(alert)
    assert "sort:" not in alert
    assert rows_of(html), "the other filters still apply"
    body = site.get("/api/v1/models/?sort=bogus").json()["error"]
    assert body["message"].startswith("sort: “bogus” is not one of the choices (total, -total, name")
    assert "Select a valid choice" not in body["message"]


# --- the headline -------------------------------------------------------------------------------------
def test_the_home_page_headline_counts_every_level_and_links_to_the_board(
    site, django_assert_max_num_queries
):
    html = html_of(site.get("/"))
    headline = html[html.index('<section class="headline"') :]
    headline = headline[: headline.index("</section>")]
    listed = Score.objects.filter(is_listed=True)
    assert f"{listed.count()} listed models" in headline
    for d in dimensions.ALL:
        for level in ("open", "partial", "closed", "unknown"):
            n = listed.filter(**{d.column: level}).count()
            link = f'href="?show=all&amp;{d.filter_name}={level}">{n} {level}</a>'
            assert link in headline, (d.key, level)
            board = html_of(site.get(f"/?show=all&{d.filter_name}={level}"))
            assert f"{n} model{'s' if n != 1 else ''} match" in board
    with django_assert_max_num_queries(3):  # warm: the headline is cached with the data version
        selectors.headline()


def test_the_headline_follows_a_rescore(site):
    before = selectors.headline()["levels"]["weights"]["open"]
    score = Score.objects.filter(weights="open").first()
    Score.objects.filter(pk=score.pk).update(weights="closed")
    selectors.data_version_bump()
    assert selectors.headline()["levels"]["weights"]["open"] == before - 1


# --- organization pages -------------------------------------------------------------------------------
def test_an_organization_page_lists_its_models_with_their_marks_and_counts(site):
    html = html_of(site.get("/org/allenai/"))
    scores = Score.objects.filter(organization_name="allenai", is_listed=True)
    for score in scores:
        assert f'<a href="/models/{score.repo_id}/">{score.repo_id}</a>' in html
    for d in dimensions.ALL:
        n = scores.filter(**{d.column: "open"}).count()
        assert f'href="/?show=all&amp;organization=allenai&amp;{d.filter_name}=open">{n}</a>' in html
    assert f"{scores.count()} listed model" in html
    assert '<meta property="og:title" content="allenai on the Openness Index">' in html


def test_organization_lookup_is_case_insensitive_and_unknown_is_404(site):
    response = site.get("/org/AllenAI/")
    assert response.status_code == 301
    assert response["Location"] == "/org/allenai/"
    assert site.get("/org/nobody-at-all/").status_code == 404


def test_model_pages_and_the_board_link_the_organization(site):
    assert '<a href="/org/allenai/">allenai</a>' in html_of(site.get(f"/models/{OLMO}/"))
    assert '<td class="org"><a href="/org/allenai/">allenai</a></td>' in html_of(site.get("/?q=OLMo-7B"))


# --- citing a date ------------------------------------------------------------------------------------
def test_the_model_page_shows_the_judgments_as_of_a_date(site):
    model = AIModel.objects.get(repo_id=OLMO)
    first = ScoreChange.objects.filter(model=model).order_by("changed_at").first()
    # an older state, a week earlier: what the page must show for that date
    old_levels = {**first.new, "weights": "closed", "total": 12.5}
    ScoreChange.objects.create(
        model=model,
        methodology=first.methodology,
        changed_at=first.changed_at - dt.timedelta(days=7),
        cause="crawl",
        old=None,
        new=old_levels,
    )
    day = (first.changed_at - dt.timedelta(days=3)).date().isoformat()
    html = html_of(site.get(f"/models/{OLMO}/?as_of={day}"))
    state = html[html.index('id="as-of-state"') :]
    state = state[: state.index("</div>")]
    assert f"At the end of {day} (UTC) the index said: total <strong>12.5</strong>" in state
    assert "Weights: <span" in state
    assert "closed" in state.split("Weights:")[1][:120]
    assert f"?as_of={day}" in html  # the citation reproduces it
    before = (first.changed_at - dt.timedelta(days=30)).date().isoformat()
    assert "had not been scored yet" in html_of(site.get(f"/models/{OLMO}/?as_of={before}"))


@pytest.mark.parametrize(
    ("value", "notice"),
    [
        ("yesterday", "is not a date; write it as YYYY-MM-DD"),
        ("2999-01-01", "is in the future; showing today"),
        ("1999-01-01", "keeps no history before 2020-01-01"),
    ],
)
def test_a_bad_as_of_is_explained_not_an_error(site, value, notice):
    html = html_of(site.get(f"/models/{OLMO}/?as_of={value}"))
    assert notice in html
    assert html.count('class="judgment"') == len(dimensions.ALL)


def test_the_citation_names_the_date_the_methodology_and_the_site(site):
    version = selectors.current_methodology().version
    today = timezone.now().date().isoformat()
    html = unescape(html_of(site.get(f"/models/{OLMO}/")))
    assert f"{OLMO}: openness judgments as of {today} (methodology v{version})" in html
    assert f"url = {{{SITE}/models/{OLMO}/?as_of={today}}}" in html
    data = unescape(html_of(site.get("/data/")))
    assert f"as of {today} (methodology v{version})" in data
    assert f"url = {{{SITE}/data/}}" in data


# --- social previews, sitemap, robots -----------------------------------------------------------------
def test_the_model_page_has_escaped_social_preview_tags(site):
    score = Score.objects.get(repo_id=OLMO)
    html = html_of(site.get(f"/models/{OLMO}/"))
    description = re.search(r'<meta property="og:description" content="([^"]*)">', html).group(1)
    for d in dimensions.ALL:
        assert f"{d.label}: {getattr(score, d.column)}" in description
    assert f"Total {score.total:.1f}/100" in description
    assert f'<meta property="og:url" content="{SITE}/models/{OLMO}/">' in html
    assert '<meta name="twitter:card" content="summary">' in html


def test_social_preview_text_is_escaped(client, settings):
    settings.NOTABLE_MIN_DOWNLOADS = 0
    org = OrganizationFactory(name="quote")
    ScoreFactory(model=AIModelFactory(organization=org, name="x"))
    html = html_of(client.get("/org/quote/"))
    assert re.search(r'<meta property="og:description" content="1 model by quote; [^"<>]*">', html)


def test_the_sitemap_lists_every_listed_model_at_site_url(site):
    index = ElementTree.fromstring(site.get("/sitemap.xml").content)  # noqa: S314
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    sections = [loc.text for loc in index.findall("s:sitemap/s:loc", ns)]
    assert f"{SITE}/sitemap-models.xml" in sections
    models = ElementTree.fromstring(site.get("/sitemap-models.xml").content)  # noqa: S314
    urls = {loc.text for loc in models.findall("s:url/s:loc", ns)}
    listed = Score.objects.filter(is_listed=True).values_list("repo_id", flat=True)
    assert urls == {f"{SITE}/models/{repo_id}/" for repo_id in listed}
    orgs = ElementTree.fromstring(site.get("/sitemap-organizations.xml").content)  # noqa: S314
    assert f"{SITE}/org/allenai/" in {loc.text for loc in orgs.findall("s:url/s:loc", ns)}
    robots = site.get("/robots.txt").content.decode()
    assert f"Sitemap: {SITE}/sitemap.xml" in robots


def test_the_sitemap_is_paged(site, monkeypatch):
    from web.sitemaps import ModelSitemap

    monkeypatch.setattr(ModelSitemap, "limit", 50)
    cache.clear()
    listed = Score.objects.filter(is_listed=True).count()
    index = site.get("/sitemap.xml").content.decode()
    pages = -(-listed // 50)
    assert index.count("/sitemap-models.xml") == pages
    last = site.get(f"/sitemap-models.xml?p={pages}").content.decode()
    assert last.count("<url>") == listed - 50 * (pages - 1)


# --- SITE_URL everywhere ------------------------------------------------------------------------------
def test_badge_markdown_uses_site_url(site):
    html = unescape(html_of(site.get(f"/models/{OLMO}/")))
    assert f"[![Openness]({SITE}/badge/{OLMO}.svg)]({SITE}/models/{OLMO}/)" in html
    assert "openness-index.example.org" not in html


def test_nothing_hard_codes_the_old_host():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    hits = [
        str(path)
        for folder in ("web", "scoring", "templates", "openness", "demo")
        for path in (root / folder).rglob("*")
        if path.suffix in (".py", ".html", ".txt") and "openness-index.example.org" in path.read_text()
    ]
    assert hits == []


# --- exports and the dump -----------------------------------------------------------------------------
def test_the_csv_download_carries_every_judgment_with_evidence_and_absolute_urls(site):
    response = site.get("/export.csv?show=all")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    by_id = {r["repo_id"]: r for r in rows}
    score = Score.objects.select_related("detail").get(repo_id=OLMO)
    row = by_id[OLMO]
    for d in dimensions.ALL:
        judgment = score.detail.judgments[d.key]
        assert row[d.export_column] == judgment["level"]
        assert row[f"{d.export_column}_rationale"] == judgment["rationale"]
        assert row[f"{d.export_column}_origin"] == judgment["origin"]
        first = judgment["evidence"][0] if judgment["evidence"] else {}
        assert row[f"{d.export_column}_evidence_url"] == first.get("source_url", "")
        assert row[f"{d.export_column}_revision"] == first.get("revision", "")
        assert int(row[f"{d.export_column}_evidence_count"]) == len(judgment["evidence"])
    assert row["url"] == f"{SITE}/models/{OLMO}/"
    assert row["api_url"] == f"{SITE}/api/v1/models/{OLMO}/"
    derivatives = Score.objects.select_related("detail").filter(is_derivative=True)
    with_bases = 0
    for derivative in derivatives:
        bases = [b["id"] for b in derivative.detail.sources.get("bases", []) if b.get("id")]
        assert by_id[derivative.repo_id]["base_models"] == " ".join(bases)
        with_bases += bool(bases)
    assert with_bases > 0
    revisions = [r[f"{d.export_column}_revision"] for r in rows for d in dimensions.ALL]
    assert any(re.fullmatch(r"[0-9a-f]{7,40}", r) for r in revisions), "commit shas are carried"


def test_the_json_download_has_every_evidence_item(site):
    response = site.get(f"/export.json?q={OLMO}")
    data = json.loads(b"".join(response.streaming_content))
    assert data["meta"]["site_url"] == SITE
    assert SITE in data["meta"]["citation"]
    model = next(m for m in data["models"] if m["repo_id"] == OLMO)
    score = Score.objects.select_related("detail").get(repo_id=OLMO)
    assert model["judgments"] == score.detail.judgments
    assert model["url"] == f"{SITE}/models/{OLMO}/"


def test_the_dump_carries_judgments_lineage_and_absolute_urls(site, settings, tmp_path):
    settings.EXPORT_DIR = tmp_path
    call_command("export", stdout=StringIO())
    lines = (tmp_path / "openness-index.jsonl").read_text().splitlines()
    meta = json.loads(lines[0])["meta"]
    assert meta["site_url"] == SITE
    assert "@misc{" in meta["bibtex"]
    records = {r["repo_id"]: r for r in map(json.loads, lines[1:])}
    score = Score.objects.select_related("detail").get(repo_id=OLMO)
    assert records[OLMO]["judgments"] == score.detail.judgments
    assert records[OLMO]["url"] == f"{SITE}/models/{OLMO}/"
    derivative = Score.objects.select_related("detail").filter(is_derivative=True).first()
    assert records[derivative.repo_id]["lineage"] == derivative.detail.sources["bases"]
    readme = (tmp_path / "README.txt").read_text()
    assert "inferred = inherited" in readme
    assert SITE in readme
    with (tmp_path / "openness-index.csv").open() as handle:
        header = next(csv.reader(handle))
    assert {"weights_rationale", "weights_evidence_url", "weights_revision", "weights_origin"} <= set(header)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_make_run_builds_the_dump_the_leaderboard_links_to(client, settings, tmp_path):
    """`make run` = migrate + rundemo: after its first crawl the dump exists and the links work."""
    port = free_port()
    settings.HF_ENDPOINT = f"http://127.0.0.1:{port}"
    settings.GITHUB_API_URL = f"http://127.0.0.1:{port}/github-api"
    settings.HF_PUBLIC_URL = "https://huggingface.co"
    settings.HUB_REQUEST_BUDGET = settings.GITHUB_REQUEST_BUDGET = 0
    settings.CRAWL_POPULARITY_THRESHOLD = settings.CRAWL_LIKES_THRESHOLD = 0
    settings.NOTABLE_MIN_DOWNLOADS = 0
    settings.EXPORT_DIR = tmp_path
    call_command("rundemo", "--no-serve", stdout=StringIO(), stderr=StringIO())
    board = html_of(client.get("/"))
    assert '<a href="/data/">' in board
    data = html_of(client.get("/data/"))
    links = re.findall(r'<a href="(/data/openness-index\.[a-z]+)">', data)
    assert sorted(links) == ["/data/openness-index.csv", "/data/openness-index.jsonl"]
    for link in links:
        response = client.get(link)
        assert response.status_code == 200
        body = b"".join(response.streaming_content)
        assert body.count(b"\n") > Score.objects.filter(is_listed=True).count()


def test_the_headline_shows_osaid_ready_and_recent_movement(site):
    ready = Score.objects.filter(is_listed=True, osaid_ready=True).count()
    html = html_of(site.get("/"))
    assert f'<a href="?show=all&amp;osaid_ready=true">{ready} OSAID-ready</a>' in html
    assert "judgments of 0 models changed in the last 30 days" in html, "first scores are not movement"
    change = ScoreChange.objects.select_related("model").first()
    ScoreChange.objects.create(
        model=change.model, methodology=change.methodology, cause="crawl", old=change.new, new=change.new
    )
    selectors.data_version_bump()
    assert "judgments of 1 model changed in the last 30 days" in html_of(site.get("/"))
