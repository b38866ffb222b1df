"""The read-only REST API, v1: thin views over selectors, one FilterSet per list, keyset pages.

Every GET answers conditional requests: the ETag and Last-Modified derive from the data
version (bumped whenever a rescore writes) and the request URL, so a revalidation costs a
cache lookup and no query. Unknown query parameters and malformed values answer 400.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import django_filters
from django.conf import settings
from django.db.models import Avg, Count, Q
from django.http import Http404, HttpResponsePermanentRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date, parse_http_date_safe, urlencode
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import status
from rest_framework.decorators import api_view
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from catalog.models import CodeRepository, Dataset, ModelAlias
from scoring import selectors
from scoring.filters import ScoreFilterSet
from scoring.levels import OPEN
from scoring.models import License, MethodologyVersion, Score, ScoreChange
from web import selectors as page_selectors
from web.api import filters, serializers
from web.api.pagination import KeysetPagination
from web.exports import export_meta

COMMON = {"cursor", "page_size", "format"}
# Every filter takes one value; a query naming more parameters than any endpoint has is abuse.
MAX_PARAMETERS = 24
CACHE_SECONDS = 60


def documented(ok, *, not_found: bool = False) -> dict:
    """Every answer an endpoint gives, not only 200: 304 to a conditional request, the JSON errors
    for malformed requests (400) and throttling (429) and, where the path names something, 404."""
    error = serializers.ErrorSerializer
    responses = {
        200: ok,
        304: OpenApiResponse(description="Not modified (If-None-Match / If-Modified-Since)"),
        400: OpenApiResponse(error, description="Malformed request"),
    }
    if not_found:
        responses[404] = OpenApiResponse(error, description="Not found")
    responses[429] = OpenApiResponse(error, description="Throttled; see Retry-After")
    return responses


class ReadOnlyAPIView(GenericAPIView):
    """GET only, unknown parameters refused, conditional requests answered early.

    The parameters an endpoint knows are its FilterSet's filters (``filterset_class``) plus any
    ``allowed_parameters`` it reads itself, plus the pagination's and ``format``.
    """

    allowed_parameters: set[str] = set()
    filterset_class: type[django_filters.FilterSet] | None = None
    http_method_names = ["get", "head", "options"]

    def known_parameters(self) -> set[str]:
        filtered = set(self.filterset_class.base_filters) if self.filterset_class else set()
        return self.allowed_parameters | filtered

    def check_parameters(self, request) -> None:
        if len(request.query_params) > MAX_PARAMETERS:
            raise ValidationError({"parameters": f"at most {MAX_PARAMETERS} parameters per request"})
        repeated = sorted(name for name, values in request.query_params.lists() if len(values) > 1)
        if repeated:
            raise ValidationError(
                dict.fromkeys(repeated, "given more than once; each parameter takes exactly one value")
            )
        known = self.known_parameters()
        unknown = sorted(set(request.query_params) - known - COMMON)
        if unknown:
            raise ValidationError(
                {
                    "unknown_parameters": [
                        f"'{name}' is not a filter of this endpoint; known: "
                        f"{', '.join(sorted(known)) or 'none'}"
                        for name in unknown
                    ]
                }
            )

    def validators(self, request) -> tuple[str, float]:
        version = selectors.data_version()
        digest = hashlib.sha256(f"{version}|{request.get_full_path()}".encode()).hexdigest()[:20]
        return f'W/"{digest}"', version

    def get(self, request, *args, **kwargs):
        etag, version = self.validators(request)
        if _not_modified(request, etag, version):
            response = Response(status=status.HTTP_304_NOT_MODIFIED)
        else:
            self.check_parameters(request)
            response = self.read(request, *args, **kwargs)
        response["ETag"] = etag
        response["Last-Modified"] = http_date(version)
        response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
        return response

    def read(self, request, *args, **kwargs) -> Response:
        raise NotImplementedError


class ReadOnlyListView(ReadOnlyAPIView):
    """A keyset-paginated list of ``get_queryset()`` narrowed by ``filterset_class`` through
    django-filter's DRF backend: a value a filter cannot take raises its ValidationError, which
    the API answers as a JSON 400; drf-spectacular documents the same filters in the schema.
    The class ``queryset`` also names the model to the schema generator without a query."""

    pagination_class = KeysetPagination  # documents the page envelope; the views paginate themselves
    filter_backends = [DjangoFilterBackend]
    ordering: list[str] = ["pk"]

    def read(self, request, *args, **kwargs) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        return _paginated(self, request, queryset, self.ordering, self.serializer_class)


def _not_modified(request, etag: str, version: float) -> bool:
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        return etag in [tag.strip() for tag in if_none_match.split(",")] or if_none_match.strip() == "*"
    since = parse_http_date_safe(request.headers.get("If-Modified-Since") or "")
    return since is not None and int(version) <= since


def _paginated(view: ReadOnlyAPIView, request, queryset, ordering: list[str], serializer_class, **context):
    paginator = KeysetPagination(ordering)
    page = paginator.paginate_queryset(queryset, request, view)
    data = serializer_class(page, many=True, context={"request": request, **context}).data
    return paginator.get_paginated_response(data)


def _filter_parameter(name: str, f: django_filters.Filter) -> OpenApiParameter:
    """The filter as the schema documents it: choices as an enum, numbers and dates typed."""
    description = str(f.label or name)
    if isinstance(f, django_filters.ChoiceFilter):
        return OpenApiParameter(
            name, OpenApiTypes.STR, enum=[str(v) for v, _ in f.extra["choices"]], description=description
        )
    if isinstance(f, django_filters.NumberFilter):
        return OpenApiParameter(name, {"type": "integer", "minimum": 0}, description=description)
    if isinstance(f, django_filters.DateFilter):
        return OpenApiParameter(name, OpenApiTypes.DATE, description=description)
    return OpenApiParameter(name, OpenApiTypes.STR, description=description)


FILTER_PARAMETERS = [_filter_parameter(name, f) for name, f in ScoreFilterSet.base_filters.items()]


AS_OF_PARAMETER = OpenApiParameter(
    "as_of",
    OpenApiTypes.DATE,
    description="YYYY-MM-DD: the index as it stood at the end of that day; answered with a 303 "
    "to /api/v1/as-of/{date}/ (the name search q is kept, other filters describe today)",
)


@extend_schema_view(
    get=extend_schema(
        parameters=[*FILTER_PARAMETERS, AS_OF_PARAMETER],
        responses={
            **documented(serializers.ModelListSerializer(many=True)),
            303: OpenApiResponse(description="as_of given: see /api/v1/as-of/{date}/"),
        },
        operation_id="models_list",
    )
)
class ModelList(ReadOnlyAPIView):
    """Models with their four judgments and total; filters are the leaderboard's."""

    serializer_class = serializers.ModelListSerializer
    pagination_class = KeysetPagination  # documents the page envelope; the views paginate themselves
    filterset_class = ScoreFilterSet  # applied by the selector the leaderboard shares, not a backend
    allowed_parameters = {"as_of"}

    def read(self, request, *args, **kwargs):
        if "as_of" in request.query_params:
            day = _as_of_day(request.query_params["as_of"])
            q = request.query_params.get("q")
            url = reverse("api-models-as-of", kwargs={"date": day.isoformat()})
            response = Response(status=status.HTTP_303_SEE_OTHER)
            response["Location"] = f"{url}?{urlencode({'q': q})}" if q else url
            return response
        filterset, queryset = selectors.filtered_scores(request.query_params)
        if not filterset.is_valid():
            raise ValidationError(filterset.form.errors)
        # every row is of the current methodology: its version is named once, not joined per row
        return _paginated(
            self,
            request,
            queryset,
            filterset.ordering(),
            serializers.ModelListSerializer,
            methodology_version=selectors.current_methodology().version,
        )


