"""The one FilterSet behind the leaderboard page, the CSV/JSON downloads and the REST API.

A filter means the same thing everywhere. Parameters it does not know, and values it
cannot parse, are reported (the API answers 400 with the message; the page shows it).
"""

from __future__ import annotations

import copy
import hashlib
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet

from catalog.choices import Modality
from scoring import dimensions, search
from scoring.levels import LEVEL_CHOICES
from scoring.models import Score

# sort key -> order_by fields (a deterministic tiebreak always follows); one level sort per dimension
SORTS = {
    "total": ("-total",),
    "name": ("repo_id",),
    "organization": ("organization_name",),
    **{d.sort_key: (f"-{d.rank}", "-total") for d in dimensions.ALL},
    "mof": ("-mof_rank", "-total"),
    "downloads": ("-downloads",),
    "likes": ("-likes",),
    "parameters": ("-parameters",),
    "released": ("-released_at",),
    "crawled": ("-last_crawled_at",),
    "relevance": ("search_rank", "-downloads"),
}
DEFAULT_SORT = "total"
RELEVANCE = "relevance"  # the default with a search; ``search_rank`` is annotated by the q filter
TIEBREAK = ("repo_id", "id")
DERIVATIVE_CHOICES = [("base", "base models only"), ("derivative", "derivatives only")]
SHOW_CHOICES = [("notable", "notable models"), ("all", "all models")]
MAX_QUERY_LENGTH = 100


def _explain_choices(name: str, field: Any) -> None:
    """Plain-words empty choices and error messages that list the valid values."""
    if isinstance(field, forms.ChoiceField):
        choices: list[tuple[Any, Any]] = list(field.choices)  # type: ignore[arg-type]  # flat lists here
        if name != "show":
            # the sort's empty choice is not "any" order: it is the default one
            empty = "default (relevance with a search, else total)" if name == "sort" else "any"
            field.choices = choices = [
                ("", empty) if value == "" else (value, label) for value, label in choices
            ]
            # the list now starts with its own empty choice: django-filter's iterator would
            # otherwise put its "---------" before it again
            field.empty_label = None  # type: ignore[attr-defined]  # django-filter's ChoiceField
        values = [str(value) for value, _ in choices if value != ""]
        shown = ", ".join(values[:12]) + (", ..." if len(values) > 12 else "")
        field.error_messages["invalid_choice"] = f"“%(value)s” is not one of the choices ({shown})"
    elif isinstance(field, forms.DateField):
        field.error_messages["invalid"] = "not a date; write it as YYYY-MM-DD"
    elif isinstance(field, forms.DecimalField | forms.IntegerField | forms.FloatField):
        field.error_messages["invalid"] = "not a whole number"


def level_filters(*, first: str) -> dict[str, django_filters.ChoiceFilter]:
    """One level filter per dimension, in registry order except that dimension ``first`` leads."""
    ordered = sorted(dimensions.ALL, key=lambda d: d.key != first)
    return {
        d.filter_name: django_filters.ChoiceFilter(
            field_name=d.column, choices=LEVEL_CHOICES, label=d.filter_label
        )
        for d in ordered
    }


def sort_choices() -> list[tuple[str, str]]:
    out = []
    for key in SORTS:
        label = key.replace("_", " ")
        if key == RELEVANCE:  # best match first; its reverse helps nobody
            out.append((key, "relevance (with a search)"))
            continue
        out += [(key, label), (f"-{key}", f"{label} (reversed)")]
    return out


class _ReadOnlyFields(dict):
    """A form class's fields, shared by its forms instead of deep-copied into each: these forms
    are only validated, and the leaderboard renders them from the fields' data, so no request
    changes a field. The copies cost more than validating (this form serves every board and
    API list request)."""

    def __deepcopy__(self, memo: dict) -> dict:
        return dict(self)


class _ShallowFilters(dict):
    """A FilterSet class's filters, copied shallowly into each FilterSet rather than deeply
    (django-filter's default): a copy only gets its own ``parent`` and ``model``, and its
    ``method`` rebound so that it calls the new FilterSet's method."""

    def __deepcopy__(self, memo: dict) -> dict:
        copies = {}
        for name, original in self.items():
            duplicate = copy.copy(original)
            if original.method is not None:
                duplicate.method = original.method  # a FilterMethod bound to the copy
            copies[name] = duplicate
        return copies


class ScoreFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="search",
        max_length=MAX_QUERY_LENGTH,
        label="Search model, organization or licence (every word, any case)",
    )
    show = django_filters.ChoiceFilter(
        choices=SHOW_CHOICES, method="filter_show", empty_label=None, label="Show"
    )
    modality = django_filters.ChoiceFilter(choices=[c for c in Modality.choices if c[0]], label="Modality")
    pipeline_tag = django_filters.CharFilter(max_length=64, label="Task (pipeline tag)")
    organization = django_filters.CharFilter(
        method="filter_organization", max_length=96, label="Organization"
    )
    license = django_filters.CharFilter(method="filter_license", max_length=100, label="License")
    # the level filters, from scoring.dimensions; the license grade keeps its place beside the
    # license key (declaration order is the order of the leaderboard's form)
    locals().update(level_filters(first=dimensions.LICENSE))
    mof_class = django_filters.ChoiceFilter(
        choices=[("1", "Class I"), ("2", "Class II"), ("3", "Class III"), ("0", "unclassified")],
        method="filter_mof",
        label="MOF class",
    )
    osaid_ready = django_filters.ChoiceFilter(
        choices=[("true", "yes"), ("false", "no")], method="filter_osaid", label="OSAID ready"
    )
    lineage = django_filters.ChoiceFilter(
        choices=DERIVATIVE_CHOICES, method="filter_lineage", label="Lineage"
    )
    min_downloads = django_filters.NumberFilter(
        field_name="downloads", lookup_expr="gte", min_value=0, label="At least this many downloads (30 days)"
    )
    released_after = django_filters.DateFilter(
        field_name="released_at", lookup_expr="date__gte", label="Released on or after"
    )
    released_before = django_filters.DateFilter(
        field_name="released_at", lookup_expr="date__lte", label="Released on or before"
    )
    sort = django_filters.ChoiceFilter(choices=sort_choices(), method="no_op", label="Sort by")

    class Meta:
        model = Score
        fields: list[str] = []

    def __init__(self, data=None, *args, **kwargs):
        data = data.copy() if data is not None else {}
        if hasattr(data, "setdefault"):
            data.setdefault("show", "notable")
        super().__init__(data, *args, **kwargs)

    @classmethod
    def get_filters(cls) -> dict:
        return _ShallowFilters(super().get_filters())

    def get_form_class(self):
        """The form class, built once per FilterSet class: its fields' choices and messages do
        not depend on the request, and building them (ten choice fields, a class) cost about
        as much as the rest of an API list request. Each form still copies its own fields."""
        cls = type(self)
        built = cls.__dict__.get("_form_class_built")
        if built is None:
            fields = {name: copy.deepcopy(f).field for name, f in cls.base_filters.items()}
            for name, field in fields.items():
                _explain_choices(name, field)
            built = type(f"{cls.__name__}Form", (cls._meta.form,), fields)
            built.base_fields = _ReadOnlyFields(built.base_fields)
            cls._form_class_built = built
        return built

    # --- methods ---------------------------------------------------------------------
    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Every word in the id, organization or licence, in any case and with or without
        separators; ranked by relevance when no sort is chosen (see scoring.search)."""
        condition = search.matches(value)
        if condition is None:
            return queryset
        return queryset.filter(condition).annotate(search_rank=search.relevance(value))

    def filter_organization(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """An organization in any case ("AllenAI" finds allenai): the names are resolved on the
        small organization table (and the answer cached), so the leaderboard keeps its
        (organization, total) index."""
        from django.core.cache import cache

        from catalog.models import Organization

        value = value.strip()
        key = "org-spellings:" + hashlib.sha256(value.lower().encode()).hexdigest()[:24]
        names = cache.get(key)
        if names is None:
            names = list(Organization.objects.filter(name__iexact=value).values_list("name", flat=True)[:10])
            cache.set(key, names, 300)
        return queryset.filter(organization_name__in=names or [value])

    def filter_license(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """A license by key, Hub tag, alias or family, in any case: "apache-2.0" finds Apache-2.0,
        "llama" every Llama license, "llama 3" the Llama 3, 3.1, 3.2 and 3.3 licenses."""
        from scoring.licenses import license_keys_matching

        return queryset.filter(license_key__in=license_keys_matching(value) or [value.strip()])

    def filter_show(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(is_notable=True) if value == "notable" else queryset

    def filter_lineage(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(is_derivative=value == "derivative")

    def filter_mof(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(mof_class=int(value))

    def filter_osaid(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(osaid_ready=value == "true")

    def no_op(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset

    # --- helpers used by the views -------------------------------------------------------
    @classmethod
    def known_parameters(cls) -> set[str]:
        return set(cls.base_filters)

    def sort_key(self) -> str:
        """The chosen sort; with a search and no sort chosen, relevance. Relevance without a
        search means nothing and falls back to the default."""
        valid = self.is_bound and self.form.is_valid()
        value = self.form.cleaned_data.get("sort") if valid else None
        searching = valid and bool(search.groups(self.form.cleaned_data.get("q") or ""))
        if value == RELEVANCE and not searching:
            value = None
        return value or (RELEVANCE if searching else DEFAULT_SORT)

    def ordering(self) -> list[str]:
        """The sort, then the tiebreak; a reversed sort is the exact reverse, tiebreak included,
        so the same indexes serve it (walked backwards)."""
        key = self.sort_key()
        fields = list(SORTS[key.lstrip("-")])
        fields += [f for f in TIEBREAK if f not in fields]
        if key.startswith("-"):
            fields = [f[1:] if f.startswith("-") else f"-{f}" for f in fields]
        return fields

    def error_messages(self) -> list[str]:
        """Each error as a sentence naming the filter by its label ("Sort by: ...")."""
        messages = []
        for field, errors in self.form.errors.items():
            label = self.form.fields[field].label if field in self.form.fields else field
            for error in errors:
                messages.append(f"{label}: {error}")
        return messages

    def api_errors(self) -> dict[str, list[str]]:
        """The errors keyed by query parameter, worded for people ("'bogus' is not one of ...")."""
        return {field: [str(e) for e in errors] for field, errors in self.form.errors.items()}
