"""Celery tasks of the scoring app: thin."""

from __future__ import annotations

from celery import shared_task


@shared_task(
    name="scoring.tasks.score_models",
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=3,
    autoretry_for=(Exception,),
    retry_backoff=True,
    retry_jitter=True,
)
def score_models(model_ids: list[int], cause: str = "crawl") -> int:
    """Rescore these models and everything derived from them (idempotent)."""
    from scoring.services import rescore

    return rescore(model_ids=model_ids, cause=cause).written
