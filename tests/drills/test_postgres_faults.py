"""Drill: the worker's PostgreSQL connection dropped in the middle of an ingest (issue 17).

A real worker process crawls a synthetic hub into the test database (PostgreSQL). To catch it
*inside* a page's transaction, the test holds a lock on the evidence table: the worker's page
transaction has already written the page's models when it blocks on its evidence insert. The
test then terminates the worker's backend (``pg_terminate_backend``, as a failover or an
operator would) and releases the lock. The page must vanish whole (its models, lineage and
links roll back with it; the cursor stays before it), the task must retry on a fresh
connection and resume from the cursor, and every model must end up stored exactly once. The
same for a model's detail crawl: no half-written model.
"""

from __future__ import annotations

import psycopg2
import pytest
from django.db import connection

from catalog import choices
from catalog.models import AIModel, CrawlRun, Evidence
from openness.celery import app as celery_app
from standin.server import StandinServer
from standin.synthetic import SyntheticHub
from tests.drills.conftest import drill_env, drill_worker, poll

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.slow,
]

HUB_SIZE = 20
PAGE_SIZE = 5


def raw_connection(dbname: str | None = None):
    """A psycopg2 connection outside Django's, to the test database or to ``dbname`` on the
    same server."""
    db = connection.settings_dict
    return psycopg2.connect(
        dbname=dbname or db["NAME"],
        user=db["USER"] or "postgres",
        password=db["PASSWORD"] or None,
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
    )


class EvidenceLock:
    """Holds SHARE ROW EXCLUSIVE on the evidence table: reads pass, every insert waits."""

    def __init__(self) -> None:
        self.conn = raw_connection()
        self.cursor = self.conn.cursor()
        self.cursor.execute(f"LOCK TABLE {Evidence._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")

    def blocked_backend(self) -> int | None:
        """The backend waiting on this lock (the worker, mid-transaction), if any. Asked on the
        test's own autocommit connection: inside the lock's transaction, pg_stat_activity
        would answer from a snapshot taken at its first read."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))",
                [self.conn.get_backend_pid()],
            )
            row = cursor.fetchone()
        return row[0] if row else None

    def terminate(self, pid: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            assert cursor.fetchone()[0] is True

    def release(self) -> None:
        self.conn.rollback()
        self.conn.close()


def committed_state() -> tuple[int, int, int]:
    """Models stored, pages the run counted, models detail-crawled: one statement, one snapshot."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM catalog_aimodel WHERE NOT is_placeholder),"
            " (SELECT coalesce(max(pages), 0) FROM catalog_crawlrun),"
            " (SELECT count(*) FROM catalog_aimodel WHERE detail_crawled_at IS NOT NULL)"
        )
        return cursor.fetchone()


@pytest.fixture
def pg_worker(require_postgres, private_redis, tmp_path):
    with StandinServer(SyntheticHub(size=HUB_SIZE)) as server:
        env = drill_env(
            server,
            private_redis,
            HUB_LIST_PAGE_SIZE=str(PAGE_SIZE),
            CRAWL_RETRY_BACKOFF_MAX="2",
            # no detail crawls from discovery: the drill sends the one it kills
            CRAWL_POPULARITY_THRESHOLD=str(10**12),
            CRAWL_LIKES_THRESHOLD=str(10**9),
        )
        worker = drill_worker(env, "drill-pg", log=tmp_path / "worker.log")
        celery_app.conf.task_always_eager = False
        try:
            yield server, worker
        finally:
            celery_app.conf.task_always_eager = True
            worker.stop()


def send(private, name: str, **kwargs) -> None:
    with celery_app.connection_for_write(private.url()) as conn:
        celery_app.send_task(name, kwargs=kwargs, connection=conn)


def kill_inside_transaction(worker) -> tuple[int, int, int]:
    """Wait until the worker blocks inside its transaction, terminate its backend; returns the
    committed state right after (before the lock is released and anything can commit)."""
    lock = EvidenceLock()
    try:
        assert poll(lambda: lock.blocked_backend() is not None, 60), worker.output()
        lock.terminate(lock.blocked_backend())
        state = committed_state()
    finally:
        lock.release()
    return state


def test_a_connection_terminated_mid_page_rolls_the_page_back_and_the_task_retries(pg_worker, private_redis):
    server, worker = pg_worker
    server.faults.add(path=r"/api/models\?.*cursor", mode="slow", delay=0.5, times=1)  # time to take the lock
    send(private_redis, "catalog.tasks.discover", mode="full")
    assert poll(lambda: CrawlRun.objects.filter(pages__gte=1).exists(), 60), worker.output()

    models, pages, _ = kill_inside_transaction(worker)  # page 2 wrote its models, then blocked
    assert pages == 1
    assert models == PAGE_SIZE  # page 2's models rolled back with their page: nothing half-written

    assert poll(lambda: CrawlRun.objects.filter(status=choices.CrawlStatus.SUCCEEDED).exists(), 60), (
        worker.output()
    )
    run = CrawlRun.objects.get()  # the same run, resumed from its cursor; no second pass
    assert run.pages == HUB_SIZE // PAGE_SIZE
    assert run.seen_count == HUB_SIZE
    assert AIModel.objects.filter(is_placeholder=False).count() == HUB_SIZE
    assert AIModel.objects.values("repo_id").distinct().count() == AIModel.objects.count()
    per_model = set(Evidence.objects.filter(subject_type="model").values_list("subject_id", flat=True))
    assert len(per_model) == HUB_SIZE  # every model has its listing evidence
    output = worker.output(20000)
    assert "database connection lost" in output
    assert "Retry in" in output
    assert worker.restarts == 0

    # a detail crawl killed inside model_detail_ingest: the model is not half-updated either
    assert poll(lambda: private_redis.client().llen("default") == 0, 60)  # the pass's follow-ups done
    model = AIModel.objects.order_by("repo_id").first()
    send(private_redis, "catalog.tasks.crawl_model", model_id=model.pk)
    _, _, detailed = kill_inside_transaction(worker)
    assert detailed == 0  # no detail columns committed without their evidence and links
    model.refresh_from_db()
    assert model.detail_crawled_at is None
    assert poll(lambda: AIModel.objects.filter(pk=model.pk, detail_crawled_at__isnull=False).exists(), 60), (
        worker.output()
    )
    model.refresh_from_db()
    assert model.detail_sha == model.sha
    assert worker.output(40000).count("database connection lost") == 2
