"""Working a request in the staff admin, from registration to the answer: the queues, the
checklist, the conversation with the requester, the attachments, the outcomes (complete,
refuse, forward), assigning, reply templates and systems, and what the list may show."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from requests_app import deadlines
from requests_app.casework import conversation
from requests_app.models import (
    AUTHORITY_CONTACTS,
    ChecklistItem,
    DataSystem,
    Event,
    Message,
    OutgoingEmail,
    Package,
    ReplyTemplate,
    Request,
    Status,
    SupervisoryAuthority,
)
from tests.factories import make_request

OSLO = ZoneInfo("Europe/Oslo")
LIST = "/admin/requests_app/request/"
ADD = f"{LIST}add/"


def change_url(subject_request):
    return f"{LIST}{subject_request.pk}/change/"


def page_url(subject_request, name):
    return f"{LIST}{subject_request.pk}/{name}/"


def attachment_url(attachment):
    return f"{LIST}{attachment.request_id}/attachment/{attachment.pk}/"


@pytest.fixture
def colleague(make_staff, org_no):
    return make_staff("colleague", org_no, email="colleague@testfirma.example")


@pytest.fixture
def systems(org_no):
    """Two systems that hold customers' data, and one that does not."""
    return [
        DataSystem.objects.create(organisation=org_no, name="CRM", relationships=["customer"]),
        DataSystem.objects.create(organisation=org_no, name="Nettbutikk",
                                  relationships=["customer", "newsletter"]),
        DataSystem.objects.create(organisation=org_no, name="Lønn",
                                  relationships=["employee"]),
    ]


PHONE_CALL = {
    "channel": "phone", "request_type": "access", "language": "nb",
    "subject_name": "Per Telefon", "subject_email": "per@example.no",
    "subject_phone": "+47 900 00 000", "relationship": "customer",
    "description": "Ringte og ba om innsyn i kundeopplysningene sine.",
}


@pytest.fixture
def register(client, org_no, django_capture_on_commit_callbacks):
    """POST the "Register a request" page as the logged-in user, e-mails sent."""

    def _register(received_at: datetime, **overrides):
        local = received_at.astimezone(OSLO)
        data = {"organisation": org_no.pk, "received_date": local.date().isoformat(),
                "received_time": local.strftime("%H:%M"), **PHONE_CALL, **overrides}
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(ADD, data)

    return _register


def messages_of(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in response.context["messages"]]


def checklist_post(subject_request, changes: dict[str, tuple[str, str]]) -> dict:
    """The request's page as posted, with some checklist items changed (by system name)."""
    items = list(subject_request.checklist.order_by("system_name", "id"))
    data = {"assignee": subject_request.assignee_id or "",
            "events-TOTAL_FORMS": "0", "events-INITIAL_FORMS": "0",
            "reminders-TOTAL_FORMS": "0", "reminders-INITIAL_FORMS": "0",
            "checklist-TOTAL_FORMS": str(len(items)),
            "checklist-INITIAL_FORMS": str(len(items))}
    for n, item in enumerate(items):
        state, note = changes.get(item.system_name, (item.state, item.note))
        data.update({f"checklist-{n}-id": item.pk, f"checklist-{n}-request": subject_request.pk,
                     f"checklist-{n}-state": state, f"checklist-{n}-note": note})
    return data


# --- Registering a request that came by phone, e-mail, letter or in person -----------------


def test_a_phone_request_registered_by_a_handler_runs_from_the_time_it_was_received(
        client, handler, org_no, register):
    # Thursday 3 June 2027; the call came on Wednesday 2 June at 14:00 in Oslo.
    with time_machine.travel(datetime(2027, 6, 3, 10, tzinfo=OSLO), tick=False):
        client.force_login(handler)
        received = datetime.combine(timezone.localdate() - timedelta(days=1), time(14),
                                    tzinfo=OSLO)
        mail.outbox.clear()
        response = register(received)

        assert response.status_code == 302
        subject_request = Request.objects.get(subject_name="Per Telefon")
        assert response["Location"] == change_url(subject_request)
        assert subject_request.received_at == received
        assert subject_request.channel == "phone"
        assert subject_request.status == Status.NEW
        due = deadlines.due_date(received, "NO")
        assert subject_request.due_date == due
        assert due != deadlines.due_date(timezone.now(), "NO")  # not from the registration
        created = subject_request.events.get(kind=Event.Kind.CREATED)
        assert created.actor == handler and created.message == "Phone"
        assert OutgoingEmail.objects.filter(request=subject_request, kind="receipt",
                                            to="per@example.no").count() == 1
        assert [m.to for m in mail.outbox] == [["per@example.no"]]
        page = client.get(response["Location"])
        assert any("receipt" in text and level == "success"
                   for level, text in messages_of(page))


