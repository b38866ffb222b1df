"""python manage.py reclassify_code: apply the current code-detection rules to every stored tree."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from catalog.ingest import pipeline
from catalog.ingest.repositories import repositories_reclassify
from catalog.models import ModelCodeRepository


class Command(BaseCommand):
    help = "Re-classify stored repository trees under the current rules (no GitHub request), then rescore."

    def handle(self, *args, **options):
        changed = repositories_reclassify()
        model_ids = sorted(
            set(
                ModelCodeRepository.objects.filter(repository_id__in=changed).values_list(
                    "model_id", flat=True
                )
            )
        )
        pipeline.announce(model_ids, synchronous=True)
        self.stdout.write(f"{len(changed)} repositories re-classified; {len(model_ids)} models rescored")
