"""API representations. Every field is listed explicitly: internal notes, submitter details and
crawler bookkeeping never leak by accident."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog.models import CodeRepository, Dataset
from scoring import dimensions, selectors
from scoring.freshness import is_stale
from scoring.levels import LEVELS
from scoring.licenses import knowledge_base
from scoring.models import License, MethodologyVersion, Score, ScoreChange

LEVEL = serializers.ChoiceField(choices=LEVELS)
# (API field, Score column) of every dimension, in registry order: the "levels" object
LEVEL_FIELDS = tuple((d.api_field, d.column) for d in dimensions.ALL)


def levels_of(obj: Score) -> dict[str, str]:
    return {field: getattr(obj, column) for field, column in LEVEL_FIELDS}


class LevelsSerializer(serializers.Serializer):
    # one field per scoring.dimensions entry
    locals().update({field: serializers.ChoiceField(choices=LEVELS) for field, _ in LEVEL_FIELDS})


class CorrectedSerializer(serializers.Serializer):
    # one flag per scoring.dimensions entry
    locals().update(
        {
            field: serializers.BooleanField(
                help_text="True when an approved maintainer correction set this judgment "
                "(the model's page and detail show the crawled value beside it)"
            )
            for field, _ in LEVEL_FIELDS
        }
    )


API_FIELD_OF = {d.key: d.api_field for d in dimensions.ALL}


def corrected_of(keys) -> dict[str, bool]:
    return {field: key in keys for key, field in API_FIELD_OF.items()}


class ModelListPageSerializer(serializers.ListSerializer):
    """Reads, once per page, which cells an approved correction set (two small queries at most)."""

    def to_representation(self, data):
        items = list(data)
        self.child.context["corrected"] = selectors.corrected_dimensions(items)
        return super().to_representation(items)


class ModelListSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="repo_id", help_text="Hub repository id, the stable identifier")
    url = serializers.SerializerMethodField()
    organization = serializers.CharField(source="organization_name")
    levels = serializers.SerializerMethodField()
    license = serializers.SerializerMethodField()
    methodology = serializers.CharField(source="methodology.version")
    mof_class = serializers.SerializerMethodField()
    stale = serializers.SerializerMethodField(
        help_text="The last successful crawl is older than the freshness window (STALE_AFTER_DAYS)"
    )
    corrected = serializers.SerializerMethodField(
        help_text="Per dimension: whether an approved maintainer correction set the level"
    )

    class Meta:
        model = Score
        list_serializer_class = ModelListPageSerializer
        fields = (
            "id",
            "url",
            "organization",
            "total",
            "levels",
            "corrected",
            "unknown_count",
            "license",
            "mof_class",
            "osaid_ready",
            "is_derivative",
            "pipeline_tag",
            "modality",
            "downloads",
            "likes",
            "parameters",
            "released_at",
            "last_crawled_at",
            "stale",
            "methodology",
            "computed_at",
        )

    def get_url(self, obj: Score) -> str:
        request = self.context.get("request")
        path = f"/api/v1/models/{obj.repo_id}/"
        return request.build_absolute_uri(path) if request else path

    @extend_schema_field(LevelsSerializer)
    def get_levels(self, obj: Score) -> dict:
        return levels_of(obj)

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                "key": {"type": "string", "nullable": True},
                "declared": {"type": "string"},
                "conflict": {"type": "boolean"},
            },
        }
    )
    def get_license(self, obj: Score) -> dict:
        return {
            "key": obj.license_key or None,
            "declared": obj.license_label,
            "conflict": obj.has_license_conflict,
        }

    @extend_schema_field(
        {
            "type": "integer",
            "nullable": True,
            "enum": [1, 2, 3, None],
            "description": "MOF class (1 = Open Science); null when unclassified",
        }
    )
    def get_mof_class(self, obj: Score) -> int | None:
        return obj.mof_class or None

    def get_stale(self, obj: Score) -> bool:
        return is_stale(obj.last_crawled_at)

    @extend_schema_field(CorrectedSerializer)
    def get_corrected(self, obj: Score) -> dict[str, bool]:
        page = self.context.get("corrected")
        if page is not None:
            return corrected_of(page.get(obj.pk, frozenset()))
        return corrected_of(selectors.corrected_dimensions([obj]).get(obj.pk, frozenset()))

    def to_representation(self, obj: Score) -> dict:
        # The declared fields above document the shape (and drive the OpenAPI schema); this
        # builds the same dict directly: field-by-field serialisation cost more than the
        # query on the API's busiest endpoint.
        base = self.context.get("_models_base")
        if base is None:
            request = self.context.get("request")
            base = request.build_absolute_uri("/api/v1/models/") if request else "/api/v1/models/"
            self.context["_models_base"] = base
        version = self.context.get("methodology_version") or obj.methodology.version
        item = list_item(obj, base, version)
        item["corrected"] = self.get_corrected(obj)
        return item


def _iso(value) -> str | None:
    if value is None:
        return None
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def list_item(obj: Score, base: str, version: str) -> dict:
    return {
        "id": obj.repo_id,
        "url": f"{base}{obj.repo_id}/",
        "organization": obj.organization_name,
        "total": obj.total,
        "levels": levels_of(obj),
        "unknown_count": obj.unknown_count,
        "license": {
            "key": obj.license_key or None,
            "declared": obj.license_label,
            "conflict": obj.has_license_conflict,
        },
        "mof_class": obj.mof_class or None,
        "osaid_ready": obj.osaid_ready,
        "is_derivative": obj.is_derivative,
        "pipeline_tag": obj.pipeline_tag,
        "modality": obj.modality,
        "downloads": obj.downloads,
        "likes": obj.likes,
        "parameters": obj.parameters,
        "released_at": _iso(obj.released_at),
        "last_crawled_at": _iso(obj.last_crawled_at),
        "stale": is_stale(obj.last_crawled_at),
        "methodology": version,
        "computed_at": _iso(obj.computed_at),
    }


EVIDENCE_SCHEMA = {
    "type": "object",
    "properties": {
        "fact": {"type": "string"},
        "subject": {"type": "string"},
        "source_url": {"type": "string"},
        "revision": {"type": "string"},
        "fetched_at": {"type": "string"},
        "origin": {"type": "string"},
    },
}
JUDGMENT_SCHEMA = {
    "type": "object",
    "properties": {
        "level": {"type": "string", "enum": list(LEVELS)},
        "points": {"type": "number"},
        "rationale": {"type": "string"},
        "origin": {"type": "string", "enum": ["crawled", "inferred", "corrected"]},
        "evidence": {"type": "array", "items": EVIDENCE_SCHEMA},
        "details": {"type": "object"},
    },
}


class ModelDetailSerializer(ModelListSerializer):
    hub_url = serializers.SerializerMethodField()
    judgments = serializers.SerializerMethodField()
    license = serializers.SerializerMethodField()
    lineage = serializers.SerializerMethodField()
    sources = serializers.SerializerMethodField()
    mof = serializers.SerializerMethodField()
    osaid = serializers.SerializerMethodField()
    hub = serializers.SerializerMethodField()

    class Meta(ModelListSerializer.Meta):
        fields = (
            *ModelListSerializer.Meta.fields,
            "hub_url",
            "hub",
            "judgments",
            "lineage",
            "sources",
            "mof",
            "osaid",
        )

    def to_representation(self, obj: Score) -> dict:
        data = super().to_representation(obj)
        data.update(
            hub_url=self.get_hub_url(obj),
            hub=self.get_hub(obj),
            judgments=self.get_judgments(obj),
            license=self.get_license(obj),
            lineage=self.get_lineage(obj),
            sources=self.get_sources(obj),
            mof=self.get_mof(obj),
            osaid=self.get_osaid(obj),
        )
        return data

    def get_hub_url(self, obj: Score) -> str:
        return f"https://huggingface.co/{obj.repo_id}"

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                "sha": {"type": "string"},
                "gated": {"type": "string"},
                "private": {"type": "boolean"},
                "disabled": {"type": "boolean"},
                "placeholder": {"type": "boolean"},
                "missing_since": {"type": "string", "nullable": True},
                "retired_at": {"type": "string", "nullable": True},
                "retired_reason": {"type": "string", "enum": ["", "deleted", "private"]},
                "former_ids": {"type": "array", "items": {"type": "string"}},
                "library_name": {"type": "string"},
                "created_at": {"type": "string", "nullable": True},
                "last_modified": {"type": "string", "nullable": True},
            },
        }
    )
    def get_hub(self, obj: Score) -> dict:
        m = obj.model
        former_ids = self.context.get("former_ids")
        if former_ids is None:
            former_ids = sorted(m.aliases.values_list("repo_id", flat=True))
        iso = lambda value: value.isoformat() if value else None  # noqa: E731
        return {
            "sha": m.sha,
            "gated": m.gated,
            "private": m.private,
            "disabled": m.disabled,
            "placeholder": m.is_placeholder,
            "missing_since": iso(m.missing_since),
            # gone from the Hub (a complete pass did not list it; the Hub says deleted or private)
            "retired_at": iso(m.retired_at),
            "retired_reason": m.retired_reason,
            "former_ids": former_ids,  # renamed from
            "library_name": m.library_name,
            "created_at": iso(m.hub_created_at),
            "last_modified": iso(m.last_modified),
        }

    @extend_schema_field(CorrectedSerializer)
    def get_corrected(self, obj: Score) -> dict[str, bool]:
        # the detail has the judgments at hand: their origin says it
        judgments = obj.detail.judgments
        return corrected_of(
            {k for k, j in judgments.items() if isinstance(j, dict) and j.get("origin") == "corrected"}
        )

    @extend_schema_field({"type": "object", "additionalProperties": JUDGMENT_SCHEMA})
    def get_judgments(self, obj: Score) -> dict:
        return obj.detail.judgments

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                "key": {"type": "string", "nullable": True},
                "declared": {"type": "string"},
                "conflict": {"type": "string", "nullable": True},
                "grade": {"type": "string", "nullable": True},
                "attributes": {"type": "object", "nullable": True},
                "restrictions": {"type": "array", "items": {"type": "string"}},
                "text_url": {"type": "string", "nullable": True},
            },
        }
    )
    def get_license(self, obj: Score) -> dict:
        entry = knowledge_base().entries.get(obj.license_key) if obj.license_key else None
        return {
            "key": obj.license_key or None,
            "declared": obj.license_label,
            "conflict": obj.detail.license_conflict or None,
            "grade": obj.license,
            "attributes": entry.attributes if entry else None,
            "restrictions": entry.restrictions() if entry else [],
            "text_url": entry.text_url if entry else None,
        }

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                "bases": {"type": "array", "items": {"type": "object"}},
                "derivatives": {"type": "integer"},
            },
        }
    )
    def get_lineage(self, obj: Score) -> dict:
        return {
            "bases": obj.detail.sources.get("bases", []),
            "derivatives": self.context.get("derivatives", 0),
        }

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                "datasets": {"type": "array", "items": {"type": "object"}},
                "repositories": {"type": "array", "items": {"type": "object"}},
                "papers": {"type": "array", "items": {"type": "string"}},
            },
        }
    )
    def get_sources(self, obj: Score) -> dict:
        sources = obj.detail.sources
        return {k: sources.get(k, []) for k in ("datasets", "repositories", "papers")}

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                "class": {"type": "integer", "nullable": True},
                "progress": {"type": "object"},
                "missing_for_next_class": {"type": "array", "items": {"type": "string"}},
                "ceiling": {
                    "type": "integer",
                    "nullable": True,
                    "description": "The highest class reachable if what the index does not read is open",
                },
                "not_read": {"type": "array", "items": {"type": "string"}},
            },
        }
    )
    def get_mof(self, obj: Score) -> dict:
        return {
            "class": obj.mof_class or None,
            "progress": obj.detail.mof_progress,
            "missing_for_next_class": obj.detail.mof_missing,
            "ceiling": obj.detail.mof_ceiling or None,
            "not_read": obj.detail.mof_unread,
        }

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                "ready": {"type": "boolean"},
                "failing": {"type": "array", "items": {"type": "string"}},
            },
        }
    )
    def get_osaid(self, obj: Score) -> dict:
        return {"ready": obj.osaid_ready, "failing": obj.detail.osaid_failing}


class ScoreChangeSerializer(serializers.ModelSerializer):
    model = serializers.CharField(source="model.repo_id")
    methodology = serializers.CharField(source="methodology.version")
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField()

    class Meta:
        model = ScoreChange
        fields = ("id", "model", "methodology", "changed_at", "cause", "old", "new")


class ModelStateSerializer(serializers.ModelSerializer):
    """A model's judgments and total as the index showed them at the end of the requested day."""

    model = serializers.CharField(source="repo_id", help_text="Hub repository id")
    rank = serializers.SerializerMethodField(help_text="Competition rank by total on that day")
    total = serializers.FloatField(source="total_then")
    levels = serializers.SerializerMethodField()
    methodology = serializers.CharField(source="methodology.version", help_text="In force when recorded")
    recorded_at = serializers.DateTimeField(source="changed_at", help_text="When this state was recorded")

    class Meta:
        model = ScoreChange
        fields = ("model", "rank", "total", "levels", "methodology", "recorded_at", "cause")

    def get_rank(self, obj) -> int | None:
        return self.context["ranks"].get(obj.total_then, (None, False))[0]

    @extend_schema_field(LevelsSerializer)
    def get_levels(self, obj) -> dict:
        return {field: obj.new.get(field, "unknown") for field, _ in LEVEL_FIELDS}


