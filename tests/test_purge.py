"""Personal data is erased on schedule; an anonymous row stays for reports."""

import os
from datetime import timedelta
from pathlib import Path

import time_machine
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.utils import timezone

from reports import figures
from reports import filters as report_filters
from requests_app import outcomes, retention
from requests_app.casework import checklist, workflow
from requests_app.delivery import packages
from requests_app.models import (
    Attachment,
    ChecklistItem,
    DataSystem,
    Event,
    ExportFile,
    Message,
    Package,
    Request,
    RequestOutcome,
    Status,
    SuppressionEntry,
)
from requests_app.tasks import purge_personal_data

PII = ("Kari Nordmann", "kari@example.no", "+47 912 34 567", "Kundenummer 1234",
       "Storgata 1", "Min hemmelige legitimasjon", "Gamleveien 9", "Karis regnskapsfører",
       "Karis nyhetsbrev", "Karis helseopplysninger")


def every_stored_text() -> str:
    """Every text, JSON and file name value in every table of the portal's own models."""
    chunks = []
    for model in apps.get_app_config("requests_app").get_models():
        fields = [f.name for f in model._meta.concrete_fields
                  if isinstance(f, (models.CharField, models.TextField, models.JSONField,
                                    models.FileField))]
        for row in model.objects.values_list(*fields):
            chunks.append(" ".join(str(v) for v in row))
    return "\n".join(chunks)


def closed_request_with_everything(confirmed, handler):
    subject_request, status_path = confirmed(
        "rectification", subject_phone="+47 912 34 567", what_is_wrong="Gammel adresse",
        correct_value="Storgata 1")
    workflow.ask_subject(subject_request, body="Bekreft identiteten din, Kari Nordmann.",
                         purpose=Message.Purpose.IDENTITY, actor=handler)
    upload = SimpleUploadedFile("pass.pdf", b"%PDF-1.4 Min hemmelige legitimasjon",
                                content_type="application/pdf")
    workflow.subject_replied(subject_request, body="Min hemmelige legitimasjon", files=[upload])
    for item in subject_request.checklist.select_related("request"):  # what was corrected
        checklist.mark(item, state=ChecklistItem.State.DONE, actor=handler, note="Rettet",
                       value_before="Gamleveien 9", value_after="Storgata 1",
                       recipients_told="Karis regnskapsfører")
    workflow.complete(subject_request, answer="Rettet til Storgata 1, Kari Nordmann.",
                      actor=handler)
    subject_request.refresh_from_db()
    return subject_request, status_path


def _done(subject_request, handler, **values):
    for item in subject_request.checklist.select_related("request"):
        checklist.mark(item, state=ChecklistItem.State.DONE, actor=handler, **values)


def closed_requests_of_every_outcome(confirmed, handler):
    """Beside the rectification: a portability request with its export and archive (files on
    disk), an objection to direct marketing (the suppression list), another objection with
    its balancing, a restriction and a consent withdrawal, all answered."""
    portability, _ = confirmed("portability")
    item = portability.checklist.select_related("request").get()
    checklist.mark(item, state=ChecklistItem.State.DONE, actor=handler)
    packages.save_export(portability, SimpleUploadedFile(
        "kari-nordmann-ordre.json", b'[{"navn": "Kari Nordmann", "adresse": "Storgata 1"}]',
        content_type="application/json"), checklist_item=item, actor=handler)
    packages.build(packages.request_build(portability, Package.Kind.PORTABILITY,
                                          actor=handler).pk)
    workflow.complete(portability, answer="Her er dataene dine, Kari Nordmann.", actor=handler)

    marketing, _ = confirmed("objection")
    _done(marketing, handler)
    workflow.complete(marketing, answer="Du får ingen markedsføring.", actor=handler)

    other, _ = confirmed("objection", objection_kind="other", processing="Profilering",
                         grounds="Karis helseopplysninger")
    _done(other, handler)
    outcomes.record(other, actor=handler, balancing="Karis helseopplysninger veier tyngst",
                    objection_upheld=True)
    workflow.complete(other, answer="Tatt til følge.", actor=handler)

    restriction, _ = confirmed("restriction")
    _done(restriction, handler, recipients_told="Karis regnskapsfører")
    outcomes.record(restriction, actor=handler, restricted_processing="Kundenummer 1234",
                    restriction_ground="accuracy",
                    restricted_until=timezone.localdate() + timedelta(days=30))
    workflow.complete(restriction, answer="Begrenset.", actor=handler)

    consent, _ = confirmed("consent_withdrawal")
    _done(consent, handler)
    outcomes.record(consent, actor=handler, consent_withdrawn="Karis nyhetsbrev",
                    consent_withdrawn_at=timezone.now())
    workflow.complete(consent, answer="Trukket tilbake.", actor=handler)
    return [portability, marketing, other, restriction, consent]