def test_a_request_without_an_email_address_is_registered_without_a_receipt(
        client, handler, register):
    client.force_login(handler)

    response = register(timezone.now() - timedelta(hours=2), subject_email="",
                        channel="letter")

    assert response.status_code == 302
    subject_request = Request.objects.get(subject_name="Per Telefon")
    assert not OutgoingEmail.objects.filter(request=subject_request).exists()
    shown = messages_of(client.get(response["Location"]))
    assert any("No e-mail address was given" in text for _level, text in shown)


def test_registering_refuses_a_future_time_another_organisation_and_the_web_channel(
        client, handler, org_dk, register):
    client.force_login(handler)

    page = client.get(ADD).content.decode()
    future = register(timezone.now() + timedelta(hours=3))
    elsewhere = register(timezone.now() - timedelta(hours=3), organisation=org_dk.pk)
    web = register(timezone.now() - timedelta(hours=3), channel="web")

    assert 'value="web"' not in page and org_dk.name not in page
    assert "Register a request" in client.get(LIST).content.decode()
    assert future.status_code == 200
    assert "cannot be in the future" in future.content.decode()
    assert "organisation" in elsewhere.context["form"].errors
    assert "channel" in web.context["form"].errors
    assert not Request.objects.exists()


def test_staff_of_no_organisation_cannot_register(client, django_user_model, org_no):
    nobody = django_user_model.objects.create_user("nobody", password="pw-1", is_staff=True)
    client.force_login(nobody)

    assert client.get(ADD).status_code == 403
    assert client.post(ADD, {"organisation": org_no.pk}).status_code == 403


# --- The checklist and completing --------------------------------------------------------------


def test_the_checklist_comes_from_matching_systems_and_completing_waits_for_it(
        client, handler, org_no, systems, register, django_capture_on_commit_callbacks):
    client.force_login(handler)
    register(timezone.now() - timedelta(days=1))
    subject_request = Request.objects.get(subject_name="Per Telefon")
    answer = {"body": "Her er opplysningene vi har om deg."}

    assert set(subject_request.checklist.values_list("system_name", flat=True)) == {
        "CRM", "Nettbutikk"}
    assert "Not yet finished" in client.get(page_url(subject_request, "complete")).content.decode()
    refused = client.post(page_url(subject_request, "complete"), answer)
    assert refused.status_code == 200
    assert refused.context["form"].non_field_errors() == [
        "Finish the checklist first. Not yet finished: CRM, Nettbutikk."]
    subject_request.refresh_from_db()
    assert subject_request.status == Status.NEW
    assert not subject_request.messages.exists()

    # Marking one item logs that one only; the unchanged item is not touched.
    response = client.post(change_url(subject_request), checklist_post(
        subject_request, {"CRM": (ChecklistItem.State.NOTHING_FOUND, "Søkt på e-post")}))
    assert response.status_code == 302
    marked = subject_request.events.filter(kind=Event.Kind.CHECKLIST, actor=handler)
    assert list(marked.values_list("from_value", "to_value", "message")) == [
        ("open", "nothing_found", "CRM: Søkt på e-post")]
    crm = subject_request.checklist.get(system_name="CRM")
    assert crm.updated_by == handler and crm.note == "Søkt på e-post"
    assert subject_request.checklist.get(system_name="Nettbutikk").updated_by is None
    still = client.post(page_url(subject_request, "complete"), answer)
    assert still.context["form"].non_field_errors() == [
        "Finish the checklist first. Not yet finished: Nettbutikk."]

    client.post(change_url(subject_request), checklist_post(
        subject_request, {"Nettbutikk": (ChecklistItem.State.DONE, "")}))
    # Data was found, so the access package must be ready (outcomes.check_complete).
    Package.objects.create(request=subject_request, kind=Package.Kind.ACCESS,
                           state=Package.State.READY, ready_at=timezone.now(),
                           expires_at=timezone.now() + timedelta(days=30))
    with django_capture_on_commit_callbacks(execute=True):
        completed = client.post(page_url(subject_request, "complete"), answer)

    assert completed.status_code == 302
    assert completed["Location"] == change_url(subject_request)
    subject_request.refresh_from_db()
    assert subject_request.status == Status.COMPLETED
    sent = subject_request.messages.get()
    assert sent.purpose == Message.Purpose.ANSWER and sent.author == handler
    # A closed request's checklist is shown, no longer editable.
    page = client.get(change_url(subject_request)).content.decode()
    assert "Nettbutikk" in page and 'name="checklist-0-state"' not in page


