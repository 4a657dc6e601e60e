"""Staff read the outbox, but never a working private link: an e-mail not sent yet (or that
failed) still holds the requester's confirmation or status link, and a handler who could
open it could confirm a request or read its status page as the requester."""

import re

import pytest

from requests_app import notifications
from requests_app.models import OutgoingEmail
from tests.support import TYPE_DETAILS, VALID

OUTBOX = "/admin/requests_app/outgoingemail/"


@pytest.fixture
def pending(client, org_no):
    """The confirmation e-mail of a fresh submission, not sent (nothing ran on commit)."""
    response = client.post(f"/nb/o/{org_no.slug}/access/",
                           {**VALID, **TYPE_DETAILS["access"]})
    assert response.status_code == 302
    email = OutgoingEmail.objects.get(kind="confirm")
    assert email.state == OutgoingEmail.State.PENDING
    token = re.search(r"/confirm/([^/\s]+)/", email.secret_url).group(1)
    assert token in email.body_text and token in email.body_html  # what must not be shown
    return email, token


def test_a_handlers_page_of_a_pending_confirmation_email_has_no_token(client, handler,
                                                                      pending):
    email, token = pending
    client.force_login(handler)

    response = client.get(f"{OUTBOX}{email.pk}/change/")

    html = response.content.decode()
    assert response.status_code == 200
    assert token not in html
    assert notifications.REDACTED in html
    assert email.to in html  # the page still shows the rest of the e-mail


def test_a_failed_email_is_shown_without_its_link_too(client, handler, pending):
    email, token = pending
    OutgoingEmail.objects.filter(pk=email.pk).update(state=OutgoingEmail.State.FAILED,
                                                     attempts=notifications.MAX_ATTEMPTS)
    client.force_login(handler)

    assert token not in client.get(f"{OUTBOX}{email.pk}/change/").content.decode()
    assert token not in client.get(OUTBOX).content.decode()


def test_redacting_for_display_leaves_the_email_to_send_untouched(client, handler, pending):
    email, token = pending
    client.force_login(handler)
    client.get(f"{OUTBOX}{email.pk}/change/")

    email.refresh_from_db()
    assert token in email.body_text and email.secret_url  # the requester still gets it
