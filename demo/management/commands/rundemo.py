"""python manage.py rundemo: the offline demo behind `make run`.

Starts the stand-in hub (bundled snapshot) on the loopback address HF_ENDPOINT names,
crawls it through the real client on first start (with progress bars), scores it, then
serves the site. The stand-in keeps running beside the site, so `manage.py crawl` from
another shell works against it too.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from standin.hub import SnapshotHub
from standin.server import StandinServer


class Command(BaseCommand):
    help = "Serve the index offline: stand-in hub + first crawl + web server."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000", help="address:port for the web server")
        parser.add_argument("--no-serve", action="store_true", help="crawl and score, then exit")

    def handle(self, *args, **options):
        endpoint = urlsplit(settings.HF_ENDPOINT)
        if endpoint.hostname not in ("127.0.0.1", "localhost") or not endpoint.port:
            raise CommandError(
                f"HF_ENDPOINT={settings.HF_ENDPOINT} is not a loopback address: the demo serves the "
                "bundled snapshot locally (the Makefile sets HF_ENDPOINT=http://127.0.0.1:8765)"
            )
        try:
            hub = StandinServer(SnapshotHub.load(), host=endpoint.hostname, port=endpoint.port).start()
        except OSError as exc:
            raise CommandError(f"cannot start the stand-in hub on {endpoint.netloc}: {exc}") from exc
        self.stdout.write(f"stand-in hub serving the bundled snapshot on {hub.url}")
        call_command("crawl", "--if-empty", stdout=self.stdout, stderr=self.stderr)
        # the leaderboard and /data/ link the dump: build it once after the first crawl (the
        # nightly export task keeps it current where a worker and beat run)
        if not (Path(settings.EXPORT_DIR) / "openness-index.csv").exists():
            call_command("export", stdout=self.stdout, stderr=self.stderr)
        if options["no_serve"]:
            hub.stop()
            return
        self.stdout.write(f"serving the Openness Index on http://{options['addr']}/")
        call_command("runserver", options["addr"], use_reloader=False, use_threading=True)
