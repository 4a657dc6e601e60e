"""The demo's year of requests (``load_demo``, ``management/demo_history.py``): every state a
request can be in, the reports' every table with figures, the history's moments in the past,
and a second load that loads nothing.

The year is loaded once for the module (a minute or so); each test runs inside it and rolls
back what it changes."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from reports import figures
from reports.filters import Filters
from requests_app import outcomes
from requests_app.clock.legal import LocalToday
from requests_app.management import demo_history
from requests_app.models import (
    Channel,
    ChecklistItem,
    Event,
    Message,
    Organisation,
    OutgoingEmail,
    RefusalGround,
    Reminder,
    Request,
    RequestType,
    Status,
    SuppressionEntry,
)


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo loaded once, in a transaction rolled back after the module's tests."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        started = timezone.now()
        call_command("load_demo", stdout=out)
        yield {"output": out.getvalue(), "started": started}
        transaction.set_rollback(True)


def test_the_demo_history_has_a_request_in_every_state(demo, db):
    requests = Request.objects.all()
    statuses = set(requests.values_list("status", flat=True))
    assert statuses == set(Status.values)
    open_ = requests.filter(status__in=[Status.NEW, Status.IDENTITY_CHECK, Status.IN_PROGRESS,
                                        Status.WAITING_FOR_SUBJECT])
    assert open_.filter(LocalToday.of().overdue()).exists()
    assert open_.filter(extended_at__isnull=False).exists()
    assert requests.filter(status=Status.COMPLETED, extended_at__isnull=False).exists()
    assert requests.filter(status=Status.COMPLETED, partly_refused=True).exists()
    assert requests.filter(status=Status.COMPLETED, no_data_held=True).exists()
    assert requests.filter(status=Status.WAITING_FOR_SUBJECT, waiting_since__isnull=False
                           ).exists()
    assert set(requests.values_list("type", flat=True)) == set(RequestType.values)
    assert set(requests.values_list("channel", flat=True)) == set(Channel.values)


def test_every_refusal_ground_that_applies_is_used(demo, db):
    used = set(Request.objects.exclude(refusal_ground="").values_list("refusal_ground",
                                                                      flat=True))
    # Each organisation's country has its own national restriction; both countries are in
    # the demo.
    assert used == set(RefusalGround.values)


def test_each_demo_organisation_has_a_year_of_work_of_its_own(demo, db):
    for org in Organisation.objects.all():
        mine = Request.objects.filter(organisation=org)
        assert mine.count() >= 30, org.slug
        received = mine.order_by("received_at").values_list("received_at", flat=True)
        assert received.last() - received.first() > timedelta(days=300), org.slug
        assert mine.filter(status=Status.NEW).exists(), org.slug
        assert mine.filter(LocalToday.of().overdue()).exists(), org.slug
        assert mine.filter(purged_at__isnull=False).exists(), org.slug


def test_purged_requests_stay_as_anonymous_register_rows(demo, db):
    purged = Request.objects.filter(purged_at__isnull=False)
    assert purged.exists()
    assert not purged.exclude(subject_name="", subject_email="").exists()
    assert not Message.objects.filter(request__in=purged).exists()
    assert Event.objects.filter(request__in=purged, kind=Event.Kind.PURGED).count() == \
        purged.count()
    assert all(row.closed_at and row.type and row.due_date for row in purged)


def test_the_history_has_conversations_checklists_reminders_and_e_mails(demo, db):
    assert Message.objects.filter(direction=Message.Direction.TO_SUBJECT,
                                  purpose=Message.Purpose.IDENTITY).exists()
    assert Message.objects.filter(direction=Message.Direction.FROM_SUBJECT).exists()
    assert ChecklistItem.objects.filter(state=ChecklistItem.State.DONE).exists()
    assert ChecklistItem.objects.exclude(kept_ground="").exists()
    kinds = set(Reminder.objects.values_list("kind", flat=True))
    assert {"before_7", "before_2", "due_day", "overdue_0"} <= kinds
    assert Event.objects.filter(kind=Event.Kind.ESCALATED).exists()
    assert SuppressionEntry.objects.exists()
    # Every e-mail of the past went out then: none waits in the outbox for the worker.
    assert not OutgoingEmail.objects.filter(state=OutgoingEmail.State.PENDING).exists()
    assert OutgoingEmail.objects.filter(state=OutgoingEmail.State.SENT).count() > 500


def test_the_history_happened_at_its_own_moments(demo, db):
    started = demo["started"]
    assert not Event.objects.filter(at__gt=started).exists()
    first = Event.objects.order_by("at").first().at
    assert started - first > timedelta(days=300)
    # Each request's log runs forward from its receipt.
    for request in Request.objects.filter(purged_at__isnull=True)[:80]:
        moments = list(request.events.order_by("id").values_list("at", flat=True))
        assert moments == sorted(moments), request.reference
        assert moments[0] >= request.received_at
        if request.closed_at:
            assert request.closed_at <= started
            assert request.closed_at >= request.received_at
    sent = OutgoingEmail.objects.values_list("created_at", "sent_at")
    assert all(sent_at == created_at for created_at, sent_at in sent)


def test_every_table_of_the_reports_has_figures_for_the_demo(demo, db):
    today = timezone.localdate()
    filters = Filters(start=today - timedelta(days=365), end=today, organisation_ids=None,
                      period="custom")
    for report in figures.build(filters):
        numbers = [value for row in report.data for key, value in row.items()
                   if isinstance(value, int | float) and not isinstance(value, bool)
                   and not key.startswith("_")]
        assert any(numbers), f"{report.slug}: {report.data}"
    # Some requests that came by hand were registered a day or more after they arrived.
    registration = {r.slug: r for r in figures.build(filters)}["time-to-register"].data
    assert registration[-1]["count"] > 0
    assert registration[-1]["p90"] >= 1, registration


def test_a_compliance_lead_sees_the_demo_reports_of_their_organisation(demo, db, client):
    lead = get_user_model().objects.get(username="onlinepos-no-lead")
    client.force_login(lead)
    response = client.get("/staff/reports/")
    assert response.status_code == 200
    assert "OnlinePOS (Norge)" in response.content.decode()


def test_a_second_load_loads_nothing(demo, db):
    counts = (Request.objects.count(), Event.objects.count(), OutgoingEmail.objects.count())
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert "Demo history exists already" in out.getvalue()
    assert (Request.objects.count(), Event.objects.count(),
            OutgoingEmail.objects.count()) == counts


def test_the_same_seed_on_the_same_day_plans_the_same_year(demo, db):
    now = timezone.now()
    org = Organisation.objects.get(slug="onlinepos-dk")
    first = demo_history._Replay([org], now=now, seed=demo_history.SEED)._plans(org)
    second = demo_history._Replay([org], now=now, seed=demo_history.SEED)._plans(org)
    assert first == second
    assert {plan.name for plan in first} == {plan.name for plan in second}
    assert all(plan.email == "" or plan.email.split("@")[1] in demo_history.DOMAINS
               for plan in first)


@pytest.mark.parametrize("weeks_ahead", range(0, 52, 4))
def test_every_day_of_a_year_plans_enough_refusals_for_every_ground(demo, db, weeks_ahead):
    """The fates drawn move with the weekdays of the year (the full load above runs on the
    day of the test only): on any day, each right has a refusal per ground of its own and one
    more, and each organisation of a country with a national restriction refuses a request of
    the right it restricts, so ``_ground`` reaches every ground."""
    now = timezone.now() + timedelta(weeks=weeks_ahead, days=weeks_ahead % 7,
                                     hours=weeks_ahead * 5)
    organisations = list(Organisation.objects.order_by("slug"))
    replay = demo_history._Replay(organisations, now=now, seed=demo_history.SEED)
    plans = [(org, plan) for org in organisations for plan in replay._plans(org)]
    demo_history._a_refusal_for_every_ground(plans)
    refused = [(org, plan) for org, plan in plans if plan.fate == "refuse"]
    countries = {org.country for org in organisations} & set(outcomes.NATIONAL_GROUNDS)
    assert len(countries) == 2
    for kind, own in outcomes.TYPE_GROUNDS.items():
        wanted = len(own) + 1 + (len(countries) if kind in outcomes.NATIONAL_GROUND_TYPES
                                 else 0)
        assert sum(plan.type == kind for _org, plan in refused) >= wanted, kind
    for org in organisations:
        if org.country in countries:
            assert any(mine == org and plan.type in outcomes.NATIONAL_GROUND_TYPES
                       for mine, plan in refused), org.slug
    assert not any(plan.type == RequestType.OBJECTION
                   and plan.details["objection_kind"] == "direct_marketing"
                   for _org, plan in refused)


def test_the_demo_prints_what_it_loaded(demo, db):
    # ``db`` although it reads only the output: a test without it runs apart from the
    # module's others, and the module's demo would be loaded a second time for it.
    assert "Demo history:" in demo["output"]
    assert "requests over a year" in demo["output"]


def test_the_demo_prints_status_pages_that_open(demo, db, client):
    lines = [line for line in demo["output"].splitlines() if "/status/" in line]
    assert len(lines) >= 10
    for line in lines[:3]:
        path = "/" + line.split("://", 1)[1].split("/", 1)[1]
        response = client.get(path)
        assert response.status_code == 200, line
