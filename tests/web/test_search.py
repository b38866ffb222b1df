"""Search finds what people type: words in order, separators optional (issue 15)."""

from __future__ import annotations

import pytest

from scoring.filters import ScoreFilterSet
from scoring.selectors import scores_current
from tests.factories import AIModelFactory, OrganizationFactory, ScoreFactory

pytestmark = pytest.mark.django_db


def found(query: str) -> set[str]:
    filterset = ScoreFilterSet({"q": query}, queryset=scores_current())
    assert filterset.is_valid()
    return set(filterset.qs.values_list("repo_id", flat=True))


@pytest.fixture
def catalog():
    meta, qwen, ds, ai2 = (
        OrganizationFactory(name=n) for n in ("meta-llama", "Qwen", "deepseek-ai", "allenai")
    )
    for org, name in [
        (meta, "Llama-3.1-8B"),
        (meta, "Meta-Llama-3-8B"),
        (meta, "Llama-2-13b-hf"),
        (qwen, "Qwen2.5-7B-Instruct"),
        (ds, "DeepSeek-R1"),
        (ai2, "OLMo-7B"),
    ]:
        ScoreFactory(model=AIModelFactory(organization=org, name=name))


def test_words_in_order_with_separators_optional(catalog):
    assert found("llama 3") == {"meta-llama/Llama-3.1-8B", "meta-llama/Meta-Llama-3-8B"}
    assert found("deepseek r1") == {"deepseek-ai/DeepSeek-R1"}
    assert found("qwen 2.5") == {"Qwen/Qwen2.5-7B-Instruct"}
    assert found("olmo 7b") == {"allenai/OLMo-7B"}


def test_words_without_numbers_match_in_any_order_and_case(catalog):
    assert found("OLMO allenai") == {"allenai/OLMo-7B"}
    assert found("LLAMA") == {
        "meta-llama/Llama-3.1-8B",
        "meta-llama/Meta-Llama-3-8B",
        "meta-llama/Llama-2-13b-hf",
    }


def test_regex_characters_are_taken_literally(catalog):
    assert found("llama (3") == set()


def test_a_model_url_in_another_case_redirects_to_the_model(client, catalog):
    response = client.get("/models/allenai/olmo-7b/")
    assert response.status_code == 301
    assert response["Location"] == "/models/allenai/OLMo-7B/"
    assert client.get("/models/nobody/nothing/").status_code == 404


def test_the_api_root_lists_the_endpoints(client):
    body = client.get("/api/v1/").json()
    assert body["models"].endswith("/api/v1/models/")
    assert client.get(body["models"]).status_code == 200
    assert set(body) >= {"models", "changes", "organizations", "datasets", "licenses", "methodology", "docs"}


def test_one_bad_parameter_does_not_empty_the_board(client, catalog):
    html = client.get("/", {"sort": "bogus", "q": "llama"}).content.decode()
    assert "(ignored)" in html
    assert "Llama-3.1-8B" in html  # the other filters still apply
    assert "Qwen2.5-7B-Instruct" not in html
    assert client.get("/api/v1/models/", {"sort": "bogus"}).status_code == 400  # the API stays strict


def test_a_version_number_stays_with_its_family(catalog):
    from scoring.search import groups

    assert groups("llama 3 8b") == ["llama3", "8b"]
    assert groups("Qwen 2.5") == ["qwen25"]
    assert groups("allenai  OLMo") == ["allenai", "olmo"]
    assert groups("3 llama") == ["3", "llama"]
    assert found("llama 3 8b") == {"meta-llama/Llama-3.1-8B", "meta-llama/Meta-Llama-3-8B"}
    assert found("8b llama") == {
        "meta-llama/Llama-3.1-8B",
        "meta-llama/Meta-Llama-3-8B",
    }
    assert found("meta-llama/Llama-3.1-8B") == {"meta-llama/Llama-3.1-8B"}  # a pasted id


def test_the_licence_label_is_searched_too():
    org = OrganizationFactory(name="someone")
    ScoreFactory(
        model=AIModelFactory(organization=org, name="tuned-7b"), license_label="Llama 3.1 Community License"
    )
    ScoreFactory(model=AIModelFactory(organization=org, name="other-7b"), license_label="Apache-2.0")
    assert found("llama 3.1") == {"someone/tuned-7b"}
    assert found("apache 7b") == {"someone/other-7b"}
    assert found("apache tuned") == set()  # every word must match the same model


