"""Methodology v1 is published by this migration, so no read ever has to write it."""

import datetime as dt

from django.db import migrations

V1_CHANGELOG = (
    "First published methodology. Four dimensions (weights, training data, training code, license "
    "permissiveness), each open / partial / closed / unknown, equally weighted; derivatives capped by their "
    "base for data and code; effective license never more permissive than the base's."
)


def publish_v1(apps, schema_editor):
    version = apps.get_model("scoring", "MethodologyVersion")
    if version.objects.exists():
        return
    version.objects.create(
        version="1.0",
        name="Methodology v1",
        published_on=dt.date(2026, 11, 21),
        weights={"weights": 1.0, "training_data": 1.0, "training_code": 1.0, "license": 1.0},
        changelog=V1_CHANGELOG,
        is_current=True,
    )


class Migration(migrations.Migration):
    dependencies = [("scoring", "0004_level_indexes")]

    operations = [migrations.RunPython(publish_v1, migrations.RunPython.noop)]
