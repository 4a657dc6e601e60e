"""Every status change has one door: each entry point (the workflow function itself, each admin
list action, each of the request's own pages) enforces the same rules, and an illegal or
unauthorised move in the admin is a message, never a 500.

The rules proved here, per entry point: an unfinished checklist refuses completing; no
question, no waiting and no paused clock; only a compliance lead or organisation admin of the
request's own organisation extends or refuses; staff of another organisation can move
nothing; nobody can be given a request who is not an active staff member of its
organisation."""

from __future__ import annotations

import pytest
from django.core import mail

from requests_app import access, outcomes
from requests_app.casework import workflow
from requests_app.models import (
    ChecklistItem,
    Event,
    Membership,
    Message,
    Request,
    Status,
)
from tests.factories import make_request

LIST = "/admin/requests_app/request/"
# The start of ``access``'s refusal of a decision (the rest names the decisions).
DECIDE_ONLY = "Only a compliance lead or an organisation admin of this organisation may"
EXTENSION = {"reason": "complexity", "explanation": "Opplysningene ligger i fem systemer."}
REFUSAL = {"ground": "manifestly_unfounded", "body": "Forespørselen er åpenbart grunnløs."}


def page_url(subject_request, name):
    return f"{LIST}{subject_request.pk}/{name}/"


def change_url(subject_request):
    return page_url(subject_request, "change")


def messages_of(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in response.context["messages"]]


def unchanged(subject_request, status) -> bool:
    """Still in ``status``, with no move logged, nothing sent, and the clock not paused."""
    subject_request.refresh_from_db()
    return (subject_request.status == status
            and not subject_request.events.filter(kind__in=[
                Event.Kind.STATUS_CHANGED, Event.Kind.CLOCK_PAUSED]).exists()
            and not subject_request.messages.exists()
            and subject_request.waiting_since is None)


@pytest.fixture
def lead_elsewhere(django_user_model, org_no, org_dk):
    """Handler of the Norwegian organisation, compliance lead of the Danish one: may decide
    only in the Danish one."""
    user = django_user_model.objects.create_user(username="lead_elsewhere",
                                                 password="pw-for-tests-1",
                                                 is_staff=True)
    Membership.objects.create(user=user, organisation=org_no, role=Membership.Role.HANDLER)
    Membership.objects.create(user=user, organisation=org_dk,
                              role=Membership.Role.COMPLIANCE_LEAD)
    return user


def with_open_checklist(org, status=Status.IN_PROGRESS, **fields):
    subject_request = make_request(org, status=status, **fields)
    ChecklistItem.objects.create(request=subject_request, system_name="CRM")
    return subject_request


# --- No status moves outside the workflow's named functions -----------------------------------


def test_the_generic_move_is_private_to_the_workflow():
    assert not hasattr(workflow, "change_status")
    public = {name for name in vars(workflow) if not name.startswith("_")}
    assert "_move" in vars(workflow) and "_move" not in public


@pytest.mark.parametrize("action", ["mark_completed", "ask_requester_for_information"])
def test_the_actions_that_skipped_their_rules_are_gone(client, handler, org_no, action):
    subject_request = make_request(org_no, status=Status.IN_PROGRESS, type="objection",
                                   details={"objection_kind": "direct_marketing"})
    client.force_login(handler)

    response = client.post(LIST, {"action": action, "_selected_action": [subject_request.pk]},
                           follow=True)

    assert response.status_code == 200
    assert ("warning", "No action selected.") in messages_of(response)
    assert unchanged(subject_request, Status.IN_PROGRESS)
    assert not outcomes.is_suppressed(org_no, subject_request.subject_email, actor=None)


def test_a_direct_marketing_objection_is_completed_only_with_its_suppression(
        client, handler, org_no, django_capture_on_commit_callbacks):
    subject_request = make_request(org_no, status=Status.IN_PROGRESS, type="objection",
                                   details={"objection_kind": "direct_marketing"})
    client.force_login(handler)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page_url(subject_request, "complete"), {"body": "Ferdig."})

    assert response.status_code == 302
    subject_request.refresh_from_db()
    assert subject_request.status == Status.COMPLETED
    assert outcomes.is_suppressed(org_no, subject_request.subject_email, actor=None)
    assert subject_request.messages.get().purpose == Message.Purpose.ANSWER