# --- Asking the requester ----------------------------------------------------------------------


def test_asking_the_requester_from_a_template_waits_for_the_answer(
        client, handler, org_no, django_capture_on_commit_callbacks):
    subject_request = make_request(org_no, status=Status.IN_PROGRESS, days_ago=2)
    template = ReplyTemplate.objects.create(
        organisation=org_no, outcome=ReplyTemplate.Outcome.INFORMATION_REQUEST, language="nb",
        name="Legitimasjon", body="Hei {name}! Send oss kundenummeret for sak {reference}.")
    client.force_login(handler)

    assert "Ask the requester" in client.get(change_url(subject_request)).content.decode()
    filled = client.get(page_url(subject_request, "ask"), {"template": template.pk})
    text = f"Hei Ola Nordmann! Send oss kundenummeret for sak {subject_request.reference}."
    assert filled.context["form"].initial["body"] == text
    assert text in filled.content.decode()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page_url(subject_request, "ask"),
                               {"purpose": "identity", "body": text})

    assert response.status_code == 302
    subject_request.refresh_from_db()
    assert subject_request.status == Status.WAITING_FOR_SUBJECT
    question = subject_request.messages.get()
    assert (question.purpose, question.author, question.body) == ("identity", handler, text)
    assert OutgoingEmail.objects.filter(request=subject_request, kind="news").count() == 1
    assert [m.to for m in mail.outbox] == [["ola@example.no"]]
    page = client.get(change_url(subject_request)).content.decode()
    assert text in page  # the messages inline
    assert "Confirm identity" in page


def test_an_empty_question_or_an_outsider_gets_no_500(client, handler, outsider, org_no):
    subject_request = make_request(org_no, status=Status.IN_PROGRESS)
    client.force_login(handler)

    empty = client.post(page_url(subject_request, "ask"), {"purpose": "clarification",
                                                           "body": "  "})

    assert empty.status_code == 200
    assert "body" in empty.context["form"].errors
    client.force_login(outsider)
    for name in ("ask", "complete", "refuse", "forward"):
        assert client.get(page_url(subject_request, name)).status_code == 404
        assert client.post(page_url(subject_request, name), {"body": "x"}).status_code == 404
    subject_request.refresh_from_db()
    assert subject_request.status == Status.IN_PROGRESS
    assert not subject_request.messages.exists()


def test_a_move_the_workflow_refuses_is_shown_on_the_form(client, handler, org_no):
    waiting = make_request(org_no, status=Status.WAITING_FOR_SUBJECT)
    client.force_login(handler)

    response = client.post(page_url(waiting, "complete"), {"body": "Ferdig."})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "A request cannot go from “Waiting for the requester” to “Completed”."]
    assert not waiting.messages.exists()


# --- Attachments ---------------------------------------------------------------------------


