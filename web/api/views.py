"""The read-only REST API, v1: thin views over selectors, shared filters, keyset pages.

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
from django.http import Http404
from django.utils.http import http_date, parse_http_date_safe
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from catalog.models import CodeRepository, Dataset, LineageEdge
from scoring import selectors
from scoring.filters import ScoreFilterSet
from scoring.levels import OPEN
from scoring.models import License, MethodologyVersion, Score, ScoreChange
from web.api import serializers
from web.api.pagination import KeysetPagination
from web.exports import export_meta

COMMON = {"cursor", "page_size", "format"}
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
    """GET only, unknown parameters refused, conditional requests answered early."""

    allowed_parameters: set[str] = set()
    http_method_names = ["get", "head", "options"]

    def check_parameters(self, request) -> None:
        unknown = sorted(set(request.query_params) - self.allowed_parameters - COMMON)
        if unknown:
            raise ValidationError(
                {
                    "unknown_parameters": [
                        f"'{name}' is not a filter of this endpoint; known: "
                        f"{', '.join(sorted(self.allowed_parameters)) or 'none'}"
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


class ModelList(ReadOnlyAPIView):
    """Models with their four judgments and total; filters are the leaderboard's."""

    serializer_class = serializers.ModelListSerializer
    pagination_class = KeysetPagination  # documents the page envelope; the views paginate themselves
    allowed_parameters = ScoreFilterSet.known_parameters()

    @extend_schema(
        parameters=FILTER_PARAMETERS,
        responses=documented(serializers.ModelListSerializer(many=True)),
        operation_id="models_list",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def read(self, request, *args, **kwargs):
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


class ModelDetail(ReadOnlyAPIView):
    """One model by Hub repository id: judgments with rationale, evidence and origin; lineage;
    license attributes; MOF class; OSAID readiness."""

    serializer_class = serializers.ModelDetailSerializer

    @extend_schema(
        responses=documented(serializers.ModelDetailSerializer, not_found=True),
        operation_id="models_retrieve",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def read(self, request, owner: str, name: str):
        repo_id = f"{owner}/{name}"
        score = (
            Score.objects.select_related("detail", "model", "methodology")
            .filter(methodology=selectors.current_methodology(), repo_id=repo_id)
            .first()
        )
        if score is None:
            raise Http404(f"{repo_id} is not in the index")
        derivatives = LineageEdge.objects.filter(parent_id=score.model_id).count()
        return Response(
            serializers.ModelDetailSerializer(
                score, context={"request": request, "derivatives": derivatives}
            ).data
        )


class ModelHistory(ReadOnlyAPIView):
    """Every change of one model's judgments or total, newest first."""

    serializer_class = serializers.ScoreChangeSerializer
    pagination_class = KeysetPagination  # documents the page envelope; the views paginate themselves

    @extend_schema(
        responses=documented(serializers.ScoreChangeSerializer(many=True), not_found=True),
        operation_id="models_history",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def read(self, request, owner: str, name: str):
        queryset = ScoreChange.objects.filter(model__repo_id=f"{owner}/{name}").select_related(
            "model", "methodology"
        )
        if not Score.objects.filter(repo_id=f"{owner}/{name}").exists():
            raise Http404(f"{owner}/{name} is not in the index")
        return _paginated(self, request, queryset, ["-changed_at", "-id"], serializers.ScoreChangeSerializer)


class ChangeFeed(ReadOnlyAPIView):
    """All score changes in the order they happened; ``since`` starts the feed at a moment."""

    serializer_class = serializers.ScoreChangeSerializer
    pagination_class = KeysetPagination  # documents the page envelope; the views paginate themselves
    allowed_parameters = {"since", "cause"}

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "since", OpenApiTypes.DATETIME, description="ISO 8601; changes at or after this moment"
            ),
            OpenApiParameter("cause", OpenApiTypes.STR, enum=[c for c, _ in ScoreChange.CAUSES]),
        ],
        responses=documented(serializers.ScoreChangeSerializer(many=True)),
        operation_id="changes_list",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def read(self, request):
        queryset = ScoreChange.objects.select_related("model", "methodology")
        since = request.query_params.get("since")
        if since:
            try:
                moment = dt.datetime.fromisoformat(since.replace("Z", "+00:00"))
            except ValueError:
                raise ValidationError(
                    {"since": "must be an ISO 8601 date or date-time, e.g. 2026-11-01T00:00:00Z"}
                ) from None
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=dt.UTC)
            queryset = queryset.filter(changed_at__gte=moment)
        cause = request.query_params.get("cause")
        if cause:
            if cause not in dict(ScoreChange.CAUSES):
                raise ValidationError({"cause": f"must be one of {', '.join(dict(ScoreChange.CAUSES))}"})
            queryset = queryset.filter(cause=cause)
        return _paginated(self, request, queryset, ["changed_at", "id"], serializers.ScoreChangeSerializer)


