"""Shared fixtures: real stand-in hubs on loopback, service requirements, eager Celery.

Nothing here mocks the Hub client: crawler tests start a stand-in server (a real socket on
127.0.0.1) and point the settings at it. Tests that need Redis or PostgreSQL skip when the
service is not configured, except when OPENNESS_REQUIRE_SERVICES=1 (as in CI), where they
fail instead, so CI can never pass by skipping a missing service.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from django.conf import settings as django_settings

from openness.celery import app as celery_app
from standin.hub import SnapshotHub
from standin.server import StandinServer
from standin.synthetic import SyntheticHub

REQUIRE_SERVICES = os.environ.get("OPENNESS_REQUIRE_SERVICES") == "1"


def _missing_service(name: str, why: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{name} is required here (OPENNESS_REQUIRE_SERVICES=1) but {why}")
    pytest.skip(f"{name} not configured: {why}")


@pytest.fixture
def require_redis() -> str:
    url = django_settings.REDIS_URL
    if not url:
        _missing_service("Redis", "REDIS_URL is not set")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        _missing_service("Redis", f"{url} does not answer: {exc}")
    return url


def postgres_required() -> None:
    """Skip (fail in CI) unless the tests run on PostgreSQL; callable from any fixture scope."""
    if not django_settings.USING_POSTGRES:
        _missing_service("PostgreSQL", "DATABASE_URL does not point at PostgreSQL")


@pytest.fixture
def require_postgres() -> None:
    postgres_required()


@pytest.fixture(autouse=True)
def _eager_celery_and_clean_cache():
    """Tasks run in-process unless a test starts a real worker; each test starts with an empty cache."""
    from django.core.cache import cache

    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    cache.clear()
    yield
    celery_app.conf.task_always_eager = previous


def point_at(settings, server: StandinServer) -> None:
    """Settings for crawling ``server``: its endpoints, no request budget, quick retries."""
    settings.HF_ENDPOINT = server.url
    settings.GITHUB_API_URL = server.github_url
    settings.HF_PUBLIC_URL = "https://huggingface.co"
    settings.HUB_REQUEST_BUDGET = 0
    settings.HUB_RESOLVER_BUDGET = 0
    settings.CRAWL_PACE_SECONDS = 0  # pacing has its own tests
    settings.GITHUB_REQUEST_BUDGET = 0
    settings.HUB_HTTP_MAX_RETRIES = 2
    settings.HUB_HTTP_BACKOFF_BASE = 0.01
    settings.HUB_HTTP_BACKOFF_MAX = 0.05
    settings.HUB_HTTP_TIMEOUT = 5.0
    settings.CRAWL_POPULARITY_THRESHOLD = 0
    settings.CRAWL_LIKES_THRESHOLD = 0


@pytest.fixture(scope="session")
def snapshot_data() -> SnapshotHub:
    return SnapshotHub.load()


@pytest.fixture
def snapshot_hub(settings, snapshot_data) -> Iterator[StandinServer]:
    """The bundled snapshot on a fresh loopback server (its own copy: tests may touch it)."""
    import copy

    with StandinServer(copy.deepcopy(snapshot_data)) as server:
        point_at(settings, server)
        yield server


@pytest.fixture
def tiny_hub(settings) -> Iterator[StandinServer]:
    """An empty hub for tests that add exactly the records they need."""
    with StandinServer(SnapshotHub()) as server:
        point_at(settings, server)
        yield server


@pytest.fixture
def synthetic_hub(settings, request) -> Iterator[StandinServer]:
    size = getattr(request, "param", 2500)
    with StandinServer(SyntheticHub(size=size)) as server:
        point_at(settings, server)
        yield server


def pytest_sessionfinish(session, exitstatus):
    """Remove this session's file-backed SQLite test database and its WAL files."""
    from pathlib import Path

    name = django_settings.DATABASES["default"].get("TEST", {}).get("NAME")
    if name and django_settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{name}{suffix}").unlink(missing_ok=True)


# Data migrations that publish methodology versions: a flush empties their rows, so a test that
# flushes puts them back exactly as `migrate` did (no read ever creates them).
METHODOLOGY_MIGRATIONS = (
    ("scoring.migrations.0005_methodology_v1", "publish_v1"),
    ("scoring.migrations.0006_methodology_v2", "publish_v2"),
)


def republish_methodologies() -> None:
    import importlib

    from django.apps import apps

    for module, function in METHODOLOGY_MIGRATIONS:
        getattr(importlib.import_module(module), function)(apps, None)


@pytest.fixture(autouse=True)
def _methodologies_published(request):
    """Transactional tests end with a flush, which empties what data migrations wrote: a test
    that uses the database starts with the published methodologies, as after `migrate`."""
    if request.node.get_closest_marker("django_db") or {"db", "transactional_db"} & set(request.fixturenames):
        request.getfixturevalue("django_db_setup")
        with request.getfixturevalue("django_db_blocker").unblock():
            republish_methodologies()
