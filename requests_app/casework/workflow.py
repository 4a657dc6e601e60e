"""The only place that changes a request's status or assignee, and logs the change.

Each change is one named function that carries its rules: ``accept`` (into the staff queue),
``start_work``, ``ask_subject``, ``subject_replied`` / ``answer_received``, ``complete``,
``refuse``, ``forward``, ``withdraw``, ``extend`` and ``assign``. They all move the status
through the private ``_move``, which refuses anything outside the table (``TRANSITIONS``) with
``IllegalTransition`` and writes the event in the same transaction; nothing outside this
module moves a status, so no admin action, view, task or command can skip a step's rules
(the finished checklist, the answer, the outcome's side effects, the question before the
clock pauses).

Every function takes the acting user keyword-only (``actor=``) and checks the actor's role
in the request's organisation (``access.require``): the work needs ``access.WORK``, the
decisions with legal effect (extending, refusing wholly or partly) ``access.DECIDE``.
``actor=None`` means no staff member acts: the requester (``subject_replied``, confirming
through ``accept``) or the system (a task). Only those paths pass it; every staff path passes
the signed-in user. A refusal is ``access.NotAllowed`` or another ``ValidationError``, so the
admin shows it as a message.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from requests_app import access, events, notifications, outcomes
from requests_app.casework import checklist, conversation, notice
from requests_app.clock import legal, reminders
from requests_app.models import (
    CLOSED_STATUSES,
    Event,
    ForwardedBy,
    Message,
    Organisation,
    RefusalGround,
    Request,
    RequestType,
    Status,
)

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

#: Where "Start work" makes sense: a new request, or one whose identity is being checked.
START_WORK_FROM = frozenset({S.NEW, S.IDENTITY_CHECK})
#: Where "Answer received" makes sense: only a request that waits for the requester.
ANSWER_RECEIVED_FROM = frozenset({S.WAITING_FOR_SUBJECT})
#: The closings that answer the request: each must give the requester the information on
#: action taken (Art. 12(3)) or the refusal (Art. 12(4)) first (``_answer``). A withdrawal
#: is the requester's own act.
ANSWERED_STATUSES = frozenset({S.COMPLETED, S.REFUSED, S.FORWARDED})


class IllegalTransition(ValidationError):
    pass


def can_move(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def can_start_work(status: str) -> bool:
    return status in START_WORK_FROM and can_move(status, S.IN_PROGRESS)


def can_receive_answer(status: str) -> bool:
    return status in ANSWER_RECEIVED_FROM


def _lock(request: Request) -> Request:
    """The request's row, locked until the transaction ends, so that two staff members (or a
    task) acting at once cannot both move it from the same state."""
    return Request.objects.select_for_update().select_related("organisation").get(
        pk=request.pk)


def _check_move(current: str, target: str) -> None:
    if not can_move(current, target):
        raise IllegalTransition(
            _("A request cannot go from “%(current)s” to “%(target)s”.")
            % {"current": Status(current).label, "target": Status(target).label}
        )


def _only_from(current: str, allowed: frozenset[str], action: str) -> None:
    if current not in allowed:
        raise IllegalTransition(
            _("“%(action)s” is only for requests with the status %(statuses)s.") % {
                "action": action,
                "statuses": ", ".join(f"“{Status(s).label}”" for s in sorted(allowed))})


@transaction.atomic
def _move(
    request: Request,
    target: str,
    *,
    actor: AbstractBaseUser | None,
    actor_label: str = "",
    message: str = "",
    now: datetime | None = None,
) -> Request:
    """Move ``request`` to ``target`` if the table allows it, and log the move. Private: the
    public functions above and below check the actor and the step's own rules first.

    ``now`` (default: this instant) is the moment of the move. Every public function here
    takes it too, for a caller that replays a past through the same rules: the demo's year of
    history (``requests_app/management/demo_history.py``). Staff paths never pass it."""
    now = now or timezone.now()
    locked = _lock(request)
    _check_move(locked.status, target)
    if target in ANSWERED_STATUSES:
        _check_answered(locked)
    previous = locked.status
    locked.status = target
    events.record(locked, Event.Kind.STATUS_CHANGED, actor=actor, actor_label=actor_label,
                  from_value=previous, to_value=target, message=message, at=now)
    # The clock: the answer ends a pause (Art. 12(6)); closing stops it. Only ``ask_subject``
    # pauses it, for a question about identity that the requester can see.
    if previous == Status.WAITING_FOR_SUBJECT:
        legal.resume(locked, actor=actor, actor_label=actor_label, now=now)
    if target in CLOSED_STATUSES:
        locked.closed_at = now
    locked.save()
    reminders.reschedule(locked, now=now)
    _copy_clock(locked, request)
    return request


def _check_answered(request: Request) -> None:
    """No request closes silently: an answer is on its status page and, where no e-mail
    address is known, staff recorded how they told the requester (``_answer``). Guards every
    closing path, present and future, at the one door."""
    answered = request.messages.filter(direction=Message.Direction.TO_SUBJECT,
                                       purpose=Message.Purpose.ANSWER).exists()
    if not answered or (notice.needed(request) and request.answer_told_at is None):
        raise IllegalTransition(_("A request is closed only with an answer to the requester "
                                  "(GDPR Art. 12(3))."))


def _copy_clock(source: Request, target: Request) -> None:
    for field in CLOCK_FIELDS:
        setattr(target, field, getattr(source, field))


CLOCK_FIELDS = ("status", "closed_at", "due_date", "statutory_due_date", "extended_at",
                "extension_reason", "extension_explanation", "waiting_since", "paused_days",
                "next_reminder_at", "extension_told_by", "extension_told_at",
                "answer_told_by", "answer_told_at")


# --- Into the queue and to work ---------------------------------------------------------------


@transaction.atomic
def accept(request: Request, *, actor: AbstractBaseUser | None,
           actor_label: str = "", now: datetime | None = None) -> Request:
    """The request enters the staff queue (awaiting confirmation → new): the requester
    confirmed the address (``actor=None``), or staff registered a request that came by
    another channel (``actor`` must be allowed to work in the organisation). The caller
    (``intake``) has started the clock and built the checklist."""
    access.require(actor, access.WORK, request.organisation_id)
    return _move(request, Status.NEW, actor=actor, actor_label=actor_label, now=now)


@transaction.atomic
def start_work(request: Request, *, actor: AbstractBaseUser | None,
               now: datetime | None = None) -> Request:
    """Staff start on a new request, or on one whose identity is now confirmed."""
    locked = _lock(request)
    access.require(actor, access.WORK, locked.organisation_id)
    _only_from(locked.status, START_WORK_FROM, _("Start work"))
    return _move(request, Status.IN_PROGRESS, actor=actor, now=now)


@transaction.atomic
def answer_received(request: Request, *, actor: AbstractBaseUser | None,
                    now: datetime | None = None) -> Request:
    """The requester answered outside the portal (by phone, letter, in person): the request
    stops waiting and goes back to work, as when the answer comes on the status page
    (``subject_replied``). The clock resumes; paused days are added (``legal.resume``)."""
    locked = _lock(request)
    access.require(actor, access.WORK, locked.organisation_id)
    _only_from(locked.status, ANSWER_RECEIVED_FROM, _("Answer received from the requester"))
    return _move(request, _back_from_waiting(request), actor=actor, now=now)


@transaction.atomic
def withdraw(request: Request, *, how: str, actor: AbstractBaseUser | None,
             now: datetime | None = None) -> Request:
    """The requester withdrew the request (by e-mail, phone, letter or on the status page)
    and staff record it, saying how (``how``, kept in the log). A withdrawal is the
    requester's own act, not an answer: nothing is decided, so no answer is owed
    (``ANSWERED_STATUSES``) and the reports leave it out of the on-time rate. The clock
    stops; the personal data goes after the organisation's retention period, as for any
    closed request."""
    locked = _lock(request)
    access.require(actor, access.WORK, locked.organisation_id)
    _check_move(locked.status, Status.WITHDRAWN)
    if not how.strip():
        raise ValidationError(_("Say how the requester withdrew the request."))
    return _move(request, Status.WITHDRAWN, actor=actor, message=how.strip(), now=now)


def _back_from_waiting(request: Request) -> str:
    """Where a waiting request goes when the answer comes: back to the identity check if
    that was the question, else to the work."""
    asked = (request.messages.filter(direction=Message.Direction.TO_SUBJECT)
             .order_by("-created_at", "-id").first())
    return (Status.IDENTITY_CHECK if asked and asked.purpose == Message.Purpose.IDENTITY
            else Status.IN_PROGRESS)


@transaction.atomic
def extend(request: Request, *, reason: str, explanation: str,
           actor: AbstractBaseUser | None, told: notice.Told | None = None,
           now: datetime | None = None) -> Request:
    """Extend the time limit by two further months (Art. 12(3)) and tell the subject why.

    A decision with legal effect: only a compliance lead or organisation admin of the
    request's organisation (``access.DECIDE``). Refused (``ValidationError``) after the
    one-month notice deadline, for a second extension, or for a closed request. The notice
    is part of the extension (Art. 12(3): "shall inform ... within one month ... together
    with the reasons"): with an e-mail address the portal sends it; without one the
    extension takes effect only with staff's record of how and when they told the requester
    (``told``, no later than the notice deadline; ``notice.check``). Reminders for the new
    date follow.
    """
    locked = _lock(request)
    access.require(actor, access.DECIDE, locked.organisation_id)
    legal.check_extension(locked, now)
    told = notice.check(locked, told, latest=legal.extension_notice_by(locked), now=now)
    legal.extend(locked, reason=reason, explanation=explanation, actor=actor, now=now)
    locked.save()
    reminders.reschedule(locked, now=now)
    if told is None:
        notifications.extension_email(locked, now=now)
    else:
        notice.record(locked, told, about=notice.EXTENSION, actor=actor, now=now)
    _copy_clock(locked, request)
    return request


def assignable(organisation_id: int):
    """The users a request of this organisation can be given: its active staff members.
    Staff of another organisation must never see its requests (nor get its reminders)."""
    return access.members([organisation_id])


def check_assignee(organisation_id: int, assignee: AbstractBaseUser | None) -> None:
    """Refuse (``ValidationError``) an assignee who is not ``assignable``."""
    if assignee is None:
        return
    if not assignable(organisation_id).filter(pk=assignee.pk).exists():
        name = (Organisation.objects.filter(pk=organisation_id)
                .values_list("name", flat=True).first())
        raise ValidationError(
            _("%(person)s is not an active staff member of %(organisation)s.") % {
                "person": assignee.get_full_name() or assignee.get_username(),
                "organisation": name})


@transaction.atomic
def assign(request: Request, *, assignee: AbstractBaseUser | None,
           actor: AbstractBaseUser | None, now: datetime | None = None) -> Request:
    """Give the request to ``assignee`` (or nobody), logging who did it and e-mailing the new
    assignee. The actor must be allowed to work in the organisation, the assignee must be
    an active staff member of it (``check_assignee``)."""
    locked = Request.objects.select_for_update().get(pk=request.pk)
    access.require(actor, access.WORK, locked.organisation_id)
    if locked.assignee_id == (assignee.pk if assignee else None):
        return request
    check_assignee(locked.organisation_id, assignee)
    previous = locked.assignee
    locked.assignee = assignee
    locked.save(update_fields=["assignee", "updated_at"])
    events.record(locked, Event.Kind.ASSIGNED, actor=actor,
                  from_value=previous or "", to_value=assignee or "", at=now)
    if assignee is not None and assignee != actor and assignee.email:
        notifications.assigned_email(locked, assignee, now=now)
    request.assignee = assignee
    return request


# --- The conversation with the requester -----------------------------------------------------

#: Why staff may ask: the answer to each goes back to a different place (``_back_from_waiting``).
ASK_PURPOSES = (Message.Purpose.IDENTITY, Message.Purpose.CLARIFICATION)


@transaction.atomic
def ask_subject(request: Request, *, body: str, purpose: str,
                actor: AbstractBaseUser | None, now: datetime | None = None) -> Request:
    """Ask the requester for information (to confirm identity, Art. 12(6), or to clarify the
    request). The question is posted first, then the request waits for the answer: no
    request waits without a question the requester can see.

    Only a question about identity pauses the clock (``legal.pause``): Art. 12(6) lets the
    controller ask for what it needs to confirm the requester's identity, and the days spent
    waiting for that may be added (where the organisation chooses so). A question that
    clarifies the request does not stop the clock: the month runs on. A clock paused for
    identity stays paused if a clarification is asked meanwhile (the identity question is
    still unanswered)."""
    locked = _lock(request)
    access.require(actor, access.WORK, locked.organisation_id)
    if locked.status != Status.WAITING_FOR_SUBJECT:
        _check_move(locked.status, Status.WAITING_FOR_SUBJECT)
    if purpose not in ASK_PURPOSES:
        raise ValidationError(_("Say why you ask: to confirm the requester's identity or to "
                                "clarify the request."))
    if not body.strip():
        raise ValidationError(_("Write the question to the requester."))
    question = conversation.post_to_subject(locked, body=body, purpose=purpose, actor=actor,
                                            now=now)
    if locked.status != Status.WAITING_FOR_SUBJECT:
        why = (_("Asked the requester for more information to confirm their identity "
                 "(GDPR Art. 12(6)).") if purpose == Message.Purpose.IDENTITY else
               _("Asked the requester to clarify the request; the clock keeps running (only "
                 "a question about identity pauses it, GDPR Art. 12(6))."))
        _move(request, Status.WAITING_FOR_SUBJECT, actor=actor, message=why, now=now)
    if purpose == Message.Purpose.IDENTITY:
        waiting = _lock(request)  # as ``_move`` left it
        if waiting.waiting_since is None:
            legal.pause(waiting, question=question, actor=actor, now=now)
            waiting.save(update_fields=["waiting_since", "updated_at"])
            reminders.reschedule(waiting, now=now)
            _copy_clock(waiting, request)
    return request


def takes_messages(request: Request) -> bool:
    """Whether the requester may write on the status page: while the request is open, and,
    once closed, while a restriction it put in place is in force (Art. 18(3): the notice
    before lifting asks the requester to answer there, so the page must take the answer
    until the restriction is lifted)."""
    return request.is_open or outcomes.restriction_in_force(request)


@transaction.atomic
def subject_replied(request: Request, *, body: str, files=(),
                    now: datetime | None = None) -> Request:
    """The requester answered on the status page (no staff actor: the status link is the
    requester's authority). A waiting request goes back to where the question came from:
    the identity check, or the work. A closed request takes the message only while
    ``takes_messages``; its status does not change."""
    locked = _lock(request)
    if not takes_messages(locked):
        raise ValidationError(_("This request is closed; it no longer takes messages."))
    conversation.receive_from_subject(request, body=body, files=files, now=now)
    if locked.status == Status.WAITING_FOR_SUBJECT:
        _move(request, _back_from_waiting(request), actor=None, actor_label=events.SUBJECT,
              now=now)
    return request


@transaction.atomic
def identity_verified(request: Request, *, advance: bool) -> Request:
    """The requester proved their identity with an electronic ID (Art. 12(6);
    ``identity.verification``). No staff actor: the broker vouches for the person.

    A request waiting for the answer to an identity question stops waiting at once: back to
    the identity check, or, where the organisation chooses so (``advance``), straight to
    work. It leaves through ``_move`` like every other answer, so a paused clock resumes
    there (``legal.resume``), not on a second path. A request in the identity check moves
    to work only with ``advance``; any other status stays: staff decide."""
    locked = _lock(request)
    why = _("Identity verified electronically.")
    if (locked.status == Status.WAITING_FOR_SUBJECT
            and _back_from_waiting(locked) == Status.IDENTITY_CHECK):
        _move(request, Status.IN_PROGRESS if advance else Status.IDENTITY_CHECK, actor=None,
              actor_label=events.SUBJECT, message=why)
    elif locked.status == Status.IDENTITY_CHECK and advance:
        _move(request, Status.IN_PROGRESS, actor=None, actor_label=events.SUBJECT,
              message=why)
    return request


# --- Outcomes ------------------------------------------------------------------------------


def _answer(request: Request, *, body: str, actor: AbstractBaseUser | None,
            told: notice.Told | None, now: datetime | None = None) -> None:
    """Give the requester the answer: the information on action taken (Art. 12(3)) or the
    refusal (Art. 12(4)), in their language. It goes on the status page with a "news"
    e-mail where an address is known (``conversation.post_to_subject``); without one,
    staff's record of how and when they told the requester (``told``, checked by
    ``notice.check`` before anything changed) is kept. Every closing path calls this, and
    ``_move`` refuses to close a request it has not run for."""
    conversation.post_to_subject(request, body=body, purpose=Message.Purpose.ANSWER,
                                 actor=actor, now=now)
    if told is not None:
        notice.record(request, told, about=notice.ANSWER, actor=actor, now=now)


@transaction.atomic
def complete(request: Request, *, answer: str, actor: AbstractBaseUser | None,
             told: notice.Told | None = None, now: datetime | None = None) -> Request:
    """Answer the request and close it. Steps, all or nothing:

    1. the actor may work in the organisation, and the status allows completing;
    2. without an e-mail address, staff say how and when they told the requester (``told``);
    3. every system on the checklist is finished (``checklist.check_finished``) and the
       outcome the right needs is recorded (``outcomes.check_complete``);
    4. an outcome that grants less than was asked (``outcomes.grants_less_than_asked``: data
       kept despite an erasure request, data left unchanged as accurate) refuses the request
       in part: a decision (``access.DECIDE``), recorded as partly refused on its ground;
    5. the outcome's side effects run (``outcomes.finish``: the packages' download period,
       the suppression list for an objection to direct marketing);
    6. the answer, ending with what was done (``outcomes.summary``) and, for a partial
       refusal, each ground and the right to complain (``outcomes.refusal_notice``,
       Art. 12(4)), all in the requester's language, reaches the requester (``_answer``),
       and the request is completed. "We hold no data about you"
       (``outcomes.holds_no_data``) is recorded as such: an answer (Art. 15(1)), not a
       refusal.
    """
    locked = _lock(request)
    access.require(actor, access.WORK, locked.organisation_id)
    _check_move(locked.status, Status.COMPLETED)
    told = notice.check(locked, told, now=now)
    request.refresh_from_db()
    checklist.check_finished(request)
    outcomes.check_complete(request, today=legal.today_for(locked, now))
    _require_answer(answer)
    less = outcomes.grants_less_than_asked(request)
    if less:
        access.require(actor, access.DECIDE, request.organisation_id)
    outcomes.finish(request, actor=actor, now=now)
    parts = [answer.strip(), outcomes.summary(request)]
    if less:
        parts.append(outcomes.refusal_notice(request, grounds=less))
    _answer(request, body="\n\n".join(part for part in parts if part), actor=actor,
            told=told, now=now)
    _record_refusal(request, grounds=less, partly=bool(less),
                    no_data_held=outcomes.holds_no_data(request))
    return _move(request, Status.COMPLETED, actor=actor,
                 message=", ".join(str(RefusalGround(ground).label) for ground in less),
                 now=now)


def _record_refusal(request: Request, *, grounds: list[str], partly: bool, **more) -> None:
    """Record on ``request`` what its answer refuses: the ground given first
    (``refusal_ground``), the others its answer explains (``further_grounds``), and whether
    the rest was granted (``partly_refused``). The one place both ``refuse`` and ``complete``
    write these, so the reports count every ground of every refusal (Art. 12(4))."""
    recorded = {"refusal_ground": grounds[0] if grounds else "",
                "further_grounds": ",".join(grounds[1:]), "partly_refused": partly, **more}
    Request.objects.filter(pk=request.pk).update(**recorded)
    for name, value in recorded.items():
        setattr(request, name, value)


@transaction.atomic
def refuse(request: Request, *, ground: str, answer: str, actor: AbstractBaseUser | None,
           partly: bool = False, told: notice.Told | None = None,
           now: datetime | None = None) -> Request:
    """Refuse the request, wholly or partly, on a named legal ground: a decision with legal
    effect, so only a compliance lead or organisation admin of the request's organisation
    (``access.DECIDE``). The ground must be one a request of its type may be refused on
    (``outcomes.refusal_grounds``). The answer always tells the requester, in their
    language, what the ground means and of the right to complain to the supervisory
    authority and to seek a judicial remedy (Art. 12(4), ``outcomes.refusal_notice``). A
    partial refusal completes the rest, so its checklist must be finished and its side
    effects run; the grounds of what the checklist keeps are explained too. Without an
    e-mail address, staff say how and when they told the requester (``told``)."""
    locked = _lock(request)
    access.require(actor, access.DECIDE, locked.organisation_id)
    _check_move(locked.status, Status.COMPLETED if partly else Status.REFUSED)
    told = notice.check(locked, told, now=now)
    if not ground:
        raise ValidationError(_("A refusal must name its legal ground."))
    if ground not in outcomes.refusal_grounds(locked):
        raise ValidationError(
            _("A request of the type “%(type)s” cannot be refused on this ground.")
            % {"type": RequestType(locked.type).label})
    _require_answer(answer)
    request.refresh_from_db()
    grounds = [ground]
    if partly:
        checklist.check_finished(request)
        outcomes.finish(request, actor=actor, now=now)
        grounds += outcomes.grants_less_than_asked(request)
    grounds = list(dict.fromkeys(grounds))
    _record_refusal(request, grounds=grounds, partly=partly)
    refusal = outcomes.refusal_notice(request, grounds=grounds)
    _answer(request, body=f"{answer.strip()}\n\n{refusal}", actor=actor, told=told, now=now)
    # The log names every ground the answer explains, as the request records them.
    return _move(request, Status.COMPLETED if partly else Status.REFUSED, actor=actor,
                 message=", ".join(str(RefusalGround(g).label) for g in grounds),
                 now=now)


@transaction.atomic
def forward(request: Request, *, controller_name: str, controller_contact: str, answer: str,
            actor: AbstractBaseUser | None, forwarded_by: str,
            forwarded_at: datetime | None = None, told: notice.Told | None = None,
            now: datetime | None = None) -> Request:
    """A processor passes the request to the controller responsible (Art. 28(3)(e)) and tells
    the requester what happened and whom to contact. Steps, all or nothing:

    1. the actor may work in the organisation, the status allows forwarding, the controller
       is named with a contact, and there is an answer;
    2. the request really reaches the controller (``forwarded_by``): the portal e-mails it
       to the controller's address now, through the outbox (``ForwardedBy.PORTAL``: what
       the requester asked, and the reference), or staff sent it themselves and say how and
       when (``forwarded_at``);
    3. the answer ends with a paragraph, in the requester's language, that says which of
       the two happened and when (``forwarding_paragraph``), so the reply never claims a
       forwarding nobody made; it reaches the requester (``_answer``; ``told`` without an
       e-mail address), and the request is closed as forwarded.
    """
    locked = _lock(request)
    access.require(actor, access.WORK, locked.organisation_id)
    _check_move(locked.status, Status.FORWARDED)
    name, contact = controller_name.strip(), controller_contact.strip()
    if not name or not contact:
        raise ValidationError(_("Name the controller and how to contact it."))
    _require_answer(answer)
    forwarded_at = _check_forwarding(locked, forwarded_by=forwarded_by, contact=contact,
                                     at=forwarded_at, now=now)
    told = notice.check(locked, told, now=now)
    Request.objects.filter(pk=request.pk).update(
        forwarded_to_name=name, forwarded_to_contact=contact, forwarded_by=forwarded_by,
        forwarded_at=forwarded_at)
    request.refresh_from_db()
    if forwarded_by == ForwardedBy.PORTAL:
        notifications.controller_email(request, now=now)
        how = _("E-mailed by the portal to %(contact)s.") % {"contact": contact}
    else:
        how = _("Sent by staff %(how)s on %(when)s; the controller's contact: %(contact)s.") % {
            "how": _forwarded_how(forwarded_by),
            "when": notice.when(request.organisation, forwarded_at), "contact": contact}
    events.record(request, Event.Kind.FORWARDED, actor=actor, to_value=name, message=how,
                  at=now)
    _answer(request, body=f"{answer.strip()}\n\n{forwarding_paragraph(request)}",
            actor=actor, told=told, now=now)
    return _move(request, Status.FORWARDED, actor=actor, now=now)


def _check_forwarding(request: Request, *, forwarded_by: str, contact: str,
                      at: datetime | None, now: datetime | None = None) -> datetime:
    """When the request reached (or now goes to) the controller, checked: the portal can
    e-mail only an e-mail address; staff who sent it themselves say when, not in the future
    nor before the request came. Errors are keyed ``forwarded_by`` / ``forwarded_at``."""
    if forwarded_by not in ForwardedBy.values:
        raise ValidationError({"forwarded_by": _(
            "Say how the request reaches the controller: the portal e-mails it, or you sent "
            "it yourself.")})
    if forwarded_by == ForwardedBy.PORTAL:
        try:
            validate_email(contact)
        except ValidationError:
            raise ValidationError({"controller_contact": _(
                "The portal can send the request only to an e-mail address. Give the "
                "controller's e-mail address, or send it yourself and say how and when.")}
            ) from None
        return now or timezone.now()
    return notice.check_time(request, at, key="forwarded_at", now=now)


def _forwarded_how(forwarded_by: str) -> str:
    return _("by letter") if forwarded_by == ForwardedBy.LETTER else _("by e-mail")


def forwarding_paragraph(request: Request) -> str:
    """What the requester is told of the forwarding, in their language: to whom, how and on
    which day it was sent, and how to reach the controller."""
    local = request.forwarded_at.astimezone(notice.zone(request.organisation))
    with translation.override(request.language):
        values = {"reference": request.reference, "controller": request.forwarded_to_name,
                  "contact": request.forwarded_to_contact,
                  "date": formats.date_format(local, "DATE_FORMAT")}
        if request.forwarded_by == ForwardedBy.LETTER:
            text = _("We sent your request (%(reference)s) to %(controller)s by letter on "
                     "%(date)s. %(controller)s is the controller and answers it; you can also "
                     "contact them directly: %(contact)s.")
        else:
            text = _("We sent your request (%(reference)s) to %(controller)s by e-mail on "
                     "%(date)s. %(controller)s is the controller and answers it; you can also "
                     "contact them directly: %(contact)s.")
        return text % values


def _require_answer(answer: str) -> None:
    if not answer.strip():
        raise ValidationError(_("Write the answer to the requester."))
