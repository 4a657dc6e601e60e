"""The legal clock on a request: when it starts, how an extension or a pause moves it, and how
the date is explained to staff and subjects.

Every date comes from ``deadlines`` (GDPR Art. 12(3), Regulation 1182/71); this module only
decides which of its functions applies, stores the result, and logs every change of the due
date as an event. The caller holds the row lock (``workflow`` and ``intake`` do).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from requests_app import deadlines, events
from requests_app.models import Event, ExtensionReason, Request


def local_date(request: Request, moment: datetime) -> date:
    """The calendar date of ``moment`` where the organisation is."""
    return moment.astimezone(ZoneInfo(request.organisation.time_zone)).date()


def today_for(request: Request, now: datetime | None = None) -> date:
    return local_date(request, now or timezone.now())


def start(request: Request) -> None:
    """Set the due date when a request enters the queue: one month from receipt (Art. 12(3)).

    The clock runs from receipt, not from confirmation: counting from the earlier moment can
    only make us early, never late.
    """
    request.statutory_due_date = deadlines.due_date(request.received_at,
                                                    request.organisation.country)
    request.due_date = request.statutory_due_date
    events.record(request, Event.Kind.DUE_DATE_SET, to_value=request.due_date.isoformat(),
                  message=deadlines.explain(request.received_at, request.organisation.country))


def extension_notice_by(request: Request) -> date:
    """The last day on which the subject can be told of an extension (Art. 12(3): "within one
    month of receipt of the request")."""
    return deadlines.extension_notice_by(request.received_at, request.organisation.country)


def check_extension(request: Request, now: datetime | None = None) -> None:
    """Raise ``ValidationError`` with a message for staff if the request cannot be extended."""
    if request.is_extended:
        raise ValidationError(_("This request has already been extended. The law allows one "
                                "extension of two further months."))
    if not request.is_open:
        raise ValidationError(_("Only an open request can be extended."))
    notice_by = extension_notice_by(request)
    if today_for(request, now) > notice_by:
        raise ValidationError(
            _("Too late to extend: the requester had to be told by %(date)s, within one month "
              "of receipt (GDPR Art. 12(3)).") % {"date": formats.date_format(notice_by)}
        )


def extend(request: Request, *, reason: str, explanation: str,
           actor: AbstractBaseUser | None, now: datetime | None = None) -> None:
    """Extend the time limit to three months from receipt (Art. 12(3)), once, before the
    one-month notice deadline passes. Any paused days are added again on top."""
    check_extension(request, now)
    if reason not in ExtensionReason.values:
        raise ValidationError(_("Choose a reason for the extension."))
    if not explanation.strip():
        raise ValidationError(_("Explain to the requester why more time is needed."))
    previous = request.due_date
    request.extended_at = now or timezone.now()
    request.extension_reason = reason
    request.extension_explanation = explanation.strip()
    request.statutory_due_date = deadlines.due_date(
        request.received_at, request.organisation.country, extended=True)
    request.due_date = extended_due_date(request)
    events.record(request, Event.Kind.EXTENDED, actor=actor,
                  to_value=ExtensionReason(reason).label, message=request.extension_explanation)
    events.record(request, Event.Kind.DUE_DATE_CHANGED, actor=actor,
                  from_value=previous.isoformat(), to_value=request.due_date.isoformat(),
                  message=deadlines.explain(request.received_at, request.organisation.country,
                                            extended=True))


def pause(request: Request, *, actor: AbstractBaseUser | None,
          now: datetime | None = None) -> None:
    """Note that the request now waits for the subject (Art. 12(6)). Whether the days count
    is decided when the answer comes, by the organisation's setting."""
    request.waiting_since = now or timezone.now()
    paused = request.organisation.pause_clock_while_waiting
    events.record(request, Event.Kind.CLOCK_PAUSED, actor=actor,
                  message=_("The clock is paused.") if paused else _("The clock keeps running."))


def resume(request: Request, *, actor: AbstractBaseUser | None = None, actor_label: str = "",
           now: datetime | None = None) -> None:
    """The subject answered. Where the organisation pauses the clock, the calendar days spent
    waiting are added to the due date, which then moves to a working day again (Art. 3(4) of
    Regulation 1182/71); the statutory date is kept beside it."""
    if request.waiting_since is None:
        return
    waited = (today_for(request, now) - local_date(request, request.waiting_since)).days
    request.waiting_since = None
    if not request.organisation.pause_clock_while_waiting or waited <= 0:
        events.record(request, Event.Kind.CLOCK_RESUMED, actor=actor, actor_label=actor_label)
        return
    previous = request.due_date
    request.paused_days += waited
    request.due_date = _with_pauses(request)
    events.record(request, Event.Kind.CLOCK_RESUMED, actor=actor, actor_label=actor_label,
                  message=ngettext("Waited %(days)d day.", "Waited %(days)d days.", waited)
                  % {"days": waited})
    events.record(
        request, Event.Kind.DUE_DATE_CHANGED, actor=actor, actor_label=actor_label,
        from_value=previous.isoformat(), to_value=request.due_date.isoformat(),
        message=(f"{request.statutory_due_date.isoformat()} + {request.paused_days} "
                 f"day(s) paused → {request.due_date.isoformat()}"),
    )


def _with_pauses(request: Request, statutory: date | None = None) -> date:
    statutory = statutory or request.statutory_due_date
    if not request.paused_days:
        return statutory
    return deadlines.add_days_then_working_day(statutory, request.paused_days,
                                               request.organisation.country)


def extended_due_date(request: Request) -> date:
    """The due date an extension gives: three months from receipt (Art. 12(3)), plus any
    days already paused, on a working day."""
    return _with_pauses(request, deadlines.due_date(
        request.received_at, request.organisation.country, extended=True))


# --- Explaining a date, in the reader's language -------------------------------------------


@dataclass(frozen=True)
class DueDateSummary:
    due: date
    statutory: date
    days_left: int | None
    steps: list[str]


def explain(request: Request, language: str | None = None) -> DueDateSummary | None:
    """How the due date was reached, step by step, in ``language`` (default: the active one).

    E.g. "Received 31 January 2027", "+ 1 month = 28 February 2027 (February has no 31st)",
    "28 February 2027 is a Sunday", "Due Monday 1 March 2027".
    """
    if request.due_date is None:
        return None
    language = language or translation.get_language() or "en"
    country = request.organisation.country
    with translation.override(language):
        detail = deadlines.explain_due_date(request.received_at, country,
                                            extended=request.is_extended)
        months = detail.months
        steps = [
            _("Received %(date)s") % {"date": _long(detail.received_local)},
            ngettext("+ %(months)d month = %(date)s", "+ %(months)d months = %(date)s", months)
            % {"months": months, "date": _long(detail.nominal)},
        ]
        if detail.clamped:
            steps[-1] += " " + _("(that month has no day %(day)d)") % {
                "day": detail.received_local.day}
        for day, reason in detail.skipped:
            if reason == deadlines.SATURDAY:
                why = _("a Saturday")
            elif reason == deadlines.SUNDAY:
                why = _("a Sunday")
            else:
                why = _("a public holiday (%(name)s)") % {
                    "name": deadlines.holiday_name(day, country, language) or reason}
            steps.append(_("%(date)s is %(why)s") % {"date": _long(day), "why": why})
        if request.paused_days:
            steps.append(_("Statutory due date %(date)s") % {
                "date": _long(request.statutory_due_date)})
            steps.append(ngettext("+ %(days)d day waiting for the requester",
                                  "+ %(days)d days waiting for the requester",
                                  request.paused_days) % {"days": request.paused_days})
        steps.append(_("Due %(date)s") % {"date": _long(request.due_date)})
        return DueDateSummary(due=request.due_date, statutory=request.statutory_due_date,
                              days_left=request.days_left(), steps=steps)


def _long(day: date) -> str:
    """A date in the active language's own format, with the weekday (e.g. "mandag 1. mars
    2027")."""
    return f"{formats.date_format(day, 'l')} {formats.date_format(day, 'DATE_FORMAT')}"
