"""Each right's concrete outcome: what completing needs per type, what the requester is told (in
nb, da and en), the suppression list, and ending a restriction (notice first, reminder once)."""

import hashlib
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from requests_app import access, outcomes
from requests_app.casework import checklist, workflow
from requests_app.models import (
    ChecklistItem,
    Event,
    Membership,
    Message,
    Organisation,
    OutgoingEmail,
    Package,
    RefusalGround,
    Reminder,
    RequestOutcome,
    Status,
    SuppressionEntry,
)
from requests_app.tasks import remind_restrictions_ending
from tests.factories import make_request
from tests.support import DIRECT_MARKETING_DONE

OSLO = ZoneInfo("Europe/Oslo")
State = ChecklistItem.State
DATES = {"nb": "15. mars 2027", "da": "15. marts 2027", "en": "March 15, 2027"}
def said(language: str, msgid: str, **values) -> str:
    """What the requester reads for ``msgid`` in ``language``, from the catalogue."""
    with translation.override(language):
        text = translation.gettext(msgid)
    return text % values if values else text


def at(*args) -> datetime:
    return datetime(*args, tzinfo=OSLO)


def open_request(org, request_type, systems=(), **fields):
    subject_request = make_request(org, type=request_type, status=Status.IN_PROGRESS, **fields)
    for name in systems:
        ChecklistItem.objects.create(request=subject_request, system_name=name)
    return subject_request


def item(subject_request, name) -> ChecklistItem:
    return subject_request.checklist.select_related("request").get(system_name=name)


def answer_of(subject_request) -> str:
    return subject_request.messages.get(direction=Message.Direction.TO_SUBJECT).body


# --- What completing needs, per right ----------------------------------------------------------


def test_a_rectification_is_completed_only_with_what_was_wrong_and_what_it_says_now(
        org_no, handler):
    subject_request = open_request(org_no, "rectification", ["CRM", "Nettbutikk"],
                                   language="en")
    checklist.mark(item(subject_request, "CRM"), state=State.DONE, actor=handler,
                   value_after="Storgata 1")
    checklist.mark(item(subject_request, "Nettbutikk"), state=State.NOTHING_FOUND,
                   actor=handler)

    with pytest.raises(ValidationError, match="CRM: write what was wrong"):
        workflow.complete(subject_request, answer="Corrected.", actor=handler)
    checklist.mark(item(subject_request, "CRM"), state=State.DONE, actor=handler,
                   value_before="Gamleveien 9", recipients_told="Posten (address list)")
    workflow.complete(subject_request, answer="Corrected.", actor=handler)

    answer = answer_of(subject_request)
    assert answer.startswith("Corrected.\n\n")
    assert "CRM: it said “Gamleveien 9”; it now says “Storgata 1”." in answer
    assert "Nettbutikk: we hold no data about you there." in answer
    assert "Posten (address list)" in answer and "Article 19" in answer
    changes = subject_request.events.filter(kind=Event.Kind.CHECKLIST, actor=handler)
    assert "what it says now: Storgata 1" in changes.first().message  # logged with the change


def test_erased_or_kept_on_a_ground_until_a_date_and_nothing_else_completes_an_erasure(
        org_no, handler, lead):
    subject_request = open_request(org_no, "erasure", ["Regnskap", "Nyhetsbrev"],
                                   language="en")
    checklist.mark(item(subject_request, "Nyhetsbrev"), state=State.DONE, actor=handler)
    # Invoices are kept under the bookkeeping rules: "data found", with a ground but no date
    # (keeping is a decision: the lead's).
    checklist.mark(item(subject_request, "Regnskap"), state=State.DATA_FOUND, actor=lead,
                   kept_ground=RefusalGround.ERASURE_LEGAL_OBLIGATION)

    with time_machine.travel(at(2026, 6, 1, 12)):
        assert checklist.unfinished(subject_request) == []  # kept on a ground is dealt with
        with pytest.raises(ValidationError, match="Regnskap: say until when"):
            outcomes.check_complete(subject_request)
        checklist.mark(item(subject_request, "Regnskap"), state=State.DATA_FOUND,
                       actor=lead, kept_until=date(2026, 5, 1))
        with pytest.raises(ValidationError, match="erase it now"):
            outcomes.check_complete(subject_request)  # the date has passed
        checklist.mark(item(subject_request, "Regnskap"), state=State.DATA_FOUND,
                       actor=lead, kept_until=date(2027, 3, 15))
        # Keeping data refuses the erasure in part: the lead's decision to send.
        with pytest.raises(access.NotAllowed):
            workflow.complete(subject_request, answer="Done.", actor=handler)
        workflow.complete(subject_request, answer="Done.", actor=lead)

    answer = answer_of(subject_request)
    assert "Nyhetsbrev: erased." in answer
    assert "Regnskap: kept until March 15, 2027" in answer
    assert str(RefusalGround.ERASURE_LEGAL_OBLIGATION.label) in answer