@pytest.fixture
def attachment(org_no):
    subject_request = make_request(org_no, status=Status.IN_PROGRESS)
    message = Message.objects.create(request=subject_request, body="Her er passet mitt.",
                                     direction=Message.Direction.FROM_SUBJECT,
                                     purpose=Message.Purpose.REPLY)
    stored = conversation.store_attachment(message, upload=SimpleUploadedFile(
        "pass.pdf", b"%PDF-1.4 test document", content_type="application/pdf"))
    yield stored
    stored.file.delete(save=False)


def test_a_member_downloads_an_attachment_and_the_download_is_logged(client, handler,
                                                                     attachment):
    client.force_login(handler)

    page = client.get(change_url(attachment.request)).content.decode()
    response = client.get(attachment_url(attachment))

    assert f'href="{attachment_url(attachment)}"' in page and "pass.pdf" in page
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 test document"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="pass.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    viewed = attachment.request.events.get(kind=Event.Kind.ATTACHMENT_VIEWED)
    assert viewed.actor == handler and viewed.to_value == "pass.pdf"


def test_an_attachment_is_404_for_an_outsider_and_through_another_request(
        client, handler, outsider, org_no, attachment):
    other = make_request(org_no, status=Status.IN_PROGRESS)
    client.force_login(outsider)

    assert client.get(attachment_url(attachment)).status_code == 404
    client.force_login(handler)
    assert client.get(f"{LIST}{other.pk}/attachment/{attachment.pk}/").status_code == 404
    assert client.get(f"{LIST}{attachment.request_id}/attachment/999999/").status_code == 404
    assert not Event.objects.filter(kind=Event.Kind.ATTACHMENT_VIEWED).exists()


# --- Refusing and forwarding -------------------------------------------------------------------

REFUSAL = {"ground": "manifestly_unfounded", "body": "Forespørselen er åpenbart grunnløs."}


def test_only_a_lead_refuses_and_only_with_a_ground(client, handler, lead, org_no):
    subject_request = make_request(org_no, status=Status.IN_PROGRESS)
    client.force_login(handler)

    assert "decision-refuse" not in client.get(change_url(subject_request)).content.decode()
    for response in (client.get(page_url(subject_request, "refuse"), follow=True),
                     client.post(page_url(subject_request, "refuse"), REFUSAL, follow=True)):
        # A message on the request's page, not an error page.
        assert response.status_code == 200
        assert response.redirect_chain == [(change_url(subject_request), 302)]
        assert [level for level, text in messages_of(response)
                if text.startswith("Only a compliance lead or an organisation admin of this "
                                   "organisation may")] == ["error"]
    client.force_login(lead)
    assert "decision-refuse" in client.get(change_url(subject_request)).content.decode()
    no_ground = client.post(page_url(subject_request, "refuse"), {**REFUSAL, "ground": ""})

    assert no_ground.status_code == 200
    assert "ground" in no_ground.context["form"].errors
    subject_request.refresh_from_db()
    assert subject_request.status == Status.IN_PROGRESS and not subject_request.refusal_ground


def test_a_refusal_names_its_ground_and_the_right_to_complain_to_datatilsynet(
        client, lead, org_no, django_capture_on_commit_callbacks):
    subject_request = make_request(org_no, status=Status.IN_PROGRESS)
    template = ReplyTemplate.objects.create(
        outcome=ReplyTemplate.Outcome.REFUSED, language="nb", name="Grunnløs",
        body="Forespørselen fra {name} er åpenbart grunnløs.")
    client.force_login(lead)

    filled = client.get(page_url(subject_request, "refuse"), {"template": template.pk})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page_url(subject_request, "refuse"), REFUSAL)

    assert "Forespørselen fra Ola Nordmann er åpenbart grunnløs." in filled.content.decode()
    assert response.status_code == 302
    subject_request.refresh_from_db()
    assert subject_request.status == Status.REFUSED
    assert subject_request.refusal_ground == "manifestly_unfounded"
    assert not subject_request.partly_refused
    body = subject_request.messages.get().body
    assert body.startswith(REFUSAL["body"])
    assert AUTHORITY_CONTACTS[SupervisoryAuthority.DATATILSYNET_NO]["address"] in body
    assert OutgoingEmail.objects.filter(request=subject_request, kind="news").exists()
    assert "Manifestly unfounded (Art. 12(5))" in client.get(
        change_url(subject_request)).content.decode()


