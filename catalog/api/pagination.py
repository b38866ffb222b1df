"""Keyset (cursor) pagination for any ordering the shared FilterSet offers.

The cursor holds the ordering values of the last row sent; the next page is the rows
strictly after it in that ordering (ties broken by the unique tail of the ordering).
Cost does not grow with depth, and rows inserted meanwhile never shift a page. NULLs sort
last in either direction, on PostgreSQL and SQLite alike.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections import OrderedDict
from typing import Any

from django.db.models import F, Q, QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


def _encode(values: list[Any]) -> str:
    def plain(value: Any) -> Any:
        if isinstance(value, dt.datetime | dt.date):
            return {"t": value.isoformat()}
        return value

    raw = json.dumps([plain(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, size: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise ValidationError({"cursor": "invalid cursor: use the 'next' link of a previous page"}) from None
    if not isinstance(values, list) or len(values) != size:
        raise ValidationError({"cursor": "invalid cursor: it does not match this ordering"})
    out = []
    for value in values:
        if isinstance(value, dict) and set(value) == {"t"}:
            try:
                out.append(dt.datetime.fromisoformat(value["t"]))
            except (TypeError, ValueError):
                raise ValidationError({"cursor": "invalid cursor"}) from None
        else:
            out.append(value)
    return out


def order_nulls_last(ordering: list[str]) -> list:
    return [F(f[1:]).desc(nulls_last=True) if f.startswith("-") else F(f).asc(nulls_last=True) for f in ordering]


def after(ordering: list[str], values: list[Any]) -> Q:
    """Rows strictly after ``values`` in ``ordering`` (NULLs last)."""
    condition = Q(pk__in=[])
    equal = Q()
    for name, value in zip(ordering, values, strict=True):
        field = name.lstrip("-")
        descending = name.startswith("-")
        if value is None:
            step = Q(pk__in=[])  # nothing sorts after NULL in this column except the tie-breaking tail
            same = Q(**{f"{field}__isnull": True})
        else:
            beyond = Q(**{f"{field}__lt" if descending else f"{field}__gt": value})
            step = beyond | Q(**{f"{field}__isnull": True})
            same = Q(**{field: value})
        condition |= equal & step
        equal &= same
    return condition


class KeysetPagination(BasePagination):
    page_size_query_param = "page_size"
    cursor_query_param = "cursor"

    def __init__(self, ordering: list[str] | None = None) -> None:
        self.ordering = ordering

    def page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return DEFAULT_PAGE_SIZE
        try:
            size = int(raw)
        except ValueError:
            raise ValidationError({"page_size": f"must be an integer between 1 and {MAX_PAGE_SIZE}"}) from None
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise ValidationError({"page_size": f"must be an integer between 1 and {MAX_PAGE_SIZE}"})
        return size

    def paginate_queryset(self, queryset: QuerySet, request, view=None):
        ordering = self.ordering or list(getattr(view, "ordering", None) or ["pk"])
        size = self.page_size(request)
        cursor = request.query_params.get(self.cursor_query_param)
        if cursor:
            queryset = queryset.filter(after(ordering, _decode(cursor, len(ordering))))
        rows = list(queryset.order_by(*order_nulls_last(ordering))[: size + 1])
        self.has_next = len(rows) > size
        rows = rows[:size]
        self.request = request
        self.next_cursor = None
        if self.has_next and rows:
            last = rows[-1]
            self.next_cursor = _encode([last[f.lstrip("-")] if isinstance(last, dict) else getattr(last, f.lstrip("-"))
                                        for f in ordering])
        return rows

    def get_next_link(self) -> str | None:
        if not self.next_cursor:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, self.next_cursor)

    def get_first_link(self) -> str:
        return remove_query_param(self.request.build_absolute_uri(), self.cursor_query_param)

    def get_paginated_response(self, data) -> Response:
        return Response(OrderedDict([("next", self.get_next_link()), ("first", self.get_first_link()),
                                     ("results", data)]))

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri",
                         "description": "Link to the next page; null on the last page"},
                "first": {"type": "string", "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {"name": self.cursor_query_param, "required": False, "in": "query",
             "description": "Opaque cursor from a previous page's `next` link", "schema": {"type": "string"}},
            {"name": self.page_size_query_param, "required": False, "in": "query",
             "description": f"Results per page (1-{MAX_PAGE_SIZE}, default {DEFAULT_PAGE_SIZE})",
             "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE}},
        ]
