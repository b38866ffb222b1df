from django.contrib.sitemaps import views as sitemap_views
from django.urls import path, re_path
from django.views.decorators.cache import cache_page

from web import views
from web.sitemaps import SITEMAPS

REPO = r"(?P<repo_id>[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95})"

urlpatterns = [
    # browsers ask for /favicon.ico on pages without an icon link (the admin's): not a 404
    path("favicon.ico", views.favicon, name="favicon"),
    path("", views.leaderboard, name="leaderboard"),
    path("compare/", views.compare, name="compare"),
    path("methodology/", views.methodology, name="methodology"),
    path("insights/", views.insights, name="insights"),
    path("data/", views.data_page, name="data"),
    path("data/<str:name>", views.dump_file, name="dump_file"),
    re_path(r"^export\.(?P<fmt>csv|json)$", views.export_view, name="export"),
    re_path(rf"^models/{REPO}/$", views.model_detail, name="model_detail"),
    re_path(rf"^models/{REPO}/correct/$", views.suggest_correction, name="suggest_correction"),
    re_path(rf"^models/{REPO}/report/$", views.report_problem, name="report_problem"),
    re_path(r"^reports/(?P<token>[A-Za-z0-9_-]{20,64})/$", views.report_status, name="report_status"),
    re_path(rf"^badge/{REPO}\.svg$", views.badge_svg, name="badge_svg"),
    re_path(rf"^badge/{REPO}\.json$", views.badge_json, name="badge_json"),
    re_path(r"^org/(?P<name>[A-Za-z0-9][A-Za-z0-9._-]{0,95})/$", views.organization, name="organization"),
    path("robots.txt", views.robots, name="robots"),
    path("sitemap.xml", views.sitemap_index, name="sitemap_index"),
    path(
        "sitemap-<section>.xml",
        cache_page(3600)(sitemap_views.sitemap),
        {"sitemaps": SITEMAPS},
        name="sitemap_section",
    ),
]
