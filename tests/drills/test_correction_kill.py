"""Drill: the worker SIGKILLed while it rescores approved corrections, then Redis restarted
(issue 14), 20 runs.

Where the work is: ``correction_approve`` writes the corrected evidence, the status and the
'approved' event in the reviewer's own request transaction, so a correction is durable when
the form returns; what runs in a worker afterwards is the rescore (``scoring.tasks.score_models``,
enqueued on commit) of the corrected model and its derivatives. That task is what this drill
kills.

Each run: four models (A with a derivative D, B, and an unrelated U), scored. The test holds a
lock on the score table (reads pass, writes wait), approves a judgment correction of A and one
of B in the test process, publishing to a private Redis; the real worker takes A's rescore and
blocks on its score upsert, inside the task's transaction. The test kills the worker's process
group with SIGKILL there (A's rescore is unacknowledged, B's still queued), kills and restarts
Redis (both messages gone), releases the lock, and checks that the killed transaction left
nothing. A new worker is started and the corrections sweeper (``corrections.tasks.sweep``, the
beat job) is sent as a task. Then: each correction in effect exactly once (one corrected
evidence row, its score citing it, one 'approved' event, at most one 'reapplied'), the
derivative's score rests on the corrected base, and nothing else changed.
"""

from __future__ import annotations

import json
import os
import re
import signal
from contextlib import contextmanager

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from kombu import pools as kombu_pools

from catalog import choices
from catalog.models import Evidence, LineageEdge
from corrections.models import Correction, CorrectionEvent
from corrections.services import _in_effect, correction_approve, correction_submit
from openness.celery import app as celery_app
from scoring.models import Score, ScoreChange
from scoring.services import rescore
from tests.drills.conftest import drill_env, drill_worker, poll
from tests.drills.test_postgres_faults import raw_connection
from tests.factories import AIModelFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.slow,
]

RUNS = 20
URL = "https://example.org/evidence"


@pytest.fixture(scope="module")
def rescore_worker(django_db_setup, hub_server_module, private_redis, tmp_path_factory):
    """One supervised worker; each run kills it and the next start is the run's new worker."""
    env = drill_env(hub_server_module, private_redis)
    worker = drill_worker(env, "drill-correction", log=tmp_path_factory.mktemp("drill") / "worker.log")
    yield worker
    worker.stop()


@pytest.fixture(scope="module")
def hub_server_module():
    from standin.hub import SnapshotHub
    from standin.server import StandinServer

    with StandinServer(SnapshotHub()) as server:  # no crawl happens: the worker only rescores
        yield server


@contextmanager
def publishing_to(private):
    """The test process publishes (``delay`` in ``on_commit``) to the private Redis, as the web
    process publishes to the broker."""
    previous = celery_app.conf.broker_url
    celery_app.conf.broker_url = private.url()
    celery_app.conf.task_always_eager = False
    _reset_pools()
    try:
        yield
    finally:
        celery_app.conf.broker_url = previous
        celery_app.conf.task_always_eager = True
        _reset_pools()


def _reset_pools() -> None:
    """Forget pooled connections (kombu keeps them per broker URL, process-wide): after a
    Redis restart they are dead, and the app's pools were made for the other URL."""
    kombu_pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


class ScoreLock:
    """SHARE ROW EXCLUSIVE on the score table: reads pass, the rescore's upsert waits."""

    def __init__(self) -> None:
        self.conn = raw_connection()
        self.conn.cursor().execute(f"LOCK TABLE {Score._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")

    def blocked_backend(self) -> int | None:
        with connection.cursor() as cursor:  # the test's autocommit connection (see EvidenceLock)
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))",
                [self.conn.get_backend_pid()],
            )
            row = cursor.fetchone()
        return row[0] if row else None

    def release(self) -> None:
        self.conn.rollback()
        self.conn.close()


