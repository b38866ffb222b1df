"""Methodology v2 is published by this migration; v1 and every score made under it are kept."""

import datetime as dt

from django.db import migrations

V2_CHANGELOG = (
    "Evidence found and read as a careful reader would; levels, dimensions, licence knowledge base, "
    "lineage caps and equal weights unchanged. (1) Unknown means could not read: a dimension is unknown "
    "when the README could not be read and the metadata names nothing for it; closed only when the "
    "evidence was read and shows absence. The Hub serves a gated repository's card to everyone, so "
    "gated models are read like any other. (2) Training data from the training context only (metadata, "
    "tags, links and corpora named in training sections or sentences); evaluation sets and sibling "
    "models' data excluded; a missing licence tag no longer makes a public dataset unobtainable; named "
    "but unobtainable data is partial. (3) Training code is the model's own: general-purpose frameworks "
    "linked for usage are excluded unless a recipe names the model; inference, serving, evaluation, "
    "example and notebook folders and library modules are not training entry points (code-detection "
    "rules v2, re-applied to stored trees); a licence GitHub cannot name is read from the licence file. "
    "(4) Lineage also from the card's text, ids matched case-insensitively and through the Hub's "
    "renames. (5) The score records the rules it was made with."
)


def publish_v2(apps, schema_editor):
    version = apps.get_model("scoring", "MethodologyVersion")
    if version.objects.filter(version="2.0").exists():
        return
    version.objects.filter(is_current=True).update(is_current=False)
    version.objects.create(
        version="2.0",
        name="Methodology v2",
        published_on=dt.date(2026, 12, 5),
        weights={"weights": 1.0, "training_data": 1.0, "training_code": 1.0, "license": 1.0},
        changelog=V2_CHANGELOG,
        is_current=True,
    )


def withdraw_v2(apps, schema_editor):
    version = apps.get_model("scoring", "MethodologyVersion")
    if version.objects.filter(version="2.0", scores__isnull=False).exists():
        return  # scores rest on it: keep it
    version.objects.filter(version="2.0").delete()
    version.objects.filter(version="1.0").update(is_current=True)


class Migration(migrations.Migration):
    dependencies = [("scoring", "0005_methodology_v1")]

    operations = [migrations.RunPython(publish_v2, withdraw_v2)]
