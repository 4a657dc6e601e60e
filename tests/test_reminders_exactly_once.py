"""Exactly once under real concurrency: two sweeps at the same moment on PostgreSQL, and a
worker killed in the middle of a reminder on Redis."""

import os
import signal
import threading
import time
from datetime import timedelta

import pytest
from django.db import close_old_connections, connection, connections
from django.utils import timezone

from requests_app.clock import reminders
from requests_app.models import Membership, OutgoingEmail, Reminder, Status
from tests.factories import make_request
from tests.services import require_postgres_and_redis
from tests.worker import running_worker, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def overdue(org_no, handler):
    """Ten open requests whose reminders are all due now."""
    handler.email = "handler@testfirma.example"
    handler.save()
    rows = [make_request(org_no, assignee=handler, status=Status.IN_PROGRESS, days_ago=27)
            for _ in range(10)]
    for row in rows:
        reminders.reschedule(row)
    return rows


def test_two_sweeps_at_once_send_one_email_per_reminder(overdue, settings):
    require_postgres_and_redis()
    barrier = threading.Barrier(2)
    counts = []

    def sweep():
        try:
            barrier.wait()
            counts.append(reminders.sweep())
            # The queued tasks run eagerly in this thread; run them once more as if a second
            # beat had queued them too.
            for row in overdue:
                reminders.process(row.pk)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sum(counts) == len(overdue)  # the lease: each request queued by one sweep only
    sent = Reminder.objects.filter(skipped=False)
    assert sent.count() == len(overdue)
    assert OutgoingEmail.objects.filter(kind="reminder").count() == len(overdue)
    assert OutgoingEmail.objects.filter(kind="reminder", state="sent").count() == len(overdue)


def test_a_worker_killed_mid_reminder_still_sends_it_once(org_no, handler):
    require_postgres_and_redis()
    handler.email = "handler@testfirma.example"
    handler.save()
    Membership.objects.filter(user=handler).update(language="en")
    row = make_request(org_no, assignee=handler, status=Status.IN_PROGRESS, days_ago=27)
    reminders.reschedule(row)
    env = {"BROKER_VISIBILITY_TIMEOUT": "3"}

    with running_worker(extra_env=env, start=False) as first:
        # Queue the task, then hold the request's row lock so the worker blocks inside it.
        assert reminders.sweep(now=timezone.now() + timedelta(seconds=1)) == 1
        blocker = connections.create_connection("default")
        blocker.set_autocommit(False)
        with blocker.cursor() as cursor:
            cursor.execute("SELECT id FROM requests_app_request WHERE id = %s FOR UPDATE",
                           [row.pk])
        try:
            first.start()

            def blocked():
                with connection.cursor() as cursor:
                    # The worker's session waits on our row lock.
                    cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname ="
                                   " current_database() AND wait_event_type = 'Lock'")
                    return cursor.fetchone()[0] > 0

            wait_for(blocked, process=first.process, timeout=30)
            os.kill(first.process.pid, signal.SIGKILL)  # mid-task: the message was never acked
            first.process.wait(timeout=10)
        finally:
            blocker.rollback()
            blocker.close()
    close_old_connections()
    assert not Reminder.objects.exists()

    time.sleep(4)  # past the visibility timeout: Redis gives the message to the next worker
    with running_worker(extra_env=env) as second:
        wait_for(lambda: OutgoingEmail.objects.filter(kind="reminder", state="sent").exists(),
                 process=second.process, timeout=60)
        time.sleep(2)  # anything sent twice would show up now

    assert Reminder.objects.filter(skipped=False).count() == 1
    assert OutgoingEmail.objects.filter(kind="reminder").count() == 1
