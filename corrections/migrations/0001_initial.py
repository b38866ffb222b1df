"""Correction, moved here from the catalog app: state only, the table is unchanged."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def move_content_type(apps, schema_editor):
    """Keep permissions granted on corrections: their content type follows the model."""
    content_type = apps.get_model("contenttypes", "ContentType")
    if not content_type.objects.filter(app_label="corrections", model="correction").exists():
        content_type.objects.filter(app_label="catalog", model="correction").update(app_label="corrections")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("catalog", "0002_correction_leaves_catalog"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="Correction",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("fact", models.CharField(choices=[("license", "license (canonical key or hub id)"), ("datasets", "training datasets (hub ids)"), ("code_repositories", "training code repositories (owner/name)"), ("base_models", "base models (hub ids)"), ("weights", "weights judgment"), ("training_data", "training data judgment"), ("training_code", "training code judgment"), ("license_grade", "license permissiveness judgment")], max_length=32)),
                        ("value", models.JSONField(help_text="The corrected value (shape depends on the fact; see the form)")),
                        ("evidence_url", models.URLField(help_text="Public page that supports the correction", max_length=500)),
                        ("note", models.TextField(blank=True, help_text="Why; shown escaped")),
                        ("status", models.CharField(choices=[("pending", "pending review"), ("approved", "approved"), ("rejected", "rejected"), ("withdrawn", "withdrawn")], default="pending", max_length=16)),
                        ("submitted_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("reviewed_at", models.DateTimeField(blank=True, null=True)),
                        ("review_note", models.TextField(blank=True)),
                        ("model", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="corrections", to="catalog.aimodel")),
                        ("reviewed_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="corrections_reviewed", to=settings.AUTH_USER_MODEL)),
                        ("submitted_by", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="corrections_submitted", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "db_table": "catalog_correction",
                        "ordering": ["-submitted_at"],
                        "permissions": [("review_correction", "Can approve or reject corrections")],
                        "indexes": [models.Index(fields=["status", "-submitted_at"], name="correction_queue")],
                    },
                ),
            ],
        ),
        migrations.RunPython(move_content_type, migrations.RunPython.noop),
    ]
