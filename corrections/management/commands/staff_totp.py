"""Enrol (or remove) a staff member's authenticator app: the TOTP second factor that reviewers
and administrators give when they sign in to the admin.

    manage.py staff_totp rob@example.org            # enrol: prints the provisioning URI once
    manage.py staff_totp rob@example.org --reset    # lost phone: replaces the device, prints anew
    manage.py staff_totp rob@example.org --remove   # removes it (the person cannot sign in
                                                    # as a reviewer / administrator until enrolled)

The secret is printed once and stored only in the database; nothing is sent anywhere. Hand the
URI (or the secret) to the person privately; they add it to their authenticator app (scan it as
a QR code, e.g. ``qrencode -t ansiutf8 '<uri>'``, or type the secret).
"""

from __future__ import annotations

import base64

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from corrections.staffauth import needs_second_factor

DEVICE_NAME = "authenticator"


class Command(BaseCommand):
    help = "Enrol, replace or remove a staff member's TOTP authenticator (the admin's second factor)."

    def add_arguments(self, parser):
        parser.add_argument("email", help="The person's e-mail address (their user name)")
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--reset", action="store_true", help="Replace an enrolled device")
        group.add_argument("--remove", action="store_true", help="Remove the person's devices")

    def handle(self, *args, email: str, reset: bool, remove: bool, **options):
        user = get_user_model().objects.filter(username__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"no account named {email}")
        devices = TOTPDevice.objects.devices_for_user(user, confirmed=None)
        with transaction.atomic():
            if remove:
                count = devices.count()
                devices.delete()
                self.stdout.write(f"Removed {count} authenticator device(s) of {user.get_username()}.")
                return
            if devices.exists() and not reset:
                raise CommandError(
                    f"{user.get_username()} already has an authenticator; pass --reset to replace it "
                    "(the old one stops working)"
                )
            devices.delete()
            device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=True)
        secret = base64.b32encode(device.bin_key).decode()
        self.stdout.write(
            f"Authenticator enrolled for {user.get_username()}. Shown once; give it to them privately:\n"
            f"  provisioning URI: {device.config_url}\n"
            f"  secret (base32, 30-second codes, 6 digits): {secret}\n"
            "They add it to an authenticator app, then sign in at /admin/ with the app's code."
        )
        if not needs_second_factor(user):
            self.stdout.write(
                "(This account is neither reviewer nor administrator: it signs in without a code.)"
            )
