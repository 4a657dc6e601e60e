"""The legal clock in the staff admin: extending the time limit (compliance leads only, once,
before the notice deadline), waiting for the requester, the status actions, and the read-only
clock and reminders on a request's page."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.html import escape

from requests_app import access, deadlines
from requests_app.clock import legal
from requests_app.models import Event, Membership, OutgoingEmail, Reminder, Status
from tests.factories import make_request

OSLO = ZoneInfo("Europe/Oslo")
LIST = "/admin/requests_app/request/"
EXTENSION = {"reason": "complexity",
             "explanation": "Opplysningene ligger i fem systemer som må gjennomgås."}


def at(*args) -> datetime:
    return datetime(*args, tzinfo=OSLO)


def change_url(subject_request):
    return f"{LIST}{subject_request.pk}/change/"


def extend_url(subject_request):
    return f"{LIST}{subject_request.pk}/extend/"


def clock_fields(subject_request) -> tuple:
    subject_request.refresh_from_db()
    return (subject_request.due_date, subject_request.statutory_due_date,
            subject_request.extended_at, subject_request.extension_reason,
            subject_request.extension_explanation)


# --- Extending the time limit -------------------------------------------------------------


def test_a_compliance_lead_extends_to_three_months_and_the_requester_is_told(
        client, lead, org_no, django_capture_on_commit_callbacks):
    subject_request = make_request(org_no, status=Status.IN_PROGRESS, days_ago=3)
    client.force_login(lead)
    assert "Extend the time limit" in client.get(change_url(subject_request)).content.decode()
    assert client.get(extend_url(subject_request)).status_code == 200
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(extend_url(subject_request), EXTENSION)

    assert response.status_code == 302
    assert response["Location"] == change_url(subject_request)
    subject_request.refresh_from_db()
    three_months = deadlines.due_date(subject_request.received_at, "NO", extended=True)
    assert subject_request.due_date == subject_request.statutory_due_date == three_months
    assert subject_request.extension_reason == "complexity"
    assert subject_request.extension_explanation == EXTENSION["explanation"]
    extended = subject_request.events.get(kind=Event.Kind.EXTENDED)
    assert extended.actor == lead
    changed = subject_request.events.get(kind=Event.Kind.DUE_DATE_CHANGED)
    assert changed.to_value == three_months.isoformat()
    assert OutgoingEmail.objects.filter(request=subject_request, kind="extension",
                                        to="ola@example.no").count() == 1
    assert [m.to for m in mail.outbox] == [["ola@example.no"]]
    assert EXTENSION["explanation"] in mail.outbox[0].body
    page = client.get(response["Location"]).content.decode()
    with translation.override("en"):
        from django.utils import formats

        assert formats.date_format(three_months, "DATE_FORMAT") in page  # success message


def test_an_organisation_admin_may_decide_too(client, org_admin, org_no,
                                              django_capture_on_commit_callbacks):
    subject_request = make_request(org_no, days_ago=3)
    client.force_login(org_admin)

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(extend_url(subject_request), EXTENSION).status_code == 302

    subject_request.refresh_from_db()
    assert subject_request.is_extended


def test_a_second_extension_is_refused_with_a_message_and_changes_nothing(
        client, lead, org_no, django_capture_on_commit_callbacks):
    subject_request = make_request(org_no, days_ago=3)
    client.force_login(lead)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(extend_url(subject_request), EXTENSION)
    before = clock_fields(subject_request)
    emails = OutgoingEmail.objects.count()

    response = client.post(extend_url(subject_request),
                           {"reason": "number_of_requests", "explanation": "Igjen."})

    assert response.status_code == 200
    assert "already been extended" in response.content.decode()
    assert clock_fields(subject_request) == before
    assert subject_request.events.filter(kind=Event.Kind.EXTENDED).count() == 1
    assert OutgoingEmail.objects.count() == emails
    # and the request's page no longer offers the button
    assert "Extend the time limit" not in client.get(change_url(subject_request)).content.decode()


def test_an_extension_after_the_notice_deadline_is_refused(client, lead, org_no):
    subject_request = make_request(org_no, status=Status.IN_PROGRESS, days_ago=40)
    before = clock_fields(subject_request)
    client.force_login(lead)

    page = client.get(change_url(subject_request)).content.decode()
    response = client.post(extend_url(subject_request), EXTENSION)

    assert "Too late to extend" in page
    assert extend_url(subject_request) not in page
    assert response.status_code == 200
    assert "Too late to extend" in response.content.decode()
    assert clock_fields(subject_request) == before
    assert not subject_request.events.filter(kind=Event.Kind.EXTENDED).exists()


def test_an_extension_needs_a_reason_and_an_explanation(client, lead, org_no):
    subject_request = make_request(org_no, days_ago=3)
    before = clock_fields(subject_request)
    client.force_login(lead)

    response = client.post(extend_url(subject_request), {"reason": "", "explanation": " "})
    too_long = client.post(extend_url(subject_request),
                           {"reason": "complexity", "explanation": "x" * 2001})

    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"reason", "explanation"}
    assert too_long.status_code == 200
    assert "explanation" in too_long.context["form"].errors
    assert clock_fields(subject_request) == before


def test_a_handler_cannot_extend(client, handler, org_no):
    subject_request = make_request(org_no, days_ago=3)
    before = clock_fields(subject_request)
    client.force_login(handler)

    page = client.get(change_url(subject_request)).content.decode()

    assert "Extend the time limit" not in page
    for response in (client.get(extend_url(subject_request), follow=True),
                     client.post(extend_url(subject_request), EXTENSION, follow=True)):
        # A message on the request's page, not an error page.
        assert response.status_code == 200
        assert response.redirect_chain == [(change_url(subject_request), 302)]
        assert [m.level_tag for m in response.context["messages"]
                if str(m).startswith("Only a compliance lead or an organisation admin of "
                                     "this organisation may")] == ["error"]
    assert clock_fields(subject_request) == before


def test_another_organisations_staff_get_404_on_the_extend_page(client, outsider, org_no,
                                                                 make_staff, org_dk):
    subject_request = make_request(org_no, days_ago=3)
    other_lead = make_staff("dklead", org_dk, Membership.Role.COMPLIANCE_LEAD)

    for user in (outsider, other_lead):
        client.force_login(user)
        assert client.get(extend_url(subject_request)).status_code == 404
        assert client.post(extend_url(subject_request), EXTENSION).status_code == 404

    assert not clock_fields(subject_request)[2]


def test_only_leads_and_admins_of_that_organisation_or_superusers_may_decide(
        db, org_no, org_dk, lead, org_admin, handler, outsider, mixed, boss):
    def may_decide(user, org):
        return access.may(user, access.DECIDE, org)

    assert may_decide(lead, org_no) and may_decide(org_admin, org_no)
    assert may_decide(boss, org_no) and may_decide(boss, org_dk)
    assert not may_decide(handler, org_no)
    assert not may_decide(lead, org_dk)
    assert not may_decide(outsider, org_no)
    assert may_decide(mixed, org_dk) and not may_decide(mixed, org_no)


# --- The request's page -----------------------------------------------------------------------


def test_the_detail_page_explains_the_due_date_and_lists_reminders_in_fixed_queries(
        client, handler, org_no):
    subject_request = make_request(org_no, status=Status.IN_PROGRESS, days_ago=3)
    Reminder.objects.create(request=subject_request, kind="before_7",
                            for_due_date=subject_request.due_date,
                            recipients="first@testfirma.example")
    client.force_login(handler)
    client.get(change_url(subject_request))  # warm up sessions and content types
    with CaptureQueriesContext(connection) as few:
        client.get(change_url(subject_request))
    for n in range(20):
        Reminder.objects.create(request=subject_request, kind=f"overdue_{n}",
                                for_due_date=subject_request.due_date,
                                recipients=f"lead{n}@testfirma.example", skipped=n % 2 == 0)

    with CaptureQueriesContext(connection) as many:
        response = client.get(change_url(subject_request))

    assert response.status_code == 200
    assert len(many) == len(few)
    html = response.content.decode()
    steps = legal.explain(subject_request, "en").steps
    assert "<ol><li>" + "</li><li>".join(escape(step) for step in steps) + "</li></ol>" in html
    assert "first@testfirma.example" in html and "lead19@testfirma.example" in html
    assert "7 working days before" in html and "Escalation 20 (overdue)" in html
    assert 'name="reminders-0-recipients"' not in html  # read-only
    assert "the requester must be told by" in html  # the notice deadline, not yet extended


def test_the_detail_page_shows_the_extension_and_the_statutory_date_when_they_differ(
        client, lead, org_no, django_capture_on_commit_callbacks):
    org_no.pause_clock_while_waiting = True
    org_no.save()
    subject_request = make_request(org_no, status=Status.IN_PROGRESS, days_ago=3,
                                   paused_days=4)
    client.force_login(lead)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(extend_url(subject_request), EXTENSION)
    subject_request.refresh_from_db()

    html = client.get(change_url(subject_request)).content.decode()

    assert subject_request.due_date != subject_request.statutory_due_date
    assert "field-statutory_due_date" in html
    assert "The request is complex" in html
    assert EXTENSION["explanation"] in html
    assert "field-extension_notice" not in html
    assert "4 days waiting for the requester" in html


def test_the_explanation_is_escaped(client, lead, org_no, django_capture_on_commit_callbacks):
    subject_request = make_request(org_no, days_ago=3)
    client.force_login(lead)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(extend_url(subject_request),
                    {"reason": "complexity", "explanation": "<script>alert(1)</script>"})

    html = client.get(change_url(subject_request)).content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_list_marks_extended_requests_and_closed_ones_have_no_days_left(
        client, lead, org_no, django_capture_on_commit_callbacks):
    extended = make_request(org_no, days_ago=3)
    make_request(org_no, status=Status.COMPLETED, days_ago=3)
    client.force_login(lead)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(extend_url(extended), EXTENSION)

    html = client.get(LIST, {"queue": "all"}).content.decode()

    assert html.count('class="field-extended_display"><img src="/static/admin/img/icon-yes') == 1
    assert html.count('class="field-extended_display"><img src="/static/admin/img/icon-no') == 1
    assert '<td class="field-days_left_display">–</td>' in html


# --- Waiting for the requester and the other status actions ------------------------------


def test_waiting_for_an_identity_answer_pauses_the_clock_and_the_answer_moves_the_due_date(
        client, handler, org_no):
    org_no.pause_clock_while_waiting = True
    org_no.save()
    # Received Wednesday 10 March 2027: due Monday 12 April. Waiting 15 → 20 March (5 days):
    # 12 + 5 = Saturday 17 April → Monday 19 April.
    with time_machine.travel(at(2027, 3, 15, 10), tick=False):
        subject_request = make_request(org_no, status=Status.IN_PROGRESS,
                                       received_at=at(2027, 3, 10, 10))
        client.force_login(handler)
        response = client.post(f"{LIST}{subject_request.pk}/ask/", {
            "purpose": "identity", "body": "Send oss en kopi av legitimasjonen din."})
    assert response.status_code == 302
    subject_request.refresh_from_db()
    assert subject_request.status == Status.WAITING_FOR_SUBJECT
    assert subject_request.waiting_since == at(2027, 3, 15, 10)
    assert subject_request.next_reminder_at is None  # the clock is paused
    # The same day: the session opened on 15 March 2027 has ended once that day is past.
    with time_machine.travel(at(2027, 3, 15, 11), tick=False):
        page = client.get(change_url(subject_request)).content.decode()
    assert "the clock is paused" in page

    with time_machine.travel(at(2027, 3, 20, 11), tick=False):
        client.force_login(handler)  # days later: a staff session lasts a working day
        response = client.post(LIST, {"action": "answer_received",
                                      "_selected_action": [subject_request.pk]})

    assert response.status_code == 302
    subject_request.refresh_from_db()
    assert subject_request.status == Status.IDENTITY_CHECK
    assert subject_request.statutory_due_date == at(2027, 4, 12).date()
    assert subject_request.paused_days == 5
    assert subject_request.due_date == at(2027, 4, 19).date()
    assert deadlines.is_working_day(subject_request.due_date, "NO")
    assert subject_request.waiting_since is None
    kinds = list(subject_request.events.values_list("kind", flat=True))
    assert Event.Kind.CLOCK_PAUSED in kinds and Event.Kind.CLOCK_RESUMED in kinds
    asked = subject_request.events.filter(kind=Event.Kind.STATUS_CHANGED,
                                          to_value=Status.WAITING_FOR_SUBJECT).get()
    assert asked.actor == handler


def test_a_clarification_asked_in_the_admin_leaves_the_clock_running(client, handler, org_no):
    org_no.pause_clock_while_waiting = True
    org_no.save()
    with time_machine.travel(at(2027, 3, 15, 10), tick=False):
        subject_request = make_request(org_no, status=Status.IN_PROGRESS,
                                       received_at=at(2027, 3, 10, 10))
        client.force_login(handler)
        response = client.post(f"{LIST}{subject_request.pk}/ask/", {
            "purpose": "clarification", "body": "Hvilken konto gjelder det?"})
        assert response.status_code == 302
        subject_request.refresh_from_db()
        assert subject_request.status == Status.WAITING_FOR_SUBJECT
        assert subject_request.waiting_since is None
        assert subject_request.next_reminder_at is not None
        page = client.get(change_url(subject_request)).content.decode()
    assert "the clock is paused" not in page
    with time_machine.travel(at(2027, 3, 20, 11), tick=False):
        client.force_login(handler)
        client.post(LIST, {"action": "answer_received",
                           "_selected_action": [subject_request.pk]})
    subject_request.refresh_from_db()
    assert subject_request.status == Status.IN_PROGRESS
    assert subject_request.due_date == at(2027, 4, 12).date()
    assert subject_request.paused_days == 0


def test_an_illegal_action_shows_an_error_and_no_500(client, handler, org_no):
    done = make_request(org_no, status=Status.COMPLETED)
    open_one = make_request(org_no, status=Status.NEW)
    client.force_login(handler)

    response = client.post(f"{LIST}?queue=all", {"action": "start_work",
                                  "_selected_action": [done.pk, open_one.pk]}, follow=True)

    assert response.status_code == 200
    shown = [(m.level_tag, str(m)) for m in response.context["messages"]]
    assert ("error", f"{done.reference}: “Start work” is only for requests with the status "
                     f"“Identity check”, “New”.") in shown
    assert ("success", "1 request moved to “In progress”.") in shown
    open_one.refresh_from_db()
    assert open_one.status == Status.IN_PROGRESS  # the others still move
    assert done.events.filter(kind=Event.Kind.STATUS_CHANGED).count() == 0


def test_answer_received_on_a_request_that_was_not_waiting_is_refused(client, handler, org_no):
    subject_request = make_request(org_no, status=Status.NEW)
    client.force_login(handler)

    response = client.post(LIST, {"action": "answer_received",
                                  "_selected_action": [subject_request.pk]}, follow=True)

    assert response.status_code == 200
    assert [(m.level_tag, str(m)) for m in response.context["messages"]] == [
        ("error", f"{subject_request.reference}: “Answer received from the requester” is only "
                  "for requests with the status “Waiting for the requester”.")]
    subject_request.refresh_from_db()
    assert subject_request.status == Status.NEW
    assert not subject_request.events.exists()


def test_the_detail_page_offers_the_allowed_moves_and_comes_back_after_one(client, handler,
                                                                          org_no):
    subject_request = make_request(org_no, status=Status.NEW)
    client.force_login(handler)

    page = client.get(change_url(subject_request)).content.decode()
    response = client.post(LIST, {"action": "start_work",
                                  "_selected_action": [subject_request.pk],
                                  "_return_to_change": "1"})

    assert 'value="start_work"' in page
    assert 'value="answer_received"' not in page  # not waiting for the requester
    # Asking and completing are the request's own pages, not status moves.
    assert 'value="mark_completed"' not in page
    assert 'value="ask_requester_for_information"' not in page
    assert f'href="{LIST}{subject_request.pk}/ask/"' in page
    assert f'href="{LIST}{subject_request.pk}/complete/"' in page
    assert response.status_code == 302
    assert response["Location"] == change_url(subject_request)
    subject_request.refresh_from_db()
    assert subject_request.status == Status.IN_PROGRESS
    in_progress = client.get(change_url(subject_request)).content.decode()
    assert 'name="action"' not in in_progress.split('id="request_form"')[0]


def test_another_organisations_staff_cannot_run_status_actions(client, outsider, org_no):
    subject_request = make_request(org_no, status=Status.NEW)
    client.force_login(outsider)

    client.post(LIST, {"action": "start_work", "_selected_action": [subject_request.pk]})

    subject_request.refresh_from_db()
    assert subject_request.status == Status.NEW


# --- Organisation and membership settings ----------------------------------------------------


def test_the_clock_settings_have_their_own_fieldset(client, org_admin, org_no):
    client.force_login(org_admin)

    html = client.get(f"/admin/requests_app/organisation/{org_no.pk}/change/").content.decode()

    clock_part = html.split("Deadlines and reminders", 1)[1]
    for name in ("pause_clock_while_waiting", "reminder_days_before", "remind_on_due_date",
                 "escalate_when_overdue", "reminder_hour"):
        assert f'name="{name}"' in clock_part
    assert 'name="contact_email"' in html.split("Deadlines and reminders", 1)[0]


def test_the_membership_list_shows_language_and_queue_contact(client, django_user_model,
                                                              org_no, handler):
    boss = django_user_model.objects.create_superuser("boss", "boss@example.no", "pw-1-boss")
    Membership.objects.filter(user=handler).update(language="en", queue_contact=True)
    client.force_login(boss)

    html = client.get("/admin/requests_app/membership/").content.decode()

    assert 'class="field-language">English<' in html
    assert 'class="field-queue_contact"><img src="/static/admin/img/icon-yes' in html


def test_reminder_points_follow_the_extended_date(client, lead, org_no,
                                                  django_capture_on_commit_callbacks):
    subject_request = make_request(org_no, days_ago=3)
    before = subject_request.next_reminder_at
    client.force_login(lead)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(extend_url(subject_request), EXTENSION)

    subject_request.refresh_from_db()
    assert subject_request.next_reminder_at is not None
    assert subject_request.next_reminder_at != before
    assert subject_request.next_reminder_at.date() > (subject_request.received_at
                                                      + timedelta(days=40)).date()


def test_saving_the_request_page_changes_only_the_assignee(client, handler, org_no):
    subject_request = make_request(org_no, status=Status.IN_PROGRESS, days_ago=3)
    before = clock_fields(subject_request)
    client.force_login(handler)

    response = client.post(change_url(subject_request), {
        "assignee": handler.pk, "due_date": "2030-01-01", "extension_reason": "complexity",
        "events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0",
        "reminders-TOTAL_FORMS": "0", "reminders-INITIAL_FORMS": "0",
    })

    assert response.status_code == 302
    subject_request.refresh_from_db()
    assert subject_request.assignee == handler
    assert clock_fields(subject_request) == before
    assert subject_request.events.filter(kind=Event.Kind.ASSIGNED).count() == 1
