"""The scoring app listens to the catalog: facts changed -> rescore those models (and derivatives)."""

from __future__ import annotations

from django.db import transaction
from django.dispatch import receiver

from catalog.signals import facts_changed


@receiver(facts_changed, dispatch_uid="scoring.rescore_on_facts_changed")
def rescore_on_facts_changed(
    sender, model_ids: list[int] | None, synchronous: bool = False, progress: bool = False, **kwargs
) -> None:
    from scoring import services, tasks

    if synchronous:
        if model_ids is None:
            services.rescore_all(progress=progress, reason="crawl")
        else:
            services.rescore(model_ids=model_ids, cause="crawl", progress=progress)
        return
    ids = list(model_ids) if model_ids is not None else None
    if ids is None:
        transaction.on_commit(lambda: tasks.score_models.delay(None))
    elif ids:
        transaction.on_commit(lambda: tasks.score_models.delay(ids))
