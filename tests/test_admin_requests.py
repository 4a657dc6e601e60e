"""The staff queue in the Django admin: columns, filters, search, the read-only event log, and
the scoping that keeps each organisation's requests to its own staff."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from requests_app import events
from requests_app.casework import workflow
from requests_app.clock import legal
from requests_app.models import Event, Request, Status
from tests.factories import make_request

LIST = "/admin/requests_app/request/"


def change_url(subject_request):
    return f"{LIST}{subject_request.pk}/change/"


def test_the_queue_shows_reference_type_status_due_days_left_and_assignee(client, handler,
                                                                          org_no):
    subject_request = make_request(org_no, assignee=handler, days_ago=3)
    client.force_login(handler)

    html = client.get(LIST).content.decode()

    assert subject_request.reference in html
    assert "Access to my data" in html
    assert str(legal.days_left(subject_request)) in html
    assert "handler" in html


def test_requests_awaiting_email_confirmation_are_not_in_the_queue(client, handler, org_no):
    waiting = make_request(org_no, status=Status.AWAITING_CONFIRMATION)
    client.force_login(handler)

    assert waiting.reference not in client.get(LIST).content.decode()


def test_the_list_runs_the_same_number_of_queries_for_5_and_40_rows(client, handler, org_no):
    client.force_login(handler)
    for _ in range(5):
        make_request(org_no, assignee=handler)
    client.get(LIST)  # warm up sessions and content types
    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST).status_code == 200
    for _ in range(35):
        make_request(org_no, assignee=handler)
    with CaptureQueriesContext(connection) as many:
        response = client.get(LIST)

    assert response.content.decode().count('class="field-reference"') == 40
    assert len(many) == len(few)


def test_the_detail_page_runs_a_fixed_number_of_queries(client, handler, org_no):
    client.force_login(handler)
    subject_request = make_request(org_no)
    client.get(change_url(subject_request))
    with CaptureQueriesContext(connection) as few:
        client.get(change_url(subject_request))
    for n in range(20):
        events.record(subject_request, Event.Kind.NOTE, actor=handler, message=f"note {n}")

    with CaptureQueriesContext(connection) as many:
        assert client.get(change_url(subject_request)).status_code == 200

    assert len(many) == len(few)


@pytest.mark.parametrize(("query", "expected"), [
    ("status__exact=new", {"new"}),
    ("type__exact=erasure", {"erasure"}),
    ("due=overdue", {"overdue"}),
])
def test_filters_narrow_the_queue(client, handler, org_no, query, expected):
    client.force_login(handler)
    rows = {
        "new": make_request(org_no, status=Status.NEW, type="access", days_ago=0),
        "erasure": make_request(org_no, status=Status.IN_PROGRESS, type="erasure"),
        "overdue": make_request(org_no, status=Status.IN_PROGRESS, type="access",
                                days_ago=60),
    }

    html = client.get(f"{LIST}?{query}").content.decode()

    shown = {name for name, row in rows.items() if row.reference in html}
    assert shown == expected


@pytest.mark.parametrize("term", ["reference", "typed reference", "Kari Søknad",
                                  "kari.soknad@example.no"])
def test_search_finds_by_reference_name_and_email(client, handler, org_no, term):
    client.force_login(handler)
    wanted = make_request(org_no, subject_name="Kari Søknad",
                          subject_email="kari.soknad@example.no")
    other = make_request(org_no)
    query = {"reference": wanted.reference,
             # as people type it: lower case, no dashes, O and l for 0 and 1
             "typed reference": wanted.reference.replace("-", "").lower().replace(
                 "0", "o").replace("1", "l")}.get(term, term)

    html = client.get(LIST, {"q": query}).content.decode()

    assert wanted.reference in html
    assert other.reference not in html


def test_the_event_log_is_inline_and_read_only(client, handler, org_no):
    client.force_login(handler)
    subject_request = make_request(org_no)
    events.record(subject_request, Event.Kind.NOTE, actor=handler, message="Ringte kunden")

    html = client.get(change_url(subject_request)).content.decode()

    assert "Ringte kunden" in html
    assert 'name="events-0-message"' not in html  # no editable event fields
    assert "events-TOTAL_FORMS" not in html or 'name="events-0-DELETE"' not in html


def test_changing_the_assignee_in_the_admin_is_logged(client, handler, org_no):
    client.force_login(handler)
    subject_request = make_request(org_no)

    client.post(f"{LIST}", {"action": "assign_to_me", "_selected_action": [subject_request.pk]})

    subject_request.refresh_from_db()
    assert subject_request.assignee == handler
    event = subject_request.events.get(kind=Event.Kind.ASSIGNED)
    assert event.actor == handler
    assert event.to_value == "handler"


def test_events_cannot_be_edited_or_deleted(db, org_no):
    event = events.record(make_request(org_no), Event.Kind.NOTE, message="x")
    event.message = "changed"

    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()


def test_another_organisations_staff_see_none_of_its_requests(client, outsider, org_no):
    subject_request = make_request(org_no)
    client.force_login(outsider)

    assert subject_request.reference not in client.get(LIST).content.decode()
    assert client.get(change_url(subject_request)).status_code in (302, 404)
    searched = client.get(LIST, {"q": subject_request.reference}).content.decode()
    assert 'class="field-reference"' not in searched
    client.post(LIST, {"action": "assign_to_me", "_selected_action": [subject_request.pk]})
    subject_request.refresh_from_db()
    assert subject_request.assignee is None


def test_illegal_status_moves_are_refused_and_legal_ones_logged(db, org_no, handler):
    subject_request = make_request(org_no, status=Status.NEW)

    workflow.start_work(subject_request, actor=handler)
    workflow.complete(subject_request, answer="Ferdig.", actor=handler)
    with pytest.raises(workflow.IllegalTransition,
                       match="cannot go from “Completed” to “Waiting for the requester”"):
        workflow.ask_subject(subject_request, body="Hvem er du?", purpose="identity",
                             actor=handler)

    subject_request.refresh_from_db()
    assert subject_request.status == Status.COMPLETED
    assert subject_request.closed_at is not None
    moves = list(subject_request.events.filter(kind=Event.Kind.STATUS_CHANGED)
                 .values_list("from_value", "to_value"))
    assert moves == [("new", "in_progress"), ("in_progress", "completed")]
    assert Request.objects.count() == 1


def test_a_superuser_over_many_organisations_gets_no_organisation_filter(
        client, django_user_model, org_no, org_dk):
    from requests_app.admin.requests import RequestAdmin
    from requests_app.models import Organisation

    boss = django_user_model.objects.create_superuser("boss", "boss@example.no", "pw-1")
    client.force_login(boss)
    make_request(org_no)
    assert "organisation__id__exact" in client.get(LIST).content.decode()

    Organisation.objects.bulk_create(
        Organisation(name=f"Org {n}", slug=f"org-{n}", country="NO", contact_email="a@b.no",
                     supervisory_authority="datatilsynet-no")
        for n in range(RequestAdmin.ORGANISATION_FILTER_LIMIT))
    html = client.get(LIST).content.decode()

    assert "?organisation__id__exact" not in html
    filtered = client.get(LIST, {"organisation__id__exact": org_no.pk})
    assert filtered.status_code == 200


def test_a_name_that_reads_as_a_reference_is_still_found_as_a_name(client, handler, org_no):
    """Eleven letters of the reference alphabet could be a reference or a name: with no such
    reference, the name search runs."""
    client.force_login(handler)
    wanted = make_request(org_no, subject_name="Karinordman")

    html = client.get(LIST, {"q": "Karinordman"}).content.decode()

    assert wanted.reference in html


def test_the_queue_opens_on_open_requests_and_a_search_looks_through_all(
        client, handler, org_no):
    """Closed requests have the oldest due dates: in the default list they would push the
    work out of sight. "All" and a search still show them."""
    client.force_login(handler)
    open_one = make_request(org_no, status=Status.IN_PROGRESS)
    closed = make_request(org_no, status=Status.COMPLETED, days_ago=400)

    default = client.get(LIST).content.decode()
    every = client.get(LIST, {"queue": "all"}).content.decode()
    searched = client.get(LIST, {"q": closed.reference}).content.decode()

    assert open_one.reference in default and closed.reference not in default
    assert open_one.reference in every and closed.reference in every
    assert closed.reference in searched
