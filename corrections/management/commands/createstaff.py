"""Make (or update) a staff account with one role: maintainer, reviewer or administrator.

Sends nothing anywhere: it prints how the person sets a password (and, for a reviewer or an
administrator, how to enrol the authenticator app they sign in with: ``manage.py staff_totp``).
Running it again with another role adds that role; ``--only`` makes it the person's only role.
"""

from __future__ import annotations

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction
from django_otp import user_has_device

from corrections.roles import ROLES, groups_ensure
from corrections.staffauth import SECOND_FACTOR_ROLES


class Command(BaseCommand):
    help = "Create or update a staff account with a role (maintainer, reviewer, administrator)."

    def add_arguments(self, parser):
        parser.add_argument("email", help="The person's e-mail address; also their user name")
        parser.add_argument("--role", required=True, choices=ROLES)
        parser.add_argument("--name", default="", help="Full name, shown publicly beside their reviews")
        parser.add_argument("--only", action="store_true", help="Remove the person's other roles")

    def handle(self, *args, email: str, role: str, name: str, only: bool, **options):
        email = email.strip().lower()
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"not an e-mail address: {email!r}") from None
        users = get_user_model()
        with transaction.atomic():
            # permissions normally exist after migrate; a flushed database gets them back here
            for app_config in apps.get_app_configs():
                create_permissions(app_config, verbosity=0)
            groups = groups_ensure(Group, Permission)
            found = users.objects.filter(username__iexact=email).first()
            created = found is None
            if found is None:
                user = users(username=email, email=email)
                user.set_unusable_password()  # they choose one: nothing is sent or printed
            else:
                user = found
            user.email = email
            user.is_staff = True
            user.is_active = True
            if name:
                first, _, last = name.strip().partition(" ")
                user.first_name, user.last_name = first[:150], last[:150]
            user.save()
            if only:
                user.groups.remove(*[g for r, g in groups.items() if r != role])
            user.groups.add(groups[role])
        roles = sorted(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        self.stdout.write(
            f"{'Created' if created else 'Updated'} staff account {email} with role(s): {', '.join(roles)}."
        )
        if role in SECOND_FACTOR_ROLES and not user_has_device(user, confirmed=True):
            self.stdout.write(
                f"A {role} signs in with a code from an authenticator app as well. Enrol it with:\n"
                f"  python manage.py staff_totp {email}\n"
                "(it prints the provisioning URI once; hand it to the person privately)."
            )
        if created or not user.has_usable_password():
            self.stdout.write(
                "No password is set and nothing was sent. The person sets one with:\n"
                f"  python manage.py changepassword {email}\n"
                "(or an administrator uses the admin's password form), then signs in at /admin/."
            )
