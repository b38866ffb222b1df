"""The staff roles (maintainer, reviewer, administrator) as auth groups; and an audit trail for
corrections made before the trail existed."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# the role definitions as they stood for this migration (corrections/roles.py may grow later)
ROLE_PERMISSIONS = {
    "maintainer": (
        ("corrections", "add_correction"),
        ("corrections", "view_correction"),
        ("corrections", "view_correctionevent"),
        ("corrections", "view_problemreport"),
        ("catalog", "view_aimodel"),
        ("catalog", "view_evidence"),
    ),
}
ROLE_PERMISSIONS["reviewer"] = (
    *ROLE_PERMISSIONS["maintainer"],
    ("corrections", "review_correction"),
    ("corrections", "change_problemreport"),
)
ROLE_PERMISSIONS["administrator"] = (
    ("auth", "view_user"),
    ("auth", "add_user"),
    ("auth", "change_user"),
    ("auth", "view_group"),
    ("scoring", "view_methodologyversion"),
    ("scoring", "add_methodologyversion"),
    ("scoring", "change_methodologyversion"),
    ("corrections", "view_correction"),
    ("corrections", "view_correctionevent"),
)


def roles_create(apps, schema_editor):
    # permissions are normally created after all migrations ran; these groups need them now
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    for role, wanted in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=role)
        group.permissions.set(
            [
                permission_model.objects.get(content_type__app_label=app, codename=codename)
                for app, codename in wanted
            ]
        )


def roles_remove(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=list(ROLE_PERMISSIONS)).delete()


def trail_backfill(apps, schema_editor):
    """Corrections older than the trail get the events their fields record."""
    correction_model = apps.get_model("corrections", "Correction")
    event_model = apps.get_model("corrections", "CorrectionEvent")
    events = []
    for c in correction_model.objects.select_related("submitted_by", "reviewed_by").iterator():
        name = c.submitted_by.get_username() if c.submitted_by else ""
        events.append(
            event_model(
                correction=c, action="submitted", actor=c.submitted_by, actor_name=name, at=c.submitted_at, note=c.note
            )
        )
        if c.status == "withdrawn" and c.review_note.startswith("superseded"):
            correction_model.objects.filter(pk=c.pk).update(status="superseded")
            events.append(event_model(correction=c, action="superseded", at=c.reviewed_at or c.submitted_at))
        elif c.status in ("approved", "rejected") and c.reviewed_at:
            reviewer = c.reviewed_by.get_username() if c.reviewed_by else ""
            events.append(
                event_model(
                    correction=c,
                    action=c.status,
                    actor=c.reviewed_by,
                    actor_name=reviewer,
                    at=c.reviewed_at,
                    note=c.review_note,
                )
            )
    event_model.objects.bulk_create(events)


class Migration(migrations.Migration):
    dependencies = [
        ("corrections", "0002_audit_trail_and_reports"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("scoring", "0006_methodology_v2"),
        ("catalog", "0004_repository_tree_and_rules"),
    ]

    operations = [
        migrations.RunPython(roles_create, roles_remove),
        migrations.RunPython(trail_backfill, migrations.RunPython.noop),
    ]
