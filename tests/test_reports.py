"""Reports for compliance leads (issue #7): the numbers, who sees them, and the files.

The data set is built with known dates and outcomes in two organisations (Norway and
Denmark), including the legal clock's holiday edges: a due date moved past Easter Monday (NO),
Ascension Day (DK) and a weekend, a request closed just after midnight local time (still the
due date in UTC, but late where the organisation is), a request received at 23:30 on New
Year's Eve (local December, and one received 00:30 on New Year's Day, local January). "Now"
is 20 January 2025.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import zlib
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.db.models import Aggregate, FloatField
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from reports import expressions, figures, querysets
from reports import filters as report_filters
from requests_app import csvfiles, deadlines
from requests_app.models import Membership, Organisation, RefusalGround, Request, Status
from tests.factories import make_request

OSLO, COPENHAGEN = ZoneInfo("Europe/Oslo"), ZoneInfo("Europe/Copenhagen")
NOW = datetime(2025, 1, 20, 12, 0, tzinfo=UTC)
URL = "/staff/reports/"


def at(zone, *parts) -> datetime:
    return datetime(*parts, tzinfo=zone)


def closed_request(org, received, closed, *, status=Status.COMPLETED, extended=None, **fields):
    """A closed request with the due date the legal clock gives (three months if
    ``extended`` names the reason)."""
    due = deadlines.due_date(received, org.country, extended=bool(extended))
    if extended:
        fields.update(extended_at=received + timedelta(days=10), extension_reason=extended)
    return make_request(org, status=status, received_at=received, closed_at=closed,
                        due_date=due, statutory_due_date=due, **fields)


@pytest.fixture
def lead_dk(make_staff, org_dk):
    return make_staff("lead_dk", org_dk, Membership.Role.COMPLIANCE_LEAD)


@pytest.fixture
def login(client):
    """``force_login`` that also passes django-otp's second factor. tests/otp_login.py does
    this already; this fixture makes sure of it if that plugin is not loaded."""

    def _login(user):
        client.force_login(user)
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_static.models import StaticDevice

        session = client.session
        if DEVICE_ID_SESSION_KEY not in session:
            device, _ = StaticDevice.objects.get_or_create(user=user, name="test reports",
                                                           defaults={"confirmed": True})
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
        return client

    return _login


@pytest.fixture
def data(org_no, org_dk, handler):
    """The known requests. Names are N1… (Norway) and D1… (Denmark)."""
    r = {}
    # N1: due 1 Apr 2024 is Easter Monday → 2 Apr; closed 23:30 Oslo on 2 Apr: on time.
    r["N1"] = closed_request(org_no, at(OSLO, 2024, 3, 1, 10), at(OSLO, 2024, 4, 2, 23, 30))
    # N2: same due date; closed 00:30 Oslo on 3 Apr (= 2 Apr 22:30 UTC): late.
    r["N2"] = closed_request(org_no, at(OSLO, 2024, 3, 1, 10), at(OSLO, 2024, 4, 3, 0, 30),
                             channel="email")
    # N3, N4: extended to three months; N3 on time, N4 late.
    r["N3"] = closed_request(org_no, at(OSLO, 2024, 5, 2, 9), at(OSLO, 2024, 7, 15, 12),
                             type="erasure", extended="complexity", channel="letter",
                             relationship="employee")
    r["N4"] = closed_request(org_no, at(OSLO, 2024, 6, 3, 9), at(OSLO, 2024, 9, 10, 12),
                             type="erasure", extended="number_of_requests")
    # N5: refused as manifestly unfounded; N6: an objection partly refused.
    r["N5"] = closed_request(org_no, at(OSLO, 2024, 2, 5, 9), at(OSLO, 2024, 2, 20, 12),
                             status=Status.REFUSED, refusal_ground="manifestly_unfounded")
    r["N6"] = closed_request(org_no, at(OSLO, 2024, 6, 10, 9), at(OSLO, 2024, 6, 25, 12),
                             type="objection", partly_refused=True,
                             refusal_ground="objection_compelling", relationship="newsletter")
    # N7: forwarded to the controller.
    r["N7"] = closed_request(org_no, at(OSLO, 2024, 4, 10, 9), at(OSLO, 2024, 4, 12, 12),
                             status=Status.FORWARDED, forwarded_to_name="Kunde AS",
                             channel="phone")
    # N8: completed, then its personal data erased.
    r["N8"] = closed_request(org_no, at(OSLO, 2024, 1, 15, 9), at(OSLO, 2024, 2, 1, 12),
                             type="rectification")
    Request.objects.filter(pk=r["N8"].pk).update(
        purged_at=at(OSLO, 2024, 10, 1, 3), subject_name="", subject_email="",
        subject_phone="", description="", details={})
    # N9: withdrawn: closed, not answered.
    r["N9"] = closed_request(org_no, at(OSLO, 2024, 7, 1, 9), at(OSLO, 2024, 7, 3, 12),
                             status=Status.WITHDRAWN)
    # N10: received in 2023; due 20 Jan 2024 is a Saturday → Monday 22 Jan; closed then.
    r["N10"] = closed_request(org_no, at(OSLO, 2023, 12, 20, 9), at(OSLO, 2024, 1, 22, 15))
    # Open: N11 overdue (assigned), N12 overdue (nobody), N14a/b not yet due.
    r["N11"] = make_request(org_no, status=Status.IN_PROGRESS, assignee=handler,
                            received_at=at(OSLO, 2024, 10, 1, 9))
    r["N12"] = make_request(org_no, status=Status.NEW, type="erasure",
                            received_at=at(OSLO, 2024, 11, 10, 9))
    r["N14a"] = make_request(org_no, received_at=at(OSLO, 2024, 12, 31, 23, 30))
    r["N14b"] = make_request(org_no, received_at=at(OSLO, 2025, 1, 1, 0, 30))
    # N13: never confirmed: counts nowhere.
    r["N13"] = make_request(org_no, status=Status.AWAITING_CONFIRMATION,
                            received_at=at(OSLO, 2024, 5, 5, 9))
    # D1: due 9 May 2024 is Ascension Day → 10 May; closed that day: on time.
    r["D1"] = closed_request(org_dk, at(COPENHAGEN, 2024, 4, 9, 10),
                             at(COPENHAGEN, 2024, 5, 10, 16), channel="phone")
    # D2: 26 Apr 2024 was Store Bededag until 2023, a working day since: closed 29 Apr, late.
    r["D2"] = closed_request(org_dk, at(COPENHAGEN, 2024, 3, 26, 10),
                             at(COPENHAGEN, 2024, 4, 29, 10))
    # D3: due 1 Jan 2025 (New Year's Day) → 2 Jan; still waiting: overdue.
    r["D3"] = make_request(org_dk, status=Status.WAITING_FOR_SUBJECT,
                           received_at=at(COPENHAGEN, 2024, 12, 1, 10))
    return r


def test_the_data_set_has_the_holiday_edges(data):
    assert data["N1"].due_date == date(2024, 4, 2)  # Easter Monday skipped (NO)
    assert data["N10"].due_date == date(2024, 1, 22)  # a weekend skipped
    assert data["D1"].due_date == date(2024, 5, 10)  # Ascension Day skipped (DK)
    assert data["D2"].due_date == date(2024, 4, 26)  # no Store Bededag in 2024 (DK)
    assert data["D3"].due_date == date(2025, 1, 2)  # New Year's Day skipped
    assert data["N3"].due_date == date(2024, 8, 2)  # three months when extended
    assert data["N2"].closed_at.astimezone(UTC).date() == data["N2"].due_date  # UTC: on time


def build(user, **query):
    form = report_filters.ReportFilterForm({"year": "2024", **query}, user=user, now=NOW)
    assert form.is_valid(), form.errors
    return {report.slug: report for report in figures.build(form.filters())}


def rows_by(report, key):
    return {str(row[key]): row for row in report.data}


# --- The numbers ----------------------------------------------------------------------------


def test_received_per_month_by_type(data, lead):
    report = build(lead)["received"]
    months = {row["month"]: row for row in report.data if not row.get("_total")}
    assert len(months) == 12
    assert months[date(2024, 1, 1)]["rectification"] == 1
    assert months[date(2024, 3, 1)]["access"] == 2
    assert months[date(2024, 6, 1)]["erasure"] == 1
    assert months[date(2024, 6, 1)]["objection"] == 1
    assert months[date(2024, 8, 1)]["total"] == 0
    # 23:30 on New Year's Eve in Oslo is December, though 22:30 UTC; 00:30 on 1 January is not
    # in 2024 at all, though still 2024 in UTC.
    assert months[date(2024, 12, 1)]["total"] == 1
    total = report.data[-1]
    assert total["_total"]
    assert (total["total"], total["access"], total["erasure"], total["objection"],
            total["rectification"]) == (12, 7, 3, 1, 1)


def test_open_by_status(data, lead):
    rows = rows_by(build(lead)["open"], "status")
    assert (rows["New"]["open"], rows["New"]["overdue"]) == (3, 1)
    assert (rows["In progress"]["open"], rows["In progress"]["overdue"]) == (1, 1)
    assert rows["Waiting for the requester"]["open"] == 0
    assert (rows["Total"]["open"], rows["Total"]["overdue"]) == (4, 2)


def test_on_time_with_and_without_extension(data, lead):
    rows = rows_by(build(lead)["on-time"], "type")
    total = rows["All types"]
    # Closed in 2024: N1–N10 (10); answered: all but the withdrawn N9 (9). Late: N2, N4.
    assert (total["answered"], total["on_time"], total["rate"]) == (9, 7, 77.8)
    assert (total["plain_answered"], total["plain_on_time"], total["plain_rate"]) == (7, 6, 85.7)
    assert (total["extended_answered"], total["extended_on_time"],
            total["extended_rate"]) == (2, 1, 50.0)
    access = rows["Access to my data"]
    assert (access["answered"], access["on_time"], access["rate"]) == (5, 4, 80.0)
    assert access["extended_rate"] is None
    erasure = rows["Erasure of my data"]
    assert (erasure["extended_answered"], erasure["extended_on_time"]) == (2, 1)
    assert rows["Restriction of processing"]["rate"] is None


def test_on_time_trend_per_month_of_closing(data, lead):
    months = {row["month"]: row for row in build(lead)["on-time-trend"].data}
    assert (months[date(2024, 1, 1)]["answered"], months[date(2024, 1, 1)]["rate"]) == (1, 100)
    assert months[date(2024, 2, 1)]["on_time"] == 2
    april = months[date(2024, 4, 1)]  # N1 on time, N2 late (local 3 April), N7 on time
    assert (april["answered"], april["on_time"], april["late"], april["rate"]) == (3, 2, 1, 66.7)
    assert (months[date(2024, 9, 1)]["answered"], months[date(2024, 9, 1)]["rate"]) == (1, 0)
    assert months[date(2024, 3, 1)]["rate"] is None
    total = build(lead)["on-time-trend"].data[-1]
    assert (total["answered"], total["on_time"], total["late"], total["rate"]) == (9, 7, 2, 77.8)


def test_time_to_close_median_and_90th_percentile(data, lead):
    rows = rows_by(build(lead)["time-to-close"], "type")
    # Access: 2, 15, 32, 33, 33 days (N7, N5, N1, N2, N10).
    assert rows["Access to my data"] | {} == {
        "type": "Access to my data", "answered": 5, "median": 32, "p90": 33}
    # Erasure: 74 and 99 days: interpolated.
    assert (rows["Erasure of my data"]["median"], rows["Erasure of my data"]["p90"]) == (
        86.5, 96.5)
    assert (rows["Correction of my data"]["median"], rows["Objection to processing"]["p90"]) == (
        17, 15)
    assert rows["Restriction of processing"]["median"] is None
    # All nine: 2, 15, 15, 17, 32, 33, 33, 74, 99.
    assert (rows["All types"]["answered"], rows["All types"]["median"],
            rows["All types"]["p90"]) == (9, 32, 79.0)


def test_overdue_now_with_days_and_assignee(data, lead):
    report = build(lead)["overdue"]
    assert [row["reference"] for row in report.data] == [data["N11"].reference,
                                                          data["N12"].reference]
    first, second = report.data
    assert (first["days_overdue"], first["assignee"], first["due"]) == (
        80, "handler", date(2024, 11, 1))
    assert (second["days_overdue"], second["assignee"]) == (41, "Nobody")
    assert first["reference_url"] == f"/admin/requests_app/request/{data['N11'].pk}/change/"
    assert report.count == 2 and report.more == 0


def test_overdue_on_the_page_is_capped(data, lead, monkeypatch):
    monkeypatch.setattr(figures.Overdue, "limit", 1)
    report = build(lead)["overdue"]
    assert len(report.data) == 1 and report.count == 2 and report.more == 1


def test_extensions_and_refusals_with_reasons_and_grounds(data, lead):
    built = build(lead)
    extensions = rows_by(built["extensions"], "reason")
    assert (extensions["The request is complex"]["count"],
            extensions["The request is complex"]["share"]) == (1, 10.0)
    assert extensions["The requester has made many requests"]["count"] == 1
    assert (extensions["Extended, in all"]["count"],
            extensions["Extended, in all"]["share"]) == (2, 20.0)
    assert extensions["Requests closed"]["count"] == 10
    refusals = rows_by(built["refusals"], "ground")
    unfounded = refusals["Manifestly unfounded (Art. 12(5))"]
    assert (unfounded["wholly"], unfounded["partly"], unfounded["share"]) == (1, 0, 10.0)
    compelling = refusals["Objection: compelling legitimate grounds or legal claims (Art. 21(1))"]
    assert (compelling["wholly"], compelling["partly"]) == (0, 1)
    assert (refusals["Refused, in all"]["count"], refusals["Refused, in all"]["share"]) == (
        2, 20.0)


def test_outcomes_by_type_count_forwarded_withdrawn_and_purged(data, lead):
    rows = rows_by(build(lead)["outcomes"], "type")
    total = rows["All types"]
    assert {k.removeprefix("outcome_"): total[k] for k in figures.Outcomes.KEYS} == {
        "closed": 10, "completed": 6, "no_data": 0, "partly_refused": 1, "refused": 1,
        "forwarded": 1, "withdrawn": 1, "extended": 2, "purged": 1}
    assert rows["Correction of my data"]["purged"] == 1
    assert rows["Access to my data"]["closed"] == 6


def test_channel_relationship_and_forwarded(data, lead):
    built = build(lead)
    channels = rows_by(built["channels"], "value")
    assert (channels["Web form"]["count"], channels["E-mail"]["count"],
            channels["Letter"]["count"], channels["Phone"]["count"]) == (9, 1, 1, 1)
    assert channels["Web form"]["share"] == 75.0
    assert channels["Total"]["count"] == 12
    relationships = rows_by(built["relationships"], "value")
    assert (relationships["Customer"]["count"], relationships["Employee or former employee"][
        "count"], relationships["Newsletter subscriber"]["count"]) == (10, 1, 1)
    forwarded = rows_by(built["forwarded"], "controller")
    assert (forwarded["Kunde AS"]["count"], forwarded["Kunde AS"]["share"]) == (1, 10.0)
    assert forwarded["Requests closed"]["count"] == 10


def test_filters_narrow_every_report(data, lead):
    built = build(lead, type="erasure")
    assert built["received"].data[-1]["total"] == 3
    assert [row["type"] for row in built["on-time"].data] == ["Erasure of my data",
                                                              "All types"]
    assert built["overdue"].count == 1  # N12
    assert build(lead, channel="email")["received"].data[-1]["total"] == 1
    assert build(lead, relationship="employee")["on-time"].data[-1]["answered"] == 1
    quarter = build(lead, period="quarter", quarter="2")
    assert quarter["received"].data[-1]["total"] == 4  # N7 (Apr), N3 (May), N4 and N6 (Jun)
    assert len(quarter["received"].data) == 4  # three months and the total
    april = build(lead, period="month", month="4")
    assert april["on-time"].data[-1]["answered"] == 3
    custom = build(lead, period="custom", date_from="2024-04-02", date_to="2024-04-02")
    assert custom["on-time"].data[-1]["on_time"] == 1  # N1 only: N2 closed on 3 April locally


def test_superuser_sees_every_organisation(data, admin_user):
    built = build(admin_user)
    assert built["received"].data[-1]["total"] == 15  # 12 + D1, D2, D3
    total = rows_by(built["on-time"], "type")["All types"]
    assert (total["answered"], total["on_time"]) == (11, 8)  # + D1 on time, D2 late
    assert built["overdue"].count == 3


def test_each_organisation_counts_in_its_own_time_zone(data, admin_user, org_no):
    """Three zones in one query (the CASE of ``zone_of``): 03:00 UTC on 1 January 2025 is
    still New Year's Eve in New York, but 2025 in Oslo and Copenhagen."""
    far = Organisation.objects.create(
        name="Far Away Inc", slug="far", country="NO", time_zone="America/New_York",
        contact_email="privacy@far.example", supervisory_authority="datatilsynet-no")
    moment = datetime(2025, 1, 1, 3, 0, tzinfo=UTC)
    make_request(far, received_at=moment)
    make_request(org_no, received_at=moment)
    built = build(admin_user)
    assert built["received"].data[-2]["total"] == 3  # December: N14a, D3 and New York
    assert built["received"].data[-1]["total"] == 16
    assert build(admin_user, organisation=str(far.pk))["received"].data[-1]["total"] == 1
    assert build(admin_user, year="2025")["received"].data[0]["total"] == 2  # N14b, Oslo


