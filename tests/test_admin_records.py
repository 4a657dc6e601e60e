"""Records of processing in the staff admin: compliance leads and organisation admins edit
their own organisations' records, handlers read them, other organisations' records and systems
are out of reach."""

import pytest

from requests_app.models import ChecklistItem, DataSystem, ProcessingRecord
from tests.factories import make_request

LIST = "/admin/requests_app/processingrecord/"


@pytest.fixture
def record(org_no):
    return ProcessingRecord.objects.create(
        organisation=org_no, name="Kundeforhold", purposes="Levere varene.",
        legal_basis="contract", data_categories="Navn og adresse.", retention="Fem år.",
        relationships=["customer"])


def _post_data(org, **overrides):
    return {"organisation": org.pk, "name": "Nyhetsbrev", "purposes": "Sende nyhetsbrev.",
            "legal_basis": "consent", "legitimate_interests": "",
            "data_categories": "E-postadresse.", "relationships": ["newsletter"],
            "recipients": "", "transfers": "", "retention": "Til du melder deg av.",
            "source": "", "automated_decisions": "", **overrides}


def test_a_compliance_lead_adds_a_record_with_relationships_and_own_systems(client, lead,
                                                                           org_no):
    system = DataSystem.objects.create(organisation=org_no, name="Nyhetsbrevverktøy")
    client.force_login(lead)

    form = client.get(f"{LIST}add/")
    assert form.status_code == 200
    assert 'type="checkbox" name="relationships" value="newsletter"' in form.content.decode()

    response = client.post(f"{LIST}add/", _post_data(org_no, systems=[system.pk]))

    assert response.status_code == 302, response.context["adminform"].form.errors
    saved = ProcessingRecord.objects.get(name="Nyhetsbrev")
    assert saved.relationships == ["newsletter"]
    assert list(saved.systems.all()) == [system]


def test_a_system_of_another_organisation_cannot_be_linked(client, lead, org_no, org_dk,
                                                           record):
    foreign = DataSystem.objects.create(organisation=org_dk, name="Fremmed system")
    client.force_login(lead)

    response = client.post(f"{LIST}{record.pk}/change/",
                           _post_data(org_no, name="Kundeforhold", systems=[foreign.pk]))

    assert response.status_code == 200  # the form again, with the error
    assert not record.systems.exists()
    assert "Fremmed system" not in response.content.decode()


def test_legitimate_interests_must_be_named_when_they_are_the_basis(client, lead, org_no):
    client.force_login(lead)

    response = client.post(f"{LIST}add/", _post_data(org_no, legal_basis="legitimate_interests"))

    assert response.status_code == 200
    assert not ProcessingRecord.objects.filter(name="Nyhetsbrev").exists()


def test_a_handler_reads_records_but_cannot_change_them(client, handler, record):
    client.force_login(handler)

    page = client.get(f"{LIST}{record.pk}/change/")
    assert page.status_code == 200
    assert "Levere varene." in page.content.decode()
    assert "Customer" in page.content.decode()  # the label, not the code
    assert client.get(f"{LIST}add/").status_code == 403

    client.post(f"{LIST}{record.pk}/change/", {"name": "Endret", "purposes": "x"})
    record.refresh_from_db()
    assert record.name == "Kundeforhold"


def test_a_record_keeper_elsewhere_cannot_change_records_where_they_are_a_handler(
        client, mixed, org_no, org_dk, record):
    # Organisation admin of the Danish organisation, handler of the Norwegian one: the right
    # to keep the records is per organisation.
    client.force_login(mixed)

    client.post(f"{LIST}{record.pk}/change/", _post_data(org_no, name="Endret"))

    record.refresh_from_db()
    assert record.name == "Kundeforhold"
    add_form = client.get(f"{LIST}add/").content.decode()
    assert f'<option value="{org_dk.pk}"' in add_form
    assert f'<option value="{org_no.pk}"' not in add_form


def test_another_organisations_staff_see_nothing_of_the_records(client, outsider, record):
    client.force_login(outsider)

    assert record.name not in client.get(LIST).content.decode()
    assert client.get(f"{LIST}{record.pk}/change/").status_code == 404


def test_the_organisation_page_lists_its_records_with_links(client, lead, org_no, record):
    client.force_login(lead)

    page = client.get(f"/admin/requests_app/organisation/{org_no.pk}/change/").content.decode()

    assert "Kundeforhold" in page
    assert f"{LIST}{record.pk}/change/" in page


def test_an_access_request_lists_what_the_records_leave_unsettled_before_the_build(
        client, lead, org_no):
    subject_request = make_request(org_no, type="access", relationship="job_applicant")
    system = DataSystem.objects.create(organisation=org_no, name="Rekrutteringssystemet")
    ChecklistItem.objects.create(request=subject_request, system=system,
                                 system_name=system.name, state=ChecklistItem.State.DATA_FOUND)
    url = f"/admin/requests_app/request/{subject_request.pk}/change/"
    client.force_login(lead)
    warning = "Before the access package can be built"

    page = client.get(url).content.decode()
    assert warning in page
    assert "Rekrutteringssystemet: no record of processing linked to this system" in page

    record = ProcessingRecord.objects.create(
        organisation=org_no, name="Rekruttering", purposes="Vurdere søknader.",
        legal_basis="contract", data_categories="CV.", retention="Seks måneder.",
        relationships=["job_applicant"], no_recipients=True, source_is_subject=True)
    record.systems.set([system])
    page = client.get(url).content.decode()
    assert "no record of processing linked" not in page
    assert "“Rekruttering”: neither written out nor marked “none”" in page
    assert "transfers outside the EEA and safeguards" in page
    assert "automated decisions and profiling" in page

    record.transfers = "Skylagring i USA etter EUs standardkontraktsbestemmelser (art. 46)."
    record.no_automated_decisions = True
    record.save()
    assert warning not in client.get(url).content.decode()


def test_a_statement_is_either_written_out_or_marked_none_not_both(client, lead, org_no):
    client.force_login(lead)

    response = client.post(f"{LIST}add/", _post_data(
        org_no, recipients="Fraktselskapet Budbil AS.", no_recipients="on"))

    assert response.status_code == 200
    assert "Either write it out or mark it “none”, not both." in response.content.decode()
    assert not ProcessingRecord.objects.filter(name="Nyhetsbrev").exists()


def test_a_record_with_undecided_statements_is_saved_but_flagged_to_its_keepers(
        client, lead, org_no):
    client.force_login(lead)

    response = client.post(f"{LIST}add/", _post_data(org_no, transfers="",
                                                     no_automated_decisions="on"))

    assert response.status_code == 302
    record = ProcessingRecord.objects.get(name="Nyhetsbrev")
    assert not record.no_transfers and record.no_automated_decisions
    assert record.undecided() == ["recipients", "transfers outside the EEA and safeguards",
                                  "source of the data"]
    page = client.get(f"{LIST}{record.pk}/change/").content.decode()
    assert "The access cover cannot state these" in page
    listing = client.get(LIST).content.decode()
    assert "transfers outside the EEA and safeguards" in listing
