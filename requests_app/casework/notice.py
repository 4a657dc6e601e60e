"""Telling a requester who has no e-mail address: staff record how and when they did it.

Art. 12(3) requires that the requester be told of an extension, with its reasons, within one
month of receipt, and be given the information on action taken on the request. The portal
tells a requester with an e-mail address itself (a message on the status page and an e-mail
through the outbox). A request registered from a letter or a phone call may have no address:
nothing the portal sends reaches that requester, so the step (the extension, the answer) does
not take effect until staff record how they told them (``NOTICE_CHANNELS``: letter, phone, in
person) and when. The record is kept on the request and in the event log ("Told the requester
... by letter on ..."); it stands in for the e-mail.

``workflow`` checks the record before the step (``check``) and keeps it with the step
(``record``), in the step's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from requests_app import events
from requests_app.clock import legal
from requests_app.models import NOTICE_CHANNELS, Channel, Event, Organisation, Request

#: What the requester was told of: the step whose notice is recorded.
EXTENSION = "extension"
ANSWER = "answer"


@dataclass(frozen=True)
class Told:
    """How (``Channel.LETTER``, ``PHONE`` or ``IN_PERSON``) and when staff told the requester.
    ``at`` may be naive: it is then a wall-clock time where the organisation is."""

    by: str
    at: datetime


def needed(request: Request) -> bool:
    """Whether staff must tell the requester themselves: no e-mail address is known."""
    return not request.subject_email


def moment(organisation: Organisation, at: datetime) -> datetime:
    """``at`` as an aware moment: a naive time is read where the organisation is. The time
    of a notice needs no more care than that (on the night the clocks go back, an hour that
    happens twice is read as the first)."""
    if timezone.is_naive(at):
        return timezone.make_aware(at, zone(organisation))
    return at


def check_time(request: Request, at: datetime | None, *, now: datetime | None = None,
               latest: date | None = None, key: str = "told_at") -> datetime:
    """``at``, aware, if it can be when staff acted on ``request``: given, not in the future,
    not before the request was received, and, with ``latest``, not after that local date.
    Raises ``ValidationError`` (keyed ``key``) otherwise."""
    if at is None:
        raise ValidationError({key: _("Say when.")})
    at = moment(request.organisation, at)
    if at > (now or timezone.now()):
        raise ValidationError({key: _("This time is in the future.")})
    if at < request.received_at:
        raise ValidationError({key: _("This time is before the request was received.")})
    if latest is not None and legal.local_date(request, at) > latest:
        raise ValidationError({key: _(
            "The requester had to be told by %(date)s, within one month of receipt (GDPR "
            "Art. 12(3)).") % {"date": formats.date_format(latest)}})
    return at


def check(request: Request, told: Told | None, *, latest: date | None = None,
          now: datetime | None = None) -> Told | None:
    """The record to keep for ``request``, checked: ``None`` when the portal's e-mail tells
    the requester (an address is known; a record given then is not needed and is refused,
    so the log never holds two versions of how they were told). Without an address the
    record is required: a channel of ``NOTICE_CHANNELS`` and a time ``check_time`` accepts
    (``latest``: the last local date the notice counts, for the extension the notice
    deadline of Art. 12(3)). Raises ``ValidationError`` keyed ``told_by`` / ``told_at``."""
    if not needed(request):
        if told is not None:
            raise ValidationError({"told_by": _(
                "The requester has an e-mail address: the portal tells them by e-mail.")})
        return None
    if told is None or not told.by:
        raise ValidationError({"told_by": _(
            "No e-mail address is known: record how and when you told the requester (by "
            "letter, by phone or in person).")})
    if told.by not in NOTICE_CHANNELS:
        raise ValidationError({"told_by": _(
            "Choose how the requester was told: by letter, by phone or in person.")})
    return Told(by=told.by, at=check_time(request, told.at, latest=latest, now=now))


def record(request: Request, told: Told, *, about: str,
           actor: AbstractBaseUser | None, now: datetime | None = None) -> Event:
    """Keep a checked record (``check``) on the request and in the event log, at ``now``
    (default: this instant)."""
    setattr(request, f"{about}_told_by", told.by)
    setattr(request, f"{about}_told_at", told.at)
    request.save(update_fields=[f"{about}_told_by", f"{about}_told_at", "updated_at"])
    return events.record(request, Event.Kind.TOLD, actor=actor,
                         to_value=Channel(told.by).label, message=describe(request, told, about),
                         at=now)


def describe(request: Request, told: Told, about: str) -> str:
    """The log's sentence, e.g. "Told the requester of the extension and its reasons by
    letter on 5 December 2026 14:00." (in the active language, the organisation's time)."""
    how = {Channel.LETTER: _("by letter"), Channel.PHONE: _("by phone"),
           Channel.IN_PERSON: _("in person")}[told.by]
    text = (_("Told the requester of the extension and its reasons %(how)s on %(when)s.")
            if about == EXTENSION else
            _("Told the requester of the answer %(how)s on %(when)s."))
    return text % {"how": how, "when": when(request.organisation, told.at)}


def zone(organisation: Organisation) -> ZoneInfo:
    return ZoneInfo(organisation.time_zone)


def when(organisation: Organisation, at: datetime) -> str:
    """``at`` as a date (in the active language) and a 24-hour time where the organisation
    is: a record, which reads the same in every language."""
    local = at.astimezone(zone(organisation))
    return f"{formats.date_format(local, 'DATE_FORMAT')} {formats.time_format(local, 'H:i')}"
