"""A reply that carries a request's reference in its subject is attached to that request by
itself and shown in its conversation; an automatic message (auto-reply, list, bounce) is
never answered and never attached by itself."""

import pytest
from django.core import mail

from requests_app import tasks
from requests_app.mailbox import parse, triage
from requests_app.models import IncomingMessage, Request
from tests.imap_server import make_email


@pytest.mark.django_db
def test_a_reply_with_the_reference_is_attached_and_shown_in_the_conversation(
        client, handler, mailbox, imap_server, confirmed, django_capture_on_commit_callbacks):
    request, _status = confirmed()
    imap_server.deliver(make_email(subject=f"SV: Din forespørsel {request.reference}",
                                   body="Her er kopien av passet mitt."))
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        tasks.fetch_mailbox(mailbox.pk)

    message = IncomingMessage.objects.get()
    assert (message.state, message.request) == ("attached", request)
    assert request.messages.filter(direction="from_subject",
                                   body__contains="kopien av passet").exists()
    # Staff are told (in the organisation's language), the requester gets nothing.
    assert [m.subject for m in mail.outbox] == [
        f"Den registrerte har svart: forespørsel {request.reference}"]
    client.force_login(handler)
    page = client.get(f"/admin/requests_app/request/{request.pk}/change/").content.decode()
    assert "kopien av passet" in page
    # Run again: attached once.
    tasks.fetch_mailbox(mailbox.pk)
    assert request.messages.filter(direction="from_subject").count() == 1


@pytest.mark.django_db
def test_a_reference_of_another_organisation_is_not_attached(mailbox, imap_server, confirmed,
                                                              org_dk):
    other, _status = confirmed(org=org_dk)
    imap_server.deliver(make_email(subject=f"Re: {other.reference}"))

    tasks.fetch_mailbox(mailbox.pk)

    assert IncomingMessage.objects.get().state == "new"
    assert not other.messages.filter(direction="from_subject").exists()


@pytest.mark.parametrize("headers", [
    {"Auto-Submitted": "auto-replied"},
    {"Precedence": "bulk"},
    {"List-Id": "<nyheter.example.no>"},
    {"List-Unsubscribe": "<mailto:unsubscribe@example.no>"},
    {"Return-Path": "<>"},
])
def test_automatic_messages_are_recognised(headers):
    assert parse.parse(make_email(headers=headers)).automatic


def test_bounces_and_reports_are_recognised():
    assert parse.parse(make_email(sender="MAILER-DAEMON@mx.example.no")).automatic
    report = make_email().replace(b"Content-Type: text/plain",
                                  b"Content-Type: multipart/report; report-type=delivery-status;"
                                  b" boundary=x\r\nX-Old-Type: text/plain", 1)
    assert parse.parse(report).automatic == "multipart/report"
    assert parse.parse(make_email()).automatic == ""
    assert parse.parse(make_email(headers={"Auto-Submitted": "no"})).automatic == ""


@pytest.mark.django_db
def test_an_auto_reply_is_never_answered_nor_attached_by_itself(
        mailbox, imap_server, confirmed, handler, django_capture_on_commit_callbacks):
    request, _status = confirmed()
    imap_server.deliver(make_email(subject=f"Automatisk svar: {request.reference}",
                                   sender="Kari <kari@example.no>",
                                   headers={"Auto-Submitted": "auto-replied"}),
                        make_email(subject="Out of office: sletting",
                                   sender="Ola <ola@example.no>",
                                   headers={"Auto-Submitted": "auto-replied"}))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        tasks.fetch_mailbox(mailbox.pk)

    quoting, other = IncomingMessage.objects.order_by("uid")
    assert quoting.automatic.startswith("Auto-Submitted")
    assert quoting.state == "new"  # left for staff: it would bring a waiting request back
    assert not request.messages.filter(direction="from_subject").exists()
    assert mail.outbox == []

    # Even registered by staff, the machine that sent it gets no receipt.
    with django_capture_on_commit_callbacks(execute=True):
        created = triage.register(other, actor=handler, request_type="erasure", language="en",
                                  subject_name="Ola", subject_email="ola@example.no")
    assert Request.objects.filter(pk=created.pk, subject_email="ola@example.no").exists()
    assert [m for m in mail.outbox if "ola@example.no" in m.to] == []