class OrganizationList(ReadOnlyAPIView):
    """Organizations with their number of indexed models and mean total."""

    serializer_class = serializers.OrganizationSerializer
    pagination_class = KeysetPagination  # documents the page envelope; the views paginate themselves
    allowed_parameters = {"q"}

    @extend_schema(
        parameters=[OpenApiParameter("q", OpenApiTypes.STR, description="name contains")],
        responses=documented(serializers.OrganizationSerializer(many=True)),
        operation_id="organizations_list",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def read(self, request):
        queryset = selectors.scores_current().exclude(organization_name="")
        if request.query_params.get("q"):
            queryset = queryset.filter(organization_name__icontains=request.query_params["q"][:96])
        rows = (
            queryset.values("organization_name")
            .annotate(
                models=Count("id"), mean_total=Avg("total"), open_weights=Count("id", filter=Q(weights=OPEN))
            )
            .order_by("organization_name")
        )
        paginator = KeysetPagination(["organization_name"])
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


class DatasetList(ReadOnlyAPIView):
    """Training datasets named by model cards, with what the Hub says about them."""

    serializer_class = serializers.DatasetSerializer
    pagination_class = KeysetPagination  # documents the page envelope; the views paginate themselves
    allowed_parameters = {"status", "source", "q"}

    @extend_schema(
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR),
            OpenApiParameter("source", OpenApiTypes.STR),
            OpenApiParameter("q", OpenApiTypes.STR, description="id contains"),
        ],
        responses=documented(serializers.DatasetSerializer(many=True)),
        operation_id="datasets_list",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def read(self, request):
        queryset = Dataset.objects.all()
        for field in ("status", "source"):
            if request.query_params.get(field):
                queryset = queryset.filter(**{field: request.query_params[field][:32]})
        if request.query_params.get("q"):
            queryset = queryset.filter(repo_id__icontains=request.query_params["q"][:100])
        return _paginated(self, request, queryset, ["repo_id", "id"], serializers.DatasetSerializer)


class DatasetDetail(ReadOnlyAPIView):
    serializer_class = serializers.DatasetSerializer

    @extend_schema(
        responses=documented(serializers.DatasetSerializer, not_found=True), operation_id="datasets_retrieve"
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def read(self, request, dataset_id: str):
        dataset = Dataset.objects.filter(repo_id=dataset_id).first()
        if dataset is None:
            raise Http404(f"no dataset {dataset_id} in the catalog")
        return Response(serializers.DatasetSerializer(dataset).data)


class RepositoryList(ReadOnlyAPIView):
    """Code repositories linked from model cards, with the training code found in them."""

    serializer_class = serializers.CodeRepositorySerializer
    pagination_class = KeysetPagination  # documents the page envelope; the views paginate themselves
    allowed_parameters = {"status", "classification", "q"}

    @extend_schema(
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR),
            OpenApiParameter("classification", OpenApiTypes.STR),
            OpenApiParameter("q", OpenApiTypes.STR, description="owner/name contains"),
        ],
        responses=documented(serializers.CodeRepositorySerializer(many=True)),
        operation_id="repositories_list",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def read(self, request):
        queryset = CodeRepository.objects.select_related("canonical")
        for field in ("status", "classification"):
            if request.query_params.get(field):
                queryset = queryset.filter(**{field: request.query_params[field][:32]})
        if request.query_params.get("q"):
            queryset = queryset.filter(full_name__icontains=request.query_params["q"][:100].lower())
        return _paginated(self, request, queryset, ["full_name", "id"], serializers.CodeRepositorySerializer)


