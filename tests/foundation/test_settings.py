"""Settings come from the environment, default to the embedded stack, and fail loudly."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROBE = (
    "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'openness.settings'); django.setup();"
    "from django.conf import settings as s;"
    "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.CACHES['default']['BACKEND'],"
    " s.CELERY_BROKER_URL, s.DEBUG)"
)
SERVICE_VARS = (
    "DATABASE_URL",
    "REDIS_URL",
    "CACHE_URL",
    "OPENNESS_DEPLOYMENT",
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "DJANGO_DEBUG",
    "OPENNESS_REQUIRE_SERVICES",
)


def run_settings(tmp_path, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in SERVICE_VARS}
    clean["OPENNESS_VAR_DIR"] = str(tmp_path)
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )


def test_no_variable_set_gives_the_embedded_default(tmp_path):
    result = run_settings(tmp_path)
    assert result.returncode == 0, result.stderr
    engine, eager, cache, broker, debug = result.stdout.split()
    assert engine == "django.db.backends.sqlite3"
    assert eager == "True"
    assert cache.endswith("LocMemCache")
    assert broker == "memory://"
    assert debug == "False"


def test_database_and_redis_urls_switch_to_the_real_engines(tmp_path):
    result = run_settings(
        tmp_path, DATABASE_URL="postgres://u:p@127.0.0.1:5432/openness", REDIS_URL="redis://127.0.0.1:6379/0"
    )
    assert result.returncode == 0, result.stderr
    engine, eager, cache, broker, _ = result.stdout.split()
    assert engine == "django.db.backends.postgresql"
    assert eager == "False"
    assert cache.endswith("RedisCache")
    assert broker == "redis://127.0.0.1:6379/0"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DJANGO_DEBUG": "ture"}, "DJANGO_DEBUG='ture' is not a boolean"),
        ({"HUB_REQUEST_BUDGET": "lots"}, "HUB_REQUEST_BUDGET='lots' is not an integer"),
        ({"HUB_REQUEST_BUDGET": "-1"}, "HUB_REQUEST_BUDGET=-1 is below the minimum 0"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL='mysql://x' must be a URL with scheme"),
        ({"REDIS_URL": "localhost:6379"}, "REDIS_URL='localhost:6379' must be a URL with scheme"),
        ({"HF_ENDPOINT": "ftp://hub"}, "HF_ENDPOINT='ftp://hub' must be a URL"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL='LOUD' must be one of"),
        (
            {"CELERY_TASK_SOFT_TIME_LIMIT": "700", "CELERY_TASK_TIME_LIMIT": "600"},
            "CELERY_TASK_TIME_LIMIT must be greater",
        ),
        ({"OPENNESS_DEPLOYMENT": "production"}, "DJANGO_SECRET_KEY is required"),
        ({"OPENNESS_DEPLOYMENT": "production", "DJANGO_SECRET_KEY": "short"}, "at least 50 characters"),
        (
            {"OPENNESS_DEPLOYMENT": "production", "DJANGO_SECRET_KEY": "k" * 20 + "abcdefghij" * 4},
            "DJANGO_ALLOWED_HOSTS is required",
        ),
        (
            {
                "OPENNESS_DEPLOYMENT": "production",
                "DJANGO_SECRET_KEY": "k" * 20 + "abcdefghij" * 4,
                "DJANGO_ALLOWED_HOSTS": "example.org",
            },
            "DATABASE_URL is required",
        ),
    ],
)
def test_malformed_values_fail_loudly_naming_the_variable(tmp_path, env, message):
    result = run_settings(tmp_path, **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_production_settings_pass_check_deploy_without_warnings(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_VARS}
    env.update(
        OPENNESS_VAR_DIR=str(tmp_path),
        OPENNESS_DEPLOYMENT="production",
        DJANGO_SECRET_KEY="x7" * 10 + "production-secret-for-the-deploy-check-0123456789",
        DJANGO_ALLOWED_HOSTS="openness.example.org",
        DATABASE_URL="postgres://u:p@127.0.0.1:5432/openness",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


SITE_PROBE = (
    "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'openness.settings'); django.setup();"
    "from django.conf import settings as s; print(s.SITE_URL)"
)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "http://127.0.0.1:8000"),
        ({"SITE_URL": "https://index.example.net/"}, "https://index.example.net"),
        (
            {
                "OPENNESS_DEPLOYMENT": "production",
                "DJANGO_SECRET_KEY": "x7" * 10 + "production-secret-for-the-deploy-check-0123456789",
                "DJANGO_ALLOWED_HOSTS": "openness.example.net,www.openness.example.net",
                "DATABASE_URL": "postgres://u:p@127.0.0.1:5432/openness",
            },
            "https://openness.example.net",
        ),
    ],
    ids=["demo", "set", "production-default"],
)
def test_site_url_is_the_demo_address_a_setting_or_the_production_host(tmp_path, env, expected):
    clean = {k: v for k, v in os.environ.items() if k not in (*SERVICE_VARS, "SITE_URL")}
    clean.update(OPENNESS_VAR_DIR=str(tmp_path), **env)
    result = subprocess.run(
        [sys.executable, "-c", SITE_PROBE], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected


def test_a_site_url_without_a_scheme_fails_loudly(tmp_path):
    clean = {k: v for k, v in os.environ.items() if k not in SERVICE_VARS}
    clean.update(OPENNESS_VAR_DIR=str(tmp_path), SITE_URL="openness.example.net")
    result = subprocess.run(
        [sys.executable, "-c", SITE_PROBE], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "SITE_URL" in result.stderr


STAFF_PROBE = (
    "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'openness.settings'); django.setup();"
    "from django.conf import settings as s;"
    "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_EXPIRE_AT_BROWSER_CLOSE,"
    " s.SESSION_COOKIE_AGE, s.AXES_FAILURE_LIMIT, int(s.AXES_COOLOFF_TIME.total_seconds()),"
    " s.AUTHENTICATION_BACKENDS[0])"
)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "False False True 28800 5 1800 axes.backends.AxesStandaloneBackend"),
        (
            {
                "OPENNESS_DEPLOYMENT": "production",
                "DJANGO_SECRET_KEY": "x7" * 10 + "production-secret-for-the-staff-check-0123456789",
                "DJANGO_ALLOWED_HOSTS": "openness.example.org",
                "DATABASE_URL": "postgres://u:p@127.0.0.1:5432/openness",
                "SESSION_COOKIE_AGE": "3600",
                "AXES_FAILURE_LIMIT": "3",
                "AXES_COOLOFF_MINUTES": "60",
            },
            "True True True 3600 3 3600 axes.backends.AxesStandaloneBackend",
        ),
    ],
)
def test_staff_sessions_and_the_lockout_come_from_the_environment(tmp_path, env, expected):
    clean = {k: v for k, v in os.environ.items() if k not in SERVICE_VARS}
    clean.update(OPENNESS_VAR_DIR=str(tmp_path), **env)
    result = subprocess.run(
        [sys.executable, "-c", STAFF_PROBE], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == expected


def test_a_malformed_lockout_limit_fails_loudly(tmp_path):
    result = run_settings(tmp_path, AXES_FAILURE_LIMIT="five")
    assert result.returncode != 0
    assert "AXES_FAILURE_LIMIT" in result.stderr
