"""Bulk upserts for the crawler's hot path, without building model instances.

``Model.objects.bulk_create`` spends most of its time preparing values field by field and
instantiating models; at hub scale (100,000 models, six evidence rows each) that dominated
discovery. Here rows are plain dicts, values are adapted once per column type, and the
statement is ``INSERT ... ON CONFLICT (...) DO UPDATE`` (or ``DO NOTHING``), which
PostgreSQL and SQLite both speak. On PostgreSQL the rows travel in multi-row VALUES lists
(psycopg2's ``execute_values``); on SQLite through ``executemany``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models, transaction

PAGE = 1000
COPY_THRESHOLD = 200  # from this many rows on, PostgreSQL gets them through COPY


class Json(str):
    """A value already serialised to JSON: written as is (callers that hash it serialise once)."""


def _json(value: Any) -> str | None:
    if value is None or isinstance(value, Json):
        return value
    return json.dumps(value, separators=(",", ":"), default=str)


def _adapter(field: models.Field):
    ops = connection.ops
    if isinstance(field, models.JSONField):
        return _json
    if isinstance(field, models.DateTimeField):
        return ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return ops.adapt_datefield_value
    return None


def complete(model: type[models.Model], rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with every concrete column present: Python-side defaults filled in (raw SQL skips them)."""
    # get_default() is what the ORM would write: the declared default, "" for text, else None
    defaults = {f.attname: f.get_default() for f in model._meta.concrete_fields if not f.primary_key}
    return [{**defaults, **row} for row in rows]


def upsert(
    model: type[models.Model],
    rows: Sequence[dict[str, Any]],
    *,
    conflict: Iterable[str],
    update: Iterable[str] | None = None,
) -> None:
    """Insert ``rows`` (dicts of column attnames), updating ``update`` columns on conflict.

    ``update=None`` or empty means ``DO NOTHING`` (keep what is there).
    """
    if not rows:
        return
    meta = model._meta
    rows = complete(model, rows)
    columns = list(rows[0])
    by_attname = {f.attname: f for f in meta.concrete_fields}
    fields = [by_attname[name] for name in columns]
    db_columns = [f.column for f in fields]
    adapters = [_adapter(f) for f in fields]
    conflict_columns = [by_attname.get(name, meta.get_field(name)).column for name in conflict]
    update_columns = [by_attname.get(name, meta.get_field(name)).column for name in (update or [])]
    quote = connection.ops.quote_name
    action = (
        "DO UPDATE SET " + ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in update_columns)
        if update_columns
        else "DO NOTHING"
    )
    # identifiers come from model metadata and are quoted; every value travels as a parameter
    head = f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(c) for c in db_columns)}) VALUES "  # noqa: S608
    tail = f" ON CONFLICT ({', '.join(quote(c) for c in conflict_columns)}) {action}"
    values = [
        tuple(
            a(row[c]) if a and row[c] is not None else row[c] for c, a in zip(columns, adapters, strict=True)
        )
        for row in rows
    ]
    # one transaction: the COPY staging table empties itself at commit
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(values) >= COPY_THRESHOLD:
            _copy_upsert(cursor.cursor, meta.db_table, db_columns, values, tail)
        elif connection.vendor == "postgresql":
            from psycopg2.extras import execute_values

            casts = ["%s::jsonb" if isinstance(f, models.JSONField) else "%s" for f in fields]
            execute_values(
                cursor.cursor, head + "%s" + tail, values, template=f"({', '.join(casts)})", page_size=PAGE
            )
        else:
            placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
            for start in range(0, len(values), PAGE):
                cursor.executemany(head + placeholders + tail, values[start : start + PAGE])


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: Any) -> str:
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    return str(value).translate(_ESCAPES)


def _copy_upsert(cursor, table: str, columns: list[str], values: list[tuple], tail: str) -> None:
    """COPY into a temporary twin of the table, then one INSERT ... SELECT ... ON CONFLICT."""
    import io

    quote = connection.ops.quote_name
    staging = quote(f"staging_{table}")
    column_list = ", ".join(quote(c) for c in columns)
    # same column types, no constraints: validation happens once, in the final INSERT
    cursor.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {staging} ON COMMIT DELETE ROWS AS "  # noqa: S608 - identifiers
        f"SELECT {column_list} FROM {quote(table)} WITH NO DATA"
    )
    buffer = io.StringIO()
    buffer.writelines("\t".join(_copy_text(v) for v in row) + "\n" for row in values)
    buffer.seek(0)
    cursor.copy_expert(f"COPY {staging} ({column_list}) FROM STDIN", buffer)
    cursor.execute(f"INSERT INTO {quote(table)} ({column_list}) SELECT {column_list} FROM {staging}{tail}")  # noqa: S608
    cursor.execute(f"TRUNCATE {staging}")
