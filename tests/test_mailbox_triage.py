"""Staff triage the privacy mailbox in the admin: each e-mail is made a request (received
when it arrived, GDPR Art. 12(3), with the same receipt as a web request), attached to one,
or marked not a request, with one click each; only members of the organisation see it."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from requests_app import deadlines
from requests_app.mailbox import fetch, triage
from requests_app.models import Attachment, IncomingMessage, Message, Request
from tests.imap_server import make_email

PDF = b"%PDF-1.4 identity document"


@pytest.fixture
def arrived(mailbox, imap_server):
    """One e-mail, arrived five days ago, fetched into triage."""
    when = (timezone.now() - timedelta(days=5)).replace(microsecond=0)
    imap_server.deliver(make_email(
        subject="Sletting", body="Hei, jeg vil at dere sletter alt om meg.\nKari",
        html="<p>Hei, jeg vil at dere <b>sletter</b> alt om meg.</p><script>x()</script>",
        attachments=[("legitimasjon.pdf", "application/pdf", PDF),
                     ("virus.exe", "application/octet-stream", b"MZ...")]),
        when=when)
    fetch.fetch(mailbox.pk)
    return IncomingMessage.objects.get()


def _url(message, step=""):
    base = f"/admin/requests_app/incomingmessage/{message.pk}/"
    return base + (f"{step}/" if step else "change/")


@pytest.mark.django_db
def test_the_triage_page_shows_the_sanitised_message_and_the_clock(client, handler, arrived):
    client.force_login(handler)

    page = client.get(_url(arrived)).content.decode()

    assert "<b>sletter</b>" in page
    assert "<script>x()" not in page
    assert "5 days of the time limit are already gone" in page
    assert "legitimasjon.pdf" in page and "kept with the request" in page
    assert "virus.exe" in page and "type not accepted" in page
    assert 'value="erasure" selected' in page  # the suggested type
    assert 'value="kari@example.no"' in page  # prefilled
    listing = client.get("/admin/requests_app/incomingmessage/").content.decode()
    assert "Sletting" in listing


@pytest.mark.django_db
def test_registering_an_email_starts_the_clock_at_its_arrival_and_sends_the_receipt(
        client, handler, arrived, django_capture_on_commit_callbacks):
    client.force_login(handler)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url(arrived, "register"), {
            "request_type": "erasure", "subject_name": "Kari Nordmann",
            "subject_email": "kari@example.no", "language": "nb", "relationship": "other"})

    request = Request.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/admin/requests_app/request/{request.pk}/change/"
    assert request.channel == "email"
    assert request.received_at == arrived.received_at
    assert request.due_date == deadlines.due_date(arrived.received_at, "NO",
                                                  zone="Europe/Oslo")
    assert request.status == "new"
    arrived.refresh_from_db()
    assert (arrived.state, arrived.request, arrived.decided_by) == ("registered", request,
                                                                    handler)
    receipt = [m for m in mail.outbox if m.to == ["kari@example.no"]]
    assert len(receipt) == 1 and request.reference in receipt[0].subject
    assert "/status/" in receipt[0].body
    message = Message.objects.get(request=request)
    assert "sletter alt om meg" in message.body
    assert [a.original_name for a in Attachment.objects.filter(request=request)] == [
        "legitimasjon.pdf"]
    # One click: the second is refused, nothing is registered twice.
    client.post(_url(arrived, "register"), {
        "request_type": "erasure", "subject_name": "Kari Nordmann",
        "subject_email": "kari@example.no", "language": "nb", "relationship": "other"})
    assert Request.objects.count() == 1


@pytest.mark.django_db
def test_an_email_is_attached_to_a_request_by_its_reference(client, handler, arrived,
                                                            confirmed):
    existing, _status = confirmed()
    client.force_login(handler)

    response = client.post(_url(arrived, "attach"), {"reference": existing.reference.lower()})

    assert response.status_code == 302
    arrived.refresh_from_db()
    assert (arrived.state, arrived.request) == ("attached", existing)
    assert existing.messages.filter(direction="from_subject",
                                    body__contains="sletter alt om meg").exists()


@pytest.mark.django_db
def test_not_a_request_is_one_click_and_leaves_the_queue(client, handler, arrived):
    client.force_login(handler)

    client.post(_url(arrived, "dismiss"))

    arrived.refresh_from_db()
    assert arrived.state == "not_request" and arrived.decided_by == handler
    assert "Sletting" not in client.get("/admin/requests_app/incomingmessage/").content.decode()
    assert Request.objects.count() == 0


@pytest.mark.django_db
def test_staff_of_another_organisation_see_nothing_of_the_mailbox(client, outsider, arrived):
    client.force_login(outsider)

    assert "Sletting" not in client.get(
        "/admin/requests_app/incomingmessage/?state=all").content.decode()
    assert client.get(_url(arrived)).status_code == 404
    assert client.post(_url(arrived, "dismiss")).status_code == 404
    arrived.refresh_from_db()
    assert arrived.state == "new"
    assert client.get(f"/admin/requests_app/mailbox/{arrived.mailbox_id}/change/"
                      ).status_code in (403, 404)


@pytest.mark.django_db
def test_the_queue_lists_many_messages_in_few_queries(client, handler, mailbox,
                                                      django_assert_max_num_queries):
    for uid in range(1, 31):
        fetch.save_message(mailbox, uidvalidity=1, uid=uid, raw=make_email(subject=f"S{uid}"),
                           arrival=datetime(2026, 12, 1, tzinfo=UTC), size=100)
    client.force_login(handler)
    with django_assert_max_num_queries(15):
        response = client.get("/admin/requests_app/incomingmessage/")
    assert response.content.decode().count("S1") >= 1


@pytest.mark.django_db
def test_staff_open_a_permitted_attachment_before_they_decide(client, handler, arrived):
    client.force_login(handler)
    shown_pdf = next(part for part in triage.show(arrived).kept
                     if part.filename == "legitimasjon.pdf")

    page = client.get(_url(arrived)).content.decode()
    response = client.get(_url(arrived, f"file/{shown_pdf.index}"))

    assert _url(arrived, f"file/{shown_pdf.index}") in page
    assert response.status_code == 200
    assert response.content == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "legitimasjon.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    arrived.refresh_from_db()
    assert arrived.state == IncomingMessage.State.NEW  # opening decides nothing


@pytest.mark.django_db
def test_an_attachment_that_would_not_be_kept_cannot_be_opened(client, handler, arrived):
    client.force_login(handler)
    [(exe, _reason)] = triage.show(arrived).refused

    page = client.get(_url(arrived)).content.decode()

    assert _url(arrived, f"file/{exe.index}") not in page
    assert client.get(_url(arrived, f"file/{exe.index}")).status_code == 404
    assert client.get(_url(arrived, "file/999")).status_code == 404


@pytest.mark.django_db
def test_staff_of_another_organisation_cannot_open_its_attachments(client, outsider, arrived):
    client.force_login(outsider)
    [pdf] = triage.show(arrived).kept

    assert client.get(_url(arrived, f"file/{pdf.index}")).status_code == 404
