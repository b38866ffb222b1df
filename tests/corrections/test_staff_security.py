"""Staff security (issue 14): the login lockout (django-axes), the TOTP second factor for
reviewers and administrators (django-otp), short staff sessions and strong passwords.

Every sign-in here goes through the real admin login form; TOTP codes are computed from the
enrolled device's key with ``django_otp.oath.totp``, as an authenticator app computes them.
"""

from __future__ import annotations

import base64
import re
import time
from datetime import timedelta
from io import StringIO
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.auth.management.commands import changepassword
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from corrections.models import Correction
from tests.factories import CorrectionFactory
from tests.staff_login import PASSWORD, authenticator_code, enrol, sign_in, staff_client

pytestmark = pytest.mark.django_db


def make(role: str, email: str) -> tuple[object, str]:
    out = StringIO()
    call_command("createstaff", email, "--role", role, stdout=out)
    user = get_user_model().objects.get(username=email)
    user.set_password(PASSWORD)
    user.save()
    return user, out.getvalue()


def signed_in(client: Client) -> bool:
    return client.get("/admin/").status_code == 200


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


# --- the second factor --------------------------------------------------------------------------
def test_a_reviewer_enrols_and_signs_in_with_a_real_totp_code_then_reviews():
    reviewer, printed = make("reviewer", "rob@example.org")
    assert "manage.py staff_totp rob@example.org" in printed  # createstaff says how to enrol
    out = StringIO()
    call_command("staff_totp", "rob@example.org", stdout=out)
    uri = re.search(r"otpauth://totp/\S+", out.getvalue()).group(0)
    query = parse_qs(urlsplit(uri).query)
    assert query["issuer"] == ["Openness Index"]
    assert "rob@example.org" in unquote(uri)
    device = TOTPDevice.objects.get(user=reviewer)
    secret = query["secret"][0]
    assert base64.b32decode(secret) == device.bin_key  # what the app is given is the device's key
    assert secret in out.getvalue()
    with pytest.raises(CommandError, match="already has an authenticator"):
        call_command("staff_totp", "rob@example.org", stdout=StringIO())  # printed once only

    client = Client()
    # password alone: refused, with a clear message, and no session
    response = sign_in(client, "rob@example.org")
    assert response.status_code == 200
    assert "authenticator app" in text_of(response)
    assert not signed_in(client)
    # a wrong code: refused
    good = f"{totp(base64.b32decode(secret)):06d}"
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"
    response = sign_in(client, "rob@example.org", code=wrong)
    assert "not valid" in text_of(response)
    assert not signed_in(client)
    time.sleep(1.1)  # django-otp's own back-off after a wrong code (1 s after the first)
    # the code the app shows now (computed from the provisioning secret): signed in, verified
    response = sign_in(client, "rob@example.org", code=good)
    assert response.status_code == 302, text_of(response)
    assert signed_in(client)
    # the same code cannot be used a second time
    again = Client()
    assert sign_in(again, "rob@example.org", code=good).status_code == 200
    assert not signed_in(again)

    # and the verified reviewer can act: approve someone else's correction
    correction = CorrectionFactory()
    response = client.post(
        f"/admin/corrections/correction/{correction.pk}/review/", {"action": "approve", "note": ""}
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"/correction/{correction.pk}/review/")
    correction.refresh_from_db()
    assert correction.status == "approved"
    assert correction.reviewed_by == reviewer


def test_a_reviewer_without_a_verified_device_gets_neither_the_admin_nor_the_review_action():
    reviewer, _ = make("reviewer", "rae@example.org")
    correction = CorrectionFactory()
    review = f"/admin/corrections/correction/{correction.pk}/review/"

    # no device enrolled: the password alone signs nobody in
    client = Client()
    response = sign_in(client, "rae@example.org")
    assert "none is enrolled" in text_of(response)
    assert not signed_in(client)

    # a session without a verified device (password-only, e.g. one made before enrolment)
    client.force_login(reviewer)
    for url in ("/admin/", "/admin/corrections/correction/", review):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/admin/login/" in response["Location"], url
    response = client.post(review, {"action": "approve", "note": ""})
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    correction.refresh_from_db()
    assert correction.status == "pending"
    assert not correction.events.filter(action="approved").exists()

    # enrolled but the session still unverified: still refused; the login page says why
    enrol(reviewer)
    assert client.get(review).status_code == 302
    assert "authenticator app" in text_of(client.get("/admin/login/"))
    assert Correction.objects.get(pk=correction.pk).status == "pending"


def test_administrators_need_the_code_and_maintainers_sign_in_with_a_password():
    make("administrator", "ada@example.org")
    client = Client()
    assert sign_in(client, "ada@example.org").status_code == 200
    assert not signed_in(client)
    administrator = staff_client(get_user_model().objects.get(username="ada@example.org"))
    assert administrator.get("/admin/auth/user/add/").status_code == 200

    _, printed = make("maintainer", "mia@example.org")
    assert "staff_totp" not in printed
    client = Client()
    assert sign_in(client, "mia@example.org").status_code == 302
    assert client.get("/admin/corrections/correction/add/").status_code == 200

    # an administrator (or an operator) removes a lost device: the code no longer works
    ada = get_user_model().objects.get(username="ada@example.org")
    code = authenticator_code(TOTPDevice.objects.get(user=ada))
    call_command("staff_totp", "ada@example.org", "--remove", stdout=StringIO())
    assert not TOTPDevice.objects.filter(user=ada).exists()
    response = sign_in(Client(), "ada@example.org", code=code)
    assert response.status_code == 200
    assert "none is enrolled" in text_of(response)


