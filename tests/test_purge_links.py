"""After the purge the event log keeps who did what and when, but nothing that names the
requester or ties the anonymous row to them again: not the names of the files staff opened,
and not the link to the same person's other request (``duplicate_of``, both ways, and the
"possible duplicate" events that carry the other reference)."""

from datetime import timedelta

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from requests_app import retention
from requests_app.casework import workflow
from requests_app.models import Attachment, Event, Message, Request

FILE_NAME = "pass-kari-nordmann.pdf"


def _log_text(subject_request) -> str:
    return "\n".join(f"{e.from_value} {e.to_value} {e.message}"
                     for e in Event.objects.filter(request=subject_request))


def _purge_after_retention(org):
    with time_machine.travel(timezone.now() + timedelta(days=org.retention_days, minutes=1)):
        return retention.run()


def test_the_name_of_a_file_staff_opened_is_not_in_the_log_after_the_purge(
        confirmed, handler, client, org_no, django_capture_on_commit_callbacks):
    subject_request, _status = confirmed("erasure")
    workflow.ask_subject(subject_request, body="Send ID.", purpose=Message.Purpose.IDENTITY,
                         actor=handler)
    workflow.subject_replied(subject_request, body="Here.", files=[SimpleUploadedFile(
        FILE_NAME, b"%PDF-1.4 id", content_type="application/pdf")])
    attachment = Attachment.objects.get(request=subject_request)
    client.force_login(handler)
    url = (f"/admin/requests_app/request/{subject_request.pk}/attachment/"
           f"{attachment.pk}/")
    assert client.get(url).status_code == 200
    assert FILE_NAME in _log_text(subject_request)  # logged while the request is worked
    workflow.complete(subject_request, answer="Slettet.", actor=handler)

    with django_capture_on_commit_callbacks(execute=True):
        assert _purge_after_retention(org_no)["requests"] == 1

    assert "kari" not in _log_text(subject_request).lower()
    viewed = subject_request.events.get(kind=Event.Kind.ATTACHMENT_VIEWED)
    assert viewed.actor == handler  # the log keeps who opened a file, and when


def _two_requests_of_one_person(confirmed):
    first, _ = confirmed("erasure")
    second, _ = confirmed("erasure")
    second.refresh_from_db()
    assert second.duplicate_of == first
    assert second.reference in _log_text(first) and first.reference in _log_text(second)
    return first, second


def test_a_purged_request_is_no_longer_linked_to_the_persons_later_request(
        confirmed, handler, org_no):
    first, second = _two_requests_of_one_person(confirmed)
    workflow.complete(first, answer="Slettet.", actor=handler)

    assert _purge_after_retention(org_no)["requests"] == 1

    second.refresh_from_db()
    assert second.purged_at is None and second.duplicate_of is None
    assert not Request.objects.get(pk=first.pk).duplicates.exists()
    assert second.reference not in _log_text(first)
    assert first.reference not in _log_text(second)
    assert second.events.filter(kind=Event.Kind.DUPLICATE).exists()  # the row stays


def test_a_purged_later_request_is_no_longer_linked_to_the_persons_first_one(
        confirmed, handler, org_no):
    first, second = _two_requests_of_one_person(confirmed)
    workflow.complete(second, answer="Slettet.", actor=handler)

    assert _purge_after_retention(org_no)["requests"] == 1

    purged = Request.objects.get(pk=second.pk)
    assert purged.purged_at and purged.duplicate_of is None
    assert not first.duplicates.exists()
    assert second.reference not in _log_text(first)
    assert first.reference not in _log_text(second)
