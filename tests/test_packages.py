"""The access package and the portability archive (requests_app/packages.py): built from
real uploaded exports into an encrypted ZIP, read back through the decrypting stream."""

import csv
import io
import json
import os
import shutil
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from requests_app import crypto, events, tasks
from requests_app.delivery import packages
from requests_app.models import (
    ChecklistItem,
    DataSystem,
    Event,
    ExportFile,
    Package,
    Status,
    private_storage,
)
from tests.factories import make_request
from tests.support import settled_record

CUSTOMERS_CSV = ("navn,e-post,by\r\nKari Nordmann,kari@example.no,Tromsø\r\n"
                 "Ola Nordmann,ola@example.no,\"Oslo, sentrum\"\r\n").encode()
ORDERS = [{"ordre": 1001, "sum": 499.5, "betalt": True, "kommentar": None},
          {"ordre": 1002, "sum": 20, "betalt": False, "levert": "2026-01-02"}]
BINARY = os.urandom(200_000)


def upload(name, data, content_type=""):
    return SimpleUploadedFile(name, data, content_type=content_type)


def systems(subject_request, *names, settled=True):
    """Checklist items of new systems, marked done; ``settled``: a record of processing with
    every statement settled describes them, so an access package can be built."""
    items = []
    for name in names:
        system = DataSystem.objects.create(organisation=subject_request.organisation, name=name)
        items.append(ChecklistItem.objects.create(request=subject_request, system=system,
                                                  system_name=name,
                                                  state=ChecklistItem.State.DONE))
    if settled and items:
        settled_record(*(item.system for item in items), name=f"Behandling {names[0]}")
    return items


def unzip(package) -> zipfile.ZipFile:
    """The downloaded ZIP, as the requester gets it (decrypted stream)."""
    package.refresh_from_db()
    data = b"".join(packages.stream(package))
    assert len(data) == package.size
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    return archive


def files_under(relative: str) -> list[Path]:
    root = Path(private_storage().path(relative))
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture(autouse=True)
def _no_files_of_earlier_tests():
    """Row ids start again in each test's database, so files of an earlier test would sit
    in this test's folders: start from empty ones (in the test suite's own VAR_DIR)."""
    root = Path(private_storage().location)
    assert root.is_relative_to(settings.VAR_DIR)
    for folder in ("exports", "packages", "tmp"):
        shutil.rmtree(root / folder, ignore_errors=True)


@pytest.fixture
def access_request(org_no, handler):
    return make_request(org_no, type="access", status=Status.IN_PROGRESS, language="nb",
                        assignee=handler)


@pytest.fixture
def portability_request(org_no, handler):
    return make_request(org_no, type="portability", status=Status.IN_PROGRESS, language="en",
                        assignee=handler)


def build_now(subject_request, kind, actor, capture):
    """request_build, then the queued task (eager in tests) when the transaction commits."""
    with capture(execute=True):
        package = packages.request_build(subject_request, kind, actor=actor)
    package.refresh_from_db()
    return package


# Exports -----------------------------------------------------------------------------------


def test_an_export_is_encrypted_on_disk_and_logged_without_its_file_name(
        access_request, handler):
    crm, = systems(access_request, "CRM")
    export = packages.save_export(access_request, upload("Kari Nordmann.csv", CUSTOMERS_CSV),
                                  checklist_item=crm, actor=handler)
    assert export.size == len(CUSTOMERS_CSV)
    assert export.original_name == "Kari Nordmann.csv"
    on_disk = Path(private_storage().path(export.file.name)).read_bytes()
    assert b"Kari Nordmann" not in on_disk and b"kari@example.no" not in on_disk
    assert b"".join(crypto.open_decrypted(private_storage(), export.file.name)) == CUSTOMERS_CSV
    event = access_request.events.get(kind=Event.Kind.EXPORT_ADDED)
    assert event.actor == handler and event.message == "CRM"
    assert "Kari" not in event.message + event.to_value


def test_an_export_is_refused_for_a_closed_request(access_request, handler):
    access_request.status = Status.COMPLETED
    access_request.save()
    with pytest.raises(ValidationError, match="closed"):
        packages.save_export(access_request, upload("a.csv", b"a\n1\n"), actor=handler)
    assert not ExportFile.objects.exists()


