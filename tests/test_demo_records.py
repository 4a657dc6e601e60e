"""The demo organisations' records of processing come from their policies (``demo_data``), and
loading the demo again changes none of them."""

from io import StringIO

from django.core.management import call_command

from requests_app.demo_data import ORGANISATIONS, RECORDS
from requests_app.models import LegalBasis, Organisation, ProcessingRecord, Relationship


def _load():
    call_command("load_demo", stdout=StringIO())


def _snapshot():
    rows = sorted(ProcessingRecord.objects.values_list(
        "id", "organisation__slug", "name", "purposes", "legal_basis", "data_categories",
        "relationships", "recipients", "transfers", "retention", "source",
        "automated_decisions"))
    links = sorted(ProcessingRecord.systems.through.objects.values_list(
        "processingrecord_id", "datasystem_id"))
    return rows, links


def test_every_demo_organisation_gets_records_of_processing_linked_to_its_systems(db):
    _load()

    for data in ORGANISATIONS:
        org = Organisation.objects.get(slug=data["slug"])
        records = list(org.processing_records.all())
        assert records, f"{org.slug} has no records of processing"
        assert len(records) == len(RECORDS[org.slug])
        for record in records:
            assert record.purposes and record.data_categories and record.retention
            assert record.legal_basis in LegalBasis.values
            assert set(record.relationships) <= set(Relationship.values)
            # Linked systems are the organisation's own.
            assert all(s.organisation_id == org.pk for s in record.systems.all())
        assert any(record.systems.exists() for record in records)


def test_demo_records_are_in_the_language_of_the_organisations_policy(db):
    _load()

    danish = ProcessingRecord.objects.get(organisation__slug="onlinepos-dk",
                                          name="Jobansøgninger")
    norwegian = ProcessingRecord.objects.get(organisation__slug="onlinepos-no",
                                             name="Jobbsøknader")
    assert "Op til 3 måneder" in danish.retention
    assert "Inntil 3 måneder" in norwegian.retention
    assert list(norwegian.systems.values_list("name", flat=True)) == ["Office 365"]
    # What the policies say: Entrack names consent for job seekers and legitimate interests
    # for visitors' camera surveillance; PowerOffice deletes Go Mobile uploads after 3 months.
    assert ProcessingRecord.objects.get(organisation__slug="entrack",
                                        name="Jobbsøkere").legal_basis == "consent"
    camera = ProcessingRecord.objects.get(organisation__slug="entrack",
                                          name="Kameraovervåking av lokalene")
    assert camera.legal_basis == "legitimate_interests" and camera.legitimate_interests
    assert camera.concerns("visitor") and not camera.concerns("customer")
    assert "3 måneder" in ProcessingRecord.objects.get(organisation__slug="poweroffice",
                                                       name="Go Mobile").retention


def test_loading_the_demo_twice_changes_no_record(db):
    _load()
    first = _snapshot()

    _load()

    assert _snapshot() == first
    assert ProcessingRecord.objects.count() == sum(len(r) for r in RECORDS.values())


def test_loading_the_demo_restores_an_edited_demo_record_and_keeps_staffs_own(db):
    _load()
    record = ProcessingRecord.objects.get(organisation__slug="poweroffice", name="Go Mobile")
    record.retention = "changed"
    record.source = "changed"
    record.save()
    record.systems.clear()
    own = ProcessingRecord.objects.create(
        organisation=record.organisation, name="Staff's own", purposes="x",
        legal_basis="contract", data_categories="x", retention="x")

    _load()

    record.refresh_from_db()
    assert "3 måneder" in record.retention and record.source == ""
    assert list(record.systems.values_list("name", flat=True)) == ["Go Mobile"]
    assert ProcessingRecord.objects.filter(pk=own.pk).exists()
