"""The requester answers the organisation's question on the status page in a real browser
(Debian's chromium, driven by Playwright), with a document attached.

The launch settings and ``_in`` are those of ``tests/test_browser.py``.
"""

from __future__ import annotations

import pytest
from django.core import mail
from playwright.sync_api import expect

from requests_app.casework import conversation, workflow
from requests_app.forms import ReplyForm
from requests_app.models import Attachment, Message, Status
from tests.support import SCREENSHOTS, in_language

# The live server needs committed data: these tests run after the others (pytest-django
# orders transactional tests last) and each flushes the database at its end. The serialized
# rollback loads what the migrations wrote (groups, shared reply templates) before each one,
# since the one before it flushed them.
pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 32
QUESTION = "Vi må bekrefte hvem du er.\nSend oss et bilde av førerkortet ditt."
ANSWER = "Her er førerkortet mitt.\nHilsen Kari"



@pytest.fixture(autouse=True)
def _remove_stored_files(db):
    yield
    for attachment in Attachment.objects.all():
        attachment.file.delete(save=False)


def test_the_requester_answers_a_question_with_a_document(page, live_server, confirmed, handler,
                                                          tmp_path):
    subject_request, status_path = confirmed("access")
    workflow.ask_subject(subject_request, body=QUESTION, purpose="identity", actor=handler)
    mail.outbox.clear()
    document = tmp_path / "forerkort.png"
    document.write_bytes(PNG)

    page.goto(live_server.url + status_path)
    expect(page.get_by_test_id("status")).to_have_text(
        in_language("nb", Status.WAITING_FOR_SUBJECT.label))
    expect(page.get_by_test_id("question")).to_contain_text("Vi må bekrefte hvem du er.")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "status-conversation-question.png"), full_page=True)
    form = page.get_by_test_id("reply-form")
    form.get_by_label(in_language("nb", ReplyForm.base_fields["body"].label)).fill(ANSWER)
    form.locator("input[type=file][name=files]").set_input_files(str(document))
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        form.get_by_role("button", name=in_language("nb", "Send answer")).click()

    assert posted.value.status == 302
    expect(page).to_have_url(live_server.url + status_path)
    expect(page.locator("main .alert-success")).to_have_text(
        in_language("nb", "Your answer has been sent."))
    mine = page.locator('[data-testid=message][data-direction="from_subject"]')
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text(in_language("nb", "You"))
    expect(mine.get_by_test_id("message-body")).to_have_text(
        "Her er førerkortet mitt.Hilsen Kari")  # the line break is a <br>
    expect(mine.get_by_test_id("message-files")).to_contain_text("forerkort.png")
    expect(mine.locator("a")).to_have_count(0)
    expect(page.get_by_test_id("status")).to_have_text(
        in_language("nb", Status.IDENTITY_CHECK.label))
    expect(page.get_by_test_id("question")).to_have_count(0)  # no longer waiting
    page.screenshot(path=str(SCREENSHOTS / "status-conversation.png"), full_page=True)

    subject_request.refresh_from_db()
    assert subject_request.status == Status.IDENTITY_CHECK
    reply = subject_request.messages.get(direction=Message.Direction.FROM_SUBJECT)
    assert reply.body.replace("\r\n", "\n") == ANSWER  # browsers send CRLF
    attachment = reply.attachments.get()
    assert (attachment.original_name, attachment.content_type) == ("forerkort.png", "image/png")
    assert b"".join(conversation.open_attachment(attachment)) == PNG
    assert Attachment.objects.count() == 1
    staff = [m for m in mail.outbox if m.to == [subject_request.organisation.contact_email]]
    assert len(staff) == 1 and "førerkortet" not in staff[0].body