def test_an_export_over_the_size_limit_is_refused_and_leaves_no_file(access_request, handler):
    before = files_under(f"exports/{access_request.pk}")
    with override_settings(EXPORT_MAX_BYTES=1000):
        with pytest.raises(ValidationError, match="too large"):
            packages.save_export(access_request, upload("big.bin", bytes(1001)), actor=handler)
        # A File whose size is not known beforehand is stopped while it is read.
        unsized = ContentFile(bytes(5000), name="big.bin")
        unsized.size = None
        with pytest.raises(ValidationError, match="too large"):
            packages.save_export(access_request, unsized, actor=handler)
        packages.save_export(access_request, upload("ok.bin", bytes(1000)), actor=handler)
    assert ExportFile.objects.count() == 1
    assert len(files_under(f"exports/{access_request.pk}")) == len(before) + 1


def test_an_export_of_another_requests_checklist_is_refused(access_request, org_no, handler):
    other = make_request(org_no, type="access", status=Status.IN_PROGRESS)
    item, = systems(other, "CRM")
    with pytest.raises(ValidationError):
        packages.save_export(access_request, upload("a.csv", b"a\n"), checklist_item=item,
                             actor=handler)


# The access package ------------------------------------------------------------------------


def test_the_access_package_holds_the_cover_and_the_exports_per_system(
        access_request, handler, django_capture_on_commit_callbacks):
    crm, shop = systems(access_request, "CRM", "Nettbutikk / ordre")
    packages.save_export(access_request, upload("kunder.csv", CUSTOMERS_CSV, "text/csv"),
                         checklist_item=crm, actor=handler)
    packages.save_export(access_request, upload("ordre.json", json.dumps(ORDERS).encode()),
                         checklist_item=shop, actor=handler)
    packages.save_export(access_request, upload("bilde.png", BINARY, "image/png"),
                         checklist_item=shop, actor=handler)
    # Same name twice in one system; a name that tries to leave its folder.
    packages.save_export(access_request, upload("kunder.csv", b"x\n1\n"), checklist_item=crm,
                         actor=handler)
    packages.save_export(access_request, upload("../../../etc/passwd", b"root"),
                         checklist_item=crm, actor=handler)
    packages.save_export(access_request, upload("notes.txt", b"no system"), actor=handler)

    package = build_now(access_request, Package.Kind.ACCESS, handler,
                        django_capture_on_commit_callbacks)

    assert package.state == Package.State.READY, package.error
    assert package.expires_at == package.ready_at + timedelta(days=30)
    total = len(CUSTOMERS_CSV) + len(json.dumps(ORDERS)) + len(BINARY) + 4 + 4 + 9
    assert package.bytes_total == package.bytes_done == total
    assert package.progress == 100
    assert packages.download_name(package) == f"access-{access_request.reference}.zip"
    archive = unzip(package)
    assert sorted(archive.namelist()) == sorted([
        "cover.pdf", "CRM/kunder.csv", "CRM/kunder (2).csv", "CRM/passwd",
        "Nettbutikk _ ordre/ordre.json", "Nettbutikk _ ordre/bilde.png", "Annet/notes.txt",
    ])
    assert archive.read("cover.pdf").startswith(b"%PDF")
    assert archive.read("CRM/kunder.csv") == CUSTOMERS_CSV
    assert archive.read("CRM/kunder (2).csv") == b"x\n1\n"
    assert archive.read("Nettbutikk _ ordre/bilde.png") == BINARY
    assert json.loads(archive.read("Nettbutikk _ ordre/ordre.json")) == ORDERS
    # Binary exports are stored, text is compressed.
    assert archive.getinfo("Nettbutikk _ ordre/bilde.png").compress_type == zipfile.ZIP_STORED
    assert archive.getinfo("CRM/kunder.csv").compress_type == zipfile.ZIP_DEFLATED
    kinds = list(access_request.events.filter(kind__startswith="package_")
                 .values_list("kind", flat=True))
    assert kinds == [Event.Kind.PACKAGE_QUEUED, Event.Kind.PACKAGE_READY]
    # The package on disk is encrypted.
    on_disk = Path(private_storage().path(package.file.name)).read_bytes()
    assert b"Kari Nordmann" not in on_disk and b"%PDF" not in on_disk


