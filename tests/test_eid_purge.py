"""The verified name and the subject's keyed hash are personal data: the purge erases them
with the rest of the request (Art. 5(1)(e)); the log keeps that a verification was made,
which never held the name or the identifier."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from requests_app import retention
from requests_app.casework import workflow
from requests_app.identity import broker, configuration, verification
from requests_app.models import Event, IdentityVerification, Status

pytestmark = pytest.mark.django_db


def test_the_purge_erases_the_verification_and_keeps_the_event(confirmed, org_no, handler):
    eid = configuration.configure(org_no, actor=None, issuer="https://broker.example",
                                  client_id="c", client_secret="s", methods=["dk_mitid"],
                                  level="substantial", discover=False)
    subject_request, _path = confirmed("access")
    workflow.ask_subject(subject_request, body="Hvem er du?", purpose="identity",
                         actor=handler)
    verification.record(subject_request, broker.Identity(
        subject="sub-123", name="Kari Nordmann", method="dk_mitid", level="high"), eid=eid)
    subject_request.refresh_from_db()
    assert subject_request.status == Status.IDENTITY_CHECK
    assert IdentityVerification.objects.filter(request=subject_request).exists()

    assert retention.purge_request(subject_request.pk)
    assert not IdentityVerification.objects.filter(request=subject_request).exists()
    logged = Event.objects.get(request=subject_request, kind=Event.Kind.IDENTITY_VERIFIED)
    assert "Kari" not in f"{logged.from_value} {logged.to_value} {logged.message}"
    assert "sub-123" not in f"{logged.from_value} {logged.to_value} {logged.message}"


def test_a_closed_request_takes_no_verification(confirmed, org_no, handler):
    eid = configuration.configure(org_no, actor=None, issuer="https://broker.example",
                                  client_id="c", client_secret="s", methods=["dk_mitid"],
                                  level="substantial", discover=False)
    subject_request, _path = confirmed("access")
    subject_request.status = Status.WITHDRAWN
    subject_request.save()
    with pytest.raises(ValidationError):
        verification.record(subject_request, broker.Identity(
            subject="s", name="Kari", method="dk_mitid", level="high"), eid=eid)
    assert not IdentityVerification.objects.exists()
