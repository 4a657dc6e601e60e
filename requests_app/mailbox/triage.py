"""What staff do with a saved e-mail, and what the portal does by itself: one service each.

- ``register``: make the e-mail a request (``intake.register_request`` with the e-mail's
  arrival as the time of receipt: the clock runs from then, GDPR Art. 12(3)); its text and
  its permitted attachments go into the request's conversation, and the sender gets the
  same receipt and status link as a web request, unless the message was sent automatically.
- ``attach``: add it to an existing request's conversation (``workflow.subject_replied``,
  which also brings a waiting request back).
- ``dismiss``: not a request; it is deleted after the mailbox's ``not_request_days``.
- ``kept_file``: one of its permitted attachments, for staff to open before they decide.
- ``attach_replies``: a message whose subject carries the reference of one of the
  organisation's requests is attached to it without waiting for staff, once (``checked_at``
  is claimed by a conditional update). An automatic message (an out-of-office reply quoting
  the subject) is never attached by itself: it would bring a waiting request back as if the
  requester had answered.
- ``remind_untouched``: a message nobody has looked at after ``triage_reminder_hours``
  reminds the organisation's queue contacts, once (``reminded_at`` claimed in the same
  transaction as the outbox e-mails, as ``clock.reminders`` does).
- ``purge``: messages marked "not a request" go after their period.

This module sits above ``intake`` in the import contract: it calls intake and the workflow,
and nothing below imports it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from requests_app import access, deadlines, intake, notifications
from requests_app.casework import conversation, workflow
from requests_app.clock import legal
from requests_app.mailbox import classify, fetch, parse
from requests_app.models import (
    Channel,
    IncomingMessage,
    Mailbox,
    Membership,
    Relationship,
    Request,
)

logger = logging.getLogger(__name__)
State = IncomingMessage.State


# --- Reading a message for the page --------------------------------------------------------


@dataclass
class Shown:
    """A message as the triage page shows it: never the raw HTML."""

    parsed: parse.Parsed
    kept: list[parse.Part]
    refused: list[tuple[parse.Part, str]]
    days_gone: int
    due_if_registered: object
    language: str


def _permitted(part: parse.Part) -> str:
    """Why the attachment would not be kept with the request ("" if it would): the status
    page's limits (``conversation.ALLOWED_TYPES``, checked by content, and
    ``MAX_FILE_BYTES``)."""
    magic = conversation.ALLOWED_TYPES.get(part.content_type)
    if part.size > conversation.MAX_FILE_BYTES:
        return _("too large")
    if magic is None:
        return _("type not accepted")
    if not part.content.startswith(magic):
        return _("content does not match its type")
    return ""


def show(message: IncomingMessage, *, now: datetime | None = None) -> Shown:
    raw = fetch.raw_message(message)
    parsed = parse.parse_headers(raw) if message.oversized else parse.parse(raw)
    kept, refused = [], []
    for part in parsed.attachments:
        reason = _permitted(part)
        if reason:
            refused.append((part, reason))
        elif len(kept) < conversation.MAX_FILES:
            kept.append(part)
        else:
            refused.append((part, _("too many files")))
    organisation = message.organisation
    received_local = message.received_at.astimezone(ZoneInfo(organisation.time_zone)).date()
    days_gone = (legal.organisation_today(organisation, now) - received_local).days
    return Shown(parsed=parsed, kept=kept, refused=refused, days_gone=max(0, days_gone),
                 due_if_registered=deadlines.due_date(message.received_at,
                                                      organisation.country,
                                                      zone=organisation.time_zone),
                 language=classify.suggest_language(f"{parsed.subject}\n{parsed.text}",
                                                    default=organisation.default_language))


def kept_file(message: IncomingMessage, index: int, *, actor: AbstractBaseUser) -> parse.Part:
    """One attachment of ``message`` for staff to open before they decide (an identity
    document, say): only one that would be kept with the request (``_permitted``: the status
    page's types, checked by content, and size), never the others, which came from outside
    unchecked. Organisation members who may work its requests only (``access.WORK``). The
    e-mail has no request and so no event log yet: who opened what is logged here. Returns
    the part (its ``content`` is the file); ``LookupError`` for no such kept file."""
    access.require(actor, access.WORK, message.organisation_id)
    shown = show(message)
    part = next((part for part in shown.kept if part.index == index), None)
    if part is None:
        raise LookupError(index)
    logger.info("User %s opened attachment %s (%s) of incoming e-mail %s.", actor.pk,
                index, part.content_type, message.pk)
    return part


def _files(shown: Shown) -> list[SimpleUploadedFile]:
    return [SimpleUploadedFile(part.filename or f"attachment-{part.index}", part.content,
                               part.content_type)
            for part in shown.kept]


def _body(message: IncomingMessage, shown: Shown) -> str:
    """The text that goes into the conversation: a line on where it came from, then the
    message's text (the sanitised HTML's words for an HTML-only one)."""
    header = _("E-mail from %(sender)s, arrived %(arrived)s, subject: %(subject)s") % {
        "sender": message.sender_email or message.sender_name or "?",
        "arrived": message.received_at.astimezone(
            ZoneInfo(message.organisation.time_zone)).strftime("%Y-%m-%d %H:%M"),
        "subject": message.subject or "–"}
    if message.oversized:
        text = _("(The message was too large to be saved whole; read it in the mail "
                 "program.)")
    else:
        text = shown.parsed.text or "–"
    return f"{header}\n\n{text}"


def _lock_new(message: IncomingMessage) -> IncomingMessage:
    locked = IncomingMessage.objects.select_for_update().select_related(
        "organisation").get(pk=message.pk)
    if locked.state != State.NEW:
        raise ValidationError(_("This e-mail was dealt with already (%(state)s).")
                              % {"state": locked.get_state_display()})
    return locked


def _decided(message: IncomingMessage, *, state: str, actor, request: Request | None = None):
    IncomingMessage.objects.filter(pk=message.pk).update(
        state=state, request=request, decided_at=timezone.now(),
        decided_by=actor if actor is not None and actor.pk else None)
    message.refresh_from_db()


# --- Staff's decisions ---------------------------------------------------------------------


def register(message: IncomingMessage, *, actor: AbstractBaseUser, request_type: str,
             language: str, subject_name: str, subject_email: str,
             relationship: str = Relationship.OTHER) -> Request:
    """Make the e-mail a request, received when the e-mail arrived (Art. 12(3))."""
    access.require(actor, access.WORK, message.organisation_id)
    with transaction.atomic():
        locked = _lock_new(message)
        shown = show(locked)
        request, _token = intake.register_request(
            organisation=locked.organisation, channel=Channel.EMAIL,
            received_at=locked.received_at, request_type=request_type, language=language,
            subject_name=subject_name, subject_email=subject_email, relationship=relationship,
            actor=actor, description=shown.parsed.text[:10_000],
            send_receipt=not locked.automatic,
        )
        conversation.receive_from_subject(request, body=_body(locked, shown),
                                          files=_files(shown), notify_staff=False)
        _decided(locked, state=State.REGISTERED, actor=actor, request=request)
    message.refresh_from_db()
    return request


def attach(message: IncomingMessage, *, request: Request, actor: AbstractBaseUser | None,
           notify_staff: bool = True) -> Request:
    """Add the e-mail to ``request``'s conversation (a reply, more documents)."""
    access.require(actor, access.WORK, message.organisation_id)
    if request.organisation_id != message.organisation_id:
        raise ValidationError(_("That request belongs to another organisation."))
    with transaction.atomic():
        locked = _lock_new(message)
        shown = show(locked)
        workflow.subject_replied(request, body=_body(locked, shown),
                                 files=_files(shown))
        _decided(locked, state=State.ATTACHED, actor=actor, request=request)
    message.refresh_from_db()
    return request


