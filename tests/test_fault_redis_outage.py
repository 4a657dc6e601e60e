"""Redis stopped while people use the public side: it is the broker and the cache (the rate
limits) at once, as in production and ``docker-compose.yml``. Every form is answered
normally and saved, confirming and the status page work, and the e-mails that waited in the
outbox go out once Redis is back.

The test runs its own redis-server (never the machine's), the portal under gunicorn with the
production settings and a real Celery worker with beat, on the test database.
"""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.db.models import F

from bench.servers import (
    FormClient,
    Portal,
    RedisServer,
    Scratch,
    Worker,
    access_form,
    portal_env,
)
from requests_app.models import OutgoingEmail, Request
from tests.support import require_programs
from tests.worker import _database_url, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

SENT, PENDING = OutgoingEmail.State.SENT, OutgoingEmail.State.PENDING


@pytest.fixture
def scratch():
    require_programs("redis")
    scratch = Scratch("portal-redis-fault-")
    yield scratch.path
    scratch.remove()


def send_form(port: int, path: str, n: int) -> None:
    """One person opens the form, sends it and sees "check your e-mail"."""
    client = FormClient(port)
    page, hidden = client.open_form(path)
    assert page.status == 200
    answer = client.request("POST", path, {**hidden, **access_form(f"Person {n}",
                                                                  f"p{n}@example.no")})
    assert answer.status == 302, answer.body[:300]
    assert answer.headers["location"].endswith("/sent/")
    assert client.request("GET", answer.headers["location"]).status == 200


def confirm_and_open_status(port: int, confirm_path: str) -> None:
    client = FormClient(port)
    page = client.request("GET", confirm_path)
    assert page.status == 200
    answer = client.request("POST", confirm_path,
                            {"csrfmiddlewaretoken": page.hidden("csrfmiddlewaretoken")})
    assert answer.status == 302, answer.body[:300]
    assert "/status/" in answer.headers["location"]
    assert client.request("GET", answer.headers["location"]).status == 200


def test_with_redis_down_forms_are_answered_and_saved_and_mailed_when_it_is_back(
        scratch, org_no):
    redis = RedisServer(scratch)
    redis.start()
    env = portal_env(database_url=_database_url(), redis_url=redis.url(),
                     var_dir=scratch / "var", OUTBOX_DRAIN_SECONDS="1")
    form = f"/nb/o/{org_no.slug}/access/"
    try:
        with Portal(env, scratch / "web.log") as web, Worker(env, scratch) as worker:
            for n in range(3):
                send_form(web.port, form, n)
            wait_for(lambda: OutgoingEmail.objects.filter(state=SENT).count() == 3,
                     timeout=40, process=worker.proc)
            confirm_path = re.search(r"https?://[^/\s]+(/nb/confirm/[^\s<\"]+)", html.unescape(
                next((scratch / "var" / "mail").iterdir()).read_text())).group(1)

            redis.stop()
            for n in range(3, 8):
                send_form(web.port, form, n)
            confirm_and_open_status(web.port, confirm_path)

            assert Request.objects.count() == 8
            # The five confirmations and the receipt wait in the outbox.
            assert OutgoingEmail.objects.filter(state=PENDING).count() == 6

            redis.start()
            # Beat's drain takes the rows that waited 30 s or more; age them instead of
            # waiting (the drain's own timing is tests/test_outbox.py's).
            OutgoingEmail.objects.filter(state=PENDING).update(
                created_at=F("created_at") - timedelta(minutes=1))
            wait_for(lambda: OutgoingEmail.objects.filter(state=SENT).count() == 9,
                     timeout=45, process=worker.proc)
    finally:
        redis.stop()

    log = (scratch / "web.log").read_text()
    assert " 500 " not in log
    # One line per web process when the cache went away, not one per request.
    assert 1 <= log.count("Redis cache unreachable") <= 2
    assert OutgoingEmail.objects.filter(state=SENT, kind="confirm").count() == 8
