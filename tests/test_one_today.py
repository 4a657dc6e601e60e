"""One "today" for everything: the admin queue and its due-date filter, the reminders and the
reports agree on which requests are overdue and which are due this week, by the date where
each request's organisation is (``legal.LocalToday``), not the server's.

Each scenario is an instant at which an organisation far from UTC has another date than the
server (in UTC and in Oslo, ``settings.TIME_ZONE``): 00:30 on 5 January in Auckland is still
the 4th in UTC and in Oslo, 23:30 on 4 January in Los Angeles is already the 5th there. The
requests are due around that organisation's today, so that a server date would put one of
them on the wrong side of every boundary (overdue, due within seven days, due later).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reports import figures
from reports import filters as report_filters
from requests_app.admin.steps import RegisterRequestForm
from requests_app.clock import legal, reminders
from requests_app.models import Membership, Organisation, OutgoingEmail, Request, Status
from tests.factories import make_request

LIST = "/admin/requests_app/request/"

#: (zone, the instant there, its local date, the date in UTC and in Oslo at that instant)
SCENARIOS = {
    "auckland, a day ahead": ("Pacific/Auckland", datetime(2027, 1, 5, 0, 30),
                              date(2027, 1, 5), date(2027, 1, 4)),
    "los angeles, a day behind": ("America/Los_Angeles", datetime(2027, 1, 4, 23, 30),
                                  date(2027, 1, 4), date(2027, 1, 5)),
}


@pytest.fixture(params=SCENARIOS.values(), ids=SCENARIOS.keys())
def scenario(request, org_no, django_user_model):
    """The far organisation (escalating at local midnight, so an escalation is due the
    moment a request is overdue), its requests due around its today, a few of Oslo's, and a
    compliance lead of both; the clock stopped at the scenario's instant."""
    zone, wall, local_today, server_today = request.param
    now = wall.replace(tzinfo=ZoneInfo(zone))
    assert now.astimezone(UTC).date() == server_today
    assert timezone.localdate(now) == server_today  # the server's zone (Oslo) agrees with UTC
    far = Organisation.objects.create(
        name="Far Away Ltd", slug="far-away", country="NO", time_zone=zone,
        contact_email="privacy@far.example", supervisory_authority="datatilsynet-no",
        reminder_hour=0)
    lead = django_user_model.objects.create_user("lead", "lead@far.example", is_staff=True)
    for org in (far, org_no):
        Membership.objects.create(user=lead, organisation=org, language="en",
                                  role=Membership.Role.COMPLIANCE_LEAD)
    received = now - timedelta(days=40)
    requests = {}
    for offset in (-1, 0, 7, 8):
        due = local_today + timedelta(days=offset)
        requests[offset] = make_request(far, status=Status.IN_PROGRESS, received_at=received,
                                        due_date=due, statutory_due_date=due)
    requests["closed"] = make_request(far, status=Status.COMPLETED, received_at=received,
                                      closed_at=received, due_date=local_today - timedelta(1))
    oslo_today = timezone.localdate(now)
    requests["oslo late"] = make_request(org_no, status=Status.NEW, received_at=received,
                                         due_date=oslo_today - timedelta(days=3))
    requests["oslo soon"] = make_request(org_no, status=Status.NEW, received_at=received,
                                         due_date=oslo_today + timedelta(days=2))
    with time_machine.travel(now, tick=False):
        yield {"now": now, "far": far, "lead": lead, "requests": requests,
               "local_today": local_today, "server_today": server_today}


def refs(*requests) -> set[str]:
    return {r.reference for r in requests}


def listed(client, **query) -> set[str]:
    response = client.get(LIST, query)
    assert response.status_code == 200
    return {r.reference for r in response.context["cl"].result_list}


def test_the_far_organisations_today_is_not_the_servers(scenario):
    request = scenario["requests"][0]
    assert legal.today_for(request) == scenario["local_today"] != scenario["server_today"]
    assert legal.days_left(request) == 0


def test_overdue_is_the_same_request_in_the_queue_the_filter_the_reports_and_the_reminders(
        scenario, client, django_capture_on_commit_callbacks):
    r = scenario["requests"]
    expected = refs(r[-1], r["oslo late"])
    assert {ref for ref, req in ((x.reference, x) for x in r.values())
            if legal.is_overdue(req)} == expected

    client.force_login(scenario["lead"])
    assert listed(client, queue="overdue") == expected
    assert listed(client, due="overdue") == expected
    assert listed(client, queue="all", due="overdue") == expected  # closed ones are not

    form = report_filters.ReportFilterForm({"year": "2027"}, user=scenario["lead"],
                                           now=scenario["now"])
    assert form.is_valid(), form.errors
    reports = {report.slug: report for report in figures.build(form.filters())}
    overdue = reports["overdue"]
    assert {row["reference"] for row in overdue.data} == expected
    assert {row["reference"]: row["days_overdue"] for row in overdue.data} == {
        r[-1].reference: 1, r["oslo late"].reference: 3}
    assert reports["open"].data[-1]["overdue"] == len(expected)

    # The reminders escalate (to the lead) exactly the far organisation's overdue request,
    # and the e-mail counts its days late by the same today.
    with django_capture_on_commit_callbacks(execute=True):
        for offset in (-1, 0, 7, 8):
            reminders.process(r[offset].pk, now=scenario["now"])
    escalated = set(Request.objects.filter(reminders__kind__startswith="overdue")
                    .values_list("reference", flat=True))
    assert escalated == refs(r[-1])
    subjects = list(OutgoingEmail.objects.filter(kind="escalation")
                    .values_list("subject", flat=True))
    assert subjects == [f"Overdue: request {r[-1].reference} is 1 day late"]


