"""docker-compose.yml cannot run here (no Docker engine): check that what it names exists."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def command_of(service: dict) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else command


def test_the_stack_has_exactly_the_expected_services():
    assert set(SERVICES) == {"postgres", "redis", "web", "worker", "beat"}


@pytest.mark.parametrize("name", ["postgres", "redis", "web", "worker", "beat"])
def test_every_service_has_a_health_check(name):
    check = SERVICES[name].get("healthcheck")
    assert check, f"{name} has no health check"
    assert check.get("test"), f"{name}'s health check runs nothing"


def test_volumes_are_named_and_declared():
    declared = set(COMPOSE["volumes"])
    used = {v.split(":", 1)[0] for s in SERVICES.values() for v in s.get("volumes", [])}
    assert used <= declared
    assert {"postgres-data", "redis-data"} <= used


def test_redis_persists_append_only_and_never_evicts():
    command = command_of(SERVICES["redis"])
    assert "--appendonly yes" in command
    assert "--maxmemory-policy noeviction" in command


def test_web_serves_the_wsgi_app_with_gunicorn():
    command = command_of(SERVICES["web"])
    match = re.search(r"gunicorn ([\w.]+):(\w+)", command)
    assert match, command
    module = importlib.import_module(match.group(1))
    assert callable(getattr(module, match.group(2)))
    assert "manage.py migrate" in command


def test_worker_is_prefork_with_prefetch_one_and_late_acks():
    from django.conf import settings

    command = command_of(SERVICES["worker"])
    assert "celery -A openness worker" in command
    assert "--pool=prefork" in command
    assert "--prefetch-multiplier=1" in command
    app = importlib.import_module("openness").celery_app
    assert app.main == "openness"
    assert settings.CELERY_TASK_ACKS_LATE
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1


def test_exactly_one_beat_with_a_scheduler_class_that_exists():
    beat = SERVICES["beat"]
    assert beat.get("deploy", {}).get("replicas") == 1
    command = command_of(beat)
    scheduler = re.search(r"--scheduler ([\w.]+):(\w+)", command)
    assert scheduler
    assert hasattr(importlib.import_module(scheduler.group(1)), scheduler.group(2))


def test_beat_schedule_names_registered_tasks():
    from django.conf import settings

    from openness.celery import app

    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks, entry["task"]


def test_every_setting_the_stack_passes_is_read_by_the_settings_module():
    source = (ROOT / "openness" / "settings.py").read_text()
    names = set()
    for service in SERVICES.values():
        env = service.get("environment", {})
        names |= set(env) if isinstance(env, dict) else {e.split("=", 1)[0] for e in env}
    names -= {"POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"}  # read by the postgres image
    missing = sorted(n for n in names if f'"{n}"' not in source)
    assert not missing, f"settings.py does not read {missing}"


def test_dockerfile_copies_every_package_and_collects_static_files():
    dockerfile = (ROOT / "Dockerfile").read_text()
    for package in ("openness", "catalog", "scoring", "standin", "templates", "static"):
        assert f"COPY {package}" in dockerfile
    assert "collectstatic" in dockerfile