def test_an_erasure_with_data_left_neither_erased_nor_kept_is_not_completed(org_no, handler):
    subject_request = open_request(org_no, "erasure", ["CRM"])
    checklist.mark(item(subject_request, "CRM"), state=State.DATA_FOUND, actor=handler)

    with pytest.raises(ValidationError, match="Finish the checklist"):
        workflow.complete(subject_request, answer="Slettet.", actor=handler)
    assert outcomes.missing(subject_request) == [
        "CRM: erase the data (and mark it done), or name the ground and date until which it "
        "is kept (GDPR Art. 17(3))."]


def test_a_restriction_needs_the_processing_the_ground_and_the_end_date(org_no, handler):
    subject_request = open_request(org_no, "restriction", ["CRM"])
    checklist.mark(item(subject_request, "CRM"), state=State.DONE, actor=handler,
                   recipients_told="Regnskapsbyrå AS")

    with pytest.raises(ValidationError) as refused:
        workflow.complete(subject_request, answer="Begrenset.", actor=handler)
    assert len(refused.value.messages) == 3
    outcomes.record(subject_request, actor=handler, restricted_processing="Markedsføring",
                    restriction_ground="accuracy",
                    restricted_until=timezone.localdate() + timedelta(days=60))
    workflow.complete(subject_request, answer="Begrenset.", actor=handler)

    subject_request.refresh_from_db()
    assert subject_request.status == Status.COMPLETED
    logged = subject_request.events.get(kind=Event.Kind.OUTCOME)
    assert logged.actor == handler and "Markedsføring" in logged.message


def test_an_objection_to_direct_marketing_needs_no_assessment_and_lists_the_address(
        org_no, handler):
    subject_request = open_request(org_no, "objection", ["HubSpot"],
                                   details={"objection_kind": "direct_marketing"},
                                   subject_email=" Kari@Example.NO ")
    checklist.mark(item(subject_request, "HubSpot"), state=State.DONE, actor=handler)
    assert not outcomes.is_suppressed(org_no, "kari@example.no", actor=None)

    workflow.complete(subject_request, answer="Ferdig.", actor=handler)

    assert outcomes.is_suppressed(org_no, "kari@example.no", actor=None)
    assert subject_request.events.filter(kind=Event.Kind.SUPPRESSED).count() == 1
    assert not RequestOutcome.objects.exists()  # nothing had to be typed in
    assert said("nb", DIRECT_MARKETING_DONE) in answer_of(subject_request)


def test_recording_an_objection_as_direct_marketing_lists_the_address_at_once(org_no, handler):
    subject_request = open_request(org_no, "objection", subject_email="per@example.no")

    outcomes.record(subject_request, actor=handler, direct_marketing=True)

    assert outcomes.is_suppressed(org_no, "per@example.no", actor=None)
    assert subject_request.status == Status.IN_PROGRESS


def test_another_objection_needs_the_balancing_and_if_not_upheld_a_refusal(org_no, handler,
                                                                             lead):
    subject_request = open_request(org_no, "objection",
                                   details={"objection_kind": "other", "grounds": "Stalker"})

    assert len(outcomes.missing(subject_request)) == 2
    outcomes.record(subject_request, actor=handler, balancing="Sikkerhet veier tyngst.")
    outcomes.record(subject_request, actor=lead, objection_upheld=False)
    with pytest.raises(ValidationError, match="refuse the request") as refused:
        workflow.complete(subject_request, answer="Nei.", actor=handler)
    assert str(RefusalGround.OBJECTION_COMPELLING_GROUNDS.label) in refused.value.messages[0]

    outcomes.record(subject_request, actor=handler, objection_upheld=True)
    workflow.complete(subject_request, answer="Tatt til følge.", actor=handler)
    assert "Sikkerhet veier tyngst." in answer_of(subject_request)
    assert not SuppressionEntry.objects.exists()


