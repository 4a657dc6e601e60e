"""The one function that writes the event log."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser

from requests_app.models import Event, Request

SUBJECT = "subject"
SYSTEM = "system"


def record(
    request: Request,
    kind: str,
    *,
    actor: AbstractBaseUser | None = None,
    actor_label: str = "",
    from_value: object = "",
    to_value: object = "",
    message: str = "",
    at: datetime | None = None,
) -> Event:
    """Append one row to the request's event log.

    Call it inside the transaction that makes the change, so the change and its record are
    saved together or not at all. ``actor`` is the staff user; otherwise ``actor_label`` says
    who acted (the subject, the system). ``at`` is when it happened, for a service that acts
    at a moment it was given (``now=``, e.g. the demo's history); by default this instant.
    """
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return Event.objects.create(
        request=request,
        kind=kind,
        actor=actor,
        actor_label=actor_label or ("" if actor else SYSTEM),
        from_value=str(from_value or "")[:200],
        to_value=str(to_value or "")[:200],
        message=message,
        **({"at": at} if at is not None else {}),
    )