def dismiss(message: IncomingMessage, *, actor: AbstractBaseUser) -> None:
    """Not a request (spam, a newsletter, a question about something else)."""
    access.require(actor, access.WORK, message.organisation_id)
    with transaction.atomic():
        locked = _lock_new(message)
        _decided(locked, state=State.NOT_REQUEST, actor=actor)
    message.refresh_from_db()


def find_request(message: IncomingMessage, reference: str) -> Request | None:
    """The organisation's request with that reference (staff type it; a reply carries it)."""
    from requests_app.references import parse_reference

    normalised = parse_reference(reference or "")
    if normalised is None:
        return None
    return Request.objects.filter(organisation_id=message.organisation_id,
                                  reference=normalised).first()


# --- What the portal does by itself --------------------------------------------------------


def attach_replies(*, mailbox_id: int | None = None) -> int:
    """Attach each new message whose subject names one of the organisation's requests, once.
    Returns how many were attached."""
    pending = IncomingMessage.objects.filter(state=State.NEW, checked_at__isnull=True)
    if mailbox_id is not None:
        pending = pending.filter(mailbox_id=mailbox_id)
    attached = 0
    for message in pending.select_related("organisation").order_by("received_at", "pk"):
        with transaction.atomic():
            # The claim: a second run (or a task redone) finds it taken and leaves it.
            if not IncomingMessage.objects.filter(pk=message.pk, checked_at__isnull=True) \
                    .update(checked_at=timezone.now()):
                continue
            if message.automatic or message.oversized:
                continue
            subject = message.subject.upper()
            for reference in parse.Parsed(subject=subject).references:
                request = find_request(message, reference)
                if request is not None and workflow.takes_messages(request):
                    try:
                        with transaction.atomic():
                            attach(message, request=request, actor=None)
                        attached += 1
                    except ValidationError as error:
                        logger.info("E-mail %s not attached to %s: %s", message.pk,
                                    request.reference, error)
                    break
    return attached


