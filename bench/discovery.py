"""Stage: a full discovery pass over the synthetic hub, end to end (client, parsing, upserts).

Detail crawls are not part of this figure: the pass only lists (the target is discovery
throughput); detail crawls are queued work for the workers in production.
"""

from __future__ import annotations

import sys
import time

from bench.common import emit, peak_rss_mb, setup_django


def main() -> None:
    setup_django()
    from catalog.ingest import crawl
    from catalog.sources.huggingface.client import HubClient

    mode = sys.argv[1] if len(sys.argv) > 1 else "ingest"
    if mode == "bare":
        # the same listing, paged by the bare client: no parsing into records, no database
        from huggingface_hub.utils import http_backoff

        client = HubClient()
        url, pages, items = client.first_page_url(sort="downloads"), 0, 0
        started = time.perf_counter()
        while url:
            response = http_backoff("GET", url, headers=client.headers)
            items += len(response.json())
            pages += 1
            url = response.links.get("next", {}).get("url")
        emit(
            {
                "seconds": time.perf_counter() - started,
                "pages": pages,
                "models": items,
                "peak_rss_mb": peak_rss_mb(),
            }
        )
        return
    started = time.perf_counter()
    run = crawl.discover(mode=crawl.FULL)
    seconds = time.perf_counter() - started
    emit(
        {
            "seconds": seconds,
            "models": run.new_count + run.updated_count + run.unchanged_count,
            "new": run.new_count,
            "pages": run.pages,
            "list_requests": run.requests_made,
            "models_per_second": (run.new_count + run.updated_count + run.unchanged_count) / seconds,
            "peak_rss_mb": peak_rss_mb(),
            "status": run.status,
        }
    )


if __name__ == "__main__":
    main()
