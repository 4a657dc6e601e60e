"""A forwarded request really reaches the controller (GDPR Art. 28(3)(e)), and the requester is
told what happened: either the portal e-mails the request to the controller's address through
the outbox (what the requester asked, the reference; logged), or staff record how and when
they sent it themselves. The reply to the requester ends with a paragraph that says which;
the shared default replies no longer claim a forwarding nobody made."""

from __future__ import annotations

import importlib
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import formats, timezone, translation

from requests_app.casework import replies, reply_defaults, workflow
from requests_app.models import Event, Message, OutgoingEmail, ReplyTemplate, Status
from tests.factories import make_request

LIST = "/admin/requests_app/request/"
CONTROLLER = {"controller_name": "Kunde AS", "controller_contact": "privacy@kunde.example"}


@pytest.fixture
def processor(org_no):
    org_no.acts_mostly_as_processor = True
    org_no.save()
    return org_no


@pytest.fixture
def asked(processor):
    """A request in English about data the processor holds for its customer."""
    return make_request(processor, status=Status.IN_PROGRESS, language="en", days_ago=2,
                        subject_name="Kari Nordmann", subject_email="kari@example.no",
                        description="Customer number 1234 in the shop",
                        details={"scope": "Order history"})


def answer_of(subject_request) -> str:
    return subject_request.messages.get(direction=Message.Direction.TO_SUBJECT,
                                        purpose=Message.Purpose.ANSWER).body


def long_date(moment) -> str:
    with translation.override("en"):
        return formats.date_format(timezone.localtime(moment), "DATE_FORMAT")


def nothing_forwarded(subject_request) -> bool:
    subject_request.refresh_from_db()
    return (subject_request.status == Status.IN_PROGRESS
            and not subject_request.forwarded_to_name and not subject_request.forwarded_by
            and not subject_request.messages.exists()
            and not subject_request.events.filter(kind=Event.Kind.FORWARDED).exists()
            and not OutgoingEmail.objects.exists())


# --- The portal e-mails it ----------------------------------------------------------------------


