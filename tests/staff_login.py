"""Staff sign-in for tests, through the real admin login form (no shortcut around the gate).

``staff_client(user)`` gives a test client signed in as ``user``: it sets a password and, for a
reviewer / administrator / superuser, enrols a TOTP device with ``manage.py staff_totp`` and
signs in with a code computed from the device's key (``authenticator_code``), exactly as the
person's authenticator app would. So every admin test passes the second factor for real.
"""

from __future__ import annotations

import re
import time
from io import StringIO

from django.core.management import call_command
from django.test import Client
from django_otp.oath import TOTP, hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

from corrections.staffauth import needs_second_factor

PASSWORD = "a-long-test-passphrase-1"
LOGIN = "/admin/login/"


def enrol(user) -> tuple[TOTPDevice, str]:
    """``manage.py staff_totp``: the device and the provisioning URI the command printed."""
    out = StringIO()
    call_command("staff_totp", user.get_username(), "--reset", stdout=out)
    uri = re.search(r"otpauth://\S+", out.getvalue())
    assert uri, out.getvalue()
    return TOTPDevice.objects.get(user=user), uri.group(0)


def authenticator_code(device: TOTPDevice) -> str:
    """The code an authenticator app shows now; never one the device already accepted."""
    while True:
        device.refresh_from_db()
        now = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).t()
        # the current step's code, as the app shows it; if the device already took that one,
        # wait for the next step like a person would
        if device.last_t < now:
            return f"{hotp(device.bin_key, now, digits=device.digits):0{device.digits}d}"
        time.sleep(1)


def sign_in(client: Client, username: str, password: str = PASSWORD, code: str = "", **extra):
    data = {"username": username, "password": password, "otp_token": code, "next": "/admin/"}
    return client.post(LOGIN, data, **extra)


def staff_client(user, client: Client | None = None, password: str | None = None) -> Client:
    client = client or Client()
    if password is None:
        password = PASSWORD
        user.set_password(password)  # what `manage.py changepassword` does
        user.save()
    code = ""
    if needs_second_factor(user):
        device = TOTPDevice.objects.filter(user=user).first() or enrol(user)[0]
        code = authenticator_code(device)
    response = sign_in(client, user.get_username(), password, code=code)
    assert response.status_code == 302, re.findall(r'class="errornote">([^<]*)', response.content.decode())
    assert client.get("/admin/").status_code == 200
    return client