def test_zones_the_form_read_are_not_read_again(data, lead, admin_user, org_no, org_dk):
    """The form reads the lead's organisations (or the chosen one) with their time zones,
    so the reports do not query them again; other filters read them in the snapshot."""
    def zones_and_queries(filters):
        with CaptureQueriesContext(connection) as captured:
            zones = querysets.Zones.of(filters)
        return zones.by_zone, len(captured.captured_queries)

    form = report_filters.ReportFilterForm({"year": "2024"}, user=lead, now=NOW)
    assert form.is_valid(), form.errors
    filters = form.filters()
    assert filters.organisation_zones == ((org_no.pk, "Europe/Oslo"),)
    assert zones_and_queries(filters) == ({"Europe/Oslo": (org_no.pk,)}, 0)
    chosen = report_filters.ReportFilterForm({"year": "2024", "organisation": str(org_dk.pk)},
                                      user=admin_user, now=NOW)
    assert chosen.is_valid(), chosen.errors
    assert zones_and_queries(chosen.filters()) == ({"Europe/Copenhagen": (org_dk.pk,)}, 0)
    # Zones that are not those of the organisations counted are read from the database.
    other = dataclasses.replace(filters, organisation_ids=(org_dk.pk,))
    assert zones_and_queries(other) == ({"Europe/Copenhagen": (org_dk.pk,)}, 1)
    every = report_filters.ReportFilterForm({"year": "2024"}, user=admin_user, now=NOW)
    assert every.is_valid(), every.errors
    assert every.filters().organisation_zones is None
    assert zones_and_queries(every.filters())[1] == 1
    # The same figures either way.
    unknown = dataclasses.replace(filters, organisation_zones=None)
    assert (figures.Aggregates(filters).received == figures.Aggregates(unknown).received
            != {})


