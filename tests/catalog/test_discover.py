"""Discovery passes through the real client against the stand-in: idempotent, resumable."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog import choices
from catalog.ingest import crawl
from catalog.models import AIModel, CrawlFailure, CrawlRun, Evidence, LineageEdge
from catalog.sources.huggingface.client import HubError
from lib import bulk

pytestmark = pytest.mark.django_db


def test_full_pass_ingests_every_listed_model_of_the_snapshot(snapshot_hub, snapshot_data):
    run = crawl.discover(mode=crawl.FULL)
    assert run.status == choices.CrawlStatus.SUCCEEDED
    listed = AIModel.objects.filter(is_placeholder=False)
    assert listed.count() == len(snapshot_data.models)
    assert run.new_count == len(snapshot_data.models)
    llama = AIModel.objects.get(repo_id="meta-llama/Llama-3.1-8B")
    assert llama.gated == "manual"
    facts = set(
        Evidence.objects.filter(subject_type="model", subject_id=llama.pk).values_list("fact", flat=True)
    )
    assert {"license", "access", "datasets", "base_models", "weight_formats"} <= facts
    evidence = Evidence.objects.get(subject_type="model", subject_id=llama.pk, fact="license")
    assert evidence.source_url.startswith("https://huggingface.co/meta-llama/Llama-3.1-8B")
    assert evidence.revision == llama.sha


def test_a_second_pass_writes_only_the_counts_and_states_that_changed(snapshot_hub):
    crawl.discover(mode=crawl.FULL)
    before = {m.pk: m.updated_at for m in AIModel.objects.all()}
    models = snapshot_hub.hub.models
    counted, gated = "meta-llama/Llama-3.1-8B", next(i for i, r in sorted(models.items()) if not r["gated"])
    models[counted]["downloads"] += 12_345  # counts and gates change without a commit
    models[gated]["gated"] = "auto"
    with CaptureQueriesContext(connection) as queries:
        run = crawl.discover(mode=crawl.FULL)
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
        and "catalog_crawlrun" not in q["sql"]
    ]
    assert run.unchanged_count == AIModel.objects.filter(is_placeholder=False).count()
    assert run.new_count == 0
    assert run.updated_count == 0
    # one statement marking the page's rows seen (listed_at: what a complete pass did not
    # see is checked for deletion), one bulk update of the two rows and the gated model's
    # access evidence (on PostgreSQL the evidence upsert goes through the driver's cursor,
    # out of the captured queries)
    assert [w.split()[0] for w in writes if "catalog_aimodel" in w] == ["UPDATE", "UPDATE"]
    assert '"listed_at"' in next(w for w in writes if "catalog_aimodel" in w)
    assert all("catalog_aimodel" in w or "catalog_evidence" in w for w in writes)
    rewritten = AIModel.objects.filter(repo_id__in=[counted, gated])
    after = {m.pk: m.updated_at for m in AIModel.objects.all()}
    assert {pk for pk in after if after[pk] != before[pk]} == set(rewritten.values_list("pk", flat=True))
    assert AIModel.objects.get(repo_id=counted).downloads == models[counted]["downloads"]
    model = AIModel.objects.get(repo_id=gated)
    assert model.gated == "auto"
    access = Evidence.objects.get(subject_type="model", subject_id=model.pk, fact="access")
    assert access.value["gated"] == "auto"


def test_a_third_pass_over_unchanged_models_writes_nothing(snapshot_hub):
    crawl.discover(mode=crawl.FULL)
    crawl.discover(mode=crawl.FULL)
    with CaptureQueriesContext(connection) as queries:
        crawl.discover(mode=crawl.FULL)
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
        and "catalog_crawlrun" not in q["sql"]
    ]
    # content is never rewritten; one statement per page marks the listed rows seen
    assert len(writes) == crawl.CrawlRun.objects.order_by("-pk").first().pages
    assert all(w.startswith('UPDATE "catalog_aimodel" SET "listed_at"') for w in writes)


def test_lineage_edges_and_placeholders(tiny_hub):
    hub = tiny_hub.hub
    hub.add_model({"id": "org/base", "cardData": {"license": "mit"}})
    hub.add_model(
        {
            "id": "org/child",
            "tags": ["base_model:quantized:org/base"],
            "cardData": {"base_model": ["org/base", "ghost/unlisted"], "license": "mit"},
        }
    )
    crawl.discover(mode=crawl.FULL)
    child = AIModel.objects.get(repo_id="org/child")
    edges = {
        (e.parent.repo_id, e.relation)
        for e in LineageEdge.objects.filter(child=child).select_related("parent")
    }
    assert edges == {("org/base", "quantized"), ("ghost/unlisted", "merge")}
    ghost = AIModel.objects.get(repo_id="ghost/unlisted")
    assert ghost.is_placeholder


def test_incremental_pass_stops_at_the_high_water_mark(synthetic_hub):
    crawl.discover(mode=crawl.FULL)
    listed_before = synthetic_hub.stats["list"]
    touched = [synthetic_hub.hub.repo_id(i) for i in (5, 1200, 2400)]
    synthetic_hub.hub.touch(touched, "2026-11-20T10:00:00.000Z")
    run = crawl.discover(mode=crawl.INCREMENTAL)
    assert run.updated_count == 3
    assert run.new_count == 0
    assert synthetic_hub.stats["list"] - listed_before == 1  # one page, stopped at the mark
    assert AIModel.objects.get(repo_id=touched[1]).last_modified.isoformat().startswith("2026-11-20T10:00")


def test_a_first_limited_pass_leaves_a_mark_so_the_first_incremental_does_not_walk_the_hub(synthetic_hub):
    crawl.discover(mode=crawl.FULL, limit=100)
    listed_before = synthetic_hub.stats["list"]
    touched = [synthetic_hub.hub.repo_id(i) for i in (5, 1200)]
    synthetic_hub.hub.touch(touched, "2026-11-20T10:00:00.000Z")
    run = crawl.discover(mode=crawl.INCREMENTAL)
    assert run.params["since"] is not None
    assert synthetic_hub.stats["list"] - listed_before == 1  # one page of 1,000, not all 2,500
    assert set(touched) <= set(AIModel.objects.values_list("repo_id", flat=True))


def test_a_broken_page_interrupts_the_pass_and_the_next_pass_resumes_from_the_cursor(settings, synthetic_hub):
    settings.HUB_LIST_PAGE_SIZE = 500
    synthetic_hub.faults.add(path=r"/api/models\?.*cursor", mode="status", status=503, times=3, every=1)
    with pytest.raises(HubError) as failure:
        crawl.discover(mode=crawl.FULL)
    assert failure.value.transient
    run = CrawlRun.objects.get()
    assert run.status == choices.CrawlStatus.INTERRUPTED
    assert run.pages == 1
    assert "cursor=" in run.cursor_url
    assert AIModel.objects.filter(is_placeholder=False).count() == 500
    assert CrawlFailure.objects.filter(run=run, error_code="upstream_unavailable").exists()
    lists_before = synthetic_hub.stats["list"]
    resumed = crawl.discover(mode=crawl.FULL)
    assert resumed.pk == run.pk
    assert resumed.status == choices.CrawlStatus.SUCCEEDED
    assert synthetic_hub.stats["list"] - lists_before == 4  # pages 2..5, not page 1 again
    assert AIModel.objects.filter(is_placeholder=False).count() == 2500


def test_malformed_items_are_recorded_and_the_pass_goes_on(tiny_hub):
    hub = tiny_hub.hub
    hub.add_model({"id": "org/good", "cardData": {"license": "mit"}})
    hub.add_model(
        {
            "id": "org/weird",
            "createdAt": "yesterday",
            "gated": "sometimes",
            "cardData": {"license": 42, "datasets": {"a": 1}, "base_model": 7},
        }
    )
    hub.models["bad id with spaces"] = {
        "id": "bad id with spaces",
        "downloads": 0,
        "lastModified": "2026-01-01T00:00:00.000Z",
    }
    run = crawl.discover(mode=crawl.FULL)
    assert run.status == choices.CrawlStatus.PARTIAL
    assert set(AIModel.objects.values_list("repo_id", flat=True)) == {"org/good", "org/weird"}
    weird = AIModel.objects.get(repo_id="org/weird")
    assert "license is int" in weird.crawl_error
    assert weird.gated == "manual"
    codes = set(CrawlFailure.objects.values_list("subject_key", "error_code"))
    assert ("org/weird", "malformed_metadata") in codes
    assert ("bad id with spaces", "malformed_item") in codes


def test_nul_characters_are_removed_at_the_boundary(tiny_hub):
    # PostgreSQL text and jsonb cannot hold U+0000: one such card must not sink the page
    hub = tiny_hub.hub
    hub.add_model({"id": "org/clean", "cardData": {"license": "mit"}})
    hub.add_model(
        {
            "id": "org/nul",
            "pipeline_tag": "text-\x00generation",
            "tags": ["license:apache-2.0", "dataset:org/da\x00ta"],
            "cardData": {"license": "apache-2.0", "license_name": "my\x00license", "extra\x00key": ["\x00"]},
        }
    )
    run = crawl.discover(mode=crawl.FULL)
    assert run.new_count == 2
    model = AIModel.objects.get(repo_id="org/nul")
    assert model.pipeline_tag == "text-generation"
    assert model.license_name == "mylicense"
    assert model.license_declared == ["apache-2.0"]
    assert "NUL characters removed from the metadata" in model.crawl_error
    assert model.datasets.filter(repo_id="org/data").exists()
    assert AIModel.objects.get(repo_id="org/clean").crawl_error == ""


def _planner_rows(table: str) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
        return cursor.fetchone()[0]


@pytest.mark.parametrize("synthetic_hub", [12_000], indirect=True)
def test_a_large_pass_keeps_planner_statistics_current(require_postgres, synthetic_hub, monkeypatch):
    # without statistics PostgreSQL plans the per-page repo_id lookups as scans of the whole table
    monkeypatch.setattr(bulk.AnalyzeAsTablesGrow, "MIN_ROWS", 2000)
    analyses = []
    original = bulk.AnalyzeAsTablesGrow.added
    monkeypatch.setattr(
        bulk.AnalyzeAsTablesGrow,
        "added",
        lambda self, rows: analyses.append(original(self, rows)) or analyses[-1],
    )
    run = crawl.discover(mode=crawl.FULL)
    assert run.new_count == 12_000
    # due at 2,000 new rows, then each time the table has doubled: 2,000, 4,000 (+ placeholders), 8,000
    assert 2 <= sum(analyses) <= 4
    assert _planner_rows("catalog_aimodel") >= 6000
    with connection.cursor() as cursor:
        ids = list(AIModel.objects.values_list("repo_id", flat=True)[:500])
        cursor.execute(
            "EXPLAIN SELECT id FROM catalog_aimodel WHERE source = 'huggingface' AND repo_id = ANY(%s)", [ids]
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "rows=500 " in plan.splitlines()[0]  # the planner knows repo_id is unique (~180 without)


def test_statistics_are_left_alone_on_sqlite_and_small_loads():
    analyzer = bulk.AnalyzeAsTablesGrow([AIModel])
    assert analyzer.added(100) is False
