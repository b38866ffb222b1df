"""Public pages: thin views over ``scoring.selectors``."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date
from django.utils.safestring import SafeString
from django.views.decorators.cache import cache_control, cache_page
from django.views.decorators.http import condition, require_http_methods, require_safe

from catalog.models import AIModel
from corrections import selectors as correction_selectors
from corrections.models import ProblemReport
from corrections.services import report_file
from lib.clientip import client_address
from scoring import dimensions, gold, selectors
from scoring.filters import SORTS, ScoreFilterSet
from scoring.freshness import is_stale
from scoring.licenses import knowledge_base
from scoring.models import MethodologyVersion
from web import badges, charts
from web import selectors as page_selectors
from web.exports import export_meta, iter_rows, stream_csv, stream_json
from web.forms import TOPIC_CHOICES, ProblemReportForm
from web.rendering import BOARD_COLUMNS, board_rows, filter_grid, pick_lists
from web.site import absolute_url, citation, model_path, org_path

MAX_PAGE = 100_000
LEVELS_SHOWN = ("open", "partial", "closed", "unknown")
COMPARE_MIN, COMPARE_MAX = 2, 4


def _page_number(request) -> int:
    try:
        return min(max(int(request.GET.get("page", "1")), 1), MAX_PAGE)
    except ValueError:
        return 1


def headline_rows() -> dict:
    """Models per level on each dimension, each count linking to the board filtered by it."""
    data = selectors.headline()
    rows = []
    for d in dimensions.ALL:
        counts = data["levels"][d.key]
        cells = [
            {"level": level, "count": counts[level], "url": f"?show=all&{d.filter_name}={level}"}
            for level in LEVELS_SHOWN
        ]
        rows.append({"label": d.label, "cells": cells})
    return {
        "models": data["models"],
        "rows": rows,
        "levels": LEVELS_SHOWN,
        "osaid_ready": data["osaid_ready"],
        "moved": data["moved"],
        "movement_days": data["movement_days"],
    }


def _headline_html() -> SafeString:
    """The headline section, rendered once per data version (its counts are cached as long)."""
    return cache.get_or_set(  # type: ignore[return-value]  # a SafeString, kept so by pickling
        f"html:headline:{selectors.current_methodology().pk}:{selectors.data_version()}",
        lambda: render_to_string("includes/headline.html", {"headline": headline_rows()}),
        selectors.AGGREGATE_TTL,
    )


def _pick_lists():
    return cache.get_or_set(
        f"html:pick-lists:{selectors.data_version()}",
        lambda: pick_lists(selectors.license_families(), selectors.organization_counts()),
        3600,
    )


@require_safe
def leaderboard(request):
    if "as_of" in request.GET:
        return leaderboard_as_of(request)
    page = selectors.leaderboard_page(
        params=request.GET, page=_page_number(request), page_size=settings.LEADERBOARD_PAGE_SIZE
    )
    unknown = sorted(set(request.GET) - ScoreFilterSet.known_parameters() - {"page"})
    sort_key = page.filterset.sort_key()
    context = {
        "page": page,
        "filter_grid": filter_grid(page.filterset.form),
        "rows_html": board_rows(page.rows, page.ranks, selectors.corrected_dimensions(page.rows)),
        "sort_key": sort_key,
        "sorted_by_total": sort_key.lstrip("-") == "total",
        "active_filters": sum(
            1 for name in ScoreFilterSet.known_parameters() - {"show", "sort"} if request.GET.get(name)
        ),
        "summary": selectors.catalog_summary(),
        "headline_html": _headline_html(),
        "pick_lists": _pick_lists(),
        "errors": page.errors
        + [f"“{name[:40]}” is not a filter this page knows; it was ignored." for name in unknown],
        "notable_threshold": (settings.NOTABLE_MIN_DOWNLOADS, settings.NOTABLE_MIN_LIKES),
        "methodology": selectors.current_methodology(),
        "sorts": SORTS,
        "dimensions": dimensions.ALL,
        "board_columns": BOARD_COLUMNS,
    }
    return render(request, "leaderboard.html", context)


def parse_as_of(raw: str | None) -> tuple[dt.date | None, str]:
    """``?as_of=YYYY-MM-DD``: the date, or None and a sentence saying why it was not used.
    Dates are capped: not before AS_OF_EARLIEST, not after today."""
    if not raw:
        return None, ""
    try:
        day = dt.date.fromisoformat(raw.strip()[:10])
    except ValueError:
        return None, f"“{raw[:20]}” is not a date; write it as YYYY-MM-DD. Showing the current judgments."
    today = timezone.now().date()
    if day > today:
        return today, f"{day.isoformat()} is in the future; showing today ({today.isoformat()})."
    if day < page_selectors.AS_OF_EARLIEST:
        return (
            page_selectors.AS_OF_EARLIEST,
            f"The index keeps no history before {page_selectors.AS_OF_EARLIEST.isoformat()}.",
        )
    return day, ""


def leaderboard_as_of(request):
    """The whole index as it stood at the end of a day (UTC), from the score history, so a
    figure published then can be reproduced: rank, the four levels and the total of every model
    scored by then. Only the name search applies; the current view's filters describe today."""
    day, notice = parse_as_of(request.GET.get("as_of"))
    day = day or timezone.now().date()
    q = (request.GET.get("q") or "").strip()[:100]
    states = page_selectors.states_as_of(day, q)
    paginator = Paginator(states.order_by(*page_selectors.STATES_ORDERING), settings.LEADERBOARD_PAGE_SIZE)
    page = paginator.get_page(_page_number(request))
    ranks = selectors.ranks_by_total(states, field="total_then")
    ignored = sorted(set(request.GET) - {"as_of", "q", "page"})
    context = {
        "day": day,
        "q": q,
        "page": page,
        "rows": [(ranks.get(state.total_then, (None, False))[0], state) for state in page.object_list],
        "notice": notice,
        "ignored": ignored,
        "dimensions": dimensions.ALL,
        "methodology": selectors.current_methodology(),
        "today": timezone.now().date(),
        "as_of_earliest": page_selectors.AS_OF_EARLIEST,
    }
    return render(request, "leaderboard_as_of.html", context)


