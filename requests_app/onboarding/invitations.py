"""Invitations: staff join by an e-mailed, signed, expiring, single-use link.

Who may invite (``invite``): a superuser anyone, anywhere, and the admin of a new
organisation (``organisation=None``); an organisation admin only into an organisation they
administer (``access.ADMINISTER``), never into another one.

The link carries a random secret, signed with a timestamp (``TimestampSigner``): a forged
or altered link fails the signature, an old one the age, and only the secret's hash is
stored, so a copy of the database opens no invitation. It is used once: ``accept`` claims
the invitation with a conditional update (``accepted_at`` still empty), so two tabs or a
replayed form cannot both create an account from it. The staff view
(``staff.views``) accepts only after the invitee has set a password and confirmed a second
factor, so a half-finished sign-up leaves the link usable until it expires.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from requests_app import access, links, notifications
from requests_app.models import Invitation, Membership, Organisation

_SALT = "requests_app.onboarding.invitation"


def valid_days() -> int:
    """How long an invitation link works (``INVITATION_DAYS``, default 7)."""
    return settings.INVITATION_DAYS


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def may_invite(actor, organisation: Organisation | None) -> bool:
    """Superusers invite anywhere and the admins of new organisations; an organisation admin
    invites into the organisations they administer."""
    if actor is None or not actor.is_active:
        return False
    if actor.is_superuser:
        return True
    return organisation is not None and access.may(actor, access.ADMINISTER, organisation)


def invite(*, actor, email: str, role: str, organisation: Organisation | None,
           language: str = "nb") -> tuple[Invitation, str]:
    """Invite ``email`` as ``role`` in ``organisation`` (``None``: the admin of a new
    organisation they will create) and e-mail the link through the outbox. Returns the
    invitation and the link (the only copy of its secret besides the e-mail)."""
    if not may_invite(actor, organisation):
        raise access.NotAllowed(_("Only an organisation admin of this organisation may invite "
                                  "people into it; a new organisation's admin is invited by "
                                  "a superuser."))
    email = get_user_model().objects.normalize_email(email or "").strip().lower()
    if not email:
        raise ValidationError({"email": _("Give the e-mail address of the person.")})
    if role not in Membership.Role.values:
        raise ValidationError({"role": _("Choose a role.")})
    if organisation is None:
        role = Membership.Role.ORG_ADMIN  # whoever creates an organisation administers it
    if get_user_model().objects.filter(username__iexact=email).exists():
        raise ValidationError({"email": _(
            "This address already has a staff account: add it to the organisation as a "
            "member instead.")})
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    secret = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        invitation = Invitation.objects.create(
            email=email, role=role, organisation=organisation,
            new_organisation=organisation is None, language=language, invited_by=actor,
            token_hash=_hash(secret), created_at=now,
            expires_at=now + timedelta(days=valid_days()))
        url = links.absolute_url(reverse("staff_welcome:accept", kwargs={
            "token": signing.TimestampSigner(salt=_SALT).sign(secret)}))
        notifications.invitation_email(invitation, url)
    return invitation, url


class InvitationInvalid(ValidationError):
    """The link is forged, expired or used: one message for all three, in the user's
    language."""


def _invalid() -> InvitationInvalid:
    return InvitationInvalid(_("This invitation link is not valid: it has expired or has been "
                               "used already. Ask the person who invited you for a new one."))


def open_invitation(token: str, *, now=None) -> Invitation:
    """The invitation a link belongs to, if it can still be accepted; ``InvitationInvalid``
    otherwise (forged, older than ``valid_days``, past ``expires_at``, or accepted)."""
    now = now or timezone.now()
    try:
        secret = signing.TimestampSigner(salt=_SALT).unsign(
            token or "", max_age=timedelta(days=valid_days()))
    except signing.BadSignature:
        raise _invalid() from None
    invitation = (Invitation.objects.select_related("organisation")
                  .filter(token_hash=_hash(secret)).first())
    if invitation is None or invitation.accepted_at is not None or invitation.expires_at <= now:
        raise _invalid()
    return invitation


def check_password(invitation: Invitation, password: str) -> None:
    """Django's password validators, for the account the invitation will make."""
    user = get_user_model()(username=invitation.email, email=invitation.email)
    password_validation.validate_password(password, user)


def create_account(invitation: Invitation, *, password: str):
    """The staff account of an invitation that is not accepted yet, with its password (made
    again with the new password if the invitee comes back to the link before finishing):
    staff, but with no membership and no second factor, so it opens nothing until
    ``accept``."""
    check_password(invitation, password)
    User = get_user_model()
    with transaction.atomic():
        user = invitation.user
        if user is None:
            if User.objects.filter(username__iexact=invitation.email).exists():
                # An account made since the invitation was sent is not this link's to take
                # over: its password stays as it is.
                raise _invalid()
            user = User(username=invitation.email, email=invitation.email, is_staff=True)
        user.set_password(password)
        user.save()
        Invitation.objects.filter(pk=invitation.pk).update(user=user)
        invitation.user = user
    return user


def accept(invitation: Invitation, *, user, now=None) -> Invitation:
    """Use the invitation, once: the member's role in its organisation begins. The
    conditional update is the claim: a second accept of the same invitation (another tab,
    a replayed form) changes no row and is refused."""
    now = now or timezone.now()
    with transaction.atomic():
        won = Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True,
                                        expires_at__gt=now).update(accepted_at=now, user=user)
        if not won:
            raise _invalid()
        if invitation.organisation_id is not None:
            Membership.objects.get_or_create(
                user=user, organisation_id=invitation.organisation_id,
                defaults={"role": invitation.role, "language": invitation.language})
        access.forget(user)
    invitation.refresh_from_db()
    return invitation


def pending_new_organisation(user) -> Invitation | None:
    """The accepted invitation that lets ``user`` create an organisation, not yet used."""
    if user is None or not user.is_authenticated:
        return None
    return (Invitation.objects.filter(user=user, new_organisation=True, organisation=None,
                                      accepted_at__isnull=False).order_by("created_at").first())
