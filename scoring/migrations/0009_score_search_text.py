"""The folded search text (scoring.search) and its trigram index, replacing migration 0008's
indexes on the raw id and organization.

Those indexes could not make a short or common word selective: "org-3" yields the trigram
"org" alone, which nearly every synthetic row holds, so a search re-checked the whole table
(1.3 s p95 at 100,000 models, docs/performance.md). The folded text keeps digits attached
("org3": trigram "rg3"), and one index serves every group of a query.

Existing rows are filled here with the same folding in SQL (ASCII ids; the next rescore rewrites
every row with the Python folding anyway, since the text is part of each row's fingerprint).
"""

from django.db import migrations, models


OLD_INDEXES = {
    "score_repo_trgm": "(UPPER(repo_id::text))",
    "score_org_trgm": "(UPPER(organization_name::text))",
    "score_repo_id_trgm": "repo_id",
    "score_organization_trgm": "organization_name",
}


def _fold(column: str) -> str:
    expression = f"lower({column})"
    for character in ("-", "_", ".", "|", " "):
        expression = f"replace({expression}, '{character}', '')"
    return expression


def backfill(apps, schema_editor):
    repo, organization, license_label = _fold("repo_id"), _fold("organization_name"), _fold("license_label")
    schema_editor.execute(  # noqa: S608 - column names, no input
        "UPDATE scoring_score SET search_text = substr("
        f"{repo} || '|' || CASE WHEN {organization} = ''"
        f" OR substr({repo}, 1, length({organization}) + 1) = {organization} || '/'"
        f" THEN '' ELSE {organization} || '|' END || {license_label}, 1, 600)"
    )


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    # the search no longer reads the raw columns: 0003's UPPER() and 0008's plain indexes go
    for name in OLD_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS score_search_text_trgm"
        " ON scoring_score USING gin (search_text gin_trgm_ops)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS score_search_text_trgm")
    for name, column in OLD_INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON scoring_score USING gin ({column} gin_trgm_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [("scoring", "0008_score_search_trigram")]

    operations = [
        migrations.AddField(
            model_name="score",
            name="search_text",
            field=models.CharField(blank=True, default="", max_length=600),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(create_index, drop_index),
    ]