@extend_schema_view(
    get=extend_schema(
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, description="Model id contains (any case)"),
        ],
        responses=documented(serializers.ModelStateSerializer(many=True), not_found=True),
        operation_id="models_as_of",
    )
)
class ModelsAsOf(ReadOnlyAPIView):
    """Every model's judgments and total as the index showed them at the end of ``date`` (UTC),
    from the score history, highest total first: a published figure can be reproduced. Models
    first scored later are absent. ``/api/v1/models/?as_of=YYYY-MM-DD`` redirects here."""

    serializer_class = serializers.ModelStateSerializer
    pagination_class = KeysetPagination
    allowed_parameters = {"q"}

    def read(self, request, date: str):
        day = _as_of_day(date)
        q = request.query_params.get("q", "")
        if len(q) > 100:
            raise ValidationError({"q": "at most 100 characters"})
        states = page_selectors.states_as_of(day, q.strip())
        return _paginated(
            self,
            request,
            states,
            page_selectors.STATES_ORDERING,
            serializers.ModelStateSerializer,
            ranks=selectors.ranks_by_total(states, field="total_then"),
        )


def _as_of_day(raw: str) -> dt.date:
    """A date the history can answer for: YYYY-MM-DD, not before 2020-01-01, not in the future."""
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        raise ValidationError({"as_of": "a date written YYYY-MM-DD"}) from None
    earliest = page_selectors.AS_OF_EARLIEST
    if not earliest <= day <= timezone.now().date():
        raise ValidationError({"as_of": f"between {earliest.isoformat()} and today (UTC)"})
    return day


