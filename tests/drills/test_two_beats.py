"""Drill: two beat processes started (issue 17). Each periodic job runs once per period.

Two real ``celery beat`` processes with the production scheduler (``openness.beat``) read the
same schedule from the test database, with one job due every second, and publish to a
private Redis where no worker takes anything away: every message either beat sends stays in
the queue to be counted, and the database records each run (django-celery-beat's
``total_run_count``, written after every send). Over the window, one message per period,
never two; then the lock holder is killed (SIGKILL) and the stand-by takes over: the job
goes on once per period, without a double run at the hand-over.
"""

from __future__ import annotations

import json
import os
import signal
import time

import pytest
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from tests.drills.conftest import drill_env, poll, start_celery, stop

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.slow,
]

JOB = "catalog.tasks.recrawl_stale_repos"  # any periodic task: nothing consumes it here
PERIOD = 1.0


def sent(private) -> list[float]:
    """Send times (ETA-less messages carry none: use their position) of JOB's messages."""
    messages = [json.loads(raw) for raw in private.client().lrange("default", 0, -1)]
    return [m for m in messages if m["headers"]["task"] == JOB]


def test_two_beats_send_each_job_once_per_period(require_postgres, private_redis, tmp_path, tiny_hub):
    every_second, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(name="drill: every second", task=JOB, interval=every_second)
    env = drill_env(tiny_hub, private_redis, BEAT_STANDBY_SECONDS="0.5")
    beats = [
        start_celery(
            env,
            "beat",
            "--loglevel=INFO",
            "--max-interval=1",
            f"--pidfile={tmp_path / f'beat{n}.pid'}",
            f"--schedule={tmp_path / f'beat{n}.db'}",
            log=tmp_path / f"beat{n}.log",
        )
        for n in range(2)
    ]
    logs = [tmp_path / f"beat{n}.log" for n in range(2)]
    try:
        assert poll(lambda: len(sent(private_redis)) >= 1, 60), logs[0].read_text() + logs[1].read_text()
        start, first = time.monotonic(), len(sent(private_redis))
        time.sleep(8)
        elapsed, during = time.monotonic() - start, len(sent(private_redis)) - first
        holders = [n for n in range(2) if "beat lock acquired" in logs[n].read_text()]
        assert len(holders) == 1, holders  # one beat sends, the other stands by
        # one per period: never the two beats' double rate
        assert elapsed / PERIOD - 2 <= during <= elapsed / PERIOD + 1, (during, elapsed)

        holder = beats[holders[0]]
        os.killpg(holder.pid, signal.SIGKILL)  # no goodbye: its lock goes with its connection
        holder.wait(timeout=10)
        standby = 1 - holders[0]
        assert poll(lambda: "beat lock acquired" in logs[standby].read_text(), 30), logs[standby].read_text()
        after_kill = len(sent(private_redis))
        start = time.monotonic()
        time.sleep(5)
        elapsed, taken_over = time.monotonic() - start, len(sent(private_redis)) - after_kill
        assert elapsed / PERIOD - 2 <= taken_over <= elapsed / PERIOD + 1, (taken_over, elapsed)
    finally:
        for beat in beats:
            stop(beat)
    # the database's count of runs agrees with what reached the broker: nothing ran twice
    job = PeriodicTask.objects.get(name="drill: every second")
    total = len(sent(private_redis))
    assert total - 2 <= job.total_run_count <= total
    print(
        f"two beats: {total} sends in ~{total * PERIOD:.0f} s of 1-s periods;"
        f" db total_run_count {job.total_run_count}"
    )
