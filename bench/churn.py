"""The churn simulation: a hub that changes every day, crawled by the scheduled passes, and
the index compared with the hub's truth after each day.

``simulate`` runs in this process against a ``ChurnHub`` served by the stand-in on loopback
(the real huggingface_hub client, the real pipeline: a full discovery pass with its vanished
check, then the detail crawls it queued). The stand-in's clock moves one day per simulated
day, so its rate-limit windows, ``lastModified`` dates and resets follow the simulation.

Per day it reports what must be zero (models missing from the index, counts older than the
day's pass, private or deleted models still listed, a renamed model listed under two names,
gates not seen, aliases wrong) and the requests the day used, per bucket and per model,
against a free token's daily quota (the Hub's 5-minute windows times 288).

Run it at hub scale with ``python -m bench churn`` (see docs/performance.md); the test
suite runs a short version (tests/catalog/test_churn.py).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from standin.churn import REALISTIC, STRESS, ChurnHub
from standin.ratelimits import HUB_QUOTAS
from standin.server import StandinServer

DAY = 86_400
WINDOWS_PER_DAY = DAY // 300
FREE_TOKEN_DAILY = {bucket: quotas[1] * WINDOWS_PER_DAY for bucket, quotas in HUB_QUOTAS.items()}


@dataclass
class DayReport:
    day: int
    events: dict[str, int]
    hub_models: int
    index_listed: int
    missing: int = 0
    stale_counts: int = 0
    gone_still_listed: int = 0
    duplicate_renamed: int = 0
    gates_unseen: int = 0
    aliases_wrong: int = 0
    retired: int = 0
    api_requests: int = 0
    resolver_requests: int = 0
    seconds: float = 0.0
    examples: dict[str, list[str]] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        return (
            self.missing
            + self.stale_counts
            + self.gone_still_listed
            + self.duplicate_renamed
            + self.gates_unseen
            + self.aliases_wrong
        )

    @property
    def requests_per_model(self) -> float:
        return (self.api_requests + self.resolver_requests) / max(1, self.hub_models)

    def as_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "errors": self.errors,
            "requests_per_model": round(self.requests_per_model, 4),
        }


def compare(hub: ChurnHub, ever_indexed: set[str], report: DayReport) -> None:
    """The index against the hub's truth."""
    from catalog.models import AIModel, ModelAlias

    truth = {r["id"]: r for r in hub.models.values() if not r.get("private")}
    rows = {
        row["repo_id"]: row
        for row in AIModel.objects.filter(is_placeholder=False).values(
            "repo_id", "downloads", "likes", "gated", "private", "retired_at"
        )
    }
    listed = {
        repo_id: row for repo_id, row in rows.items() if row["retired_at"] is None and not row["private"]
    }
    report.index_listed = len(listed)
    report.retired = sum(1 for row in rows.values() if row["retired_at"] is not None)

    def note(kind: str, repo_id: str) -> None:
        report.examples.setdefault(kind, [])
        if len(report.examples[kind]) < 5:
            report.examples[kind].append(repo_id)

    for repo_id, record in truth.items():
        row = listed.get(repo_id)
        if row is None:
            report.missing += 1
            note("missing", repo_id)
            continue
        if (row["downloads"], row["likes"]) != (record["downloads"], record["likes"]):
            report.stale_counts += 1
            note("stale_counts", repo_id)
        if (row["gated"] or "") != (record.get("gated") or ""):
            report.gates_unseen += 1
            note("gates_unseen", repo_id)
    for repo_id in listed:
        if repo_id in truth:
            continue
        if repo_id in hub.renamed:
            report.duplicate_renamed += 1
            note("duplicate_renamed", repo_id)
        else:
            report.gone_still_listed += 1
            note("gone_still_listed", repo_id)
    aliases = dict(ModelAlias.objects.values_list("repo_id", "model__repo_id"))
    for old in hub.renamed:
        current = hub.current_id(old)
        if old not in ever_indexed or current is None or current not in rows:
            continue
        if aliases.get(old) != current:
            report.aliases_wrong += 1
            note("aliases_wrong", old)


