"""Drill: Redis restarted during a crawl, and Redis flushed (issue 17), 20 runs.

A real Celery worker process crawls a small synthetic hub (20 models, 4 listing pages) from
a private Redis into the test database. When two pages are in, Redis is either killed and
started again (no persistence: queue, unacked messages and every connection gone) or
flushed. The database is the source of truth: the sweeper (``catalog.tasks.sweep_lost_work``,
a beat job) re-enqueues the detail crawls and the discovery pass that were lost, and the
stale-dataset / stale-repository jobs pick up the rest. Each run then checks against the hub:
every model stored once, at the listed commit, detail-crawled at that commit; the pass
finished once with every page counted once; no duplicated evidence, lineage or links; every
dataset and repository the cards named crawled.
"""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest

from catalog import choices
from catalog.ingest import sweep
from catalog.models import AIModel, CodeRepository, CrawlRun, Dataset, Evidence, LineageEdge, ModelDataset
from openness.celery import app as celery_app
from standin.server import StandinServer
from standin.synthetic import SyntheticHub
from tests.conftest import point_at
from tests.drills.conftest import PrivateRedis, drill_env, drill_worker, poll

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis, pytest.mark.slow]

HUB_SIZE = 15
PAGE_SIZE = 5
RUNS = 20
FAULTS = ["restart", "flush"]


@pytest.fixture(scope="module")
def hub_server():
    with StandinServer(SyntheticHub(size=HUB_SIZE)) as server:
        yield server


@pytest.fixture(scope="module")
def crawl_worker(django_db_setup, hub_server, private_redis, tmp_path_factory):
    """One worker for all runs (a worker survives a Redis restart: it reconnects)."""
    env = drill_env(
        hub_server,
        private_redis,
        HUB_LIST_PAGE_SIZE=str(PAGE_SIZE),
        DISCOVER_HEARTBEAT_STALE_SECONDS="1",
        SWEEP_GRACE_SECONDS="1",
        CRAWL_RETRY_BACKOFF_MAX="2",
    )
    log = tmp_path_factory.mktemp("drill") / "worker.log"
    worker = drill_worker(env, "drill-redis", log=log, concurrency=2)
    yield worker
    worker.stop()


def send(private: PrivateRedis, name: str, **kwargs) -> None:
    """Publish a task to the private broker, as beat would; a broker that is still coming back
    gets a few more attempts."""
    with celery_app.connection_for_write(private.url()) as conn:
        celery_app.send_task(name, kwargs=kwargs, connection=conn, retry=True)


def converged(hub) -> bool:
    run = CrawlRun.objects.filter(kind=choices.CrawlKind.DISCOVER_FULL).first()
    if run is None or run.status != choices.CrawlStatus.SUCCEEDED:
        return False
    stored = dict(AIModel.objects.filter(is_placeholder=False).values_list("repo_id", "detail_sha"))
    return len(stored) == HUB_SIZE and all(stored.get(r["id"]) == r["sha"] for r in hub_records(hub))


def lose_the_queue(private: PrivateRedis, fault: str) -> list[dict]:
    """Apply the fault and return the messages it threw away, read atomically with
    it: a flush in the same MULTI/EXEC; a restart after pausing every write (workers can no
    longer pop), so nothing leaves the queue between reading it and killing the server."""
    client = private.client()
    if fault == "flush":
        with client.pipeline(transaction=True) as multi:
            multi.lrange("default", 0, -1)
            multi.flushall()
            raw, _ = multi.execute()
    else:
        client.execute_command("CLIENT", "PAUSE", "10000", "WRITE")
        raw = client.lrange("default", 0, -1)
        private.restart()
    return [json.loads(m) for m in raw]


def model_id_of(message: dict) -> int:
    args, kwargs, _ = json.loads(base64.b64decode(message["body"]))
    return args[0] if args else kwargs["model_id"]


def hub_records(hub: SyntheticHub) -> list[dict]:
    return [hub.record(i) for i in range(hub.size)]


def duplicates(model, *fields: str) -> int:
    from django.db.models import Count

    return model.objects.values(*fields).annotate(n=Count("id")).filter(n__gt=1).count()


