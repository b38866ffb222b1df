"""Stage: re-crawl N unchanged GitHub repositories that answer 304.

First every repository is crawled once (storing its ETags), then all are crawled again.
The second pass must write nothing to the database: the SQL it sends is captured and any
INSERT/UPDATE/DELETE counted, and the rows' contents are compared before and after.
"""

from __future__ import annotations

import sys
import time

from bench.common import emit, peak_rss_mb, setup_django


def main() -> None:
    setup_django()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from catalog.ingest.repositories import repository_crawl
    from catalog.models import CodeRepository
    from lib import bulk

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    names = [f"synth-code/repo-{i:05d}" for i in range(count)]
    bulk.upsert(
        CodeRepository,
        [{"full_name": n, "html_url": f"https://github.com/{n}"} for n in names],
        conflict=["host", "full_name"],
    )
    repositories = list(CodeRepository.objects.filter(full_name__in=names).order_by("id"))
    started = time.perf_counter()
    first = [repository_crawl(repository=r) for r in repositories]
    first_seconds = time.perf_counter() - started
    snapshot = list(
        CodeRepository.objects.filter(full_name__in=names)
        .order_by("id")
        .values_list("id", "crawled_at", "etags", "classification")
    )

    repositories = list(CodeRepository.objects.filter(full_name__in=names).order_by("id"))
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        second = [repository_crawl(repository=r) for r in repositories]
        seconds = time.perf_counter() - started
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    after = list(
        CodeRepository.objects.filter(full_name__in=names)
        .order_by("id")
        .values_list("id", "crawled_at", "etags", "classification")
    )
    emit(
        {
            "repositories": count,
            "first_pass_seconds": first_seconds,
            "first_pass_crawled": first.count("crawled"),
            "seconds": seconds,
            "repositories_per_second": count / seconds,
            "unchanged": second.count("unchanged"),
            "sql_statements": len(queries.captured_queries),
            "database_writes": len(writes),
            "rows_identical": snapshot == after,
            "peak_rss_mb": peak_rss_mb(),
        }
    )


if __name__ == "__main__":
    main()