def test_a_partial_refusal_waits_for_the_checklist(client, lead, org_no):
    subject_request = make_request(org_no, status=Status.IN_PROGRESS)
    ChecklistItem.objects.create(request=subject_request, system_name="CRM")
    client.force_login(lead)

    response = client.post(page_url(subject_request, "refuse"),
                           {**REFUSAL, "ground": "rights_of_others", "partly": "on"})

    assert response.status_code == 200
    assert "Not yet finished: CRM" in response.content.decode()
    subject_request.refresh_from_db()
    assert subject_request.status == Status.IN_PROGRESS and not subject_request.refusal_ground


def test_a_processor_forwards_to_the_controller(client, handler, org_no,
                                                django_capture_on_commit_callbacks):
    org_no.acts_mostly_as_processor = True
    org_no.save()
    subject_request = make_request(org_no, status=Status.NEW)
    client.force_login(handler)

    page = client.get(change_url(subject_request)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page_url(subject_request, "forward"), {
            "controller_name": "Kunde AS", "controller_contact": "personvern@kunde.example",
            "forwarded_by": "portal", "body": "Kunde AS er behandlingsansvarlig; kontakt dem."})

    assert 'class="decision-forward prominent"' in page
    assert page.index("decision-forward") < page.index("decision-ask")
    assert response.status_code == 302
    subject_request.refresh_from_db()
    assert subject_request.status == Status.FORWARDED
    assert subject_request.forwarded_to_name == "Kunde AS"
    assert subject_request.forwarded_to_contact == "personvern@kunde.example"
    assert subject_request.events.get(kind=Event.Kind.FORWARDED).actor == handler


def test_forwarding_is_not_highlighted_for_a_controller(client, handler, org_no):
    subject_request = make_request(org_no, status=Status.NEW)
    client.force_login(handler)

    page = client.get(change_url(subject_request)).content.decode()

    assert 'class="decision-forward"' in page and "decision-forward prominent" not in page
    assert page.index("decision-ask") < page.index("decision-forward")


# --- Assigning ---------------------------------------------------------------------------------


def test_assign_to_offers_members_and_emails_the_assignee(
        client, handler, colleague, outsider, org_no, django_capture_on_commit_callbacks):
    first, second = make_request(org_no), make_request(org_no)
    client.force_login(handler)
    chosen = {"action": "assign_to", "_selected_action": [first.pk, second.pk]}

    page = client.post(LIST, chosen)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(LIST, {**chosen, "apply": "1", "assignee": colleague.pk})

    assert page.status_code == 200
    options = set(page.context["form"].fields["assignee"].queryset)
    assert options == {handler, colleague}
    assert first.reference in page.content.decode()
    assert response.status_code == 302
    for subject_request in (first, second):
        subject_request.refresh_from_db()
        assert subject_request.assignee == colleague
        assert subject_request.events.get(kind=Event.Kind.ASSIGNED).actor == handler
    assert [m.to for m in mail.outbox] == [["colleague@testfirma.example"]] * 2


def test_assign_to_refuses_an_outsider_and_reports_requests_of_other_organisations(
        client, boss, colleague, outsider, org_no, org_dk):
    ours, theirs = make_request(org_no), make_request(org_dk)
    client.force_login(boss)
    chosen = {"action": "assign_to", "_selected_action": [ours.pk, theirs.pk]}

    response = client.post(LIST, {**chosen, "apply": "1", "assignee": colleague.pk},
                           follow=True)

    ours.refresh_from_db()
    theirs.refresh_from_db()
    assert ours.assignee == colleague and theirs.assignee is None
    assert ("error", f"{theirs.reference}: colleague is not an active staff member of "
                     "Testfirma ApS.") in messages_of(response)


