"""E-mail left untouched in triage reminds the organisation's contacts exactly once;
messages marked "not a request" are deleted after the organisation's period, and the raw
e-mails of a request follow its retention."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from requests_app import retention
from requests_app.mailbox import fetch, triage
from requests_app.models import IncomingMessage
from tests.imap_server import make_email


def _save(mailbox, uid, **fields):
    fetch.save_message(mailbox, uidvalidity=1, uid=uid, raw=make_email(subject=f"Innsyn {uid}"),
                       arrival=datetime(2026, 12, 1, 9, tzinfo=UTC), size=100)
    message = IncomingMessage.objects.get(uid=uid)
    IncomingMessage.objects.filter(pk=message.pk).update(**fields)
    message.refresh_from_db()
    return message


@pytest.mark.django_db
def test_untouched_mail_reminds_the_contacts_exactly_once(
        settings, org_no, handler, lead, django_capture_on_commit_callbacks):
    from requests_app.models import Mailbox

    mailbox = Mailbox.objects.create(organisation=org_no, host="localhost", username="x")
    now = timezone.now()
    _save(mailbox, 1, created_at=now - timedelta(hours=30))
    _save(mailbox, 2, created_at=now - timedelta(hours=25))
    _save(mailbox, 3, created_at=now - timedelta(hours=2))  # not yet
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert triage.remind_untouched(now=now) == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert triage.remind_untouched(now=now + timedelta(minutes=5)) == 0

    # The members with an address (the handler has none), one e-mail each.
    assert sorted(m.to[0] for m in mail.outbox) == [lead.email]
    # In the lead's language: "2 e-poster venter i sorteringen (<organisation>)".
    assert all(m.subject.startswith("2 ") and org_no.name in m.subject for m in mail.outbox)


@pytest.mark.django_db
def test_not_a_request_is_deleted_after_the_organisations_period(org_no, handler):
    from requests_app.models import Mailbox

    mailbox = Mailbox.objects.create(organisation=org_no, host="localhost", username="x",
                                     not_request_days=10)
    message = _save(mailbox, 1)
    kept = _save(mailbox, 2)
    triage.dismiss(message, actor=handler)
    now = timezone.now()

    assert triage.purge(now=now + timedelta(days=9)) == 0
    assert triage.purge(now=now + timedelta(days=11)) == 1
    assert list(IncomingMessage.objects.all()) == [kept]  # one waiting in triage stays


@pytest.mark.django_db
def test_a_requests_raw_emails_follow_its_retention(org_no, handler, confirmed):
    from requests_app.models import Mailbox

    request, _status = confirmed()
    mailbox = Mailbox.objects.create(organisation=org_no, host="localhost", username="x")
    message = _save(mailbox, 1)
    triage.attach(message, request=request, actor=handler)
    closed = timezone.now() - timedelta(days=4 * 365)
    type(request).objects.filter(pk=request.pk).update(status="completed", closed_at=closed)

    retention.run()

    message.refresh_from_db()
    assert bytes(message.raw_encrypted) == b""
    assert message.raw_deleted_at is not None
    assert (message.sender_email, message.subject) == ("", "")
    assert fetch.raw_message(message) == b""
