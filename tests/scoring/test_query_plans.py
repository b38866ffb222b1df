"""The rescore's per-chunk lookups use the evidence index, on tables the size production has.

A plan is only the plan production gets if the planner sees production-like statistics: the
evidence table here holds 600,000 rows over 100,000 models (six facts each, as a crawled
model has), analysed, and a rescore chunk asks for 1,000 models (services.CHUNK), i.e. 1 % of
the table, as at 1M models a chunk asks for 0.1 %. The queries are captured from the real
code (scoring.facts) and each is EXPLAINed: none may scan the whole evidence table.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scoring import facts as scoring_facts
from scoring import services
from tests.conftest import postgres_required

pytestmark = pytest.mark.django_db
FACTS = ("weights_files", "license", "datasets", "documentation", "code_repositories", "base_models")


@pytest.fixture(scope="module")
def large_evidence(django_db_setup, django_db_blocker):
    """Built once for the module and committed (each test's transaction rolls back on top of
    it), then deleted: filling and indexing 600,000 rows per test cost CI most of a minute."""
    postgres_required()
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM catalog_evidence")
        (before,) = cursor.fetchone()
        cursor.execute(
            """
            INSERT INTO catalog_evidence
                (subject_type, subject_id, fact, origin, value, source_url, revision, fetched_at)
            SELECT 'model', g / 6, (%s::text[])[g %% 6 + 1], 'crawled', '{}'::jsonb, '', '', now()
            FROM generate_series(0, 599999) AS g
            """,
            [list(FACTS)],
        )
        cursor.execute("ANALYZE catalog_evidence")
    yield
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM catalog_evidence WHERE id > %s", [before])
        cursor.execute("ANALYZE catalog_evidence")


def _plans(queries: list[dict]) -> list[tuple[str, str]]:
    plans = []
    with connection.cursor() as cursor:
        for query in queries:
            if "catalog_evidence" not in query["sql"]:
                continue
            cursor.execute("EXPLAIN " + query["sql"])
            plans.append((query["sql"][:160], "\n".join(row[0] for row in cursor.fetchall())))
    return plans


def reads_whole_table(plan: str) -> bool:
    """A sequential scan of evidence, or an index scan not narrowed by subject_id (which walks
    every entry of one fact: as slow as a scan once the table is large)."""
    if "Seq Scan on catalog_evidence" in plan:
        return True
    if "using evidence_corrected on" in plan and "Seq Scan" not in plan:
        # the partial index of corrected evidence holds only what maintainers corrected (a few
        # rows among millions): reading it whole is the point of it, never a table's worth
        return False
    conditions = [line for line in plan.splitlines() if "Index Cond" in line]
    return not any("subject_id" in line for line in conditions)


def test_a_rescore_chunk_reads_evidence_through_the_index(large_evidence):
    chunk = list(range(40_000, 40_000 + services.CHUNK))
    with CaptureQueriesContext(connection) as captured:
        evidence = scoring_facts._evidence("model", chunk)
        scoring_facts._corrected_values(chunk)
        scoring_facts.build_facts(chunk)  # every other per-chunk read (card notes, links...)
    assert sum(len(rows) for rows in evidence.values()) == 6 * services.CHUNK  # the data is there
    plans = _plans(captured.captured_queries)
    assert len(plans) >= 3
    scans = [(sql, plan) for sql, plan in plans if reads_whole_table(plan)]
    assert scans == [], scans


def test_the_check_catches_a_lookup_that_cannot_use_the_index(large_evidence):
    # the same lookup without the index's leading column: what the check exists to catch
    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN SELECT id FROM catalog_evidence WHERE fact = 'license' AND subject_id = ANY(%s)",
            [list(range(40_000, 41_000))],
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert reads_whole_table(plan), plan


def test_a_full_rescore_refreshes_the_statistics_it_plans_with(large_evidence):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE pg_class SET reltuples = 0 WHERE relname = 'catalog_evidence'")  # stale
        services.rescore_all()
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'catalog_evidence'")
        assert cursor.fetchone()[0] > 500_000


@pytest.fixture(scope="module")
def large_board(django_db_setup, django_db_blocker):
    """100,000 scores over 1,000 organizations, analysed (the bench's synthetic shape); built
    once for the module and committed, then deleted, as ``large_evidence``."""
    from catalog.models import AIModel
    from scoring.models import MethodologyVersion, Score
    from scoring.search import search_name, search_text

    postgres_required()
    with django_db_blocker.unblock():
        methodology = MethodologyVersion.objects.get(is_current=True)
        models = AIModel.objects.bulk_create(
            (AIModel(repo_id=f"org-{g % 1000}/model-{g}", name=f"model-{g}") for g in range(100_000)),
            batch_size=5000,
        )
        model_ids = [m.pk for m in models]
        Score.objects.bulk_create(
            (
                Score(
                    model_id=pk,
                    methodology=methodology,
                    repo_id=repo_id,
                    organization_name=repo_id.split("/")[0],
                    search_text=search_text(repo_id, repo_id.split("/")[0], "Apache-2.0"),
                    search_name=search_name(repo_id),
                    downloads=(pk * 7919) % 100_003,
                    total=(pk % 9) * 12.5,
                )
                for pk, repo_id in AIModel.objects.filter(pk__in=model_ids)
                .values_list("pk", "repo_id")
                .iterator()
            ),
            batch_size=5000,
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE scoring_score")
    yield
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM scoring_score WHERE model_id = ANY(%s)", [model_ids])
        cursor.execute("DELETE FROM catalog_aimodel WHERE id = ANY(%s)", [model_ids])
        cursor.execute("ANALYZE scoring_score")


def test_a_name_search_reads_the_trigram_index_not_the_whole_board(large_board):
    from scoring.filters import ScoreFilterSet
    from scoring.models import Score

    # selective searches (one name); a search whose words match a tenth of the board
    # ("org-3 model") may rightly walk the total index instead: its cost is the count, cached
    for q in ("model-4242", "Model-77777", "org-242 model 4242"):
        filterset = ScoreFilterSet({"q": q, "show": "all"}, queryset=Score.objects.all())
        assert filterset.is_valid(), filterset.errors
        for ordering in (("-total", "repo_id"), ("search_rank", "-downloads", "repo_id")):
            queryset = filterset.qs.order_by(*ordering)[:50]
            assert queryset.exists()  # the data is there
            plan = queryset.explain()
            assert "Seq Scan on scoring_score" not in plan, (q, plan)
            assert "score_search_text_trgm" in plan, (q, plan)


def test_a_common_word_finds_its_best_matches_by_the_name_index_and_walks_the_rest_by_downloads(
    large_board,
):
    """ "model" matches all 100,000 rows: ranking them all would sort the board on every request.
    The page reads the few names starting with the word through their prefix index, then the
    rest in download order from the download index, stopping after one page."""
    from django.http import QueryDict
    from django.test.utils import CaptureQueriesContext

    from scoring.selectors import leaderboard_page

    with CaptureQueriesContext(connection) as queries:
        page = leaderboard_page(params=QueryDict("q=model&show=all"), page=2, page_size=50)
    assert len(page.rows) == 50
    reads = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith('SELECT "scoring_score"."id"') and "LIMIT" in q["sql"]
    ]
    assert any('ORDER BY "scoring_score"."downloads" DESC' in sql for sql in reads), reads
    with connection.cursor() as cursor:
        for sql in reads:
            cursor.execute("EXPLAIN " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "Seq Scan on scoring_score" not in plan, plan
            # ranking every match would show as a Sort right under the Limit
            assert "Sort" not in plan.splitlines()[1], plan
