"""Corrections: a maintainer's (or the public's) correction of a crawled fact or a judgment."""

from __future__ import annotations

import secrets

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
    # what the source said (in words) when the correction was approved: a different value now is drift
    crawled_when_approved = models.TextField(blank=True)

    class Meta:
        ordering = ["-submitted_at"]
        indexes = [models.Index(fields=["status", "-submitted_at"], name="correction_queue")]
        # the table and permission kept their names through the move out of the catalog app
        db_table = "catalog_correction"
        permissions = [("review_correction", "Can approve or reject corrections")]

    def __str__(self) -> str:
        return f"{self.model} {self.fact} ({self.status})"


class CorrectionEvent(models.Model):
    """One step in a correction's life: who did what, when, and why. Append-only.

    Rows are written by the services in ``corrections.services`` only; they are never updated
    or deleted (``save`` refuses an update, ``delete`` refuses), so the trail stays complete.
    """

    class Action(models.TextChoices):
        SUBMITTED = "submitted", "submitted"
        APPROVED = "approved", "approved and applied"
        REJECTED = "rejected", "rejected"
        WITHDRAWN = "withdrawn", "withdrawn by its submitter"
        SUPERSEDED = "superseded", "superseded by a later approved correction"
        REVERTED = "reverted", "returned to the crawled value"
        REAPPLIED = "reapplied", "applied again by the sweeper (its corrected rows were missing)"

    correction = models.ForeignKey(Correction, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=16, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # the actor's name at the time, kept if the account is later removed
    actor_name = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True, help_text="Why; shown escaped")

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["correction", "at"], name="correction_event_trail")]

    def __str__(self) -> str:
        return f"{self.correction_id} {self.action} by {self.actor_name or 'someone'}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("correction events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("correction events are append-only")


def report_token() -> str:
    return secrets.token_urlsafe(32)


class ProblemReport(models.Model):
    """A member of the public's report of an error on a model. Never published automatically:
    a reviewer triages it (turns it into a correction, or dismisses it with a reason)."""

    class Status(models.TextChoices):
        OPEN = "open", "open"
        CONVERTED = "converted", "turned into a correction"
        DISMISSED = "dismissed", "dismissed"

    model = models.ForeignKey(AIModel, on_delete=models.CASCADE, related_name="problem_reports")
    topic = models.CharField(max_length=32, blank=True, help_text="The judgment or fact the report is about")
    proposed_level = models.CharField(
        max_length=16, blank=True, help_text="The level the reporter thinks the judgment should have"
    )
    description = models.TextField(help_text="What is wrong, in the reporter's words (shown escaped)")
    evidence_url = models.URLField(max_length=500, blank=True)
    contact_email = models.EmailField(blank=True, help_text="Optional; never shown publicly")
    created_at = models.DateTimeField(default=timezone.now)
    # a keyed hash of the sender's address: enough to see a flood, not the address itself
    client_hash = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    triaged_at = models.DateTimeField(null=True, blank=True)
    triage_note = models.TextField(blank=True)
    correction = models.ForeignKey(
        Correction, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    # the reporter's private link to the report's status (unguessable; the report is never listed)
    token = models.CharField(max_length=43, unique=True, default=report_token, editable=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "-created_at"], name="problem_report_queue")]

    def __str__(self) -> str:
        return f"report {self.pk} on {self.model} ({self.status})"
