"""The crawl pipeline is defined once; tasks and the command use it; task names survive moves."""

from __future__ import annotations

import pytest
from django.conf import settings

from catalog.ingest import pipeline
from catalog.signals import facts_changed
from openness.celery import app


def test_every_beat_entry_names_a_registered_task():
    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks, entry["task"]


def test_a_task_name_from_before_the_move_still_routes_to_its_new_home():
    app.loader.import_default_modules()
    assert app.tasks["scoring.tasks.export_dump"].run.__module__ == "web.tasks"
    for name in (
        "catalog.tasks.discover",
        "catalog.tasks.crawl_model",
        "catalog.tasks.crawl_dataset",
        "catalog.tasks.crawl_repo",
        "scoring.tasks.score_models",
    ):
        assert name in app.tasks


@pytest.mark.django_db
def test_the_catalog_announces_changed_facts_and_does_not_know_who_listens():
    heard: list = []

    def listener(sender, model_ids, **kwargs):
        heard.append((model_ids, kwargs["synchronous"]))

    facts_changed.connect(listener, dispatch_uid="test-listener")
    try:
        pipeline.announce([3, 4])
        pipeline.announce([])  # nothing changed: nothing said
        pipeline.announce(None, synchronous=True)
    finally:
        facts_changed.disconnect(dispatch_uid="test-listener")
    assert heard == [([3, 4], False), (None, True)]


@pytest.mark.django_db
def test_the_inline_dispatch_runs_the_stages_the_steps_ask_for():
    dispatch = pipeline.InlineDispatch()
    dispatch.details([1, 2])
    dispatch.datasets([5])
    dispatch.repositories([7, 7])
    dispatch.changed([1])
    assert dispatch.model_ids == [1, 2]
    assert dispatch.dataset_ids == {5}
    assert dispatch.repository_ids == {7}
    dispatch.run()  # ids of rows that do not exist: nothing to crawl, nothing raised
    assert dispatch.failed == 0
