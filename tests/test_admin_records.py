"""Records of processing in the staff admin: compliance leads and organisation admins edit
their own organisations' records, handlers read them, other organisations' records and systems
are out of reach."""

import pytest

from requests_app.models import DataSystem, ProcessingRecord
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


def test_an_access_request_warns_when_no_record_concerns_the_requester(client, lead, org_no):
    subject_request = make_request(org_no, type="access", relationship="job_applicant")
    url = f"/admin/requests_app/request/{subject_request.pk}/change/"
    client.force_login(lead)
    warning = "No record of processing concerns this requester"

    assert warning in client.get(url).content.decode()

    ProcessingRecord.objects.create(
        organisation=org_no, name="Rekruttering", purposes="Vurdere søknader.",
        legal_basis="consent", data_categories="CV.", retention="Seks måneder.",
        relationships=["job_applicant"])
    assert warning not in client.get(url).content.decode()
