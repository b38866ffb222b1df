"""sitemap.xml: an index of sections, each paged (Django's sitemap framework splits a section
into pages of ``limit`` URLs, listed by the index), so a million models are a few hundred
small documents. Locations are absolute on ``settings.SITE_URL``, not the request's host."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap

from scoring import selectors
from web.site import model_path, org_path


class SiteURLSitemap(Sitemap):
    limit = 10_000

    @property
    def protocol(self):  # type: ignore[override]
        return urlsplit(settings.SITE_URL).scheme or "http"

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc


class StaticSitemap(SiteURLSitemap):
    changefreq = "daily"

    def items(self):
        return ["/", "/compare/", "/insights/", "/methodology/", "/data/"]

    def location(self, item):
        return item


class ModelSitemap(SiteURLSitemap):
    """Every listed model; the rows are read as (repo_id, computed_at) pairs in the order of the
    (methodology, is_listed, repo_id, id) index, a page at a time."""

    changefreq = "weekly"

    def items(self):
        return selectors.scores_current().order_by("repo_id", "id").values_list("repo_id", "computed_at")

    def location(self, item):
        return model_path(item[0])

    def lastmod(self, item):
        return item[1]


class OrganizationSitemap(SiteURLSitemap):
    changefreq = "weekly"

    def items(self):
        return (
            selectors.scores_current()
            .exclude(organization_name="")
            .order_by("organization_name")
            .values_list("organization_name", flat=True)
            .distinct()
        )

    def location(self, item):
        return org_path(item)


SITEMAPS = {"pages": StaticSitemap, "models": ModelSitemap, "organizations": OrganizationSitemap}