def test_assign_to_a_non_member_by_a_handler_is_refused(client, handler, outsider, org_no):
    subject_request = make_request(org_no)
    client.force_login(handler)

    response = client.post(LIST, {"action": "assign_to", "apply": "1",
                                  "_selected_action": [subject_request.pk],
                                  "assignee": outsider.pk})

    assert response.status_code == 200
    assert "assignee" in response.context["form"].errors
    subject_request.refresh_from_db()
    assert subject_request.assignee is None


# --- The queue ---------------------------------------------------------------------------------


@pytest.fixture
def queue(org_no, handler, colleague):
    today = timezone.localdate()

    def row(status, assignee, due_in, **fields):
        return make_request(org_no, status=status, assignee=assignee,
                            due_date=today + timedelta(days=due_in), **fields)

    return {
        "mine": row(Status.IN_PROGRESS, handler, 20),
        "mine_closed": row(Status.COMPLETED, handler, -10),
        "colleague": row(Status.IN_PROGRESS, colleague, 20),
        "unassigned": row(Status.NEW, None, 20),
        "unassigned_erasure": row(Status.NEW, None, 20, type="erasure"),
        "soon": row(Status.IN_PROGRESS, colleague, 3),
        "overdue": row(Status.IN_PROGRESS, colleague, -2),
        "waiting": row(Status.WAITING_FOR_SUBJECT, colleague, 20),
        "closed_unassigned": row(Status.REFUSED, None, -5),
    }


@pytest.mark.parametrize(("query", "expected"), [
    ("queue=mine", {"mine", "mine_closed"}),
    ("queue=unassigned", {"unassigned", "unassigned_erasure"}),
    ("queue=unassigned&type__exact=erasure", {"unassigned_erasure"}),
    ("queue=week", {"soon"}),
    ("queue=overdue", {"overdue"}),
    ("queue=waiting", {"waiting"}),
])
def test_queues_select_their_requests(client, handler, queue, query, expected):
    client.force_login(handler)

    html = client.get(f"{LIST}?{query}").content.decode()

    assert {name for name, row in queue.items() if row.reference in html} == expected


def test_the_queue_combines_with_the_organisation_filter(client, boss, org_no, org_dk):
    ours = make_request(org_no, status=Status.NEW)
    theirs = make_request(org_dk, status=Status.NEW)
    client.force_login(boss)

    html = client.get(f"{LIST}?queue=unassigned&organisation__id__exact={org_dk.pk}"
                      ).content.decode()

    assert theirs.reference in html and ours.reference not in html


# --- What the list shows -------------------------------------------------------------------


def test_the_list_shows_names_to_members_only_and_never_addresses(client, handler, boss,
                                                                  org_no):
    subject_request = make_request(org_no, subject_name="Kari Hemmelig",
                                   subject_email="kari.hemmelig@example.no",
                                   description="Kundenummer 998877")
    client.force_login(handler)
    member_view = client.get(LIST).content.decode()
    client.force_login(boss)
    superuser_view = client.get(LIST).content.decode()

    assert '<td class="field-subject_name_display">Kari Hemmelig</td>' in member_view
    assert subject_request.reference in superuser_view
    assert "Kari Hemmelig" not in superuser_view
    assert '<td class="field-subject_name_display">–</td>' in superuser_view
    for html in (member_view, superuser_view):
        assert "kari.hemmelig@example.no" not in html and "998877" not in html
    detail = client.get(change_url(subject_request)).content.decode()
    assert "kari.hemmelig@example.no" in detail and "998877" in detail


def test_the_request_page_links_duplicates_both_ways(client, handler, org_no):
    first = make_request(org_no)
    second = make_request(org_no, duplicate_of=first)
    client.force_login(handler)

    first_page = client.get(change_url(first)).content.decode()
    second_page = client.get(change_url(second)).content.decode()

    assert f'<a href="{change_url(second)}">{second.reference}</a>' in first_page
    assert f'<a href="{change_url(first)}">{first.reference}</a>' in second_page
    assert "Duplicate of" in second_page and "Duplicated by" in first_page


# --- Reply templates and systems ------------------------------------------------------------

TEMPLATES = "/admin/requests_app/replytemplate/"


