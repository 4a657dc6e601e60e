"""From arrival to answer: the checklist, the conversation, and the three outcomes
(completed, refused with a ground, forwarded to the controller)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from requests_app import deadlines, intake, links
from requests_app.casework import checklist, notice, workflow
from requests_app.models import (
    AUTHORITY_CONTACTS,
    ChecklistItem,
    DataSystem,
    Event,
    Message,
    Package,
    Request,
    Status,
)
from requests_app.references import status_token
from tests.factories import make_request

OSLO = ZoneInfo("Europe/Oslo")


@pytest.fixture
def systems(org_no):
    return [
        DataSystem.objects.create(organisation=org_no, name="HubSpot",
                                  relationships=["customer", "newsletter"]),
        DataSystem.objects.create(organisation=org_no, name="Office 365",
                                  relationships=["job_applicant"]),
        DataSystem.objects.create(organisation=org_no, name="Regnskap",
                                  relationships=["customer"], request_types=["access"]),
    ]


def test_confirming_builds_the_checklist_from_the_systems_that_match(confirmed, systems):
    subject_request, _ = confirmed("erasure", relationship="customer")

    names = list(subject_request.checklist.values_list("system_name", flat=True))
    assert names == ["HubSpot"]  # not the job applicants' system, not the access-only one
    assert subject_request.events.filter(kind=Event.Kind.CHECKLIST).exists()


def test_a_request_cannot_be_completed_while_a_system_is_left_open(confirmed, systems,
                                                                   handler):
    subject_request, _ = confirmed("access", relationship="customer")
    items = list(subject_request.checklist.all())
    assert len(items) == 2
    checklist.mark(items[0], state=ChecklistItem.State.DONE, note="Eksportert", actor=handler)
    checklist.mark(items[1], state=ChecklistItem.State.DATA_FOUND, actor=handler)

    with pytest.raises(ValidationError, match="Regnskap|HubSpot"):
        workflow.complete(subject_request, answer="Her er dataene dine.", actor=handler)

    checklist.mark(items[1], state=ChecklistItem.State.NOTHING_FOUND, actor=handler)
    # Data was exported, so the access package must be ready (outcomes.check_complete).
    Package.objects.create(request=subject_request, kind=Package.Kind.ACCESS,
                           state=Package.State.READY, ready_at=timezone.now(),
                           expires_at=timezone.now() + timedelta(days=30))
    workflow.complete(subject_request, answer="Her er dataene dine.", actor=handler)
    subject_request.refresh_from_db()
    assert subject_request.status == Status.COMPLETED
    marked = subject_request.events.filter(kind=Event.Kind.CHECKLIST, actor=handler)
    assert marked.count() == 3


def test_the_answer_goes_to_the_status_page_and_the_email_only_says_there_is_news(
        confirmed, client, handler, django_capture_on_commit_callbacks):
    subject_request, status_path = confirmed("access")
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        workflow.complete(subject_request, answer="Vi har ingen opplysninger om deg.",
                          actor=handler)

    message = mail.outbox[-1]
    assert "Vi har ingen opplysninger" not in message.body
    assert status_path in message.body  # the same private link as in the receipt
    assert "Vi har ingen opplysninger om deg." in client.get(status_path).content.decode()
    logged = subject_request.events.get(kind=Event.Kind.MESSAGE_TO_SUBJECT)
    assert logged.message == "Vi har ingen opplysninger om deg."  # the sent text is kept


def test_a_refusal_names_its_ground_and_tells_of_the_right_to_complain(confirmed, lead):
    subject_request, _ = confirmed("erasure")

    with pytest.raises(ValidationError):
        workflow.refuse(subject_request, ground="", answer="Nei.", actor=lead)
    workflow.refuse(subject_request, ground="erasure_legal_obligation",
                    answer="Vi må oppbevare fakturaer i fem år etter bokføringsloven.",
                    actor=lead)

    subject_request.refresh_from_db()
    assert subject_request.status == Status.REFUSED
    assert subject_request.refusal_ground == "erasure_legal_obligation"
    answer = subject_request.messages.get(direction=Message.Direction.TO_SUBJECT).body
    assert AUTHORITY_CONTACTS["datatilsynet-no"]["address"] in answer
    assert "Datatilsynet" in answer


def test_a_partial_refusal_completes_the_rest_and_needs_the_checklist(confirmed, systems,
                                                                       handler, lead):
    subject_request, _ = confirmed("erasure", relationship="customer")

    with pytest.raises(ValidationError, match="HubSpot"):
        workflow.refuse(subject_request, ground="erasure_legal_obligation", answer="Delvis.",
                        actor=lead, partly=True)
    checklist.mark(subject_request.checklist.get(), state=ChecklistItem.State.DONE,
                   actor=handler)
    workflow.refuse(subject_request, ground="erasure_legal_obligation", answer="Delvis.",
                    actor=lead, partly=True)

    subject_request.refresh_from_db()
    assert subject_request.status == Status.COMPLETED
    assert subject_request.partly_refused


def test_a_processor_forwards_to_the_controller_and_tells_the_requester_whom_to_contact(
        confirmed, handler, client):
    subject_request, status_path = confirmed("access")

    workflow.forward(subject_request, controller_name="Kunde AS",
                     controller_contact="personvern@kunde.example",
                     answer="Henvendelsen gjelder data Kunde AS er ansvarlig for.",
                     forwarded_by="portal", actor=handler)

    subject_request.refresh_from_db()
    assert subject_request.status == Status.FORWARDED
    assert subject_request.forwarded_to_name == "Kunde AS"
    assert "Kunde AS er ansvarlig" in client.get(status_path).content.decode()


def test_asking_the_requester_waits_and_their_answer_goes_back_to_the_identity_check(
        confirmed, handler):
    subject_request, _ = confirmed("access")

    workflow.ask_subject(subject_request, body="Send kopi av legitimasjon.",
                         purpose=Message.Purpose.IDENTITY, actor=handler)
    assert Request.objects.get().status == Status.WAITING_FOR_SUBJECT
    workflow.subject_replied(subject_request, body="Vedlagt.")

    assert Request.objects.get().status == Status.IDENTITY_CHECK
    assert subject_request.events.filter(kind=Event.Kind.MESSAGE_FROM_SUBJECT).count() == 1


def test_a_closed_request_takes_no_more_messages(confirmed, handler):
    subject_request, _ = confirmed("access")
    workflow.complete(subject_request, answer="Ferdig.", actor=handler)

    with pytest.raises(ValidationError):
        workflow.subject_replied(subject_request, body="Hei igjen")


def test_staff_register_a_phone_request_and_the_clock_runs_from_the_call(org_no, handler,
                                                                        systems):
    called = datetime(2026, 10, 30, 15, 30, tzinfo=OSLO)  # a Friday afternoon

    subject_request, token = intake.register_request(
        organisation=org_no, channel="phone", received_at=called, request_type="access",
        language="nb", subject_name="Per Telefon", subject_email="per@example.no",
        relationship="customer", actor=handler)

    assert subject_request.status == Status.NEW
    assert subject_request.due_date == deadlines.due_date(called, "NO")
    assert subject_request.checklist.count() == 2
    assert links.request_for_status_token(token) == subject_request
    created = subject_request.events.get(kind=Event.Kind.CREATED)
    assert created.actor == handler


def test_a_request_cannot_be_registered_as_received_in_the_future(org_no, handler):
    with pytest.raises(ValidationError):
        intake.register_request(
            organisation=org_no, channel="letter",
            received_at=timezone.now() + timedelta(hours=2), request_type="access",
            language="nb", subject_name="Fremtid", subject_email="", relationship="other",
            actor=handler)


def test_a_second_open_request_from_the_same_address_is_linked_to_the_first(
        confirmed, org_no):
    first, _ = confirmed("access")
    second, _ = confirmed("erasure", subject_email="KARI@example.no")

    assert second.duplicate_of == first
    assert first.events.filter(kind=Event.Kind.DUPLICATE, to_value=second.reference).exists()


def test_a_request_from_the_same_address_to_another_organisation_is_no_duplicate(
        confirmed, org_no, org_dk):
    confirmed("access")
    other, _ = confirmed("access", org=org_dk)

    assert other.duplicate_of is None


def test_the_status_link_can_be_derived_again_but_not_from_the_database_alone(confirmed,
                                                                               settings):
    subject_request, status_path = confirmed("access")

    assert links.status_url(subject_request).endswith(status_path)
    settings.SECRET_KEY = "another-key-" + "x" * 40
    assert status_token(subject_request.reference, subject_request.status_token_salt) \
        not in status_path


def test_a_request_without_an_email_address_gets_no_emails(org_no, handler,
                                                           django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        subject_request, _ = intake.register_request(
            organisation=org_no, channel="letter", received_at=timezone.now(),
            request_type="access", language="nb", subject_name="Brev Skriver",
            subject_email="", relationship="other", actor=handler)
        workflow.complete(subject_request, answer="Svar sendt i posten.", actor=handler,
                          told=notice.Told(by="letter", at=timezone.now()))

    assert mail.outbox == []
    assert Request.objects.get().status == Status.COMPLETED


def test_make_request_factory_still_builds_open_requests(org_no):
    assert make_request(org_no).is_open


def test_shared_reply_templates_exist_in_every_language_and_fill_their_placeholders(
        confirmed):
    from requests_app.casework import replies
    from requests_app.models import ReplyTemplate

    subject_request, _ = confirmed("access", language="da")
    outcomes = set(ReplyTemplate.Outcome.values)

    for language in ("nb", "da", "en"):
        have = set(ReplyTemplate.objects.filter(organisation=None, language=language)
                   .values_list("outcome", flat=True))
        assert have == outcomes
    template = replies.templates_for(subject_request, "information_request").first()
    text = replies.render(template, subject_request)
    assert template.language == "da"
    assert subject_request.reference in text and "Kari Nordmann" in text
    assert "{" not in text


def test_placeholders_allow_no_attribute_access(confirmed):
    from requests_app.casework import replies

    subject_request, _ = confirmed("access")

    text = replies.render("{reference.__class__} {name} {secret}", subject_request)

    assert text == "{reference.__class__} Kari Nordmann {secret}"