def test_an_access_request_where_no_system_had_data_gets_the_cover_alone(
        access_request, handler, django_capture_on_commit_callbacks):
    for item in systems(access_request, "CRM", "E-post"):
        item.state = ChecklistItem.State.NOTHING_FOUND
        item.save()
    access_request.checklist.filter(system_name="E-post").update(
        state=ChecklistItem.State.NOT_APPLICABLE)
    package = build_now(access_request, Package.Kind.ACCESS, handler,
                        django_capture_on_commit_callbacks)
    assert package.state == Package.State.READY, package.error
    assert unzip(package).namelist() == ["cover.pdf"]


# The portability archive -------------------------------------------------------------------


def portability_exports(subject_request, handler):
    crm, shop = systems(subject_request, "CRM", "Shop")
    packages.save_export(subject_request, upload("customers.csv", CUSTOMERS_CSV, "text/csv"),
                         checklist_item=crm, actor=handler)
    packages.save_export(subject_request, upload("orders.json", json.dumps(ORDERS).encode()),
                         checklist_item=shop, actor=handler)
    # A Windows spreadsheet's CSV: semicolons, Windows-1252.
    packages.save_export(subject_request,
                         upload("more.csv", "navn;by\r\nÅse;Bodø\r\n".encode("cp1252")),
                         checklist_item=shop, actor=handler)
    packages.save_export(subject_request, upload("photo.png", BINARY, "image/png"),
                         checklist_item=shop, actor=handler)
    packages.save_export(subject_request,
                         upload("nested.json", json.dumps({"profile": {"a": 1}}).encode()),
                         checklist_item=crm, actor=handler)


def test_the_portability_archive_has_readme_data_json_and_csv_and_json_per_system(
        portability_request, handler, django_capture_on_commit_callbacks):
    portability_exports(portability_request, handler)
    package = build_now(portability_request, Package.Kind.PORTABILITY, handler,
                        django_capture_on_commit_callbacks)
    assert package.state == Package.State.READY, package.error
    assert packages.download_name(package) == f"portability-{portability_request.reference}.zip"
    archive = unzip(package)
    assert sorted(archive.namelist()) == sorted([
        "README.txt", "data.json", "CRM.csv", "CRM.json", "Shop.csv", "Shop.json",
        "other/Shop/photo.png", "other/CRM/nested.json",
    ])
    assert archive.read("other/Shop/photo.png") == BINARY
    assert json.loads(archive.read("other/CRM/nested.json")) == {"profile": {"a": 1}}

    data = json.loads(archive.read("data.json"))
    assert data["organisation"] == "Testfirma AS"
    assert data["reference"] == portability_request.reference
    generated = datetime.fromisoformat(data["generated_at"])
    assert generated.utcoffset() is not None  # local time of the organisation, with offset
    assert abs(generated - package.ready_at) < timedelta(minutes=1)
    assert data["systems"] == {
        "CRM": [{"navn": "Kari Nordmann", "e-post": "kari@example.no", "by": "Tromsø"},
                {"navn": "Ola Nordmann", "e-post": "ola@example.no", "by": "Oslo, sentrum"}],
        "Shop": [*ORDERS, {"navn": "Åse", "by": "Bodø"}],
    }
    # Each system's CSV says what its JSON says (values as text, empty for missing/null).
    for system in ("CRM", "Shop"):
        records = json.loads(archive.read(f"{system}.json"))
        assert records == data["systems"][system]
        rows = list(csv.DictReader(io.StringIO(archive.read(f"{system}.csv").decode())))
        expected = [{field: packages._csv_value(record.get(field)) for field in rows[0]}
                    for record in records]
        assert rows == expected
    shop_csv = archive.read("Shop.csv").decode()
    assert shop_csv.splitlines()[0] == "ordre,sum,betalt,kommentar,levert,navn,by"
    assert shop_csv.splitlines()[1] == "1001,499.5,true,,,,"

    readme = archive.read("README.txt").decode()
    assert "Testfirma AS" in readme and portability_request.reference in readme
    assert "Shop.csv, Shop.json" in readme and "3 records" in readme
    assert "other/Shop/photo.png" in readme


