"""The staff roles, as auth groups: what each may do in the admin.

- maintainer: submits corrections (and reads the queue, the trail and public reports);
- reviewer: everything a maintainer may, plus approve / reject / return to the crawled value
  (never their own submission: the services enforce a second person) and triage reports;
- administrator: manages staff accounts and methodology versions; reviews nothing by default.

Migration 0003 creates the groups; ``manage.py createstaff`` puts a person in one, and calls
``groups_ensure`` first so a database migrated before a permission existed still gets it.
"""

from __future__ import annotations

from typing import Any

MAINTAINER, REVIEWER, ADMINISTRATOR = "maintainer", "reviewer", "administrator"

_MAINTAINER_PERMISSIONS = (
    ("corrections", "add_correction"),
    ("corrections", "view_correction"),
    ("corrections", "view_correctionevent"),
    ("corrections", "view_problemreport"),
    # the correction form's model search (admin autocomplete) needs to see models
    ("catalog", "view_aimodel"),
    ("catalog", "view_evidence"),
)
ROLE_PERMISSIONS: dict[str, tuple[tuple[str, str], ...]] = {
    MAINTAINER: _MAINTAINER_PERMISSIONS,
    REVIEWER: (
        *_MAINTAINER_PERMISSIONS,
        ("corrections", "review_correction"),
        ("corrections", "change_problemreport"),
    ),
    ADMINISTRATOR: (
        ("auth", "view_user"),
        ("auth", "add_user"),
        ("auth", "change_user"),
        ("auth", "view_group"),
        ("scoring", "view_methodologyversion"),
        ("scoring", "add_methodologyversion"),
        ("scoring", "change_methodologyversion"),
        ("corrections", "view_correction"),
        ("corrections", "view_correctionevent"),
    ),
}
ROLES = tuple(ROLE_PERMISSIONS)


def groups_ensure(group_model, permission_model) -> dict[str, Any]:
    """Create the role groups with exactly their permissions (idempotent); returns them by name."""
    groups = {}
    for role, wanted in ROLE_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=role)
        permissions = [
            permission_model.objects.get(content_type__app_label=app, codename=codename)
            for app, codename in wanted
        ]
        group.permissions.set(permissions)
        groups[role] = group
    return groups
