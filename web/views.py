"""Public pages: thin views over ``scoring.selectors``."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import http_date
from django.views.decorators.cache import cache_control, cache_page
from django.views.decorators.http import condition, require_safe

from scoring import dimensions, gold, selectors
from scoring.filters import SORTS, ScoreFilterSet
from scoring.freshness import is_stale
from scoring.licenses import knowledge_base
from scoring.models import MethodologyVersion
from web import badges, charts
from web import selectors as page_selectors
from web.exports import export_meta, iter_rows, stream_csv, stream_json
from web.rendering import BOARD_COLUMNS, board_rows

MAX_PAGE = 100_000
COMPARE_MIN, COMPARE_MAX = 2, 4


def _page_number(request) -> int:
    try:
        return min(max(int(request.GET.get("page", "1")), 1), MAX_PAGE)
    except ValueError:
        return 1


def filter_fields(form) -> list[dict]:
    """The filter controls as plain data: one template loop renders them, much faster than
    rendering each widget through its own templates (this page is the most requested)."""
    from django import forms

    fields = []
    for name, field in form.fields.items():
        value = form.data.get(name, "") if hasattr(form.data, "get") else ""
        entry = {"name": name, "id": f"id_{name}", "label": field.label or name, "value": value}
        if isinstance(field, forms.ChoiceField):
            entry["options"] = [(str(v), label, str(v) == str(value)) for v, label in field.choices]
        else:
            widget_type = getattr(field.widget, "input_type", "text")
            entry["type"] = "date" if isinstance(field, forms.DateField) else widget_type
        fields.append(entry)
    return fields


@require_safe
def leaderboard(request):
    page = selectors.leaderboard_page(
        params=request.GET, page=_page_number(request), page_size=settings.LEADERBOARD_PAGE_SIZE
    )
    unknown = sorted(set(request.GET) - ScoreFilterSet.known_parameters() - {"page"})
    context = {
        "page": page,
        "filter_fields": filter_fields(page.filterset.form),
        "rows_html": board_rows(page.rows, page.first_rank),
        "sort_key": page.filterset.sort_key(),
        "summary": selectors.catalog_summary(),
        "errors": page.errors + [f"unknown parameter ignored: {name}" for name in unknown],
        "notable_threshold": (settings.NOTABLE_MIN_DOWNLOADS, settings.NOTABLE_MIN_LIKES),
        "methodology": selectors.current_methodology(),
        "sorts": SORTS,
        "dimensions": dimensions.ALL,
        "board_columns": BOARD_COLUMNS,
    }
    return render(request, "leaderboard.html", context)


@require_safe
def model_detail(request, repo_id: str):
    page = page_selectors.model_page(repo_id)
    if page is None:
        # ids are case-insensitive on the Hub: a link typed in lower case finds the model
        canonical = page_selectors.repo_id_canonical(repo_id)
        if canonical and canonical != repo_id:
            return redirect("model_detail", repo_id=canonical, permanent=True)
        raise Http404(f"{repo_id} is not in the index")
    judgments = page.score.detail.judgments if page.score else {}
    sections = [(d.key, d.label, judgments.get(d.key)) for d in dimensions.ALL]
    history_points = [(c.changed_at, c.new.get("total", 0)) for c in page.history]
    context = {
        "p": page,
        "model": page.model,
        "score": page.score,
        "dimensions": sections,
        "history_svg": charts.history_svg(history_points),
        "correction_url": (reverse("admin:corrections_correction_add") + f"?model={page.model.pk}"),
        "badge_url": reverse("badge_svg", kwargs={"repo_id": page.model.repo_id}),
        "stale": is_stale(page.model.detail_crawled_at or page.model.listed_at),
        "stale_after_days": settings.STALE_AFTER_DAYS,
    }
    return render(request, "model_detail.html", context)


@require_safe
def compare(request):
    wanted = list(dict.fromkeys(m.strip() for m in request.GET.getlist("m") if m.strip()))[:COMPARE_MAX]
    rows = selectors.compare_rows(wanted)
    missing = [m for m in wanted if m not in {r.repo_id for r in rows}]
    matrix = [(d.label, [row.detail.judgments.get(d.key, {}) for row in rows]) for d in dimensions.ALL]
    slots = wanted + [""] * (COMPARE_MAX - len(wanted))
    context = {
        "rows": rows,
        "missing": missing,
        "matrix": matrix,
        "slots": slots,
        "too_few": len(rows) < COMPARE_MIN,
        "compare_max": COMPARE_MAX,
    }
    return render(request, "compare.html", context, status=200)


@require_safe
def methodology(request):
    kb = knowledge_base()
    entries = sorted(
        kb.entries.values(),
        key=lambda e: (["open", "partial", "closed", "unknown"].index(e.grade), e.name.lower()),
    )
    context = {
        "current": selectors.current_methodology(),
        "versions": MethodologyVersion.objects.order_by("-published_on", "-id"),
        "licenses": entries,
        "kb_digest": kb.digest,
        "dimensions": [(d.key, d.label) for d in dimensions.ALL],
        "agreement": gold.report_published(),
    }
    return render(request, "methodology.html", context)


@require_safe
def insights(request):
    distribution = selectors.score_distribution()
    organizations = selectors.openness_by_organization()
    over_time = selectors.openness_over_time()
    context = {
        "distribution": distribution,
        "organizations": organizations,
        "over_time": over_time,
        "distribution_svg": charts.distribution_svg(distribution),
        "organizations_svg": charts.organizations_svg(organizations),
        "over_time_svg": charts.over_time_svg(over_time),
    }
    return render(request, "insights.html", context)


def _badge_last_modified(request, repo_id: str):
    score = selectors.score_for_badge(repo_id)
    return score.computed_at if score else None


@require_safe
@cache_control(public=True, max_age=3600)
@condition(last_modified_func=_badge_last_modified)
def badge_svg(request, repo_id: str):
    score = selectors.score_for_badge(repo_id)
    if score is None:
        return HttpResponse(
            badges.not_found_svg(repo_id), content_type="image/svg+xml; charset=utf-8", status=404
        )
    levels = {d.key: getattr(score, d.column) for d in dimensions.ALL}
    return HttpResponse(badges.badge_svg(levels), content_type="image/svg+xml; charset=utf-8")


@require_safe
@cache_control(public=True, max_age=3600)
@condition(last_modified_func=_badge_last_modified)
def badge_json(request, repo_id: str):
    score = selectors.score_for_badge(repo_id)
    if score is None:
        return JsonResponse(
            {
                "schemaVersion": 1,
                "label": "openness",
                "message": "not indexed",
                "color": "lightgrey",
                "isError": True,
            },
            status=404,
        )
    levels = {d.key: getattr(score, d.column) for d in dimensions.ALL}
    return JsonResponse(badges.shields_payload(levels, score.total))


@require_safe
def export_view(request, fmt: str):
    """The current filtered view as CSV or JSON, streamed."""
    filterset, queryset = selectors.filtered_scores(request.GET)
    if not filterset.is_valid():
        return JsonResponse({"errors": filterset.error_messages()}, status=400)
    rows = iter_rows(queryset)
    if fmt == "csv":
        response = StreamingHttpResponse(stream_csv(rows), content_type="text/csv; charset=utf-8")
    else:
        meta = export_meta(selectors.current_methodology().version)
        response = StreamingHttpResponse(stream_json(rows, meta=meta), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="openness-index.{fmt}"'
    return response


@require_safe
def dump_file(request, name: str):
    """The scheduled full dump, served as a file."""
    allowed = {
        "openness-index.jsonl": "application/jsonl",
        "openness-index.csv": "text/csv",
        "README.txt": "text/plain",
    }
    if name not in allowed:
        raise Http404("no such dump file")
    path = Path(settings.EXPORT_DIR) / name
    if not path.exists():
        raise Http404("the dump has not been generated yet (python manage.py export)")
    response = FileResponse(path.open("rb"), content_type=allowed[name], as_attachment=name != "README.txt")
    response["Last-Modified"] = http_date(path.stat().st_mtime)
    response["Cache-Control"] = "public, max-age=3600"
    return response


@require_safe
def data_page(request):
    directory = Path(settings.EXPORT_DIR)
    files = []
    for name in ("openness-index.jsonl", "openness-index.csv", "README.txt"):
        path = directory / name
        if path.exists():
            files.append({"name": name, "size": path.stat().st_size, "mtime": path.stat().st_mtime})
    return render(
        request, "data.html", {"files": files, "meta": export_meta(selectors.current_methodology().version)}
    )


@require_safe
def suggest_correction(request, repo_id: str):
    """Staff go straight to the correction form; others learn how corrections work."""
    page = page_selectors.model_page(repo_id)
    if page is None:
        raise Http404(f"{repo_id} is not in the index")
    if request.user.is_authenticated and request.user.is_staff:
        return redirect(reverse("admin:corrections_correction_add") + f"?model={page.model.pk}")
    return render(request, "suggest_correction.html", {"model": page.model})


@require_safe
def favicon(request):
    """Browsers ask for /favicon.ico on pages without an icon link (the admin's): not a 404.
    Resolved per request: the static manifest exists only after collectstatic."""
    return redirect(static("favicon.svg"), permanent=True)


@cache_page(3600)
@require_safe
def robots(request):
    return HttpResponse("User-agent: *\nDisallow: /admin/\nDisallow: /export.\n", content_type="text/plain")
