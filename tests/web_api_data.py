"""The crawled snapshot for the API and page tests, once per test module.

The bundled snapshot is crawled through the stand-in hub (discovery, details, datasets,
repositories, rescore) with every listed model notable, committed, and flushed when the
module is done; each test runs in its own transaction on top of it and is rolled back.
Nothing depends on another module or on the order of the tests.
"""

from __future__ import annotations

import copy
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.test import override_settings

from standin.server import StandinServer
from tests.conftest import point_at

# Every listed model counts as notable, so the default view shows the whole snapshot.
DATA_SETTINGS = {"NOTABLE_MIN_DOWNLOADS": 0}


@pytest.fixture(scope="module")
def crawled(django_db_setup, django_db_blocker, snapshot_data):
    """Crawl the snapshot once for the module; yields the stand-in server (its hub is ``.hub``)."""
    with StandinServer(copy.deepcopy(snapshot_data)) as server:
        endpoints = SimpleNamespace()
        point_at(endpoints, server)
        with override_settings(**vars(endpoints), **DATA_SETTINGS):
            with django_db_blocker.unblock():
                call_command("crawl", "--no-progress", stdout=StringIO(), stderr=StringIO())
            try:
                yield server
            finally:
                with django_db_blocker.unblock():
                    call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def no_throttle(monkeypatch):
    """A rate no test reaches (DRF reads the rates into the class when it is imported)."""
    from rest_framework.throttling import AnonRateThrottle

    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "100000/min"})