def simulate(
    *,
    server: StandinServer,
    days: int,
    on_day: Callable[[DayReport], None] | None = None,
) -> list[DayReport]:
    """Day 0 is the first crawl; days 1..``days`` each evolve the hub, then crawl it."""
    from catalog import choices
    from catalog.ingest import crawl, pipeline
    from catalog.models import AIModel

    hub = server.hub
    assert isinstance(hub, ChurnHub)
    clock = server.httpd.clock
    reports: list[DayReport] = []
    ever_indexed: set[str] = set()
    for day in range(days + 1):
        events: dict[str, int] = {}
        if day:
            clock.advance(DAY)
            events = hub.evolve(day, clock.now()).counts
        before = dict(server.stats)
        started = time.monotonic()
        dispatch = pipeline.InlineDispatch()
        run = pipeline.discovery_step(dispatch=dispatch, mode=crawl.FULL)
        assert run is not None
        assert run.status in (choices.CrawlStatus.SUCCEEDED, choices.CrawlStatus.PARTIAL), run.error
        dispatch.run()
        ever_indexed.update(AIModel.objects.values_list("repo_id", flat=True))
        report = DayReport(day=day, events=events, hub_models=len(hub.public_ids()), index_listed=0)
        report.seconds = round(time.monotonic() - started, 2)
        after = server.stats
        report.resolver_requests = after["resolve"] - before.get("resolve", 0)
        report.api_requests = after["requests"] - before.get("requests", 0) - report.resolver_requests
        compare(hub, ever_indexed, report)
        reports.append(report)
        if on_day:
            on_day(report)
    return reports


def main() -> None:
    """``python -m bench.churn --models N --days D [--rates realistic|stress]``: prints one
    result line (the reports per day), run by ``python -m bench --only churn``."""
    from bench.common import emit, setup_django

    parser = argparse.ArgumentParser()
    parser.add_argument("--models", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--rates", choices=["realistic", "stress"], default="realistic")
    args = parser.parse_args()
    setup_django()
    from django.conf import settings

    rates = REALISTIC if args.rates == "realistic" else STRESS
    hub = ChurnHub.generate(args.models, seed=13, rates=rates, now=time.time())
    token = "hf_churn_bench"  # noqa: S105 - the stand-in's own token
    with StandinServer(hub) as server:
        server.httpd.tokens[token] = "churn"
        settings.HF_ENDPOINT = server.url
        settings.HF_TOKEN = token
        settings.GITHUB_API_URL = server.github_url
        # a day's passes run in minutes here, not spread over 24 hours: the comparison with
        # a free token's quota is per day (FREE_TOKEN_DAILY), not per 5-minute window
        settings.HUB_REQUEST_BUDGET = 0
        settings.HUB_RESOLVER_BUDGET = 0
        started = time.monotonic()

        def progress(report: DayReport) -> None:
            print(
                f"day {report.day:2d}: errors {report.errors}, api {report.api_requests}, "
                f"resolvers {report.resolver_requests}, {report.seconds:.0f} s",
                flush=True,
            )

        reports = simulate(server=server, days=args.days, on_day=progress)
    emit(
        {
            "models": args.models,
            "days": args.days,
            "rates": rates,
            "seconds": round(time.monotonic() - started, 1),
            "free_token_daily": FREE_TOKEN_DAILY,
            "days_with_errors": sum(1 for r in reports if r.errors),
            "max_api_requests_per_day_after_day0": max((r.api_requests for r in reports[1:]), default=0),
            "max_resolver_requests_per_day_after_day0": max(
                (r.resolver_requests for r in reports[1:]), default=0
            ),
            "reports": [r.as_dict() for r in reports],
        }
    )


if __name__ == "__main__":
    main()
