"""The only place that changes a request's status or assignee, and logs the change.

The allowed moves are one table. Every move goes through ``change_status``, which refuses
anything outside the table with ``IllegalTransition`` (a ``ValidationError``, so admin actions
and views can show its message), and writes the event in the same transaction.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from requests_app import clock, events, notifications, reminders
from requests_app.models import CLOSED_STATUSES, Event, Request, Status

S = Status
TRANSITIONS: dict[str, frozenset[str]] = {
    S.AWAITING_CONFIRMATION: frozenset({S.NEW}),
    S.NEW: frozenset({S.IDENTITY_CHECK, S.IN_PROGRESS, S.WAITING_FOR_SUBJECT, S.COMPLETED,
                      S.REFUSED, S.WITHDRAWN, S.FORWARDED}),
    S.IDENTITY_CHECK: frozenset({S.IN_PROGRESS, S.WAITING_FOR_SUBJECT, S.REFUSED,
                                 S.WITHDRAWN, S.FORWARDED}),
    S.IN_PROGRESS: frozenset({S.WAITING_FOR_SUBJECT, S.COMPLETED, S.REFUSED, S.WITHDRAWN,
                              S.FORWARDED}),
    S.WAITING_FOR_SUBJECT: frozenset({S.IDENTITY_CHECK, S.IN_PROGRESS, S.REFUSED, S.WITHDRAWN}),
    S.COMPLETED: frozenset(),
    S.REFUSED: frozenset(),
    S.WITHDRAWN: frozenset(),
    S.FORWARDED: frozenset(),
}


class IllegalTransition(ValidationError):
    pass


def can_move(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


@transaction.atomic
def change_status(
    request: Request,
    target: str,
    *,
    actor: AbstractBaseUser | None = None,
    actor_label: str = "",
    message: str = "",
) -> Request:
    """Move ``request`` to ``target`` if the table allows it, and log the move.

    The row is re-read under a lock so that two staff members (or a task) acting at once
    cannot both move it from the same state.
    """
    locked = Request.objects.select_for_update().select_related("organisation").get(
        pk=request.pk)
    if not can_move(locked.status, target):
        raise IllegalTransition(
            _("A request cannot go from “%(current)s” to “%(target)s”.")
            % {"current": Status(locked.status).label, "target": Status(target).label}
        )
    previous = locked.status
    locked.status = target
    events.record(locked, Event.Kind.STATUS_CHANGED, actor=actor, actor_label=actor_label,
                  from_value=previous, to_value=target, message=message)
    # The clock: waiting for the subject may pause it (Art. 12(6)); closing stops it.
    if target == Status.WAITING_FOR_SUBJECT:
        clock.pause(locked, actor=actor)
    elif previous == Status.WAITING_FOR_SUBJECT:
        clock.resume(locked, actor=actor, actor_label=actor_label)
    if target in CLOSED_STATUSES:
        locked.closed_at = timezone.now()
    locked.save()
    reminders.reschedule(locked)
    _copy_clock(locked, request)
    return request


def _copy_clock(source: Request, target: Request) -> None:
    for field in CLOCK_FIELDS:
        setattr(target, field, getattr(source, field))


CLOCK_FIELDS = ("status", "closed_at", "due_date", "statutory_due_date", "extended_at",
                "extension_reason", "extension_explanation", "waiting_since", "paused_days",
                "next_reminder_at")


@transaction.atomic
def extend(request: Request, *, reason: str, explanation: str,
           actor: AbstractBaseUser | None) -> Request:
    """Extend the time limit by two further months (Art. 12(3)) and tell the subject why.

    Refused (``ValidationError``) after the one-month notice deadline, for a second extension,
    or for a closed request. Reminders for the new date follow.
    """
    locked = Request.objects.select_for_update().select_related("organisation").get(
        pk=request.pk)
    clock.extend(locked, reason=reason, explanation=explanation, actor=actor)
    locked.save()
    reminders.reschedule(locked)
    notifications.extension_email(locked)
    _copy_clock(locked, request)
    return request


@transaction.atomic
def assign(request: Request, assignee: AbstractBaseUser | None, *,
           actor: AbstractBaseUser | None = None) -> Request:
    """Give the request to ``assignee`` (or nobody), logging who did it."""
    locked = Request.objects.select_for_update().get(pk=request.pk)
    if locked.assignee_id == (assignee.pk if assignee else None):
        return request
    previous = locked.assignee
    locked.assignee = assignee
    locked.save(update_fields=["assignee", "updated_at"])
    events.record(locked, Event.Kind.ASSIGNED, actor=actor,
                  from_value=previous or "", to_value=assignee or "")
    request.assignee = assignee
    return request