def _template(organisation, name):
    return ReplyTemplate.objects.create(organisation=organisation, name=name, language="nb",
                                        outcome=ReplyTemplate.Outcome.COMPLETED, body="Hei.")


def test_members_see_their_own_and_shared_templates_and_edit_only_their_own(
        client, handler, org_no, org_dk):
    own, shared, other = (_template(org_no, "Vår mal"), _template(None, "Felles mal"),
                          _template(org_dk, "Deres mal"))
    client.force_login(handler)

    listed = client.get(TEMPLATES).content.decode()
    shared_page = client.get(f"{TEMPLATES}{shared.pk}/change/").content.decode()
    shared_post = client.post(f"{TEMPLATES}{shared.pk}/change/", {
        "organisation": org_no.pk, "name": "Kapret", "outcome": "completed",
        "language": "nb", "body": "x"})
    own_post = client.post(f"{TEMPLATES}{own.pk}/change/", {
        "organisation": org_no.pk, "name": "Vår mal", "outcome": "completed",
        "language": "nb", "request_type": "", "body": "Ny tekst for {reference}."})

    assert "Vår mal" in listed and "Felles mal" in listed and "Deres mal" not in listed
    assert client.get(f"{TEMPLATES}{other.pk}/change/").status_code == 404
    assert 'name="body"' not in shared_page  # read-only
    assert shared_post.status_code == 403
    shared.refresh_from_db()
    assert shared.name == "Felles mal"
    assert own_post.status_code == 302
    own.refresh_from_db()
    assert own.body == "Ny tekst for {reference}."


def test_members_add_templates_only_for_their_own_organisations(client, handler,
                                                                 boss, org_no, org_dk):
    data = {"name": "Ny", "outcome": "refused", "language": "nb", "request_type": "",
            "body": "Nei."}
    client.force_login(handler)

    page = client.get(f"{TEMPLATES}add/").content.decode()
    for_them = client.post(f"{TEMPLATES}add/", {**data, "organisation": org_dk.pk})
    shared = client.post(f"{TEMPLATES}add/", {**data, "organisation": ""})
    ours = client.post(f"{TEMPLATES}add/", {**data, "organisation": org_no.pk})
    client.force_login(boss)
    by_superuser = client.post(f"{TEMPLATES}add/", {**data, "name": "Felles",
                                                    "organisation": ""})

    assert org_dk.name not in page
    assert "organisation" in for_them.context["adminform"].form.errors
    assert "organisation" in shared.context["adminform"].form.errors
    assert ours.status_code == 302 and by_superuser.status_code == 302
    assert set(ReplyTemplate.objects.filter(name__in=["Ny", "Felles"])
               .values_list("name", "organisation")) == {
        ("Ny", org_no.pk), ("Felles", None)}


def test_systems_are_scoped_and_edited_with_relationships_and_request_types(
        client, org_admin, outsider, org_no):
    client.force_login(org_admin)

    response = client.post("/admin/requests_app/datasystem/add/", {
        "organisation": org_no.pk, "name": "Regnskap", "holds": "Fakturaer",
        "relationships": ["customer", "employee"], "request_types": ["erasure", "access"],
        "retention": "5 år (bokføringsloven)"})

    assert response.status_code == 302
    system = DataSystem.objects.get(name="Regnskap")
    assert system.relationships == ["customer", "employee"]
    assert system.request_types == ["erasure", "access"]
    listed = client.get("/admin/requests_app/datasystem/").content.decode()
    assert "Employee or former employee" in listed
    client.force_login(outsider)
    assert "Regnskap" not in client.get("/admin/requests_app/datasystem/").content.decode()
    assert client.get(f"/admin/requests_app/datasystem/{system.pk}/change/").status_code == 404


def test_the_membership_form_offers_no_other_organisations_staff(client, org_admin, outsider,
                                                                 django_user_model):
    newcomer = django_user_model.objects.create_user("newcomer", is_staff=True)
    client.force_login(org_admin)

    choices = set(client.get("/admin/requests_app/membership/add/").context[
        "adminform"].form.fields["user"].queryset)

    assert org_admin in choices and newcomer in choices
    assert outsider not in choices
