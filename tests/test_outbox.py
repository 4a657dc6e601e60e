"""E-mails are written to the outbox first, so a broker that is down loses nothing."""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from portal.celery import app as celery_app
from requests_app import jobs, notifications
from requests_app.models import Event, OutgoingEmail, Request
from tests.support import link_in

DEAD_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@contextmanager
def dead_broker():
    """Point Celery at a broker that refuses connections, and stop running tasks eagerly."""
    saved = celery_app.conf.broker_url, celery_app.conf.task_always_eager
    celery_app.conf.broker_url, celery_app.conf.task_always_eager = DEAD_BROKER, False
    celery_app._after_fork()  # drop pooled connections to the configured broker
    try:
        yield
    finally:
        celery_app.conf.broker_url, celery_app.conf.task_always_eager = saved
        celery_app._after_fork()


@pytest.fixture
def broker_down():
    with dead_broker():
        yield


def test_a_submission_while_the_broker_is_down_is_saved_and_looks_normal(broker_down, submit,
                                                                         client, org_no):
    response = submit(org_no, "access")

    assert response.status_code == 302
    assert response["Location"].endswith("/sent/")
    assert client.get(response["Location"]).status_code == 200
    assert Request.objects.count() == 1
    email = OutgoingEmail.objects.get()
    assert email.state == OutgoingEmail.State.PENDING
    assert mail.outbox == []


def test_the_drain_sends_what_waited_once_the_broker_is_back(submit, org_no, client):
    with dead_broker():
        submit(org_no, "access")
    assert mail.outbox == []

    queued = notifications.drain_outbox(older_than_seconds=0)

    assert queued == 1
    assert len(mail.outbox) == 1
    assert "/nb/confirm/" in mail.outbox[0].body
    assert OutgoingEmail.objects.get().state == OutgoingEmail.State.SENT
    # The link from the late e-mail works.
    assert client.get(link_in(mail.outbox[0].body, "confirm")).status_code == 200


def test_an_email_queued_twice_is_sent_once(submit, org_no):
    submit(org_no, "access")
    email = OutgoingEmail.objects.get()

    assert notifications.deliver(email.pk) is False  # sent already when it was queued
    assert len(mail.outbox) == 1
    assert Request.objects.get().events.filter(kind=Event.Kind.EMAIL_SENT).count() == 1


def test_a_claimed_email_is_not_sent_by_a_second_worker(db, org_no):
    subject_request = Request.objects.create(
        reference="AAA-AAAA-AAAA", organisation=org_no, type="access", language="en",
        subject_name="A", subject_email="a@example.com", relationship="customer")
    with transaction.atomic():
        email = notifications.confirmation_email(subject_request, "http://x/en/confirm/t/")
    OutgoingEmail.objects.filter(pk=email.pk).update(state=OutgoingEmail.State.PENDING,
                                                     sent_at=None)
    mail.outbox.clear()
    # A first worker holds the claim (and is still sending).
    OutgoingEmail.objects.filter(pk=email.pk).update(
        claimed_until=timezone.now() + timedelta(minutes=5))

    assert notifications.deliver(email.pk) is False
    assert notifications.pending_ids(older_than_seconds=0) == []
    assert mail.outbox == []


def test_nothing_is_queued_while_held_not_even_by_a_commit_hook(
        db, org_no, django_capture_on_commit_callbacks):
    """The demo's history delivers each e-mail as it writes it and holds the queue."""
    subject_request = Request.objects.create(
        reference="AAA-AAAA-AAAB", organisation=org_no, type="access", language="en",
        subject_name="A", subject_email="a@example.com", relationship="customer")
    with jobs.held(), django_capture_on_commit_callbacks(execute=True) as hooks:
        email = notifications.confirmation_email(subject_request, "http://x/en/confirm/t/")

    assert len(hooks) == 1  # the hook ran, inside the block
    assert mail.outbox == []
    assert OutgoingEmail.objects.get(pk=email.pk).state == OutgoingEmail.State.PENDING
    # Outside it, the same row is queued (and, eagerly here, sent).
    assert notifications.enqueue(email.pk) is True
    assert len(mail.outbox) == 1


def test_the_stored_email_keeps_no_working_secret_link_after_sending(submit, org_no):
    submit(org_no, "access")

    email = OutgoingEmail.objects.get()
    confirm_path = link_in(mail.outbox[0].body, "confirm")
    assert email.state == OutgoingEmail.State.SENT
    assert confirm_path not in email.body_text
    assert confirm_path not in email.body_html
    assert email.secret_url == ""
    assert notifications.REDACTED in email.body_text


def test_a_failing_mail_server_leaves_the_email_pending_for_a_retry(db, org_no, settings):
    settings.EMAIL_BACKEND = "tests.failing_email_backend.EmailBackend"
    subject_request = Request.objects.create(
        reference="BBB-BBBB-BBBB", organisation=org_no, type="access", language="en",
        subject_name="B", subject_email="b@example.com", relationship="customer")
    email = notifications.confirmation_email(subject_request, "http://x/en/confirm/t/")

    with pytest.raises(ConnectionRefusedError):
        notifications.deliver(email.pk)

    email.refresh_from_db()
    assert email.state == OutgoingEmail.State.PENDING
    assert email.attempts == 1
    assert "ConnectionRefusedError" in email.last_error
    assert email.claimed_until is None
