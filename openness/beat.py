"""One scheduler at a time, however many beat processes run.

Two ``celery beat`` processes (a deploy that overlaps, a second replica started by mistake)
would each send every periodic task once per period: twice the discovery passes, twice the
sweeps. ``SingleBeatScheduler`` is django-celery-beat's database scheduler that sends only
while it holds a PostgreSQL advisory lock, taken with ``pg_try_advisory_lock`` on a connection
of its own. The other beats stand by and try again every ``BEAT_STANDBY_SECONDS``; when the
holder dies its connection closes, the lock is free and a stand-by takes over, reading each
job's ``last_run_at`` from the database (the holder writes it after every send, settings
``CELERY_BEAT_SYNC_EVERY = 1``), so no job runs twice in one period at the hand-over either.

On SQLite (the embedded mode, one process) there is no second beat and no lock: always the holder.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from django.conf import settings
from django.db import connections
from django_celery_beat.schedulers import DatabaseScheduler

log = logging.getLogger(__name__)
# pg advisory lock keys are 64-bit integers: this one spells "beat" in ASCII
BEAT_LOCK_KEY = 0x62656174


class SingleBeatScheduler(DatabaseScheduler):
    def __init__(self, *args, **kwargs) -> None:
        self._lock_connection: Any = None  # a psycopg2 connection of its own
        self._holder = False
        super().__init__(*args, **kwargs)

    def _holds_lock(self) -> bool:
        if connections["default"].vendor != "postgresql":
            return True
        try:
            if self._lock_connection is None:
                import psycopg2

                params = connections["default"].get_connection_params()
                self._lock_connection = psycopg2.connect(**params)
                self._lock_connection.autocommit = True
            with self._lock_connection.cursor() as cursor:
                if self._holder:
                    cursor.execute("SELECT 1")  # still connected: still the holder
                    return True
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [BEAT_LOCK_KEY])
                acquired = bool(cursor.fetchone()[0])
        except Exception as exc:  # the database went away: whoever reconnects first holds it next
            log.warning("beat lock unavailable (%s); standing by", exc)
            self._release()
            return False
        if acquired:
            log.info("beat lock acquired: this beat now sends the periodic tasks")
            self._holder = True
            self._initial_read = True  # read every job's last run from the database again
            self._heap = None
        return acquired

    def _release(self) -> None:
        self._holder = False
        if self._lock_connection is not None:
            with contextlib.suppress(Exception):  # a broken connection may fail to close: it is gone
                self._lock_connection.close()
            self._lock_connection = None

    def tick(self, *args, **kwargs) -> float:
        if not self._holds_lock():
            return float(settings.BEAT_STANDBY_SECONDS)
        return super().tick(*args, **kwargs)

    def close(self) -> None:
        super().close()
        self._release()