class OrganizationSerializer(serializers.Serializer):
    name = serializers.CharField()
    models = serializers.IntegerField()
    mean_total = serializers.FloatField()
    open_weights = serializers.IntegerField(help_text="Models whose weights are open")
    url = serializers.CharField()


class DatasetSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="repo_id")

    class Meta:
        model = Dataset
        fields = (
            "id",
            "source",
            "url",
            "status",
            "gated",
            "private",
            "license_declared",
            "size_category",
            "resolution_error",
            "crawled_at",
        )


class CodeRepositorySerializer(serializers.ModelSerializer):
    canonical = serializers.SerializerMethodField()

    class Meta:
        model = CodeRepository
        fields = (
            "full_name",
            "host",
            "url",
            "status",
            "canonical",
            "classification",
            "evidence_paths",
            "license_spdx",
            "license_name",
            "archived",
            "default_branch",
            "pushed_at",
            "tree_truncated",
            "crawled_at",
        )

    def get_canonical(self, obj: CodeRepository) -> str | None:
        return obj.canonical.full_name if obj.canonical_id else None


class LicenseSerializer(serializers.ModelSerializer):
    class Meta:
        model = License
        fields = (
            "key",
            "spdx_id",
            "name",
            "hub_tag",
            "kind",
            "grade",
            "grade_reason",
            "attributes",
            "restrictions",
            "aliases",
            "text_url",
            "notes",
        )


class MethodologySerializer(serializers.ModelSerializer):
    class Meta:
        model = MethodologyVersion
        fields = ("version", "name", "published_on", "weights", "changelog", "is_current")


class ErrorBodySerializer(serializers.Serializer):
    status = serializers.IntegerField()
    code = serializers.CharField()
    message = serializers.CharField()
    details = serializers.JSONField(allow_null=True)


class ErrorSerializer(serializers.Serializer):
    """Every error answer: {"error": {"status", "code", "message", "details"}}."""

    error = ErrorBodySerializer()


class ExportSerializer(serializers.Serializer):
    files = serializers.ListField(child=serializers.DictField())
    license = serializers.CharField()
    license_url = serializers.CharField()
    citation = serializers.CharField()
    methodology = serializers.CharField()
