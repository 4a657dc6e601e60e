"""Erasing personal data on schedule (storage limitation, GDPR Art. 5(1)(e)).

What goes, per organisation settings:
- files: ``attachment_retention_days`` after the request closed — the requester's attachments
  (files and rows), the raw e-mails it came in or was answered by (the privacy mailbox), the
  exports staff took for an access or portability request (files and rows) and the packages
  built from them (files; the row stays, marked deleted);
- everything else personal: ``retention_days`` after it closed — the requester's name,
  address, phone, description and details, the messages, the outbox copies of e-mails, the
  status link, checklist notes and outcomes (what was wrong and what it says now, recipients
  told), the texts of the outcome (processing restricted, balancing, consent withdrawn),
  reminder recipients, the personal parts of the event log (texts, addresses, the names of
  the files staff opened), and the link to and from the same person's other requests
  (``duplicate_of`` and its events, on both sides).

What stays is the request row itself as an anonymous register entry (organisation, type,
channel, relationship, received, due, extended, closed, outcome, refusal ground, the dates
and grounds of the outcome), so reports and the accountability record (Art. 5(2)) survive,
and the event log keeps its rows. The suppression list keeps its entry (a keyed hash, not the
address): an objection to direct marketing must keep working after the request is gone
(Art. 21(3)). Purging is idempotent (``purged_at``) and logged.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from requests_app import events
from requests_app.models import (
    Attachment,
    ChecklistItem,
    Event,
    ExportFile,
    IdentityVerification,
    IncomingMessage,
    Message,
    Organisation,
    OutgoingEmail,
    Package,
    Reminder,
    Request,
    RequestOutcome,
    private_storage,
)

logger = logging.getLogger(__name__)

#: Event kinds whose free text or values may hold the requester's data.
_PERSONAL_EVENT_TEXT = (
    Event.Kind.EMAIL_CONFIRMED, Event.Kind.EMAIL_SENT, Event.Kind.MESSAGE_TO_SUBJECT,
    Event.Kind.MESSAGE_FROM_SUBJECT, Event.Kind.NOTE, Event.Kind.CHECKLIST,
    Event.Kind.EXTENDED, Event.Kind.FORWARDED, Event.Kind.REMINDER_SENT, Event.Kind.ESCALATED,
    Event.Kind.ATTACHMENT_VIEWED, Event.Kind.DUPLICATE, Event.Kind.STATUS_CHANGED,
    Event.Kind.CREATED, Event.Kind.OUTCOME, Event.Kind.EXPORT_ADDED, Event.Kind.PACKAGE_QUEUED,
    Event.Kind.PACKAGE_READY, Event.Kind.PACKAGE_FAILED, Event.Kind.PACKAGE_DOWNLOADED,
    Event.Kind.PACKAGE_DELETED, Event.Kind.RESTRICTION_LIFT_NOTICE,
    Event.Kind.RESTRICTION_LIFTED,
)
#: Event kinds whose ``to_value`` may hold it: an address, the name of a file the requester
#: sent (it often names them: "passport-kari-nordmann.pdf"), or the reference of the same
#: person's other request (``DUPLICATE``), which would tie the anonymous row to them again.
_PERSONAL_EVENT_VALUES = (
    Event.Kind.EMAIL_CONFIRMED, Event.Kind.EMAIL_SENT, Event.Kind.REMINDER_SENT,
    Event.Kind.ESCALATED, Event.Kind.ATTACHMENT_VIEWED, Event.Kind.DUPLICATE,
)


def _older_than(days_field: str, now: datetime):
    """Closed requests whose organisation's retention period (``days_field``) has run out.

    One condition per organisation (there are few), so the query stays portable and can use
    the index on (organisation, status, ...)."""
    condition = Q(pk__in=[])
    for org_id, days in Organisation.objects.values_list("pk", days_field):
        condition |= Q(organisation_id=org_id, closed_at__lte=now - timedelta(days=days))
    return Request.objects.filter(condition)


def due_for_purge(now: datetime | None = None) -> list[int]:
    now = now or timezone.now()
    return list(_older_than("retention_days", now).filter(purged_at__isnull=True)
                .values_list("pk", flat=True))


def attachments_due(now: datetime | None = None) -> list[int]:
    """Closed requests past ``attachment_retention_days`` that still have attachments or
    exports."""
    now = now or timezone.now()
    return list(_older_than("attachment_retention_days", now)
                .filter(Q(Exists(Attachment.objects.filter(request_id=OuterRef("pk"))))
                        | Q(Exists(ExportFile.objects.filter(request_id=OuterRef("pk"))))
                        | Q(Exists(IncomingMessage.objects.filter(
                            request_id=OuterRef("pk"), raw_deleted_at__isnull=True))))
                .values_list("pk", flat=True))


def delete_attachments(request_id: int) -> int:
    """Delete the request's files: the requester's attachments (from disk, then the rows),
    and the exports staff took (``packages.delete_exports``). The packages built from them
    keep their own download period (``packages.expire``). Returns how many attachments."""
    from requests_app.delivery import packages

    packages.delete_exports(request_id)
    # The raw e-mails hold the same files (and more): they go with them.
    IncomingMessage.objects.filter(request_id=request_id, raw_deleted_at__isnull=True).update(
        raw_encrypted=b"", raw_deleted_at=timezone.now())
    with transaction.atomic():
        attachments = list(Attachment.objects.select_for_update().filter(request_id=request_id))
        for attachment in attachments:
            # After commit: a rollback must not leave rows pointing at deleted files.
            name, storage = attachment.file.name, attachment.file.storage
            transaction.on_commit(lambda n=name, s=storage: s.delete(n))
        Attachment.objects.filter(pk__in=[a.pk for a in attachments]).delete()
        if attachments:
            events.record(Request.objects.get(pk=request_id), Event.Kind.ATTACHMENTS_DELETED,
                          to_value=len(attachments))
    return len(attachments)


def purge_request(request_id: int, *, now: datetime | None = None) -> bool:
    """Erase one request's personal data. Returns False if it was purged already."""
    from requests_app.delivery import packages

    now = now or timezone.now()
    delete_attachments(request_id)
    packages.delete_files(request_id)  # packages still within their download period too
    with transaction.atomic():
        request = Request.objects.select_for_update().filter(pk=request_id,
                                                             purged_at__isnull=True).first()
        if request is None:
            return False
        Request.objects.filter(pk=request_id).update(
            subject_name="", subject_email="", subject_phone="", description="", details={},
            status_token_hash=None, status_token_salt="", extension_explanation="",
            forwarded_to_contact="", purged_at=now, next_reminder_at=None, duplicate_of=None,
        )
        # A duplicate is the same person's other request: the link, either way, would tie
        # the anonymous row to a request that still has their name and address.
        linked = {request.duplicate_of_id,
                  *Request.objects.filter(duplicate_of_id=request_id).values_list("pk",
                                                                                 flat=True)}
        Request.objects.filter(duplicate_of_id=request_id).update(duplicate_of=None)
        Event.objects.filter(request_id__in=linked - {None}, kind=Event.Kind.DUPLICATE,
                             to_value=request.reference).update(to_value="")
        Message.objects.filter(request_id=request_id).delete()
        # The verified name and the subject's hash go; the event says a verification was made.
        IdentityVerification.objects.filter(request_id=request_id).delete()
        OutgoingEmail.objects.filter(request_id=request_id).delete()
        IncomingMessage.objects.filter(request_id=request_id).update(
            sender_email="", sender_name="", subject="", raw_encrypted=b"",
            raw_deleted_at=Coalesce("raw_deleted_at", Value(now)))
        ChecklistItem.objects.filter(request_id=request_id).update(
            note="", value_before="", value_after="", recipients_told="")
        # The dates and grounds stay (reports, and the restriction's reminder); the texts go.
        RequestOutcome.objects.filter(request_id=request_id).update(
            restricted_processing="", balancing="", consent_withdrawn="")
        Reminder.objects.filter(request_id=request_id).update(recipients="")
        # The log keeps its rows (who did what, when) but loses the personal text.
        Event.objects.filter(request_id=request_id, kind__in=_PERSONAL_EVENT_TEXT).update(
            message="")
        Event.objects.filter(request_id=request_id,
                             kind__in=_PERSONAL_EVENT_VALUES).update(to_value="")
        events.record(request, Event.Kind.PURGED, at=now)
    return True


