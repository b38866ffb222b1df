"""python manage.py export: write the full dump (JSON Lines + CSV) the site serves at /data/."""

from pathlib import Path

from django.core.management.base import BaseCommand

from web.exports import export_write


class Command(BaseCommand):
    help = "Write the full dump of the index (JSON Lines and CSV, with the data license and citation)."

    def add_arguments(self, parser):
        parser.add_argument("--directory", help="where to write (default: settings.EXPORT_DIR)")

    def handle(self, *args, **options):
        directory = export_write(Path(options["directory"]) if options["directory"] else None)
        for path in sorted(directory.glob("openness-index.*")):
            self.stdout.write(f"{path} ({path.stat().st_size} bytes)")
        self.stdout.write(self.style.SUCCESS(f"dump written to {directory}"))
