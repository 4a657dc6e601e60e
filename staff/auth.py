"""Staff logins: a password, then a second factor, and a lockout after repeated failures.

The admin is the only login. Its site is django-otp's ``OTPAdminSite`` (installed in
``portal/urls.py``), so a session counts as staff only once a confirmed device has verified a
code: a TOTP authenticator app, or one of the user's single-use backup codes. django-axes locks
a username at an address after ``AXES_FAILURE_LIMIT`` failures (settings).

Backup codes are stored only as keyed hashes (``backup_code_hash``), so a copy of the
database opens nothing. A refused sign-in always gets the same answer, whichever factor was
wrong, so the page never tells an attacker that a password is right.

Enrolment is a command an administrator runs (``manage.py staff_otp USERNAME``); the functions
below are what it and ``load_demo`` share.
"""

from __future__ import annotations

from base64 import b32encode

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import render
from django.utils.crypto import salted_hmac
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
def start_totp(user) -> TOTPDevice:
    """An unconfirmed TOTP device for a user setting up the second factor themself (an
    invitee, ``staff.views``): it opens nothing until ``confirm_totp`` sees a right code
    from it. Earlier unconfirmed devices of the user go (a reloaded page, a new attempt)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)


def confirm_totp(device: TOTPDevice, code: str) -> bool:
    """Confirm ``device`` if ``code`` is its current code (django-otp's check, with its
    throttling after a wrong code). Whether it was."""
    code = "".join((code or "").split())
    if not code.isdigit() or not device.verify_token(code):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return True


@transaction.atomic
def new_backup_codes(user, n: int = 10) -> list[str]:
    """``n`` fresh single-use backup codes for ``user``; any earlier ones stop working.

    The codes are returned to be shown once; only their hashes are stored."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True})
    if not device.confirmed:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    device.token_set.all().delete()
    codes = [_new_backup_code() for _ in range(n)]
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=backup_code_hash(code, user_id=user.pk))
        for code in codes)
    return codes


def _new_backup_code() -> str:
    """Eight characters of base32 (40 random bits), never all digits: the login tells a
    backup code from an app's code by its shape."""
    while (code := StaticToken.random_token()).isdigit():
        pass
    return code


def backup_code_hash(code: str, *, user_id: int) -> str:
    """What is stored of a backup code (in django-otp's ``StaticToken.token``, 16 characters).

    HMAC-SHA256 under a key derived from ``SECRET_KEY``, so a copy of the database alone
    cannot be searched for the codes (2^40 of them), and with the user's id in the message,
    so one code of two users is stored differently. The hash is deterministic, so django-otp's
    own lookup, single use and throttling work unchanged on it. Changing ``SECRET_KEY``
    retires every backup code (``manage.py staff_otp USERNAME`` makes new ones).
    Base32 of the first 80 bits: plenty for a secret of 40 bits."""
    digest = salted_hmac("staff.auth.backup_code", f"{user_id}:{code}",
                         algorithm="sha256").digest()
    return b32encode(digest[:10]).decode().lower()


def has_second_factor(user) -> bool:
    return user_has_device(user, confirmed=True)


# --- The admin login ------------------------------------------------------------------------


class StaffLoginForm(OTPAdminAuthenticationForm):
    """django-otp's admin login form, with four changes.

    - Every refusal has one message, whether the password, the code or the second factor is
      what is wrong or missing: a different answer to the right password would confirm it to
      an attacker (and a password is often used elsewhere too). The login page itself says
      how to get a second factor.
    - Every refused sign-in counts as a failed login for django-axes, once, so both factors
      share the lockout and the lockout cannot tell a right password either.
    - No device list, and the password is not written back into the page: django-otp does
      both only after a right password, which would tell it too (and put the password in the
      HTML). The code's shape picks the device instead. Six digits are the authenticator
      app's; anything else is a backup code, looked up by its hash among the user's backup
      devices (django-otp will not try every device, which would throttle the ones not
      meant).
    - A backup code is hashed (``backup_code_hash``) before django-otp compares it.
    """

    error_messages = {
        **OTPAdminAuthenticationForm.error_messages,
        "invalid_login": _("The username, password or code is wrong, or the code was used "
                           "already. Try again with all three; after a wrong code wait a "
                           "few seconds, and take the next code of your app or another "
                           "backup code."),
    }

    def clean_otp(self, user):
        if user is None:
            return
        try:
            self._check_second_factor(user)
        except ValidationError:
            user_login_failed.send(sender=__name__, request=self.request,
                                   credentials={"username": user.get_username()})
            raise self.get_invalid_login_error() from None

    def _check_second_factor(self, user) -> None:
        if not has_second_factor(user):
            raise ValidationError("No confirmed device.", code="no_device")
        token = "".join((self.cleaned_data.get("otp_token") or "").split()).replace("-", "")
        if token and not token.isdigit():
            # Backup codes are shown in lower case and stored as their hash.
            token = backup_code_hash(token.lower(), user_id=user.pk)
        self.cleaned_data["otp_token"] = token
        if token and not self.cleaned_data.get("otp_device"):
            device = _device_for(user, token)
            if device is not None:
                self.cleaned_data["otp_device"] = device.persistent_id
        super().clean_otp(user)

    def _update_form(self, user):
        """django-otp fills the device list and writes the password back after a right
        password; a refused page must look the same whichever factor was wrong."""


def _device_for(user, token: str):
    """The confirmed device the token's shape says: for six digits the user's newest app
    of that many digits (``staff_otp`` keeps one); for a backup code's hash the backup device
    that holds it, else the first one (so a wrong code is throttled there). None if the user
    has no device of that kind."""
    if token.isdigit():
        return (TOTPDevice.objects.filter(user=user, confirmed=True, digits=len(token))
                .order_by("-id").first())
    devices = StaticDevice.objects.filter(user=user, confirmed=True).order_by("id")
    return devices.filter(token_set__token=token).first() or devices.first()


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
        from requests_app.onboarding import organisations

        context = {**super().each_context(request), "enrol_command": ENROL_COMMAND}
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            context["may_create_organisation"] = organisations.may_create(request.user)
        return context


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
