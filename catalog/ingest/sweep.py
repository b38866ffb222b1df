"""The sweeper: the database is the source of truth, the broker only a to-do list.

Redis may restart or be flushed mid-crawl: queued detail crawls, scheduled retries and the
message of a running discovery pass are then gone, while the database still says what is
due. The sweeper reads the database and names the work nobody is doing any more:

- models whose detail crawl is due (popular enough, never detail-crawled or crawled at an
  older commit than the listing reports, or a base only ever named by others) and have been
  due for longer than ``SWEEP_GRACE_SECONDS`` (a task enqueued with the listing would have run
  by then) - except a model whose last failure is newer than its listing row (a permanent
  failure is not retried in a loop; the next listing change makes it due again);
- discovery passes left ``running`` with a stale heartbeat (their worker or their message is
  gone) or ``interrupted`` with a cursor (their retry was a broker message): the same task is
  enqueued again and takes the run over from its cursor (``crawl.discover_claim``).

Datasets and repositories need no sweep of their own: ``recrawl_stale_datasets`` and
``recrawl_stale_repos`` already pick up never-crawled rows from the database.

Enqueuing twice is harmless (every crawl is idempotent: an unchanged commit is skipped), so
the sweeper only needs to avoid *re*-enqueuing the same model every sweep: a short marker in
the cache per model (lost with the cache, in which case a model is at most enqueued once more).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import F, Q
from django.utils import timezone

from catalog import choices
from catalog.models import AIModel, CrawlRun

MARKER = "sweep:{}"


@dataclass
class SweepResult:
    model_ids: list[int] = field(default_factory=list)
    discover_modes: list[str] = field(default_factory=list)


def details_due(*, limit: int, grace: timedelta) -> list[int]:
    """Models whose detail crawl the database says is due and has been for longer than ``grace``."""
    cutoff = timezone.now() - grace
    popular = Q(downloads__gte=settings.CRAWL_POPULARITY_THRESHOLD) | Q(
        likes__gte=settings.CRAWL_LIKES_THRESHOLD
    )
    listed_and_stale = (
        Q(is_placeholder=False) & popular & (Q(detail_crawled_at__isnull=True) | ~Q(detail_sha=F("sha")))
    )
    unlisted_base = Q(is_placeholder=True, detail_crawled_at__isnull=True, derivative_edges__isnull=False)
    query = (
        AIModel.objects.filter(listed_and_stale | unlisted_base)
        .filter(missing_since__isnull=True, private=False, disabled=False, updated_at__lt=cutoff)
        .exclude(crawl_error_at__gt=F("updated_at"), detail_crawled_at__isnull=True)
    )
    return list(query.order_by("updated_at", "id").values_list("id", flat=True).distinct()[:limit])


def discoveries_lost() -> list[str]:
    """Modes of the beat's discovery passes that no live worker is carrying on."""
    now = timezone.now()
    dead = now - timedelta(seconds=settings.DISCOVER_HEARTBEAT_STALE_SECONDS)
    # an interrupted pass may have a retry scheduled (a 429's countdown): give it the grace period
    forgotten = now - timedelta(
        seconds=max(settings.DISCOVER_HEARTBEAT_STALE_SECONDS, settings.SWEEP_GRACE_SECONDS)
    )
    runs = CrawlRun.objects.filter(
        kind__in=[choices.CrawlKind.DISCOVER_FULL, choices.CrawlKind.DISCOVER_INCREMENTAL],
        params__author__isnull=True,  # passes the crawl command started with --author/--limit are its own
        params__limit__isnull=True,
    ).filter(
        Q(status=choices.CrawlStatus.RUNNING, heartbeat_at__lt=dead)
        | Q(status=choices.CrawlStatus.INTERRUPTED, heartbeat_at__lt=forgotten) & ~Q(cursor_url="")
    )
    kinds = set(runs.values_list("kind", flat=True))
    return ["full" if kind == choices.CrawlKind.DISCOVER_FULL else "incremental" for kind in sorted(kinds)]


def sweep(*, limit: int = 1000) -> SweepResult:
    """What to enqueue again; each model is named at most once per grace period."""
    grace = timedelta(seconds=settings.SWEEP_GRACE_SECONDS)
    ttl = int(grace.total_seconds()) or 1
    result = SweepResult(
        discover_modes=[
            m for m in discoveries_lost() if cache.add(MARKER.format(f"discover-{m}"), 1, timeout=ttl)
        ]
    )
    for pk in details_due(limit=limit, grace=grace):
        if cache.add(MARKER.format(pk), 1, timeout=ttl):
            result.model_ids.append(pk)
    return result