# --- Completing: the checklist must be finished ----------------------------------------------


def test_completing_with_an_open_checklist_is_refused_by_the_service(org_no, handler):
    subject_request = with_open_checklist(org_no)

    with pytest.raises(workflow.ValidationError, match="Finish the checklist first"):
        workflow.complete(subject_request, answer="Ferdig.", actor=handler)

    assert unchanged(subject_request, Status.IN_PROGRESS)


def test_completing_with_an_open_checklist_is_refused_on_the_complete_page(
        client, handler, org_no):
    subject_request = with_open_checklist(org_no)
    client.force_login(handler)

    response = client.post(page_url(subject_request, "complete"), {"body": "Ferdig."})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Finish the checklist first. Not yet finished: CRM."]
    assert unchanged(subject_request, Status.IN_PROGRESS)


def test_a_partial_refusal_with_an_open_checklist_is_refused_on_the_refuse_page(
        client, lead, org_no):
    subject_request = with_open_checklist(org_no)
    client.force_login(lead)

    response = client.post(page_url(subject_request, "refuse"), {
        **REFUSAL, "partly": "on", "ground": "rights_of_others"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Finish the checklist first. Not yet finished: CRM."]
    assert unchanged(subject_request, Status.IN_PROGRESS)


# --- Forwarding: only from where the table allows it ------------------------------------------


def test_forwarding_a_waiting_request_is_refused_on_the_forward_page(client, handler, org_no):
    waiting = make_request(org_no, status=Status.WAITING_FOR_SUBJECT)
    client.force_login(handler)

    response = client.post(page_url(waiting, "forward"), {
        "controller_name": "Kunde AS", "controller_contact": "post@kunde.example",
        "body": "Spør Kunde AS."})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "A request cannot go from “Waiting for the requester” to “Forwarded to the controller”."]
    waiting.refresh_from_db()
    assert waiting.status == Status.WAITING_FOR_SUBJECT and not waiting.forwarded_to_name
    assert not waiting.messages.exists()


# --- Asking: no question, no waiting, no paused clock ------------------------------------------


@pytest.mark.parametrize("body", ["", "   "])
def test_asking_without_a_question_is_refused_by_the_service(org_no, handler, body):
    org_no.pause_clock_while_waiting = True
    org_no.save()
    subject_request = make_request(org_no, status=Status.IN_PROGRESS)

    with pytest.raises(workflow.ValidationError, match="Write the question"):
        workflow.ask_subject(subject_request, body=body, purpose="identity", actor=handler)

    assert unchanged(subject_request, Status.IN_PROGRESS)


def test_asking_without_a_reason_is_refused_by_the_service(org_no, handler):
    subject_request = make_request(org_no, status=Status.IN_PROGRESS)

    with pytest.raises(workflow.ValidationError, match="Say why you ask"):
        workflow.ask_subject(subject_request, body="Hvem er du?", purpose="answer",
                             actor=handler)

    assert unchanged(subject_request, Status.IN_PROGRESS)


def test_asking_without_a_question_is_refused_on_the_ask_page(client, handler, org_no):
    subject_request = make_request(org_no, status=Status.IN_PROGRESS)
    client.force_login(handler)

    response = client.post(page_url(subject_request, "ask"), {"purpose": "identity",
                                                               "body": "  "})

    assert response.status_code == 200
    assert "body" in response.context["form"].errors
    assert unchanged(subject_request, Status.IN_PROGRESS)


def test_asking_a_closed_request_is_refused_before_anything_is_sent(org_no, handler):
    subject_request = make_request(org_no, status=Status.COMPLETED)

    with pytest.raises(workflow.IllegalTransition):
        workflow.ask_subject(subject_request, body="Hvem er du?", purpose="identity",
                             actor=handler)

    assert unchanged(subject_request, Status.COMPLETED)
    assert mail.outbox == []


def test_the_question_comes_before_the_wait_and_its_answer_goes_back_to_the_identity_check(
        org_no, handler):
    subject_request = make_request(org_no, status=Status.NEW)

    workflow.ask_subject(subject_request, body="Send kopi av legitimasjon.",
                         purpose="identity", actor=handler)
    assert subject_request.status == Status.WAITING_FOR_SUBJECT
    assert subject_request.waiting_since is not None
    workflow.answer_received(subject_request, actor=handler)

    subject_request.refresh_from_db()
    assert subject_request.status == Status.IDENTITY_CHECK
    assert subject_request.waiting_since is None
    moves = list(subject_request.events.filter(kind=Event.Kind.STATUS_CHANGED)
                 .values_list("to_value", flat=True))
    assert moves == [Status.WAITING_FOR_SUBJECT, Status.IDENTITY_CHECK]


# --- Start work and answer received: their own statuses --------------------------------------


def test_start_work_and_answer_received_refuse_other_statuses(org_no, handler):
    waiting = make_request(org_no, status=Status.WAITING_FOR_SUBJECT)
    new = make_request(org_no, status=Status.NEW)

    with pytest.raises(workflow.IllegalTransition, match="“Start work” is only for"):
        workflow.start_work(waiting, actor=handler)
    with pytest.raises(workflow.IllegalTransition, match="is only for requests with the "
                                                         "status “Waiting for the requester”"):
        workflow.answer_received(new, actor=handler)

    assert unchanged(waiting, Status.WAITING_FOR_SUBJECT)
    assert unchanged(new, Status.NEW)


# --- Deciding: only a lead or organisation admin of the request's organisation ---------------


def test_a_handler_cannot_refuse_or_extend_through_the_services(org_no, handler):
    subject_request = make_request(org_no, status=Status.IN_PROGRESS)

    with pytest.raises(access.NotAllowed, match=DECIDE_ONLY):
        workflow.refuse(subject_request, ground="manifestly_unfounded", answer="Nei.",
                        actor=handler)
    with pytest.raises(access.NotAllowed, match=DECIDE_ONLY):
        workflow.refuse(subject_request, ground="manifestly_unfounded", answer="Delvis.",
                        actor=handler, partly=True)
    with pytest.raises(access.NotAllowed, match=DECIDE_ONLY):
        workflow.extend(subject_request, reason="complexity", explanation="Mye data.",
                        actor=handler)

    assert unchanged(subject_request, Status.IN_PROGRESS)
    subject_request.refresh_from_db()
    assert subject_request.extended_at is None and not subject_request.refusal_ground


def test_a_lead_elsewhere_decides_only_where_they_are_lead(org_no, org_dk, lead_elsewhere):
    here = make_request(org_no, status=Status.IN_PROGRESS)
    there = make_request(org_dk, status=Status.IN_PROGRESS)

    with pytest.raises(access.NotAllowed):
        workflow.refuse(here, ground="manifestly_unfounded", answer="Nei.", actor=lead_elsewhere)
    with pytest.raises(access.NotAllowed):
        workflow.extend(here, reason="complexity", explanation="Mye data.", actor=lead_elsewhere)
    workflow.refuse(there, ground="manifestly_unfounded", answer="Nej.", actor=lead_elsewhere)

    assert unchanged(here, Status.IN_PROGRESS)
    there.refresh_from_db()
    assert there.status == Status.REFUSED


@pytest.mark.parametrize("name, data", [("refuse", REFUSAL), ("extend", EXTENSION)])
def test_a_handler_on_a_decision_page_gets_a_message(client, lead_elsewhere, org_no, name, data):
    subject_request = make_request(org_no, status=Status.IN_PROGRESS)
    client.force_login(lead_elsewhere)

    for response in (client.get(page_url(subject_request, name), follow=True),
                     client.post(page_url(subject_request, name), data, follow=True)):
        assert response.status_code == 200
        assert response.redirect_chain == [(change_url(subject_request), 302)]
        assert [level for level, text in messages_of(response)
                if text.startswith(DECIDE_ONLY)] == ["error"]

    assert unchanged(subject_request, Status.IN_PROGRESS)
    subject_request.refresh_from_db()
    assert subject_request.extended_at is None


# --- Staff of another organisation move nothing ------------------------------------------------


def test_an_outsider_is_refused_by_every_service(org_no, handler, outsider):
    subject_request = make_request(org_no, status=Status.NEW)
    calls = [
        lambda: workflow.start_work(subject_request, actor=outsider),
        lambda: workflow.ask_subject(subject_request, body="Hvem er du?", purpose="identity",
                                     actor=outsider),
        lambda: workflow.complete(subject_request, answer="Ferdig.", actor=outsider),
        lambda: workflow.forward(subject_request, controller_name="Kunde AS",
                                 controller_contact="post@kunde.example", answer="Spør dem.",
                                 forwarded_by="portal", actor=outsider),
        lambda: workflow.refuse(subject_request, ground="manifestly_unfounded", answer="Nei.",
                                actor=outsider),
        lambda: workflow.extend(subject_request, reason="complexity", explanation="x",
                                actor=outsider),
        lambda: workflow.assign(subject_request, assignee=handler, actor=outsider),
        lambda: workflow.assign(subject_request, assignee=outsider, actor=outsider),
    ]
    for call in calls:
        with pytest.raises(access.NotAllowed):
            call()

    assert unchanged(subject_request, Status.NEW)
    subject_request.refresh_from_db()
    assert subject_request.assignee is None
    assert not subject_request.events.exists()


def test_an_outsider_runs_no_status_action(client, outsider, org_no):
    subject_request = make_request(org_no, status=Status.NEW)
    client.force_login(outsider)

    response = client.post(LIST, {"action": "start_work",
                                  "_selected_action": [subject_request.pk]}, follow=True)

    assert response.status_code == 200
    assert unchanged(subject_request, Status.NEW)


# --- Assigning: only an active staff member of the request's organisation ---------------------


def test_the_service_refuses_an_assignee_who_is_no_active_staff_member_there(
        org_no, handler, outsider, django_user_model):
    subject_request = make_request(org_no)
    gone = django_user_model.objects.create_user("gone", is_staff=True, is_active=False)
    Membership.objects.create(user=gone, organisation=org_no)
    not_staff = django_user_model.objects.create_user("notstaff", is_staff=False)
    Membership.objects.create(user=not_staff, organisation=org_no)

    for person in (outsider, gone, not_staff):
        with pytest.raises(workflow.ValidationError,
                           match=f"{person.username} is not an active staff member of "
                                 "Testfirma AS"):
            workflow.assign(subject_request, assignee=person, actor=handler)

    subject_request.refresh_from_db()
    assert subject_request.assignee is None
    assert not subject_request.events.exists()
    workflow.assign(subject_request, assignee=handler, actor=handler)
    assert Request.objects.get().assignee == handler


def test_the_change_form_offers_only_whom_the_service_accepts(
        client, django_user_model, handler, outsider, org_no):
    boss = django_user_model.objects.create_superuser("boss", "boss@example.no", "pw-1-boss")
    gone = django_user_model.objects.create_user("gone", is_staff=True, is_active=False)
    Membership.objects.create(user=gone, organisation=org_no)
    subject_request = make_request(org_no)
    client.force_login(boss)

    offered = set(client.get(change_url(subject_request)).context["adminform"].form
                  .fields["assignee"].queryset)
    response = client.post(change_url(subject_request), {
        "assignee": outsider.pk, "_save": "1", **_empty_inlines()})

    assert offered == set(workflow.assignable(org_no.pk)) == {handler}
    assert response.status_code == 200
    assert "assignee" in response.context["adminform"].form.errors
    subject_request.refresh_from_db()
    assert subject_request.assignee is None


def test_assign_to_me_by_a_superuser_who_is_no_member_is_a_message(client, django_user_model,
                                                                   org_no):
    boss = django_user_model.objects.create_superuser("boss", "boss@example.no", "pw-1-boss")
    subject_request = make_request(org_no)
    client.force_login(boss)

    response = client.post(LIST, {"action": "assign_to_me",
                                  "_selected_action": [subject_request.pk]}, follow=True)

    assert response.status_code == 200
    assert ("error", f"{subject_request.reference}: boss is not an active staff member of "
                     "Testfirma AS.") in messages_of(response)
    subject_request.refresh_from_db()
    assert subject_request.assignee is None


def _empty_inlines() -> dict:
    """The management forms of the request page's inlines, with no rows."""
    data = {}
    for prefix in ("events", "reminders", "checklist"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0",
                     f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"})
    return data
