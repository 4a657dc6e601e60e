"""Systems come from a catalogue of the services small Nordic companies use, and records of
processing from templates for the common purposes: written in the organisation's language,
with every statement of the access cover decided."""

from __future__ import annotations

import pytest
from django.utils import translation

from requests_app import access
from requests_app.models import DataSystem, LegalBasis, ProcessingRecord
from requests_app.onboarding import catalogue, record_templates

NAMES = {"HubSpot", "Zendesk", "Freshdesk", "Pipedrive", "Microsoft 365", "Google Workspace",
         "Tripletex", "Fiken", "Visma", "PowerOffice", "Mailchimp", "Shopify"}


def test_the_catalogue_has_the_services_the_issue_names_each_complete():
    assert NAMES <= {str(entry.name) for entry in catalogue.CATALOGUE}
    assert {"phone_system", "camera", "payroll"} <= set(catalogue.BY_KEY)
    for entry in catalogue.CATALOGUE:
        assert entry.holds and entry.retention, entry.key
        assert entry.in_eea or entry.safeguard, f"{entry.key}: outside the EEA, no safeguard"


@pytest.mark.parametrize("language", ["nb", "da", "en"])
def test_every_catalogue_text_fits_its_field_in_every_language(language):
    limit = DataSystem._meta.get_field("retention").max_length
    with translation.override(language):
        for entry in catalogue.CATALOGUE:
            assert len(str(entry.retention)) <= limit
            assert len(str(entry.safeguard)) <= 300


def test_an_admin_adds_systems_from_the_catalogue_in_the_organisations_language(
        org_admin, org_dk, make_staff):
    admin = make_staff("dkadmin", org_dk, access.Membership.Role.ORG_ADMIN)
    added = catalogue.add_systems(actor=admin, organisation=org_dk,
                                  keys=["hubspot", "fiken", "payroll", "hubspot"])
    assert [s.name for s in added] == ["HubSpot", "Fiken", str(_in("da", "Payroll system"))]
    hubspot = DataSystem.objects.get(organisation=org_dk, name="HubSpot")
    assert hubspot.in_eea is False and "art. 45" in hubspot.transfer_safeguard.lower()
    assert hubspot.provider_role == "processor" and hubspot.catalogue_key == "hubspot"
    assert "customer" in hubspot.relationships
    assert catalogue.add_systems(actor=admin, organisation=org_dk, keys=["hubspot"]) == []


def _in(language, text):
    with translation.override(language):
        return translation.gettext(text)


def test_handlers_and_other_organisations_admins_cannot_add_systems(handler, mixed, org_no):
    for actor in (handler, mixed):
        with pytest.raises(access.NotAllowed):
            catalogue.add_systems(actor=actor, organisation=org_no, keys=["hubspot"])
    assert not DataSystem.objects.exists()


def test_records_from_templates_decide_every_statement_of_the_cover(org_admin, org_no):
    catalogue.add_systems(actor=org_admin, organisation=org_no,
                          keys=[e.key for e in catalogue.CATALOGUE])
    records = record_templates.add_records(
        actor=org_admin, organisation=org_no, keys=[t.key for t in record_templates.TEMPLATES])
    assert len(records) == 6
    for record in records:
        assert record.undecided() == [], record.name
        assert record.systems.exists(), record.name
    bases = {r.relationships[0]: r.legal_basis for r in records}
    assert bases["newsletter"] == LegalBasis.CONSENT
    assert bases["customer"] == LegalBasis.CONTRACT
    assert bases["website_visitor"] == LegalBasis.LEGITIMATE_INTERESTS
    newsletter = ProcessingRecord.objects.get(organisation=org_no, relationships=["newsletter"])
    assert "Mailchimp" in newsletter.recipients and "Mailchimp" in newsletter.transfers
    assert not newsletter.no_transfers


def test_a_record_is_all_in_the_eea_only_when_every_linked_system_says_so(org_admin, org_no):
    catalogue.add_systems(actor=org_admin, organisation=org_no, keys=["recruitment"])
    (record,) = record_templates.add_records(actor=org_admin, organisation=org_no,
                                             keys=["job_applicants"])
    assert record.no_transfers and record.transfers == ""

    DataSystem.objects.create(organisation=org_no, name="Excel-ark",
                              relationships=["job_applicant"])  # where? not said
    ProcessingRecord.objects.all().delete()
    (record,) = record_templates.add_records(actor=org_admin, organisation=org_no,
                                             keys=["job_applicants"])
    assert not record.no_transfers and record.transfers == ""
    assert str(ProcessingRecord._meta.get_field("transfers").verbose_name) in record.undecided()


def test_a_template_with_no_system_names_no_recipients_and_is_in_the_organisations_language(
        org_admin, org_no):
    (record,) = record_templates.add_records(actor=org_admin, organisation=org_no,
                                             keys=["newsletter"])
    assert record.no_recipients and record.recipients == ""
    assert record.name == _in("nb", "Newsletter")


def test_a_handler_cannot_add_records(handler, org_no):
    with pytest.raises(access.NotAllowed):
        record_templates.add_records(actor=handler, organisation=org_no, keys=["customers"])


def test_the_catalogue_page_adds_systems_and_records_then_goes_to_branding(
        client, org_admin, org_no):
    client.force_login(org_admin)
    url = f"/admin/requests_app/organisation/{org_no.pk}/catalogue/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"systems": ["mailchimp", "tripletex"],
                                 "records": ["newsletter"]})
    assert response.status_code == 302 and response["Location"].endswith("/branding/")
    assert set(org_no.systems.values_list("name", flat=True)) == {"Mailchimp", "Tripletex"}
    assert org_no.processing_records.count() == 1


def test_a_system_outside_the_eea_needs_a_safeguard(org_no):
    from django.core.exceptions import ValidationError

    system = DataSystem(organisation=org_no, name="X", in_eea=False)
    with pytest.raises(ValidationError):
        system.full_clean()