def test_the_portability_readme_is_in_the_requests_language(
        org_no, handler, django_capture_on_commit_callbacks):
    subject_request = make_request(org_no, type="portability", status=Status.IN_PROGRESS,
                                   language="nb")
    crm, = systems(subject_request, "CRM")
    packages.save_export(subject_request, upload("a.csv", b"a\n1\n"), checklist_item=crm,
                         actor=handler)
    package = build_now(subject_request, Package.Kind.PORTABILITY, handler,
                        django_capture_on_commit_callbacks)
    readme = unzip(package).read("README.txt").decode()
    # Norwegian date format with a Norwegian month name (Django's own catalogue).
    months = ["januar", "februar", "mars", "april", "mai", "juni", "juli", "august",
              "september", "oktober", "november", "desember"]
    local = timezone.localtime(package.ready_at)
    assert f"{local.day}. {months[local.month - 1]} {local.year}" in readme


# Progress and failures ---------------------------------------------------------------------


def test_progress_is_written_while_the_package_is_built(
        access_request, handler, monkeypatch):
    crm, = systems(access_request, "CRM")
    big = os.urandom(5 * crypto.CHUNK_SIZE)
    packages.save_export(access_request, upload("big.bin", big), checklist_item=crm,
                         actor=handler)
    package = packages.request_build(access_request, Package.Kind.ACCESS, actor=handler)
    monkeypatch.setattr(packages, "PROGRESS_BYTES", crypto.CHUNK_SIZE)
    with CaptureQueriesContext(connection) as queries:
        packages.build(package.pk)
    written = [q["sql"] for q in queries if "bytes_done" in q["sql"]
               and q["sql"].lstrip().upper().startswith("UPDATE")]
    # The claim (0 of the total), one per chunk, and the last one at READY.
    assert len(written) >= 1 + 5
    package.refresh_from_db()
    assert (package.bytes_done, package.bytes_total) == (len(big), len(big))


def test_a_failed_build_leaves_no_file_and_is_logged(
        access_request, handler, django_capture_on_commit_callbacks):
    crm, = systems(access_request, "CRM")
    export = packages.save_export(access_request, upload("data.csv", CUSTOMERS_CSV * 10),
                                  checklist_item=crm, actor=handler)
    path = Path(private_storage().path(export.file.name))
    altered = bytearray(path.read_bytes())
    altered[-5] ^= 1
    path.write_bytes(bytes(altered))
    package = build_now(access_request, Package.Kind.ACCESS, handler,
                        django_capture_on_commit_callbacks)
    assert package.state == Package.State.FAILED
    assert "TamperedError" in package.error
    assert not package.file
    assert files_under(f"packages/{access_request.pk}") == []
    assert not [p for p in files_under("tmp") if p.name.endswith(".part")]
    assert access_request.events.filter(kind=Event.Kind.PACKAGE_FAILED).count() == 1
    with pytest.raises(ValidationError):
        packages.stream(package)
    # A new build may be requested after a failure.
    assert packages.request_build(access_request, Package.Kind.ACCESS, actor=handler)


def test_building_a_ready_package_again_does_nothing(
        portability_request, handler, django_capture_on_commit_callbacks):
    crm, = systems(portability_request, "CRM")
    packages.save_export(portability_request, upload("a.csv", b"a\n1\n"), checklist_item=crm,
                         actor=handler)
    package = build_now(portability_request, Package.Kind.PORTABILITY, handler,
                        django_capture_on_commit_callbacks)
    assert tasks.build_package(package.pk) == Package.State.READY
    again = Package.objects.get(pk=package.pk)
    assert (again.file.name, again.ready_at) == (package.file.name, package.ready_at)
    assert portability_request.events.filter(kind=Event.Kind.PACKAGE_READY).count() == 1
    assert len(files_under(f"packages/{portability_request.pk}")) == 1


def test_a_package_altered_on_disk_is_not_served(
        portability_request, handler, django_capture_on_commit_callbacks):
    crm, = systems(portability_request, "CRM")
    packages.save_export(portability_request, upload("a.csv", b"a\n1\n"), checklist_item=crm,
                         actor=handler)
    package = build_now(portability_request, Package.Kind.PORTABILITY, handler,
                        django_capture_on_commit_callbacks)
    path = Path(private_storage().path(package.file.name))
    path.write_bytes(path.read_bytes()[:-1])
    with pytest.raises(crypto.TamperedError):
        b"".join(packages.stream(package))


