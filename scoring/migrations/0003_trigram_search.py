"""Trigram indexes for the leaderboard's free-text search (PostgreSQL only).

``pg_trgm`` makes ``ILIKE '%text%'`` an index lookup instead of a scan of every score. If
the database role may not create the extension, the search still works, unindexed: the
migration says so and carries on rather than failing a deployment.
"""

import logging

from django.db import DatabaseError, migrations, transaction

log = logging.getLogger(__name__)
# Django's icontains compiles to UPPER(col::text) LIKE UPPER(%s): index that expression.
INDEXES = (
    "CREATE INDEX IF NOT EXISTS score_repo_trgm ON scoring_score USING gin ((UPPER(repo_id::text)) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS score_org_trgm ON scoring_score "
    "USING gin ((UPPER(organization_name::text)) gin_trgm_ops)",
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            for statement in INDEXES:
                schema_editor.execute(statement)
    except DatabaseError as exc:
        log.warning("pg_trgm unavailable (%s): free-text search stays unindexed", exc)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS score_repo_trgm")
        schema_editor.execute("DROP INDEX IF EXISTS score_org_trgm")


class Migration(migrations.Migration):
    dependencies = [("scoring", "0002_score_repo_index")]
    operations = [migrations.RunPython(create, drop)]
