"""Every admin page of the app runs a fixed number of queries, however many rows it shows.

Each model registered in the admin for ``requests_app`` needs a row maker here (a new
registration without one fails ``test_every_registered_model_is_covered``). List pages are
measured with 3 and with 20 rows; change pages with 3 and 20 related rows: the request's
inlines (events, checklist, messages, attachments, reminders), an organisation's systems,
and for the others more rows in the lists their form fields choose from.
"""

from itertools import count

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from requests_app import events, outcomes
from requests_app.identity import configuration
from requests_app.models import (
    Attachment,
    ChecklistItem,
    DataSystem,
    EidSettings,
    Event,
    IncomingMessage,
    Invitation,
    Mailbox,
    Membership,
    Message,
    Organisation,
    OutgoingEmail,
    ProcessingRecord,
    Reminder,
    ReplyTemplate,
    Request,
    Status,
    SuppressionEntry,
)
from tests.factories import make_request

FEW, MANY = 3, 20
_serial = count()


def _n() -> int:
    return next(_serial)


def _organisations(org, n):
    for _ in range(n):
        i = _n()
        Organisation.objects.create(name=f"Firma {i}", slug=f"firma-{i}", country="NO",
                                    contact_email=f"post{i}@firma.example",
                                    supervisory_authority="datatilsynet-no")


def _memberships(org, n):
    for _ in range(n):
        user = get_user_model().objects.create_user(f"staff{_n()}", is_staff=True)
        Membership.objects.create(user=user, organisation=org)


def _requests(org, n):
    staff = get_user_model().objects.filter(memberships__organisation=org).first()
    for i in range(n):
        make_request(org, status=Status.IN_PROGRESS, assignee=staff if i % 2 else None,
                     days_ago=i)


def _emails(org, n):
    subject_request = make_request(org)
    for _ in range(n):
        OutgoingEmail.objects.create(request=subject_request, kind="news",
                                     to=f"x{_n()}@example.no", language="nb",
                                     subject="Nytt", body_text="Nytt i saken.")


def _templates(org, n):
    for i in range(n):
        ReplyTemplate.objects.create(organisation=org if i % 2 else None, name=f"Mal {_n()}",
                                     outcome=ReplyTemplate.Outcome.COMPLETED, language="nb",
                                     body="Hei {name}.")


def _systems(org, n):
    for _ in range(n):
        DataSystem.objects.create(organisation=org, name=f"System {_n()}",
                                  relationships=["customer"], request_types=["access"])


def _records(org, n):
    system = DataSystem.objects.create(organisation=org, name=f"System {_n()}")
    for _ in range(n):
        ProcessingRecord.objects.create(
            organisation=org, name=f"Behandling {_n()}", purposes="Levering",
            legal_basis="contract", data_categories="Navn", relationships=["customer"],
            retention="5 år").systems.set([system])


def _suppressions(org, n):
    for _ in range(n):
        outcomes.suppress(org, f"x{_n()}@example.no", request=make_request(org))


def _eid_settings(org, n):
    """One broker per organisation: each row is another organisation's."""
    for _ in range(n):
        i = _n()
        other = Organisation.objects.create(name=f"Eid {i}", slug=f"eid-{i}", country="NO",
                                            contact_email=f"eid{i}@firma.example",
                                            supervisory_authority="datatilsynet-no")
        configuration.configure(other, actor=None, issuer=f"https://broker{i}.example",
                                client_id="c", client_secret="s", methods=["no_bankid"],
                                level="substantial", discover=False)


def _invitations(org, n):
    for _ in range(n):
        Invitation.objects.create(email=f"x{_n()}@example.no", organisation=org,
                                  token_hash=f"hash-{_n()}", expires_at=timezone.now())


def _mailboxes(org, n):
    """A mailbox is one per organisation: each in an organisation of its own."""
    for _ in range(n):
        i = _n()
        other = Organisation.objects.create(name=f"Firma {i}", slug=f"firma-{i}",
                                            country="NO", contact_email=f"post{i}@firma.example",
                                            supervisory_authority="datatilsynet-no")
        Mailbox.objects.create(organisation=other, host="imap.example.no", username=f"p{i}")


def _incoming(org, n):
    from datetime import UTC, datetime

    from requests_app.mailbox import fetch

    box = Mailbox.objects.filter(organisation=org).first() or Mailbox.objects.create(
        organisation=org, host="imap.example.no", username="personvern")
    for _ in range(n):
        i = _n()
        raw = (f"From: Kari <kari{i}@example.no>\r\nSubject: Innsyn {i}\r\n"
               f"Message-ID: <{i}@example.no>\r\n\r\nJeg ber om innsyn.\r\n").encode()
        fetch.save_message(box, uidvalidity=1, uid=i + 1, raw=raw, size=len(raw),
                           arrival=datetime(2026, 12, 1, tzinfo=UTC))


