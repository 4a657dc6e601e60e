"""A subject files a request, confirms the address, and lands on the status page."""

import pytest
from django.core import mail

from requests_app import deadlines
from requests_app.models import Event, OutgoingEmail, Request, Status
from tests.support import TYPE_DETAILS, link_in


@pytest.mark.parametrize("request_type", sorted(TYPE_DETAILS))
def test_each_type_is_saved_awaiting_confirmation_with_its_details(submit, org_no,
                                                                    request_type):
    response = submit(org_no, request_type)

    assert response.status_code == 302
    assert response["Location"] == f"/nb/o/{org_no.slug}/sent/"
    saved = Request.objects.get()
    assert saved.type == request_type
    assert saved.status == Status.AWAITING_CONFIRMATION
    assert saved.due_date is None
    expected = {k: v for k, v in TYPE_DETAILS[request_type].items() if v}
    assert saved.details == expected
    assert saved.events.first().kind == Event.Kind.CREATED


def test_the_confirmation_email_goes_out_in_the_language_of_the_form(submit, org_no):
    submit(org_no, "erasure", language="da")

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["kari@example.no"]
    assert "Bekræft" in message.subject
    assert "/da/confirm/" in message.body
    assert Request.objects.get().language == "da"


def test_the_sent_page_says_to_check_the_email_and_reveals_no_reference(submit, client, org_no):
    response = client.get(submit(org_no)["Location"])

    saved = Request.objects.get()
    assert response.status_code == 200
    assert "Sjekk e-posten din" in response.content.decode()
    assert saved.reference not in response.content.decode()


def test_confirming_puts_the_request_in_the_queue_with_the_legal_due_date(confirmed):
    subject_request, status_path = confirmed("access")

    assert subject_request.status == Status.NEW
    assert subject_request.confirmed_at is not None
    assert subject_request.due_date == deadlines.due_date(subject_request.received_at, "NO")
    kinds = list(subject_request.events.exclude(kind=Event.Kind.EMAIL_SENT)
                 .values_list("kind", flat=True))
    assert kinds[:4] == [Event.Kind.CREATED, Event.Kind.EMAIL_CONFIRMED, Event.Kind.DUE_DATE_SET,
                         Event.Kind.STATUS_CHANGED]
    assert status_path.startswith("/nb/status/")


def test_the_receipt_email_has_reference_due_date_and_status_link(confirmed, client):
    subject_request, status_path = confirmed("access")

    receipt = mail.outbox[-1]
    assert subject_request.reference in receipt.subject
    assert subject_request.reference in receipt.body
    assert link_in(receipt.body, "status") == status_path
    day = subject_request.due_date
    assert f"{day.day}. " in receipt.body and str(day.year) in receipt.body


def test_the_status_page_shows_reference_status_due_date_and_timeline(confirmed, client):
    subject_request, status_path = confirmed("access")

    page = client.get(status_path)

    html = page.content.decode()
    assert page.status_code == 200
    assert subject_request.reference in html
    assert "Ny" in html  # the status, in Norwegian
    assert str(subject_request.due_date.year) in html
    assert page["Cache-Control"] == "no-store"
    assert page["Referrer-Policy"] == "same-origin"  # the link never leaves the site


def test_only_the_hash_of_the_status_token_is_stored(confirmed):
    subject_request, status_path = confirmed()

    token = status_path.rstrip("/").rsplit("/", 1)[1]
    assert subject_request.status_token_hash == Request.hash_token(token)
    assert token not in subject_request.status_token_hash
    for email in OutgoingEmail.objects.all():
        assert token not in email.body_text + email.body_html + email.secret_url


def test_the_confirmation_link_only_shows_a_button_on_get(submit, client, org_no):
    submit(org_no)
    response = client.get(link_in(mail.outbox[0].body, "confirm"))

    assert response.status_code == 200
    assert Request.objects.get().status == Status.AWAITING_CONFIRMATION
    assert 'method="post"' in response.content.decode()


def test_confirming_twice_keeps_the_first_confirmation(confirmed, client):
    subject_request, _ = confirmed()
    confirm_path = link_in(mail.outbox[0].body, "confirm")

    again = client.post(confirm_path)

    assert again.status_code == 200
    assert "bekreftet" in again.content.decode().lower()
    subject_request.refresh_from_db()
    assert subject_request.events.filter(kind=Event.Kind.EMAIL_CONFIRMED).count() == 1


@pytest.mark.parametrize("path", [
    "/nb/status/not-a-real-token/",
    "/nb/status/" + "a" * 43 + "/",
    "/nb/confirm/K7Q-4MZP-2XWD:1abcde:forged/",
    "/nb/confirm/garbage/",
])
def test_wrong_tokens_give_a_plain_404(client, db, path):
    response = client.get(path)

    assert response.status_code == 404