def test_the_portal_emails_the_controller_what_was_asked_with_the_reference_and_logs_it(
        asked, handler, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        workflow.forward(asked, **CONTROLLER, forwarded_by="portal",
                         answer="Kunde AS decides about this data.", actor=handler)

    email = OutgoingEmail.objects.get(kind="forward-controller")
    assert (email.to, email.language, email.state) == ("privacy@kunde.example", "nb",
                                                       OutgoingEmail.State.SENT)
    for fact in (asked.reference, "Kari Nordmann", "kari@example.no",
                 "Customer number 1234 in the shop", "Order history"):
        assert fact in email.body_text
    [sent] = [m for m in mail.outbox if m.to == ["privacy@kunde.example"]]
    assert asked.reference in sent.subject
    asked.refresh_from_db()
    assert asked.status == Status.FORWARDED
    assert asked.forwarded_by == "portal" and asked.forwarded_at is not None
    forwarded = asked.events.get(kind=Event.Kind.FORWARDED)
    assert forwarded.actor == handler
    assert forwarded.message == "E-mailed by the portal to privacy@kunde.example."
    assert asked.events.filter(kind=Event.Kind.EMAIL_SENT,
                               to_value="privacy@kunde.example").count() == 1


def test_the_reply_says_the_portal_sent_it_by_email_and_how_to_reach_the_controller(
        asked, handler, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        workflow.forward(asked, **CONTROLLER, forwarded_by="portal",
                         answer="Kunde AS decides about this data.", actor=handler)

    asked.refresh_from_db()
    answer = answer_of(asked)
    assert answer.startswith("Kunde AS decides about this data.\n\n")
    assert answer.endswith(
        f"We sent your request ({asked.reference}) to Kunde AS by e-mail on "
        f"{long_date(asked.forwarded_at)}. Kunde AS is the controller and answers it; you can "
        "also contact them directly: privacy@kunde.example.")
    assert OutgoingEmail.objects.filter(kind="news", to="kari@example.no").count() == 1


def test_the_portal_cannot_email_a_phone_number(asked, handler):
    with pytest.raises(ValidationError) as refused:
        workflow.forward(asked, controller_name="Kunde AS", controller_contact="+47 22 33 44 55",
                         forwarded_by="portal", answer="Kontakt Kunde AS.", actor=handler)

    assert "only to an e-mail address" in refused.value.message_dict["controller_contact"][0]
    assert nothing_forwarded(asked)


# --- Staff sent it themselves ------------------------------------------------------------------


def test_staff_who_sent_it_by_letter_record_when_and_the_reply_says_so(
        asked, handler, django_capture_on_commit_callbacks):
    sent_at = timezone.localtime() - timedelta(days=1)

    with django_capture_on_commit_callbacks(execute=True):
        workflow.forward(asked, controller_name="Kunde AS",
                         controller_contact="Kunde AS, Postboks 1, 0101 Oslo",
                         forwarded_by="letter", forwarded_at=sent_at,
                         answer="Kunde AS decides about this data.", actor=handler)

    asked.refresh_from_db()
    assert (asked.forwarded_by, asked.forwarded_at) == ("letter", sent_at)
    assert not OutgoingEmail.objects.filter(kind="forward-controller").exists()
    assert asked.events.get(kind=Event.Kind.FORWARDED).message.startswith(
        "Sent by staff by letter on ")
    assert answer_of(asked).endswith(
        f"We sent your request ({asked.reference}) to Kunde AS by letter on "
        f"{long_date(sent_at)}. Kunde AS is the controller and answers it; you can also "
        "contact them directly: Kunde AS, Postboks 1, 0101 Oslo.")


@pytest.mark.parametrize(("how", "when", "field", "error"), [
    ("", None, "forwarded_by", "Say how the request reaches the controller"),
    ("nobody", None, "forwarded_by", "Say how the request reaches the controller"),
    ("email", None, "forwarded_at", "Say when."),
    ("letter", lambda: timezone.now() + timedelta(hours=2), "forwarded_at", "in the future"),
    ("letter", lambda: timezone.now() - timedelta(days=30), "forwarded_at",
     "before the request was received"),
])
def test_a_forwarding_nobody_made_is_refused(asked, handler, how, when, field, error):
    with pytest.raises(ValidationError) as refused:
        workflow.forward(asked, **CONTROLLER, forwarded_by=how,
                         forwarded_at=when() if when else None, answer="Kontakt Kunde AS.",
                         actor=handler)

    assert error in refused.value.message_dict[field][0]
    assert nothing_forwarded(asked)


# --- The admin's Forward page ------------------------------------------------------------------


def test_the_forward_page_lets_the_portal_send_it(client, handler, asked,
                                                   django_capture_on_commit_callbacks):
    client.force_login(handler)
    url = f"{LIST}{asked.pk}/forward/"

    page = client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {**CONTROLLER, "forwarded_by": "portal",
                                     "body": "Kunde AS decides about this data."})

    assert "How the request reaches the controller" in page
    assert response.status_code == 302
    asked.refresh_from_db()
    assert asked.status == Status.FORWARDED
    assert OutgoingEmail.objects.filter(kind="forward-controller",
                                        to="privacy@kunde.example").count() == 1
    change = client.get(f"{LIST}{asked.pk}/change/").content.decode()
    assert "Forwarded by" in change and "E-mailed by the portal" in change


def test_the_forward_page_asks_when_staff_sent_it(client, handler, asked):
    client.force_login(handler)

    response = client.post(f"{LIST}{asked.pk}/forward/", {
        **CONTROLLER, "forwarded_by": "letter", "body": "Kunde AS decides about this data."})

    assert response.status_code == 200
    assert response.context["form"].errors["forwarded_time"] == ["Say when."]
    assert nothing_forwarded(asked)


# --- The default replies ------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["nb", "da", "en"])
def test_the_default_forwarding_reply_claims_no_forwarding(processor, language):
    subject_request = make_request(processor, language=language)
    [template] = replies.templates_for(subject_request, ReplyTemplate.Outcome.FORWARDED)

    text = replies.render(template, subject_request)

    assert template.organisation is None
    for claim in ("Vi har sendt", "We have forwarded", "[", "]"):
        assert claim not in text


def migration_module():
    """The migration that updates the shared texts, by its name (the number may change)."""
    [path] = Path(apps.get_app_config("requests_app").path, "migrations").glob(
        "*_notice_told_and_forwarded.py")
    return importlib.import_module(f"requests_app.migrations.{path.stem}")


def test_existing_installs_get_the_new_default_text_unless_an_administrator_edited_it(db):
    migration = migration_module()
    old = {language: body for _o, language, _n, body in migration.OLD}
    new = {language: body for _o, language, _n, body in migration.NEW}
    shared = ReplyTemplate.objects.filter(organisation=None, outcome="forwarded")
    shared.filter(language="en").update(body=old["en"])
    shared.filter(language="nb").update(body="Our own text: we sent it on.")
    shared.filter(language="da").update(body=old["da"])

    migration.update_unchanged(apps, None)

    assert shared.get(language="en").body == new["en"]
    assert shared.get(language="da").body == new["da"]
    assert shared.get(language="nb").body == "Our own text: we sent it on."
    assert [body for _o, _l, _n, body in reply_defaults.DEFAULTS
            if _o == "forwarded"] == list(new.values())


def test_a_fresh_install_has_the_new_default_texts_and_the_migration_changes_nothing(db):
    migration = migration_module()
    before = list(ReplyTemplate.objects.order_by("pk").values_list("body", flat=True))

    migration.update_unchanged(apps, None)

    assert list(ReplyTemplate.objects.order_by("pk").values_list("body", flat=True)) == before
    assert not ReplyTemplate.objects.filter(
        body__in=[body for *_rest, body in migration.OLD]).exists()