#: Rows of each registered model, made as the given organisation's.
ROW_MAKERS = {
    Organisation: _organisations,
    Membership: _memberships,
    ReplyTemplate: _templates,
    DataSystem: _systems,
    OutgoingEmail: _emails,
    Request: _requests,
    ProcessingRecord: _records,
    SuppressionEntry: _suppressions,
    EidSettings: _eid_settings,
    Invitation: _invitations,
    Mailbox: _mailboxes,
    IncomingMessage: _incoming,
}


def _request_parts(subject_request, n, user):
    """n more rows of each inline on the request's page."""
    for _ in range(n):
        i = _n()
        events.record(subject_request, Event.Kind.NOTE, actor=user, message=f"note {i}")
        ChecklistItem.objects.create(request=subject_request, system_name=f"System {i}",
                                     updated_by=user if i % 2 else None)
        message = Message.objects.create(
            request=subject_request, body=f"Melding {i}", author=user if i % 2 else None,
            direction=(Message.Direction.TO_SUBJECT if i % 2
                       else Message.Direction.FROM_SUBJECT),
            purpose=Message.Purpose.CLARIFICATION if i % 2 else Message.Purpose.REPLY)
        Attachment.objects.create(request=subject_request, message=message,
                                  file=f"attachments/{subject_request.pk}/{i}",
                                  original_name=f"vedlegg-{i}.pdf",
                                  content_type="application/pdf", size=1000 + i)
        Reminder.objects.create(request=subject_request, kind=f"overdue_{i}",
                                for_due_date=subject_request.due_date,
                                recipients=f"lead{i}@testfirma.example")


def _change_page_object(model, org, user):
    """One object of ``model`` to show, and how to give it n more related rows."""
    if model is Organisation:
        return org, lambda n: (_systems(org, n), _records(org, n))
    if model is Request:
        subject_request = make_request(org, status=Status.IN_PROGRESS, assignee=user)
        return subject_request, lambda n: _request_parts(subject_request, n, user)
    before = set(model.objects.values_list("pk", flat=True))
    ROW_MAKERS[model](org, 1)
    obj = model.objects.exclude(pk__in=before).latest("pk")
    return obj, lambda n: ROW_MAKERS[model](org, n)  # more choices in its selects


def _registered():
    return [model for model in admin.site._registry if model._meta.app_label == "requests_app"]


@pytest.fixture
def member_superuser(django_user_model, org_no):
    """Sees every page; as a member of org_no also the requesters' names."""
    user = django_user_model.objects.create_superuser("boss", "boss@example.no", "pw-1-boss")
    Membership.objects.create(user=user, organisation=org_no,
                              role=Membership.Role.COMPLIANCE_LEAD)
    return user


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def test_every_registered_model_is_covered():
    assert set(_registered()) == set(ROW_MAKERS)


@pytest.mark.parametrize("model", _registered(), ids=lambda m: m._meta.model_name)
@pytest.mark.parametrize("who", ["superuser", "handler"])
def test_the_list_page_runs_the_same_queries_for_3_and_20_rows(
        client, org_no, handler, member_superuser, model, who):
    user = member_superuser if who == "superuser" else handler
    url = reverse(f"admin:requests_app_{model._meta.model_name}_changelist")
    client.force_login(user)
    if client.get(url).status_code == 403:
        pytest.skip(f"{who} may not see {model._meta.verbose_name_plural}")
    ROW_MAKERS[model](org_no, FEW)
    _queries(client, url)  # warm up sessions, content types and permissions
    few = _queries(client, url)

    ROW_MAKERS[model](org_no, MANY - FEW)
    many = _queries(client, url)

    assert many == few


@pytest.mark.parametrize("model", _registered(), ids=lambda m: m._meta.model_name)
@pytest.mark.parametrize("who", ["superuser", "handler"])
def test_the_change_page_runs_the_same_queries_for_3_and_20_related_rows(
        client, org_no, handler, member_superuser, model, who):
    user = member_superuser if who == "superuser" else handler
    obj, grow = _change_page_object(model, org_no, user)
    url = reverse(f"admin:requests_app_{model._meta.model_name}_change", args=[obj.pk])
    client.force_login(user)
    if client.get(url).status_code in (302, 403):
        pytest.skip(f"{who} may not see this {model._meta.verbose_name}")
    grow(FEW)
    _queries(client, url)
    few = _queries(client, url)

    grow(MANY - FEW)
    many = _queries(client, url)

    assert many == few


def test_the_request_page_shows_every_inline_row(client, org_no, member_superuser):
    subject_request = make_request(org_no, status=Status.IN_PROGRESS)
    _request_parts(subject_request, MANY, member_superuser)
    client.force_login(member_superuser)

    html = client.get(reverse("admin:requests_app_request_change",
                              args=[subject_request.pk])).content.decode()

    for prefix in ("events", "checklist", "messages", "attachments", "reminders"):
        assert f'id="{prefix}-{MANY - 1}"' in html, prefix
    assert html.count('<td class="field-original_name">') == MANY
    assert html.count('/attachment/') == MANY  # one download link each
