from csp.decorators import csp_update
from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from web.api import views
from web.api.errors import json_not_found

PART = r"[A-Za-z0-9][A-Za-z0-9._-]{0,95}"

urlpatterns = [
    path("v1/", views.api_root, name="api-root"),
    path("v1/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The documentation UIs (served from the installed sidecar, no CDN) set inline styles and
    # Redoc starts a worker from a blob: relax the policy for these two pages only.
    path(
        "v1/docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(
            SpectacularSwaggerSplitView.as_view(url_name="api-schema")
        ),
        name="api-docs",
    ),
    path(
        "v1/redoc/",
        csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["blob:"]})(
            SpectacularRedocView.as_view(url_name="api-schema")
        ),
        name="api-redoc",
    ),
    path("v1/models/", views.ModelList.as_view(), name="api-models"),
    re_path(
        rf"^v1/models/(?P<owner>{PART})/(?P<name>{PART})/$", views.ModelDetail.as_view(), name="api-model"
    ),
    re_path(
        rf"^v1/models/(?P<owner>{PART})/(?P<name>{PART})/history/$",
        views.ModelHistory.as_view(),
        name="api-model-history",
    ),
    re_path(r"^v1/as-of/(?P<date>\d{4}-\d{2}-\d{2})/$", views.ModelsAsOf.as_view(), name="api-models-as-of"),
    path("v1/changes/", views.ChangeFeed.as_view(), name="api-changes"),
    path("v1/organizations/", views.OrganizationList.as_view(), name="api-organizations"),
    path("v1/datasets/", views.DatasetList.as_view(), name="api-datasets"),
    re_path(
        r"^v1/datasets/(?P<dataset_id>[A-Za-z0-9][A-Za-z0-9._/-]{0,299})/$",
        views.DatasetDetail.as_view(),
        name="api-dataset",
    ),
    path("v1/repositories/", views.RepositoryList.as_view(), name="api-repositories"),
    re_path(
        rf"^v1/repositories/(?P<owner>{PART})/(?P<name>{PART})/$",
        views.RepositoryDetail.as_view(),
        name="api-repository",
    ),
    path("v1/licenses/", views.LicenseList.as_view(), name="api-licenses"),
    re_path(
        r"^v1/licenses/(?P<key>[A-Za-z0-9][A-Za-z0-9.+_-]{0,99})/$",
        views.LicenseDetail.as_view(),
        name="api-license",
    ),
    path("v1/methodology/", views.MethodologyList.as_view(), name="api-methodology"),
    re_path(
        r"^v1/methodology/(?P<version>[0-9][0-9.]{0,15})/$",
        views.MethodologyDetail.as_view(),
        name="api-methodology-version",
    ),
    path("v1/export/", views.ExportInfo.as_view(), name="api-export"),
    # [\s\S], not ".": a path with an encoded newline (%0A) is an unknown API route too, answered in JSON
    re_path(r"^[\s\S]*$", json_not_found),
]
