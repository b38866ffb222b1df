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
from typing import Any, cast

from django.db import connection, models, transaction

PAGE = 1000
COPY_THRESHOLD = 200  # from this many rows on, PostgreSQL gets them through COPY


class Json(str):
    """A value already serialised to JSON: written as is (callers that hash it serialise once)."""


_ENCODER = json.JSONEncoder(separators=(",", ":"), default=str)  # one encoder, not one per value


def _json(value: Any) -> str | None:
    if value is None or isinstance(value, Json):
        return value
    return _ENCODER.encode(value)


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
    db_columns = cast(list[str], [f.column for f in fields])  # concrete fields have a column
    adapters = [_adapter(f) for f in fields]
    by_name = cast(dict[str, Any], by_attname)  # get_field() here names concrete fields, not relations
    conflict_columns: list[str] = [by_name.get(name, meta.get_field(name)).column for name in conflict]
    update_columns: list[str] = [by_name.get(name, meta.get_field(name)).column for name in (update or [])]
    quote = connection.ops.quote_name
    action = (
        "DO UPDATE SET " + ", ".join(f"{quote(c)} = EXCLUDED.{quote(c)}" for c in update_columns)
        if update_columns
        else "DO NOTHING"
    )
    # identifiers come from model metadata and are quoted; every value travels as a parameter
    head = f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(c) for c in db_columns)}) VALUES "  # noqa: S608
    tail = f" ON CONFLICT ({', '.join(quote(c) for c in conflict_columns)}) {action}"
    # one transaction: the COPY staging table empties itself at commit
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(rows) >= COPY_THRESHOLD:
            # the raw cursor bypasses Django's error translation: wrap it, so a dropped connection
            # is Django's OperationalError (callers retry on it) and the connection is marked broken
            with connection.wrap_database_errors:
                _copy_upsert(
                    cursor.cursor, meta.db_table, db_columns, _copy_lines(rows, columns, fields), tail
                )
            return
        values = [
            tuple(
                a(row[c]) if a and row[c] is not None else row[c]
                for c, a in zip(columns, adapters, strict=True)
            )
            for row in rows
        ]
        if connection.vendor == "postgresql":
            from psycopg2.extras import execute_values

            casts = ["%s::jsonb" if isinstance(f, models.JSONField) else "%s" for f in fields]
            with connection.wrap_database_errors:
                execute_values(
                    cursor.cursor,
                    head + "%s" + tail,
                    values,
                    template=f"({', '.join(casts)})",
                    page_size=PAGE,
                )
        else:
            placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
            for start in range(0, len(values), PAGE):
                cursor.executemany(head + placeholders + tail, values[start : start + PAGE])


# COPY's text format: a tab between columns, a newline after each row, \N for NULL, and these
# four characters escaped inside values.
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_escape(text: str) -> str:
    # most values hold none of the four, and looking is cheaper than translating
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.translate(_ESCAPES)
    return text


def _copy_json(value: Any) -> str:
    # JSON text never holds a raw tab, newline or carriage return (the encoder escapes control
    # characters), so only its backslashes need doubling
    text = value if isinstance(value, Json) else _ENCODER.encode(value)
    return text.replace("\\", "\\\\") if "\\" in text else text


def _copy_bool(value: Any) -> str:
    return "t" if value else "f"


def _copy_formatter(field: models.Field):
    """The function that renders a non-NULL value of ``field`` in COPY's text format."""
    if isinstance(field, models.JSONField):
        return _copy_json
    if isinstance(field, models.BooleanField):
        return _copy_bool
    if isinstance(field, models.DateTimeField):
        adapt = connection.ops.adapt_datetimefield_value
        return lambda value: _copy_escape(str(adapt(value)))
    if isinstance(field, models.DateField):
        adapt = connection.ops.adapt_datefield_value
        return lambda value: _copy_escape(str(adapt(value)))
    if isinstance(field, (models.IntegerField, models.AutoField, models.FloatField)):
        return str
    return lambda value: _copy_escape(str(value))


def _copy_lines(rows: Sequence[dict[str, Any]], columns: list[str], fields: list[models.Field]) -> str:
    formatters = list(zip(columns, [_copy_formatter(f) for f in fields], strict=True))
    return "".join(
        "\t".join(["\\N" if (v := row[c]) is None else f(v) for c, f in formatters]) + "\n" for row in rows
    )


def _copy_upsert(cursor, table: str, columns: list[str], text: str, tail: str) -> None:
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
    cursor.copy_expert(f"COPY {staging} ({column_list}) FROM STDIN", io.StringIO(text))
    cursor.execute(f"INSERT INTO {quote(table)} ({column_list}) SELECT {column_list} FROM {staging}{tail}")  # noqa: S608
    cursor.execute(f"TRUNCATE {staging}")


def analyze(tables: Sequence[type[models.Model]]) -> bool:
    """Refresh the planner statistics of these tables (PostgreSQL only; True if it ran).

    ANALYZE reads a fixed-size sample (30,000 rows at the default statistics target), so it
    costs about the same at 100,000 rows as at 6 million: cheap before a pass over them all.
    """
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table._meta.db_table)}")
    return True


class AnalyzeAsTablesGrow:
    """Refresh planner statistics during a bulk load, each time the load has grown the tables by
    as many rows as they held at the previous refresh (so a handful of times per pass).

    Key lookups such as ``repo_id IN (...)`` are planned from these statistics; a table that
    grew from nothing to 300,000 rows since its last ANALYZE gets scanned whole on every page.
    Autovacuum would catch up eventually, but minutes late, and it may be switched off.
    PostgreSQL only; elsewhere this does nothing.
    """

    MIN_ROWS = 5000

    def __init__(self, tables: Sequence[type[models.Model]]) -> None:
        self.tables = [t._meta.db_table for t in tables]
        self.enabled = connection.vendor == "postgresql"
        self.grown = 0
        self.next_at = max(self.MIN_ROWS, self._known_rows()) if self.enabled else 0

    def _known_rows(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [self.tables[0]])
            row = cursor.fetchone()
        return max(0, int(row[0])) if row else 0

    def added(self, rows: int) -> bool:
        """Count ``rows`` new rows of the first table; ANALYZE when due. True if it ran."""
        if not self.enabled:
            return False
        self.grown += rows
        if self.grown < self.next_at:
            return False
        with connection.cursor() as cursor:
            for table in self.tables:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
        self.grown = 0
        self.next_at = max(self.MIN_ROWS, self._known_rows())
        return True
