"""Fault drills (issue 17): real processes, private servers.

A drill that restarts or flushes Redis does it to a private ``redis-server`` started here on a
free port, never to the shared one; the Celery worker and beat processes of a drill use that
private server as broker and cache, and the test database (PostgreSQL in CI) as their store.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from django.conf import settings as django_settings

from tests.conftest import REQUIRE_SERVICES, _missing_service
from tests.foundation.test_celery_worker import ROOT, worker_env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    """A redis-server of this test alone (no persistence: a restart loses everything, like a
    flush, plus every client connection)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="drill-redis-")
        self.process: subprocess.Popen | None = None
        self.restarts = 0

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def client(self, db: int = 0) -> redis.Redis:
        return redis.Redis.from_url(self.url(db), socket_connect_timeout=2)

    def start(self) -> None:
        command = [
            shutil.which("redis-server") or "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            self.dir,
        ]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if self.client().ping():
                    return
            except redis.RedisError:
                time.sleep(0.05)
        raise RuntimeError(f"private redis-server on port {self.port} did not start")

    def kill(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
            self.process = None

    def restart(self, down: float = 1.0) -> None:
        """kill -9, ``down`` seconds without Redis, start again on the same port: the queue,
        unacked messages and scheduled retries are gone, and every client's connection breaks.
        (A restart faster than the worker's next poll can leave kombu's Redis consumer
        registered but deaf, celery/kombu#2629: see docs/operations.md.)"""
        self.kill()
        time.sleep(down)
        self.start()
        self.restarts += 1

    def flushall(self) -> None:
        self.client().flushall()


@pytest.fixture(scope="module")
def private_redis() -> Iterator[PrivateRedis]:
    """Runs where Redis is configured (always in CI), like every test that needs it, and skips
    in the plain SQLite ``make test``; the server itself is private to the drill."""
    if not django_settings.REDIS_URL:
        _missing_service("Redis", "REDIS_URL is not set (the drills run where the services do)")
    if not shutil.which("redis-server"):
        if REQUIRE_SERVICES:
            pytest.fail("redis-server is required for the drills (OPENNESS_REQUIRE_SERVICES=1)")
        pytest.skip("redis-server not installed")
    server = PrivateRedis()
    server.start()
    yield server
    server.kill()
    shutil.rmtree(server.dir, ignore_errors=True)


def drill_env(hub_server, private: PrivateRedis, **extra: str) -> dict[str, str]:
    """A worker's environment: the test database, the private Redis, the given stand-in."""
    return worker_env(
        hub_server,
        REDIS_URL=private.url(0),
        CACHE_URL=private.url(1),
        CELERY_TASK_ALWAYS_EAGER="false",
        **extra,
    )


def start_celery(env: dict[str, str], *args: str, log: Path) -> subprocess.Popen:
    """``celery -A openness <args>`` in its own session, output to ``log``."""
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "openness", *args],
        cwd=ROOT,
        env=env,
        stdout=log.open("a"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


BROKER_LOST = "after a connection loss has been disabled"


class Supervised:
    """A celery process restarted whenever it exits, as docker-compose's ``restart:
    unless-stopped`` does (a worker exits when it loses its broker: see settings)."""

    def __init__(self, env: dict[str, str], *args: str, log: Path) -> None:
        self.env, self.args, self.log = env, args, log
        self.restarts = self.kills = self.shutdowns_seen = 0
        self.shutdown_started = 0.0
        self.process = start_celery(env, *args, log=log)

    SHUTDOWN_GRACE = 10.0

    def ensure(self) -> None:
        """Restart an exited process. One that announced its shutdown (broker lost) and is
        still finishing after SHUTDOWN_GRACE seconds is killed, as ``docker stop`` does after
        its timeout (tasks are late-acknowledged and idempotent: a kill loses nothing)."""
        if self.process.poll() is None:
            announced = self.log.read_text().count(BROKER_LOST)
            if announced > self.shutdowns_seen:
                self.shutdowns_seen = announced
                self.shutdown_started = time.monotonic()
            if self.shutdown_started and time.monotonic() - self.shutdown_started > self.SHUTDOWN_GRACE:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
                self.kills += 1
        if self.process.poll() is not None:
            self.restarts += 1
            self.shutdown_started = 0.0
            self.process = start_celery(self.env, *self.args, log=self.log)

    def output(self, tail: int = 4000) -> str:
        return self.log.read_text()[-tail:]

    def stop(self) -> None:
        stop(self.process)


def drill_worker(env: dict[str, str], name: str, *, log: Path, concurrency: int = 1) -> Supervised:
    """A supervised ``celery worker`` on the default queue, one task at a time per process
    (prefetch 1, late acks from the settings), without gossip, mingle or heartbeat."""
    return Supervised(
        env,
        "worker",
        "--pool=prefork",
        f"--concurrency={concurrency}",
        "--prefetch-multiplier=1",
        "-Q",
        "default",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-n",
        f"{name}@%h",
        "--loglevel=INFO",
        log=log,
    )


def stop(process: subprocess.Popen, *, timeout: float = 20) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def poll(condition, timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return bool(condition())


from tests.web_api_data import reviewers  # noqa: E402,F401