def test_percentile_from_counts():
    assert expressions.percentile([], 0.5) is None
    assert expressions.percentile([(5, 1)], 0.9) == 5
    # 2, 15, 15, 17, 32, 33, 33, 74, 99 as (value, count) pairs, in any order.
    pairs = [(33, 2), (2, 1), (99, 1), (15, 2), (17, 1), (32, 1), (74, 1), (50, 0)]
    assert expressions.percentile(pairs, 0.9) == pytest.approx(79)
    assert expressions.percentile(pairs, 0.5) == 32
    assert expressions.percentile([(74, 1), (99, 1)], 0.5) == 86.5


class PercentileCont(Aggregate):
    """PostgreSQL's own ``percentile_cont``, to check ``expressions.percentile`` against."""

    function = "percentile_cont"
    output_field = FloatField()
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.9, 0.95])
def test_percentiles_equal_postgresql_percentile_cont(data, lead, org_no, fraction):
    for day in range(40):  # more values, with ties
        closed_request(org_no, at(OSLO, 2024, 3, 1, 9), at(OSLO, 2024, 3, 2 + day % 23, 9),
                       type="erasure" if day % 3 else "access")
    form = report_filters.ReportFilterForm({"year": "2024"}, user=lead, now=NOW)
    assert form.is_valid()
    filters = form.filters()
    answered = querysets.answered_in(filters)
    expected = dict(answered.values("type").annotate(
        p=PercentileCont(expressions.days_to_close(), fraction=fraction)).values_list("type", "p"))
    histogram = figures.Aggregates(filters).days
    for kind, value in expected.items():
        assert expressions.percentile(histogram[kind], fraction) == pytest.approx(value)
    overall = answered.aggregate(p=PercentileCont(expressions.days_to_close(),
                                                  fraction=fraction))
    every = [pair for pairs in histogram.values() for pair in pairs]
    assert expressions.percentile(every, fraction) == pytest.approx(overall["p"])


