"""An invitee's first sign-in: from the e-mailed link, a password, then the second factor
(an authenticator app, confirmed by one of its codes) and backup codes, then the admin.

Thin views: who may be invited and when a link is valid is ``onboarding.invitations``; the
devices are ``staff.auth``. The invitation is used (``invitations.accept``) only when the
second factor is confirmed, so an invitee who stops halfway can open the link again until it
expires; the account made at the password step opens nothing before that (no device, no
membership).
"""

from __future__ import annotations

import functools
import io

from django import forms
from django.contrib.auth import login
from django.contrib.auth.forms import SetPasswordMixin
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from requests_app.onboarding import invitations
from staff import auth

_SESSION_KEY = "staff_welcome_user"


class PasswordForm(SetPasswordMixin, forms.Form):
    password1, password2 = SetPasswordMixin.create_password_fields()

    def __init__(self, *args, invitation, **kwargs):
        super().__init__(*args, **kwargs)
        self.invitation = invitation

    def clean(self):
        self.validate_passwords()
        password = self.cleaned_data.get("password1")
        if password and not self.errors:
            try:
                invitations.check_password(self.invitation, password)
            except ValidationError as error:
                self.add_error("password2", error)
        return super().clean()


class CodeForm(forms.Form):
    code = forms.CharField(label=_("Code from the app"), max_length=10,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code",
                                                         "inputmode": "numeric"}))


def _render(request, template, context, status=200):
    """The admin's look without its menus: only the site's titles from its context (the
    user is signed in only at the last step)."""
    from django.contrib import admin

    return render(request, template, {"site_header": admin.site.site_header,
                                      "site_title": admin.site.site_title,
                                      "has_permission": False, **context}, status=status)


def _invalid(request, error):
    return _render(request, "staff/welcome_invalid.html", {"message": error.messages[0]},
                   status=410)


def _with_invitation(view):
    """Open the link's invitation, or answer 410 with why not, and speak its language; the
    view gets it after the token."""

    @functools.wraps(view)
    def wrapper(request, token):
        try:
            invitation = invitations.open_invitation(token)
        except invitations.InvitationInvalid as error:
            return _invalid(request, error)
        translation.activate(invitation.language)
        return view(request, token, invitation)

    return wrapper


def _qr_svg(data: str) -> str:
    import qrcode
    import qrcode.image.svg

    out = io.BytesIO()
    qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8).save(out)
    return out.getvalue().decode()


@never_cache
@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
@_with_invitation
def accept(request, token, invitation):
    """Step 1: the password."""
    form = PasswordForm(request.POST or None, invitation=invitation)
    if request.method == "POST" and form.is_valid():
        try:
            user = invitations.create_account(invitation,
                                              password=form.cleaned_data["password1"])
        except invitations.InvitationInvalid as error:
            return _invalid(request, error)
        auth.start_totp(user)
        request.session.cycle_key()
        request.session[_SESSION_KEY] = [invitation.pk, user.pk]
        return redirect("staff_welcome:second_factor", token=token)
    return _render(request, "staff/welcome_password.html",
                   {"form": form, "invitation": invitation}, status=400 if form.errors else 200)


@never_cache
@require_http_methods(["GET", "POST"])
@_with_invitation
def second_factor(request, token, invitation):
    """Step 2: the authenticator app, then the backup codes; the invitation is used here."""
    if request.session.get(_SESSION_KEY) != [invitation.pk, invitation.user_id]:
        return redirect("staff_welcome:accept", token=token)  # the password first, here
    user = invitation.user
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = auth.start_totp(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            # One transaction: a device is confirmed only with the invitation it accepts
            # (another tab that used the link first rolls this one back).
            with transaction.atomic():
                confirmed = auth.confirm_totp(device, form.cleaned_data["code"])
                if confirmed:
                    invitations.accept(invitation, user=user)
                    codes = auth.new_backup_codes(user)
        except invitations.InvitationInvalid as error:
            return _invalid(request, error)
        if confirmed:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            otp_login(request, device)
            next_url = (reverse("admin:requests_app_organisation_create")
                        if invitation.new_organisation else reverse("admin:index"))
            return _render(request, "staff/welcome_done.html",
                           {"codes": codes, "next_url": next_url, "invitation": invitation})
        form.add_error("code", _("That code is not right, or it has expired. Wait for the "
                                 "next code in the app and type it."))
    secret = device.config_url
    return _render(request, "staff/welcome_second_factor.html", {
        "form": form, "invitation": invitation, "otpauth_url": secret,
        "secret": _base32(device), "qr_svg": _qr_svg(secret),
    }, status=400 if form.errors else 200)


def _base32(device: TOTPDevice) -> str:
    from base64 import b32encode

    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i:i + 4] for i in range(0, len(key), 4))
