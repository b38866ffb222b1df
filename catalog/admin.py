"""Admin: the catalog for operators, and the maintainers' correction forms and review queue."""

from __future__ import annotations

from django.contrib import admin

from catalog.models import (
    AIModel,
    CodeRepository,
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
    ordering = ("repo_id",)  # the correction form's model search pages through this list
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