def renamed_redirect(request, repo_id: str, url_name: str) -> HttpResponsePermanentRedirect | None:
    """A model renamed on the Hub answers under its old id with a 301 to its new one."""
    if Score.objects.filter(repo_id=repo_id).exists():
        return None
    alias = ModelAlias.objects.filter(repo_id=repo_id).select_related("model").first()
    if alias is None:
        return None
    owner, name = (
        alias.model.repo_id.split("/", 1) if "/" in alias.model.repo_id else ("", alias.model.repo_id)
    )
    if not owner:
        return None
    location = reverse(url_name, kwargs={"owner": owner, "name": name})
    query = request.META.get("QUERY_STRING", "")
    return HttpResponsePermanentRedirect(location + (f"?{query}" if query else ""))


@extend_schema_view(
    get=extend_schema(
        responses=documented(serializers.ModelDetailSerializer, not_found=True),
        operation_id="models_retrieve",
    )
)
class ModelDetail(ReadOnlyAPIView):
    """One model by Hub repository id: judgments with rationale, evidence and origin; lineage;
    license attributes; MOF class; OSAID readiness."""

    serializer_class = serializers.ModelDetailSerializer

    def read(self, request, owner: str, name: str):
        repo_id = f"{owner}/{name}"
        methodology = selectors.current_methodology()
        found = selectors.score_for_api_detail(methodology, repo_id)
        if found is None:
            moved = renamed_redirect(request, repo_id, "api-model")
            if moved is not None:
                return moved
            raise Http404(f"{repo_id} is not in the index")
        return Response(
            serializers.ModelDetailSerializer(
                found.score,
                context={
                    "request": request,
                    "derivatives": found.derivatives,
                    "former_ids": found.former_ids,
                    "methodology_version": methodology.version,
                },
            ).data
        )


@extend_schema_view(
    get=extend_schema(
        responses=documented(serializers.ScoreChangeSerializer(many=True), not_found=True),
        operation_id="models_history",
    )
)
class ModelHistory(ReadOnlyListView):
    """Every change of one model's judgments or total, newest first."""

    serializer_class = serializers.ScoreChangeSerializer
    filterset_class = filters.ScoreChangeFilterSet
    queryset = ScoreChange.objects.select_related("model", "methodology")
    ordering = ["-changed_at", "-id"]

    def read(self, request, *args, **kwargs) -> Response:
        moved = renamed_redirect(
            request, f"{self.kwargs['owner']}/{self.kwargs['name']}", "api-model-history"
        )
        return moved if moved is not None else super().read(request, *args, **kwargs)  # type: ignore[return-value]

    def get_queryset(self):
        repo_id = f"{self.kwargs['owner']}/{self.kwargs['name']}"
        if not Score.objects.filter(repo_id=repo_id).exists():
            raise Http404(f"{repo_id} is not in the index")
        return super().get_queryset().filter(model__repo_id=repo_id)


