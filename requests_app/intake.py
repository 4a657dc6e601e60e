"""Public intake: a subject files a request, confirms the e-mail address, and gets a receipt.

Only a confirmed request enters the staff queue; unconfirmed ones are deleted after
``UNCONFIRMED_REQUEST_TTL_DAYS`` (the confirmation link expires at the same time).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from requests_app import access, events, notifications
from requests_app.casework import checklist, workflow
from requests_app.clock import legal
from requests_app.links import absolute_url, confirm_path, status_path
from requests_app.models import (
    OPEN_STATUSES,
    Channel,
    Event,
    Organisation,
    Relationship,
    Request,
    RequestType,
    Status,
)
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
    now: datetime | None = None,
    submission_token: str | None = None,
) -> Request:
    """Save a request filed through the web form and e-mail the confirmation link.

    The request is saved before anything else can fail: if the broker is down, the e-mail
    waits in the outbox and the subject still sees the normal confirmation page. ``now`` is
    the moment it was sent (default: this instant); the services of this module and of
    ``workflow`` take it for a caller that replays a past through the same rules (the demo's
    history), never from a public path.

    ``submission_token`` (the form's, ``forms.render_stamp``) makes this idempotent: the same
    form sent again returns the request saved the first time, and files no second request and
    sends no second confirmation e-mail. That is what makes a resend safe after a double
    click, or after an error page whose transaction had in fact committed (a connection lost
    during COMMIT leaves the sender unable to know), and what lets the view retry once.
    The unique constraint decides, so two copies sent at the same moment also file one.

    One transaction and no savepoint: on a collision (of the reference, expected once in
    billions, or of the token) the whole transaction rolls back and is run again with a new
    reference, or the earlier request is returned.
    """
    now = now or timezone.now()
    for _attempt in range(5):
        reference = new_reference()
        try:
            with transaction.atomic():
                request = Request.objects.create(
                    reference=reference, organisation=organisation, type=request_type,
                    language=language, subject_name=subject_name, subject_email=subject_email,
                    subject_phone=subject_phone, relationship=relationship,
                    description=description, details=details or {},
                    received_at=now, submission_token=submission_token or None,
                )
                events.record(request, Event.Kind.CREATED, actor_label=events.SUBJECT,
                              to_value=request.type, at=now)
                notifications.confirmation_email(request, absolute_url(confirm_path(request)),
                                                 now=now)
            return request
        except IntegrityError:
            # The INSERT waited for a concurrent one with the same token to commit or roll
            # back, so this lookup sees the winner.
            earlier = submission_token and Request.objects.filter(
                submission_token=submission_token).first()
            if earlier:
                return earlier  # the same form again: nothing new to file or send
            if not Request.objects.filter(reference=reference).exists():
                raise  # another constraint: not ours to retry
    raise RuntimeError("Could not draw a unique reference")


def _create_with_unique_reference(**fields) -> Request:
    """References are random; on the rare collision draw another one."""
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return Request.objects.create(reference=new_reference(), **fields)
        except IntegrityError:
            continue
    raise RuntimeError("Could not draw a unique reference")


def confirm_request(request: Request, *, now: datetime | None = None) -> str | None:
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
        locked.confirmed_at = now or timezone.now()
        events.record(locked, Event.Kind.EMAIL_CONFIRMED, actor_label=events.SUBJECT,
                      to_value=locked.subject_email, at=locked.confirmed_at)
        token = _enter_queue(locked, actor_label=events.SUBJECT, now=locked.confirmed_at)
    request.refresh_from_db()
    return token


def register_request(
    *,
    organisation: Organisation,
    channel: str,
    received_at: datetime,
    request_type: str,
    language: str,
    subject_name: str,
    subject_email: str,
    relationship: str,
    actor: AbstractBaseUser | None,
    received_fold: int | None = None,
    subject_phone: str = "",
    description: str = "",
    details: dict | None = None,
    now: datetime | None = None,
    send_receipt: bool = True,
) -> tuple[Request, str]:
    """Staff register a request that came by e-mail, phone, letter or in person.

    The actor must be allowed to work in the organisation (``access.WORK``); ``None`` only
    for the system itself (an import), never for a staff path. The clock runs
    from the real time of receipt (Art. 12(3)), not from the registration, so that time is
    checked here (``receipt_time``), for every caller; the subject gets the same receipt and
    status link as on the web, if an address is known, unless ``send_receipt`` is False (a
    request that came in an automatic message, which is never answered automatically: RFC
    3834). Returns the request and its status token. ``now``: the moment of the registration
    (default: this instant; see ``submit_request``).
    """
    access.require(actor, access.WORK, organisation)
    now = now or timezone.now()
    received_at = receipt_time(organisation=organisation, received_at=received_at,
                               fold=received_fold, now=now)
    with transaction.atomic():
        request = _create_with_unique_reference(
            organisation=organisation, type=request_type, language=language, channel=channel,
            subject_name=subject_name, subject_email=subject_email, subject_phone=subject_phone,
            relationship=relationship, description=description, details=details or {},
            received_at=received_at, confirmed_at=now,
        )
        events.record(request, Event.Kind.CREATED, actor=actor, to_value=request.type,
                      message=Channel(channel).label, at=now)
        token = _enter_queue(request, actor=actor, now=now, send_receipt=send_receipt)
    return request, token


def file_test_request(*, organisation: Organisation, actor: AbstractBaseUser) -> Request:
    """A test request, filed by staff from the organisation's page to see the portal work:
    an access request in the organisation's language from the actor (their address gets the
    receipt and the status link, as a requester would), entered in the queue like any other
    but marked ``is_test``, so no report, register or public figure counts it and no
    reminder or escalation is sent for it. Organisation admins only (``ADMINISTER``)."""
    access.require(actor, access.ADMINISTER, organisation)
    now = timezone.now()  # received and confirmed at once
    with transaction.atomic():
        request = _create_with_unique_reference(
            organisation=organisation, type=RequestType.ACCESS,
            language=organisation.default_language, channel=Channel.WEB, is_test=True,
            subject_name=actor.get_full_name() or actor.get_username(),
            subject_email=actor.email or organisation.contact_email,
            relationship=Relationship.OTHER, description="TEST",
            received_at=now, confirmed_at=now)
        events.record(request, Event.Kind.CREATED, actor=actor, to_value=request.type,
                      message="TEST")
        _enter_queue(request, actor=actor)
    return request


def receipt_time(*, organisation: Organisation, received_at: datetime,
                 fold: int | None = None, now: datetime | None = None) -> datetime:
    """The moment a request reached the organisation, checked; the legal clock starts there.

    ``received_at`` is either a moment (an aware datetime, such as an e-mail's date) or what
    staff read off a clock where the organisation is (a naive wall-clock time in its time
    zone). A wall-clock time must exist there and be one moment:

    - in the hour skipped when the clocks go forward it does not exist: refused;
    - in the hour repeated when the clocks go back it happened twice: refused unless ``fold``
      says which (0 the first, in summer time, 1 the second, as in PEP 495);
    - no time of receipt may be in the future.

    Errors are keyed ``received_at`` (and ``received_fold``) so a form can show them beside
    its fields.
    """
    zone = ZoneInfo(organisation.time_zone)
    if timezone.is_naive(received_at):
        first = received_at.replace(tzinfo=zone, fold=0)
        second = received_at.replace(tzinfo=zone, fold=1)
        if _round_trip(first) != received_at and _round_trip(second) != received_at:
            raise ValidationError({"received_at": _(
                "This time does not exist there (the clocks were put forward).")})
        if first.utcoffset() != second.utcoffset():  # the repeated hour
            if fold not in (0, 1):
                raise ValidationError({"received_fold": _(
                    "This time happened twice there (the clocks were put back): say "
                    "whether it was the first or the second time.")})
            received_at = second if fold else first
        else:
            received_at = first
    elif isinstance(received_at.tzinfo, ZoneInfo) and _round_trip(received_at) != \
            received_at.replace(tzinfo=None):
        # An aware time built from a wall-clock time that does not exist in its own zone.
        raise ValidationError({"received_at": _(
            "This time does not exist there (the clocks were put forward).")})
    # In UTC: a time in the repeated hour never compares equal to one in another zone
    # (PEP 495), so nothing downstream should hold it in local time.
    received_at = received_at.astimezone(UTC)
    if received_at > (now or timezone.now()):
        raise ValidationError({"received_at": _(
            "The time of receipt cannot be in the future.")})
    return received_at


def _round_trip(moment: datetime) -> datetime:
    """The wall-clock time ``moment`` shows after a trip through UTC: differs from the one it
    was built from only when that one does not exist in its zone."""
    return moment.astimezone(UTC).astimezone(moment.tzinfo).replace(tzinfo=None, fold=0)


def _enter_queue(request: Request, *, actor=None, actor_label: str = "",
                 now: datetime | None = None, send_receipt: bool = True) -> str:
    """What every request goes through when it reaches the staff queue: the clock starts,
    the status link is made, the checklist is built, a duplicate is linked, and the receipt
    is e-mailed. Returns the status token."""
    request.status_token_salt = new_token_salt()
    token = status_token(request.reference, request.status_token_salt)
    request.status_token_hash = Request.hash_token(token)
    legal.start(request, now=now)
    request.save()
    checklist.build(request, now=now)
    _link_duplicate(request, now=now)
    workflow.accept(request, actor=actor, actor_label=actor_label, now=now)
    if request.subject_email and send_receipt:
        notifications.receipt_email(request, absolute_url(status_path(request, token)), now=now)
    return token


def _link_duplicate(request: Request, *, now: datetime | None = None) -> None:
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
        events.record(request, Event.Kind.DUPLICATE, to_value=first.reference, at=now)
        events.record(first, Event.Kind.DUPLICATE, to_value=request.reference, at=now)


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
