"""Admin: the maintainers' correction forms and review queue."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.html import format_html

from catalog import choices
from corrections.models import Correction
from corrections.services import correction_approve, correction_reject, correction_value_clean

VALUE_HELP = (
    'JSON. license: {"license": "apache-2.0"}; datasets: {"datasets": ["org/name"]}; '
    'code_repositories: {"repositories": ["owner/name"]}; base_models: {"base_models": '
    '[{"id": "org/name", "relation": "finetune"}]}; a judgment: {"level": "open", '
    '"rationale": "one sentence"}.'
)


class CorrectionForm(forms.ModelForm):
    value = forms.JSONField(help_text=VALUE_HELP)
    evidence_url = forms.URLField(
        max_length=500, assume_scheme="https", help_text="Public page that supports the correction"
    )

    class Meta:
        model = Correction
        fields = ("model", "fact", "value", "evidence_url", "note")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("fact") and "value" in cleaned:
            try:
                cleaned["value"] = correction_value_clean(fact=cleaned["fact"], value=cleaned["value"])
            except ValidationError as exc:
                self.add_error("value", exc)
        return cleaned


@admin.register(Correction)
class CorrectionAdmin(admin.ModelAdmin):
    """Maintainers submit here; reviewers (a different person) approve or reject from the list."""

    form = CorrectionForm
    list_display = ("model", "fact", "status", "submitted_by", "submitted_at", "reviewed_by", "evidence_link")
    list_filter = ("status", "fact")
    search_fields = ("model__repo_id", "note")
    raw_id_fields = ("model",)
    actions = ("approve_selected", "reject_selected")
    readonly_fields = (
        "status",
        "submitted_by",
        "submitted_at",
        "reviewed_by",
        "reviewed_at",
        "review_note",
        "value_pretty",
    )

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("model", "fact", "value", "evidence_url", "note")
        return (
            "model",
            "fact",
            "value_pretty",
            "evidence_url",
            "note",
            "status",
            "submitted_by",
            "submitted_at",
            "reviewed_by",
            "reviewed_at",
            "review_note",
        )

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    @admin.display(description="value")
    def value_pretty(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.value, indent=2, ensure_ascii=False))

    @admin.display(description="evidence")
    def evidence_link(self, obj):
        return format_html('<a href="{}" rel="nofollow noopener noreferrer">source</a>', obj.evidence_url)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.submitted_by = request.user
            obj.status = choices.CorrectionStatus.PENDING
        super().save_model(request, obj, form, change)

    def _review(self, request, queryset, approve: bool):
        if not request.user.has_perm("corrections.review_correction"):
            self.message_user(request, "You may submit corrections but not review them.", messages.ERROR)
            return
        done = 0
        for correction in queryset:
            try:
                if approve:
                    correction_approve(correction=correction, reviewer=request.user)
                else:
                    correction_reject(
                        correction=correction,
                        reviewer=request.user,
                        review_note="rejected from the review queue",
                    )
                done += 1
            except ValidationError as exc:
                self.message_user(request, f"{correction}: {'; '.join(exc.messages)}", messages.ERROR)
        if done:
            self.message_user(request, f"{done} correction(s) {'approved' if approve else 'rejected'}.")

    @admin.action(description="Approve selected corrections (applies them; you must not be the submitter)")
    def approve_selected(self, request, queryset):
        self._review(request, queryset, approve=True)

    @admin.action(description="Reject selected corrections")
    def reject_selected(self, request, queryset):
        self._review(request, queryset, approve=False)
