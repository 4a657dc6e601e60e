"""E-mails: one function per message, each saved in the outbox before it is sent.

Steps for every message:
1. render subject, text and HTML bodies in the recipient's language;
2. save an ``OutgoingEmail`` row in the caller's transaction;
3. after commit, hand its id to the ``send_email`` task. If the broker is down the row stays
   pending and ``drain_outbox`` (run by beat) queues it once the broker is back;
4. the task claims the row with a conditional update, sends it, and marks it sent.

A message with no recipient is refused when it is composed (``NoRecipient``), never saved:
a row addressed to nobody would be "sent" and logged as if someone had been told. A caller
that may lack an address (a request registered from a letter or a call) must tell the
person another way and record it (``casework.notice``).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from requests_app import events, jobs, links
from requests_app.clock import legal
from requests_app.models import Event, Membership, OutgoingEmail, Request, RequestType

logger = logging.getLogger(__name__)

CLAIM_SECONDS = 300
MAX_ATTEMPTS = 10
REDACTED = "[private link removed after sending]"
#: The task that sends one outbox row (``tasks.send_email``), named as ``jobs`` wants.
SEND_TASK = "requests_app.tasks.send_email"
#: What ``deliver`` records on a row that has no recipient (one saved before the outbox
#: refused them); it is failed, never sent.
NO_RECIPIENT = "No recipient: the message was not sent."


class NoRecipient(ValueError):
    """An e-mail was composed for nobody: a programming error in the caller, which should
    have checked for an address and told the person another way."""


def _compose(
    kind: str, *, to: str, language: str, context: dict, request: Request | None = None,
    secret_url: str = "", now: datetime | None = None,
) -> OutgoingEmail:
    """Render and save one outbox row; ``now`` is when it was written (default: this
    instant), given by a service that acts at a moment it was told (the demo's history)."""
    if not (to or "").strip():
        raise NoRecipient(f"The {kind!r} e-mail has no recipient.")
    with translation.override(language):
        context = {**context, "site_url": settings.SITE_URL}
        subject = render_to_string(f"emails/{kind}-subject.txt", context).strip()
        body_text = render_to_string(f"emails/{kind}-body.txt", context)
        body_html = render_to_string(f"emails/{kind}-body.html", context)
    email = OutgoingEmail.objects.create(
        request=request, kind=kind, to=to, language=language, subject=" ".join(subject.split()),
        body_text=body_text, body_html=body_html, secret_url=secret_url,
        created_at=now or timezone.now(),
    )
    # After the commit, without asking the database again: a caller that delivers as it
    # writes (the demo's history) holds the queue instead (``jobs.held``).
    jobs.queue_on_commit(SEND_TASK, email.pk)
    return email


def enqueue(email_id: int) -> bool:
    """Hand one outbox row to the broker. A broker that is down is not an error here: the row
    stays pending and ``drain_outbox`` queues it later (``jobs.publish`` logs the failure).
    Returns whether it was queued."""
    return jobs.publish(SEND_TASK, email_id)


def confirmation_email(request: Request, confirm_url: str, *,
                       now: datetime | None = None) -> OutgoingEmail:
    """Asks the subject to confirm the address before the request reaches the staff queue.

    Anyone can type any address into the form, so this e-mail goes to addresses nobody has
    confirmed yet: it carries nothing the sender typed (no name, no description), or the
    portal would send a stranger's text from the organisation's name (phishing). The
    templates get only the organisation, the right (a fixed label) and the link."""
    if settings.PRINT_CONFIRMATION_LINKS:
        logger.info("Confirmation link for %s: %s", request.reference, confirm_url)
    return _compose(
        "confirm", now=now, to=request.subject_email, language=request.language, request=request,
        secret_url=confirm_url,
        context={"organisation": request.organisation, "language": request.language,
                 "type_label": RequestType(request.type).label, "confirm_url": confirm_url,
                 "ttl_days": settings.UNCONFIRMED_REQUEST_TTL_DAYS},
    )


def invitation_email(invitation, accept_url: str) -> OutgoingEmail:
    """The invitation to become staff (``onboarding.invitations``): who invited, to which
    organisation (or to set up a new one), the role, the link and until when it works. The
    link is removed from the stored copy once sent, like every private link."""
    return _compose(
        "invitation", to=invitation.email, language=invitation.language,
        secret_url=accept_url,
        context={"invitation": invitation, "organisation": invitation.organisation,
                 "inviter": (invitation.invited_by.get_full_name()
                             or invitation.invited_by.get_username())
                 if invitation.invited_by else "",
                 "accept_url": accept_url},
    )


def receipt_email(request: Request, status_url: str, *,
                  now: datetime | None = None) -> OutgoingEmail:
    """The receipt: reference, legal due date (and how it was computed), the status link."""
    return _compose(
        "receipt", now=now, to=request.subject_email, language=request.language, request=request,
        secret_url=status_url,
        context={"request": request, "organisation": request.organisation,
                 "status_url": status_url,
                 "summary": legal.explain(request, request.language, now)},
    )


def reminder_email(request: Request, *, to: str, language: str, kind: str,
                   escalation: bool, now: datetime | None = None) -> OutgoingEmail:
    """A reminder or escalation to staff: the due date, days left (at ``now``, the sweep's
    instant, where the organisation is), how the date was computed, and whether there is
    still time to extend (Art. 12(3))."""
    with translation.override(language):
        summary = legal.explain(request, language, now)
        notice_by = legal.extension_notice_by(request)
        can_extend = not request.is_extended and legal.today_for(request, now) <= notice_by
    return _compose(
        "escalation" if escalation else "reminder", now=now, to=to, language=language,
        request=request,
        context={"request": request, "organisation": request.organisation, "kind": kind,
                 "summary": summary, "notice_by": notice_by if can_extend else None,
                 "days_overdue": -summary.days_left if summary.days_left < 0 else 0,
                 "admin_url": settings.SITE_URL + reverse("admin:requests_app_request_change",
                                                          args=[request.pk])},
    )


def extension_email(request: Request, *, now: datetime | None = None) -> OutgoingEmail:
    """Tells the subject of an extension, with the reasons and the new date (Art. 12(3))."""
    return _compose(
        "extension", now=now, to=request.subject_email, language=request.language, request=request,
        context={"request": request, "organisation": request.organisation,
                 "summary": legal.explain(request, request.language, now)},
    )


def controller_email(request: Request, *, now: datetime | None = None) -> OutgoingEmail:
    """Passes a request to the controller it concerns (Art. 28(3)(e)), at the address staff
    recorded (``forwarded_to_contact``), in the organisation's language: the reference, when
    it was received, the right, who asked and how to reach them, and what they asked for.
    Unlike the requester's e-mails it carries personal data: passing the request on is the
    point, and the controller answers it."""
    organisation = request.organisation
    details = [(name.replace("_", " ").capitalize(), value)
               for name, value in (request.details or {}).items() if value not in ("", None)]
    return _compose(
        "forward-controller", now=now, to=request.forwarded_to_contact,
        language=organisation.default_language, request=request,
        context={"request": request, "organisation": organisation, "details": details,
                 "received": legal.local_date(request, request.received_at)},
    )


def news_email(request: Request, *, now: datetime | None = None) -> OutgoingEmail:
    """Tells the requester there is news on the status page, and nothing more."""
    url = links.status_url(request)
    return _compose(
        "news", now=now, to=request.subject_email, language=request.language, request=request,
        secret_url=url,
        context={"request": request, "organisation": request.organisation, "status_url": url},
    )


def staff_news_email(request: Request, *, to: str, language: str,
                     now: datetime | None = None) -> OutgoingEmail:
    """Tells staff the requester answered; the answer itself is only in the admin."""
    return _compose(
        "staff-news", now=now, to=to, language=language, request=request,
        context={"request": request, "organisation": request.organisation,
                 "admin_url": settings.SITE_URL + reverse("admin:requests_app_request_change",
                                                          args=[request.pk])},
    )


def assigned_email(request: Request, assignee, *,
                   now: datetime | None = None) -> OutgoingEmail:
    """Tells a staff member a request was given to them, with its due date."""

    membership = Membership.objects.filter(user=assignee,
                                           organisation=request.organisation).first()
    language = membership.language if membership else request.organisation.default_language
    return _compose(
        "assigned", now=now, to=assignee.email, language=language, request=request,
        context={"request": request, "organisation": request.organisation,
                 "summary": legal.explain(request, language, now),
                 "admin_url": settings.SITE_URL + reverse("admin:requests_app_request_change",
                                                          args=[request.pk])},
    )


def restriction_lift_email(request: Request, outcome) -> OutgoingEmail:
    """Tells the requester that the restriction of processing will be lifted, before it is
    (Art. 18(3)): which processing and from when; the details are on the status page."""
    url = links.status_url(request)
    return _compose(
        "restriction-lift", to=request.subject_email, language=request.language,
        request=request, secret_url=url,
        context={"request": request, "organisation": request.organisation,
                 "outcome": outcome, "status_url": url},
    )


def restriction_end_email(request: Request, outcome, *, to: str,
                          language: str) -> OutgoingEmail:
    """Reminds staff that a restriction ends soon: the requester must be told before it is
    lifted (Art. 18(3))."""
    return _compose(
        "restriction-end", to=to, language=language, request=request,
        context={"request": request, "organisation": request.organisation,
                 "outcome": outcome,
                 "admin_url": settings.SITE_URL + reverse("admin:requests_app_request_change",
                                                          args=[request.pk])},
    )


def deliver(email_id: int, *, now: datetime | None = None, connection=None) -> bool:
    """Send one outbox row unless it is sent already or another worker holds it.

    Returns True if this call sent it. Raises on a transport error (after releasing the
    claim) so that the task's retry policy tries again. ``now`` (when it was sent) and
    ``connection`` (Django's e-mail backend to send it through, default the configured one)
    are for a caller that replays a past: the demo's history sends its e-mails, to invented
    addresses, at their own moments and through a backend that keeps nothing.
    """
    now = now or timezone.now()
    # The claim: only one worker can move claimed_until forward for a pending row, so a
    # message queued twice (by the commit hook and by the drain) is still sent once.
    claimed = (
        OutgoingEmail.objects.filter(pk=email_id, state=OutgoingEmail.State.PENDING)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + timedelta(seconds=CLAIM_SECONDS))
    )
    if not claimed:
        return False
    email = OutgoingEmail.objects.select_related("request").get(pk=email_id)
    if not email.to.strip():
        # A row from before the outbox refused them: nobody can receive it, so it fails at
        # once (no retry) and no event says it was sent.
        OutgoingEmail.objects.filter(pk=email_id).update(
            state=OutgoingEmail.State.FAILED, claimed_until=None, last_error=NO_RECIPIENT)
        logger.error("E-mail %s has no recipient; marked failed.", email_id)
        return False
    message = EmailMultiAlternatives(
        subject=email.subject, body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL, to=[email.to], connection=connection,
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    try:
        message.send()
    except Exception as exc:
        attempts = email.attempts + 1
        OutgoingEmail.objects.filter(pk=email_id).update(
            attempts=attempts, claimed_until=None, last_error=repr(exc)[:2000],
            state=OutgoingEmail.State.FAILED if attempts >= MAX_ATTEMPTS
            else OutgoingEmail.State.PENDING,
        )
        raise
    _mark_sent(email, now=now)
    return True


def redacted(email: OutgoingEmail, body: str) -> str:
    """``body`` (one of ``email``'s bodies) without its private link (a confirmation or
    status link works for whoever has it): what the outbox keeps once the e-mail is sent, and
    all that staff may see of an e-mail not sent yet."""
    return body.replace(email.secret_url, REDACTED) if email.secret_url else body


@transaction.atomic
def _mark_sent(email: OutgoingEmail, *, now: datetime) -> None:
    email.body_text = redacted(email, email.body_text)
    email.body_html = redacted(email, email.body_html)
    email.secret_url = ""
    email.state = OutgoingEmail.State.SENT
    email.sent_at = now
    email.attempts += 1
    email.claimed_until = None
    email.save(update_fields=["body_text", "body_html", "secret_url", "state", "sent_at",
                              "attempts", "claimed_until"])
    if email.request_id:
        events.record(email.request, Event.Kind.EMAIL_SENT, to_value=email.to,
                      message=f"{email.kind}: {email.subject}", at=now)


def pending_ids(*, older_than_seconds: int = 30, limit: int = 500) -> list[int]:
    """Outbox rows that should have gone out by now and are not held by a worker."""
    now = timezone.now()
    return list(
        OutgoingEmail.objects.filter(
            state=OutgoingEmail.State.PENDING,
            created_at__lte=now - timedelta(seconds=older_than_seconds),
        )
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )


def drain_outbox(*, older_than_seconds: int = 30) -> int:
    """Queue every pending row again; returns how many were handed to the broker."""
    return sum(enqueue(pk) for pk in pending_ids(older_than_seconds=older_than_seconds))


def triage_email(organisation, *, to: str, language: str, count: int,
                 oldest) -> OutgoingEmail:
    """Tells the organisation's contacts that e-mail waits in triage: its legal clock is
    already running from its arrival (Art. 12(3)), registered or not. Says how many and since
    when, nothing of their content."""
    return _compose(
        "triage-reminder", to=to, language=language,
        context={"organisation": organisation, "count": count, "oldest": oldest,
                 "admin_url": settings.SITE_URL
                 + reverse("admin:requests_app_incomingmessage_changelist")},
    )