def judgments_description(levels: dict[str, str], total: float | None, version: str) -> str:
    """One line for link previews: the four marks and the total."""
    marks = " · ".join(f"{d.label}: {levels.get(d.key, 'unknown')}" for d in dimensions.ALL)
    return marks + (f". Total {total:.1f}/100 (methodology v{version})." if total is not None else ".")


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
    corrected = (
        correction_selectors.approved_by_dimension(page.model, page.score) if page.has_corrections else {}
    )
    sections = [(d.key, d.label, judgments.get(d.key), corrected.get(d.key, [])) for d in dimensions.ALL]
    history_points = [(c.changed_at, c.new.get("total", 0)) for c in reversed(page.history)]
    methodology = selectors.current_methodology()
    as_of, as_of_notice = parse_as_of(request.GET.get("as_of"))
    as_of_state = page_selectors.judgments_as_of(page.model, as_of) if as_of else None
    cited_on = as_of or timezone.now().date()
    path = model_path(page.model.repo_id)
    levels = {d.key: getattr(page.score, d.column) for d in dimensions.ALL} if page.score else {}
    context = {
        "p": page,
        "model": page.model,
        "score": page.score,
        "dimensions": sections,
        "history_svg": charts.history_svg(history_points),
        "correction_url": (reverse("admin:corrections_correction_add") + f"?model={page.model.pk}"),
        "report_url": reverse("report_problem", kwargs={"repo_id": page.model.repo_id}),
        "lineage_corrections": corrected.get("", []),
        "changelog": correction_selectors.changelog(page.model) if page.has_corrections else [],
        "badge_url": reverse("badge_svg", kwargs={"repo_id": page.model.repo_id}),
        "badge_markdown": (
            f"[![Openness]({absolute_url(reverse('badge_svg', kwargs={'repo_id': page.model.repo_id}))})]"
            f"({absolute_url(path)})"
        ),
        "stale": is_stale(page.model.detail_crawled_at or page.model.listed_at),
        "stale_after_days": settings.STALE_AFTER_DAYS,
        "as_of": as_of,
        "as_of_notice": as_of_notice,
        "as_of_state": as_of_state,
        "as_of_earliest": page_selectors.AS_OF_EARLIEST,
        "today": timezone.now().date(),
        "citation": citation(
            version=methodology.version,
            on=cited_on,
            subject=page.model.repo_id,
            path=f"{path}?as_of={cited_on.isoformat()}",
        ),
        "og": {
            "title": f"{page.model.repo_id}: how open is it?",
            "description": judgments_description(
                levels, page.score.total if page.score else None, methodology.version
            )
            if page.score
            else "Not scored yet.",
            "url": absolute_url(path),
        },
    }
    return render(request, "model_detail.html", context)


@require_safe
def organization(request, name: str):
    canonical = selectors.organization_name_canonical(name)
    if canonical is None:
        raise Http404(f"no organization {name} in the index")
    if canonical != name:
        return redirect("organization", name=canonical, permanent=True)
    rows, count, levels = selectors.organization_scores(name)
    version = selectors.current_methodology().version
    table = [
        {
            "label": d.label,
            "cells": [
                (level, levels[d.key][level], f"/?show=all&organization={name}&{d.filter_name}={level}")
                for level in LEVELS_SHOWN
            ],
        }
        for d in dimensions.ALL
    ]
    open_weights = levels[dimensions.ALL[0].key]["open"] if dimensions.ALL else 0
    context = {
        "name": name,
        "rows": rows,
        "count": count,
        "shown": len(rows),
        "levels_table": table,
        "levels_shown": LEVELS_SHOWN,
        "dimensions": dimensions.ALL,
        "most_open": rows[:3],
        "least_open": list(reversed(rows[-3:])) if len(rows) > 3 else [],
        "og": {
            "title": f"{name} on the Openness Index",
            "description": (
                f"{count} model{'s' if count != 1 else ''} by {name}; "
                + "; ".join(f"{d.label.lower()} open for {levels[d.key]['open']}" for d in dimensions.ALL)
                + f" (methodology v{version})."
            ),
            "url": absolute_url(org_path(name)),
        },
        "open_weights": open_weights,
    }
    return render(request, "organization.html", context)


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
    if fmt == "csv":
        response = StreamingHttpResponse(
            stream_csv(iter_rows(queryset)), content_type="text/csv; charset=utf-8"
        )
    else:
        meta = export_meta(selectors.current_methodology().version)
        rows = iter_rows(queryset, full=True)
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
    version = selectors.current_methodology().version
    context = {
        "files": files,
        "meta": export_meta(version),
        "citation": citation(version=version, on=timezone.now().date()),
        "site_url": settings.SITE_URL,
    }
    return render(request, "data.html", context)


