"""python manage.py gold_agreement [--write]: agreement of the current scores with the gold set."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from scoring import gold
from scoring.selectors import scores_current


class Command(BaseCommand):
    help = "Compare the current scores with the hand-judged gold set; --write publishes the report."

    def add_arguments(self, parser):
        parser.add_argument("--write", action="store_true", help=f"write {gold.REPORT_FILE.name}")
        parser.add_argument("--quiet", action="store_true", help="figures only, no disagreement list")

    def handle(self, *args, **options):
        report = gold.agreement(
            gold.load_gold(),
            gold.judged_from_scores(scores_current().select_related("detail")),
            gold.load_reasons(),
        )
        self.stdout.write(f"gold set: {report.models} models, {report.rows} judgments")
        for tally in report.per_dimension:
            self.stdout.write(
                f"  {tally.label:<14} {tally.agreed:>4} / {tally.compared:<4} {tally.share:6.1%}"
                f"{'' if tally.share >= gold.TARGET else '  (below the 90 % target)'}"
            )
        self.stdout.write(f"  unknown shown as closed: {report.unknown_shown_as_closed}")
        if report.missing_scores:
            self.stdout.write(f"  not scored: {', '.join(report.missing_scores)}")
        if not options["quiet"]:
            for d in report.disagreements:
                self.stdout.write(
                    f"- {d.repo_id} {d.dimension}: gold {d.gold}, ours {d.ours}. "
                    f"Gold: {d.deciding_fact} | Ours: {d.our_rationale}"
                    + (f" | Reason: {d.reason}" if d.reason else " | Reason: MISSING")
                )
        if options["write"]:
            gold.report_write(report)
            gold.docs_write(report)
            self.stdout.write(f"wrote {gold.REPORT_FILE} and the agreement section of {gold.DOCS_FILE.name}")
