"""The legal clock on a request: when it starts, how an extension or a pause moves it, and how
the date is explained to staff and subjects.

Every date comes from ``deadlines`` (GDPR Art. 12(3), Regulation 1182/71); this module only
decides which of its functions applies, stores the result, and logs every change of the due
date as an event. The caller holds the row lock (``workflow`` and ``intake`` do).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db.models import Case, DateField, Expression, Q, Value, When
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from requests_app import deadlines, events
from requests_app.models import (
    OPEN_STATUSES,
    Event,
    ExtensionReason,
    Message,
    Organisation,
    Request,
)

# --- Today where the organisation is ---------------------------------------------------------
#
# The one definition of "today", "overdue", "due this week" and "days left". The legal clock
# counts in the calendar dates of the organisation's time zone (the date of receipt there
# starts the month of Art. 12(3)), so "today" is that date too, never the server's: at 00:30
# on 5 January in Auckland a request due on the 4th is overdue, although it is still the 4th
# in UTC and in Oslo. The admin queue and its filters, the reminders, the e-mails and the reports
# all ask the functions below (for one request) or ``LocalToday`` (for a queryset).

#: "Due this week": due today or on one of the next this many days, where the organisation is.
DUE_SOON_DAYS = 7


def today_in(zone: str, now: datetime | None = None) -> date:
    """The calendar date of ``now`` (default: this instant) in the time zone ``zone``."""
    return (now or timezone.now()).astimezone(ZoneInfo(zone)).date()


def local_date(request: Request, moment: datetime) -> date:
    """The calendar date of ``moment`` where the organisation is."""
    return today_in(request.organisation.time_zone, moment)


def organisation_today(organisation: Organisation, now: datetime | None = None) -> date:
    """Today where ``organisation`` is."""
    return today_in(organisation.time_zone, now)


def today_for(request: Request, now: datetime | None = None) -> date:
    """Today where the request's organisation is."""
    return today_in(request.organisation.time_zone, now)


def days_left(request: Request, now: datetime | None = None) -> int | None:
    """Calendar days from today where the organisation is to the due date: 0 on the due date,
    negative once overdue, None before the clock starts. Needs ``organisation`` loaded (list
    pages select it)."""
    if request.due_date is None:
        return None
    return (request.due_date - today_for(request, now)).days


def first_day_overdue(due: date) -> date:
    """The day after the due date: the period ends at the end of its last day (Regulation
    1182/71 Art. 3(2)(c)), so a request is overdue from the next local midnight on."""
    return due + timedelta(days=1)


def is_overdue(request: Request, now: datetime | None = None) -> bool:
    """Open and past its due date where the organisation is."""
    return (request.is_open and request.due_date is not None
            and today_for(request, now) >= first_day_overdue(request.due_date))


def is_due_soon(request: Request, now: datetime | None = None,
                days: int = DUE_SOON_DAYS) -> bool:
    """Open and due today or within ``days`` days where the organisation is ("due this
    week")."""
    left = days_left(request, now)
    return request.is_open and left is not None and 0 <= left <= days


