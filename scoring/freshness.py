"""Freshness is part of the truth: a judgment resting on an old crawl says so."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone


def is_stale(last_crawled_at: datetime | None, *, now: datetime | None = None) -> bool:
    """True when the last successful crawl is older than STALE_AFTER_DAYS (or never happened)."""
    if last_crawled_at is None:
        return True
    return (now or timezone.now()) - last_crawled_at > timedelta(days=settings.STALE_AFTER_DAYS)
