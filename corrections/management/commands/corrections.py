"""Export the corrections to JSON, or import such a file, so maintainers' work survives a rebuild.

    manage.py corrections export [--output corrections.json]
    manage.py corrections import corrections.json --reviewer rob@example.org

An import goes through the same services as the admin: each pending or approved correction is
submitted again (``correction_submit``) and each approved one approved again
(``correction_approve``) by its recorded reviewer when that account exists here, else by
``--reviewer``; the original submitter, reviewer, dates and notes are kept in the notes.
Rejected, withdrawn, superseded and returned corrections stay in the export only (they change
nothing). Importing the same file twice changes nothing the second time.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from catalog import choices
from catalog.models import AIModel
from corrections.models import Correction
from corrections.services import correction_approve, correction_submit

FORMAT = "openness-corrections/1"
LIVE = (choices.CorrectionStatus.PENDING, choices.CorrectionStatus.APPROVED)


def _name(user) -> str | None:
    return user.get_username() if user is not None else None


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def corrections_export() -> dict[str, Any]:
    rows = []
    for c in (
        Correction.objects.select_related("model", "submitted_by", "reviewed_by")
        .prefetch_related("events__actor")
        .order_by("submitted_at", "id")
    ):
        rows.append(
            {
                "model": c.model.repo_id,
                "fact": c.fact,
                "value": c.value,
                "evidence_url": c.evidence_url,
                "note": c.note,
                "status": c.status,
                "submitted_by": _name(c.submitted_by),
                "submitted_at": _iso(c.submitted_at),
                "reviewed_by": _name(c.reviewed_by),
                "reviewed_at": _iso(c.reviewed_at),
                "review_note": c.review_note,
                "events": [
                    {"action": e.action, "actor": e.actor_name, "at": _iso(e.at), "note": e.note}
                    for e in c.events.all()
                ],
            }
        )
    return {"format": FORMAT, "exported_at": _iso(timezone.now()), "corrections": rows}


class Command(BaseCommand):
    help = "Export corrections to JSON, or import an export (through the correction services)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="write every correction and its trail as JSON")
        export.add_argument("--output", default="-", help="file to write (default: standard output)")
        imp = sub.add_parser("import", help="submit and re-approve the corrections of an export")
        imp.add_argument("file")
        imp.add_argument(
            "--reviewer",
            default="",
            help="the account that re-approves approved corrections whose recorded reviewer "
            "has no account here",
        )

    def handle(self, *args, action: str, **options):
        if action == "export":
            data = corrections_export()
            text = json.dumps(data, indent=2, ensure_ascii=False)
            if options["output"] == "-":
                self.stdout.write(text)
            else:
                with open(options["output"], "w", encoding="utf-8") as handle:
                    handle.write(text + "\n")
                self.stderr.write(f"wrote {len(data['corrections'])} corrections to {options['output']}")
            return
        self._import(options["file"], options["reviewer"])

    def _import(self, path: str, reviewer_name: str) -> None:
        users = get_user_model().objects
        try:
            with open(path, encoding="utf-8") if path != "-" else sys.stdin as handle:
                data = json.load(handle)
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read {path}: {exc}") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise CommandError(f"{path} is not a corrections export ({FORMAT})")
        fallback = users.filter(username__iexact=reviewer_name).first() if reviewer_name else None
        if reviewer_name and fallback is None:
            raise CommandError(f"no account named {reviewer_name}")
        counts = {"submitted": 0, "approved": 0, "already here": 0, "history only": 0, "refused": 0}
        for number, row in enumerate(data.get("corrections") or [], start=1):
            try:
                outcome = self._import_one(row, users, fallback)
            except (ValidationError, KeyError, TypeError, AttributeError) as exc:
                message = (
                    "; ".join(exc.messages)
                    if isinstance(exc, ValidationError)
                    else f"malformed entry ({exc})"
                )
                self.stderr.write(
                    f"entry {number} ({row.get('model') if isinstance(row, dict) else '?'}): {message}"
                )
                outcome = "refused"
            counts[outcome] += 1
        self.stdout.write(", ".join(f"{n} {k}" for k, n in counts.items()))

    def _import_one(self, row: dict, users, fallback) -> str:
        if row["status"] not in LIVE:
            return "history only"
        model = AIModel.objects.filter(repo_id=row["model"]).first()
        if model is None:
            raise ValidationError(f"{row['model']} is not in the index (renamed or deleted?)")
        existing = Correction.objects.filter(
            model=model, fact=row["fact"], status__in=LIVE, value=row["value"]
        )
        if existing.exists():
            return "already here"
        submitter = users.filter(username=row.get("submitted_by") or "").first()
        reviewer = None
        if row["status"] == choices.CorrectionStatus.APPROVED:
            # who re-approves is settled before anything is written: nothing is left half-imported
            reviewer = users.filter(username=row.get("reviewed_by") or "").first() or fallback
            if reviewer is None:
                raise ValidationError(
                    f"no account {row.get('reviewed_by')!r} here to re-approve it; pass --reviewer"
                )
            if submitter is not None and reviewer.pk == submitter.pk:
                raise ValidationError(
                    "the re-approving reviewer would be its submitter; pass another --reviewer"
                )
        submitted = (
            f"[imported: submitted by {row.get('submitted_by') or 'unknown'} at {row.get('submitted_at')}]"
        )
        correction = correction_submit(
            model=model,
            fact=row["fact"],
            value=row["value"],
            evidence_url=row["evidence_url"],
            note=f"{row.get('note') or ''}\n{submitted}".strip(),
            submitted_by=submitter,
        )
        if reviewer is None:
            return "submitted"
        approved = (
            f"[re-applied from an export: approved by {row.get('reviewed_by')} at {row.get('reviewed_at')}]"
        )
        correction_approve(
            correction=correction,
            reviewer=reviewer,
            review_note=f"{row.get('review_note') or ''}\n{approved}".strip(),
        )
        return "approved"
