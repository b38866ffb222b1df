"""Corrections: a maintainer's (or the public's) correction of a crawled fact or a judgment."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from catalog import choices
from catalog.models import AIModel


class Correction(models.Model):
    """A maintainer's correction of a fact or judgment; applies only once approved.

    The reviewer must be a different person from the submitter. An approved correction is
    stored as corrected evidence that no later crawl overwrites.
    """

    model = models.ForeignKey(AIModel, on_delete=models.CASCADE, related_name="corrections")
    fact = models.CharField(max_length=32, choices=choices.CorrectionFact.choices)
    value = models.JSONField(help_text="The corrected value (shape depends on the fact; see the form)")
    evidence_url = models.URLField(max_length=500, help_text="Public page that supports the correction")
    note = models.TextField(blank=True, help_text="Why; shown escaped")
    status = models.CharField(
        max_length=16, choices=choices.CorrectionStatus.choices, default=choices.CorrectionStatus.PENDING
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="corrections_submitted"
    )
    submitted_at = models.DateTimeField(default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="corrections_reviewed",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-submitted_at"]
        indexes = [models.Index(fields=["status", "-submitted_at"], name="correction_queue")]
        # the table and permission kept their names through the move out of the catalog app
        db_table = "catalog_correction"
        permissions = [("review_correction", "Can approve or reject corrections")]

    def __str__(self) -> str:
        return f"{self.model} {self.fact} ({self.status})"
