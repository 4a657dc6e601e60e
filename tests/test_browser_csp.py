"""Under the strict Content-Security-Policy the pages still look and work as before in a real
browser (Debian's chromium): chromium reports no violation, the styles that moved from inline
to static files apply, and the forms and the scripts (the admin's, our upload check) run.
"""

from __future__ import annotations

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from requests_app.models import Attachment, Request, Status
from tests.factories import make_request
from tests.support import VALID, staff_page

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def _remove_stored_files(db):
    yield
    for attachment in Attachment.objects.all():
        attachment.file.delete(save=False)


def _watch_csp(page: Page) -> list[str]:
    """Chromium logs each refused script, style or attribute to the console."""
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.on("pageerror", lambda error: violations.append(str(error)))
    return violations


def test_the_public_form_works_under_the_csp(page, live_server, org_no):
    violations = _watch_csp(page)
    page.goto(f"{live_server.url}/en/o/{org_no.slug}/access/")

    # The styles that moved from base.html's <style> and style="" into portal.css apply.
    assert page.locator("main").evaluate("e => getComputedStyle(e).maxWidth") == "736px"
    honeypot = page.locator("[name=website]")
    assert honeypot.evaluate("e => e.closest('.hp-field') !== null")
    assert honeypot.evaluate("e => e.getBoundingClientRect().right") < 0  # off-screen
    page.locator("[name=subject_name]").fill(VALID["subject_name"])
    page.locator("[name=subject_email]").fill(VALID["subject_email"])
    page.locator("[name=relationship]").select_option(VALID["relationship"])
    page.locator("main form [type=submit]").click()

    expect(page).to_have_url(f"{live_server.url}/en/o/{org_no.slug}/sent/")
    assert Request.objects.count() == 1 and len(mail.outbox) == 1
    assert violations == []


def test_the_admin_pages_work_under_the_csp(new_context, live_server, client, admin_user,
                                            org_no):
    # New, so the page offers a status action ("Start work") in its own form.
    overdue = make_request(org_no, status=Status.NEW, days_ago=60)
    staff = staff_page(new_context, live_server, client, admin_user)
    violations = _watch_csp(staff)

    staff.goto(f"{live_server.url}/admin/requests_app/request/?queue=all")
    late = staff.locator(".clock-overdue").first
    expect(late).to_be_visible()
    assert late.evaluate("e => getComputedStyle(e).color") == "rgb(255, 0, 0)"

    staff.goto(f"{live_server.url}/admin/requests_app/request/{overdue.pk}/change/")
    expect(staff.locator(".clock-overdue")).to_be_visible()
    expect(staff.locator("#request_form")).to_be_visible()
    # change_form.html's rules, moved from a <style> element to admin.css, apply.
    actions = staff.locator("form.request-status-actions")
    assert actions.evaluate("e => getComputedStyle(e).marginBottom") != "0px"
    staff.goto(f"{live_server.url}/admin/requests_app/organisation/add/")
    staff.locator("[name=name]").press_sequentially("Ny Bedrift AS")
    # Django's prepopulate.js (a script file, not inline) fills the slug as the name is typed.
    expect(staff.locator("[name=slug]")).to_have_value("ny-bedrift-as")
    staff.goto(f"{live_server.url}/staff/reports/")
    expect(staff.locator("main, #content").first).to_be_visible()

    assert violations == []


def test_the_status_page_refuses_an_oversized_file_before_sending_it(page, live_server,
                                                                     confirmed, monkeypatch):
    """static/requests_app/upload_limits.js (a file, so the CSP allows it) checks the limits
    the form carries; nothing is sent."""
    from requests_app.casework import conversation

    monkeypatch.setattr(conversation, "MAX_FILE_BYTES", 1000)
    subject_request, status_path = confirmed(language="en")
    violations = _watch_csp(page)
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.goto(live_server.url + status_path)

    page.locator("[name=body]").fill("My passport")
    page.locator("input[type=file][name=files]").set_input_files(files=[
        {"name": "passport.pdf", "mimeType": "application/pdf",
         "buffer": b"%PDF-1.4\n" + b"0" * 2000}])
    refused = page.get_by_test_id("upload-refused")
    expect(refused).to_contain_text("“passport.pdf” is too large")
    page.locator("#reply button[type=submit]").click()

    expect(refused).to_be_visible()
    assert posts == []
    assert not subject_request.attachments.exists()
    # A file within the limit goes through.
    page.locator("input[type=file][name=files]").set_input_files(files=[
        {"name": "small.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n" + b"0" * 200}])
    expect(refused).to_be_hidden()
    page.locator("#reply button[type=submit]").click()
    expect(page.get_by_test_id("message-files")).to_contain_text("small.pdf")
    assert violations == []