def delete_old_staff_logins(now: datetime | None = None) -> int:
    """Staff sign-in records (django-axes) are personal data too: keep them
    ``STAFF_LOGIN_LOG_DAYS``, long enough to investigate misuse."""
    from axes.models import AccessFailureLog, AccessLog

    cutoff = (now or timezone.now()) - timedelta(days=settings.STAFF_LOGIN_LOG_DAYS)
    return (AccessLog.objects.filter(attempt_time__lt=cutoff).delete()[0]
            + AccessFailureLog.objects.filter(attempt_time__lt=cutoff).delete()[0])


#: The folders of the private storage that hold files of requests (``models``' upload paths,
#: and ``crypto``'s unfinished files).
PRIVATE_FOLDERS = ("attachments", "exports", "packages", "tmp")
#: A file younger than this may belong to a transaction still running.
ORPHAN_MIN_AGE = timedelta(hours=1)


def delete_orphan_files(now: datetime | None = None) -> int:
    """Delete private files that no row points to: written by a transaction that then rolled
    back (the file was saved before the commit), or left by a build that died. Only files
    older than ``ORPHAN_MIN_AGE``, so work in progress is never taken. Returns how many."""
    now = now or timezone.now()
    storage = private_storage()
    known = set(Attachment.objects.values_list("file", flat=True))
    known |= set(ExportFile.objects.values_list("file", flat=True))
    known |= set(Package.objects.exclude(file="").values_list("file", flat=True))
    cutoff = (now - ORPHAN_MIN_AGE).timestamp()
    root = Path(storage.location)
    deleted = 0
    for folder in PRIVATE_FOLDERS:
        for path in (root / folder).rglob("*"):
            name = path.relative_to(root).as_posix()
            if path.is_file() and name not in known and path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
                deleted += 1
    if deleted:
        logger.info("Purge: %d file(s) without a row deleted.", deleted)
    return deleted


def run(now: datetime | None = None) -> dict[str, int]:
    """The scheduled purge: attachments first, then whole requests, then old staff sign-in
    records. Safe to run at any time and any number of times."""
    now = now or timezone.now()
    files = sum(delete_attachments(pk) for pk in attachments_due(now))
    purged = sum(purge_request(pk, now=now) for pk in due_for_purge(now))
    delete_old_staff_logins(now)
    delete_orphan_files(now)
    if files or purged:
        logger.info("Purge: %d attachment(s) deleted, %d request(s) erased.", files, purged)
    return {"attachments": files, "requests": purged}