# The rules of request_build ----------------------------------------------------------------


def test_request_build_rules(access_request, portability_request, handler):
    crm, = systems(access_request, "CRM")
    # Nothing exported and a system not yet searched.
    with pytest.raises(ValidationError, match="exports"):
        packages.request_build(access_request, Package.Kind.ACCESS, actor=handler)
    # An access request gets an access package only, and the reverse.
    packages.save_export(access_request, upload("a.csv", b"a\n1\n"), checklist_item=crm,
                         actor=handler)
    with pytest.raises(ValidationError):
        packages.request_build(access_request, Package.Kind.PORTABILITY, actor=handler)
    with pytest.raises(ValidationError):
        packages.request_build(portability_request, Package.Kind.ACCESS, actor=handler)
    # No checklist and no export: refused too.
    with pytest.raises(ValidationError):
        packages.request_build(portability_request, Package.Kind.PORTABILITY, actor=handler)

    package = packages.request_build(access_request, Package.Kind.ACCESS, actor=handler)
    assert package.state == Package.State.QUEUED and package.created_by == handler
    event = access_request.events.get(kind=Event.Kind.PACKAGE_QUEUED)
    assert event.actor == handler
    # Not twice at once.
    with pytest.raises(ValidationError, match="already"):
        packages.request_build(access_request, Package.Kind.ACCESS, actor=handler)
    Package.objects.filter(pk=package.pk).update(state=Package.State.BUILDING)
    with pytest.raises(ValidationError, match="already"):
        packages.request_build(access_request, Package.Kind.ACCESS, actor=handler)
    # Not for a closed request.
    Package.objects.filter(pk=package.pk).update(state=Package.State.READY)
    access_request.status = Status.COMPLETED
    access_request.save()
    with pytest.raises(ValidationError, match="closed"):
        packages.request_build(access_request, Package.Kind.ACCESS, actor=handler)


def test_request_build_refuses_an_access_package_whose_cover_would_guess(
        access_request, handler, django_capture_on_commit_callbacks):
    crm, = systems(access_request, "CRM", settled=False)
    packages.save_export(access_request, upload("a.csv", b"a\n1\n"), checklist_item=crm,
                         actor=handler)
    # Data found in a system no record of processing describes.
    with pytest.raises(ValidationError) as refused:
        packages.request_build(access_request, Package.Kind.ACCESS, actor=handler)
    assert "CRM: no record of processing linked to this system" in str(refused.value)
    # A record whose recipients and transfers nobody settled: an empty field is not "none".
    record = settled_record(crm.system, no_recipients=False, no_transfers=False)
    with pytest.raises(ValidationError) as refused:
        packages.request_build(access_request, Package.Kind.ACCESS, actor=handler)
    assert refused.value.messages[1:] == [
        "Record of processing “Kundeforhold”: neither written out nor marked “none”: "
        "recipients, transfers outside the EEA and safeguards."]
    assert not access_request.packages.exists()

    record.recipients = "Regnskapsbyrået Tall AS."
    record.no_transfers = True
    record.save()
    package = build_now(access_request, Package.Kind.ACCESS, handler,
                        django_capture_on_commit_callbacks)
    assert package.state == Package.State.READY, package.error


def test_a_build_fails_when_the_records_became_unsettled_after_it_was_requested(
        access_request, handler):
    crm, = systems(access_request, "CRM")
    packages.save_export(access_request, upload("a.csv", b"a\n1\n"), checklist_item=crm,
                         actor=handler)
    package = packages.request_build(access_request, Package.Kind.ACCESS, actor=handler)
    crm.system.processing_records.update(no_transfers=False)

    package = packages.build(package.pk)

    assert package.state == Package.State.FAILED
    # The record to settle, named to staff in the organisation's language (nb here).
    assert "«Behandling CRM»" in package.error
    assert not package.file


