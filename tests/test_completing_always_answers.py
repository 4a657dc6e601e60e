"""No request closes silently (GDPR Art. 12(3) and (4)): every path that closes a request with
an answer (completing, refusing wholly or partly, forwarding) gives the requester the
information on action taken in their language, on the status page with a "news" e-mail where
an address is known, and otherwise only with staff's record of how and when they told the
requester. The workflow's one door refuses to close a request that was not answered."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from requests_app.casework import notice, workflow
from requests_app.models import Event, Message, OutgoingEmail, Status
from tests.factories import make_request

LIST = "/admin/requests_app/request/"

#: Every way a request is closed with an answer, each through its workflow function.
CLOSINGS = {
    "complete": (lambda r, actor, **kw: workflow.complete(
        r, answer="Vi har gennemgået vores systemer.", actor=actor, **kw), Status.COMPLETED),
    "refuse": (lambda r, actor, **kw: workflow.refuse(
        r, ground="manifestly_unfounded", answer="Vi afviser.", actor=actor, **kw),
        Status.REFUSED),
    "refuse_partly": (lambda r, actor, **kw: workflow.refuse(
        r, ground="rights_of_others", answer="Delvist.", partly=True, actor=actor, **kw),
        Status.COMPLETED),
    "forward": (lambda r, actor, **kw: workflow.forward(
        r, controller_name="Kunde ApS", controller_contact="privacy@kunde.example",
        forwarded_by="portal", answer="Kunden er dataansvarlig.", actor=actor, **kw),
        Status.FORWARDED),
}


def answers_of(subject_request):
    return subject_request.messages.filter(direction=Message.Direction.TO_SUBJECT,
                                           purpose=Message.Purpose.ANSWER)


@pytest.mark.parametrize("path", CLOSINGS)
def test_every_closing_puts_the_answer_on_the_status_page_and_emails_the_news_in_the_requesters_language(  # noqa: E501
        org_no, lead, path, django_capture_on_commit_callbacks):
    subject_request = make_request(org_no, status=Status.IN_PROGRESS, language="da",
                                   subject_email="kunde@example.dk")
    close, closed_as = CLOSINGS[path]

    with django_capture_on_commit_callbacks(execute=True):
        close(subject_request, lead)

    subject_request.refresh_from_db()
    assert subject_request.status == closed_as
    assert answers_of(subject_request).count() == 1
    news = OutgoingEmail.objects.get(request=subject_request, kind="news")
    assert (news.to, news.language, news.state) == ("kunde@example.dk", "da",
                                                     OutgoingEmail.State.SENT)
    assert ["kunde@example.dk"] in [m.to for m in mail.outbox]
    assert not subject_request.events.filter(kind=Event.Kind.TOLD).exists()


@pytest.mark.parametrize("path", CLOSINGS)
def test_without_an_address_no_closing_happens_without_the_record_of_how_the_requester_was_told(
        org_no, lead, path):
    subject_request = make_request(org_no, status=Status.IN_PROGRESS, channel="phone",
                                   subject_email="", days_ago=2)
    close, _closed_as = CLOSINGS[path]

    with pytest.raises(ValidationError) as refused:
        close(subject_request, lead)

    assert "record how and when you told the requester" in " ".join(refused.value.messages)
    subject_request.refresh_from_db()
    assert subject_request.status == Status.IN_PROGRESS
    assert not subject_request.messages.exists()
    assert not OutgoingEmail.objects.filter(request=subject_request).exists()


@pytest.mark.parametrize("path", CLOSINGS)
def test_without_an_address_the_closing_keeps_the_record_and_the_log_says_how(
        org_no, lead, path, django_capture_on_commit_callbacks):
    subject_request = make_request(org_no, status=Status.IN_PROGRESS, channel="phone",
                                   subject_email="", days_ago=2)
    close, closed_as = CLOSINGS[path]
    told_at = timezone.now() - timedelta(hours=1)

    with django_capture_on_commit_callbacks(execute=True):
        close(subject_request, lead, told=notice.Told(by="phone", at=told_at))

    subject_request.refresh_from_db()
    assert subject_request.status == closed_as
    assert (subject_request.answer_told_by, subject_request.answer_told_at) == ("phone", told_at)
    assert answers_of(subject_request).count() == 1
    told = subject_request.events.get(kind=Event.Kind.TOLD)
    assert told.message.startswith("Told the requester of the answer by phone on ")
    assert not OutgoingEmail.objects.filter(request=subject_request).exclude(
        kind="forward-controller").exists()


def test_the_one_door_refuses_to_close_a_request_that_was_not_answered(org_no, handler):
    subject_request = make_request(org_no, status=Status.IN_PROGRESS)

    for target in (Status.COMPLETED, Status.REFUSED, Status.FORWARDED):
        with pytest.raises(workflow.IllegalTransition) as refused:
            workflow._move(subject_request, target, actor=handler)
        assert refused.value.messages == [
            "A request is closed only with an answer to the requester (GDPR Art. 12(3))."]

    subject_request.refresh_from_db()
    assert subject_request.status == Status.IN_PROGRESS


def test_the_one_door_refuses_an_answer_that_reached_no_one(org_no, handler):
    subject_request = make_request(org_no, status=Status.IN_PROGRESS, subject_email="")
    Message.objects.create(request=subject_request, direction=Message.Direction.TO_SUBJECT,
                           purpose=Message.Purpose.ANSWER, body="Svar nobody can read.")

    with pytest.raises(workflow.IllegalTransition):
        workflow._move(subject_request, Status.COMPLETED, actor=handler)


# --- The admin's Answer and complete page -----------------------------------------------------


def test_the_complete_page_asks_for_the_record_and_shows_the_refusal_beside_the_field(
        client, handler, org_no):
    subject_request = make_request(org_no, status=Status.IN_PROGRESS, subject_email="",
                                   days_ago=2)
    client.force_login(handler)
    url = f"{LIST}{subject_request.pk}/complete/"

    page = client.get(url).content.decode()
    response = client.post(url, {"body": "Svaret ble sendt i posten."})

    assert 'name="told_by"' in page and "record below how and when" in page
    assert response.status_code == 200
    assert "record how and when you told the requester" in " ".join(
        response.context["form"].errors["told_by"])
    subject_request.refresh_from_db()
    assert subject_request.status == Status.IN_PROGRESS


def test_the_complete_page_closes_with_the_record_and_says_how_the_requester_was_told(
        client, handler, org_no, django_capture_on_commit_callbacks):
    subject_request = make_request(org_no, status=Status.IN_PROGRESS, subject_email="",
                                   days_ago=2)
    client.force_login(handler)
    told = timezone.localtime() - timedelta(hours=2)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{LIST}{subject_request.pk}/complete/", {
            "body": "Svaret ble sendt i posten.", "told_by": "letter",
            "told_date": told.strftime("%Y-%m-%d"), "told_time": told.strftime("%H:%M")},
            follow=True)

    subject_request.refresh_from_db()
    assert subject_request.status == Status.COMPLETED
    assert subject_request.answer_told_by == "letter"
    message = " ".join(str(m) for m in response.context["messages"])
    assert "is completed" in message
    assert "Told the requester of the answer by letter on " in message
    assert "tell the requester by phone or letter" not in message
    page = client.get(f"{LIST}{subject_request.pk}/change/").content.decode()
    assert "Told of the answer by" in page and "Letter" in page


def test_the_ask_page_of_a_request_without_an_address_asks_for_no_record(client, handler,
                                                                         org_no):
    subject_request = make_request(org_no, status=Status.IN_PROGRESS, subject_email="")
    client.force_login(handler)

    page = client.get(f"{LIST}{subject_request.pk}/ask/").content.decode()

    assert 'name="told_by"' not in page
