"""The reports count the days from a request's arrival by e-mail, phone, letter or in person to
its registration by staff (issue #15): local dates, requests received in the period only,
never the web form nor test requests; the median and 90th percentile from the database's
histogram; on the page, in the CSV and in the XLSX."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from reports import figures
from reports.filters import Filters
from requests_app import intake
from requests_app.models import Channel
from tests.factories import make_request

OSLO = ZoneInfo("Europe/Oslo")


def at(*parts) -> datetime:
    return datetime(*parts, tzinfo=OSLO)


def register(org, handler, channel, received, registered):
    request, _token = intake.register_request(
        organisation=org, channel=channel, received_at=received, request_type="access",
        language="nb", subject_name="Kari Nordmann", subject_email="kari@example.no",
        relationship="customer", actor=handler, now=registered, send_receipt=False)
    return request


@pytest.fixture
def arrivals(org_no, handler):
    """E-mails registered 0, 2 (23:30 to 00:30 the day after next: one day in UTC, two
    where the organisation is) and 5 days after arrival; a phone call registered the next
    day; and what must not count."""
    register(org_no, handler, Channel.EMAIL, at(2024, 3, 4, 10, 0), at(2024, 3, 4, 15, 0))
    register(org_no, handler, Channel.EMAIL, at(2024, 3, 4, 23, 30), at(2024, 3, 6, 0, 30))
    register(org_no, handler, Channel.EMAIL, at(2024, 3, 8, 9, 0), at(2024, 3, 13, 9, 0))
    register(org_no, handler, Channel.PHONE, at(2024, 4, 1, 9, 0), at(2024, 4, 2, 8, 0))
    # Received before the period: not counted, though registered in it.
    register(org_no, handler, Channel.LETTER, at(2023, 12, 29, 9, 0), at(2024, 1, 3, 9, 0))
    # The web form registers itself: confirming a day later is not a registration delay.
    make_request(org_no, channel=Channel.WEB, received_at=at(2024, 5, 1, 9, 0),
                 confirmed_at=at(2024, 5, 4, 9, 0))
    # A test request is never counted.
    make_request(org_no, channel=Channel.EMAIL, is_test=True, received_at=at(2024, 5, 1, 9),
                 confirmed_at=at(2024, 5, 31, 9, 0))


def year_2024(org) -> Filters:
    return Filters(start=date(2024, 1, 1), end=date(2024, 12, 31), organisation_ids=(org.pk,),
                   organisation=org, organisation_zones=((org.pk, org.time_zone),))


def rows(org, **choices) -> dict[str, dict]:
    filters = Filters(**{**year_2024(org).__dict__, **choices})
    report = figures.TimeToRegister(filters, figures.Aggregates(filters))
    return {str(row["channel"]): row for row in report.rows()}


def test_days_from_arrival_to_registration_by_channel_in_local_dates(arrivals, org_no):
    found = rows(org_no)
    assert list(found) == ["E-mail", "Phone", "Letter", "In person", "All these channels"]
    assert found["E-mail"] == {"channel": "E-mail", "count": 3, "median": 2.0, "p90": 4.4}
    assert found["Phone"] == {"channel": "Phone", "count": 1, "median": 1.0, "p90": 1.0}
    assert found["Letter"]["count"] == 0 and found["Letter"]["median"] is None
    total = found["All these channels"]
    # Days 0, 1, 2, 5: the median between 1 and 2, the 90th percentile 2 + 0.7 × 3.
    assert (total["count"], total["median"], total["p90"]) == (4, 1.5, 4.1)


def test_a_channel_filter_keeps_only_its_row(arrivals, org_no):
    found = rows(org_no, channel=Channel.PHONE)
    assert list(found) == ["Phone", "All these channels"]
    assert found["All these channels"]["count"] == 1


def test_the_table_is_on_the_page_and_in_the_exports(arrivals, lead, client):
    client.force_login(lead)
    page = client.get("/staff/reports/", {"year": "2024"})
    assert page.status_code == 200
    table = {r.slug: r for r in page.context["reports"]}["time-to-register"]
    assert table.data[0]["count"] == 3
    assert 'id="table-time-to-register"' in page.content.decode()

    response = client.get("/staff/reports/export/time-to-register.csv", {"year": "2024"})
    assert response.status_code == 200
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert any(line[:2] == ["E-mail", "3"] for line in lines), lines

    response = client.get("/staff/reports/export/reports.xlsx", {"year": "2024"})
    book = load_workbook(io.BytesIO(response.content))
    sheet = book[str(figures.TimeToRegister.title)[:28]]
    assert list(sheet.iter_rows(values_only=True))[1][:3] == ("E-mail", 3, 2)
