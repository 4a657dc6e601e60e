"""A server that is down or refuses the login is shown to the admin and retried with
backoff; the messages wait on the server and are saved once it is back. The "test
connection" button says which step fails: DNS, TLS, sign-in or folder."""

from datetime import timedelta

import pytest
from django.utils import timezone

from requests_app.mailbox import fetch
from requests_app.models import IncomingMessage, Mailbox
from tests.imap_server import make_email


@pytest.mark.django_db
def test_a_server_that_is_down_is_recorded_retried_with_backoff_and_loses_nothing(
        mailbox, imap_server):
    imap_server.deliver(make_email())
    imap_server.stop()
    now = timezone.now()

    assert fetch.fetch(mailbox.pk, now=now) == 0
    assert fetch.fetch(mailbox.pk, now=now) == 0

    mailbox.refresh_from_db()
    assert mailbox.failures == 2
    assert "No IMAP server answered" in mailbox.last_error
    assert mailbox.next_fetch_at == now + timedelta(minutes=2)  # 1, 2, 4 ... minutes
    # The sweep leaves it alone until its backoff is over.
    assert fetch.sweep(now=now + timedelta(minutes=1)) == 0

    imap_server.start()
    assert fetch.fetch(mailbox.pk) == 1
    mailbox.refresh_from_db()
    assert (mailbox.failures, mailbox.last_error) == (0, "")
    assert mailbox.last_success_at is not None
    assert IncomingMessage.objects.count() == 1


def test_backoff_doubles_up_to_an_hour():
    assert [fetch.backoff(n) for n in (1, 2, 3, 7, 20)] == [
        timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4),
        timedelta(minutes=60), timedelta(hours=1)]


@pytest.mark.django_db
def test_a_refused_login_is_recorded_for_the_admin(mailbox, imap_server):
    imap_server.deliver(make_email())
    fetch.set_secret(mailbox, "password", "wrong")
    mailbox.save()

    fetch.fetch(mailbox.pk)

    mailbox.refresh_from_db()
    assert "refused the sign-in of privacy" in mailbox.last_error
    assert IncomingMessage.objects.count() == 0
    assert len(imap_server.uids()) == 1


@pytest.mark.django_db
def test_the_password_is_encrypted_at_rest(mailbox):
    from tests.imap_server import PASSWORD

    stored = bytes(Mailbox.objects.get().password_encrypted)
    assert PASSWORD.encode() not in stored
    assert fetch.secret(Mailbox.objects.get(), "password") == PASSWORD


def _result(steps):
    return [(step.name, step.ok) for step in steps]


@pytest.mark.django_db
def test_test_connection_says_which_step_fails(mailbox, imap_server):
    steps = fetch.test_connection(mailbox)
    assert all(step.ok for step in steps) and len(steps) == 4
    assert "0 message(s) in INBOX" in steps[-1].detail

    mailbox.folder = "Nowhere"
    steps = fetch.test_connection(mailbox)
    assert _result(steps)[-1] == ("Folder", False)
    assert "Nowhere" in steps[-1].detail

    mailbox.folder = "INBOX"
    fetch.set_secret(mailbox, "password", "wrong")
    steps = fetch.test_connection(mailbox)
    assert _result(steps) == [("Server name (DNS)", True), ("Connection and TLS", True),
                              ("Sign-in", False)]

    mailbox.security = Mailbox.Security.TLS  # TLS spoken to a plain-text port
    steps = fetch.test_connection(mailbox)
    assert _result(steps) == [("Server name (DNS)", True), ("Connection and TLS", False)]
    assert "TLS" in steps[-1].detail

    mailbox.host = "no-such-host.invalid"
    steps = fetch.test_connection(mailbox)
    assert _result(steps) == [("Server name (DNS)", False)]
    assert "no-such-host.invalid" in steps[0].detail
