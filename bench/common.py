"""Shared plumbing: the bench database, the stand-in process, stage subprocesses, JSON results."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/openness_bench"
RESULT_PREFIX = "BENCH-RESULT "


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def recreate_database(url: str) -> None:
    """Drop and create the bench database (never a database that is not *_bench)."""
    import psycopg2

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name.endswith("_bench"):
        raise SystemExit(f"refusing to recreate {name!r}: the bench database name must end in _bench")
    admin = psycopg2.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        dbname="postgres",
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def base_env(database_url: str, hub_port: int | None = None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CACHE_URL")}
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="openness.settings",
        HUB_REQUEST_BUDGET="0",
        HUB_RESOLVER_BUDGET="0",
        GITHUB_REQUEST_BUDGET="0",
        LOG_LEVEL="WARNING",
        HF_PUBLIC_URL="https://huggingface.co",
    )
    if hub_port:
        env.update(
            HF_ENDPOINT=f"http://127.0.0.1:{hub_port}",
            GITHUB_API_URL=f"http://127.0.0.1:{hub_port}/github-api",
        )
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


@contextmanager
def standin(size: int, port: int):
    process = subprocess.Popen(
        [PYTHON, "-m", "standin", "--synthetic", str(size), "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for_port(port)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=10)


def run_stage(module: str, env: dict[str, str], *args: str) -> dict:
    """Run ``python -m bench.<module>`` in a fresh process; it prints one result line."""
    completed = subprocess.run(
        [PYTHON, "-m", f"bench.{module}", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if completed.returncode != 0:
        raise RuntimeError(
            f"bench stage {module} failed:\n{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}"
        )
    for line in completed.stdout.splitlines():
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX) :])
    raise RuntimeError(f"bench stage {module} printed no result:\n{completed.stdout[-3000:]}")


def emit(result: dict) -> None:
    print(RESULT_PREFIX + json.dumps(result), flush=True)


def setup_django() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openness.settings")
    django.setup()


def peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
