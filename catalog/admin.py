"""Admin: the catalog for operators, and the maintainers' correction forms and review queue."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.html import format_html

from catalog import choices
from catalog.models import (
    AIModel,
    CodeRepository,
    Correction,
    CrawlFailure,
    CrawlRun,
    Dataset,
    Evidence,
    LineageEdge,
    ModelCodeRepository,
    ModelDataset,
    ModelPaper,
    Organization,
    Paper,
)
from catalog.services.corrections import correction_approve, correction_reject, correction_value_clean

VALUE_HELP = (
    'JSON. license: {"license": "apache-2.0"}; datasets: {"datasets": ["org/name"]}; '
    'code_repositories: {"repositories": ["owner/name"]}; base_models: {"base_models": '
    '[{"id": "org/name", "relation": "finetune"}]}; a judgment: {"level": "open", '
    '"rationale": "one sentence"}.'
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the crawler or the scorer: inspect, never edit by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class LineageInline(admin.TabularInline):
    model = LineageEdge
    fk_name = "child"
    extra = 0
    raw_id_fields = ("parent",)
    readonly_fields = ("parent", "relation", "origin")
    can_delete = False
    verbose_name_plural = "base models"


class DatasetLinkInline(admin.TabularInline):
    model = ModelDataset
    extra = 0
    raw_id_fields = ("dataset",)
    readonly_fields = ("dataset", "origin", "name_as_written")
    can_delete = False


class RepositoryLinkInline(admin.TabularInline):
    model = ModelCodeRepository
    extra = 0
    raw_id_fields = ("repository",)
    readonly_fields = ("repository", "origin")
    can_delete = False


class PaperLinkInline(admin.TabularInline):
    model = ModelPaper
    extra = 0
    raw_id_fields = ("paper",)
    readonly_fields = ("paper", "origin")
    can_delete = False


@admin.register(AIModel)
class AIModelAdmin(ReadOnlyAdmin):
    list_display = (
        "repo_id",
        "organization",
        "downloads",
        "likes",
        "gated",
        "is_placeholder",
        "detail_crawled_at",
        "has_error",
    )
    list_filter = (
        "is_placeholder",
        "gated",
        "private",
        "modality",
        ("missing_since", admin.EmptyFieldListFilter),
    )
    search_fields = ("repo_id",)
    list_select_related = ("organization",)
    show_full_result_count = False
    inlines = (LineageInline, DatasetLinkInline, RepositoryLinkInline, PaperLinkInline)

    @admin.display(boolean=True, description="crawl error")
    def has_error(self, obj):
        return bool(obj.crawl_error)


@admin.register(Organization)
class OrganizationAdmin(ReadOnlyAdmin):
    search_fields = ("name",)
    list_display = ("name", "first_seen_at")


@admin.register(Dataset)
class DatasetAdmin(ReadOnlyAdmin):
    list_display = ("repo_id", "source", "status", "gated", "license_declared", "crawled_at")
    list_filter = ("status", "source", "gated")
    search_fields = ("repo_id",)


@admin.register(CodeRepository)
class CodeRepositoryAdmin(ReadOnlyAdmin):
    list_display = ("full_name", "status", "classification", "license_spdx", "archived", "crawled_at")
    list_filter = ("status", "classification", "archived")
    search_fields = ("full_name",)


@admin.register(Paper)
class PaperAdmin(ReadOnlyAdmin):
    search_fields = ("arxiv_id",)


@admin.register(LineageEdge)
class LineageEdgeAdmin(ReadOnlyAdmin):
    list_display = ("parent", "relation", "child", "origin")
    list_filter = ("relation", "origin")
    raw_id_fields = ("parent", "child")
    search_fields = ("child__repo_id", "parent__repo_id")


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    list_display = ("subject_type", "subject_id", "fact", "origin", "revision", "fetched_at")
    list_filter = ("subject_type", "fact", "origin")
    search_fields = ("source_url",)
    show_full_result_count = False


@admin.register(CrawlRun)
class CrawlRunAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "kind",
        "status",
        "started_at",
        "finished_at",
        "pages",
        "new_count",
        "updated_count",
        "unchanged_count",
        "failed_count",
        "requests_made",
    )
    list_filter = ("kind", "status")


@admin.register(CrawlFailure)
class CrawlFailureAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "subject_type",
        "subject_key",
        "stage",
        "error_code",
        "http_status",
        "attempts",
        "final",
    )
    list_filter = ("subject_type", "stage", "error_code", "final")
    search_fields = ("subject_key", "message")
    show_full_result_count = False


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
        if not request.user.has_perm("catalog.review_correction"):
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
