"""Trigram indexes for the leaderboard and API name search (PostgreSQL only).

The search filter matches words as case-insensitive regular expressions and substrings on the
model id and the organization (scoring.filters.ScoreFilterSet.search); without an index every
search reads the whole score table (1.9 s p95 at 100,000 models, docs/performance.md).
pg_trgm's GIN operator class serves ILIKE and ~* alike. pg_trgm is a trusted extension since
PostgreSQL 13: the database owner may create it. SQLite (the embedded default) scans, which is
fine at its size.
"""

from django.db import migrations

INDEXES = {
    "score_repo_id_trgm": "repo_id",
    "score_organization_trgm": "organization_name",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON scoring_score USING gin ({column} gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("scoring", "0007_score_detail_mof_ceiling")]

    operations = [migrations.RunPython(create, drop)]
