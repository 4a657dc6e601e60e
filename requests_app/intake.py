"""Public intake: a subject files a request, confirms the e-mail address, and gets a receipt.

Only a confirmed request enters the staff queue; unconfirmed ones are deleted after
``UNCONFIRMED_REQUEST_TTL_DAYS`` (the confirmation link expires at the same time).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from requests_app import clock, events, notifications, workflow
from requests_app.models import Event, Organisation, Request, Status
from requests_app.references import new_reference, new_status_token

logger = logging.getLogger(__name__)

_CONFIRM_SALT = "requests_app.intake.confirm"


def submit_request(
    *,
    organisation: Organisation,
    request_type: str,
    language: str,
    subject_name: str,
    subject_email: str,
    relationship: str,
    subject_phone: str = "",
    description: str = "",
    details: dict | None = None,
) -> Request:
    """Save a request filed through the web form and e-mail the confirmation link.

    The request is saved before anything else can fail: if the broker is down, the e-mail
    waits in the outbox and the subject still sees the normal confirmation page.
    """
    with transaction.atomic():
        request = _create_with_unique_reference(
            organisation=organisation, type=request_type, language=language,
            subject_name=subject_name, subject_email=subject_email, subject_phone=subject_phone,
            relationship=relationship, description=description, details=details or {},
            received_at=timezone.now(),
        )
        events.record(request, Event.Kind.CREATED, actor_label=events.SUBJECT,
                      to_value=request.type)
        notifications.confirmation_email(request, absolute_url(confirm_path(request)))
    return request


def _create_with_unique_reference(**fields) -> Request:
    """References are random; on the rare collision draw another one."""
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Request.objects.create(reference=new_reference(), **fields)
        except IntegrityError:
            continue
    raise RuntimeError("Could not draw a unique reference")


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


def confirm_request(request: Request) -> str | None:
    """Confirm the subject's address: the request enters the staff queue.

    Steps: set the due date (GDPR Art. 12(3), through ``clock``), move the status to new,
    log both, and e-mail the receipt with a new secret status link. Returns the status token,
    or None if the request was confirmed before (the link in the receipt e-mail still works).
    """
    with transaction.atomic():
        locked = Request.objects.select_for_update().select_related("organisation").get(
            pk=request.pk
        )
        if locked.status != Status.AWAITING_CONFIRMATION:
            return None
        token = new_status_token()
        locked.status_token_hash = Request.hash_token(token)
        locked.confirmed_at = timezone.now()
        events.record(locked, Event.Kind.EMAIL_CONFIRMED, actor_label=events.SUBJECT,
                      to_value=locked.subject_email)
        clock.start(locked)
        locked.save(update_fields=["status_token_hash", "confirmed_at", "due_date",
                                   "statutory_due_date", "updated_at"])
        workflow.change_status(locked, Status.NEW, actor_label=events.SUBJECT)
        notifications.receipt_email(locked, absolute_url(status_path(locked, token)))
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


def delete_expired_unconfirmed(*, now=None) -> int:
    """Delete requests whose address was never confirmed within the link's lifetime.

    They never reached the staff queue, so they are no request under the GDPR; keeping the
    name and address of someone who may not even have filed them would be the opposite of
    data minimisation (Art. 5(1)(c)).
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.UNCONFIRMED_REQUEST_TTL_DAYS)
    deleted, _ = Request.objects.filter(
        status=Status.AWAITING_CONFIRMATION, created_at__lt=cutoff
    ).delete()
    if deleted:
        logger.info("Deleted %d rows of expired unconfirmed requests.", deleted)
    return deleted
