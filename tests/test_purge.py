"""Personal data is erased on schedule; an anonymous row stays for reports."""

from datetime import timedelta
from pathlib import Path

import time_machine
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.utils import timezone

from requests_app import purge, workflow
from requests_app.models import Attachment, Event, Message, Request, Status
from requests_app.tasks import purge_personal_data

PII = ("Kari Nordmann", "kari@example.no", "+47 912 34 567", "Kundenummer 1234",
       "Storgata 1", "Min hemmelige legitimasjon")


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
    workflow.complete(subject_request, answer="Rettet til Storgata 1, Kari Nordmann.",
                      actor=handler)
    subject_request.refresh_from_db()
    return subject_request, status_path


def test_after_the_retention_period_no_personal_data_remains_anywhere(
        confirmed, handler, client, org_no, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        subject_request, status_path = closed_request_with_everything(confirmed, handler)
    attachment_path = Path(Attachment.objects.get().file.path)
    assert attachment_path.exists()
    assert any(value in every_stored_text() for value in PII)

    later = timezone.now() + timedelta(days=org_no.retention_days, minutes=1)
    with time_machine.travel(later), django_capture_on_commit_callbacks(execute=True):
        result = purge_personal_data()

    assert result == {"attachments": 1, "requests": 1}
    stored = every_stored_text()
    for value in PII:
        assert value not in stored, value
    assert not attachment_path.exists()
    assert client.get(status_path).status_code == 404  # the status link is gone too
    row = Request.objects.get()
    assert (row.type, row.status, row.channel, row.relationship) == (
        "rectification", Status.COMPLETED, "web", "customer")
    assert row.due_date and row.closed_at and row.purged_at
    assert row.events.filter(kind=Event.Kind.PURGED).count() == 1
    assert row.events.count() > 5  # the log keeps its rows


def test_purging_twice_changes_nothing_the_second_time(confirmed, handler, org_no):
    subject_request, _ = closed_request_with_everything(confirmed, handler)
    later = timezone.now() + timedelta(days=org_no.retention_days + 1)

    with time_machine.travel(later):
        first = purge.run()
        second = purge.run()

    assert first["requests"] == 1
    assert second == {"attachments": 0, "requests": 0}
    assert subject_request.events.filter(kind=Event.Kind.PURGED).count() == 1


def test_attachments_go_sooner_than_the_rest(confirmed, handler, org_no,
                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        subject_request, _ = closed_request_with_everything(confirmed, handler)
    path = Path(Attachment.objects.get().file.path)

    with time_machine.travel(timezone.now() + timedelta(days=org_no.attachment_retention_days,
                                                        minutes=1)), \
            django_capture_on_commit_callbacks(execute=True):
        result = purge.run()

    assert result == {"attachments": 1, "requests": 0}
    assert not path.exists()
    assert Request.objects.get().subject_name == "Kari Nordmann"


def test_open_requests_and_recent_closed_ones_are_kept(confirmed, handler, org_no):
    open_request, _ = confirmed("access")
    closed, _ = confirmed("erasure", subject_email="other@example.no")
    workflow.complete(closed, answer="Slettet.", actor=handler)

    with time_machine.travel(timezone.now() + timedelta(days=org_no.retention_days - 1)):
        assert purge.run() == {"attachments": 0, "requests": 0}

    assert Request.objects.filter(purged_at__isnull=True).count() == 2


def test_old_staff_sign_in_records_are_erased(db, settings):
    from axes.models import AccessLog

    settings.STAFF_LOGIN_LOG_DAYS = 90
    old = AccessLog.objects.create(username="handler", ip_address="192.0.2.1",
                                   user_agent="x", path_info="/admin/login/")
    AccessLog.objects.filter(pk=old.pk).update(attempt_time=timezone.now() - timedelta(days=91))
    recent = AccessLog.objects.create(username="handler", ip_address="192.0.2.1",
                                      user_agent="x", path_info="/admin/login/")

    purge.run()

    assert list(AccessLog.objects.all()) == [recent]
