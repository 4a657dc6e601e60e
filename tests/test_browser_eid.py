"""The requester confirms their identity with BankID from the status page in a real browser
(Debian's chromium, driven by Playwright) at a real OpenID provider (tests/oidc/), and the
handler sees the verified name beside the typed one, with the method.

The launch settings are those of ``tests/test_browser.py``.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from requests_app.casework import workflow
from requests_app.models import IdentityVerification, Status
from tests.support import SCREENSHOTS, in_language, staff_page

# The live server needs committed data (see tests/test_browser_conversation.py).
pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_requester_confirms_their_identity_with_bankid_and_staff_see_the_verified_name(
        page, live_server, confirmed, eid_org, handler, new_context, client):
    subject_request, status_path = confirmed("access")
    workflow.ask_subject(subject_request, body="Vi må bekrefte hvem du er.",
                         purpose="identity", actor=handler)

    page.goto(live_server.url + status_path)
    offer = page.get_by_test_id("eid-offer")
    expect(offer).to_be_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "status-eid-offer.png"), full_page=True)
    offer.locator('[data-method="no_bankid"]').click()

    # The provider's own pages: the login (any login and password), then the consent.
    page.locator("input[name=login]").fill("kari")
    page.locator("input[name=password]").fill("any-password")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_url(live_server.url + status_path)
    expect(page.get_by_test_id("eid-verified")).to_contain_text(
        in_language("nb", "Norwegian BankID"))
    expect(page.get_by_test_id("eid-offer")).to_have_count(0)
    page.screenshot(path=str(SCREENSHOTS / "status-eid-verified.png"), full_page=True)
    subject_request.refresh_from_db()
    assert subject_request.status == Status.IDENTITY_CHECK
    assert IdentityVerification.objects.get(request=subject_request).method == "no_bankid"

    staff = staff_page(new_context, live_server, client, handler)
    staff.goto(live_server.url + reverse("admin:requests_app_request_change",
                                         args=[subject_request.pk]))
    verified = staff.get_by_test_id("eid-verification")
    expect(verified.get_by_test_id("eid-name")).to_have_text("Kari Marie Nordmann")
    expect(verified).to_contain_text("Kari Nordmann")  # what the requester typed
    expect(verified.get_by_test_id("eid-match")).to_have_attribute("data-match", "likely")
    expect(verified.get_by_test_id("eid-method")).to_contain_text("BankID")
    verified.screenshot(path=str(SCREENSHOTS / "admin-eid-verified.png"))