@extend_schema_view(
    get=extend_schema(
        responses=documented(serializers.ScoreChangeSerializer(many=True)), operation_id="changes_list"
    )
)
class ChangeFeed(ReadOnlyListView):
    """All score changes, newest first, a keyset page at a time (follow ``next``, a cursor);
    ``since`` keeps the changes at or after a moment, ``cause`` one kind of change."""

    serializer_class = serializers.ScoreChangeSerializer
    filterset_class = filters.ScoreChangeFilterSet
    queryset = ScoreChange.objects.select_related("model", "methodology")
    ordering = ["-changed_at", "-id"]


@extend_schema_view(
    get=extend_schema(
        responses=documented(serializers.OrganizationSerializer(many=True)),
        operation_id="organizations_list",
    )
)
class OrganizationList(ReadOnlyListView):
    """Organizations with their number of indexed models and mean total."""

    serializer_class = serializers.OrganizationSerializer
    filterset_class = filters.OrganizationFilterSet
    queryset = Score.objects.none()  # names the model to the schema; the rows are the current scores
    ordering = ["organization_name"]

    def get_queryset(self):
        return selectors.scores_current().exclude(organization_name="")

    def read(self, request, *args, **kwargs):
        rows = (
            self.filter_queryset(self.get_queryset())
            .values("organization_name")
            .annotate(
                models=Count("id"), mean_total=Avg("total"), open_weights=Count("id", filter=Q(weights=OPEN))
            )
            .order_by("organization_name")
        )
        paginator = KeysetPagination(self.ordering)
        page = paginator.paginate_queryset(rows, request, self)
        data = [
            {
                "name": r["organization_name"],
                "models": r["models"],
                "mean_total": round(r["mean_total"], 1),
                "open_weights": r["open_weights"],
                "url": request.build_absolute_uri(
                    f"/api/v1/models/?organization={r['organization_name']}&show=all"
                ),
            }
            for r in page
        ]
        return paginator.get_paginated_response(serializers.OrganizationSerializer(data, many=True).data)


@extend_schema_view(
    get=extend_schema(
        responses=documented(serializers.DatasetSerializer(many=True)), operation_id="datasets_list"
    )
)
class DatasetList(ReadOnlyListView):
    """Training datasets named by model cards, with what the Hub says about them."""

    serializer_class = serializers.DatasetSerializer
    filterset_class = filters.DatasetFilterSet
    queryset = Dataset.objects.all()
    ordering = ["repo_id", "id"]


@extend_schema_view(
    get=extend_schema(
        responses=documented(serializers.DatasetSerializer, not_found=True), operation_id="datasets_retrieve"
    )
)
class DatasetDetail(ReadOnlyAPIView):
    serializer_class = serializers.DatasetSerializer

    def read(self, request, dataset_id: str):
        dataset = Dataset.objects.filter(repo_id=dataset_id).first()
        if dataset is None:
            raise Http404(f"no dataset {dataset_id} in the catalog")
        return Response(serializers.DatasetSerializer(dataset).data)


@extend_schema_view(
    get=extend_schema(
        responses=documented(serializers.CodeRepositorySerializer(many=True)),
        operation_id="repositories_list",
    )
)
class RepositoryList(ReadOnlyListView):
    """Code repositories linked from model cards, with the training code found in them."""

    serializer_class = serializers.CodeRepositorySerializer
    filterset_class = filters.CodeRepositoryFilterSet
    queryset = CodeRepository.objects.select_related("canonical")
    ordering = ["full_name", "id"]


