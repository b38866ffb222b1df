"""The Hub's createdAt placeholder for pre-2022 repositories is not a release date: cleared."""

from datetime import UTC, datetime

from django.db import migrations

SENTINEL = datetime(2022, 3, 2, 23, 29, 4, tzinfo=UTC)


def clear(apps, schema_editor):
    apps.get_model("catalog", "AIModel").objects.filter(hub_created_at=SENTINEL).update(hub_created_at=None)


class Migration(migrations.Migration):
    dependencies = [("catalog", "0005_model_retirement_and_aliases")]
    operations = [migrations.RunPython(clear, migrations.RunPython.noop)]
