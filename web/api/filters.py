"""The FilterSets of the API's list endpoints (the model list keeps ``scoring.filters.ScoreFilterSet``).

One FilterSet per list; the view names it as ``filterset_class`` and everything else derives
from it: the parameters the endpoint accepts (any other answers 400), the filtering (through
django-filter's DRF backend, whose validation error the API answers as a JSON 400) and the
parameters the OpenAPI schema documents. Adding a filter to a list is one line here.

Closed vocabularies are ``ChoiceFilter``s, so a value outside them is a 400 rather than an
empty 200; free text is bounded by ``max_length``, also a 400 beyond it.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import extend_schema_field

from catalog import choices
from catalog.models import CodeRepository, Dataset
from scoring.levels import LEVEL_CHOICES
from scoring.licenses import KINDS
from scoring.models import License, Score, ScoreChange
from web.selectors import end_of_day


def contains(field_name: str, max_length: int, label: str) -> filters.CharFilter:
    """Case-insensitive substring search; a value longer than ``max_length`` is a 400, and the
    schema documents that bound."""
    text = filters.CharFilter(
        field_name=field_name, lookup_expr="icontains", max_length=max_length, label=label
    )
    schema = {"type": "string", "maxLength": max_length, "description": label}
    return extend_schema_field(schema)(text)


class BoundedIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 moment between ``EARLIEST`` and ``LATEST``: outside, a 400 that names the range
    (a far-off year with a +14:00 offset overflowed the conversion to UTC: a 500)."""

    EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    LATEST = dt.datetime(2200, 1, 1, tzinfo=dt.UTC)

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
            in_range = self.EARLIEST <= aware.astimezone(dt.UTC) <= self.LATEST
        except OverflowError:
            in_range = False
        if not in_range:
            raise ValidationError(
                f"must lie between {self.EARLIEST:%Y-%m-%d} and {self.LATEST:%Y-%m-%d}", code="out_of_range"
            )
        return moment


class BoundedIsoDateTimeFilter(filters.IsoDateTimeFilter):
    field_class = BoundedIsoDateTimeField


DATASET_SOURCES = [("huggingface", "Hugging Face Hub"), ("external", "hosted outside the Hub")]


class ScoreChangeFilterSet(filters.FilterSet):
    """The change feed and one model's history."""

    since = BoundedIsoDateTimeFilter(
        field_name="changed_at",
        lookup_expr="gte",
        label="ISO 8601 date or date-time; changes at or after this moment (UTC when no offset)",
    )
    cause = filters.ChoiceFilter(choices=ScoreChange.CAUSES, label="What caused the change")
    as_of = filters.DateFilter(
        method="filter_as_of",
        label=(
            "YYYY-MM-DD: changes recorded by the end of this day (UTC); newest first, so the first "
            "change of a model's history is its state on that date"
        ),
    )

    class Meta:
        model = ScoreChange
        fields: list[str] = []

    def filter_as_of(self, queryset, name, value):
        return queryset.filter(changed_at__lt=end_of_day(value))


class OrganizationFilterSet(filters.FilterSet):
    """Organizations are grouped from the current scores, so this filters scores."""

    q = contains("organization_name", 96, "Name contains")

    class Meta:
        model = Score
        fields: list[str] = []


class DatasetFilterSet(filters.FilterSet):
    status = filters.ChoiceFilter(choices=choices.DatasetStatus.choices, label="Availability on the Hub")
    source = filters.ChoiceFilter(choices=DATASET_SOURCES, label="Where the dataset is hosted")
    q = contains("repo_id", 100, "Id contains")

    class Meta:
        model = Dataset
        fields: list[str] = []


class CodeRepositoryFilterSet(filters.FilterSet):
    status = filters.ChoiceFilter(choices=choices.RepoStatus.choices, label="Availability")
    classification = filters.ChoiceFilter(
        choices=choices.CodeClassification.choices, label="What code was found"
    )
    q = contains("full_name", 100, "owner/name contains")

    class Meta:
        model = CodeRepository
        fields: list[str] = []


class LicenseFilterSet(filters.FilterSet):
    grade = filters.ChoiceFilter(choices=LEVEL_CHOICES, label="Openness grade of the license")
    kind = filters.ChoiceFilter(
        choices=[(kind, kind) for kind in sorted(k for k in KINDS if k)], label="Kind of license"
    )

    class Meta:
        model = License
        fields: list[str] = []
