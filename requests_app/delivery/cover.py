"""The cover document of the access package: the organisation's answer to an access request
(GDPR Art. 15), a PDF in the requester's language.

Art. 15(1)(a)-(h) and 15(2) are answered from the organisation's records of processing
(``ProcessingRecord``, kept in the admin) that concern the requester's relationship; the copy
of the data itself (Art. 15(3)) is the export files beside this document in the ZIP, listed
here. Headings and legal texts are translated; the records are shown as the organisation
wrote them. An organisation without records still gets a cover, saying plainly that it has not
described its processing, so staff notice before the requester does (``has_records``).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.template.loader import render_to_string
from django.utils import timezone, translation

from requests_app.models import LegalBasis, ProcessingRecord, Request, SupervisoryAuthority

TEMPLATE = "requests_app/access_cover.html"


def records_concerning(request: Request) -> list[ProcessingRecord]:
    """The organisation's processing activities that concern someone with the requester's
    relationship (``ProcessingRecord.concerns``), with their systems."""
    records = (ProcessingRecord.objects.filter(organisation_id=request.organisation_id)
               .prefetch_related("systems").order_by("name", "id"))
    return [record for record in records if record.concerns(request.relationship)]


def cover_context(request: Request, *, now=None) -> dict:
    """Everything the cover document shows. ``has_records`` is False when no record concerns
    the requester: the admin can warn with it before a package is built."""
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


def has_records(request: Request) -> bool:
    """Whether any record of processing concerns the requester: when not, the cover says the
    organisation has not described its processing, and the admin warns staff before they
    build the package (the same test as ``cover_context``'s ``has_records``)."""
    records = ProcessingRecord.objects.filter(organisation_id=request.organisation_id)
    return any(record.concerns(request.relationship) for record in records.only("relationships"))
