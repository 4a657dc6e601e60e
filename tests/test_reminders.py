"""Reminders and escalations: which e-mails go out on which days, to whom, exactly once."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from requests_app.casework import workflow
from requests_app.clock import reminders
from requests_app.models import Event, Membership, Reminder, Status
from tests.factories import make_request

OSLO = ZoneInfo("Europe/Oslo")


def at(*args) -> datetime:
    return datetime(*args, tzinfo=OSLO)


@pytest.fixture
def lead(lead):
    """The compliance lead, who reads their e-mails in English."""
    Membership.objects.filter(user=lead).update(language="en")
    return lead


@pytest.fixture
def assignee(handler, org_no):
    handler.email = "handler@testfirma.example"
    handler.save()
    Membership.objects.filter(user=handler).update(language="nb")
    return handler


def run_sweeps(days, capture, hours=(7, 9)):
    """Run the sweep at 07:00 and 09:00 on each day; return [(date, kind, recipient)]."""
    sent = []
    for day in days:
        for hour in hours:
            with time_machine.travel(at(day.year, day.month, day.day, hour), tick=False):
                mail.outbox.clear()
                with capture(execute=True):
                    reminders.sweep()
                sent += [(day, m.extra_headers.get("X-Kind", ""), m.to[0], m.subject)
                         for m in mail.outbox]
    return sent


def days(start: date, end: date):
    return [start + timedelta(n) for n in range((end - start).days + 1)]


def test_a_request_gets_each_reminder_on_its_day_and_escalates_weekly_once_overdue(
        org_no, assignee, lead, django_capture_on_commit_callbacks):
    # Received Monday 4 January 2027 → due Thursday 4 February 2027.
    with time_machine.travel(at(2027, 1, 4, 9), tick=False):
        subject_request = make_request(org_no, received_at=at(2027, 1, 4, 9),
                                       assignee=assignee, status=Status.IN_PROGRESS)
        reminders.reschedule(subject_request)

    sent = run_sweeps(days(date(2027, 1, 4), date(2027, 2, 22)),
                      django_capture_on_commit_callbacks)

    assert [(day, to) for day, _kind, to, _subject in sent] == [
        (date(2027, 1, 26), "handler@testfirma.example"),  # 7 working days before
        (date(2027, 2, 2), "handler@testfirma.example"),   # 2 working days before
        (date(2027, 2, 4), "handler@testfirma.example"),   # the due date
        (date(2027, 2, 5), "lead@testfirma.example"),      # the morning after: escalation
        (date(2027, 2, 12), "lead@testfirma.example"),     # then weekly
        (date(2027, 2, 19), "lead@testfirma.example"),
    ]
    kinds = list(Reminder.objects.order_by("created_at").values_list("kind", flat=True))
    assert kinds == ["before_7", "before_2", "due_day", "overdue_0", "overdue_1", "overdue_2"]
    assert subject_request.events.filter(kind=Event.Kind.REMINDER_SENT).count() == 3
    assert subject_request.events.filter(kind=Event.Kind.ESCALATED).count() == 3
    assert sent[0][3].startswith("Påminnelse")  # the assignee chose Norwegian
    assert sent[3][3].startswith("Overdue")  # the lead chose English


def test_a_closed_request_gets_no_further_reminder(org_no, assignee, lead, handler,
                                                   django_capture_on_commit_callbacks):
    with time_machine.travel(at(2027, 1, 4, 9), tick=False):
        subject_request = make_request(org_no, received_at=at(2027, 1, 4, 9),
                                       assignee=assignee, status=Status.IN_PROGRESS)
        reminders.reschedule(subject_request)
    sent = run_sweeps(days(date(2027, 1, 4), date(2027, 1, 26)),
                      django_capture_on_commit_callbacks)
    with time_machine.travel(at(2027, 1, 27, 12), tick=False):
        workflow.complete(subject_request, answer="Ferdig.", actor=handler)

    sent += run_sweeps(days(date(2027, 1, 27), date(2027, 2, 22)),
                       django_capture_on_commit_callbacks)

    assert [day for day, *_ in sent] == [date(2027, 1, 26)]
    subject_request.refresh_from_db()
    assert subject_request.next_reminder_at is None


def test_after_an_extension_the_reminders_follow_the_new_date(
        org_no, assignee, lead, handler, django_capture_on_commit_callbacks):
    with time_machine.travel(at(2027, 1, 4, 9), tick=False):
        subject_request = make_request(org_no, received_at=at(2027, 1, 4, 9),
                                       assignee=assignee, status=Status.IN_PROGRESS)
        reminders.reschedule(subject_request)
    sent = run_sweeps(days(date(2027, 1, 4), date(2027, 1, 26)),
                      django_capture_on_commit_callbacks)
    with time_machine.travel(at(2027, 1, 27, 12), tick=False):
        workflow.extend(subject_request, reason="complexity", explanation="x", actor=lead)

    sent += run_sweeps(days(date(2027, 1, 27), date(2027, 4, 6)),
                       django_capture_on_commit_callbacks)

    # New due date: 4 April 2027 is a Sunday → Monday 5 April.
    subject_request.refresh_from_db()
    assert subject_request.due_date == date(2027, 4, 5)
    assert [day for day, *_ in sent] == [
        date(2027, 1, 26),  # before_7 of the old date, sent before the extension
        date(2027, 3, 22),  # 7 working days before 5 April, over Easter (25, 26, 29 March)
        date(2027, 4, 1),   # 2 working days before
        date(2027, 4, 5),   # the new due date
        date(2027, 4, 6),   # still open the morning after: escalation
    ]


def test_a_paused_clock_sends_no_reminders_until_the_answer_comes(
        org_no, assignee, lead, handler, django_capture_on_commit_callbacks):
    org_no.pause_clock_while_waiting = True
    org_no.save()
    with time_machine.travel(at(2027, 1, 4, 9), tick=False):
        subject_request = make_request(org_no, received_at=at(2027, 1, 4, 9),
                                       assignee=assignee, status=Status.IN_PROGRESS)
        reminders.reschedule(subject_request)
    with time_machine.travel(at(2027, 1, 20, 12), tick=False):
        workflow.ask_subject(subject_request, body="Send oss en kopi av legitimasjonen din.",
                             purpose="identity", actor=handler)

    sent = run_sweeps(days(date(2027, 1, 20), date(2027, 2, 10)),
                      django_capture_on_commit_callbacks)

    assert sent == []
    subject_request.refresh_from_db()
    assert subject_request.next_reminder_at is None


def test_a_clarification_does_not_stop_the_reminders(
        org_no, assignee, lead, handler, django_capture_on_commit_callbacks):
    # Only a question about identity pauses the clock (Art. 12(6)): while a clarification
    # is awaited the month runs on, and so do the reminders of its due date (4 February).
    org_no.pause_clock_while_waiting = True
    org_no.save()
    with time_machine.travel(at(2027, 1, 4, 9), tick=False):
        subject_request = make_request(org_no, received_at=at(2027, 1, 4, 9),
                                       assignee=assignee, status=Status.IN_PROGRESS)
        reminders.reschedule(subject_request)
    with time_machine.travel(at(2027, 1, 20, 12), tick=False):
        workflow.ask_subject(subject_request, body="Hvilken konto gjelder det?",
                             purpose="clarification", actor=handler)

    sent = run_sweeps(days(date(2027, 1, 20), date(2027, 2, 4)),
                      django_capture_on_commit_callbacks)

    assert [day for day, _kind, to, _subject in sent if to == assignee.email] == [
        date(2027, 1, 26),  # seven working days before 4 February
        date(2027, 2, 2),   # two working days before
        date(2027, 2, 4),   # the due date
    ]
    subject_request.refresh_from_db()
    assert subject_request.due_date == date(2027, 2, 4)


def test_reminders_missed_while_the_sweep_was_down_are_sent_once_not_in_a_burst(
        org_no, assignee, lead, django_capture_on_commit_callbacks):
    with time_machine.travel(at(2027, 1, 4, 9), tick=False):
        subject_request = make_request(org_no, received_at=at(2027, 1, 4, 9),
                                       assignee=assignee, status=Status.IN_PROGRESS)
        reminders.reschedule(subject_request)

    # Nothing ran for weeks; the sweep comes back on the due date.
    sent = run_sweeps([date(2027, 2, 4)], django_capture_on_commit_callbacks, hours=(9,))

    assert len(sent) == 1
    claims = dict(Reminder.objects.values_list("kind", "skipped"))
    assert claims == {"before_7": True, "before_2": True, "due_day": False}


def test_an_unassigned_request_reminds_the_queue_contacts(
        org_no, lead, django_user_model, django_capture_on_commit_callbacks):
    contact = django_user_model.objects.create_user("queue", "queue@testfirma.example")
    Membership.objects.create(user=contact, organisation=org_no, queue_contact=True)
    with time_machine.travel(at(2027, 1, 4, 9), tick=False):
        subject_request = make_request(org_no, received_at=at(2027, 1, 4, 9))
        reminders.reschedule(subject_request)

    sent = run_sweeps([date(2027, 1, 26)], django_capture_on_commit_callbacks, hours=(9,))

    assert [to for _day, _kind, to, _subject in sent] == ["queue@testfirma.example"]


def test_processing_the_same_request_twice_sends_each_reminder_once(
        org_no, assignee, django_capture_on_commit_callbacks):
    with time_machine.travel(at(2027, 1, 4, 9), tick=False):
        subject_request = make_request(org_no, received_at=at(2027, 1, 4, 9),
                                       assignee=assignee, status=Status.IN_PROGRESS)
    with time_machine.travel(at(2027, 2, 2, 9), tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        first = reminders.process(subject_request.pk)
        second = reminders.process(subject_request.pk)

    assert (first, second) == (1, 0)
    assert len(mail.outbox) == 1
