"""A real Celery worker process on Redis, writing to the real database.

Runs whenever REDIS_URL is set (always in CI). The worker is a separate process started
with the ``celery`` command; it crawls the stand-in hub served by this test process and
writes to the test database, which the test then reads.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from catalog import choices
from catalog.ingest import crawl
from catalog.models import AIModel, CrawlRun
from openness.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis, pytest.mark.slow]


def worker_env(server, **extra) -> dict[str, str]:
    env = dict(os.environ)
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        env["DATABASE_URL"] = (
            f"postgres://{db['USER'] or 'postgres'}"
            f"{':' + db['PASSWORD'] if db['PASSWORD'] else ''}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        )
    else:  # the file-backed SQLite test database (see settings: TEST NAME)
        env["DATABASE_URL"] = f"sqlite:///{Path(db['NAME']).resolve()}"
    env.update(
        HF_ENDPOINT=server.url,
        GITHUB_API_URL=server.github_url,
        HUB_REQUEST_BUDGET="0",
        GITHUB_REQUEST_BUDGET="0",
        CRAWL_POPULARITY_THRESHOLD="0",
        CRAWL_LIKES_THRESHOLD="0",
        HF_PUBLIC_URL="https://huggingface.co",
        DJANGO_SETTINGS_MODULE="openness.settings",
    )
    env.update(extra)
    return env


def start_worker(env: dict[str, str], queue: str) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "openness",
        "worker",
        "--pool=prefork",
        "--concurrency=1",
        "--prefetch-multiplier=1",
        "-Q",
        queue,
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-n",
        f"test-{queue}@%h",
        "--loglevel=INFO",
    ]
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def poll(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


@pytest.fixture
def real_broker(require_redis):
    """The test process sends to Redis instead of running tasks eagerly."""
    celery_app.conf.task_always_eager = False
    yield require_redis
    celery_app.conf.task_always_eager = True


@pytest.fixture
def queue(real_broker):
    name = f"test-{uuid.uuid4().hex[:8]}"
    yield name
    with celery_app.connection_for_write() as conn:
        conn.default_channel.queue_delete(name)


def test_worker_process_runs_a_task_that_writes_to_the_database(real_broker, queue, tiny_hub):
    from catalog.tasks import crawl_model

    tiny_hub.hub.add_model(
        {
            "id": "org/worker-test",
            "sha": "a" * 40,
            "cardData": {"license": "mit"},
            "siblings": [{"rfilename": "model.safetensors"}],
        },
        readme="See https://arxiv.org/abs/2402.00838",
    )
    model = AIModel.objects.create(repo_id="org/worker-test", name="worker-test", is_placeholder=True)
    worker = start_worker(worker_env(tiny_hub), queue)
    crawled = False
    try:
        crawl_model.apply_async(args=[model.pk], queue=queue)
        crawled = poll(
            lambda: AIModel.objects.filter(pk=model.pk, detail_crawled_at__isnull=False).exists(), 60
        )
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            output, _ = worker.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            output, _ = worker.communicate()
    assert crawled, f"the worker did not crawl the model within 60 s:\n{output[-4000:]}"
    model.refresh_from_db()
    assert model.weight_files == ["model.safetensors"]
    assert model.paper_links.filter(paper__arxiv_id="2402.00838").exists()
    assert tiny_hub.stats["model"] >= 1  # the worker really talked to the stand-in
    assert worker.returncode == 0, f"worker did not shut down cleanly:\n{output[-3000:]}"
    assert "crawl_model" in output
    assert "succeeded" in output


def test_a_worker_killed_during_discovery_leaves_a_cursor_the_next_pass_resumes(
    real_broker, queue, settings, synthetic_hub
):
    """kill -9 mid-pass: no duplicate rows, and the next pass starts from the stored cursor."""
    from catalog.tasks import discover

    settings.HUB_LIST_PAGE_SIZE = 250
    settings.DISCOVER_HEARTBEAT_STALE_SECONDS = 1
    synthetic_hub.faults.add(path=r"/api/models\?.*cursor", mode="slow", delay=0.6)
    env = worker_env(synthetic_hub, HUB_LIST_PAGE_SIZE="250", DISCOVER_HEARTBEAT_STALE_SECONDS="1")
    worker = start_worker(env, queue)
    try:
        discover.apply_async(kwargs={"mode": "full"}, queue=queue)
        wait_for(lambda: CrawlRun.objects.filter(pages__gte=3).exists(), 90, "three pages to be ingested")
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.communicate(timeout=30)
    run = CrawlRun.objects.get()
    assert run.status == choices.CrawlStatus.RUNNING  # the killed worker never finished it
    assert "cursor=" in run.cursor_url
    ingested_pages = run.pages
    assert AIModel.objects.filter(is_placeholder=False).count() == ingested_pages * 250
    synthetic_hub.faults.clear()
    time.sleep(1.5)  # let the heartbeat go stale
    lists_before = synthetic_hub.stats["list"]
    resumed = crawl.discover(mode=crawl.FULL)
    assert resumed.pk == run.pk
    assert resumed.status == choices.CrawlStatus.SUCCEEDED
    assert (
        synthetic_hub.stats["list"] - lists_before == 10 - ingested_pages
    )  # only the pages not yet ingested
    assert AIModel.objects.filter(is_placeholder=False).count() == 2500
    assert AIModel.objects.values("repo_id").distinct().count() == AIModel.objects.count()
