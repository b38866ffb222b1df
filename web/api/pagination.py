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
import math
from collections import OrderedDict
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from lib import keyset

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
    out: list[Any] = []
    for value in values:
        if isinstance(value, dict) and set(value) == {"t"}:
            try:
                out.append(dt.datetime.fromisoformat(value["t"]))
            except (TypeError, ValueError):
                raise ValidationError({"cursor": "invalid cursor"}) from None
        elif (
            value is None
            or isinstance(value, str | bool)
            or (isinstance(value, int) and abs(value) < 2**63)
            or (isinstance(value, float) and math.isfinite(value))
        ):
            out.append(value)
        else:  # a tampered cursor: nothing this API writes
            raise ValidationError({"cursor": "invalid cursor"})
    return out


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
            raise ValidationError(
                {"page_size": f"must be an integer between 1 and {MAX_PAGE_SIZE}"}
            ) from None
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise ValidationError({"page_size": f"must be an integer between 1 and {MAX_PAGE_SIZE}"})
        return size

    def paginate_queryset(self, queryset: QuerySet, request, view=None):  # type: ignore[override]
        ordering = self.ordering or list(getattr(view, "ordering", None) or ["pk"])
        size = self.page_size(request)
        cursor = request.query_params.get(self.cursor_query_param)
        model = getattr(queryset, "model", None)
        maybe_null = keyset.nullable(model, ordering) if model else set()
        if cursor:
            try:
                queryset = queryset.filter(keyset.after(ordering, _decode(cursor, len(ordering)), maybe_null))
            except (TypeError, ValueError, DjangoValidationError):  # a value of the wrong type for its column
                raise ValidationError({"cursor": "invalid cursor: it does not match this ordering"}) from None
        order = keyset.order_expressions(model, ordering) if model else ordering
        rows = list(queryset.order_by(*order)[: size + 1])
        self.has_next = len(rows) > size
        rows = rows[:size]
        self.request = request
        self.next_cursor = None
        if self.has_next and rows:
            last = rows[-1]
            self.next_cursor = _encode(keyset.row_values(last, ordering))
        return rows

    def get_next_link(self) -> str | None:
        if not self.next_cursor:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, self.next_cursor)

    def get_first_link(self) -> str:
        return remove_query_param(self.request.build_absolute_uri(), self.cursor_query_param)

    def get_paginated_response(self, data) -> Response:
        return Response(
            OrderedDict([("next", self.get_next_link()), ("first", self.get_first_link()), ("results", data)])
        )

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {
                    "type": "string",
                    "nullable": True,
                    "format": "uri",
                    "description": "Link to the next page; null on the last page",
                },
                "first": {"type": "string", "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "Opaque cursor from a previous page's `next` link",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": f"Results per page (1-{MAX_PAGE_SIZE}, default {DEFAULT_PAGE_SIZE})",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
            },
        ]
