"""The Correction model moves to the corrections app (state only; the table keeps its name).

Evidence's link to the correction that wrote a corrected row becomes a plain id: the catalog
sits below the corrections app and must not depend on it. The column keeps its name.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                # drops the foreign-key constraint, keeps the column and its values
                migrations.AlterField(
                    model_name="evidence",
                    name="correction",
                    field=models.BigIntegerField(null=True, blank=True, db_column="correction_id"),
                ),
            ],
            state_operations=[
                migrations.RemoveField(model_name="evidence", name="correction"),
                migrations.AddField(
                    model_name="evidence",
                    name="correction_id",
                    field=models.BigIntegerField(null=True, blank=True),
                ),
            ],
        ),
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[migrations.DeleteModel(name="Correction")],
        ),
    ]
