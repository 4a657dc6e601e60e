"""A verification ends the identity pause (Art. 12(6)) at once, through the workflow's one
door: the days waited are added to the due date where the organisation pauses the clock,
exactly as when the requester answers in writing."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from requests_app.casework import workflow
from requests_app.identity import broker, configuration, verification
from requests_app.models import Event, Status

pytestmark = pytest.mark.django_db

KARI = broker.Identity(subject="sub-1", name="Kari Nordmann", method="no_bankid",
                       level="substantial")


def test_the_days_waited_for_identity_are_added_when_the_requester_verifies(
        confirmed, org_no, handler):
    org_no.pause_clock_while_waiting = True
    org_no.save()
    eid = configuration.configure(org_no, actor=None, issuer="https://broker.example",
                                  client_id="c", client_secret="s", methods=["no_bankid"],
                                  level="substantial", discover=False)
    subject_request, _path = confirmed("access")
    statutory = subject_request.due_date
    workflow.ask_subject(subject_request, body="Hvem er du?", purpose="identity",
                         actor=handler)
    with time_machine.travel(timezone.now() + timedelta(days=5)):
        verification.record(subject_request, KARI, eid=eid)
    subject_request.refresh_from_db()
    assert subject_request.status == Status.IDENTITY_CHECK
    assert subject_request.waiting_since is None
    assert subject_request.paused_days == 5
    assert subject_request.due_date > statutory
    resumed = subject_request.events.get(kind=Event.Kind.CLOCK_RESUMED)
    assert resumed.actor is None and resumed.actor_label == "subject"


def test_a_verification_while_a_clarification_is_pending_leaves_the_request_waiting(
        confirmed, org_no, handler):
    eid = configuration.configure(org_no, actor=None, issuer="https://broker.example",
                                  client_id="c", client_secret="s", methods=["no_bankid"],
                                  level="substantial", discover=False,
                                  advance_when_verified=True)
    subject_request, _path = confirmed("access")
    workflow.ask_subject(subject_request, body="Hva mener du?", purpose="clarification",
                         actor=handler)
    verification.record(subject_request, KARI, eid=eid)
    subject_request.refresh_from_db()
    assert subject_request.status == Status.WAITING_FOR_SUBJECT  # the question still stands