# --- the lockout -------------------------------------------------------------------------------
def fail(client: Client, username: str, times: int, **extra) -> list[int]:
    return [sign_in(client, username, "not-the-password", **extra).status_code for _ in range(times)]


def test_repeated_failures_lock_the_username_from_that_address_without_telling_who_exists(settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    assert timedelta(minutes=30) == settings.AXES_COOLOFF_TIME
    make("maintainer", "mia@example.org")
    attacker = Client(REMOTE_ADDR="203.0.113.5")
    assert fail(attacker, "mia@example.org", 4) == [200] * 4  # the form again, with its error
    assert fail(attacker, "mia@example.org", 1) == [429]  # the fifth failure locks
    locked = sign_in(attacker, "mia@example.org")  # even the right password
    assert locked.status_code == 429
    assert "temporarily locked" in text_of(locked)
    assert "30 minutes" in text_of(locked)
    assert "mia@example.org" not in locked.content.decode()

    # a user name that does not exist gets exactly the same treatment and the same page
    assert fail(attacker, "nobody@example.org", 5) == [200] * 4 + [429]
    ghost = sign_in(attacker, "nobody@example.org")
    assert ghost.status_code == 429
    normalise = lambda r: re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", r.content.decode())  # noqa: E731
    assert normalise(ghost) == normalise(locked)

    # the same person from another address is not locked (the lock is user name + address)
    elsewhere = Client(REMOTE_ADDR="198.51.100.20")
    assert sign_in(elsewhere, "mia@example.org").status_code == 302

    # after the cool-off the lock lifts by itself
    AccessAttempt.objects.filter(username="mia@example.org").update(
        attempt_time=timezone.now() - timedelta(minutes=31)
    )
    assert sign_in(attacker, "mia@example.org").status_code == 302


def test_guessing_totp_codes_counts_toward_the_lockout_and_an_operator_resets_it():
    reviewer, _ = make("reviewer", "rob@example.org")
    device, _ = enrol(reviewer)
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    statuses = [sign_in(attacker, "rob@example.org", code="000000").status_code for _ in range(5)]
    assert statuses[-1] == 429, statuses
    assert sign_in(attacker, "rob@example.org", code=authenticator_code(device)).status_code == 429

    out = StringIO()
    call_command("axes_reset_username", "rob@example.org", stdout=out)
    device.refresh_from_db()
    device.throttle_reset()  # django-otp's own per-device back-off after the wrong codes
    response = sign_in(attacker, "rob@example.org", code=authenticator_code(device))
    assert response.status_code == 302, text_of(response)


def test_behind_a_trusted_proxy_the_lock_follows_the_forwarded_client(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    make("maintainer", "mia@example.org")
    proxy = Client(REMOTE_ADDR="10.0.0.2")
    assert fail(proxy, "mia@example.org", 5, HTTP_X_FORWARDED_FOR="203.0.113.9")[-1] == 429
    assert AccessAttempt.objects.get(username="mia@example.org").ip_address == "203.0.113.9"
    # another client behind the same proxy is not locked out
    assert sign_in(proxy, "mia@example.org", HTTP_X_FORWARDED_FOR="198.51.100.4").status_code == 302

    # with no trusted proxy configured, a forged header changes nothing: the socket address counts
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 0}
    direct = Client(REMOTE_ADDR="203.0.113.10")
    statuses = [
        sign_in(direct, "mia@example.org", "wrong-password", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").status_code
        for n in range(5)
    ]
    assert statuses[-1] == 429


# --- sessions and passwords --------------------------------------------------------------------
def test_staff_sessions_are_short_and_end_with_the_browser(settings):
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    make("maintainer", "mia@example.org")
    client = Client()
    response = sign_in(client, "mia@example.org")
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"]
    assert not cookie["max-age"]  # a browser-session cookie
    assert not cookie["expires"]
    assert 0 < client.session.get_expiry_age() <= 8 * 3600


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short-pw-1", "too short"),
        ("123456789012345", "entirely numeric"),
        ("password1234", "too common"),
        ("mia@example.org!", "too similar"),
    ],
)
def test_weak_passwords_are_refused(password, message):
    user, _ = make("maintainer", "mia@example.org")
    with pytest.raises(ValidationError, match=message):
        validate_password(password, user)


def test_changepassword_for_a_staff_account_refuses_a_weak_password(monkeypatch):
    make("reviewer", "rob@example.org")
    answers = iter(["short-pw-1", "short-pw-1", "123456789012345", "123456789012345", "qwerty", "qwerty"])
    monkeypatch.setattr(changepassword.Command, "_get_pass", lambda self, prompt="": next(answers))
    with pytest.raises(CommandError, match="after 3 attempts"):
        call_command("changepassword", "rob@example.org", stdout=StringIO(), stderr=StringIO())
    user = get_user_model().objects.get(username="rob@example.org")
    assert user.check_password(PASSWORD)  # unchanged

    strong = "correct horse battery staple 42"
    answers = iter([strong, strong])
    call_command("changepassword", "rob@example.org", stdout=StringIO(), stderr=StringIO())
    user.refresh_from_db()
    assert user.check_password(strong)
