"""Stage: EXPLAIN every hot-path query on the bench database, as the app builds it.

The leaderboard views and API lists the web stage loads, and the evidence reads of one rescore
chunk, are captured from the real code (no hand-written SQL) and EXPLAINed on the bench
database after VACUUM ANALYZE. A sequential scan of evidence, scores or models on one of these
per-request or per-chunk paths is what stops a table from scaling; each is reported by name.
"""

from __future__ import annotations

import re

from bench.common import emit, setup_django

BIG_TABLES = ("catalog_evidence", "scoring_score", "catalog_aimodel")


def _plan(cursor, sql: str, params=()) -> str:
    cursor.execute("EXPLAIN " + sql, params or None)
    return "\n".join(row[0] for row in cursor.fetchall())


def main() -> None:
    setup_django()
    from django.db import connection
    from django.http import QueryDict
    from django.test.utils import CaptureQueriesContext

    from bench.__main__ import API_LISTS, FILTERED_PAGES, SEARCH_PAGES
    from catalog.models import AIModel
    from scoring import facts, services
    from scoring.selectors import filtered_scores

    captured: dict[str, list[tuple[str, tuple]]] = {}
    views = {"leaderboard /": "/", **{f"leaderboard {p}": p for p in FILTERED_PAGES + SEARCH_PAGES}}
    views.update({f"api {p}": p for p in API_LISTS})
    for name, url in views.items():
        query = url.split("?", 1)[1] if "?" in url else ""
        _, queryset = filtered_scores(QueryDict(query))  # the filterset's own defaults apply
        captured[name] = [queryset.values_list("id", flat=True)[:50].query.sql_with_params()]
    ids = list(AIModel.objects.order_by("id").values_list("id", flat=True)[: services.CHUNK])
    with CaptureQueriesContext(connection) as queries:
        facts.build_facts(ids)
    # psycopg2 reports the SQL it sent, parameters inlined
    captured["rescore chunk"] = [
        (q["sql"], ()) for q in queries.captured_queries if q["sql"].startswith("SELECT")
    ]

    report = {}
    scans = []
    with connection.cursor() as cursor:
        for name, statements in captured.items():
            plans = []
            for sql, params in statements:
                try:
                    plan = _plan(cursor, sql, params)
                except Exception as exc:  # reported, never hidden: the figure counts it
                    plan = f"(not explained: {type(exc).__name__}: {exc})"
                    scans.append(f"{name}: not explained")
                seq = sorted({t for t in BIG_TABLES if re.search(rf"Seq Scan on {t}\b", plan)})
                plans.append({"sql": sql[:300], "seq_scans": seq, "plan": plan.splitlines()[:12]})
                scans += [f"{name}: {t}" for t in seq]
            report[name] = plans
    emit({"queries": report, "seq_scans": scans})


if __name__ == "__main__":
    main()