def suggest_correction(request, repo_id: str):
    """The old "suggest a correction" address leads to the public report form."""
    return redirect("report_problem", repo_id=repo_id, permanent=True)


def _client_hash(request) -> str:
    """A keyed hash of the sender's address: throttles and spots floods without keeping the address."""
    # behind N trusted proxies the client is the N-th address from the right (as DRF's throttles
    # read it); the login lockout (django-axes) reads the address with the same function
    address = client_address(request)
    return hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256).hexdigest()


def _report_allowed(client_hash: str) -> bool:
    """At most REPORT_RATE_PER_HOUR submissions per address per hour (a fixed window in the cache)."""
    key = f"report-rate:{client_hash[:32]}"
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3600)
        count = 1
    return count <= settings.REPORT_RATE_PER_HOUR


@require_http_methods(["GET", "HEAD", "POST"])
def report_problem(request, repo_id: str):
    """Anyone can report an error; the report waits in the reviewers' queue, never published."""
    model = AIModel.objects.filter(repo_id=repo_id).first()
    if model is None:
        raise Http404(f"{repo_id} is not in the index, so there is nothing to report on it")
    context = {"model": model, "sent": request.GET.get("sent") == "1"}
    if context["sent"]:
        context["status_token"] = request.session.get("report_token", "")
    if request.method != "POST":
        topic = request.GET.get("topic", "")
        context["form"] = ProblemReportForm(initial={"topic": topic if topic in dict(TOPIC_CHOICES) else ""})
        return render(request, "report_problem.html", context)
    client = _client_hash(request)
    if not _report_allowed(client):
        context["form"] = ProblemReportForm(request.POST)
        context["throttled"] = True
        response = render(request, "report_problem.html", context, status=429)
        response["Retry-After"] = "3600"
        return response
    form = ProblemReportForm(request.POST)
    if form.is_valid() and form.cleaned_data["website"]:
        # a bot filled the hidden field: answer as if it worked, keep nothing
        return redirect(reverse("report_problem", kwargs={"repo_id": model.repo_id}) + "?sent=1")
    if form.is_valid():
        try:
            report = report_file(
                model=model,
                topic=form.cleaned_data["topic"],
                proposed_level=form.cleaned_data["proposed_level"],
                description=form.cleaned_data["description"],
                evidence_url=form.cleaned_data["evidence_url"],
                contact_email=form.cleaned_data["contact_email"],
                client_hash=client,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            # the same answer as the honeypot's; the private status link travels in the session
            request.session["report_token"] = report.token
            return redirect(reverse("report_problem", kwargs={"repo_id": model.repo_id}) + "?sent=1")
    context["form"] = form
    return render(request, "report_problem.html", context, status=400)


@require_safe
def report_status(request, token: str):
    """The reporter's private page: the status of their report and the reviewer's reason."""
    report = ProblemReport.objects.select_related("model", "correction").filter(token=token).first()
    if report is None:
        raise Http404("no report has this address")
    response = render(request, "report_status.html", {"report": report})
    response["X-Robots-Tag"] = "noindex"
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
def favicon(request):
    """Browsers ask for /favicon.ico on pages without an icon link (the admin's): not a 404.
    Resolved per request: the static manifest exists only after collectstatic."""
    return redirect(static("favicon.svg"), permanent=True)


@cache_page(3600)
@require_safe
def robots(request):
    return HttpResponse(
        "User-agent: *\nDisallow: /admin/\nDisallow: /export.\nDisallow: /reports/\n"
        f"Sitemap: {absolute_url(reverse('sitemap_index'))}\n",
        content_type="text/plain",
    )


@cache_page(3600)
@require_safe
def sitemap_index(request):
    """The sitemap index: every page of every section, at absolute SITE_URL addresses (Django's
    own index view would use the request's host)."""
    from django.contrib.sitemaps.views import SitemapIndexItem

    from web.sitemaps import SITEMAPS

    items = []
    for section, sitemap_class in SITEMAPS.items():
        url = absolute_url(reverse("sitemap_section", kwargs={"section": section}))
        pages = sitemap_class().paginator.num_pages
        items += [
            SitemapIndexItem(url if page == 1 else f"{url}?p={page}", None) for page in range(1, pages + 1)
        ]
    return render(request, "sitemap_index.xml", {"sitemaps": items}, content_type="application/xml")
