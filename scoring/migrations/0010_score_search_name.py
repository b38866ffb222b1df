"""The folded model name (scoring.search.search_name) and its prefix index: a search finds its
best matches (the name starting with the query) through it instead of ranking every match.

Existing rows are filled here with the same folding in SQL; the next rescore rewrites every row
with the Python folding anyway (the name is part of each row's fingerprint).
"""

from django.db import migrations, models


def _fold(expression: str) -> str:
    expression = f"lower({expression})"
    for character in ("-", "_", ".", "|", " "):
        expression = f"replace({expression}, '{character}', '')"
    return expression


def backfill(apps, schema_editor):
    find = "strpos(repo_id, '/')" if schema_editor.connection.vendor == "postgresql" else "instr(repo_id, '/')"
    name = f"substr(repo_id, {find} + 1)"  # the whole id when it has no organization
    schema_editor.execute(f"UPDATE scoring_score SET search_name = substr({_fold(name)}, 1, 200)")  # noqa: S608


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0011_repository_branches_pending"),
        ("scoring", "0009_score_search_text"),
    ]

    operations = [
        migrations.AddField(
            model_name="score",
            name="search_name",
            field=models.CharField(blank=True, default="", max_length=200),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="score",
            index=models.Index(fields=["search_name"], name="score_search_name", opclasses=["varchar_pattern_ops"]),
        ),
    ]