@dataclass(frozen=True)
class LocalToday:
    """Today where each organisation is, at one instant, for querysets over many
    organisations: the same answers as ``is_overdue`` and ``is_due_soon`` as ``Q`` objects
    (for filters) and as a per-row date (for annotations), on PostgreSQL and SQLite alike.

    The time zones in use span 26 hours, so at any instant the organisations have at most
    three different local dates. They are grouped by that date, fewest organisations first;
    each condition is then one comparison of ``due_date`` with a constant per group, which
    the due-date indexes serve (``req_open_queue_order_idx``, ``req_queue_idx``). The largest
    group is left implicit (``NOT IN`` the others), so where every organisation shares one
    date, as they do most of the day in a single country, the condition is a plain
    ``due_date < %s`` with no list of organisations at all.
    """

    #: (local date, ids of the organisations that have it), fewest organisations first.
    groups: tuple[tuple[date, tuple[int, ...]], ...]

    @classmethod
    def of(cls, organisations: Iterable[tuple[int, str]] | None = None,
           now: datetime | None = None) -> LocalToday:
        """From ``(organisation id, time zone)`` pairs (default: every organisation, read
        here in one query) at ``now`` (default: this instant)."""
        if organisations is None:
            organisations = Organisation.objects.order_by().values_list("pk", "time_zone")
        now = now or timezone.now()
        dates: dict[str, date] = {}
        by_date: dict[date, list[int]] = {}
        for pk, zone in organisations:
            if zone not in dates:
                dates[zone] = today_in(zone, now)
            by_date.setdefault(dates[zone], []).append(pk)
        order = sorted(by_date, key=lambda day: (len(by_date[day]), day))
        return cls(tuple((day, tuple(by_date[day])) for day in order))

    def where(self, condition: Callable[[date], Q]) -> Q:
        """``condition(today)`` with each organisation's today, OR-ed over the groups."""
        if not self.groups:
            return Q(pk__in=[])
        *listed, (last_day, _ids) = self.groups
        if not listed:
            return condition(last_day)
        result, others = Q(pk__in=[]), []
        for day, ids in listed:
            result |= Q(organisation_id__in=ids) & condition(day)
            others.extend(ids)
        return result | (~Q(organisation_id__in=others) & condition(last_day))

    def _envelope(self, **bounds: date) -> Q:
        """A range of ``due_date`` that holds every group's rows, when there are several: the
        index can scan it (``Index Cond``) where an ``OR`` of groups is only a ``Filter``."""
        if len(self.groups) < 2:
            return Q()
        return Q(**{f"due_date__{lookup}": day for lookup, day in bounds.items()})

    @property
    def _earliest(self) -> date:
        return min(day for day, _ids in self.groups)

    @property
    def _latest(self) -> date:
        return max(day for day, _ids in self.groups)

    def overdue(self) -> Q:
        """Open requests past their due date (``is_overdue``)."""
        if not self.groups:
            return Q(pk__in=[])
        # due_date < today is today >= first_day_overdue(due_date).
        return (Q(status__in=OPEN_STATUSES) & self._envelope(lt=self._latest)
                & self.where(lambda today: Q(due_date__lt=today)))

    def due_soon(self, days: int = DUE_SOON_DAYS) -> Q:
        """Open requests due today or within ``days`` days (``is_due_soon``)."""
        if not self.groups:
            return Q(pk__in=[])
        return (Q(status__in=OPEN_STATUSES)
                & self._envelope(gte=self._earliest,
                                 lte=self._latest + timedelta(days=days))
                & self.where(lambda today: Q(due_date__gte=today,
                                             due_date__lte=today + timedelta(days=days))))

    def due_later(self, days: int = DUE_SOON_DAYS) -> Q:
        """Open requests due after the ``days`` days of ``due_soon``."""
        if not self.groups:
            return Q(pk__in=[])
        return (Q(status__in=OPEN_STATUSES)
                & self._envelope(gt=self._earliest + timedelta(days=days))
                & self.where(lambda today: Q(due_date__gt=today + timedelta(days=days))))

    def expression(self, per_organisation: Callable[..., Expression] | None = None
                   ) -> Expression:
        """Each row's today as a date the database can compare and subtract (the reports'
        days overdue): ``CASE WHEN organisation_id IN (…) THEN date … ELSE date END``.
        ``per_organisation(branches, default, output_field=)`` may spell the ``CASE``
        another way (the reports pass theirs, quicker to build for long lists)."""
        if not self.groups:
            return Value(None, output_field=DateField())
        *listed, (last_day, _ids) = self.groups
        default = Value(last_day, output_field=DateField())
        if not listed:
            return default
        branches = tuple((ids, Value(day, output_field=DateField())) for day, ids in listed)
        if per_organisation is not None:
            return per_organisation(branches, default, output_field=DateField())
        return Case(*[When(organisation_id__in=ids, then=then) for ids, then in branches],
                    default=default, output_field=DateField())


def start(request: Request, *, now: datetime | None = None) -> None:
    """Set the due date when a request enters the queue: one month from receipt (Art. 12(3)).

    The clock runs from receipt, not from confirmation: counting from the earlier moment can
    only make us early, never late.
    """
    statutory = _statutory(request)
    request.statutory_due_date = request.due_date = statutory.due
    events.record(request, Event.Kind.DUE_DATE_SET, to_value=request.due_date.isoformat(),
                  message=statutory.explain(), at=now)


def _statutory(request: Request, *, extended: bool = False) -> deadlines.DueDateExplanation:
    """The Art. 12(3) count for ``request``: received on the local date where its
    organisation is (``Organisation.time_zone``, the zone that also decides its "today"),
    working days of its country."""
    organisation = request.organisation
    return deadlines.explain_due_date(request.received_at, organisation.country,
                                      extended=extended, zone=organisation.time_zone)


def extension_notice_by(request: Request) -> date:
    """The last day on which the subject can be told of an extension (Art. 12(3): "within one
    month of receipt of the request")."""
    # Art. 12(3): notice "within one month of receipt", the ordinary one-month due date.
    return _statutory(request).due


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
    """Extend the time limit by two further months (Art. 12(3)), once, before the one-month
    notice deadline passes. Any paused days are added again on top."""
    check_extension(request, now)
    if reason not in ExtensionReason.values:
        raise ValidationError(_("Choose a reason for the extension."))
    if not explanation.strip():
        raise ValidationError(_("Explain to the requester why more time is needed."))
    previous = request.due_date
    request.extended_at = now or timezone.now()
    request.extension_reason = reason
    request.extension_explanation = explanation.strip()
    statutory = _statutory(request, extended=True)
    request.statutory_due_date = statutory.due
    request.due_date = extended_due_date(request)
    events.record(request, Event.Kind.EXTENDED, actor=actor,
                  to_value=ExtensionReason(reason).label, message=request.extension_explanation,
                  at=request.extended_at)
    events.record(request, Event.Kind.DUE_DATE_CHANGED, actor=actor,
                  from_value=previous.isoformat(), to_value=request.due_date.isoformat(),
                  message=statutory.explain(), at=request.extended_at)


