"""A real Celery worker killed (SIGKILL) in the middle of a fetch of many messages loses
none of them, and the fetch after it saves each of the rest once."""

import signal

import pytest

from requests_app import jobs
from requests_app.mailbox import fetch, parse
from requests_app.models import IncomingMessage, Mailbox
from tests.imap_server import make_email
from tests.worker import running_worker, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

COUNT = 300
BODY = "Jeg ber om innsyn i alt dere har om meg.\n" * 50


def test_a_worker_killed_mid_fetch_loses_nothing_and_the_next_fetch_saves_no_duplicate(
        mailbox, imap_server):
    imap_server.deliver(*[make_email(subject=f"Innsyn {i}", body=BODY)
                          for i in range(COUNT)])

    # One message per round trip, so the kill lands in the middle of the fetch.
    with running_worker(extra_env={"MAILBOX_FETCH_BATCH": "1"}) as worker:
        assert jobs.publish("requests_app.tasks.fetch_mailbox", mailbox.pk)
        wait_for(lambda: IncomingMessage.objects.count() >= 20, timeout=60,
                 process=worker.process)
        worker.process.send_signal(signal.SIGKILL)
        worker.process.wait(15)
    saved_before = IncomingMessage.objects.count()
    assert 20 <= saved_before < COUNT, "the worker finished before it was killed"
    # Every saved message is whole, and the marker never passed an unsaved one.
    last_uid = Mailbox.objects.get().last_uid
    assert last_uid == IncomingMessage.objects.order_by("-uid").first().uid
    assert set(IncomingMessage.objects.values_list("uid", flat=True)) == set(
        range(1, last_uid + 1))

    assert fetch.fetch(mailbox.pk) == COUNT - saved_before

    assert IncomingMessage.objects.count() == COUNT
    assert IncomingMessage.objects.values("uid").distinct().count() == COUNT
    assert sorted(IncomingMessage.objects.values_list("uid", flat=True)) == imap_server.uids()
    assert all(parse.parse(fetch.raw_message(m)).text == BODY
               for m in IncomingMessage.objects.all())