def backend_gone(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone()[0] == 0


def scores() -> dict[int, tuple[str, object]]:
    rows = Score.objects.values_list("model_id", "outputs_hash", "computed_at")
    return {m: (h, t) for m, h, t in rows}


def approve(model, fact: str, level: str, people) -> Correction:
    submitter, reviewer = people
    correction = correction_submit(
        model=model,
        fact=fact,
        value={"level": level, "rationale": "the drill's correction"},
        evidence_url=URL,
        submitted_by=submitter,
    )
    return correction_approve(correction=correction, reviewer=reviewer)


def send(private, name: str) -> None:
    with celery_app.connection_for_write(private.url()) as conn:
        celery_app.send_task(name, connection=conn, retry=True)


def sweep_results(log: str) -> list[dict]:
    found = re.findall(r"Task corrections\.tasks\.sweep\[[^\]]+\] succeeded in [\d.]+s: (\{.*\})", log)
    return [json.loads(r.replace("'", '"')) for r in found]


@pytest.mark.parametrize("run_number", range(RUNS))
def test_a_rescore_killed_with_redis_restarted_applies_each_correction_exactly_once(
    run_number, private_redis, rescore_worker, require_postgres
):
    worker = rescore_worker
    users = get_user_model().objects
    people = (users.create_user(f"alice{run_number}"), users.create_user(f"bob{run_number}"))
    a, b, u = AIModelFactory(), AIModelFactory(), AIModelFactory()
    d = AIModelFactory()
    LineageEdge.objects.create(
        child=d, parent=a, relation=choices.Relation.FINETUNE, origin=choices.LinkOrigin.CARD_METADATA
    )
    rescore(model_ids=None, cause="crawl")  # in-process, eager: every model scored
    before = scores()
    crawled_evidence = sorted(Evidence.objects.values_list("id", "fact", "origin", "value"))
    assert set(before) == {a.pk, b.pk, d.pk, u.pk}
    log_before = len(worker.log.read_text()) if worker.log.exists() else 0
    worker.ensure()  # the previous run's new worker (or the first one)

    lock = ScoreLock()
    try:
        with publishing_to(private_redis):
            fixed_a = approve(a, "training_code", "open", people)
            fixed_b = approve(b, "weights", "closed", people)
        # the form has returned: the corrections are durable before any worker ran
        assert Correction.objects.filter(status="approved").count() == 2
        assert Evidence.objects.filter(origin=choices.EvidenceOrigin.CORRECTED).count() == 2
        assert poll(lambda: lock.blocked_backend() is not None, 60), worker.output()
        killed_backend = lock.blocked_backend()  # the worker, inside score_models' transaction
        os.killpg(worker.process.pid, signal.SIGKILL)
        worker.process.wait(timeout=10)
        broker = private_redis.client()
        in_broker = broker.llen("default") + broker.hlen("unacked")
        private_redis.restart()
        assert private_redis.client().llen("default") == 0  # both rescores lost with Redis
    finally:
        lock.release()
    assert in_broker >= 2  # A's rescore (unacked, killed) and B's (queued) were there to lose
    # the orphaned backend runs its insert once the lock goes, then finds its client gone
    assert poll(lambda: backend_gone(killed_backend), 30)
    assert scores() == before  # the killed rescore left nothing; no score rests on a correction yet

    worker.ensure()  # a new worker
    celery_app.conf.task_always_eager = False
    try:
        send(private_redis, "corrections.tasks.sweep")

        def in_effect() -> bool:
            worker.ensure()
            details = {s.model_id: s.detail for s in Score.objects.select_related("detail")}
            return all(_in_effect(c, details[c.model_id]) for c in (fixed_a, fixed_b))

        assert poll(in_effect, 60, interval=0.2), worker.output()
        broker = private_redis.client()
        assert poll(lambda: broker.llen("default") == 0 and broker.hlen("unacked") == 0, 60, interval=0.2)
        send(private_redis, "corrections.tasks.sweep")  # a second sweep finds nothing to do
        assert poll(lambda: len(sweep_results(worker.log.read_text()[log_before:])) == 2, 60), worker.output()
    finally:
        celery_app.conf.task_always_eager = True
    first, second = sweep_results(worker.log.read_text()[log_before:])
    assert first == {"reapplied": [], "rescored": sorted([a.pk, b.pk])}
    assert second == {"reapplied": [], "rescored": []}

    # each correction in effect exactly once
    for correction in (fixed_a, fixed_b):
        rows = Evidence.objects.filter(
            subject_type=choices.SubjectType.MODEL, subject_id=correction.model_id, fact=correction.fact
        )
        corrected = (choices.EvidenceOrigin.CORRECTED, correction.pk)
        assert [(r.origin, r.correction_id) for r in rows] == [corrected]
        actions = list(CorrectionEvent.objects.filter(correction=correction).values_list("action", flat=True))
        assert actions.count(CorrectionEvent.Action.APPROVED) == 1
        assert actions.count(CorrectionEvent.Action.REAPPLIED) <= 1
        assert ScoreChange.objects.filter(model_id=correction.model_id, cause="correction").count() == 1
    assert Score.objects.get(model=a).training_code == "open"
    assert Score.objects.get(model=b).weights == "closed"
    assert Score.objects.get(model=d).detail.sources["bases"] == [{"id": a.repo_id, "relation": "finetune"}]
    # stored scores are what the evidence now implies (the derivative's too): nothing left to write
    assert rescore(model_ids=None, cause="manual").written == 0
    # nothing else changed
    after = scores()
    assert after[u.pk] == before[u.pk]
    assert after[a.pk] != before[a.pk]
    assert after[b.pk] != before[b.pk]
    assert sorted(
        Evidence.objects.exclude(origin=choices.EvidenceOrigin.CORRECTED).values_list(
            "id", "fact", "origin", "value"
        )
    ) == [e for e in crawled_evidence if e[2] != choices.EvidenceOrigin.CORRECTED]
    assert Evidence.objects.filter(origin=choices.EvidenceOrigin.CORRECTED).count() == 2
    assert Correction.objects.filter(status="approved").count() == 2
    assert LineageEdge.objects.count() == 1
    print(
        f"run {run_number}: killed inside score_models (backend {killed_backend}), {in_broker} messages"
        f" lost with Redis; sweep rescored {first['rescored']}; worker restarts {worker.restarts}"
    )
