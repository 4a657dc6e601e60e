"""The only place that changes a request's status or assignee, and logs the change.

The allowed moves are one table. Every move goes through ``change_status``, which refuses
anything outside the table with ``IllegalTransition`` (a ``ValidationError``, so admin actions
and views can show its message), and writes the event in the same transaction.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from requests_app import events, notifications, outcomes
from requests_app.casework import checklist, conversation
from requests_app.clock import legal, reminders
from requests_app.models import CLOSED_STATUSES, Event, Message, RefusalGround, Request, Status

S = Status
TRANSITIONS: dict[str, frozenset[str]] = {
    S.AWAITING_CONFIRMATION: frozenset({S.NEW}),
    S.NEW: frozenset({S.IDENTITY_CHECK, S.IN_PROGRESS, S.WAITING_FOR_SUBJECT, S.COMPLETED,
                      S.REFUSED, S.WITHDRAWN, S.FORWARDED}),
    S.IDENTITY_CHECK: frozenset({S.IN_PROGRESS, S.WAITING_FOR_SUBJECT, S.COMPLETED,
                                 S.REFUSED, S.WITHDRAWN, S.FORWARDED}),
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
    if target == Status.COMPLETED and not locked.partly_refused:
        # Also for the "Mark completed" action, which skips ``complete``: no request is
        # completed without the outcome its article needs. A partial refusal completes what
        # was not refused; its answer says what was done.
        outcomes.check_complete(locked)
    previous = locked.status
    locked.status = target
    events.record(locked, Event.Kind.STATUS_CHANGED, actor=actor, actor_label=actor_label,
                  from_value=previous, to_value=target, message=message)
    # The clock: waiting for the subject may pause it (Art. 12(6)); closing stops it.
    if target == Status.WAITING_FOR_SUBJECT:
        legal.pause(locked, actor=actor)
    elif previous == Status.WAITING_FOR_SUBJECT:
        legal.resume(locked, actor=actor, actor_label=actor_label)
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
    legal.extend(locked, reason=reason, explanation=explanation, actor=actor)
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
    if assignee is not None and assignee != actor and assignee.email:
        notifications.assigned_email(locked, assignee)
    request.assignee = assignee
    return request


# --- The conversation with the requester -----------------------------------------------------


@transaction.atomic
def ask_subject(request: Request, *, body: str, purpose: str,
                actor: AbstractBaseUser | None) -> Request:
    """Ask the requester for information (to confirm identity, Art. 12(6), or to clarify the
    request). The request waits for the answer; the clock may pause (``legal.pause``)."""
    if not body.strip():
        raise ValidationError(_("Write the question to the requester."))
    conversation.post_to_subject(request, body=body, purpose=purpose, actor=actor)
    if request.status != Status.WAITING_FOR_SUBJECT:
        change_status(request, Status.WAITING_FOR_SUBJECT, actor=actor)
    return request


@transaction.atomic
def subject_replied(request: Request, *, body: str, files=()) -> Request:
    """The requester answered on the status page. A waiting request goes back to where the
    question came from: the identity check, or the work."""
    locked = Request.objects.select_for_update().get(pk=request.pk)
    if not locked.is_open:
        raise ValidationError(_("This request is closed; it no longer takes messages."))
    conversation.receive_from_subject(request, body=body, files=files)
    if locked.status == Status.WAITING_FOR_SUBJECT:
        asked = (request.messages.filter(direction=Message.Direction.TO_SUBJECT)
                 .order_by("-created_at", "-id").first())
        back = (Status.IDENTITY_CHECK if asked and asked.purpose == Message.Purpose.IDENTITY
                else Status.IN_PROGRESS)
        change_status(request, back, actor_label=events.SUBJECT)
    return request


# --- Outcomes ------------------------------------------------------------------------------


@transaction.atomic
def complete(request: Request, *, answer: str, actor: AbstractBaseUser | None) -> Request:
    """Answer the request and close it. Every system on the checklist must be finished and
    the outcome the right needs recorded (``outcomes.check_complete``); the answer ends with
    what was done (``outcomes.summary``, in the requester's language)."""
    request.refresh_from_db()
    checklist.check_finished(request)
    outcomes.check_complete(request)
    _require_answer(answer)
    outcomes.finish(request, actor=actor)
    summary = outcomes.summary(request)
    body = f"{answer.strip()}\n\n{summary}" if summary else answer
    conversation.post_to_subject(request, body=body, purpose=Message.Purpose.ANSWER,
                                 actor=actor)
    return change_status(request, Status.COMPLETED, actor=actor)


@transaction.atomic
def refuse(request: Request, *, ground: str, answer: str, actor: AbstractBaseUser | None,
           partly: bool = False) -> Request:
    """Refuse the request, wholly or partly, on a named legal ground. The answer always tells
    the requester of the right to complain to the supervisory authority and to seek a
    judicial remedy (Art. 12(4)). A partial refusal completes the rest, so its checklist must
    be finished."""
    if ground not in RefusalGround.values:
        raise ValidationError(_("A refusal must name its legal ground."))
    _require_answer(answer)
    request.refresh_from_db()
    if partly:
        checklist.check_finished(request)
        outcomes.finish(request, actor=actor)
    Request.objects.filter(pk=request.pk).update(refusal_ground=ground, partly_refused=partly)
    request.refusal_ground, request.partly_refused = ground, partly
    with translation.override(request.language):
        rights = render_to_string("requests_app/complaint_rights.txt", {
            "organisation": request.organisation,
            "authority": request.organisation.authority_contact}).strip()
    conversation.post_to_subject(request, body=f"{answer.strip()}\n\n{rights}",
                                 purpose=Message.Purpose.ANSWER, actor=actor)
    return change_status(request, Status.COMPLETED if partly else Status.REFUSED, actor=actor,
                         message=RefusalGround(ground).label)


@transaction.atomic
def forward(request: Request, *, controller_name: str, controller_contact: str, answer: str,
            actor: AbstractBaseUser | None) -> Request:
    """A processor passes the request to the controller responsible (Art. 28(3)(e)) and tells
    the requester whom to contact."""
    if not controller_name.strip() or not controller_contact.strip():
        raise ValidationError(_("Name the controller and how to contact it."))
    _require_answer(answer)
    Request.objects.filter(pk=request.pk).update(forwarded_to_name=controller_name.strip(),
                                                 forwarded_to_contact=controller_contact.strip())
    request.forwarded_to_name = controller_name.strip()
    request.forwarded_to_contact = controller_contact.strip()
    events.record(request, Event.Kind.FORWARDED, actor=actor, to_value=controller_name,
                  message=controller_contact)
    conversation.post_to_subject(request, body=answer, purpose=Message.Purpose.ANSWER,
                                 actor=actor)
    return change_status(request, Status.FORWARDED, actor=actor)


def _require_answer(answer: str) -> None:
    if not answer.strip():
        raise ValidationError(_("Write the answer to the requester."))