# A portability archive has no cover: the records do not hold it up.
def test_a_portability_archive_is_built_without_records_of_processing(
        portability_request, handler, django_capture_on_commit_callbacks):
    crm, = systems(portability_request, "CRM", settled=False)
    packages.save_export(portability_request, upload("a.csv", b"a\n1\n"),
                         checklist_item=crm, actor=handler)
    package = build_now(portability_request, Package.Kind.PORTABILITY, handler,
                        django_capture_on_commit_callbacks)
    assert package.state == Package.State.READY, package.error


# Download, expiry and deletion -------------------------------------------------------------


def test_a_download_is_counted_and_logged_as_the_subjects(
        portability_request, handler, django_capture_on_commit_callbacks):
    crm, = systems(portability_request, "CRM")
    packages.save_export(portability_request, upload("a.csv", b"a\n1\n"), checklist_item=crm,
                         actor=handler)
    package = build_now(portability_request, Package.Kind.PORTABILITY, handler,
                        django_capture_on_commit_callbacks)
    packages.record_download(package)
    packages.record_download(package)
    package.refresh_from_db()
    assert package.download_count == 2
    logged = portability_request.events.filter(kind=Event.Kind.PACKAGE_DOWNLOADED)
    assert logged.count() == 2
    assert {e.actor_label for e in logged} == {events.SUBJECT}
    assert all(e.actor_id is None for e in logged)


def test_expired_packages_lose_their_files_and_the_expiry_is_logged(
        portability_request, handler, django_capture_on_commit_callbacks):
    crm, = systems(portability_request, "CRM")
    packages.save_export(portability_request, upload("a.csv", b"a\n1\n"), checklist_item=crm,
                         actor=handler)
    package = build_now(portability_request, Package.Kind.PORTABILITY, handler,
                        django_capture_on_commit_callbacks)
    path = Path(private_storage().path(package.file.name))
    with django_capture_on_commit_callbacks(execute=True):
        assert packages.expire(now=package.expires_at - timedelta(minutes=1)) == 0
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.expire_packages.apply(
            kwargs={}).get() == 0  # not yet, by the real clock
        assert packages.expire(now=package.expires_at + timedelta(minutes=1)) == 1
    assert not path.exists()
    package.refresh_from_db()
    assert package.state == Package.State.DELETED
    assert package.deleted_at is not None and not package.file
    assert portability_request.events.filter(kind=Event.Kind.PACKAGE_DELETED).count() == 1
    # Running it again finds nothing.
    assert packages.expire(now=package.expires_at + timedelta(days=1)) == 0


def test_delete_files_removes_every_export_and_package_of_the_request(
        portability_request, org_no, handler, django_capture_on_commit_callbacks):
    portability_exports(portability_request, handler)
    package = build_now(portability_request, Package.Kind.PORTABILITY, handler,
                        django_capture_on_commit_callbacks)
    other = make_request(org_no, type="portability", status=Status.IN_PROGRESS)
    kept = packages.save_export(other, upload("keep.csv", b"a\n1\n"), actor=handler)
    assert len(files_under(f"exports/{portability_request.pk}")) == 5
    with django_capture_on_commit_callbacks(execute=True):
        assert packages.delete_files(portability_request.pk) == 6
    assert files_under(f"exports/{portability_request.pk}") == []
    assert files_under(f"packages/{portability_request.pk}") == []
    assert not portability_request.exports.exists()
    package.refresh_from_db()
    assert package.state == Package.State.DELETED and not package.file
    # Another request's files are untouched.
    assert Path(private_storage().path(kept.file.name)).exists()



# A real worker -----------------------------------------------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_builds_the_queued_package(org_no, handler):
    from tests.worker import running_worker, wait_for

    subject_request = make_request(org_no, type="portability", status=Status.IN_PROGRESS,
                                   language="en")
    crm, = systems(subject_request, "CRM")
    packages.save_export(subject_request, upload("customers.csv", CUSTOMERS_CSV),
                         checklist_item=crm, actor=handler)
    with running_worker() as worker:
        package = packages.request_build(subject_request, Package.Kind.PORTABILITY,
                                         actor=handler)

        def ready():
            return Package.objects.filter(pk=package.pk, state=Package.State.READY).exists()

        wait_for(ready, process=worker.process)
    archive = unzip(package)
    assert json.loads(archive.read("CRM.json"))[0]["navn"] == "Kari Nordmann"
    assert subject_request.events.filter(kind=Event.Kind.PACKAGE_READY).count() == 1