def test_due_this_week_is_the_same_window_in_the_queue_and_the_filter(scenario, client):
    r = scenario["requests"]
    expected = refs(r[0], r[7], r["oslo soon"])
    assert {x.reference for x in r.values() if legal.is_due_soon(x)} == expected

    client.force_login(scenario["lead"])
    assert listed(client, queue="week") == expected
    assert listed(client, due="week") == expected
    assert listed(client, queue="all", due="week") == expected
    assert listed(client, queue="all", due="later") == refs(r[8])


def test_the_days_left_column_counts_from_the_organisations_today(scenario, client):
    client.force_login(scenario["lead"])
    response = client.get(LIST, {"queue": "all"})
    days = {obj.reference: legal.days_left(obj) for obj in response.context["cl"].result_list}
    r = scenario["requests"]
    assert {ref: days[ref] for ref in refs(r[-1], r[0], r[7], r[8])} == {
        r[-1].reference: -1, r[0].reference: 0, r[7].reference: 7, r[8].reference: 8}


def test_the_overdue_queue_costs_the_same_queries_with_more_rows_and_zones(scenario, client):
    client.force_login(scenario["lead"])
    client.get(LIST, {"queue": "overdue"})
    with CaptureQueriesContext(connection) as few:
        assert len(listed(client, queue="overdue")) == 2
    zones = ["Pacific/Kiritimati", "Pacific/Pago_Pago", "Asia/Kolkata", "America/New_York"]
    for number, zone in enumerate(zones):
        org = Organisation.objects.create(
            name=f"Extra {number}", slug=f"extra-{number}", country="NO", time_zone=zone,
            contact_email=f"privacy@extra{number}.example",
            supervisory_authority="datatilsynet-no")
        Membership.objects.create(user=scenario["lead"], organisation=org,
                                  role=Membership.Role.COMPLIANCE_LEAD)
        for _ in range(5):
            due = legal.organisation_today(org) - timedelta(days=2)
            make_request(org, status=Status.IN_PROGRESS, received_at=scenario["now"]
                         - timedelta(days=40), due_date=due)
    with CaptureQueriesContext(connection) as many:
        assert len(listed(client, queue="overdue")) == 22
    assert len(many.captured_queries) == len(few.captured_queries)


# --- LocalToday against the per-request definition, at many instants -----------------------

ZONES = ["Pacific/Kiritimati", "Pacific/Auckland", "Europe/Oslo", "America/Los_Angeles",
         "Pacific/Pago_Pago"]


@pytest.mark.parametrize("utc_hour", [0, 5, 10, 11, 13, 23])
def test_the_querysets_answer_as_the_per_request_functions_in_every_zone(org_no, utc_hour):
    """From UTC+14 to UTC−11 the organisations have up to three dates at once; the ``Q``
    objects (one comparison per date) and the per-row date must give each organisation its
    own."""
    now = datetime(2027, 3, 10, utc_hour, 15, tzinfo=UTC)
    for number, zone in enumerate(ZONES * 2):
        org = Organisation.objects.create(
            name=f"Org {number}", slug=f"org-{number}", country="NO", time_zone=zone,
            contact_email=f"privacy@org{number}.example",
            supervisory_authority="datatilsynet-no")
        today = legal.organisation_today(org, now)
        for offset in (-2, -1, 0, 1, 7, 8, 9):
            make_request(org, status=Status.IN_PROGRESS, received_at=now - timedelta(days=40),
                         due_date=today + timedelta(days=offset))
        make_request(org, status=Status.REFUSED, received_at=now - timedelta(days=40),
                     closed_at=now, due_date=today - timedelta(days=1))
    local = legal.LocalToday.of(now=now)
    assert 2 <= len(local.groups) <= 3
    every = list(Request.objects.select_related("organisation"))

    def found(condition):
        return set(Request.objects.filter(condition).values_list("pk", flat=True))

    assert found(local.overdue()) == {r.pk for r in every if legal.is_overdue(r, now)}
    assert found(local.due_soon()) == {r.pk for r in every if legal.is_due_soon(r, now)}
    assert found(local.due_later()) == {
        r.pk for r in every if r.is_open and legal.days_left(r, now) > legal.DUE_SOON_DAYS}
    dates = dict(Request.objects.annotate(today=local.expression()).values_list("pk", "today"))
    assert dates == {r.pk: legal.today_for(r, now) for r in every}


def test_a_request_registered_by_hand_starts_on_the_organisations_date(scenario,
                                                                         django_user_model):
    """The date of receipt offered on the form is today where the only organisation is."""
    handler = django_user_model.objects.create_user("far_handler", is_staff=True)
    Membership.objects.create(user=handler, organisation=scenario["far"])
    form = RegisterRequestForm(user=handler)
    assert form.fields["received_date"].initial == scenario["local_today"]
