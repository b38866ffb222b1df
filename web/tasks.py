"""Celery tasks of the public face: thin."""

from __future__ import annotations

from celery import shared_task


# The name predates the move from scoring/ to web/: queued messages and beat rows keep routing.
@shared_task(name="scoring.tasks.export_dump", acks_late=True, reject_on_worker_lost=True)
def export_dump() -> str:
    from web.exports import export_write

    return str(export_write())
