"""A person uses the public portal in a real browser (Debian's chromium, driven by Playwright).

The live server runs in a thread of this process, so e-mails land in ``mail.outbox`` and the
database is the test database. Texts on the page may or may not be translated yet (the
catalogues are compiled separately), so the tests look things up by the text Django itself
would render in that language, and otherwise by structure: names, data-testid, URLs, the db.
"""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.validators import EmailValidator
from playwright.sync_api import expect

from requests_app.forms import AccessForm, ErasureForm
from requests_app.models import Request, RequestType, Status
from tests.support import SCREENSHOTS, TIMEOUT_MS, in_language, link_in

# The live server needs committed data: these tests run after the others (pytest-django
# orders transactional tests last) and each flushes the database at its end. The serialized
# rollback loads what the migrations wrote (groups, shared reply templates) before each one,
# since the one before it flushed them.
pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]




def _label(form_class, field: str, language: str) -> str:
    return in_language(language, form_class.base_fields[field].label)


def test_a_subject_files_confirms_and_follows_a_request_in_norwegian(page, live_server, org_no):
    page.goto(f"{live_server.url}/nb/")
    page.get_by_role("link", name=org_no.name, exact=True).click()
    expect(page).to_have_url(re.compile(rf"/nb/o/{org_no.slug}/$"))
    page.get_by_role("link", name=in_language("nb", RequestType.ERASURE.label)).click()
    expect(page).to_have_url(re.compile(rf"/nb/o/{org_no.slug}/erasure/$"))

    honeypot = _label(ErasureForm, "website", "nb")
    expect(page.locator("[name=website]")).to_have_count(1)
    expect(page.get_by_role("textbox", name=honeypot)).to_have_count(0)  # hidden from people
    page.get_by_label(_label(ErasureForm, "subject_name", "nb")).fill("Kari Nordmann")
    page.get_by_label(_label(ErasureForm, "subject_email", "nb")).fill("kari@example.no")
    page.get_by_label(_label(ErasureForm, "relationship", "nb")).select_option("customer")
    page.get_by_label(in_language("nb", "Everything you hold about me")).check()
    page.get_by_label(_label(ErasureForm, "services", "nb")).fill("Nettbutikken")
    page.get_by_role("button", name=in_language("nb", "Send request")).click()

    expect(page).to_have_url(re.compile(rf"/nb/o/{org_no.slug}/sent/$"))
    assert len(mail.outbox) == 1
    page.goto(live_server.url + link_in(mail.outbox[0].body, "confirm"))
    assert Request.objects.get().status == Status.AWAITING_CONFIRMATION  # a GET confirms nothing
    page.locator("main form button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/nb/status/[^/]+/$"))
    saved = Request.objects.get()
    expect(page.get_by_test_id("reference")).to_have_text(saved.reference)
    expect(page.get_by_test_id("due-date")).to_contain_text(str(saved.due_date.year))
    expect(page.get_by_test_id("status")).to_have_text(in_language("nb", Status.NEW.label))
    expect(page.locator("html")).to_have_attribute("lang", "nb")
    assert saved.status == Status.NEW == "new"
    assert saved.type == RequestType.ERASURE
    assert saved.details == {"erasure_scope": "everything", "services": "Nettbutikken"}
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)  # taken before the style check, to see why
    page.screenshot(path=str(SCREENSHOTS / "status-page.png"), full_page=True)
    # Bootstrap is served by the live server: its .text-decoration-none un-underlines this link.
    decoration = page.locator("header nav > a").first.evaluate(
        "el => getComputedStyle(el).textDecorationLine")
    assert decoration == "none", "bootstrap.min.css did not load"



def test_the_form_keeps_what_was_typed_when_a_field_is_wrong(page, live_server, org_dk):
    page.goto(f"{live_server.url}/da/o/{org_dk.slug}/rectification/")
    page.locator("[name=subject_name]").fill("Karen Jensen")
    page.locator("[name=subject_email]").fill("not-an-email")
    page.locator("[name=what_is_wrong]").fill("Forkert adresse")
    page.locator("[name=correct_value]").fill("Strøget 1")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.locator("main form button[type=submit]").click()

    assert posted.value.status == 400
    expect(page).to_have_url(re.compile(rf"/da/o/{org_dk.slug}/rectification/$"))
    email = page.locator("[name=subject_email]")
    expect(email).to_have_class(re.compile(r"\bis-invalid\b"))
    expect(email).to_have_value("not-an-email")
    expect(email).to_have_attribute("aria-invalid", "true")
    error = page.locator(f"#{email.get_attribute('id')}_error.invalid-feedback")
    expect(error).to_be_visible()
    expect(error).to_have_text(in_language("da", EmailValidator.message))  # Django's own Danish
    expect(page.locator("[name=subject_name]")).to_have_value("Karen Jensen")
    expect(page.locator("[name=what_is_wrong]")).to_have_value("Forkert adresse")
    expect(page.locator("[name=correct_value]")).to_have_value("Strøget 1")
    expect(page.locator("[name=subject_name]")).not_to_have_class(re.compile("is-invalid"))
    expect(page.locator("html")).to_have_attribute("lang", "da")
    assert Request.objects.count() == 0
    assert mail.outbox == []


def test_the_language_switcher_keeps_the_page(page, live_server, org_no):
    page.goto(f"{live_server.url}/en/o/{org_no.slug}/")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.locator("header a[hreflang=nb]").click()

    expect(page).to_have_url(f"{live_server.url}/nb/o/{org_no.slug}/")
    expect(page.locator("html")).to_have_attribute("lang", "nb")
    expect(page.locator("header a[hreflang=nb]")).to_have_attribute("aria-current", "true")
    expect(page.locator("h1")).to_have_text(org_no.name)


def test_the_form_works_without_javascript(new_context, live_server, org_no):
    context = new_context(java_script_enabled=False)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{live_server.url}/nb/o/{org_no.slug}/access/")

    page.get_by_label(_label(AccessForm, "subject_name", "nb")).fill("Ola Nordmann")
    page.get_by_label(_label(AccessForm, "subject_email", "nb")).fill("ola@example.no")
    page.get_by_label(_label(AccessForm, "scope", "nb")).fill("Alt fra 2023")
    page.locator("main form button[type=submit]").click()

    expect(page).to_have_url(re.compile(rf"/nb/o/{org_no.slug}/sent/$"))
    saved = Request.objects.get()
    assert (saved.type, saved.subject_email) == (RequestType.ACCESS, "ola@example.no")
    assert saved.status == Status.AWAITING_CONFIRMATION
    assert len(mail.outbox) == 1
