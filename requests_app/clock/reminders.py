"""Reminders before the due date and escalation after it, each sent exactly once.

The schedule of a request (per organisation settings):
- ``before_N``: N working days before the due date, to the assignee (or the queue contacts);
- ``due_day``: on the due date;
- ``overdue_0``: the morning after the due date, to the compliance leads; then ``overdue_1``,
  ``overdue_2``, ... weekly while the request stays open.

How "exactly once" holds:
1. Beat's ``sweep`` finds requests whose ``next_reminder_at`` has come with one indexed query,
   leases them (moves ``next_reminder_at`` a few minutes on, skipping rows another sweep has
   locked) and queues one task per request.
2. The task (``process``) locks the request, inserts one ``Reminder`` row per due point (unique
   per request, kind and due date) together with the outbox e-mails and the event, and stores
   the next point. A retried task, a second beat or a worker killed before commit finds the
   claim taken or redoes the whole transaction; the outbox then sends each e-mail once.
3. A new due date (extension, pause) gives new keys, so its reminders follow; a closed or
   paused request has no next point.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone

from requests_app import deadlines, events, jobs, notifications, selectors
from requests_app.clock import legal
from requests_app.models import Event, Organisation, Reminder, Request

LEASE = timedelta(minutes=10)


@dataclass(frozen=True, order=True)
class Point:
    at: datetime
    kind: str
    escalation: bool


def schedule(due: date, organisation: Organisation, *, until: datetime) -> list[Point]:
    """Every reminder point of a request due on ``due``, in time order; overdue points are
    listed up to the first one after ``until`` (they repeat weekly without end)."""
    zone = ZoneInfo(organisation.time_zone)

    def morning(day: date) -> datetime:
        return datetime.combine(day, time(organisation.reminder_hour), tzinfo=zone)

    points = [Point(morning(deadlines.working_days_before(due, n, organisation.country)),
                    f"before_{n}", False) for n in organisation.reminder_days]
    if organisation.remind_on_due_date:
        points.append(Point(morning(due), "due_day", False))
    if organisation.escalate_when_overdue:
        # From the first morning the request is overdue where the organisation is.
        day, k = legal.first_day_overdue(due), 0
        while True:
            points.append(Point(morning(day), f"overdue_{k}", True))
            if points[-1].at > until:
                break
            day, k = day + timedelta(days=7), k + 1
    return sorted(points)


def _sleeping(request: Request) -> bool:
    """No reminders while closed, not yet confirmed, or while the clock is paused; none ever
    for a test request (``Request.is_test``): nobody must be escalated for a trial."""
    return (request.is_test or not request.is_open or request.due_date is None
            or (request.waiting_since is not None
                and request.organisation.pause_clock_while_waiting))


def _plan(request: Request, now: datetime) -> tuple[list[Point], datetime | None]:
    """The points due now and not yet claimed, and the time of the next one after now."""
    if _sleeping(request):
        return [], None
    claimed = set(Reminder.objects.filter(request=request, for_due_date=request.due_date)
                  .values_list("kind", flat=True))
    points = [p for p in schedule(request.due_date, request.organisation, until=now)
              if p.kind not in claimed]
    due_now = [p for p in points if p.at <= now]
    later = [p.at for p in points if p.at > now]
    return due_now, min(later, default=None)


def reschedule(request: Request, *, now: datetime | None = None) -> None:
    """Store when the sweep should next look at ``request``. Call it, with the row locked,
    after anything that moves the clock or closes the request."""
    due_now, next_at = _plan(request, now or timezone.now())
    request.next_reminder_at = due_now[0].at if due_now else next_at
    Request.objects.filter(pk=request.pk).update(next_reminder_at=request.next_reminder_at)


def due_request_ids(now: datetime, *, limit: int | None = None) -> list[int]:
    """The sweep's one query, on the partial index over ``next_reminder_at``."""
    qs = Request.objects.filter(next_reminder_at__lte=now).order_by().values_list("pk",
                                                                                  flat=True)
    return list(qs[:limit] if limit else qs)


def sweep(*, now: datetime | None = None, limit: int = 50_000) -> int:
    """Queue one ``process_reminders`` task per request with a reminder due. Returns how many.

    The lease (moving ``next_reminder_at`` forward) keeps a second sweep from queueing the
    same requests again while the first one's tasks are still waiting in the queue; if a task
    is lost, the lease runs out and the next sweep queues the request again.
    """
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(
            Request.objects.filter(next_reminder_at__lte=now)
            .select_for_update(skip_locked=True, of=("self",)).order_by()
            .values_list("pk", flat=True)[:limit]
        )
        Request.objects.filter(pk__in=ids).update(next_reminder_at=now + LEASE)
    for pk in ids:
        jobs.publish("requests_app.tasks.process_reminders", pk,
                     expires=LEASE.total_seconds())
    return len(ids)


def process(request_id: int, *, now: datetime | None = None) -> int:
    """Send the reminders of one request that are due and not yet claimed. Returns how many
    were sent. Where several of one group are due at once (the sweep was down), only the
    latest is sent; the earlier ones are claimed as skipped."""
    now = now or timezone.now()
    with transaction.atomic():
        request = (Request.objects.select_for_update(of=("self",))
                   .select_related("organisation", "assignee").filter(pk=request_id).first())
        if request is None:
            return 0
        due_now, next_at = _plan(request, now)
        sent = 0
        for escalation in (False, True):
            group = [p for p in due_now if p.escalation == escalation]
            for point in group:
                latest = point is group[-1]
                if _claim(request, point, skipped=not latest, now=now) and latest:
                    _send(request, point, now)
                    sent += 1
        request.next_reminder_at = next_at
        Request.objects.filter(pk=request.pk).update(next_reminder_at=next_at)
    return sent


def _claim(request: Request, point: Point, *, skipped: bool, now: datetime) -> bool:
    """Insert the unique claim row; False if someone else has it already."""
    try:
        with transaction.atomic():
            Reminder.objects.create(request=request, kind=point.kind,
                                    for_due_date=request.due_date, skipped=skipped,
                                    created_at=now)
    except IntegrityError:
        return False
    return True


def _send(request: Request, point: Point, now: datetime) -> None:
    people = selectors.staff_recipients(request, escalation=point.escalation)
    for email, language in people:
        notifications.reminder_email(request, to=email, language=language, kind=point.kind,
                                     escalation=point.escalation, now=now)
    addresses = ", ".join(email for email, _ in people)
    Reminder.objects.filter(request=request, kind=point.kind,
                            for_due_date=request.due_date).update(recipients=addresses)
    events.record(request, Event.Kind.ESCALATED if point.escalation
                  else Event.Kind.REMINDER_SENT, to_value=addresses, message=point.kind, at=now)