def test_a_consent_withdrawal_says_which_consent_when_and_the_systems_updated(org_no, handler):
    subject_request = open_request(org_no, "consent_withdrawal", ["HubSpot", "CRM"],
                                   language="da")
    checklist.mark(item(subject_request, "CRM"), state=State.NOT_APPLICABLE, actor=handler)
    checklist.mark(item(subject_request, "HubSpot"), state=State.NOTHING_FOUND, actor=handler)
    outcomes.record(subject_request, actor=handler, consent_withdrawn="Nyhedsbrev",
                    consent_withdrawn_at=at(2027, 3, 15, 10))

    assert outcomes.missing(subject_request) == [
        "Mark the systems where the consent was recorded and has been updated as done."]
    checklist.mark(item(subject_request, "HubSpot"), state=State.DONE, actor=handler)
    workflow.complete(subject_request, answer="Tilbagetrukket.", actor=handler)

    answer = answer_of(subject_request)
    assert "Nyhedsbrev" in answer and DATES["da"] in answer
    assert "HubSpot" in answer.split("Nyhedsbrev", 1)[1]


def test_outcome_fields_of_another_type_and_closed_requests_are_refused(org_no, handler):
    subject_request = open_request(org_no, "restriction")

    with pytest.raises(ValidationError, match="balancing"):
        outcomes.record(subject_request, actor=handler, balancing="x")
    with pytest.raises(ValidationError, match="Unknown ground"):
        outcomes.record(subject_request, actor=handler, restriction_ground="because")
    closed = make_request(org_no, type="consent_withdrawal", status=Status.REFUSED)
    with pytest.raises(ValidationError, match="closed"):
        outcomes.record(closed, actor=handler, consent_withdrawn="Nyhetsbrev")
    assert not RequestOutcome.objects.exists()


@pytest.mark.parametrize("request_type, kind", [("access", Package.Kind.ACCESS),
                                                ("portability", Package.Kind.PORTABILITY)])
def test_access_and_portability_need_a_ready_package_of_their_kind_unless_nothing_was_found(
        org_no, handler, request_type, kind):
    subject_request = open_request(org_no, request_type, ["CRM", "Nettbutikk"], language="nb")
    checklist.mark(item(subject_request, "Nettbutikk"), state=State.NOTHING_FOUND, actor=handler)
    checklist.mark(item(subject_request, "CRM"), state=State.NOT_APPLICABLE, actor=handler)
    assert outcomes.missing(subject_request) == []  # nothing found: no package to send

    checklist.mark(item(subject_request, "CRM"), state=State.DONE, actor=handler)
    other = ({Package.Kind.ACCESS, Package.Kind.PORTABILITY} - {kind}).pop()
    ready = {"state": Package.State.READY, "ready_at": timezone.now(),
             "expires_at": datetime(2027, 3, 15, 12, tzinfo=OSLO)}
    Package.objects.create(request=subject_request, kind=other, **ready)
    Package.objects.create(request=subject_request, kind=kind, state=Package.State.BUILDING)
    with pytest.raises(ValidationError, match="must be ready"):
        outcomes.check_complete(subject_request)
    Package.objects.create(request=subject_request, kind=kind, **ready)
    # Delivered on completion: the download period starts then (``packages.deliver``).
    with time_machine.travel(datetime(2027, 2, 13, 12, tzinfo=OSLO)):
        workflow.complete(subject_request, answer="Her er kopien.", actor=handler)

    answer = answer_of(subject_request)
    assert DATES["nb"] in answer and "CRM" in answer
    assert "Nettbutikk: " + said("nb", "we hold no data about you there.") in answer


# --- What the requester is told, in their language ---------------------------------------------


@pytest.mark.parametrize("language", ["nb", "da", "en"])
def test_the_summary_is_written_in_the_requesters_language_with_the_facts(org_no, handler,
                                                                       language):
    subject_request = open_request(org_no, "restriction", ["CRM"], language=language)
    checklist.mark(item(subject_request, "CRM"), state=State.DONE, actor=handler,
                   recipients_told="Regnskapsbyrå AS")
    outcomes.record(subject_request, actor=handler, restricted_processing="Markedsføring",
                    restriction_ground="legal_claims", restricted_until=date(2027, 3, 15))

    with translation.override("en" if language != "en" else "nb"):
        text = outcomes.summary(subject_request)
        assert translation.get_language() == ("en" if language != "en" else "nb")

    assert "Markedsføring" in text and DATES[language] in text
    assert "CRM" in text and "Regnskapsbyrå AS" in text
    assert said(language, "We will tell you before the restriction is lifted "
                          "(Article 18(3)).") in text
    others = [DATES[other] for other in DATES if other != language]
    assert not any(other in text for other in others)


