"""Celery tasks of the corrections app: thin."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="corrections.tasks.sweep", acks_late=True, reject_on_worker_lost=True)
def sweep() -> dict[str, list[int]]:
    """Every approved correction in effect: re-apply missing rows, rescore scores that miss one."""
    from corrections.services import corrections_sweep

    report = corrections_sweep()
    return {"reapplied": report.reapplied, "rescored": report.rescored}
