"""Read queries: what the public pages and the staff side show."""

from __future__ import annotations

from datetime import date

from django.db import connection
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from requests_app.models import Event, Membership, Organisation, Request, RequestType, Status

# The events a subject sees on the status page; notes and assignments are internal.
PUBLIC_EVENT_KINDS = (Event.Kind.CREATED, Event.Kind.EMAIL_CONFIRMED, Event.Kind.STATUS_CHANGED,
                      Event.Kind.DUE_DATE_SET, Event.Kind.DUE_DATE_CHANGED, Event.Kind.EXTENDED)


def organisation_state(slug: str) -> tuple | None:
    """Every column of the organisation with this slug, or None: the key of its shared public
    pages (``views.shared_pages``), read on every visit so that a change shows at once.

    One plain statement built from the model's fields (a field added later is included): on
    this path the ORM's query compilation and the loading of the creation time cost more than
    the query itself (``python -m bench public --profile``). ``created_at`` is left out: it
    never changes."""
    fields = [f for f in Organisation._meta.concrete_fields if f.name != "created_at"]
    quote = connection.ops.quote_name
    sql = (f"SELECT {', '.join(quote(f.column) for f in fields)} "
           f"FROM {quote(Organisation._meta.db_table)} WHERE {quote('slug')} = %s")
    with connection.cursor() as cursor:
        cursor.execute(sql, [slug])
        return cursor.fetchone()


def public_timeline(request: Request) -> list[dict]:
    """The status page's timeline: when, and what happened, in the reader's language."""
    rows = []
    for event in request.events.filter(kind__in=PUBLIC_EVENT_KINDS).order_by("at", "id"):
        if event.kind == Event.Kind.STATUS_CHANGED:
            text = _("Status: %(status)s") % {"status": Status(event.to_value).label}
        elif event.kind in (Event.Kind.DUE_DATE_SET, Event.Kind.DUE_DATE_CHANGED):
            text = _("Answer due by %(date)s") % {
                "date": formats.date_format(date.fromisoformat(event.to_value))}
        else:
            text = event.get_kind_display()
        rows.append({"at": event.at, "text": text})
    return rows


def rights_explained() -> list[dict]:
    """Each right in plain language, with the article that grants it."""
    texts = {
        RequestType.ACCESS: (
            _("Find out whether the organisation processes data about you, get a copy, and "
              "learn why, from where, for how long and with whom it is shared."),
            "15"),
        RequestType.RECTIFICATION: (
            _("Have wrong data about you corrected and incomplete data completed."), "16"),
        RequestType.ERASURE: (
            _("Have data about you deleted, for example when it is no longer needed or you "
              "withdraw your consent."), "17"),
        RequestType.RESTRICTION: (
            _("Have the use of your data paused while a dispute about it is settled, or kept "
              "instead of deleted when you need it."), "18"),
        RequestType.PORTABILITY: (
            # Art. 20(1): only data processed on consent or a contract, by automated means;
            # Art. 20(2): sent straight to another controller where technically feasible.
            _("Receive the data you gave the organisation in a machine-readable format, or "
              "have it sent directly to another organisation where that is technically "
              "feasible. The right covers data the organisation processes on your consent or "
              "to fulfil a contract with you."), "20"),
        RequestType.OBJECTION: (
            _("Object to processing based on legitimate interests, and stop direct marketing "
              "at any time without giving a reason."), "21"),
        RequestType.CONSENT_WITHDRAWAL: (
            _("Withdraw a consent you gave, for example to newsletters. It is as easy to "
              "withdraw as it was to give."), "7(3)"),
    }
    return [{"type": t.value, "label": t.label, "text": texts[t][0], "article": texts[t][1]}
            for t in RequestType]


def staff_recipients(request: Request, *, escalation: bool = False) -> list[tuple[str, str]]:
    """(e-mail, language) of whoever must hear of it.

    Escalations go to the organisation's compliance leads; reminders to the assignee, or, for
    an unassigned request, to the queue contacts (all members if none is marked). The
    organisation's contact address is the last resort, so a reminder is never addressed to
    nobody.
    """
    org = request.organisation
    members = Membership.objects.filter(organisation=org).select_related("user").exclude(
        user__email="").filter(user__is_active=True)
    if escalation:
        chosen = members.filter(role=Membership.Role.COMPLIANCE_LEAD)
    elif request.assignee_id:
        chosen = members.filter(user_id=request.assignee_id)
    else:
        chosen = members.filter(queue_contact=True) or members
    people = [(m.user.email, m.language) for m in chosen]
    if not people and not escalation and request.assignee and request.assignee.email:
        people = [(request.assignee.email, org.default_language)]
    return people or [(org.contact_email, org.default_language)]
