"""The access cover document (Art. 15): built from the organisation's records of processing that
concern the requester, in the request's language, with the rights, the supervisory authority,
the systems searched and the files included. PDFs are read back with pypdf; each costs about a
second, so few are built."""

from __future__ import annotations

import io
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import translation
from pypdf import PdfReader

from requests_app.casework import checklist
from requests_app.delivery import cover
from requests_app.demo_data import ORGANISATIONS
from requests_app.models import (
    AUTHORITY_CONTACTS,
    ChecklistItem,
    DataSystem,
    ExportFile,
    Organisation,
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
    mail = DataSystem.objects.create(organisation=org, name="Nyhetsbrevverktøyet")
    hr = DataSystem.objects.create(organisation=org, name="Rekrutteringssystemet",
                                   relationships=["job_applicant"])
    customers = ProcessingRecord.objects.create(
        organisation=org, name="Kundeforhold", purposes="Levere varene du har bestilt.",
        legal_basis="contract", data_categories="Navn, adresse og ordrehistorikk.",
        relationships=["customer"], recipients="Fraktselskapet Budbil AS.",
        retention="Fem år etter kjøpet (bokføringsloven).",
        transfers="Skylagring i USA etter EUs standardkontraktsbestemmelser.",
        source="Kredittopplysningsbyrået Kredittsjekk AS.", no_automated_decisions=True)
    customers.systems.set([crm])
    newsletter = ProcessingRecord.objects.create(
        organisation=org, name="Nyhetsbrev til alle", purposes="Sende nyhetsbrev.",
        legal_basis="consent", data_categories="E-postadresse.", relationships=[],
        retention="Til du melder deg av.", no_recipients=True, no_transfers=True,
        source_is_subject=True,
        automated_decisions="Profilering: utvalg av tilbud etter kjøpshistorikk.")
    newsletter.systems.set([crm, mail])
    applicants = ProcessingRecord.objects.create(
        organisation=org, name="Rekruttering", purposes="Vurdere søknader om jobb.",
        legal_basis="consent", data_categories="CV og søknadsbrev.",
        relationships=["job_applicant"], retention="Seks måneder.", no_recipients=True,
        no_transfers=True, source_is_subject=True, no_automated_decisions=True)
    applicants.systems.set([hr])
    return customers, newsletter, applicants


def _answered_request(org, language, relationship="customer"):
    """Data found in the customer register, nothing in the web shop."""
    request = make_request(org, language=language, relationship=relationship,
                           subject_name="Kari Nordmann")
    crm = DataSystem.objects.filter(organisation=org, name="Kunderegisteret").first()
    found = ChecklistItem.objects.create(request=request, system=crm,
                                         system_name="Kunderegisteret",
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
    ChecklistItem.objects.create(request=applicant, system=applicants.systems.get(),
                                 system_name="Rekrutteringssystemet",
                                 state=ChecklistItem.State.DONE)
    assert cover.cover_context(applicant)["records"] == [applicants]


def test_the_cover_describes_only_the_processing_of_the_systems_where_data_was_found(org_no):
    customers, newsletter, applicants = _records(org_no)
    request = make_request(org_no, relationship="customer", language="en")
    crm, mail = (DataSystem.objects.get(name=name)
                 for name in ("Kunderegisteret", "Nyhetsbrevverktøyet"))
    item = ChecklistItem.objects.create(request=request, system=mail, system_name=mail.name,
                                        state=ChecklistItem.State.DATA_FOUND)
    ChecklistItem.objects.create(request=request, system=crm, system_name=crm.name,
                                 state=ChecklistItem.State.NOTHING_FOUND)

    # Found only in the newsletter tool: the customer relationship's processing in the
    # register is not this person's (EDPB Guidelines 01/2022).
    assert cover.records_concerning(request) == [newsletter]

    item.state = ChecklistItem.State.NOTHING_FOUND
    item.save()
    context = cover.cover_context(request)
    assert context["records"] == [] and context["found"] is False
    assert cover.missing(request) == []
    text = _text(cover.cover_pdf(request))
    assert "No personal data about you was found in the systems we searched" in text
    assert "Kundeforhold" not in text and "Nyhetsbrev til alle" not in text


def test_missing_lists_found_systems_without_records_and_unsettled_statements(org_no):
    customers, newsletter, applicants = _records(org_no)
    request = _answered_request(org_no, "en")
    loose = DataSystem.objects.create(organisation=org_no, name="Regnearket")
    ChecklistItem.objects.create(request=request, system=loose, system_name=loose.name,
                                 state=ChecklistItem.State.DONE)
    customers.source = ""
    customers.transfers = ""
    customers.save()

    problems = cover.missing(request)

    assert problems == [
        "Regnearket: no record of processing linked to this system concerns a requester of "
        "this relationship (Customer).",
        "Record of processing “Kundeforhold”: neither written out nor marked “none”: "
        "transfers outside the EEA and safeguards, source of the data.",
    ]
    # Undecided is never turned into a statement on the cover.
    text = _text(cover.cover_pdf(request))
    assert "None: the data stays in the EEA." not in text.split("Kundeforhold")[1].split(
        "Nyhetsbrev til alle")[0]
    assert "Not stated in our records of processing." in text


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
        # Art. 7(3) where consent is the basis; Art. 15(1)(h) "none" where it is marked so.
        assert "Withdrawal of consent (Art. 7(3))" in text
        assert "None: no decision is made about you by automated means alone" in text


def test_the_cover_pdf_of_an_organisation_without_records_says_so(org_no):
    DataSystem.objects.create(organisation=org_no, name="Kunderegisteret")
    request = _answered_request(org_no, "en")
    assert cover.missing(request)  # the package is not built like this

    text = _text(cover.cover_pdf(request))

    assert f"{org_no.name} {NO_RECORDS}." in text
    assert "Your rights (Art. 15(1)(e))" in text
    assert "Rectification (Art. 16)" in text and "Objection (Art. 21)" in text
    assert "postkasse@datatilsynet.no" in text
    assert "kunde-1234.csv" in text
    assert "Withdrawal of consent" not in text  # no record is based on consent


# --- The demo organisations: the cover says what their records say, and nothing else -------

#: The cover's own words for a statement, by what the record says.
NONE_TEXT = {"recipients": "None: the data is not disclosed to anyone.",
             "transfers": "None: the data stays in the EEA.",
             "source": "You: the data was collected from you.",
             "automated_decisions": "None: no decision is made about you by automated means "
                                    "alone, and no profiling (Art. 22)."}
NOT_STATED = "Not stated in our records of processing."


def _flat(text: str) -> str:
    """Single spaces, none after a dash or hyphen: a cell's lines break after either
    ("EU-" / "kommisjonen"), so both sides are compared so."""
    return " ".join(text.split()).replace("– ", "–").replace("- ", "-")


@pytest.mark.parametrize("slug", [data["slug"] for data in ORGANISATIONS])
def test_the_cover_of_every_demo_organisation_states_only_what_its_records_say(db, slug):
    call_command("load_demo", "--no-history", stdout=StringIO())
    org = Organisation.objects.get(slug=slug)
    relationships = sorted({code for record in org.processing_records.all()
                            for code in record.relationships})
    for relationship in relationships:
        request = make_request(org, language=org.default_language, relationship=relationship)
        checklist.build(request)
        request.checklist.update(state=ChecklistItem.State.DATA_FOUND)
        records = cover.records_concerning(request)
        assert records, (slug, relationship)

        text = _flat(_text(cover.cover_pdf(request)))

        with translation.override(org.default_language):
            said = {field: translation.gettext(words) for field, words in NONE_TEXT.items()}
            not_stated = translation.gettext(NOT_STATED)
        for record in records:
            assert _flat(record.name) in text
            assert _flat(record.purposes) in text and _flat(record.retention) in text
            if record.note:
                assert _flat(record.note)[:60] not in text  # staff only
            for field, _none in ProcessingRecord.STATEMENTS:
                if getattr(record, field).strip():
                    assert _flat(getattr(record, field)) in text, (record, field)
        for field, none in ProcessingRecord.STATEMENTS:
            # Each "none" of the cover is one a record marked, no more: no "stays in the EEA"
            # for a record with transfers or an undecided one.
            marked = sum(1 for record in records if getattr(record, none)
                         and not getattr(record, field).strip())
            assert text.count(_flat(said[field])) == marked, (slug, relationship, field)
        undecided = sum(len(record.undecided()) for record in records)
        assert text.count(_flat(not_stated)) == undecided, (slug, relationship)
        # Processing of systems the requester's data was not found in is not described.
        shown = {record.pk for record in records}
        for record in org.processing_records.exclude(pk__in=shown):
            assert _flat(record.purposes) not in text, (relationship, record)
