"""Staff sign-in: a second factor (TOTP, django-otp) for reviewers and administrators.

Maintainers sign in with their password only. A member of the reviewer or administrator group
(and any superuser) must also give a code from their authenticator app: the admin site treats
such a person as signed out until the session is verified by their TOTP device, so every admin
page and action (the review page among them) is refused before that. ``manage.py staff_totp``
enrols a device and prints its provisioning URI once.

A wrong code counts as a failed sign-in for the lockout (django-axes), like a wrong password.
"""

from __future__ import annotations

from django import forms
from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django_otp import user_has_device
from django_otp.forms import OTPAuthenticationFormMixin
from django_otp.plugins.otp_totp.models import TOTPDevice

from corrections.roles import ADMINISTRATOR, REVIEWER

SECOND_FACTOR_ROLES = (REVIEWER, ADMINISTRATOR)


def needs_second_factor(user) -> bool:
    """Reviewers, administrators and superusers sign in with a TOTP code as well."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or user.groups.filter(name__in=SECOND_FACTOR_ROLES).exists())


def second_factor_satisfied(user) -> bool:
    """True for a maintainer, or for a reviewer / administrator whose session a device verified."""
    if not needs_second_factor(user):
        return True
    is_verified = getattr(user, "is_verified", None)  # installed by django_otp's OTPMiddleware
    return bool(is_verified and is_verified())


class StaffAuthenticationForm(AdminAuthenticationForm, OTPAuthenticationFormMixin):
    """User name and password; plus the authenticator code for those who need a second factor."""

    otp_token = forms.CharField(
        required=False,
        label="Authenticator code",
        help_text="Reviewers and administrators: the 6-digit code from your authenticator app.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    otp_error_messages = {
        **OTPAuthenticationFormMixin.otp_error_messages,
        "token_required": "Reviewers and administrators also enter the code from their authenticator app.",
        "invalid_token": "That code is not valid (or was already used). Enter the current one.",
    }

    def clean(self):
        cleaned = super().clean()  # user name and password (the lockout sees these)
        user = self.get_user()
        if user is None or not needs_second_factor(user):
            return cleaned
        if not user_has_device(user):
            self._failed(user)
            raise forms.ValidationError(
                "Your account needs a second factor but none is enrolled: ask an administrator "
                "to run manage.py staff_totp for you.",
                code="no_device",
            )
        try:
            self.clean_otp(user)
        except forms.ValidationError:
            self._failed(user)
            raise
        return cleaned

    def _chosen_device(self, user):
        # one authenticator per person (``manage.py staff_totp``): no device picker on the form
        return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()

    def _failed(self, user) -> None:
        # counted by django-axes like a wrong password: guessing codes leads to the lockout too
        user_login_failed.send(
            sender=__name__,
            credentials={"username": user.get_username()},
            request=self.request,
        )


class StaffAdminSite(AdminSite):
    """The project's admin: a reviewer or administrator without a verified device gets nothing."""

    login_form = StaffAuthenticationForm
    login_template = "admin/staff_login.html"

    def has_permission(self, request):
        return super().has_permission(request) and second_factor_satisfied(request.user)


def lockout_response(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out sign-in (AXES_LOCKOUT_CALLABLE): the same page whatever
    the user name, so it tells nobody whether an account exists."""
    from django.conf import settings
    from django.template.response import TemplateResponse

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60) if settings.AXES_COOLOFF_TIME else 0
    response = TemplateResponse(
        request,
        "admin/locked_out.html",
        {"cooloff_minutes": minutes, "site_title": "Openness Index admin"},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
    return response.render()