def stored_files() -> list[Path]:
    """Every attachment, export and package file on disk."""
    paths = [Path(a.file.path) for a in Attachment.objects.all()]
    paths += [Path(e.file.path) for e in ExportFile.objects.all()]
    paths += [Path(p.file.path) for p in Package.objects.exclude(file="")]
    return paths


def received_counted(user, year: int, now) -> dict:
    form = report_filters.ReportFilterForm({"year": str(year)}, user=user, now=now)
    assert form.is_valid(), form.errors
    received = next(r for r in figures.build(form.filters()) if r.slug == "received")
    return next(row for row in received.data if row.get("_total"))


def test_after_the_retention_period_no_personal_data_remains_anywhere(
        confirmed, handler, client, org_no, django_user_model,
        django_capture_on_commit_callbacks):
    DataSystem.objects.create(organisation=org_no, name="CRM")
    with django_capture_on_commit_callbacks(execute=True):
        subject_request, status_path = closed_request_with_everything(confirmed, handler)
        others = closed_requests_of_every_outcome(confirmed, handler)
    files = stored_files()
    assert len(files) == 3 and all(path.exists() for path in files)  # attachment, export, zip
    assert RequestOutcome.objects.count() == 3
    assert any(value in every_stored_text() for value in PII)
    assert outcomes.is_suppressed(org_no, "kari@example.no", actor=None)
    boss = django_user_model.objects.create_superuser("boss", "boss@example.no", "pw-1-boss")
    year = subject_request.received_at.year
    counted_before = received_counted(boss, year, timezone.now())

    later = timezone.now() + timedelta(days=org_no.retention_days, minutes=1)
    with time_machine.travel(later), django_capture_on_commit_callbacks(execute=True):
        result = purge_personal_data()

    assert result == {"attachments": 1, "requests": 6}
    stored = every_stored_text()
    for value in PII:
        assert value not in stored, value
    assert not any(path.exists() for path in files)  # attachment, export and archive
    assert not ExportFile.objects.exists()
    assert set(Package.objects.values_list("state", flat=True)) == {Package.State.DELETED}
    assert client.get(status_path).status_code == 404  # the status link is gone too
    row = Request.objects.get(pk=subject_request.pk)
    assert (row.type, row.status, row.channel, row.relationship) == (
        "rectification", Status.COMPLETED, "web", "customer")
    assert row.due_date and row.closed_at and row.purged_at
    assert row.events.filter(kind=Event.Kind.PURGED).count() == 1
    assert row.events.count() > 5  # the log keeps its rows
    # The objection to direct marketing outlives the request: the address still matches.
    entry = SuppressionEntry.objects.get()
    assert entry.request == others[1]
    assert outcomes.is_suppressed(org_no, " Kari@Example.no", actor=None)
    # The restriction keeps its dates and ground for its reminder and the record.
    restriction = RequestOutcome.objects.get(request=others[3])
    assert restriction.restricted_until and restriction.restriction_ground == "accuracy"
    # Reports still count every request, by type.
    with time_machine.travel(later):
        counted_after = received_counted(boss, year, timezone.now())
    assert counted_after == counted_before
    assert (counted_after["total"], counted_after["objection"]) == (6, 2)


def test_purging_twice_changes_nothing_the_second_time(confirmed, handler, org_no):
    subject_request, _ = closed_request_with_everything(confirmed, handler)
    later = timezone.now() + timedelta(days=org_no.retention_days + 1)

    with time_machine.travel(later):
        first = retention.run()
        second = retention.run()

    assert first["requests"] == 1
    assert second == {"attachments": 0, "requests": 0}
    assert subject_request.events.filter(kind=Event.Kind.PURGED).count() == 1


