"""python manage.py crawl: run a discovery pass (and the detail crawls it calls for) now."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from catalog.ingest import crawl, pipeline
from catalog.models import AIModel
from catalog.sources.budget import waiting_allowed
from catalog.sources.huggingface.client import HubBadToken, HubClient, HubError, requests_made


def _parse_since(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise CommandError(
            f"--since {value!r} is not an ISO date (e.g. 2026-01-31 or 2026-01-31T12:00:00Z)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Command(BaseCommand):
    help = "Crawl the Hub: discovery (models listed), then detail crawls of popular new or changed models."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, help="stop after this many listed models")
        parser.add_argument("--author", help="only this organization or user")
        parser.add_argument("--since", help="incremental: models modified after this date (ISO 8601)")
        parser.add_argument("--incremental", action="store_true", help="newest first, down to the last crawl")
        parser.add_argument("--models", help="comma-separated repository ids: crawl exactly these")
        parser.add_argument("--no-details", action="store_true", help="discovery only")
        parser.add_argument("--no-progress", action="store_true", help="no progress bars")
        parser.add_argument("--if-empty", action="store_true", help="do nothing when the catalog has models")

    def handle(self, *args, **options):
        if options["limit"] is not None and options["limit"] <= 0:
            raise CommandError("--limit must be positive")
        if options["if_empty"] and AIModel.objects.filter(is_placeholder=False).exists():
            self.stdout.write("catalog already filled; not crawling (drop --if-empty to crawl anyway)")
            return
        self.quiet = options["no_progress"]
        self._check_token()
        started = time.monotonic()
        requests_before = requests_made()
        summary = {"new": 0, "updated": 0, "unchanged": 0, "failed": 0}
        dispatch = pipeline.InlineDispatch(
            progress=lambda iterable, **kw: self._bar(iterable=iterable, **kw),
            on_error=self.stderr.write,
        )
        with waiting_allowed(settings.HUB_REQUEST_WINDOW_SECONDS + 5):
            if options["models"]:
                ids = [m.strip() for m in options["models"].split(",") if m.strip()]
                if not ids:
                    raise CommandError("--models needs at least one repository id")
                dispatch.details([crawl.model_get_or_placeholder(repo_id).pk for repo_id in ids])
            else:
                self._discover(options, summary, dispatch)
            dispatch.run(force=bool(options["models"]), details=not options["no_details"])
            if not options["no_details"]:
                summary.update(
                    details=len(dispatch.model_ids),
                    details_failed=dispatch.failed,
                    datasets=len(dispatch.dataset_ids),
                    repositories=len(dispatch.repository_ids),
                )
        # the last stage: everything crawled may have changed a judgment
        pipeline.announce(None, synchronous=True, progress=not self.quiet)
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"crawl finished in {elapsed:.1f} s: {summary['new']} new, {summary['updated']} updated, "
                f"{summary['unchanged']} unchanged, {summary['failed']} failed; "
                f"{requests_made() - requests_before} Hub requests"
            )
        )
        for key in ("details", "details_failed", "datasets", "repositories"):
            if key in summary:
                self.stdout.write(f"  {key.replace('_', ' ')}: {summary[key]}")

    def _check_token(self) -> None:
        """A refused HF_TOKEN stops the command before any crawling, with one clear error."""
        try:
            HubClient().check_token()
        except HubBadToken as exc:
            raise CommandError(str(exc)) from exc
        except HubError as exc:  # the check itself failed (rate limit, outage): the crawl will tell
            self.stderr.write(f"could not check HF_TOKEN ({exc.code}: {exc}); crawling anyway")

    def _bar(self, **kwargs):
        return tqdm(disable=self.quiet, dynamic_ncols=True, **kwargs)

    def _discover(self, options, summary, dispatch: pipeline.InlineDispatch) -> None:
        mode = crawl.INCREMENTAL if options["incremental"] or options["since"] else crawl.FULL
        since = _parse_since(options["since"]) if options["since"] else None
        bar = self._bar(total=options["limit"], desc="discover", unit="model")

        def on_page(run, outcome):
            bar.update(outcome.new + outcome.updated + outcome.unchanged + outcome.failed)
            bar.set_postfix(
                new=run.new_count, updated=run.updated_count, failed=run.failed_count, refresh=False
            )

        try:
            run = pipeline.discovery_step(
                dispatch=dispatch,
                mode=mode,
                limit=options["limit"],
                author=options["author"],
                since=since,
                on_page=on_page,
            )
        except HubError as exc:
            raise CommandError(
                f"discovery stopped: {exc.code}: {exc} (the next run resumes from the cursor)"
            ) from exc
        finally:
            bar.close()
        if run is None:
            raise CommandError("another discovery pass is running; try again when it has finished")
        summary.update(
            new=run.new_count,
            updated=run.updated_count,
            unchanged=run.unchanged_count,
            failed=run.failed_count,
        )