@pytest.mark.parametrize("run_number", range(RUNS))
def test_redis_lost_mid_crawl_nothing_lost_or_duplicated(
    settings, run_number, hub_server, private_redis, crawl_worker
):
    worker = crawl_worker
    fault = FAULTS[run_number % 2]
    hub = hub_server.hub
    point_at(settings, hub_server)
    hub_server.faults.clear()
    hub_server.faults.add(path=r"/api/models\?.*cursor", mode="slow", delay=0.25)
    worker.ensure()
    celery_app.conf.task_always_eager = False
    try:
        send(private_redis, "catalog.tasks.discover", mode="full")
        assert poll(lambda: CrawlRun.objects.filter(pages__gte=2).exists(), 60), worker.output()
        sweeps_before = worker.log.read_text().count("sweeper re-enqueued")
        queued = lose_the_queue(private_redis, fault)
        lost = len(queued)  # queued messages the fault threw away
        lost_crawls = sum(m["headers"]["task"].startswith("catalog.tasks.crawl_") for m in queued)
        # detail crawls lost for models not crawled yet: only the sweeper can bring these back
        # (a lost dataset or repository crawl comes back through its stale-row job; a lost
        # duplicate of a message the worker already holds needs nothing)
        lost_models = {model_id_of(m) for m in queued if m["headers"]["task"] == "catalog.tasks.crawl_model"}
        only_sweeper = set(
            AIModel.objects.filter(pk__in=lost_models, detail_crawled_at__isnull=True).values_list(
                "pk", flat=True
            )
        )
        hub_server.faults.clear()
        assert lost > 0, "the fault must really lose queued work for the drill to mean anything"

        def swept() -> bool:
            worker.ensure()  # the supervisor: a worker that lost its broker exited
            if converged(hub):
                return True
            send(private_redis, "catalog.tasks.sweep_lost_work")
            return False

        assert poll(swept, 60, interval=0.5), f"{fault}: not converged\n{worker.output()}"
        # datasets and repositories the cards named: the existing stale-row jobs pick them up
        send(private_redis, "catalog.tasks.recrawl_stale_datasets")
        send(private_redis, "catalog.tasks.recrawl_stale_repos")

        def all_crawled() -> bool:
            worker.ensure()
            uncrawled_datasets = Dataset.objects.filter(source="huggingface", crawled_at__isnull=True)
            return (
                not uncrawled_datasets.exists()
                and not CodeRepository.objects.filter(crawled_at__isnull=True).exists()
            )

        assert poll(all_crawled, 60, interval=0.5), (
            f"{fault}: datasets or repositories left uncrawled\n{worker.output()}"
        )
        # let the worker finish what is left (rescoring) before the database is emptied for the next run
        broker = private_redis.client()
        assert poll(lambda: broker.llen("default") == 0 and broker.hlen("unacked") == 0, 60, interval=0.2)
    finally:
        celery_app.conf.task_always_eager = True
    if only_sweeper:  # they came back through the sweeper
        assert worker.log.read_text().count("sweeper re-enqueued") > sweeps_before
    print(
        f"run {run_number}: {fault}, {lost} queued messages lost ({lost_crawls} crawls,"
        f" {len(only_sweeper)} for the sweeper alone), recovered;"
        f" restarts {worker.restarts}, kills {worker.kills}"
    )

    # nothing lost: every listed model, at its listed commit, detail-crawled at that commit
    records = {r["id"]: r for r in hub_records(hub)}
    stored = {m.repo_id: m for m in AIModel.objects.filter(is_placeholder=False)}
    assert set(stored) == set(records)
    for repo_id, model in stored.items():
        assert model.sha == records[repo_id]["sha"], repo_id
        assert model.detail_sha == model.sha, repo_id
        assert model.detail_crawled_at is not None, repo_id
    assert sweep.details_due(limit=100, grace=timedelta(0)) == []
    # nothing duplicated: one pass, every page once, no doubled rows anywhere
    run = CrawlRun.objects.get(kind=choices.CrawlKind.DISCOVER_FULL)
    assert run.status == choices.CrawlStatus.SUCCEEDED
    assert run.pages == HUB_SIZE // PAGE_SIZE
    assert run.seen_count == HUB_SIZE
    assert AIModel.objects.values("source", "repo_id").distinct().count() == AIModel.objects.count()
    assert duplicates(Evidence, "subject_type", "subject_id", "fact", "origin") == 0
    assert duplicates(LineageEdge, "child_id", "parent_id") == 0
    assert duplicates(ModelDataset, "model_id", "dataset_id", "origin") == 0
