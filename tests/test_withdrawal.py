"""A requester withdraws a request: staff record it through ``workflow.withdraw``, which says
how, closes the request without an answer (nothing was decided), stops its reminders, and is
refused to anyone who may not work in the organisation."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from requests_app import access
from requests_app.casework import workflow
from requests_app.models import Event, Status
from tests.factories import make_request


def test_staff_record_a_withdrawal_with_how_it_was_said(org_no, handler):
    request = make_request(org_no, status=Status.IN_PROGRESS, next_reminder_at=timezone.now())

    workflow.withdraw(request, how="The requester phoned: the matter is settled.",
                      actor=handler)

    request.refresh_from_db()
    assert request.status == Status.WITHDRAWN
    assert request.closed_at is not None
    assert request.next_reminder_at is None
    move = request.events.get(kind=Event.Kind.STATUS_CHANGED, to_value=Status.WITHDRAWN)
    assert move.actor == handler
    assert "phoned" in move.message


def test_a_withdrawal_says_how_the_requester_withdrew(org_no, handler):
    request = make_request(org_no, status=Status.NEW)

    with pytest.raises(ValidationError):
        workflow.withdraw(request, how="  ", actor=handler)

    request.refresh_from_db()
    assert request.status == Status.NEW


def test_a_closed_request_cannot_be_withdrawn(org_no, handler):
    request = make_request(org_no, status=Status.COMPLETED)

    with pytest.raises(workflow.IllegalTransition):
        workflow.withdraw(request, how="Too late.", actor=handler)


def test_another_organisations_staff_cannot_withdraw_a_request(org_no, outsider):
    request = make_request(org_no, status=Status.IN_PROGRESS)

    with pytest.raises(access.NotAllowed):
        workflow.withdraw(request, how="Settled.", actor=outsider)

    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS


# --- The admin's Withdrawal page ---------------------------------------------------------------

LIST = "/admin/requests_app/request/"


def test_the_request_page_offers_the_withdrawal_only_while_it_is_open(client, handler, org_no):
    open_request = make_request(org_no, status=Status.WAITING_FOR_SUBJECT)
    closed = make_request(org_no, status=Status.COMPLETED)
    client.force_login(handler)

    assert f"{LIST}{open_request.pk}/withdraw/" in client.get(
        f"{LIST}{open_request.pk}/change/").content.decode()
    assert "/withdraw/" not in client.get(f"{LIST}{closed.pk}/change/").content.decode()


def test_staff_record_a_withdrawal_on_its_page(client, handler, org_no):
    request = make_request(org_no, status=Status.IN_PROGRESS, next_reminder_at=timezone.now())
    client.force_login(handler)
    url = f"{LIST}{request.pk}/withdraw/"

    assert client.get(url).status_code == 200
    response = client.post(url, {"how": "E-mail of 3 December: the matter is settled."})

    assert response.status_code == 302
    assert response["Location"] == f"{LIST}{request.pk}/change/"
    request.refresh_from_db()
    assert request.status == Status.WITHDRAWN
    assert request.next_reminder_at is None
    move = request.events.get(kind=Event.Kind.STATUS_CHANGED, to_value=Status.WITHDRAWN)
    assert move.actor == handler
    assert move.message == "E-mail of 3 December: the matter is settled."
    assert not request.messages.exists()  # nothing is answered


def test_the_withdrawal_page_refuses_without_saying_how(client, handler, org_no):
    request = make_request(org_no, status=Status.NEW)
    client.force_login(handler)

    blank = client.post(f"{LIST}{request.pk}/withdraw/", {"how": "   "})
    empty = client.post(f"{LIST}{request.pk}/withdraw/", {})

    for response in (blank, empty):
        assert response.status_code == 200
        assert response.context["form"].errors["how"]
    request.refresh_from_db()
    assert request.status == Status.NEW


def test_a_request_closed_meanwhile_is_not_withdrawn_from_its_page(client, handler, org_no):
    request = make_request(org_no, status=Status.COMPLETED)
    client.force_login(handler)

    response = client.post(f"{LIST}{request.pk}/withdraw/", {"how": "Settled by phone."})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    request.refresh_from_db()
    assert request.status == Status.COMPLETED


def test_another_organisations_staff_get_no_withdrawal_page(client, outsider, org_no):
    request = make_request(org_no, status=Status.IN_PROGRESS)
    client.force_login(outsider)

    assert client.get(f"{LIST}{request.pk}/withdraw/").status_code == 404
    assert client.post(f"{LIST}{request.pk}/withdraw/",
                       {"how": "Settled."}).status_code == 404
    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS
