"""The requester reads the organisation's questions on the status page and answers there, with
documents if asked (for example a copy of an ID card to confirm their identity).

The answer goes through ``workflow.subject_replied``; files are checked by their first bytes,
stored outside the web root with no URL, and only their names are shown back to the requester.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import formats, timezone, translation

from requests_app import outcomes
from requests_app.casework import conversation, workflow
from requests_app.forms import allowed_type_names
from requests_app.models import Attachment, Message, Request, RequestOutcome, Status

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 32
QUESTION = "Please send a copy of your ID card.\n<b>Never</b> send your password."
ANSWER = "Here is my passport.\nThe number is 12345678."


def _nb(text: str, **params) -> str:
    """``text`` as the Norwegian pages render it (translated once the catalogue has it)."""
    with translation.override("nb"):
        translated = translation.gettext(text)
    return translated % params if params else translated


def _html(response) -> str:
    return response.content.decode()


@pytest.fixture(autouse=True)
def _remove_stored_files(db):
    """Attachments are real files in the private storage: remove what a test wrote."""
    yield
    for attachment in Attachment.objects.all():
        attachment.file.delete(save=False)


@pytest.fixture
def asked(confirmed, handler, django_capture_on_commit_callbacks):
    """A confirmed request the handler has asked to confirm the requester's identity."""
    handler.first_name, handler.last_name = "Hanne", "Saksbehandlersen"
    handler.save()
    subject_request, status_path = confirmed("access")
    with django_capture_on_commit_callbacks(execute=True):
        workflow.ask_subject(subject_request, body=QUESTION, purpose="identity", actor=handler)
    subject_request.refresh_from_db()
    assert subject_request.status == Status.WAITING_FOR_SUBJECT
    mail.outbox.clear()
    return subject_request, status_path


@pytest.fixture
def answer(client, django_capture_on_commit_callbacks):
    """POST an answer to a status page, running the e-mail tasks queued on commit."""

    def _answer(status_path, body=ANSWER, files=()):
        data = {"body": body}
        if files:
            data["files"] = list(files)
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(status_path, data)

    return _answer


def _pdf(name="passport.pdf", content=PDF, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def _staff_emails(org) -> list:
    return [m for m in mail.outbox if m.to == [org.contact_email]]


# --- Reading the conversation ----------------------------------------------------------------


def test_a_staff_question_appears_under_the_organisations_name(asked, client, org_no):
    subject_request, status_path = asked

    response = client.get(status_path)

    assert response.status_code == 200
    html = _html(response)
    conversation_html = html[html.index('data-testid="conversation"'):]
    assert org_no.name in conversation_html
    assert "Saksbehandlersen" not in html and "Hanne" not in html  # never the staff member
    # Escaped, with its line break kept.
    assert "Please send a copy of your ID card.<br>&lt;b&gt;Never&lt;/b&gt;" in html
    assert "<b>Never</b>" not in html
    # The reply form is highlighted with the question quoted.
    assert 'data-testid="reply-form"' in html
    question = html[html.index('data-testid="question"'):]
    assert question.index("Please send a copy of your ID card.") < question.index("</figure>")
    assert 'enctype="multipart/form-data"' in html
    assert "csrfmiddlewaretoken" in html
    assert 'type="file" name="files"' in html and " multiple" in html
    # The existing content is still there.
    for testid in ("reference", "status", "due-date", "due-date-steps", "timeline"):
        assert f'data-testid="{testid}"' in html
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "same-origin"


def test_an_open_request_that_is_not_waiting_shows_a_plain_message_form(confirmed, client):
    subject_request, status_path = confirmed("access")

    html = _html(client.get(status_path))

    assert 'data-testid="reply-form"' in html
    assert 'data-testid="question"' not in html
    assert 'data-testid="no-messages"' in html


# --- Answering -------------------------------------------------------------------------------


def test_an_answer_with_a_pdf_is_stored_and_the_request_goes_back_to_the_identity_check(
        asked, answer, client, org_no):
    subject_request, status_path = asked

    # The browser's claim about the type is not believed: the bytes decide.
    response = answer(status_path, files=[_pdf(content_type="application/octet-stream")])

    assert response.status_code == 302
    assert response["Location"] == status_path
    assert response["Cache-Control"] == "no-store"
    subject_request.refresh_from_db()
    assert subject_request.status == Status.IDENTITY_CHECK
    reply = subject_request.messages.get(direction=Message.Direction.FROM_SUBJECT)
    assert reply.body == ANSWER
    assert reply.author is None
    attachment = reply.attachments.get()
    assert attachment.request == subject_request
    assert (attachment.original_name, attachment.content_type, attachment.size) == (
        "passport.pdf", "application/pdf", len(PDF))

    staff = _staff_emails(org_no)
    assert len(staff) == 1
    email = staff[0]
    contents = [email.subject, email.body, *(body for body, _type in email.alternatives)]
    for content in contents:
        assert "passport" not in content.lower()
        assert "12345678" not in content
    assert subject_request.reference in email.subject + email.body

    page = client.get(status_path)
    html = _html(page)
    assert _nb("Your answer has been sent.") in html
    mine = html[html.index('data-direction="from_subject"'):]
    assert _nb("You") in mine[:mine.index("</li>")]
    assert "Here is my passport.<br>The number is 12345678." in mine
    assert "passport.pdf" in mine
    assert "<a " not in mine[:mine.index("</li>")]  # no download link for the requester
    assert attachment.file.name not in html


def test_an_answer_while_not_waiting_is_stored_and_leaves_the_status(confirmed, answer):
    subject_request, status_path = confirmed("access")

    response = answer(status_path, body="I forgot: I also had an account in 2019.")

    assert response.status_code == 302
    subject_request.refresh_from_db()
    assert subject_request.status == Status.NEW
    assert subject_request.messages.get().direction == Message.Direction.FROM_SUBJECT


def test_a_file_pretending_to_be_a_pdf_is_refused_and_the_text_kept(asked, answer, org_no):
    subject_request, status_path = asked

    response = answer(status_path, files=[_pdf(name="passport.pdf",
                                               content=b"MZ\x90\x00\x03\x00\x00\x00")])

    assert response.status_code == 400
    form = response.context["form"]
    assert form.has_error("files", "file_type")
    with translation.override("nb"):
        types = allowed_type_names()
    html = _html(response)
    assert _nb("“%(name)s” is not a %(types)s file. Only these types can be sent.",
               name="passport.pdf", types=types) in html
    assert _nb("Please choose your files again.") in html
    assert f"{ANSWER}</textarea>" in html
    _assert_nothing_happened(subject_request, org_no)


def test_too_many_files_are_refused(asked, answer, org_no):
    subject_request, status_path = asked
    files = [SimpleUploadedFile(f"page-{n}.png", PNG, content_type="image/png")
             for n in range(conversation.MAX_FILES + 1)]

    response = answer(status_path, files=files)

    assert response.status_code == 400
    assert response.context["form"].has_error("files", "too_many_files")
    assert f"{ANSWER}</textarea>" in _html(response)
    _assert_nothing_happened(subject_request, org_no)


def test_a_flood_of_files_is_a_bad_request_not_a_server_error(asked, answer, org_no):
    subject_request, status_path = asked
    files = [SimpleUploadedFile(f"p{n}.png", PNG, content_type="image/png")
             for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FILES + 1)]

    response = answer(status_path, files=files)

    assert response.status_code == 400
    _assert_nothing_happened(subject_request, org_no)


def test_a_file_over_the_size_limit_is_refused(asked, answer, org_no, monkeypatch):
    subject_request, status_path = asked
    monkeypatch.setattr(conversation, "MAX_FILE_BYTES", 16)

    response = answer(status_path, files=[_pdf()])

    assert response.status_code == 400
    assert response.context["form"].has_error("files", "file_too_large")
    assert "passport.pdf" in _html(response)
    _assert_nothing_happened(subject_request, org_no)


def test_an_empty_file_is_refused(asked, answer, org_no):
    subject_request, status_path = asked

    response = answer(status_path, files=[_pdf(content=b"")])

    assert response.status_code == 400
    assert response.context["form"].has_error("files", "empty")
    _assert_nothing_happened(subject_request, org_no)


def test_an_empty_answer_is_refused(asked, answer, org_no):
    subject_request, status_path = asked

    response = answer(status_path, body="   \n  ", files=[_pdf()])

    assert response.status_code == 400
    assert response.context["form"].has_error("body", "required")
    assert _nb("Please write your answer.") in _html(response)
    _assert_nothing_happened(subject_request, org_no)


def test_control_characters_are_refused_and_the_text_kept(asked, answer, org_no):
    subject_request, status_path = asked

    response = answer(status_path, body="Passnummer\x0012345678")

    assert response.status_code == 400
    assert response.context["form"].has_error("body", "control_characters")
    assert response.context["form"]["body"].value() == "Passnummer\x0012345678"
    _assert_nothing_happened(subject_request, org_no)


def test_an_answer_over_5000_characters_is_refused(asked, answer, org_no):
    subject_request, status_path = asked

    response = answer(status_path, body="x" * 5001)

    assert response.status_code == 400
    assert response.context["form"].has_error("body", "max_length")
    _assert_nothing_happened(subject_request, org_no)


def _assert_nothing_happened(subject_request, org) -> None:
    subject_request.refresh_from_db()
    assert subject_request.status == Status.WAITING_FOR_SUBJECT
    assert not subject_request.messages.filter(direction=Message.Direction.FROM_SUBJECT).exists()
    assert not Attachment.objects.exists()
    assert _staff_emails(org) == []


# --- Closed requests, wrong tokens, too many tries ------------------------------------------


def test_a_closed_request_shows_no_form_and_refuses_an_answer(confirmed, answer, client,
                                                              handler):
    subject_request, status_path = confirmed("access")
    workflow.complete(subject_request, answer="Ferdig.", actor=handler)

    page = client.get(status_path)
    assert page.status_code == 200
    assert 'data-testid="reply-form"' not in _html(page)
    assert "<textarea" not in _html(page)

    response = answer(status_path, files=[_pdf()])

    assert response.status_code == 400
    html = _html(response)
    assert _nb("This request is closed; it no longer takes messages.") in html
    assert 'data-testid="reply-refused"' in html
    assert "<textarea" not in html
    assert not Message.objects.filter(direction=Message.Direction.FROM_SUBJECT).exists()
    assert not Attachment.objects.exists()
    assert Request.objects.get().status == Status.COMPLETED


def test_an_answer_to_a_wrong_token_is_not_found(asked, answer):
    response = answer("/nb/status/not-a-real-token/", files=[_pdf()])

    assert response.status_code == 404
    assert not Attachment.objects.exists()


def test_answers_are_rate_limited_per_ip(asked, answer, settings):
    subject_request, status_path = asked
    settings.INTAKE_RATE_LIMIT = "2/h"

    assert answer(status_path, body="").status_code == 400
    assert answer(status_path).status_code == 302
    assert answer(status_path, body="One more").status_code == 429
    assert subject_request.messages.filter(direction=Message.Direction.FROM_SUBJECT).count() == 1


# --- CSRF ------------------------------------------------------------------------------------


def _csrf_client_and_token(status_path) -> tuple[Client, str]:
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(status_path)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', _html(page)).group(1)
    return browser, token


def test_the_pages_own_form_passes_the_csrf_check(asked, django_capture_on_commit_callbacks):
    subject_request, status_path = asked
    browser, token = _csrf_client_and_token(status_path)

    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post(status_path, {"body": ANSWER, "csrfmiddlewaretoken": token},
                                headers={"Origin": "http://testserver"})

    assert response.status_code == 302
    assert subject_request.messages.filter(direction=Message.Direction.FROM_SUBJECT).exists()


@pytest.mark.parametrize("headers, with_token", [
    ({"Origin": "null"}, True),
    ({"Origin": "https://attacker.example"}, True),
    ({"Origin": "http://testserver"}, False),
])
def test_a_forged_answer_fails_the_csrf_check(asked, headers, with_token):
    subject_request, status_path = asked
    browser, token = _csrf_client_and_token(status_path)
    data = {"body": ANSWER, **({"csrfmiddlewaretoken": token} if with_token else {})}

    response = browser.post(status_path, data, headers=headers)

    assert response.status_code == 403
    assert not subject_request.messages.filter(
        direction=Message.Direction.FROM_SUBJECT).exists()


# --- Where the files go ------------------------------------------------------------------------


def test_an_attachment_is_stored_privately_and_has_no_url(asked, answer, client):
    subject_request, status_path = asked

    answer(status_path, files=[SimpleUploadedFile("id.png", PNG, content_type="image/png")])

    attachment = Attachment.objects.get()
    assert attachment.content_type == "image/png"
    private_root = Path(settings.STORAGES["private"]["OPTIONS"]["location"]).resolve()
    stored = Path(attachment.file.path).resolve()
    assert stored.is_relative_to(private_root)
    assert b"".join(conversation.open_attachment(attachment)) == PNG  # encrypted on disk
    assert "id.png" not in stored.name  # the original name is personal data: database only
    for public in (settings.STATIC_ROOT, *settings.STATICFILES_DIRS,
                   settings.MEDIA_ROOT or settings.BASE_DIR / "media"):
        assert not stored.is_relative_to(Path(public).resolve())
    # Ideally the storage has no URL at all. Django's FileSystemStorage falls back to
    # MEDIA_URL when base_url is None, so accept a URL only if nothing serves the file there.
    try:
        url = attachment.file.url
    except ValueError:
        url = None
    if url is not None:
        for path in (url, f"/nb{url}", f"/static{url}"):
            served = client.get(path)
            assert served.status_code == 404, path
            assert PNG not in b"".join(getattr(served, "streaming_content", [served.content]))
    html = _html(client.get(status_path))
    assert stored.name not in html
    assert not re.search(r"href=\"[^\"]*attachments/", html)


# --- A restriction in force takes answers until it is lifted (Art. 18(3)) -------------------


@pytest.fixture
def restricted_and_closed(confirmed, handler, lead, django_capture_on_commit_callbacks):
    """A completed restriction whose requester was told that it will be lifted."""
    subject_request, status_path = confirmed("restriction")
    outcomes.record(subject_request, actor=handler, restricted_processing="Markedsføring",
                    restriction_ground="accuracy", restricted_until=date(2099, 1, 1))
    Request.objects.filter(pk=subject_request.pk).update(status=Status.COMPLETED,
                                                         closed_at=timezone.now())
    subject_request.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        outcomes.notify_lift(subject_request, actor=lead)
    mail.outbox.clear()
    return subject_request, status_path


def test_a_closed_restriction_takes_an_answer_until_it_is_lifted(
        restricted_and_closed, answer, client):
    subject_request, status_path = restricted_and_closed
    lift_from = RequestOutcome.objects.get().lift_not_before
    assert lift_from == timezone.localdate() + timedelta(days=14)

    html = _html(client.get(status_path))
    assert 'data-testid="reply-form"' in html and "<textarea" in html
    assert 'data-testid="lift-from"' in html
    with translation.override("nb"):
        assert formats.date_format(lift_from) in html

    response = answer(status_path, body="Jeg bestrider fortsatt riktigheten.")

    assert response.status_code == 302
    reply = Message.objects.get(direction=Message.Direction.FROM_SUBJECT)
    assert reply.body == "Jeg bestrider fortsatt riktigheten."
    assert Request.objects.get().status == Status.COMPLETED  # a closed request stays closed
    told = [m.to for m in mail.outbox]
    assert told and [subject_request.subject_email] not in told  # staff hear of it


def test_once_the_restriction_is_lifted_the_page_takes_no_more_answers(
        restricted_and_closed, answer, client, lead):
    subject_request, status_path = restricted_and_closed
    with time_machine.travel(timezone.now() + timedelta(days=15), tick=False):
        outcomes.lift_restriction(subject_request, actor=lead)

    html = _html(client.get(status_path))
    assert "<textarea" not in html and 'data-testid="lift-from"' not in html
    response = answer(status_path)

    assert response.status_code == 400
    assert _nb("This request is closed; it no longer takes messages.") in _html(response)
    assert not Message.objects.filter(direction=Message.Direction.FROM_SUBJECT).exists()
    with translation.override("en"), pytest.raises(ValidationError, match="is closed"):
        workflow.subject_replied(subject_request, body="For sent.")
