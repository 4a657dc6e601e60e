"""The cover document of the access package: the organisation's answer to an access request
(GDPR Art. 15), a PDF in the requester's language.

Art. 15(1)(a)-(h) and 15(2) are answered from the organisation's records of processing
(``ProcessingRecord``, kept in the admin) linked to the systems where the checklist found the
requester's data, and only from what they say: recipients, transfers, source and automated
decisions are stated as written, or as "none" where staff marked them so, never guessed from
an empty field. ``missing`` lists what is not settled, and the package is not built until it
is. The copy of the data itself (Art. 15(3)) is the export files beside this document in the
ZIP, listed here. Headings and legal texts are translated; the records are shown as the
organisation wrote them.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from requests_app.models import (
    ChecklistItem,
    LegalBasis,
    ProcessingRecord,
    Request,
    SupervisoryAuthority,
)

TEMPLATE = "requests_app/access_cover.html"


#: Checklist states that say the requester's data is in that system.
FOUND = frozenset({ChecklistItem.State.DATA_FOUND, ChecklistItem.State.DONE})


def found_items(request: Request) -> list[ChecklistItem]:
    """The checklist items of the systems where the requester's data was found: marked
    "Data found" or "Done", or with an export taken from them."""
    exported = set(request.exports.exclude(checklist_item=None)
                   .values_list("checklist_item_id", flat=True))
    return [item for item in request.checklist.select_related("system")
            if item.state in FOUND or item.pk in exported]


def records_concerning(request: Request) -> list[ProcessingRecord]:
    """The processing activities the cover describes: those linked to a system where the
    requester's data was found (``found_items``) and concerning the requester's relationship
    (``ProcessingRecord.concerns``), with their systems.

    Not everything the organisation does with people of that relationship: the answer
    describes the processing of this person's data (EDPB Guidelines 01/2022 on the right of
    access, on tailoring the Art. 15(1) information to the requester)."""
    systems = {item.system_id for item in found_items(request) if item.system_id}
    records = (ProcessingRecord.objects.filter(organisation_id=request.organisation_id,
                                               systems__in=systems)
               .distinct().prefetch_related("systems").order_by("name", "id"))
    return [record for record in records if record.concerns(request.relationship)]


def missing(request: Request) -> list[str]:
    """What staff must settle before the access package is built, one line each, empty when
    nothing is missing (``packages.request_build`` refuses otherwise):

    1. a system where data was found that no record of processing of the requester's
       relationship describes (the cover could not say why and how its data is processed);
    2. a record the cover would show with a statement nobody made: recipients, transfers,
       source or automated decisions neither written out nor marked "none"
       (``ProcessingRecord.undecided``): the cover states only what the records say.
    """
    problems = []
    records = records_concerning(request)
    described = {system.pk for record in records for system in record.systems.all()}
    for item in found_items(request):
        if item.system_id is None:
            problems.append(_(
                "%(system)s: not one of the organisation's systems, so no record of "
                "processing describes it; link the data to a system with its records.")
                % {"system": item.system_name})
        elif item.system_id not in described:
            problems.append(_(
                "%(system)s: no record of processing linked to this system concerns a "
                "requester of this relationship (%(relationship)s).")
                % {"system": item.system_name,
                   "relationship": request.get_relationship_display()})
    for record in records:
        undecided = record.undecided()
        if undecided:
            problems.append(_(
                "Record of processing “%(record)s”: neither written out nor marked “none”: "
                "%(fields)s.") % {"record": record.name, "fields": ", ".join(undecided)})
    return problems


def cover_context(request: Request, *, now=None) -> dict:
    """Everything the cover document shows. ``has_records`` is False when no record describes
    a system where data was found; ``found`` is False when no system had data."""
    organisation = request.organisation
    zone = ZoneInfo(organisation.time_zone)
    records = records_concerning(request)
    files = [
        {"system": export.checklist_item.system_name if export.checklist_item else "",
         "name": export.original_name, "size": export.size}
        for export in request.exports.select_related("checklist_item")
    ]
    authority = organisation.authority_contact
    return {
        "request": request,
        "organisation": organisation,
        "reference": request.reference,
        "language": request.language,
        "received": timezone.localtime(request.received_at, zone).date(),
        "answered": timezone.localtime(now or timezone.now(), zone).date(),
        "records": records,
        "has_records": bool(records),
        "found": bool(found_items(request)),
        # Art. 7(3): the right to withdraw consent, wherever consent is the basis.
        "consent_based": [r for r in records if r.legal_basis == LegalBasis.CONSENT],
        # Art. 21(1): objection on grounds of one's situation, against legitimate interests
        # or a public task.
        "objectable": [r for r in records if r.legal_basis in (
            LegalBasis.LEGITIMATE_INTERESTS, LegalBasis.PUBLIC_TASK)],
        "with_source": [r for r in records if r.source.strip()],
        "with_automated": [r for r in records if r.automated_decisions.strip()],
        "with_transfers": [r for r in records if r.transfers.strip()],
        "authority": {
            "name": SupervisoryAuthority(organisation.supervisory_authority).label
            if organisation.supervisory_authority in SupervisoryAuthority.values else "",
            "address": authority.get("address", ""),
            "email": authority.get("email", ""),
            "url": authority.get("url", ""),
        },
        "checklist": list(request.checklist.all()),
        "files": files,
    }


def render_html(request: Request, *, now=None) -> str:
    """The cover as HTML, in the request's language."""
    with translation.override(request.language or request.organisation.default_language):
        return render_to_string(TEMPLATE, cover_context(request, now=now))


def cover_pdf(request: Request, *, now=None) -> bytes:
    """The cover as a PDF, rendered by WeasyPrint like the annual report (``reports``): fonts
    from the system, and no resource is fetched from anywhere (only ``data:`` URLs)."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    html = render_html(request, now=now)
    fetcher = URLFetcher(allowed_protocols=("data",))
    return HTML(string=html, base_url=None, url_fetcher=fetcher).write_pdf()
