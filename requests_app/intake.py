"""Public intake: a subject files a request, confirms the e-mail address, and gets a receipt.

Only a confirmed request enters the staff queue; unconfirmed ones are deleted after
``UNCONFIRMED_REQUEST_TTL_DAYS`` (the confirmation link expires at the same time).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from requests_app import access, events, notifications
from requests_app.casework import checklist, workflow
from requests_app.clock import legal
from requests_app.links import absolute_url, confirm_path, status_path
from requests_app.models import OPEN_STATUSES, Channel, Event, Organisation, Request, Status
from requests_app.references import new_reference, new_token_salt, status_token

logger = logging.getLogger(__name__)

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
        locked.confirmed_at = timezone.now()
        events.record(locked, Event.Kind.EMAIL_CONFIRMED, actor_label=events.SUBJECT,
                      to_value=locked.subject_email)
        token = _enter_queue(locked, actor_label=events.SUBJECT)
    request.refresh_from_db()
    return token


def register_request(
    *,
    organisation: Organisation,
    channel: str,
    received_at,
    request_type: str,
    language: str,
    subject_name: str,
    subject_email: str,
    relationship: str,
    actor,
    subject_phone: str = "",
    description: str = "",
    details: dict | None = None,
) -> tuple[Request, str]:
    """Staff register a request that came by e-mail, phone, letter or in person.

    The clock runs from the real time of receipt (Art. 12(3)), not from the registration; the
    subject gets the same receipt and status link as on the web, if an address is known.
    Returns the request and its status token. By whoever may work on the organisation's
    requests.
    """
    access.require(actor, access.WORK, organisation)
    if received_at > timezone.now():
        raise ValidationError(_("The time of receipt cannot be in the future."))
    with transaction.atomic():
        request = _create_with_unique_reference(
            organisation=organisation, type=request_type, language=language, channel=channel,
            subject_name=subject_name, subject_email=subject_email, subject_phone=subject_phone,
            relationship=relationship, description=description, details=details or {},
            received_at=received_at, confirmed_at=timezone.now(),
        )
        events.record(request, Event.Kind.CREATED, actor=actor, to_value=request.type,
                      message=Channel(channel).label)
        token = _enter_queue(request, actor=actor)
    return request, token


def _enter_queue(request: Request, *, actor=None, actor_label: str = "") -> str:
    """What every request goes through when it reaches the staff queue: the clock starts,
    the status link is made, the checklist is built, a duplicate is linked, and the receipt
    is e-mailed. Returns the status token."""
    request.status_token_salt = new_token_salt()
    token = status_token(request.reference, request.status_token_salt)
    request.status_token_hash = Request.hash_token(token)
    legal.start(request)
    request.save()
    checklist.build(request)
    _link_duplicate(request)
    workflow.change_status(request, Status.NEW, actor=actor, actor_label=actor_label)
    if request.subject_email:
        notifications.receipt_email(request, absolute_url(status_path(request, token)))
    return token


def _link_duplicate(request: Request) -> None:
    """A second open request from the same address to the same organisation is linked to the
    first, so staff answer both together (the requester may just have tried twice)."""
    if not request.subject_email:
        return
    first = (Request.objects.filter(organisation_id=request.organisation_id,
                                    subject_email__iexact=request.subject_email,
                                    status__in=OPEN_STATUSES)
             .exclude(pk=request.pk).order_by("received_at").first())
    if first is not None:
        request.duplicate_of = first
        request.save(update_fields=["duplicate_of", "updated_at"])
        events.record(request, Event.Kind.DUPLICATE, to_value=first.reference)
        events.record(first, Event.Kind.DUPLICATE, to_value=request.reference)


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
