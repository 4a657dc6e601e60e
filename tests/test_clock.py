"""The legal clock on a request: set on confirmation, extended once before the notice
deadline by two further months, paused while waiting for the requester to confirm their
identity (never for a clarification) where the organisation chooses so."""

import ast
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError

from requests_app import deadlines
from requests_app.casework import workflow
from requests_app.clock import legal
from requests_app.models import Event, ExtensionReason, Message, Request, Status
from tests.factories import make_request

OSLO = ZoneInfo("Europe/Oslo")


QUESTION = "Hvilke opplysninger gjelder det?"


def at(*args) -> datetime:
    return datetime(*args, tzinfo=OSLO)


@pytest.fixture
def fresh(org_no, django_capture_on_commit_callbacks):
    """A request received Monday 4 January 2027 09:00 in Oslo (due Thursday 4 February)."""
    with time_machine.travel(at(2027, 1, 4, 9), tick=False):
        return make_request(org_no, received_at=at(2027, 1, 4, 9), language="da")


def test_the_due_date_and_its_explanation_come_from_the_legal_computation(fresh):
    summary = legal.explain(fresh, "en")

    assert fresh.due_date == deadlines.due_date(fresh.received_at, "NO") == at(2027, 2, 4).date()
    assert summary.steps[0] == "Received Monday Jan. 4, 2027"
    assert summary.steps[-1] == "Due Thursday Feb. 4, 2027"


def test_the_explanation_is_in_the_readers_language_with_local_holiday_names(org_no):
    # Received 25 February 2027 → 25 March 2027 is Maundy Thursday, then Good Friday and the
    # Easter weekend and Monday: due Tuesday 30 March.
    subject_request = make_request(org_no, received_at=at(2027, 2, 25, 10))

    steps = legal.explain(subject_request, "nb").steps

    assert subject_request.due_date == at(2027, 3, 30).date()
    assert "25. mars 2027 er en helligdag eller høytidsdag (Skjærtorsdag)" in " ".join(steps)
    assert steps[-1] == "Svarfrist tirsdag 30. mars 2027"


