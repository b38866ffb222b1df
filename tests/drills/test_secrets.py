"""Secrets come only from the environment and never show: not in logs (every logger at DEBUG,
the HTTP stacks' own lines included), not in crawl failure records an operator reads, not in
Celery task arguments (they travel through the broker), not in error pages (issue 17)."""

from __future__ import annotations

import logging
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from celery.signals import before_task_publish, task_prerun
from django.apps import apps
from django.test import RequestFactory
from django.views.debug import technical_500_response

from catalog import tasks
from catalog.ingest import crawl
from catalog.models import CrawlFailure
from openness.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
HF_SECRET = "hf_" + secrets.token_hex(17)
GH_SECRET = "ghp_" + secrets.token_hex(18)
SHA = "7" * 40


@pytest.fixture
def task_messages():
    """Every task's arguments, as published to the broker and as a worker receives them."""
    seen: list[str] = []

    def published(sender=None, body=None, headers=None, **kwargs):
        seen.append(repr((sender, body, headers)))

    def received(sender=None, task_id=None, task=None, args=None, kwargs=None, **extra):
        seen.append(repr((getattr(task, "name", sender), args, kwargs)))

    before_task_publish.connect(published, weak=False)
    task_prerun.connect(received, weak=False)
    yield seen
    before_task_publish.disconnect(published)
    task_prerun.disconnect(received)


def stored_text() -> str:
    """Every text value of every row the catalog, scoring and corrections apps hold."""
    values: list[str] = []
    for label in ("catalog", "scoring", "corrections"):
        for model in apps.get_app_config(label).get_models():
            fields = [f.attname for f in model._meta.concrete_fields]
            for row in model.objects.values_list(*fields):
                values.extend(repr(v) for v in row if v is not None)
    return "\n".join(values)


def debug_error_page() -> str:
    """Django's technical 500 page for an error raised where no local variable holds a token."""
    request = RequestFactory().get("/boom/")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        return technical_500_response(request, *sys.exc_info()).content.decode()


@pytest.mark.django_db
def test_tokens_never_show_in_logs_records_task_arguments_or_error_pages(
    settings, tiny_hub, caplog, task_messages, django_capture_on_commit_callbacks
):
    settings.HF_TOKEN, settings.GITHUB_TOKEN = HF_SECRET, GH_SECRET
    tiny_hub.httpd.tokens[HF_SECRET] = "crawler"
    caplog.set_level(logging.DEBUG)  # the root logger: every library's debug lines too
    hub = tiny_hub.hub
    hub.add_model(
        {"id": "org/good", "sha": SHA, "downloads": 900, "cardData": {"license": "mit"}},
        readme="# Good\n\nTraining code: https://github.com/org/code\n",
    )
    hub.add_repo(
        {
            "repo": {"full_name": "org/code", "default_branch": "main", "license": {"key": "mit"}},
            "tree": ["LICENSE", "train.py"],
        }
    )
    hub.add_model({"id": "org/broken", "sha": "8" * 40, "downloads": 800})
    hub.add_model(
        {"id": "org/unreachable-code", "sha": "9" * 40, "downloads": 700},
        readme="Code: https://github.com/org/refused\n",
    )
    tiny_hub.faults.add(path="/api/models/org/broken", mode="status", status=500)
    # GitHub refusing the token: the error must name the setting, never its value
    tiny_hub.faults.add(path="/github-api/repos/org/refused", mode="status", status=401)

    # the worker path: discovery, then the detail and scoring tasks it enqueues on commit
    # (a task that fails for good is recorded, as on a worker, instead of raising into the test)
    previous, celery_app.conf.task_eager_propagates = celery_app.conf.task_eager_propagates, False
    try:
        with django_capture_on_commit_callbacks(execute=True):
            tasks.discover.delay(crawl.FULL).get()
    finally:
        celery_app.conf.task_eager_propagates = previous

    assert tiny_hub.stats["requests"] > 5  # the crawl really talked to both services
    assert CrawlFailure.objects.exists()  # and recorded what failed
    assert any("GITHUB_TOKEN" in m for m in CrawlFailure.objects.values_list("message", flat=True))
    assert task_messages, "no task ran: the task-argument check would prove nothing"
    for secret in (HF_SECRET, GH_SECRET):
        assert secret not in caplog.text
        assert secret not in "\n".join(task_messages)
        assert secret not in stored_text()

    # Django's debug error page (DEBUG on by mistake) masks settings named *TOKEN*
    page = debug_error_page()
    assert "HF_TOKEN" in page  # the setting is listed ...
    assert HF_SECRET not in page  # ... its value is not
    assert GH_SECRET not in page


def test_no_secret_is_written_in_the_repository():
    """Tokens, keys and passwords only from the environment: nothing that looks like one is
    committed (the patterns of the services' own token formats)."""
    files = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert len(files) > 100
    pattern = re.compile(
        r"\bhf_[A-Za-z0-9]{30,}\b|\bgh[pousr]_[A-Za-z0-9]{30,}\b|github_pat_[A-Za-z0-9_]{40,}"
        r"|-----BEGIN [A-Z ]*PRIVATE KEY-----|AKIA[0-9A-Z]{16}"
    )
    hits = []
    for name in files:
        path = ROOT / name
        if not path.is_file() or path.stat().st_size > 5_000_000:
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        hits += [f"{name}: {m.group()[:12]}..." for m in pattern.finditer(text)]
    assert hits == []


def test_settings_read_every_secret_from_the_environment():
    source = (ROOT / "openness" / "settings.py").read_text()
    for name in ("DJANGO_SECRET_KEY", "HF_TOKEN", "GITHUB_TOKEN", "DATABASE_URL"):
        assert re.search(rf"env\w*\(\s*\"{name}\"", source), name


def test_a_rotated_secret_key_still_verifies_what_the_old_one_signed():
    """DJANGO_SECRET_KEY_FALLBACKS (docs/operations.md, "Rotating secrets"): sessions signed with
    the previous key survive the rotation; without the fallback they would not."""
    old, new = secrets.token_urlsafe(50), secrets.token_urlsafe(50)
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'openness.settings');"
        "django.setup(); from django.core import signing;"
        "import sys; print(signing.loads(sys.argv[1]))"
    )
    from django.core import signing
    from django.test import override_settings

    with override_settings(SECRET_KEY=old):
        token = signing.dumps("session-of-mia")

    def verify(env_extra: dict[str, str]) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_SECRET_KEY")}
        return subprocess.run(
            [sys.executable, "-c", code, token],
            cwd=ROOT,
            env={**env, "DJANGO_SECRET_KEY": new, **env_extra},
            capture_output=True,
            text=True,
        )

    assert verify({"DJANGO_SECRET_KEY_FALLBACKS": f"{old}"}).stdout.strip() == "session-of-mia"
    refused = verify({})
    assert refused.returncode != 0
    assert "BadSignature" in refused.stderr
