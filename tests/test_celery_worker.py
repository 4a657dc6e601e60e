"""A real Celery worker process, on the configured broker (Redis in CI), sends the e-mails."""

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection

from requests_app.models import Event, OutgoingEmail, Request
from tests.support import VALID
from tests.worker import running_worker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_real_worker_sends_the_confirmation_email_of_a_submission(client, org_no):
    with running_worker() as worker:
        response = client.post(f"/en/o/{org_no.slug}/access/", {**VALID, "scope": ""})
        assert response.status_code == 302

        def sent():
            return OutgoingEmail.objects.filter(state=OutgoingEmail.State.SENT).exists()

        wait_for(sent, process=worker.process)

    subject_request = Request.objects.get()
    email = OutgoingEmail.objects.get()
    assert email.kind == "confirm"
    assert email.attempts == 1
    assert subject_request.events.filter(kind=Event.Kind.EMAIL_SENT).count() == 1
    # It was the worker process that sent it, not this one.
    assert mail.outbox == []


def test_the_suite_uses_the_configured_services_in_ci():
    """CI sets DATABASE_URL and REDIS_URL; this proves the run really used both."""
    import os

    if os.environ.get("CI") != "true":
        pytest.skip("only meaningful where CI sets DATABASE_URL and REDIS_URL")
    assert connection.vendor == "postgresql"
    assert settings.CELERY_BROKER_URL.startswith("redis://")
