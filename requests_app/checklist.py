"""The per-system checklist: every system that may hold the requester's data is searched, and
what was done there is recorded, before a request can be completed."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from requests_app import events
from requests_app.models import ChecklistItem, DataSystem, Event, Request


def build(request: Request) -> list[ChecklistItem]:
    """One item per system of the organisation that matches the request's relationship and
    type (``DataSystem.applies_to``). Idempotent: systems already on the list are skipped."""
    present = set(request.checklist.values_list("system_id", flat=True))
    systems = [s for s in DataSystem.objects.filter(organisation_id=request.organisation_id)
               if s.pk not in present and s.applies_to(request.relationship, request.type)]
    items = ChecklistItem.objects.bulk_create(
        ChecklistItem(request=request, system=s, system_name=s.name) for s in systems)
    if items:
        events.record(request, Event.Kind.CHECKLIST, to_value=len(items),
                      message=", ".join(item.system_name for item in items))
    return items


@transaction.atomic
def mark(item: ChecklistItem, *, state: str, note: str = "",
         actor: AbstractBaseUser | None) -> ChecklistItem:
    """Record what was found or done in one system, by whom and when."""
    if state not in ChecklistItem.State.values:
        raise ValidationError(_("Unknown checklist state."))
    if not item.request.is_open:
        raise ValidationError(_("The request is closed; its checklist can no longer change."))
    previous = item.state
    item.state, item.note = state, note
    item.updated_by, item.updated_at = actor, timezone.now()
    item.save()
    events.record(item.request, Event.Kind.CHECKLIST, actor=actor, from_value=previous,
                  to_value=state, message=f"{item.system_name}: {note}".strip(": "))
    return item


def unfinished(request: Request) -> list[ChecklistItem]:
    return [item for item in request.checklist.all() if not item.is_finished]


def check_finished(request: Request) -> None:
    """A request cannot be completed while a system on its checklist is left open."""
    left = unfinished(request)
    if left:
        raise ValidationError(
            _("Finish the checklist first. Not yet finished: %(systems)s.")
            % {"systems": ", ".join(item.system_name for item in left)}
        )
