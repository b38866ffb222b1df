"""Indexes for the parameters sort in both directions, unknown sizes last.

SQLite (the embedded default) cannot put NULLS LAST in an index, and its boards are small: the
indexes are built on PostgreSQL only; the model state holds them everywhere.
"""

from django.db import migrations, models

INDEXES = [
    models.Index(
        models.F("methodology"),
        models.F("is_listed"),
        models.OrderBy(models.F("parameters"), descending=True, nulls_last=True),
        models.F("repo_id"),
        models.F("id"),
        name="score_board_params_desc",
    ),
    models.Index(
        models.F("methodology"),
        models.F("is_listed"),
        models.OrderBy(models.F("parameters"), nulls_last=True),
        models.OrderBy(models.F("repo_id"), descending=True),
        models.OrderBy(models.F("id"), descending=True),
        name="score_board_params_asc",
    ),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for index in INDEXES:
            schema_editor.add_index(apps.get_model("scoring", "Score"), index)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for index in INDEXES:
            schema_editor.remove_index(apps.get_model("scoring", "Score"), index)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0012_evidence_corrected"),
        ("scoring", "0011_score_notable_sorts"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(model_name="score", index=index) for index in INDEXES],
            database_operations=[migrations.RunPython(create, drop)],
        )
    ]
