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
