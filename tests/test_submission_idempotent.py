"""The same form sent twice (a double click, a resend after an error page) files one request
and sends one confirmation e-mail; forms opened separately file one request each."""

from __future__ import annotations

import html
import re
import threading

import pytest
from django.core import mail
from django.db import connection

from requests_app import intake
from requests_app.forms import read_stamp
from requests_app.models import OutgoingEmail, Request
from tests.support import TYPE_DETAILS, VALID


def opened_form(client, org, language="nb") -> dict:
    """What a browser sends back from the access form it opened: the typed fields and the
    hidden render stamp (with its submission token)."""
    page = client.get(f"/{language}/o/{org.slug}/access/").content.decode()
    stamp = re.search(r'name="rendered" value="([^"]+)"', page).group(1)
    return {**VALID, **TYPE_DETAILS["access"], "rendered": html.unescape(stamp)}


def post(client, org, data, capture):
    with capture(execute=True):
        return client.post(f"/nb/o/{org.slug}/access/", data)


def test_the_same_form_sent_twice_files_one_request_and_one_email(
        client, org_no, django_capture_on_commit_callbacks):
    data = opened_form(client, org_no)

    first = post(client, org_no, data, django_capture_on_commit_callbacks)
    second = post(client, org_no, data, django_capture_on_commit_callbacks)

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == f"/nb/o/{org_no.slug}/sent/"
    saved = Request.objects.get()
    assert saved.submission_token == read_stamp(data["rendered"])[1]
    assert OutgoingEmail.objects.filter(kind="confirm").count() == 1
    assert len(mail.outbox) == 1


def test_forms_opened_separately_file_a_request_each(client, org_no,
                                                     django_capture_on_commit_callbacks):
    for _ in range(2):
        post(client, org_no, opened_form(client, org_no), django_capture_on_commit_callbacks)

    assert Request.objects.count() == 2
    assert len(set(Request.objects.values_list("submission_token", flat=True))) == 2
    assert len(mail.outbox) == 2


def test_a_form_with_a_forged_stamp_is_filed_without_taking_another_forms_token(
        client, org_no, django_capture_on_commit_callbacks):
    data = {**opened_form(client, org_no), "rendered": "1.AAAAAAAAAAAAAAAAAAAAAA:forged"}

    post(client, org_no, data, django_capture_on_commit_callbacks)
    post(client, org_no, data, django_capture_on_commit_callbacks)

    # An unsigned stamp gets a fresh token each time: no idempotency, but no way either to
    # choose a token and hide another person's submission behind it.
    assert Request.objects.count() == 2
    assert not Request.objects.filter(submission_token="AAAAAAAAAAAAAAAAAAAAAA").exists()


@pytest.mark.django_db(transaction=True)
def test_two_copies_sent_at_the_same_moment_file_one_request(org_no):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time: nothing to race")
    start = threading.Barrier(2)
    saved = []

    def send():
        try:
            start.wait()
            saved.append(intake.submit_request(
                organisation=org_no, request_type="access", language="nb",
                subject_name="Kari", subject_email="kari@example.no", relationship="customer",
                submission_token="B" * 22))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(saved) == 2 and saved[0].pk == saved[1].pk
    assert Request.objects.count() == 1
    assert OutgoingEmail.objects.filter(kind="confirm").count() == 1
