"""Each public report gets an unguessable token: the reporter's private link to its status."""

import secrets

from django.db import migrations, models

import corrections.models


def tokens_fill(apps, schema_editor):
    report_model = apps.get_model("corrections", "ProblemReport")
    for report in report_model.objects.filter(token__isnull=True).only("pk"):
        report_model.objects.filter(pk=report.pk).update(token=secrets.token_urlsafe(32))


class Migration(migrations.Migration):
    dependencies = [("corrections", "0004_fact_labels")]

    operations = [
        migrations.AddField(
            model_name="problemreport",
            name="token",
            field=models.CharField(max_length=43, null=True, editable=False),
        ),
        migrations.RunPython(tokens_fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="problemreport",
            name="token",
            field=models.CharField(
                default=corrections.models.report_token, editable=False, max_length=43, unique=True
            ),
        ),
    ]