def test_a_request_with_nothing_to_report_gets_its_answer_unchanged(org_no, handler):
    subject_request = open_request(org_no, "access")

    workflow.complete(subject_request, answer="Vi har ingen opplysninger om deg.",
                      actor=handler)

    assert answer_of(subject_request) == "Vi har ingen opplysninger om deg."


# --- The suppression list ----------------------------------------------------------------------


def test_the_suppression_hash_is_keyed_normalised_and_per_organisation(org_no, org_dk,
                                                                       settings):
    settings.SUPPRESSION_HASH_KEY = ""
    digest = outcomes.email_hash(org_no, "kari@example.no")

    assert len(digest) == 64 and int(digest, 16) >= 0
    assert outcomes.email_hash(org_no, "  KARI@example.NO ") == digest
    assert outcomes.email_hash(org_dk, "kari@example.no") != digest  # lists cannot be joined
    assert outcomes.email_hash(org_no, "kari2@example.no") != digest
    assert digest != hashlib.sha256(b"kari@example.no").hexdigest()  # not a plain hash
    settings.SECRET_KEY = "another-secret-key-" + "x" * 40
    assert outcomes.email_hash(org_no, "kari@example.no") != digest  # keyed
    settings.SUPPRESSION_HASH_KEY = "a-key-of-its-own"
    own_key = outcomes.email_hash(org_no, "kari@example.no")
    settings.SECRET_KEY = "yet-another-secret-key-" + "y" * 40
    assert outcomes.email_hash(org_no, "kari@example.no") == own_key  # survives a new SECRET_KEY


def test_suppressing_is_idempotent_and_never_stores_the_address(org_no, org_dk):
    subject_request = make_request(org_no, type="objection", subject_email="kari@example.no")

    first = outcomes.suppress(org_no, "kari@example.no", request=subject_request)
    again = outcomes.suppress(org_no, "Kari@Example.no", request=subject_request)
    outcomes.suppress(org_no, "kari@example.no")

    assert first == again and SuppressionEntry.objects.count() == 1
    assert subject_request.events.filter(kind=Event.Kind.SUPPRESSED).count() == 1
    assert outcomes.is_suppressed(org_no, " KARI@example.no", actor=None)
    assert not outcomes.is_suppressed(org_dk, "kari@example.no", actor=None)
    assert not outcomes.is_suppressed(org_no, "", actor=None)
    stored = [first.email_hash, *Event.objects.values_list("to_value", "from_value", "message")]
    assert "kari" not in repr(stored).lower()
    with pytest.raises(ValidationError):
        outcomes.suppress(org_no, "   ")


# --- Ending a restriction ---------------------------------------------------------------------


@pytest.fixture
def restricted(org_no, handler):
    def _restricted(until, **fields):
        subject_request = open_request(org_no, "restriction", **fields)
        outcomes.record(subject_request, actor=handler, restricted_processing="Markedsføring",
                        restriction_ground="accuracy", restricted_until=until)
        return subject_request
    return _restricted