def test_attachments_and_exports_go_sooner_and_packages_keep_their_own_period(
        confirmed, handler, org_no, django_capture_on_commit_callbacks):
    """Attachments and the exports staff took go ``attachment_retention_days`` after the
    request closed; the package built from them stays for its download period
    (``package_days`` from delivery, ``packages.expire``), which may be longer."""
    org_no.package_days = 60
    org_no.save()
    DataSystem.objects.create(organisation=org_no, name="CRM")
    with django_capture_on_commit_callbacks(execute=True):
        closed_request_with_everything(confirmed, handler)
        portability = closed_requests_of_every_outcome(confirmed, handler)[0]
    files = stored_files()
    assert len(files) == 3
    package = portability.packages.get()
    package_file = Path(package.file.path)

    with time_machine.travel(timezone.now() + timedelta(days=org_no.attachment_retention_days,
                                                        minutes=1)), \
            django_capture_on_commit_callbacks(execute=True):
        result = retention.run()
        assert packages.expire() == 0

    assert result == {"attachments": 1, "requests": 0}
    assert [path for path in files if path.exists()] == [package_file]
    assert not ExportFile.objects.exists()
    assert portability.packages.get().state == Package.State.READY
    assert Request.objects.filter(subject_name="Kari Nordmann").count() == 6  # the rest stays
    with time_machine.travel(timezone.now() + timedelta(days=org_no.attachment_retention_days,
                                                        minutes=2)):
        assert retention.attachments_due() == []  # nothing left to delete sooner

    with time_machine.travel(timezone.now() + timedelta(days=org_no.package_days, minutes=1)), \
            django_capture_on_commit_callbacks(execute=True):
        assert packages.expire() == 1
    assert not package_file.exists()
    assert portability.packages.get().state == Package.State.DELETED


def test_open_requests_and_recent_closed_ones_are_kept(confirmed, handler, org_no):
    open_request, _ = confirmed("access")
    closed, _ = confirmed("erasure", subject_email="other@example.no")
    workflow.complete(closed, answer="Slettet.", actor=handler)

    with time_machine.travel(timezone.now() + timedelta(days=org_no.retention_days - 1)):
        assert retention.run() == {"attachments": 0, "requests": 0}

    assert Request.objects.filter(purged_at__isnull=True).count() == 2


def test_old_staff_sign_in_records_are_erased(db, settings):
    from axes.models import AccessLog

    settings.STAFF_LOGIN_LOG_DAYS = 90
    old = AccessLog.objects.create(username="handler", ip_address="192.0.2.1",
                                   user_agent="x", path_info="/admin/login/")
    AccessLog.objects.filter(pk=old.pk).update(attempt_time=timezone.now() - timedelta(days=91))
    recent = AccessLog.objects.create(username="handler", ip_address="192.0.2.1",
                                      user_agent="x", path_info="/admin/login/")

    retention.run()

    assert list(AccessLog.objects.all()) == [recent]


def test_files_no_row_points_to_are_deleted_once_they_are_an_hour_old(
        confirmed, handler, org_no):
    """A file saved in a transaction that then rolled back has no row: the purge deletes it,
    but not before an hour, so a file still being written (a build, an upload) is left."""
    subject_request, _ = confirmed("access")
    workflow.ask_subject(subject_request, body="Bekreft identiteten din.",
                         purpose=Message.Purpose.IDENTITY, actor=handler)
    workflow.subject_replied(subject_request, body="Her.", files=[
        SimpleUploadedFile("pass.pdf", b"%PDF-1.4 legitimasjon", content_type="application/pdf")])
    [kept] = stored_files()
    root = Path(kept.parent.parent.parent)  # <private>/attachments/<request id>/<name>
    old_orphan = root / "attachments" / "999999" / "rolled-back"
    unfinished = root / "tmp" / "build-left-by-a-dead-worker"
    fresh_orphan = root / "exports" / "999999" / "being-written.enc"
    for path in (old_orphan, unfinished, fresh_orphan):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"Kari Nordmann")
    two_hours_ago = (timezone.now() - timedelta(hours=2)).timestamp()
    for path in (old_orphan, unfinished, kept):
        os.utime(path, (two_hours_ago, two_hours_ago))

    retention.delete_orphan_files()

    assert not old_orphan.exists() and not unfinished.exists()
    assert kept.exists() and fresh_orphan.exists()
    fresh_orphan.unlink()
