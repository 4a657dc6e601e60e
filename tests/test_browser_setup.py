"""A company sets itself up in a real browser (Debian's chromium, driven by Playwright), as
its new organisation admin, from the superuser's invitation to the branded public page:
the invitation e-mail, the password, the second factor (the code computed from the key the
page shows, as a phone would), the guided page, systems and records from the catalogue, the
brand (a colour too light is refused with its ratio first), the privacy-policy snippet and a
test request.

The live server runs in a thread of this process, so e-mails land in ``mail.outbox``.
"""

from __future__ import annotations

import io
import re

import pytest
from django.core import mail
from PIL import Image
from playwright.sync_api import expect

from requests_app.models import DataSystem, Membership, Organisation, ProcessingRecord, Request
from tests.support import (
    SCREENSHOTS,
    TIMEOUT_MS,
    invitation_path,
    staff_page,
    totp_now,
)

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PASSWORD = "Kaffe-og-personvern-2026"


def _logo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 60), (31, 95, 139)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "private": {
        **settings.STORAGES["private"], "OPTIONS": {"location": str(tmp_path)}}}


def test_a_new_organisation_admin_sets_up_a_branded_portal_from_an_invitation(
        new_context, live_server, client, boss):
    # The superuser invites the admin of a company that does not exist yet.
    admin_page = staff_page(new_context, live_server, client, boss)
    admin_page.goto(f"{live_server.url}/admin/requests_app/invitation/add/")
    admin_page.locator("[name=email]").fill("eier@kaffebrenneriet.example")
    admin_page.locator("[name=role]").select_option("org_admin")
    admin_page.locator("[name=language]").select_option("nb")
    mail.outbox.clear()
    admin_page.locator("input[type=submit]").click()
    expect(admin_page).to_have_url(re.compile(r"/admin/requests_app/invitation/$"))
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["eier@kaffebrenneriet.example"]

    # The invitee, in their own browser: the link, a password, the second factor.
    context = new_context()
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(live_server.url + invitation_path(mail.outbox[0].body))
    page.locator("[name=password1]").fill(PASSWORD)
    page.locator("[name=password2]").fill(PASSWORD)
    page.locator("input[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/second-factor/$"))
    expect(page.get_by_test_id("qr").locator("svg")).to_have_count(1)
    secret = page.get_by_test_id("totp-secret").inner_text()
    page.locator("[name=code]").fill(totp_now(secret))
    page.locator("input[type=submit]").click()
    expect(page.get_by_test_id("backup-codes").locator("li")).to_have_count(10)
    page.get_by_test_id("continue").click()

    # The guided page: the country fills in the rest.
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    expect(page).to_have_url(re.compile(r"/admin/requests_app/organisation/create/$"))
    page.locator("[data-testid=country-form] [name=country]").select_option("DK")
    page.locator("[data-testid=country-form] input[type=submit]").click()
    form = page.get_by_test_id("organisation-form")
    expect(form.locator("[name=default_language]")).to_have_value("da")
    expect(form.locator("[name=time_zone]")).to_have_value("Europe/Copenhagen")
    expect(form.locator("[name=supervisory_authority]")).to_have_value("datatilsynet-dk")
    expect(form.locator("[name=contact_email]")).to_have_value("eier@kaffebrenneriet.example")
    page.screenshot(path=str(SCREENSHOTS / "setup-guided-page.png"), full_page=True)
    form.locator("[name=name]").fill("Kaffebrenneriet ApS")
    form.locator("[name=phone]").fill("+45 33 12 34 56")
    form.locator("input[type=submit]").click()

    organisation = Organisation.objects.get(name="Kaffebrenneriet ApS")
    assert (organisation.country, organisation.time_zone) == ("DK", "Europe/Copenhagen")
    assert Membership.objects.get(organisation=organisation).role == "org_admin"

    # Systems from the catalogue and records from the templates.
    expect(page).to_have_url(re.compile(rf"/organisation/{organisation.pk}/catalogue/$"))
    for key in ("shopify", "mailchimp", "fiken", "camera"):
        page.locator(f"[name=systems][value={key}]").check()
    for key in ("customers", "newsletter", "camera_surveillance"):
        page.locator(f"[name=records][value={key}]").check()
    page.locator("input[type=submit]").click()
    assert DataSystem.objects.filter(organisation=organisation).count() == 4
    records = ProcessingRecord.objects.filter(organisation=organisation)
    assert records.count() == 3 and all(r.undecided() == [] for r in records)

    # The brand: a colour too light is refused with its ratio, then a dark one is saved.
    expect(page).to_have_url(re.compile(rf"/organisation/{organisation.pk}/branding/$"))
    page.locator("[name=brand_colour]").fill("#ffcc00")
    page.locator("[name=welcome_text]").fill("Velkommen! Her bruger du dine rettigheder.")
    page.locator("input[type=submit]").click()
    expect(page.locator("#id_brand_colour_error")).to_contain_text(re.compile(r"1\.\d\d:1"))
    page.locator("[name=brand_colour]").fill("#6f3b1e")
    page.locator("[name=welcome_text]").fill("Velkommen! Her bruger du dine rettigheder.")
    page.locator("[name=logo]").set_input_files(
        files=[{"name": "logo.png", "mimeType": "image/png", "buffer": _logo()}])
    page.locator("input[type=submit]").click()

    # The link and snippet for the privacy policy, and a test request.
    expect(page).to_have_url(re.compile(rf"/organisation/{organisation.pk}/share/$"))
    page.screenshot(path=str(SCREENSHOTS / "setup-share-page.png"), full_page=True)
    snippet = page.get_by_test_id("snippet-da").input_value()
    match = re.search(r'href="[^"]*(/da/o/[^"]+/)"', snippet)
    assert match and organisation.slug in match.group(1), snippet
    assert "Kaffebrenneriet ApS" in snippet and "<script" not in snippet
    mail.outbox.clear()
    page.get_by_test_id("test-request").click()
    test_request = Request.objects.get(organisation=organisation)
    assert test_request.is_test
    expect(page).to_have_url(re.compile(rf"/admin/requests_app/request/{test_request.pk}/"))
    assert mail.outbox[0].to == ["eier@kaffebrenneriet.example"]  # the receipt, branded
    assert "#6f3b1e" in mail.outbox[0].alternatives[0][0]

    # The public page, as the privacy policy's reader finds it: branded.
    visitor = new_context().new_page()
    visitor.set_default_timeout(TIMEOUT_MS)
    visitor.goto(live_server.url + match.group(1))
    expect(visitor.locator("h1")).to_have_text("Kaffebrenneriet ApS")
    expect(visitor.get_by_test_id("welcome")).to_have_text(
        "Velkommen! Her bruger du dine rettigheder.")
    logo = visitor.get_by_test_id("logo")
    expect(logo).to_be_visible()
    assert logo.evaluate("img => img.naturalWidth") > 0  # served, and a real image
    colour = visitor.locator("h1").evaluate("el => getComputedStyle(el).color")
    assert colour == "rgb(111, 59, 30)"  # #6f3b1e: the brand colour, allowed by the CSP
    visitor.screenshot(path=str(SCREENSHOTS / "branded-public-page.png"), full_page=True)