def test_the_requester_is_told_before_the_restriction_is_lifted(
        restricted, lead, django_capture_on_commit_callbacks):
    subject_request = restricted(date(2027, 3, 15), language="da", subject_email="k@example.dk")

    with pytest.raises(ValidationError, match="Tell the requester first"):
        outcomes.lift_restriction(subject_request, actor=lead)
    mail.outbox.clear()
    with time_machine.travel(at(2027, 2, 20, 9), tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        outcomes.notify_lift(subject_request, actor=lead)
        with pytest.raises(ValidationError, match="already told"):
            outcomes.notify_lift(subject_request, actor=lead)
    with time_machine.travel(at(2027, 3, 6, 9), tick=False):  # 14 days later
        outcomes.lift_restriction(subject_request, actor=lead)

    [notice] = mail.outbox
    assert notice.to == ["k@example.dk"]
    assert DATES["da"] in notice.body and "Markedsføring" in notice.body
    assert "6. marts 2027" in notice.body  # the first day it may be lifted
    assert "/da/status/" in notice.body  # the requester's own page, in their language
    outcome = RequestOutcome.objects.get()
    assert outcome.lift_notice_sent_at <= outcome.lifted_at
    assert outcome.lift_not_before == date(2027, 3, 6)
    kinds = list(subject_request.events.filter(kind__in=[
        Event.Kind.RESTRICTION_LIFT_NOTICE, Event.Kind.RESTRICTION_LIFTED])
        .values_list("kind", flat=True))
    assert kinds == [Event.Kind.RESTRICTION_LIFT_NOTICE, Event.Kind.RESTRICTION_LIFTED]
    with pytest.raises(ValidationError, match="was lifted"):
        outcomes.lift_restriction(subject_request, actor=lead)


def test_a_restriction_cannot_be_lifted_before_the_notice_period_has_passed(
        org_no, restricted, lead):
    # Art. 18(3): told "before the restriction is lifted", with time to answer; seconds
    # later is not before in any useful sense. The organisation sets the period.
    org_no.restriction_lift_notice_days = 10
    org_no.save()
    subject_request = restricted(date(2027, 3, 15))
    with time_machine.travel(at(2027, 2, 20, 9), tick=False):
        outcomes.notify_lift(subject_request, actor=lead)
        with pytest.raises(ValidationError, match="at the earliest"):
            outcomes.lift_restriction(subject_request, actor=lead)
    with time_machine.travel(at(2027, 3, 1, 23, 59), tick=False):  # the last day of notice
        with pytest.raises(ValidationError, match="March 2, 2027 at the earliest"):
            outcomes.lift_restriction(subject_request, actor=lead)

    assert RequestOutcome.objects.get().lifted_at is None
    assert not subject_request.events.filter(kind=Event.Kind.RESTRICTION_LIFTED).exists()
    with time_machine.travel(at(2027, 3, 2, 0, 1), tick=False):
        outcomes.lift_restriction(subject_request, actor=lead)
    assert RequestOutcome.objects.get().lifted_at is not None


def test_a_shorter_notice_period_set_later_does_not_shorten_the_one_announced(
        org_no, restricted, lead):
    subject_request = restricted(date(2027, 3, 15))
    with time_machine.travel(at(2027, 2, 20, 9), tick=False):
        outcomes.notify_lift(subject_request, actor=lead)
    org_no.restriction_lift_notice_days = 1
    org_no.save()

    with time_machine.travel(at(2027, 2, 22, 9), tick=False):
        with pytest.raises(ValidationError, match="at the earliest"):
            outcomes.lift_restriction(subject_request, actor=lead)


def test_the_notice_period_defaults_to_fourteen_days_and_is_at_least_one(org_no):
    assert Organisation._meta.get_field("restriction_lift_notice_days").default == 14
    org_no.restriction_lift_notice_days = 0
    with pytest.raises(ValidationError):
        org_no.full_clean()


def test_the_reminder_before_a_restriction_ends_is_sent_once(
        org_no, restricted, django_user_model, django_capture_on_commit_callbacks):
    assignee = django_user_model.objects.create_user("ida", email="ida@testfirma.example",
                                                     is_staff=True)
    Membership.objects.create(user=assignee, organisation=org_no, language="en")
    ending = restricted(date(2027, 3, 15), assignee=assignee)
    restricted(date(2027, 6, 1))  # far off: no reminder yet

    with time_machine.travel(at(2027, 2, 20, 9), tick=False):  # 23 days before: too early
        assert remind_restrictions_ending() == 0
    mail.outbox.clear()
    with time_machine.travel(at(2027, 3, 1, 9), tick=False), \
            django_capture_on_commit_callbacks(execute=True):  # 14 days before
        assert remind_restrictions_ending() == 1
        assert remind_restrictions_ending() == 0  # the second sweep finds the claim
        assert outcomes.remind_restrictions_ending() == 0

    [reminder] = mail.outbox
    assert reminder.to == ["ida@testfirma.example"]
    assert ending.reference in reminder.subject and DATES["en"] in reminder.subject
    claim = Reminder.objects.get()
    assert (claim.request, claim.kind, claim.for_due_date) == (
        ending, "restriction_end", date(2027, 3, 15))
    assert OutgoingEmail.objects.filter(kind="restriction-end").count() == 1


def test_a_restriction_already_announced_or_with_a_new_end_date_is_handled(
        org_no, restricted, handler, lead, django_capture_on_commit_callbacks):
    announced = restricted(date(2027, 3, 10))
    moved = restricted(date(2027, 3, 12))
    with time_machine.travel(at(2027, 3, 1, 9), tick=False):
        outcomes.notify_lift(announced, actor=lead)
        assert remind_restrictions_ending() == 1  # only ``moved``
        outcomes.record(moved, actor=handler, restricted_until=date(2027, 3, 14))
        assert remind_restrictions_ending() == 1  # a new end date, a new reminder

    assert set(Reminder.objects.values_list("request", "for_due_date")) == {
        (moved.pk, date(2027, 3, 12)), (moved.pk, date(2027, 3, 14))}