def _contacts(organisation_id: int) -> list[tuple[str, str]]:
    members = Membership.objects.filter(organisation_id=organisation_id,
                                        user__is_active=True).exclude(user__email="")
    chosen = members.filter(queue_contact=True) or members
    return [(m.user.email, m.language) for m in chosen.select_related("user")]


def remind_untouched(*, now: datetime | None = None) -> int:
    """Remind the organisations' queue contacts of e-mail untouched in triage for longer than
    the mailbox's ``triage_reminder_hours``: one e-mail per contact per sweep with the count,
    and each message reminds only once. Returns how many messages were reminded of."""
    now = now or timezone.now()
    reminded = 0
    for mailbox in Mailbox.objects.select_related("organisation"):
        cutoff = now - timedelta(hours=mailbox.triage_reminder_hours)
        with transaction.atomic():
            ids = list(IncomingMessage.objects.select_for_update(skip_locked=True).filter(
                mailbox=mailbox, state=State.NEW, reminded_at__isnull=True,
                created_at__lte=cutoff).values_list("pk", flat=True))
            if not ids:
                continue
            # The claim and the e-mails commit together: a killed worker redoes both.
            IncomingMessage.objects.filter(pk__in=ids, reminded_at__isnull=True).update(
                reminded_at=now)
            organisation = mailbox.organisation
            oldest = IncomingMessage.objects.filter(pk__in=ids).order_by(
                "received_at").values_list("received_at", flat=True)[0]
            oldest_local = oldest.astimezone(ZoneInfo(organisation.time_zone)).replace(
                tzinfo=None)
            people = _contacts(organisation.pk) or [(organisation.contact_email,
                                                     organisation.default_language)]
            for email, language in people:
                notifications.triage_email(organisation, to=email, language=language,
                                           count=len(ids), oldest=oldest_local)
            reminded += len(ids)
    return reminded


def purge(*, now: datetime | None = None) -> int:
    """Delete the messages marked "not a request" once their mailbox's ``not_request_days``
    have passed since staff said so (GDPR Art. 5(1)(e)): they belong to no request, so
    nothing of them needs to stay. Returns how many."""
    now = now or timezone.now()
    condition = Q(pk__in=[])
    for mailbox_id, days in Mailbox.objects.values_list("pk", "not_request_days"):
        condition |= Q(mailbox_id=mailbox_id, decided_at__lte=now - timedelta(days=days))
    deleted, _rows = IncomingMessage.objects.filter(condition,
                                                    state=State.NOT_REQUEST).delete()
    return deleted



