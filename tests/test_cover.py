"""The access cover document (Art. 15): built from the organisation's records of processing that
concern the requester, in the request's language, with the rights, the supervisory authority,
the systems searched and the files included. PDFs are read back with pypdf; each costs about a
second, so few are built."""

from __future__ import annotations

import io

import pytest
from django.utils import translation
from pypdf import PdfReader

from requests_app.delivery import cover
from requests_app.models import (
    AUTHORITY_CONTACTS,
    ChecklistItem,
    DataSystem,
    ExportFile,
    ProcessingRecord,
)
from tests.factories import make_request

# Every section heading of the cover, each citing its article.
HEADINGS = [
    "Answer to your request for access (GDPR Art. 15)",
    "How we process your personal data (Art. 15(1)(a)–(d), (g), (h) and 15(2))",
    "Your rights (Art. 15(1)(e))",
    "Complaint to the supervisory authority (Art. 15(1)(f), Art. 77)",
    "Systems searched (Art. 15(1))",
    "Your copy of the data (Art. 15(3))",
]
# Labels the catalogues translate already: proof the document is in the request's language.
TRANSLATED = {"nb": ["Mottatt", "Referanse", "Opplysninger funnet"],
              "da": ["Modtaget", "Oplysninger fundet", "Intet fundet"],
              "en": ["Received", "Data found", "Nothing found"]}
NO_RECORDS = "has not described its processing of personal data"


def _text(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    # Lines wrap anywhere in a table cell, also after a dash ("a–" / "d"): compare with single
    # spaces and none after a dash.
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    return text.replace("– ", "–")


def _records(org):
    crm = DataSystem.objects.create(organisation=org, name="Kunderegisteret",
                                    relationships=["customer"])
    hr = DataSystem.objects.create(organisation=org, name="Rekrutteringssystemet",
                                   relationships=["job_applicant"])
    customers = ProcessingRecord.objects.create(
        organisation=org, name="Kundeforhold", purposes="Levere varene du har bestilt.",
        legal_basis="contract", data_categories="Navn, adresse og ordrehistorikk.",
        relationships=["customer"], recipients="Fraktselskapet Budbil AS.",
        retention="Fem år etter kjøpet (bokføringsloven).",
        transfers="Skylagring i USA etter EUs standardkontraktsbestemmelser.",
        source="Kredittopplysningsbyrået Kredittsjekk AS.")
    customers.systems.set([crm])
    newsletter = ProcessingRecord.objects.create(
        organisation=org, name="Nyhetsbrev til alle", purposes="Sende nyhetsbrev.",
        legal_basis="consent", data_categories="E-postadresse.", relationships=[],
        retention="Til du melder deg av.",
        automated_decisions="Profilering: utvalg av tilbud etter kjøpshistorikk.")
    applicants = ProcessingRecord.objects.create(
        organisation=org, name="Rekruttering", purposes="Vurdere søknader om jobb.",
        legal_basis="consent", data_categories="CV og søknadsbrev.",
        relationships=["job_applicant"], retention="Seks måneder.")
    applicants.systems.set([hr])
    return customers, newsletter, applicants


def _answered_request(org, language, relationship="customer"):
    request = make_request(org, language=language, relationship=relationship,
                           subject_name="Kari Nordmann")
    found = ChecklistItem.objects.create(request=request, system_name="Kunderegisteret",
                                         state=ChecklistItem.State.DATA_FOUND)
    ChecklistItem.objects.create(request=request, system_name="Nettbutikken",
                                 state=ChecklistItem.State.NOTHING_FOUND)
    ExportFile.objects.create(request=request, checklist_item=found,
                              file="exports/x/none.enc", original_name="kunde-1234.csv",
                              size=2048)
    return request


def test_the_context_holds_only_the_records_that_concern_the_relationship(org_no):
    customers, newsletter, applicants = _records(org_no)
    request = _answered_request(org_no, "nb")

    context = cover.cover_context(request)

    assert context["has_records"] is True
    assert context["records"] == [customers, newsletter]  # by name; "everyone" included
    assert context["consent_based"] == [newsletter]
    assert context["with_transfers"] == [customers]
    assert context["with_source"] == [customers]
    assert [f["name"] for f in context["files"]] == ["kunde-1234.csv"]
    assert context["files"][0]["system"] == "Kunderegisteret"
    assert context["authority"]["email"] == "postkasse@datatilsynet.no"

    applicant = make_request(org_no, relationship="job_applicant")
    assert cover.cover_context(applicant)["records"] == [newsletter, applicants]


def test_the_context_flags_an_organisation_without_records(org_no):
    context = cover.cover_context(make_request(org_no))

    assert context["has_records"] is False and context["records"] == []


@pytest.mark.parametrize("language", ["nb", "da", "en"])
def test_the_cover_pdf_answers_in_the_request_language_from_the_matching_records(
        language, org_no, org_dk):
    org = org_dk if language == "da" else org_no
    _records(org)
    request = _answered_request(org, language)

    text = _text(cover.cover_pdf(request))

    with translation.override(language):
        for heading in HEADINGS:
            assert translation.gettext(heading) in text, heading
        for label in ["Received", "Data found", "Nothing found"]:
            assert translation.gettext(label) in text
        authority_name = str(org.get_supervisory_authority_display())
    for label in TRANSLATED[language]:
        assert label in text
    # The records as the organisation wrote them, only those of the customer relationship.
    for written in ["Kundeforhold", "Levere varene du har bestilt.",
                    "Navn, adresse og ordrehistorikk.", "Fraktselskapet Budbil AS.",
                    "Fem år etter kjøpet (bokføringsloven).",
                    "Skylagring i USA etter EUs standardkontraktsbestemmelser.",
                    "Kredittopplysningsbyrået Kredittsjekk AS.",
                    "Nyhetsbrev til alle", "Profilering: utvalg av tilbud etter kjøpshistorikk."]:
        assert written in text, written
    assert "Rekruttering" not in text and "CV og søknadsbrev." not in text
    # Art. 15(1)(f): where to complain, in full.
    contact = AUTHORITY_CONTACTS[org.supervisory_authority]
    assert authority_name in text
    for part in (contact["address"], contact["email"], contact["url"]):
        assert part in text
    # The request, the systems searched and the files included.
    assert request.reference in text and org.name in text and org.contact_email in text
    assert "Kunderegisteret" in text and "Nettbutikken" in text
    assert "kunde-1234.csv" in text
    assert NO_RECORDS not in text
    if language == "en":
        # Art. 7(3) where consent is the basis; Art. 15(1)(h) "none" where nothing is recorded.
        assert "Withdrawal of consent (Art. 7(3))" in text
        assert "None: no decision is made about you by automated means alone" in text


def test_the_cover_pdf_of_an_organisation_without_records_says_so(org_no):
    request = _answered_request(org_no, "en")

    text = _text(cover.cover_pdf(request))

    assert f"{org_no.name} {NO_RECORDS}." in text
    assert "Your rights (Art. 15(1)(e))" in text
    assert "Rectification (Art. 16)" in text and "Objection (Art. 21)" in text
    assert "postkasse@datatilsynet.no" in text
    assert "kunde-1234.csv" in text
    assert "Withdrawal of consent" not in text  # no record is based on consent
