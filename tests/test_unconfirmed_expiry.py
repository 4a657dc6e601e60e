"""Requests whose e-mail address is never confirmed expire with their link and are deleted."""

from datetime import timedelta

import time_machine
from django.core import mail
from django.utils import timezone

from requests_app import intake
from requests_app.models import OutgoingEmail, Request, Status
from requests_app.tasks import delete_expired_unconfirmed
from tests.factories import make_request
from tests.support import link_in


def test_an_unconfirmed_request_is_deleted_after_the_configured_days(submit, org_no, settings):
    settings.UNCONFIRMED_REQUEST_TTL_DAYS = 3
    submit(org_no)
    confirmed = make_request(org_no, status=Status.NEW)

    with time_machine.travel(timezone.now() + timedelta(days=2, hours=23)):
        assert delete_expired_unconfirmed() == 0
    with time_machine.travel(timezone.now() + timedelta(days=3, minutes=1)):
        deleted = delete_expired_unconfirmed()

    assert deleted > 0
    assert list(Request.objects.all()) == [confirmed]
    assert OutgoingEmail.objects.count() == 0


def test_the_confirmation_link_expires_with_the_request(submit, client, org_no, settings):
    settings.UNCONFIRMED_REQUEST_TTL_DAYS = 3
    submit(org_no)
    confirm_path = link_in(mail.outbox[0].body, "confirm")

    with time_machine.travel(timezone.now() + timedelta(days=3, minutes=1)):
        response = client.post(confirm_path)

    assert response.status_code == 404
    assert Request.objects.get().status == Status.AWAITING_CONFIRMATION


def test_the_ttl_is_configurable(submit, org_no, settings):
    settings.UNCONFIRMED_REQUEST_TTL_DAYS = 7
    submit(org_no)

    with time_machine.travel(timezone.now() + timedelta(days=5)):
        assert intake.delete_expired_unconfirmed() == 0
    assert Request.objects.count() == 1
