"""The per-system checklist: every system that may hold the requester's data is searched, and
what was done there is recorded, before a request can be completed."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from requests_app import access, events
from requests_app.models import (
    ERASURE_EXEMPTIONS,
    ChecklistItem,
    DataSystem,
    Event,
    RefusalGround,
    Request,
    RequestType,
)

#: The grounds on which a system's data may be left as it was, per type: an Art. 17(3)
#: ground (erasure), or, for a rectification, that the data is accurate (Art. 16). Either
#: refuses the request in part (``outcomes.grants_less_than_asked``).
KEPT_GROUNDS_BY_TYPE = {
    RequestType.ERASURE: frozenset(value for value, _label in ERASURE_EXEMPTIONS),
    RequestType.RECTIFICATION: frozenset({RefusalGround.RECTIFICATION_ACCURATE.value}),
}


def build(request: Request, *, now: datetime | None = None) -> list[ChecklistItem]:
    """One item per system of the organisation that matches the request's relationship and
    type (``DataSystem.applies_to``). Idempotent: systems already on the list are skipped."""
    present = set(request.checklist.values_list("system_id", flat=True))
    systems = [s for s in DataSystem.objects.filter(organisation_id=request.organisation_id)
               if s.pk not in present and s.applies_to(request.relationship, request.type)]
    items = ChecklistItem.objects.bulk_create(
        ChecklistItem(request=request, system=s, system_name=s.name) for s in systems)
    if items:
        events.record(request, Event.Kind.CHECKLIST, to_value=len(items),
                      message=", ".join(item.system_name for item in items), at=now)
    return items


#: What ``mark`` records per system beyond state and note: the rectification (Art. 16), the
#: data kept despite an erasure request (Art. 17(3)), the recipients told (Art. 19).
OUTCOME_FIELDS = ("value_before", "value_after", "kept_ground", "kept_until", "recipients_told")

_UNCHANGED = object()


@transaction.atomic
def mark(item: ChecklistItem, *, state: str, note: str = "",
         actor: AbstractBaseUser | None, value_before=_UNCHANGED, value_after=_UNCHANGED,
         kept_ground=_UNCHANGED, kept_until=_UNCHANGED,
         recipients_told=_UNCHANGED, now: datetime | None = None) -> ChecklistItem:
    """Record what was found or done in one system, by whom and when.

    The outcome fields are left as they are unless given; what changed is written into the
    event (the text is personal data and goes with the purge, see ``purge``).

    Whoever works on the organisation's requests marks its checklist; keeping data an
    erasure asked for, on an Art. 17(3) ground, or leaving data unchanged that a
    rectification asked to correct, because it is accurate (Art. 16), refuses the request in
    part and is a decision (``access.DECIDE``). ``now``: when (default this instant), for a
    caller that acts at a given moment."""
    access.require(actor, access.WORK, item.request.organisation_id)
    if state not in ChecklistItem.State.values:
        raise ValidationError(_("Unknown checklist state."))
    if not item.request.is_open:
        raise ValidationError(_("The request is closed; its checklist can no longer change."))
    given = {name: value for name, value in (
        ("value_before", value_before), ("value_after", value_after),
        ("kept_ground", kept_ground), ("kept_until", kept_until),
        ("recipients_told", recipients_told)) if value is not _UNCHANGED}
    for name in ("value_before", "value_after", "kept_ground", "recipients_told"):
        if name in given and given[name] is None:
            given[name] = ""
    allowed = KEPT_GROUNDS_BY_TYPE.get(item.request.type, frozenset())
    if given.get("kept_ground") and given["kept_ground"] not in allowed:
        if item.request.type == RequestType.RECTIFICATION:
            raise ValidationError(_("A rectification leaves data unchanged only because it "
                                    "is accurate (GDPR Art. 16)."))
        raise ValidationError(_("Unknown ground for keeping data (GDPR Art. 17(3))."))
    changed = {name: value for name, value in given.items() if getattr(item, name) != value}
    keeps = changed.get("kept_ground", item.kept_ground)
    if keeps and {"kept_ground", "kept_until"} & set(changed):
        access.require(actor, access.DECIDE, item.request.organisation_id)
    previous = item.state
    item.state, item.note = state, note
    for name, value in changed.items():
        setattr(item, name, value)
    now = now or timezone.now()
    item.updated_by, item.updated_at = actor, now
    item.save()
    lines = [f"{item.system_name}: {note}".strip(": ")]
    lines += [f"{ChecklistItem._meta.get_field(name).verbose_name}: {_shown(item, name)}"
              for name in changed]
    events.record(item.request, Event.Kind.CHECKLIST, actor=actor, from_value=previous,
                  to_value=state, message="\n".join(lines), at=now)
    return item


def _shown(item: ChecklistItem, name: str) -> str:
    value = getattr(item, name)
    if name == "kept_ground" and value:
        return str(item.get_kept_ground_display())
    return "–" if value in (None, "") else str(value)


def is_finished(item: ChecklistItem, request_type: str) -> bool:
    """Finished for completing: searched and dealt with. Data kept on an Art. 17(3) ground
    (erasure) or left unchanged as accurate (rectification) is dealt with too, whether
    marked done or left as "data found"."""
    return item.is_finished or (request_type in KEPT_GROUNDS_BY_TYPE
                                and item.state == ChecklistItem.State.DATA_FOUND
                                and bool(item.kept_ground))


def unfinished(request: Request) -> list[ChecklistItem]:
    return [item for item in request.checklist.all() if not is_finished(item, request.type)]


def check_finished(request: Request) -> None:
    """A request cannot be completed while a system on its checklist is left open."""
    left = unfinished(request)
    if left:
        raise ValidationError(
            _("Finish the checklist first. Not yet finished: %(systems)s.")
            % {"systems": ", ".join(item.system_name for item in left)}
        )
