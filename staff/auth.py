"""Staff logins: a password, then a second factor, and a lockout after repeated failures.

The admin is the only login. Its site is django-otp's ``OTPAdminSite`` (installed in
``portal/urls.py``), so a session counts as staff only once a confirmed device has verified a
code: a TOTP authenticator app, or one of the user's single-use backup codes. django-axes locks
a username at an address after ``AXES_FAILURE_LIMIT`` failures (settings).

Enrolment is a command an administrator runs (``manage.py staff_otp USERNAME``); the functions
below are what it and ``load_demo`` share.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django_otp import user_has_device
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

TOTP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"
ENROL_COMMAND = "manage.py staff_otp USERNAME"


# --- Enrolment --------------------------------------------------------------------------------


@transaction.atomic
def enrol_totp(user, *, replace: bool = False) -> tuple[TOTPDevice, str]:
    """A new confirmed TOTP device for ``user`` and its ``otpauth://`` URL (the secret: show
    it to the user once, as a QR code or text, and keep it nowhere else).

    With ``replace`` the user's other TOTP devices are deleted (a lost or new phone).
    """
    if replace:
        TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=True)
    return device, device.config_url


@transaction.atomic
def new_backup_codes(user, n: int = 10) -> list[str]:
    """``n`` fresh single-use backup codes for ``user``; any earlier ones stop working."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True})
    if not device.confirmed:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(n)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def has_second_factor(user) -> bool:
    return user_has_device(user, confirmed=True)


# --- The admin login ------------------------------------------------------------------------


class StaffLoginForm(OTPAdminAuthenticationForm):
    """django-otp's admin login form, with three changes.

    - A user without a device is told how to get one instead of "Please select a device".
    - When no device is chosen, the code's shape picks it: six digits are the authenticator
      app's, anything else a backup code (django-otp will not try every device, which would
      throttle the ones not meant). With several devices of a kind the list still decides.
    - A wrong code after the right password counts as a failed login for django-axes, so both
      factors share the lockout.
    """

    otp_error_messages = {
        **OTPAdminAuthenticationForm.otp_error_messages,
        "token_required": _("Enter the 6-digit code from your authenticator app, or one of "
                            "your backup codes."),
        "invalid_token": _("That code is wrong or was used already. Wait for the next code "
                           "of your app, or use another backup code."),
        "no_device": _("Your account has no second factor yet, so it cannot open the staff "
                       "pages. Ask an administrator to run “%(command)s” for you and add the "
                       "code it shows to an authenticator app."),
    }

    def clean_otp(self, user):
        if user is None:
            return
        if not has_second_factor(user):
            raise ValidationError(self.otp_error_messages["no_device"],
                                  params={"command": ENROL_COMMAND}, code="no_device")
        token = "".join((self.cleaned_data.get("otp_token") or "").split()).replace("-", "")
        if token and not token.isdigit():
            token = token.lower()  # backup codes are stored in lower case
        self.cleaned_data["otp_token"] = token
        if token and not self.cleaned_data.get("otp_device"):
            device = _device_for(user, token)
            if device is not None:
                self.cleaned_data["otp_device"] = device.persistent_id
        try:
            super().clean_otp(user)
        except ValidationError as exc:
            # A code was tried and refused: wrong, used, or the device is throttled.
            if token and getattr(exc, "code", None) not in _NOT_A_GUESS:
                user_login_failed.send(sender=__name__, request=self.request,
                                       credentials={"username": user.get_username()})
            raise


# Refusals that are not a wrong guess: no code yet, or no device chosen among several.
_NOT_A_GUESS = {"token_required", "device_required", "no_device", "challenge_message",
                "not_interactive"}


def _device_for(user, token: str):
    """The one confirmed device of the kind the token's shape says, or None."""
    if token.isdigit():
        devices = [d for d in TOTPDevice.objects.filter(user=user, confirmed=True)
                   if len(token) == d.digits]
    else:
        devices = list(StaticDevice.objects.filter(user=user, confirmed=True))
    return devices[0] if len(devices) == 1 else None


class StaffAdminSite(OTPAdminSite):
    """``OTPAdminSite`` with our login form and a login page that explains the second factor.

    ``portal/urls.py`` turns Django's default site into this class (django-otp's documented
    ``admin.site.__class__ = ...``), so every ``@admin.register`` stays where it is and the
    site keeps its name, "admin".
    """

    login_form = StaffLoginForm
    login_template = "otp/staff_login.html"
    site_header = _("Rights portal: staff")
    site_title = _("Rights portal")
    index_title = _("Requests and settings")

    def __init__(self, name="admin"):
        super().__init__(name)

    def each_context(self, request):
        return {**super().each_context(request), "enrol_command": ENROL_COMMAND}


# --- django-axes --------------------------------------------------------------------------------
# The address axes counts failures at is requests_app.client_address.client_ip (settings
# AXES_CLIENT_IP_CALLABLE): the same answer as the intake's rate limit.


def lockout_response(request, original_response=None, credentials=None):
    """The page shown to a locked-out login: 429 Too Many Requests, axes' default status."""
    from axes.helpers import get_cool_off
    from django.contrib import admin

    cool_off = get_cool_off(request)
    context = {
        "site_header": admin.site.site_header,
        "site_title": admin.site.site_title,
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": int(cool_off.total_seconds() // 60) if cool_off else None,
    }
    return render(request, "registration/locked_out.html", context,
                  status=getattr(settings, "AXES_HTTP_RESPONSE_CODE", 429))
