"""Stage: rescore every model in the bench database."""

from __future__ import annotations

import time

from bench.common import emit, peak_rss_mb, setup_django


def main() -> None:
    setup_django()
    from django.conf import settings

    from scoring.services import rescore

    started = time.perf_counter()
    report = rescore(model_ids=None, cause="manual")
    seconds = time.perf_counter() - started
    import resource

    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    emit(
        {
            "seconds": seconds,
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
