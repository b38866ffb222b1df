from django.contrib import admin

from catalog.admin import ReadOnlyAdmin
from scoring import dimensions
from scoring.models import License, MethodologyVersion, Score, ScoreChange


@admin.register(MethodologyVersion)
class MethodologyVersionAdmin(ReadOnlyAdmin):
    list_display = ("version", "name", "published_on", "is_current")


@admin.register(License)
class LicenseAdmin(ReadOnlyAdmin):
    list_display = ("key", "name", "hub_tag", "kind", "grade")
    list_filter = ("grade", "kind")
    search_fields = ("key", "name", "hub_tag")


@admin.register(Score)
class ScoreAdmin(ReadOnlyAdmin):
    list_display = (
        "repo_id",
        "methodology",
        "total",
        *dimensions.COLUMNS,
        "mof_class",
        "osaid_ready",
        "computed_at",
    )
    list_filter = ("methodology", *dimensions.COLUMNS, "mof_class")
    search_fields = ("repo_id",)
    show_full_result_count = False


@admin.register(ScoreChange)
class ScoreChangeAdmin(ReadOnlyAdmin):
    list_display = ("model", "methodology", "changed_at", "cause")
    list_filter = ("cause", "methodology")
    raw_id_fields = ("model",)
    show_full_result_count = False