def pause(request: Request, *, question: Message, actor: AbstractBaseUser | None,
          now: datetime | None = None) -> None:
    """Note that the request now waits for the subject to confirm their identity
    (Art. 12(6)), asked in ``question``. Whether the days count is decided when the answer
    comes, by the organisation's setting.

    Only a question about identity, posted to this request's requester, may pause the clock:
    Art. 12(6) is the ground for the pause, and a question that merely clarifies the request
    leaves the month running. Anything else is a programming error (``ValueError``), so no
    path pauses the clock with no such question sent."""
    if (question.request_id != request.pk
            or question.direction != Message.Direction.TO_SUBJECT
            or question.purpose != Message.Purpose.IDENTITY):
        raise ValueError("Only a question about identity sent to the requester pauses the "
                         "clock (GDPR Art. 12(6)).")
    request.waiting_since = now or timezone.now()
    paused = request.organisation.pause_clock_while_waiting
    events.record(request, Event.Kind.CLOCK_PAUSED, actor=actor,
                  message=_("The clock is paused.") if paused else _("The clock keeps running."),
                  at=request.waiting_since)


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
        events.record(request, Event.Kind.CLOCK_RESUMED, actor=actor, actor_label=actor_label,
                      at=now)
        return
    previous = request.due_date
    request.paused_days += waited
    request.due_date = _with_pauses(request)
    events.record(request, Event.Kind.CLOCK_RESUMED, actor=actor, actor_label=actor_label,
                  message=ngettext("Waited %(days)d day.", "Waited %(days)d days.", waited)
                  % {"days": waited}, at=now)
    events.record(
        request, Event.Kind.DUE_DATE_CHANGED, actor=actor, actor_label=actor_label,
        from_value=previous.isoformat(), to_value=request.due_date.isoformat(),
        message=(f"{request.statutory_due_date.isoformat()} + {request.paused_days} "
                 f"day(s) paused → {request.due_date.isoformat()}"), at=now,
    )


def _with_pauses(request: Request, statutory: date | None = None) -> date:
    statutory = statutory or request.statutory_due_date
    if not request.paused_days:
        return statutory
    return deadlines.add_days_then_working_day(statutory, request.paused_days,
                                               request.organisation.country)


def extended_due_date(request: Request) -> date:
    """The due date an extension gives (Art. 12(3), "two further months", read so that it is
    never late: ``deadlines.extended_end``), plus any days already paused, on a working
    day."""
    return _with_pauses(request, _statutory(request, extended=True).due)


# --- Explaining a date, in the reader's language -------------------------------------------


@dataclass(frozen=True)
class DueDateSummary:
    due: date
    statutory: date
    days_left: int | None
    steps: list[str]


def explain(request: Request, language: str | None = None,
            now: datetime | None = None) -> DueDateSummary | None:
    """How the due date was reached, step by step, in ``language`` (default: the active one),
    with the days left at ``now`` (default: this instant).

    E.g. "Received 31 January 2027", "+ 1 month = 28 February 2027 (February has no 31st)",
    "28 February 2027 is a Sunday", "Due Monday 1 March 2027". An extended date adds "+ 2
    further months" to the one-month date before it moves to a working day, and says why:
    of the two readings of Art. 12(3) it is the earlier, so it can never be late.
    """
    if request.due_date is None:
        return None
    language = language or translation.get_language() or "en"
    country = request.organisation.country
    with translation.override(language):
        detail = _statutory(request, extended=request.is_extended)
        one_month = detail.one_month or detail.nominal
        steps = [
            _("Received %(date)s") % {"date": _long(detail.received_local)},
            ngettext("+ %(months)d month = %(date)s", "+ %(months)d months = %(date)s", 1)
            % {"months": 1, "date": _long(one_month)} + _no_day(detail.received_local,
                                                                 one_month),
        ]
        if detail.one_month is not None:
            steps.append(_("+ 2 further months = %(date)s") % {"date": _long(detail.nominal)}
                         + _no_day(detail.one_month, detail.nominal))
            steps.append(_("The two further months of the extension (GDPR Art. 12(3)) are "
                           "counted from the one-month date before it is moved to a working "
                           "day. Where the law can be read two ways, we use the earlier "
                           "date, so the answer is never late."))
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
                              days_left=days_left(request, now), steps=steps)


def _no_day(start: date, end: date) -> str:
    """" (that month has no day 31)" when a month counted from ``start`` ended on a shorter
    month's last day (Regulation 1182/71 Art. 3(2)(c))."""
    if end.day == start.day:
        return ""
    return " " + _("(that month has no day %(day)d)") % {"day": start.day}


def _long(day: date) -> str:
    """A date in the active language's own format, with the weekday (e.g. "mandag 1. mars
    2027")."""
    return f"{formats.date_format(day, 'l')} {formats.date_format(day, 'DATE_FORMAT')}"