def ranked(client, query: str, **extra) -> list[str]:
    import re

    html = client.get("/", {"q": query, "show": "all", **extra}).content.decode()
    return re.findall(r'href="/models/([^"/]+/[^"/]+)/"', html)


def test_results_rank_by_relevance_then_popularity(client):
    org, other = OrganizationFactory(name="acme"), OrganizationFactory(name="zeta")
    rows = [
        (other, "tuned-from-olmo", 9_000_000, 100.0),  # contains the word: third
        (org, "OLMo-7B-Instruct", 50, 25.0),  # the name starts with it, less popular
        (org, "OLMo-7B-SFT", 5_000, 25.0),  # the name starts with it, more popular
        (org, "OLMo", 10, 0.0),  # the name is the query: first, however unpopular and closed
    ]
    for organization, name, downloads, _total in rows:
        ScoreFactory(
            model=AIModelFactory(organization=organization, name=name),
            downloads=downloads,
            weights="closed",
            license="closed",
        )
    assert ranked(client, "olmo") == [
        "acme/OLMo",
        "acme/OLMo-7B-SFT",
        "acme/OLMo-7B-Instruct",
        "zeta/tuned-from-olmo",
    ]
    html = client.get("/", {"q": "olmo", "show": "all"}).content.decode()
    assert "Sorted by relevance" in html
    # a chosen sort wins over relevance
    by_name = ranked(client, "olmo", sort="name")
    assert by_name == sorted(by_name)


def test_relevance_pages_list_the_best_matches_then_the_rest_by_downloads_without_ranking_all():
    """The page is found in two steps (the name's prefix index, then the download order) and
    must give exactly the order of the ranked query, page after page, across the boundary."""
    from django.db import connection
    from django.http import QueryDict
    from django.test.utils import CaptureQueriesContext

    from scoring.selectors import filtered_scores, leaderboard_page

    acme, zeta = OrganizationFactory(name="acme"), OrganizationFactory(name="zeta")
    names = [
        (acme, "OLMo", 3),  # the name is the query
        (zeta, "olmo", 1),  # the same name in another organization: also relevance 0
        (acme, "OLMo-7B", 50),
        (acme, "OLMo-1B", 50),  # tie on downloads: the id decides
        (zeta, "OLMo-2-13B", 7),
        (acme, "tuned-from-olmo", 9_000_000),  # contains it: after every name that starts with it
        (zeta, "my-olmo-7b", 20),
        (zeta, "olmoe-but-not-7b", 5),  # starts with it too
        (acme, "x-olmo", 20),
        (zeta, "unrelated", 10**9),  # no match at all
    ]
    for organization, name, downloads in names:
        ScoreFactory(model=AIModelFactory(organization=organization, name=name), downloads=downloads)

    params = QueryDict("q=OLMo&show=all")
    _, ranked = filtered_scores(params)
    expected = list(ranked.values_list("repo_id", flat=True))
    assert expected[:2] == ["acme/OLMo", "zeta/olmo"]
    assert expected[-3:] == ["acme/tuned-from-olmo", "acme/x-olmo", "zeta/my-olmo-7b"]

    paged: list[str] = []
    with CaptureQueriesContext(connection) as queries:
        for number in (1, 2, 3):  # 9 matches, 3 a page: the boundary falls inside page 2
            page = leaderboard_page(params=params, page=number, page_size=3)
            paged += [row.repo_id for row in page.rows]
    assert page.num_pages == 3
    assert paged == expected, (paged, expected)
    # no read ranks the matches: each relevance class is read in download order
    sqls = [q["sql"] for q in queries.captured_queries]
    assert not any("ORDER BY CASE" in sql for sql in sqls), sqls
    assert any('ORDER BY "scoring_score"."downloads" DESC' in sql for sql in sqls)


def test_a_search_for_an_id_ranks_the_id_first():
    acme = OrganizationFactory(name="acme")
    for name, downloads in (("OLMo", 1), ("OLMo-7B", 10), ("other-olmo", 100)):
        ScoreFactory(model=AIModelFactory(organization=acme, name=name), downloads=downloads)
    from django.http import QueryDict

    from scoring.selectors import leaderboard_page

    page = leaderboard_page(params=QueryDict("q=acme/OLMo&show=all"), page=1, page_size=10)
    assert [row.repo_id for row in page.rows] == ["acme/OLMo", "acme/OLMo-7B"]
