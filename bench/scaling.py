"""Stage: scaling out, measured. The same kind of work done by one, then two Celery worker
processes (prefork, concurrency 1 each) on one Redis broker against one PostgreSQL:

- detail crawls: ``catalog.tasks.crawl_model(force=True)`` over synthetic models served by the
  stand-in (model info, README, files), each run on models the other did not touch;
- rescoring: ``scoring.tasks.score_models`` in chunks of 500, over scores whose fingerprint was
  cleared so that every row is rewritten (as after a methodology change).

Reported per kind: models per second with one and with two workers and the ratio. On this
2-core machine the ratio is bounded by the cores that PostgreSQL, the stand-in and the
workers share; docs/performance.md says what it means for the next machine.

``python -m bench.scaling [details_models] [rescore_models]``; needs DATABASE_URL (a scored
bench database), HF_ENDPOINT (the stand-in) and REDIS_URL.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

from bench.common import PYTHON, ROOT, emit, setup_django

CHUNK = 500
WARM_UP = 20
QUEUE = "default"


def start_workers(count: int) -> list[subprocess.Popen]:
    env = {**os.environ, "CELERY_TASK_ALWAYS_EAGER": "0"}
    return [
        subprocess.Popen(
            [
                PYTHON,
                "-m",
                "celery",
                "-A",
                "openness",
                "worker",
                "--pool=prefork",
                "--concurrency=1",
                "--prefetch-multiplier=1",
                "-Q",
                QUEUE,
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"bench-{number}@%h",
                "--loglevel=WARNING",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for number in range(count)
    ]


def stop_workers(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        worker.terminate()
    for worker in workers:
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()


def wait_for_ready(app, count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        replies = app.control.ping(timeout=1.0) or []
        if len(replies) >= count:
            return
    raise SystemExit(f"only {len(replies)} of {count} workers answered within {timeout} s")


def measure(done_count, total: int, stall: float = 20.0) -> tuple[int, float]:
    """Poll until every item is done or nothing progresses for ``stall`` seconds; the items
    done and the seconds to the last one."""
    started = time.perf_counter()
    done, last_progress, last_done_at = 0, time.perf_counter(), started
    while done < total and time.perf_counter() - last_progress < stall:
        time.sleep(0.25)
        now_done = done_count()
        if now_done > done:
            done, last_progress, last_done_at = now_done, time.perf_counter(), time.perf_counter()
    return done, last_done_at - started


def run(kind: str, workers: int, model_ids: list[int]) -> dict:
    from django.utils import timezone

    from catalog.models import AIModel
    from catalog.tasks import crawl_model
    from openness.celery import app
    from scoring.models import Score
    from scoring.tasks import score_models

    app.control.purge()
    processes = start_workers(workers)
    try:
        wait_for_ready(app, workers)
        if kind == "rescore":
            Score.objects.filter(model_id__in=model_ids).update(outputs_hash="")
        since = timezone.now()
        time.sleep(0.01)  # computed_at / detail_crawled_at strictly after ``since``
        if kind == "details":
            for pk in model_ids:
                crawl_model.delay(pk, force=True)
            done, seconds = measure(
                lambda: AIModel.objects.filter(pk__in=model_ids, detail_crawled_at__gt=since).count(),
                len(model_ids),
            )
        else:
            for start in range(0, len(model_ids), CHUNK):
                score_models.delay(model_ids[start : start + CHUNK], "manual")
            done, seconds = measure(
                lambda: Score.objects.filter(model_id__in=model_ids, computed_at__gt=since).count(),
                len(model_ids),
            )
    finally:
        app.control.purge()
        stop_workers(processes)
    per_second = done / seconds if seconds else 0.0
    return {"workers": workers, "models": done, "seconds": seconds, "per_second": per_second}


def main() -> None:
    setup_django()
    from catalog.choices import Gate
    from catalog.models import AIModel

    details_models = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    rescore_models = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    # listed, ungated models (a gated synthetic model's detail crawl ends in a recorded refusal)
    ungated = AIModel.objects.filter(gated=Gate.NONE, is_placeholder=False).order_by("pk")
    candidates = list(ungated.values_list("pk", flat=True)[: 2 * details_models + WARM_UP])
    scored = list(
        AIModel.objects.filter(scores__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)[:rescore_models]
    )
    result: dict = {}
    for kind, sets in (
        ("details", [candidates[WARM_UP:][:details_models], candidates[WARM_UP:][details_models:]]),
        ("rescore", [scored, scored]),
    ):
        run(kind, 1, candidates[:WARM_UP])  # not measured: the first run would pay cold caches
        one = run(kind, 1, sets[0])
        two = run(kind, 2, sets[1])
        result[kind] = {
            "one_worker": one,
            "two_workers": two,
            "ratio": two["per_second"] / one["per_second"] if one["per_second"] else 0.0,
        }
    emit(result)


if __name__ == "__main__":
    main()
