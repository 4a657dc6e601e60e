"""The private links a requester receives: the signed confirmation link and the status link.

Only a hash of the status token is stored (``Request.status_token_hash``); with the server's
key the token can be derived again for later e-mails (``references.status_token``).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import translation

from requests_app.models import Request
from requests_app.references import status_token

# The salt keeps its historical value: confirmation links already e-mailed keep working.
_CONFIRM_SALT = "requests_app.intake.confirm"


def confirmation_token(request: Request) -> str:
    return signing.TimestampSigner(salt=_CONFIRM_SALT).sign(request.reference)


def confirm_path(request: Request) -> str:
    with translation.override(request.language):
        return reverse("public:confirm", kwargs={"token": confirmation_token(request)})


def request_for_confirmation(token: str) -> Request | None:
    """The request a confirmation link belongs to, or None if the link is forged or expired."""
    try:
        reference = signing.TimestampSigner(salt=_CONFIRM_SALT).unsign(
            token, max_age=timedelta(days=settings.UNCONFIRMED_REQUEST_TTL_DAYS)
        )
    except signing.BadSignature:
        return None
    return Request.objects.select_related("organisation").filter(reference=reference).first()


def status_url(request: Request) -> str:
    """The status-page link of a confirmed request, for e-mails after the receipt.

    If the server's key has changed since the receipt, the old link no longer derives: the
    request gets a new link (the old one stops working) rather than e-mails with a dead one.
    """
    token = status_token(request.reference, request.status_token_salt)
    if Request.hash_token(token) != request.status_token_hash:
        request.status_token_hash = Request.hash_token(token)
        Request.objects.filter(pk=request.pk).update(status_token_hash=request.status_token_hash)
    return absolute_url(status_path(request, token))
    request.refresh_from_db()
    return token


def status_path(request: Request, token: str) -> str:
    with translation.override(request.language):
        return reverse("public:status", kwargs={"token": token})


def request_for_status_token(token: str) -> Request | None:
    if not token or len(token) > 100:
        return None
    return (
        Request.objects.select_related("organisation")
        .filter(status_token_hash=Request.hash_token(token))
        .first()
    )


def absolute_url(path: str) -> str:
    return f"{settings.SITE_URL}{path}"
