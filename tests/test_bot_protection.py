"""A honeypot, a minimum fill time and a per-IP rate limit keep bots out of the queue."""

from django.core import mail

from requests_app.models import Request
from tests.support import TYPE_DETAILS, VALID


def test_a_filled_honeypot_is_dropped_silently(submit, org_no):
    response = submit(org_no, website="http://spam.example")

    assert response.status_code == 302  # the bot sees the normal page
    assert Request.objects.count() == 0
    assert mail.outbox == []


def test_a_form_sent_back_too_fast_is_shown_again_with_what_was_typed(client, org_no, settings):
    settings.INTAKE_MIN_FILL_SECONDS = 30
    page = client.get(f"/en/o/{org_no.slug}/access/").content.decode()
    rendered = page.split('name="rendered" value="')[1].split('"')[0]

    response = client.post(f"/en/o/{org_no.slug}/access/",
                           {**VALID, "scope": "", "rendered": rendered})

    assert response.status_code == 400
    assert "That was very quick" in response.content.decode()
    assert 'value="Kari Nordmann"' in response.content.decode()
    assert Request.objects.count() == 0


def test_a_forged_render_time_counts_as_too_fast(client, org_no, settings):
    settings.INTAKE_MIN_FILL_SECONDS = 3

    response = client.post(f"/en/o/{org_no.slug}/access/",
                           {**VALID, "scope": "", "rendered": "0:forged"})

    assert response.status_code == 400
    assert Request.objects.count() == 0


def test_submissions_from_one_address_are_rate_limited(client, org_no, settings):
    settings.INTAKE_RATE_LIMIT = "3/h"
    data = {**VALID, **TYPE_DETAILS["access"]}
    url = f"/en/o/{org_no.slug}/access/"

    statuses = [client.post(url, data).status_code for _ in range(4)]
    other_ip = client.post(url, data, REMOTE_ADDR="192.0.2.7").status_code

    assert statuses == [302, 302, 302, 429]
    assert other_ip == 302
    assert Request.objects.count() == 4
    assert client.get(url).status_code == 200  # reading the form is never limited
