"""Keyset ("seek") conditions shared by the API's cursors and the leaderboard's deep pages.

NULLs sort last in either direction, the same on PostgreSQL and SQLite. Only columns that
can hold NULL get the NULLS LAST clause: on NOT NULL columns a plain ORDER BY lets
PostgreSQL walk the composite indexes instead of sorting.
"""

from __future__ import annotations

from collections.abc import Set
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import F, Model, Q


def nullable(model: type[Model], ordering: list[str]) -> set[str]:
    found = set()
    for name in ordering:
        try:
            if model._meta.get_field(name.lstrip("-")).null:
                found.add(name.lstrip("-"))
        except FieldDoesNotExist:  # an annotation (rank columns): never NULL
            pass
    return found


def order_expressions(model: type[Model], ordering: list[str]) -> list:
    maybe_null = nullable(model, ordering)
    out: list = []
    for name in ordering:
        field = name.lstrip("-")
        if field not in maybe_null:
            out.append(name)
        elif name.startswith("-"):
            out.append(F(field).desc(nulls_last=True))
        else:
            out.append(F(field).asc(nulls_last=True))
    return out


def after(ordering: list[str], values: list[Any], maybe_null: Set[str] = frozenset()) -> Q:
    """Rows strictly after ``values`` in ``ordering``.

    The first column also gets a plain range bound (``total <= v``): logically redundant,
    it is what lets PostgreSQL start an index scan at the seek point instead of filtering.
    """
    condition = Q(pk__in=[])
    equal = Q()
    for name, value in zip(ordering, values, strict=True):
        field = name.lstrip("-")
        descending = name.startswith("-")
        if value is None:
            step = Q(pk__in=[])  # nothing sorts after NULL in this column except the tie-breaking tail
            same = Q(**{f"{field}__isnull": True})
        else:
            step = Q(**{f"{field}__lt" if descending else f"{field}__gt": value})
            if field in maybe_null:
                step |= Q(**{f"{field}__isnull": True})
            same = Q(**{field: value})
        condition |= equal & step
        equal &= same
    first, first_value = ordering[0].lstrip("-"), values[0]
    if first_value is not None and first not in maybe_null:
        bound = Q(**{f"{first}__lte" if ordering[0].startswith("-") else f"{first}__gte": first_value})
        return bound & condition
    return condition


def row_values(row: Any, ordering: list[str]) -> list[Any]:
    return [row[f.lstrip("-")] if isinstance(row, dict) else getattr(row, f.lstrip("-")) for f in ordering]