@extend_schema_view(
    get=extend_schema(
        responses=documented(serializers.CodeRepositorySerializer, not_found=True),
        operation_id="repositories_retrieve",
    )
)
class RepositoryDetail(ReadOnlyAPIView):
    serializer_class = serializers.CodeRepositorySerializer

    def read(self, request, owner: str, name: str):
        repository = (
            CodeRepository.objects.select_related("canonical")
            .filter(full_name=f"{owner}/{name}".lower())
            .first()
        )
        if repository is None:
            raise Http404(f"no repository {owner}/{name} in the catalog")
        return Response(serializers.CodeRepositorySerializer(repository).data)


@extend_schema_view(
    get=extend_schema(
        responses=documented(serializers.LicenseSerializer(many=True)), operation_id="licenses_list"
    )
)
class LicenseList(ReadOnlyListView):
    """The license knowledge base: one entry per license, its attributes and grade."""

    serializer_class = serializers.LicenseSerializer
    filterset_class = filters.LicenseFilterSet
    queryset = License.objects.all()
    ordering = ["key"]


@extend_schema_view(
    get=extend_schema(
        responses=documented(serializers.LicenseSerializer, not_found=True), operation_id="licenses_retrieve"
    )
)
class LicenseDetail(ReadOnlyAPIView):
    serializer_class = serializers.LicenseSerializer

    def read(self, request, key: str):
        entry = License.objects.filter(key=key).first()
        if entry is None:
            raise Http404(f"no license {key} in the knowledge base")
        return Response(serializers.LicenseSerializer(entry).data)


@extend_schema_view(
    get=extend_schema(
        responses=documented(
            inline_serializer(
                "MethodologyVersions", {"results": serializers.MethodologySerializer(many=True)}
            )
        ),
        operation_id="methodology_list",
    )
)
class MethodologyList(ReadOnlyAPIView):
    """Published methodology versions, newest first (a handful: one page, no filters)."""

    serializer_class = serializers.MethodologySerializer

    def read(self, request):
        selectors.current_methodology()
        rows = MethodologyVersion.objects.order_by("-published_on", "-id")
        return Response({"results": serializers.MethodologySerializer(rows, many=True).data})


@extend_schema_view(
    get=extend_schema(
        responses=documented(serializers.MethodologySerializer, not_found=True),
        operation_id="methodology_retrieve",
    )
)
class MethodologyDetail(ReadOnlyAPIView):
    serializer_class = serializers.MethodologySerializer

    def read(self, request, version: str):
        row = MethodologyVersion.objects.filter(version=version).first()
        if row is None:
            raise Http404(f"no methodology version {version}")
        return Response(serializers.MethodologySerializer(row).data)


@extend_schema_view(
    get=extend_schema(responses=documented(serializers.ExportSerializer), operation_id="export_retrieve")
)
class ExportInfo(ReadOnlyAPIView):
    """Where the full dump is, and under which license and citation it may be reused."""

    serializer_class = serializers.ExportSerializer

    def read(self, request):
        meta = export_meta(selectors.current_methodology().version)
        directory = Path(settings.EXPORT_DIR)
        files = []
        for name in ("openness-index.jsonl", "openness-index.csv"):
            path = directory / name
            if path.exists():
                files.append(
                    {
                        "name": name,
                        "url": request.build_absolute_uri(f"/data/{name}"),
                        "bytes": path.stat().st_size,
                        "modified": http_date(path.stat().st_mtime),
                    }
                )
        return Response(
            {"files": files, **{k: meta[k] for k in ("license", "license_url", "citation", "methodology")}}
        )


@extend_schema(exclude=True)
@api_view(["GET"])
def api_root(request):
    """/api/v1/: where everything is (it answered 404 before)."""
    names = {
        "models": "api-models",
        "changes": "api-changes",
        "organizations": "api-organizations",
        "datasets": "api-datasets",
        "repositories": "api-repositories",
        "licenses": "api-licenses",
        "methodology": "api-methodology",
        "export": "api-export",
        "schema": "api-schema",
        "docs": "api-docs",
    }
    links = {key: request.build_absolute_uri(reverse(name)) for key, name in names.items()}
    links["models_as_of"] = request.build_absolute_uri("/api/v1/as-of/") + "{YYYY-MM-DD}/"
    return Response(links)