# --- Who may see what -------------------------------------------------------------------


@pytest.fixture
def now():
    with time_machine.travel(NOW, tick=False):
        yield


def test_page_for_a_compliance_lead(data, lead, login, now):
    response = login(lead).get(URL, {"year": "2024"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "Kunde AS" in content
    assert data["N11"].reference in content
    assert "<svg" in content and "<title" in content and "<desc" in content
    assert "cdn" not in content.lower()
    on_time = {r.slug: r for r in response.context["reports"]}["on-time"]
    assert on_time.data[-1]["answered"] == 9
    # The lead of org_no is offered org_no only.
    assert list(response.context["form"].fields["organisation"].queryset) == [data["N1"]
                                                                              .organisation]


def test_default_period_is_this_year(data, lead, login, now):
    response = login(lead).get(URL)
    assert response.status_code == 200
    assert response.context["filters"].start == date(2025, 1, 1)
    received = {r.slug: r for r in response.context["reports"]}["received"]
    assert received.data[-1]["total"] == 1  # N14b


def test_handler_is_refused(data, handler, login):
    assert login(handler).get(URL).status_code == 403
    assert login(handler).get("/staff/reports/register.csv").status_code == 403


def test_anonymous_and_unverified_users_go_to_the_login(data, lead, client):
    response = client.get(URL)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.otp_unverified
def test_a_password_alone_is_not_enough(data, lead, client):
    client.force_login(lead)
    response = client.get(URL)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_lead_of_another_organisation_sees_nothing_of_it(data, lead_dk, org_no, login, now):
    client = login(lead_dk)
    response = client.get(URL, {"year": "2024"})
    assert response.status_code == 200
    content = response.content.decode()
    assert data["N11"].reference not in content and "Kunde AS" not in content
    assert {r.slug: r for r in response.context["reports"]}["received"].data[-1]["total"] == 3
    # Choosing the Norwegian organisation is a form error, for the page and for every file.
    response = client.get(URL, {"year": "2024", "organisation": org_no.pk})
    assert response.status_code == 400
    assert "organisation" in response.context["form"].errors
    assert not response.context["reports"]
    for path in ("/staff/reports/export/on-time.csv", "/staff/reports/export/reports.xlsx",
                 "/staff/reports/annual.pdf", "/staff/reports/register.csv"):
        response = client.get(path, {"year": "2024", "organisation": org_no.pk})
        assert response.status_code == 400, path
        assert data["N1"].reference.encode() not in response.content


@pytest.mark.parametrize("query", [
    {"year": "abc"},
    {"year": "1900"},
    {"period": "fortnight"},
    {"period": "custom", "date_from": "2024-05-01"},
    {"period": "custom", "date_from": "2024-05-01", "date_to": "2024-04-01"},
    {"period": "custom", "date_from": "1999-01-01", "date_to": "2024-04-01"},
    {"date_from": "not-a-date", "period": "custom", "date_to": "2024-01-01"},
    {"type": "everything"},
    {"organisation": "x"},
    {"month": "13", "period": "month"},
])
def test_invalid_filters_give_form_errors_not_500(data, lead, login, query):
    response = login(lead).get(URL, query)
    assert response.status_code == 400
    assert response.context["form"].errors


def test_page_query_count_does_not_grow_with_requests(data, lead, login, org_no, now):
    client = login(lead)
    client.get(URL, {"year": "2024"})  # warm caches (session, content types)
    with CaptureQueriesContext(connection) as before:
        assert client.get(URL, {"year": "2024"}).status_code == 200
    for day in range(30):
        closed_request(org_no, at(OSLO, 2024, 3, 1 + day % 28, 9), at(OSLO, 2024, 5, 1, 9),
                       type="portability", extended="complexity" if day % 2 else None)
        make_request(org_no, status=Status.IN_PROGRESS, received_at=at(OSLO, 2024, 9, 1, 9))
    with CaptureQueriesContext(connection) as after:
        response = client.get(URL, {"year": "2024"})
    assert {r.slug: r for r in response.context["reports"]}["overdue"].count == 32
    assert len(after.captured_queries) == len(before.captured_queries)
    # 14 on PostgreSQL: one per population of requests and table that is not shared, the
    # last one added being the days from arrival to registration (issue #15).
    assert len(before.captured_queries) <= 25


# --- Files ----------------------------------------------------------------------------------


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.reader(io.StringIO(body.decode("utf-8"))))


def test_csv_of_a_table_with_the_filters(data, lead, login, now):
    response = login(lead).get("/staff/reports/export/on-time.csv",
                               {"year": "2024", "type": "access"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0][:4] == ["Type", "Answered", "On time", "On time (%)"]
    assert rows[1][:4] == ["Access to my data", "5", "4", "80.0"]
    assert rows[-1][:4] == ["All types", "5", "4", "80.0"]
    month_rows = csv_rows(login(lead).get("/staff/reports/export/received.csv",
                                          {"year": "2024"}))
    assert month_rows[3][0] == "2024-03" and month_rows[-1][0] == "Total"
    assert login(lead).get("/staff/reports/export/nope.csv").status_code == 404


def test_csv_of_overdue_lists_them_all(data, lead, login, now, monkeypatch):
    monkeypatch.setattr(figures.Overdue, "limit", 1)
    rows = csv_rows(login(lead).get("/staff/reports/export/overdue.csv", {"year": "2024"}))
    assert [row[0] for row in rows[1:]] == [data["N11"].reference, data["N12"].reference]
    assert rows[1][6] == "80"


def test_xlsx_opens_with_every_table(data, lead, login, now):
    response = login(lead).get("/staff/reports/export/reports.xlsx", {"year": "2024"})
    assert response.status_code == 200
    assert response["Content-Type"] == reports_view_xlsx()
    book = load_workbook(io.BytesIO(response.content), read_only=True)
    assert len(book.sheetnames) == 1 + len(figures.REPORTS)
    about = [row for row in book[book.sheetnames[0]].iter_rows(values_only=True)]
    assert ("Organisation", "Testfirma AS") in about
    on_time = [row for row in book["Answered on time, by type"].iter_rows(values_only=True)]
    assert on_time[0][:4] == ("Type", "Answered", "On time", "On time (%)")
    assert on_time[-1][:4] == ("All types", 9, 7, 77.8)
    time_to_close = list(book["Time to close, by type"].iter_rows(values_only=True))
    assert time_to_close[-1] == ("All types", 9, 32, 79)


def reports_view_xlsx():
    from reports.views import XLSX

    return XLSX


def pdf_objects(data: bytes) -> bytes:
    """The PDF's objects as text: the file itself plus every Flate stream inflated (WeasyPrint
    packs objects into compressed object streams)."""
    parts = [data]
    for match in re.finditer(rb"stream\r?\n", data):
        try:
            parts.append(zlib.decompressobj().decompress(data[match.end():]))
        except zlib.error:
            continue
    return b"\n".join(parts)


def test_annual_pdf_opens_and_has_pages(data, lead, login, now):
    response = login(lead).get("/staff/reports/annual.pdf",
                               {"year": "2024", "period": "month", "month": "3"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    body = response.content
    assert body.startswith(b"%PDF-") and body.rstrip().endswith(b"%%EOF")
    objects = pdf_objects(body)
    pages = re.findall(rb"/Type\s*/Page(?![s\w])", objects)
    counts = [int(n) for n in re.findall(rb"/Type\s*/Pages\b.*?/Count\s+(\d+)", objects,
                                         re.S)]
    assert len(pages) >= 3 and counts and max(counts) == len(pages)
    assert b"annual report 2024" in objects.replace(b"\x00", b"")  # the document's title


def test_register_has_one_row_per_request_and_no_personal_data(data, lead, login, now):
    Request.objects.filter(pk=data["N6"].pk).update(
        further_grounds="objection_not_applicable,manifestly_unfounded")
    response = login(lead).get("/staff/reports/register.csv", {"year": "2024"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = csv_rows(response)
    header, body = rows[0], rows[1:]
    assert len(body) == 12  # received in 2024, confirmed, org_no only
    text = "\n".join(",".join(row) for row in rows)
    for personal in ("Ola Nordmann", "ola@example.no", "Kundenummer"):
        assert personal not in text
    by_reference = {row[0]: dict(zip(header, row, strict=True)) for row in body}
    purged = by_reference[data["N8"].reference]
    assert purged["Personal data erased (date)"] == "2024-10-01"
    assert purged["Answered on time"] == "yes"
    late = by_reference[data["N2"].reference]
    assert (late["Closed (local date)"], late["Due date"], late["Answered on time"]) == (
        "2024-04-03", "2024-04-02", "no")
    assert by_reference[data["N7"].reference]["Forwarded to (controller)"] == "Kunde AS"
    assert by_reference[data["N6"].reference]["Further refusal grounds"] == (
        f"{RefusalGround.OBJECTION_NOT_APPLICABLE.label}; "
        f"{RefusalGround.MANIFESTLY_UNFOUNDED.label}")
    assert by_reference[data["N9"].reference]["Answered on time"] == ""  # withdrawn
    assert by_reference[data["N14a"].reference]["Received (local date)"] == "2024-12-31"
    assert by_reference[data["N14a"].reference]["Received (UTC)"] == "2024-12-31T22:30:00Z"
    assert data["N10"].reference not in by_reference  # received in 2023


def test_formulas_are_escaped_in_csv_and_xlsx(org_no, lead, login, now):
    closed_request(org_no, at(OSLO, 2024, 3, 1, 10), at(OSLO, 2024, 3, 5, 10),
                   status=Status.FORWARDED, forwarded_to_name='=HYPERLINK("http://x.example")')
    closed_request(org_no, at(OSLO, 2024, 3, 1, 10), at(OSLO, 2024, 3, 5, 10),
                   status=Status.FORWARDED, forwarded_to_name="@SUM(A1)")
    client = login(lead)
    rows = csv_rows(client.get("/staff/reports/export/forwarded.csv", {"year": "2024"}))
    names = {row[0] for row in rows[1:]}
    assert "'=HYPERLINK(\"http://x.example\")" in names and "'@SUM(A1)" in names
    register = csv_rows(client.get("/staff/reports/register.csv", {"year": "2024"}))
    forwarded_to = register[0].index("Forwarded to (controller)")
    assert {row[forwarded_to] for row in register[1:]} == {"'=HYPERLINK(\"http://x.example\")",
                                                 "'@SUM(A1)"}
    book = load_workbook(io.BytesIO(client.get("/staff/reports/export/reports.xlsx",
                                               {"year": "2024"}).content))
    sheet = book["Forwarded to a controller"]
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert all(cell.data_type == "s" for cell in cells)
    assert "'=HYPERLINK(\"http://x.example\")" in {cell.value for cell in cells}


@pytest.mark.parametrize(("value", "escaped"), [
    ("=1+1", "'=1+1"), ("+47 1234", "'+47 1234"), ("-2", "'-2"), ("@x", "'@x"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("Kunde AS", "Kunde AS"), (-2, -2), (None, None),
])
def test_escape_cell(value, escaped):
    assert csvfiles.escape_cell(value) == escaped


# --- The shared scans (docs/benchmarks.md, "Reports") ----------------------------------------


def test_month_boundaries_are_local_midnights_in_each_zone(org_no, admin_user):
    """``MonthIndex`` compares with the UTC instants at which each month begins where the
    organisation is: 23:59 on 31 January in Oslo is January, 00:00 on 1 February is
    February, and the same instants fall a month earlier in New York."""
    far = Organisation.objects.create(
        name="Far Away Inc", slug="far", country="NO", time_zone="America/New_York",
        contact_email="privacy@far.example", supervisory_authority="datatilsynet-no")
    make_request(org_no, received_at=at(OSLO, 2024, 1, 31, 23, 59))
    make_request(org_no, received_at=at(OSLO, 2024, 2, 1, 0, 0))
    make_request(far, received_at=at(OSLO, 2024, 2, 1, 0, 0))  # 18:00 on 31 January there
    closed_request(org_no, at(OSLO, 2024, 1, 2, 9), at(OSLO, 2024, 2, 29, 23, 59))
    closed_request(org_no, at(OSLO, 2024, 1, 2, 9), at(OSLO, 2024, 3, 1, 0, 0))
    months = {row["month"]: row for row in build(admin_user)["received"].data
              if not row.get("_total")}
    assert (months[date(2024, 1, 1)]["total"], months[date(2024, 2, 1)]["total"]) == (4, 1)
    trend = {row["month"]: row for row in build(admin_user)["on-time-trend"].data
             if not row.get("_total")}
    assert (trend[date(2024, 2, 1)]["answered"], trend[date(2024, 3, 1)]["answered"]) == (
        1, 1)
    # A period that starts in the middle of a month: its first month starts with it.
    custom = build(admin_user, period="custom", date_from="2024-01-31", date_to="2024-02-01")
    assert [row["total"] for row in custom["received"].data] == [2, 1, 3]


def test_one_scan_of_closed_requests_equals_one_query_per_figure(data, admin_user):
    """``grouped_counts`` (GROUPING SETS on PostgreSQL) gives what a ``GROUP BY`` per set
    gives."""
    form = report_filters.ReportFilterForm({"year": "2024"}, user=admin_user, now=NOW)
    assert form.is_valid()
    filters = form.filters()
    rows = querysets.closed_in(filters).annotate(days=expressions.days_to_close())
    sets = {"outcome": ("type", "status", "partly_refused"), "days": ("type", "days"),
            "forwarded": ("status", "forwarded_to_name")}
    found = figures.grouped_counts(rows, sets)
    for name, keys in sets.items():
        expected = rows.values_list(*keys).annotate(n=expressions.count_rows()).order_by()
        assert sorted(found[name]) == sorted(expected), name
    # Closed in 2024: N1–N10 and D1, D2; N3 and N4 (erasure) took 74 and 99 days.
    assert sum(count for *_keys, count in found["days"]) == 12
    assert [pair for pair in found["days"] if pair[0] == "erasure"] in (
        [("erasure", 74, 1), ("erasure", 99, 1)], [("erasure", 99, 1), ("erasure", 74, 1)])


def test_forwarded_controllers_most_first_then_by_name(org_no, lead):
    for name in ["Beta AS", "Alfa AS", "Beta AS", "Gamma AS", "Alfa AS"]:
        closed_request(org_no, at(OSLO, 2024, 3, 1, 10), at(OSLO, 2024, 3, 5, 10),
                       status=Status.FORWARDED, forwarded_to_name=name)
    rows = build(lead)["forwarded"].data
    assert [(row["controller"], row["count"]) for row in rows[:3]] == [
        ("Alfa AS", 2), ("Beta AS", 2), ("Gamma AS", 1)]


def test_page_query_count_does_not_grow_with_organisations(data, admin_user, login, now):
    """A superuser's page counts every organisation: more organisations, in more time zones,
    with their requests, add no query."""
    client = login(admin_user)
    client.get(URL, {"year": "2024"})
    with CaptureQueriesContext(connection) as before:
        assert client.get(URL, {"year": "2024"}).status_code == 200
    for number, zone in enumerate(["Europe/Oslo", "America/New_York", "Asia/Tokyo"] * 10):
        org = Organisation.objects.create(
            name=f"Extra {number} <&>", slug=f"extra-{number}", country="NO", time_zone=zone,
            contact_email=f"privacy@extra{number}.example",
            supervisory_authority="datatilsynet-no")
        closed_request(org, at(OSLO, 2024, 5, 2, 9), at(OSLO, 2024, 6, 3, 9), type="erasure")
        make_request(org, received_at=at(OSLO, 2024, 8, 1, 9))
    with CaptureQueriesContext(connection) as after:
        response = client.get(URL, {"year": "2024"})
    assert len(after.captured_queries) == len(before.captured_queries)
    assert {r.slug: r for r in response.context["reports"]}["received"].data[-1]["total"] == 75
    content = response.content.decode()
    assert "Extra 7 &lt;&amp;&gt;</option>" in content  # the plain <select> escapes names
    assert content.count("<option value=") >= 32


def test_organisation_filter_keeps_the_choice(data, admin_user, org_dk, login, now):
    content = login(admin_user).get(URL, {"year": "2024", "organisation": org_dk.pk}).content
    assert f'<option value="{org_dk.pk}" selected>Testfirma ApS</option>'.encode() in content


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.django_db(transaction=True)
def test_planner_settings_last_only_for_the_reports_transaction():
    def setting():
        with connection.cursor() as cursor:
            cursor.execute("SHOW work_mem")
            return cursor.fetchone()[0]

    outside = setting()
    with querysets.snapshot():
        assert setting() == querysets.PLANNER_SETTINGS["work_mem"]
    assert setting() == outside
