"""The public form rides over a lost database connection: it is retried once, transparently;
a commit that went through before the connection died is not filed twice; and when the
retry fails too, the person gets the form back (503, ``Retry-After``) with what they typed.

The connection is really ended, by ``pg_terminate_backend`` from a second connection, as a
PostgreSQL restart or fail-over ends it.
"""

from __future__ import annotations

import html
import re
from unittest import mock

import psycopg
import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection, connections, transaction
from django.utils import translation
from django.utils.translation import gettext

from requests_app import events, intake
from requests_app.casework import workflow
from requests_app.models import Message, OutgoingEmail, Request
from requests_app.views.resilience import retried_once
from tests.support import TYPE_DETAILS, VALID

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _postgres_only(settings):
    if connection.vendor != "postgresql":
        pytest.skip("ends a PostgreSQL backend")
    settings.DATABASE_RETRY_WAIT_SECONDS = 0


def end_our_connection() -> None:
    """End this thread's database session from another connection, as a restart does."""
    pid = connection.connection.info.backend_pid
    db = connection.settings_dict
    with psycopg.connect(host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"],
                         password=db["PASSWORD"] or None, dbname=db["NAME"],
                         autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


def opened_form(client, org) -> dict:
    page = client.get(f"/nb/o/{org.slug}/access/").content.decode()
    stamp = re.search(r'name="rendered" value="([^"]+)"', page).group(1)
    return {**VALID, **TYPE_DETAILS["access"], "rendered": html.unescape(stamp)}


def send(client, org, data):
    return client.post(f"/nb/o/{org.slug}/access/", data)


def test_a_connection_lost_before_the_commit_is_retried_once_transparently(
        client, org_no, monkeypatch, caplog):
    data = opened_form(client, org_no)
    record, calls = events.record, []

    def record_after_losing_the_connection(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:  # inside the submission's transaction, after its INSERT
            end_our_connection()
        return record(*args, **kwargs)

    monkeypatch.setattr(events, "record", record_after_losing_the_connection)

    response = send(client, org_no, data)

    assert response.status_code == 302
    assert response["Location"] == f"/nb/o/{org_no.slug}/sent/"
    # The first run rolled back, the second saved.
    assert "trying request_form once more" in caplog.text
    assert Request.objects.count() == 1
    assert OutgoingEmail.objects.filter(kind="confirm").count() == 1


def test_a_commit_that_went_through_before_the_connection_died_is_not_filed_twice(
        client, org_no, monkeypatch):
    data = opened_form(client, org_no)
    submit, calls = intake.submit_request, []

    def commit_then_lose_the_connection(**kwargs):
        calls.append(1)
        saved = submit(**kwargs)
        if len(calls) == 1:  # committed; the answer never reaches the view
            end_our_connection()
            Request.objects.exists()
        return saved

    monkeypatch.setattr(intake, "submit_request", commit_then_lose_the_connection)

    response = send(client, org_no, data)

    assert response.status_code == 302
    assert len(calls) == 2
    assert Request.objects.count() == 1
    assert OutgoingEmail.objects.filter(kind="confirm").count() == 1
    assert len(mail.outbox) == 1


def test_when_the_retry_fails_too_the_form_comes_back_with_what_was_typed(
        client, org_no, monkeypatch):
    data = opened_form(client, org_no)
    record = events.record

    def record_never(*args, **kwargs):
        end_our_connection()
        return record(*args, **kwargs)

    monkeypatch.setattr(events, "record", record_never)

    response = send(client, org_no, data)

    body = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"].isdigit()
    assert '<html lang="nb">' in body
    with translation.override("nb"):
        assert html.escape(gettext("Your request could not be sent just now"), quote=False) \
            in body
    assert VALID["subject_name"] in body and VALID["subject_email"] in body
    assert VALID["description"] in body
    assert f'value="{html.escape(data["rendered"])}"' in body  # the same submission token
    assert "Traceback" not in body
    assert Request.objects.count() == 0

    # The database is back: one click sends the form from the page again.
    monkeypatch.setattr(events, "record", record)
    again = {**data, "csrfmiddlewaretoken": re.search(
        r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)}
    assert send(client, org_no, again).status_code == 302
    assert send(client, org_no, again).status_code == 302
    assert Request.objects.count() == 1
    assert OutgoingEmail.objects.filter(kind="confirm").count() == 1


def test_opening_the_form_while_the_database_is_down_answers_the_plain_503_page(
        client, org_no, monkeypatch):
    client.raise_request_exception = False
    with mock.patch.object(connections["default"], "ensure_connection", side_effect=(
            OperationalError("connection to server failed: Connection refused"))):
        connection.close()
        response = client.get(f"/da/o/{org_no.slug}/access/")

    assert response.status_code == 503
    assert response["Retry-After"].isdigit()
    assert '<html lang="da">' in response.content.decode()
    assert 'name="subject_name"' not in response.content.decode()  # no empty form with errors


def test_confirming_survives_a_lost_connection(client, org_no, monkeypatch, caplog):
    client.post(f"/nb/o/{org_no.slug}/access/", opened_form(client, org_no))
    confirm_path = re.search(r"https?://[^/\s]+(/nb/confirm/[^\s<\"]+)",
                             mail.outbox[-1].body).group(1)
    record, calls = events.record, []

    def record_after_losing_the_connection(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            end_our_connection()
        return record(*args, **kwargs)

    monkeypatch.setattr(events, "record", record_after_losing_the_connection)

    response = client.post(confirm_path)

    assert response.status_code == 302 and "/nb/status/" in response["Location"]
    assert "trying confirm once more" in caplog.text
    assert Request.objects.get().confirmed_at is not None
    assert OutgoingEmail.objects.filter(kind="receipt").count() == 1


def test_an_answer_on_the_status_page_is_not_retried_and_comes_back_as_written(
        confirmed, client, monkeypatch):
    subject_request, status_path = confirmed()
    reply, calls = workflow.subject_replied, []

    def reply_after_losing_the_connection(*args, **kwargs):
        calls.append(1)
        end_our_connection()
        return reply(*args, **kwargs)

    monkeypatch.setattr(workflow, "subject_replied", reply_after_losing_the_connection)
    pdf = SimpleUploadedFile("passport.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n%%EOF\n",
                             content_type="application/pdf")

    response = client.post(status_path, {"body": "Her er kopien du ba om.", "files": [pdf]})

    body = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"].isdigit()
    assert calls == [1]  # saving an answer twice would post it twice: no retry
    assert "Her er kopien du ba om." in body
    assert 'data-testid="files-lost"' in body
    assert '<html lang="nb">' in body and "Traceback" not in body
    assert not Message.objects.filter(request=subject_request).exists()


def test_no_retry_inside_a_transaction_of_the_caller(org_no):
    runs = []

    @retried_once(on_failure=lambda request: "unavailable")
    def view(request):
        runs.append(1)
        raise OperationalError("server closed the connection unexpectedly")

    with pytest.raises(OperationalError), transaction.atomic():
        view(None)
    assert runs == [1]