class RepositoryDetail(ReadOnlyAPIView):
    serializer_class = serializers.CodeRepositorySerializer

    @extend_schema(
        responses=documented(serializers.CodeRepositorySerializer, not_found=True),
        operation_id="repositories_retrieve",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def read(self, request, owner: str, name: str):
        repository = (
            CodeRepository.objects.select_related("canonical")
            .filter(full_name=f"{owner}/{name}".lower())
            .first()
        )
        if repository is None:
            raise Http404(f"no repository {owner}/{name} in the catalog")
        return Response(serializers.CodeRepositorySerializer(repository).data)


class LicenseList(ReadOnlyAPIView):
    """The license knowledge base: one entry per license, its attributes and grade."""

    serializer_class = serializers.LicenseSerializer
    pagination_class = KeysetPagination  # documents the page envelope; the views paginate themselves
    allowed_parameters = {"grade", "kind"}

    @extend_schema(
        parameters=[OpenApiParameter("grade", OpenApiTypes.STR), OpenApiParameter("kind", OpenApiTypes.STR)],
        responses=documented(serializers.LicenseSerializer(many=True)),
        operation_id="licenses_list",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def read(self, request):
        queryset = License.objects.all()
        for field in ("grade", "kind"):
            if request.query_params.get(field):
                queryset = queryset.filter(**{field: request.query_params[field][:32]})
        return _paginated(self, request, queryset, ["key"], serializers.LicenseSerializer)


class LicenseDetail(ReadOnlyAPIView):
    serializer_class = serializers.LicenseSerializer

    @extend_schema(
        responses=documented(serializers.LicenseSerializer, not_found=True), operation_id="licenses_retrieve"
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def read(self, request, key: str):
        entry = License.objects.filter(key=key).first()
        if entry is None:
            raise Http404(f"no license {key} in the knowledge base")
        return Response(serializers.LicenseSerializer(entry).data)


class MethodologyList(ReadOnlyAPIView):
    """Published methodology versions, newest first."""

    serializer_class = serializers.MethodologySerializer

    @extend_schema(
        responses=documented(
            inline_serializer(
                "MethodologyVersions", {"results": serializers.MethodologySerializer(many=True)}
            )
        ),
        operation_id="methodology_list",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def read(self, request):
        selectors.current_methodology()
        rows = MethodologyVersion.objects.order_by("-published_on", "-id")
        return Response({"results": serializers.MethodologySerializer(rows, many=True).data})


class MethodologyDetail(ReadOnlyAPIView):
    serializer_class = serializers.MethodologySerializer

    @extend_schema(
        responses=documented(serializers.MethodologySerializer, not_found=True),
        operation_id="methodology_retrieve",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def read(self, request, version: str):
        row = MethodologyVersion.objects.filter(version=version).first()
        if row is None:
            raise Http404(f"no methodology version {version}")
        return Response(serializers.MethodologySerializer(row).data)


class ExportInfo(ReadOnlyAPIView):
    """Where the full dump is, and under which license and citation it may be reused."""

    serializer_class = serializers.ExportSerializer

    @extend_schema(responses=documented(serializers.ExportSerializer), operation_id="export_retrieve")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

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