def test_an_extension_gives_two_further_months_and_tells_the_subject(
        fresh, lead, django_capture_on_commit_callbacks):
    with time_machine.travel(at(2027, 1, 20, 10), tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        workflow.extend(fresh, reason="complexity", explanation="Data i fem systemer.",
                        actor=lead)

    fresh.refresh_from_db()
    assert fresh.due_date == fresh.statutory_due_date == at(2027, 4, 5).date()  # 4 Apr: Sunday
    assert fresh.extension_reason == "complexity"
    assert fresh.events.filter(kind=Event.Kind.EXTENDED).count() == 1
    changed = fresh.events.get(kind=Event.Kind.DUE_DATE_CHANGED)
    assert (changed.from_value, changed.to_value) == ("2027-02-04", "2027-04-05")
    message = mail.outbox[-1]
    assert message.to == [fresh.subject_email]
    assert "5. april 2027" in message.subject  # Danish date format, the subject's language
    assert "Data i fem systemer." in message.body
    assert "kompleks" in message.body.lower()


def test_an_extension_counts_two_further_months_from_the_one_month_date(
        org_no, lead, django_capture_on_commit_callbacks):
    # Received Sunday 31 January 2027: + 1 month = 28 February, + 2 further months =
    # Wednesday 28 April, not 30 April (31 January + 3 months): the reading never late.
    with time_machine.travel(at(2027, 1, 31, 10), tick=False):
        subject_request = make_request(org_no, received_at=at(2027, 1, 31, 10))
    with time_machine.travel(at(2027, 2, 10, 10), tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        workflow.extend(subject_request, reason="complexity", explanation="x", actor=lead)

    subject_request.refresh_from_db()
    assert subject_request.due_date == subject_request.statutory_due_date == date(2027, 4, 28)
    changed = subject_request.events.get(kind=Event.Kind.DUE_DATE_CHANGED)
    assert "+ 2 further months = 28 Apr 2027" in changed.message


def test_the_explanation_of_an_extension_says_which_reading_it_uses(
        org_no, lead, django_capture_on_commit_callbacks):
    with time_machine.travel(at(2027, 1, 31, 10), tick=False):
        subject_request = make_request(org_no, received_at=at(2027, 1, 31, 10))
    with time_machine.travel(at(2027, 2, 10, 10), tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        workflow.extend(subject_request, reason="complexity", explanation="x", actor=lead)
        steps = legal.explain(subject_request, "en").steps

    assert steps[1] == "+ 1 month = Sunday Feb. 28, 2027 (that month has no day 31)"
    assert steps[2] == "+ 2 further months = Wednesday April 28, 2027"
    assert "counted from the one-month date before it is moved to a working day" in steps[3]
    assert "never late" in steps[3]
    assert steps[-1] == "Due Wednesday April 28, 2027"


def test_the_volume_reason_is_the_requesters_own_number_of_requests():
    assert ExtensionReason.NUMBER_OF_REQUESTS.label == "The requester has made many requests"


def test_a_second_extension_is_refused(fresh, lead):
    with time_machine.travel(at(2027, 1, 20, 10), tick=False):
        workflow.extend(fresh, reason="complexity", explanation="x", actor=lead)
        with pytest.raises(ValidationError, match="already been extended"):
            workflow.extend(fresh, reason="number_of_requests", explanation="y", actor=lead)

    assert Request.objects.get().events.filter(kind=Event.Kind.EXTENDED).count() == 1


def test_an_extension_after_the_notice_deadline_is_refused(fresh, lead):
    # The subject must be told within one month: by 4 February 2027.
    with time_machine.travel(at(2027, 2, 4, 23, 59), tick=False):
        legal.check_extension(fresh)  # the last day is still in time
    with time_machine.travel(at(2027, 2, 5, 0, 1), tick=False):
        with pytest.raises(ValidationError, match="Too late to extend"):
            workflow.extend(fresh, reason="complexity", explanation="x", actor=lead)

    fresh.refresh_from_db()
    assert fresh.extended_at is None
    assert fresh.due_date == at(2027, 2, 4).date()


def test_an_extension_needs_a_reason_and_an_explanation(fresh, lead):
    with time_machine.travel(at(2027, 1, 20, 10), tick=False):
        with pytest.raises(ValidationError, match="Choose a reason"):
            workflow.extend(fresh, reason="because", explanation="x", actor=lead)
        with pytest.raises(ValidationError, match="Explain to the requester"):
            workflow.extend(fresh, reason="complexity", explanation="  ", actor=lead)


def test_waiting_for_an_identity_answer_pauses_the_clock_when_the_organisation_chooses(
        fresh, handler, org_no):
    org_no.pause_clock_while_waiting = True
    org_no.save()
    with time_machine.travel(at(2027, 1, 10, 12), tick=False):
        workflow.ask_subject(fresh, body=QUESTION, purpose="identity", actor=handler)
    with time_machine.travel(at(2027, 1, 14, 9), tick=False):
        workflow.answer_received(fresh, actor=handler)

    fresh.refresh_from_db()
    # 10 → 14 January: 4 days; 4 Feb + 4 = 8 Feb 2027 (a Monday).
    assert fresh.paused_days == 4
    assert fresh.statutory_due_date == at(2027, 2, 4).date()
    assert fresh.due_date == at(2027, 2, 8).date()
    changed = fresh.events.get(kind=Event.Kind.DUE_DATE_CHANGED)
    assert changed.to_value == "2027-02-08"
    assert "2027-02-04" in changed.message


def test_a_paused_date_landing_on_a_weekend_moves_to_the_next_working_day(fresh, handler,
                                                                          org_no):
    org_no.pause_clock_while_waiting = True
    org_no.save()
    with time_machine.travel(at(2027, 1, 10, 12), tick=False):
        workflow.ask_subject(fresh, body=QUESTION, purpose="identity", actor=handler)
    with time_machine.travel(at(2027, 1, 12, 9), tick=False):
        workflow.answer_received(fresh, actor=handler)

    fresh.refresh_from_db()
    assert fresh.due_date == at(2027, 2, 8).date()  # 4 Feb + 2 = Sat 6 Feb → Mon 8 Feb


def test_without_the_setting_waiting_for_identity_does_not_move_the_due_date(fresh, handler):
    with time_machine.travel(at(2027, 1, 10, 12), tick=False):
        workflow.ask_subject(fresh, body=QUESTION, purpose="identity", actor=handler)
    with time_machine.travel(at(2027, 1, 20, 9), tick=False):
        workflow.answer_received(fresh, actor=handler)

    fresh.refresh_from_db()
    assert fresh.due_date == at(2027, 2, 4).date()
    assert fresh.paused_days == 0
    assert fresh.events.filter(kind=Event.Kind.CLOCK_RESUMED).count() == 1


def test_a_clarification_does_not_pause_the_clock(fresh, handler, org_no):
    # Art. 12(6) lets the clock stop for identity only: asking what the request is about
    # leaves the month running, even where the organisation pauses for identity.
    org_no.pause_clock_while_waiting = True
    org_no.save()
    with time_machine.travel(at(2027, 1, 10, 12), tick=False):
        workflow.ask_subject(fresh, body=QUESTION, purpose="clarification", actor=handler)
        fresh.refresh_from_db()
        assert fresh.status == Status.WAITING_FOR_SUBJECT
        assert fresh.waiting_since is None
        assert fresh.next_reminder_at is not None  # the reminders keep coming
    with time_machine.travel(at(2027, 1, 20, 9), tick=False):
        workflow.answer_received(fresh, actor=handler)

    fresh.refresh_from_db()
    assert fresh.status == Status.IN_PROGRESS
    assert fresh.due_date == at(2027, 2, 4).date()
    assert fresh.paused_days == 0
    assert not fresh.events.filter(kind__in=[Event.Kind.CLOCK_PAUSED,
                                             Event.Kind.CLOCK_RESUMED]).exists()
    asked = fresh.events.get(kind=Event.Kind.STATUS_CHANGED,
                             to_value=Status.WAITING_FOR_SUBJECT)
    assert "identity" not in asked.message.replace("only a question about identity", "")
    assert "the clock keeps running" in asked.message


def test_an_identity_question_while_waiting_for_a_clarification_pauses_the_clock(
        fresh, handler, org_no):
    org_no.pause_clock_while_waiting = True
    org_no.save()
    with time_machine.travel(at(2027, 1, 8, 12), tick=False):
        workflow.ask_subject(fresh, body=QUESTION, purpose="clarification", actor=handler)
    with time_machine.travel(at(2027, 1, 10, 12), tick=False):
        workflow.ask_subject(fresh, body="Send a copy of your ID.", purpose="identity",
                             actor=handler)
        fresh.refresh_from_db()
        assert fresh.waiting_since == at(2027, 1, 10, 12)
        assert fresh.next_reminder_at is None  # paused: no reminders
    with time_machine.travel(at(2027, 1, 14, 9), tick=False):
        workflow.answer_received(fresh, actor=handler)

    fresh.refresh_from_db()
    assert fresh.paused_days == 4  # from the identity question, not the clarification
    assert fresh.due_date == at(2027, 2, 8).date()
    assert fresh.events.filter(kind=Event.Kind.CLOCK_PAUSED).count() == 1


def test_a_clarification_while_waiting_for_identity_keeps_the_pause(fresh, handler, org_no):
    org_no.pause_clock_while_waiting = True
    org_no.save()
    with time_machine.travel(at(2027, 1, 10, 12), tick=False):
        workflow.ask_subject(fresh, body="Send a copy of your ID.", purpose="identity",
                             actor=handler)
    with time_machine.travel(at(2027, 1, 12, 12), tick=False):
        workflow.ask_subject(fresh, body=QUESTION, purpose="clarification", actor=handler)

    fresh.refresh_from_db()
    assert fresh.waiting_since == at(2027, 1, 10, 12)
    assert fresh.events.filter(kind=Event.Kind.CLOCK_PAUSED).count() == 1


def test_the_clock_pauses_only_for_an_identity_question_sent_to_the_requester(fresh, handler):
    clarification = Message.objects.create(request=fresh, purpose=Message.Purpose.CLARIFICATION,
                                           direction=Message.Direction.TO_SUBJECT, body="?")
    reply = Message.objects.create(request=fresh, purpose=Message.Purpose.IDENTITY,
                                   direction=Message.Direction.FROM_SUBJECT, body="ID")
    for question in (clarification, reply):
        with pytest.raises(ValueError, match="Only a question about identity"):
            legal.pause(fresh, question=question, actor=handler)

    assert fresh.waiting_since is None
    assert not fresh.events.filter(kind=Event.Kind.CLOCK_PAUSED).exists()


def test_the_status_page_shows_the_extension_and_how_the_date_was_computed(
        confirmed, client, lead):
    subject_request, status_path = confirmed("access")
    workflow.extend(subject_request, reason="number_of_requests",
                    explanation="Mange forespørsler denne måneden.", actor=lead)

    html = client.get(status_path).content.decode()

    assert "Mange forespørsler denne måneden." in html
    assert 'data-testid="due-date-steps"' in html
    subject_request.refresh_from_db()
    assert str(subject_request.due_date.year) in html


def test_days_left_count_in_the_organisations_time_zone(org_no):
    subject_request = make_request(org_no, received_at=at(2027, 1, 4, 9))
    # 23:30 UTC on 3 February is already 4 February in Oslo: the due date, 0 days left.
    late_evening_utc = datetime(2027, 2, 3, 23, 30, tzinfo=ZoneInfo("UTC"))

    assert legal.days_left(subject_request, late_evening_utc) == 0
    assert legal.days_left(subject_request, late_evening_utc - timedelta(hours=1)) == 1


def test_the_date_of_receipt_is_counted_where_the_organisation_is(org_no):
    """The organisation's time zone decides its date of receipt, as it decides its "today"
    (``clock.legal``): at 12:00 UTC on 2 March 2027 it is already 3 March in Auckland, so the
    month runs to Saturday 3 April and the answer is due Monday 5 April (Easter is over), not
    on Friday 2 April as counted from Oslo's 2 March."""
    org_no.time_zone = "Pacific/Auckland"
    org_no.save()
    received = datetime(2027, 3, 2, 12, 0, tzinfo=UTC)
    subject_request = make_request(org_no, received_at=received, status=Status.NEW)

    legal.start(subject_request)

    assert subject_request.due_date == date(2027, 4, 5)
    assert legal.extension_notice_by(subject_request) == date(2027, 4, 5)
    assert legal.explain(subject_request, "en").steps[0] == "Received Wednesday March 3, 2027"


def test_only_asking_the_requester_pauses_the_clock():
    # No path (admin action, view, task, command) may pause the clock on its own: the one
    # caller of ``legal.pause`` is ``workflow.ask_subject``, after posting the question.
    root = Path(legal.__file__).resolve().parent.parent
    callers = set()
    for path in root.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and node.func.attr == "pause"):
                    callers.add((path.relative_to(root).as_posix(), function.name))
    assert callers == {("casework/workflow.py", "ask_subject")}
