"""Stage: rescore every model in the bench database, or a random share of them (incremental).

``python -m bench.rescore``            every model (the daily full pass)
``python -m bench.rescore 0.01``       1 % of the models, as after a day's changed crawls
"""

from __future__ import annotations

import random
import resource
import sys
import time

from bench.common import emit, peak_rss_mb, setup_django


def main() -> None:
    setup_django()
    from django.conf import settings

    from catalog.models import AIModel
    from scoring.services import rescore

    share = float(sys.argv[1]) if len(sys.argv) > 1 else None
    model_ids = None
    if share is not None:
        ids = list(AIModel.objects.values_list("id", flat=True))
        model_ids = random.Random(11).sample(ids, max(1, int(len(ids) * share)))
    started = time.perf_counter()
    report = rescore(model_ids=model_ids, cause="manual" if share is None else "crawl")
    seconds = time.perf_counter() - started
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    emit(
        {
            "seconds": seconds,
            "requested": len(model_ids) if model_ids is not None else None,
            "models": report.scored,
            "written": report.written,
            "models_per_second": report.scored / seconds,
            "processes": settings.RESCORE_PROCESSES,
            "peak_rss_mb": peak_rss_mb(),
            "peak_rss_child_mb": children,
        }
    )


if __name__ == "__main__":
    main()
