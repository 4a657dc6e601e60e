"""PostgreSQL restarted, and down for a few seconds, while people send the form: nobody gets
a bare 500 page, every form answered normally is saved exactly once, and a form answered 503
comes back with what was typed, so that sending it again is one click and still files one
request.

The test runs its own PostgreSQL cluster (never the machine's) and the portal under gunicorn
with the production settings; ``bench/scenarios/faults.py`` does the same at a larger scale.
"""

from __future__ import annotations

import html
import threading
import time
from collections import Counter

import psycopg
import pytest

from bench.servers import (
    FormClient,
    Portal,
    PostgresCluster,
    Scratch,
    Sent,
    access_form,
    portal_env,
    prepare_database,
    stamp_token,
    submit_under_load,
)
from tests.support import require_programs

FORM = "/nb/o/fault-org/access/"


@pytest.fixture
def cluster():
    require_programs("initdb")
    scratch = Scratch("portal-pg-fault-")
    (scratch.path / "pg").mkdir()
    cluster = PostgresCluster(scratch.path / "pg")
    try:
        cluster.init()
        cluster.start()
        cluster.create_database()
        yield cluster, scratch.path
    finally:
        cluster.stop()
        scratch.remove()


def saved_tokens(cluster: PostgresCluster) -> Counter:
    with psycopg.connect(cluster.url().replace("postgres://", "postgresql://")) as conn:
        rows = conn.execute("SELECT submission_token FROM requests_app_request").fetchall()
    return Counter(token for (token,) in rows)


def test_a_restart_under_load_answers_no_500_and_saves_each_form_exactly_once(cluster):
    cluster, folder = cluster
    env = portal_env(database_url=cluster.url(), redis_url="", var_dir=folder / "var",
                     DATABASE_RETRY_WAIT_SECONDS="1")
    prepare_database(env)

    with Portal(env, folder / "web.log", workers=2) as web:
        # One more person fills in the form while the database is up and sends it while it
        # is down: whatever the timing of the load, one form meets the outage (503).
        late = FormClient(web.port)
        _page, hidden = late.open_form(FORM)
        late_form = {**hidden, **access_form("Sen Sender", "sen@example.no")}
        late_answers = []

        def faults():
            time.sleep(2)
            cluster.restart()  # gone for well under a second: the retry covers it
            time.sleep(3)
            # Then down, as in a fail-over, for 3 s or until the late form is answered if
            # that takes longer: longer than the retry waits, so 503 pages.
            cluster.halt()
            began = time.monotonic()
            late_answers.append(late.request("POST", FORM, late_form))
            time.sleep(max(0.0, began + 3 - time.monotonic()))
            cluster.start()

        thread = threading.Thread(target=faults)
        thread.start()
        sent, gets = submit_under_load(web.port, FORM, threads=4, seconds=12)
        thread.join()
        sent.append(Sent(stamp_token(late_form["rendered"]), late_form, late_answers[0], late))
        # The person in front of each 503 page presses the button again, once: the page
        # carries the same form (its token too).
        time.sleep(1)
        resent = []
        for form in (s for s in sent if s.answer.status == 503):
            again = {name: html.unescape(form.answer.hidden(name))
                     for name in ("csrfmiddlewaretoken", "rendered")}
            resent.append((form, form.client.request("POST", FORM, {**form.form, **again})))
    statuses = Counter(s.answer.status for s in sent)
    log = (folder / "web.log").read_text()
    print(f"form GETs {dict(gets)}; POSTs {dict(statuses)}; resent after 503: {len(resent)}; "
          f"retries {log.count('trying request_form once more')}")

    assert late_answers[0].status == 503
    assert sent and statuses[302] > 0
    assert "trying request_form once more" in log  # the restart hit requests in flight
    assert set(gets) <= {200, 503} and set(statuses) <= {302, 503}, (gets, statuses)
    for form in (s for s in sent if s.answer.status == 503):
        assert form.answer.headers["retry-after"].isdigit()
        assert form.form["subject_name"] in form.answer.body
        assert form.form["subject_email"] in form.answer.body
        assert stamp_token(html.unescape(form.answer.hidden("rendered"))) == form.token
    assert all(answer.status == 302 for _form, answer in resent), \
        [answer.status for _form, answer in resent]

    saved = saved_tokens(cluster)
    answered = {s.token for s in sent}
    assert all(count == 1 for count in saved.values())
    assert set(saved) == answered  # every form sent is saved once, nothing else is
