"""python manage.py rescore: recompute scores for every model or a subset."""

from django.core.management.base import BaseCommand, CommandError

from catalog.models import AIModel
from scoring.services import rescore


class Command(BaseCommand):
    help = "Rescore all models, or the given ones and everything derived from them."

    def add_arguments(self, parser):
        parser.add_argument("--models", help="comma-separated repository ids (default: all models)")
        parser.add_argument(
            "--cause",
            default="manual",
            choices=["manual", "methodology", "knowledge_base", "crawl", "correction"],
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        ids = None
        if options["models"]:
            wanted = [m.strip() for m in options["models"].split(",") if m.strip()]
            found = dict(AIModel.objects.filter(repo_id__in=wanted).values_list("repo_id", "id"))
            missing = sorted(set(wanted) - set(found))
            if missing:
                raise CommandError(f"not in the catalog: {', '.join(missing)}")
            ids = list(found.values())
        report = rescore(model_ids=ids, cause=options["cause"], progress=not options["no_progress"])
        self.stdout.write(
            self.style.SUCCESS(
                f"scored {report.scored} models: {report.written} rows written, "
                f"{report.changed} changes recorded"
                + (f", {report.cycles} in lineage cycles" if report.cycles else "")
            )
        )
