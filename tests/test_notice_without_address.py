"""An extension must reach the requester (GDPR Art. 12(3)): the outbox refuses a message with no
recipient, and a request without an e-mail address is extended only with staff's record of how
(letter, phone, in person) and when they told the requester, no later than the notice
deadline; the event log and the admin say so."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from requests_app import notifications
from requests_app.casework import notice, workflow
from requests_app.clock import legal
from requests_app.models import Event, OutgoingEmail, Status
from tests.factories import make_request

LIST = "/admin/requests_app/request/"
EXTENSION = {"reason": "complexity",
             "explanation": "Opplysningene ligger i fem systemer som må gjennomgås."}


def extend_url(subject_request):
    return f"{LIST}{subject_request.pk}/extend/"


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def by_letter(org_no):
    """A request registered from a letter three days ago: no e-mail address."""
    return make_request(org_no, status=Status.IN_PROGRESS, days_ago=3, channel="letter",
                        subject_email="")


def yesterday_local(hour=14) -> datetime:
    """Yesterday at ``hour`` as staff type it: a wall-clock time, no zone."""
    day = timezone.localdate() - timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, 0)


def not_extended(subject_request) -> bool:
    subject_request.refresh_from_db()
    return (not subject_request.is_extended
            and not subject_request.events.filter(kind__in=[
                Event.Kind.EXTENDED, Event.Kind.DUE_DATE_CHANGED, Event.Kind.TOLD]).exists()
            and not OutgoingEmail.objects.exists())


# --- The outbox sends to someone or not at all ------------------------------------------------


def test_the_outbox_refuses_to_compose_a_message_with_no_recipient(by_letter):
    with pytest.raises(notifications.NoRecipient):
        notifications.extension_email(by_letter)

    assert not OutgoingEmail.objects.exists()


def test_a_stored_row_with_no_recipient_fails_and_is_never_marked_sent(by_letter):
    row = OutgoingEmail.objects.create(request=by_letter, kind="extension", to="",
                                       language="nb", subject="Fristen er forlenget",
                                       body_text="Tekst")

    assert notifications.deliver(row.pk) is False

    row.refresh_from_db()
    assert row.state == OutgoingEmail.State.FAILED and row.sent_at is None
    assert row.last_error == notifications.NO_RECIPIENT
    assert mail.outbox == []
    assert not by_letter.events.filter(kind=Event.Kind.EMAIL_SENT).exists()
    assert notifications.pending_ids(older_than_seconds=0) == []


# --- The service: no record, no extension ---------------------------------------------------


def test_without_an_address_the_extension_waits_for_the_record_of_the_notice(by_letter, lead):
    with pytest.raises(ValidationError) as refused:
        workflow.extend(by_letter, actor=lead, **EXTENSION)

    assert "record how and when you told the requester" in " ".join(refused.value.messages)
    assert not_extended(by_letter)


def test_with_the_record_the_extension_takes_effect_and_the_log_says_how_the_requester_was_told(
        by_letter, lead, django_capture_on_commit_callbacks):
    told_at = yesterday_local()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.extend(by_letter, actor=lead,
                        told=notice.Told(by="letter", at=told_at), **EXTENSION)

    by_letter.refresh_from_db()
    assert by_letter.is_extended
    assert by_letter.extension_told_by == "letter"
    assert timezone.localtime(by_letter.extension_told_at).replace(tzinfo=None) == told_at
    told = by_letter.events.get(kind=Event.Kind.TOLD)
    assert told.actor == lead
    assert told.message.startswith(
        "Told the requester of the extension and its reasons by letter on ")
    assert notice.when(by_letter.organisation, by_letter.extension_told_at) in told.message
    # Nothing claims an e-mail: none was composed, none sent.
    assert not OutgoingEmail.objects.exists() and mail.outbox == []
    assert not by_letter.events.filter(kind=Event.Kind.EMAIL_SENT).exists()


@pytest.mark.parametrize(("by", "when", "error"), [
    ("", lambda request: yesterday_local(), "record how and when you told the requester"),
    ("email", lambda request: yesterday_local(), "by letter, by phone or in person"),
    ("phone", lambda request: None, "Say when."),
    ("phone", lambda request: timezone.now() + timedelta(hours=1),
     "This time is in the future."),
    ("phone", lambda request: request.received_at - timedelta(days=1),
     "This time is before the request was received."),
])
def test_a_record_that_cannot_be_true_is_refused(by_letter, lead, by, when, error):
    with pytest.raises(ValidationError) as refused:
        workflow.extend(by_letter, actor=lead, told=notice.Told(by=by, at=when(by_letter)),
                        **EXTENSION)

    assert error in " ".join(refused.value.messages)
    assert not_extended(by_letter)


def test_a_notice_after_the_notice_deadline_does_not_count(by_letter):
    deadline = legal.extension_notice_by(by_letter)
    late = datetime.combine(deadline + timedelta(days=1), datetime.min.time()).replace(hour=9)

    with pytest.raises(ValidationError) as refused:
        notice.check(by_letter, notice.Told(by="letter", at=late), latest=deadline,
                     now=timezone.make_aware(late) + timedelta(days=1))

    assert "had to be told by" in " ".join(refused.value.messages)


def test_a_request_with_an_address_is_told_by_the_portal_not_by_a_record(org_no, lead):
    subject_request = make_request(org_no, status=Status.IN_PROGRESS, days_ago=3)

    with pytest.raises(ValidationError):
        workflow.extend(subject_request, actor=lead,
                        told=notice.Told(by="letter", at=yesterday_local()), **EXTENSION)

    assert not_extended(subject_request)


# --- The admin's Extend page ------------------------------------------------------------------


def test_the_extend_page_asks_how_the_requester_was_told_and_no_longer_promises_an_email(
        client, lead, by_letter):
    client.force_login(lead)

    page = client.get(extend_url(by_letter)).content.decode()

    assert "How you told the requester" in page and 'name="told_time"' in page
    assert "No e-mail address is known: tell the requester of the extension" in page
    assert "requester is told at once by e-mail" not in page


def test_the_extend_page_refuses_without_the_record_beside_the_field(client, lead, by_letter):
    client.force_login(lead)

    response = client.post(extend_url(by_letter), EXTENSION)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "record how and when you told the requester" in " ".join(errors["told_by"])
    assert not_extended(by_letter)


def test_the_extend_page_records_the_notice_and_says_so(client, lead, by_letter,
                                                        django_capture_on_commit_callbacks):
    client.force_login(lead)
    told_at = yesterday_local(hour=10)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(extend_url(by_letter), {
            **EXTENSION, "told_by": "phone", "told_date": told_at.strftime("%Y-%m-%d"),
            "told_time": "10:00"}, follow=True)

    assert response.status_code == 200
    by_letter.refresh_from_db()
    assert by_letter.is_extended and by_letter.extension_told_by == "phone"
    message = " ".join(messages_of(response))
    assert "Told the requester of the extension and its reasons by phone on " in message
    assert "told by e-mail" not in message
    assert mail.outbox == []


def test_the_extend_page_of_a_request_with_an_address_asks_for_no_record(client, lead, org_no):
    subject_request = make_request(org_no, status=Status.IN_PROGRESS, days_ago=3)
    client.force_login(lead)

    page = client.get(extend_url(subject_request)).content.decode()

    assert 'name="told_by"' not in page
    assert "requester is told at once by e-mail" in page
