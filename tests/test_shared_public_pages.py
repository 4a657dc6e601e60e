"""The home page, an organisation's page, the empty request form and the page after sending it
are rendered once and shared (``requests_app/views/shared_pages.py``); every visitor still gets
their own CSRF token, CSP nonce and render stamp, and a change to an organisation shows at
once."""

import re

import pytest
import time_machine
from csp.middleware import CSPMiddleware
from django.core import mail
from django.db import connection
from django.http import HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from requests_app.forms import read_stamp
from requests_app.views import shared_pages
from tests.support import TYPE_DETAILS, VALID, link_in


def hidden(page: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', page).group(1)


def test_the_form_is_rendered_once_and_then_served_as_it_was_kept(client, org_no):
    first = client.get(f"/nb/o/{org_no.slug}/erasure/")
    second = Client().get(f"/nb/o/{org_no.slug}/erasure/")

    assert [t.name for t in first.templates][0] == "requests_app/request_form.html"
    assert second.templates == []  # nothing rendered: the kept page
    assert second.status_code == 200
    assert 'name="subject_name"' in second.content.decode()


def test_two_visitors_of_the_shared_form_get_their_own_csrf_tokens_and_both_can_send(org_no):
    url = f"/en/o/{org_no.slug}/access/"
    visitors = [Client(enforce_csrf_checks=True) for _ in range(2)]
    pages = [visitor.get(url).content.decode() for visitor in visitors]
    tokens = [hidden(page, "csrfmiddlewaretoken") for page in pages]

    assert tokens[0] != tokens[1]
    assert "\x00" not in pages[1]  # no marker left in the page
    for visitor, page, token in zip(visitors, pages, tokens, strict=True):
        response = visitor.post(url, {**VALID, **TYPE_DETAILS["access"],
                                      "csrfmiddlewaretoken": token,
                                      "rendered": hidden(page, "rendered")})
        assert response.status_code == 302
    # The first visitor's token does not work with the second visitor's cookie.
    stranger = visitors[1].post(url, {**VALID, **TYPE_DETAILS["access"],
                                      "csrfmiddlewaretoken": "x" * 64})
    assert stranger.status_code == 403


def test_the_shared_form_carries_each_visitors_own_render_time(client, org_no, settings):
    url = f"/en/o/{org_no.slug}/access/"
    settings.INTAKE_MIN_FILL_SECONDS = 30
    with time_machine.travel("2026-12-06 10:00:00Z", tick=False):
        client.get(url)  # kept with this time
    with time_machine.travel("2026-12-06 10:05:00Z", tick=False):
        page = Client().get(url).content.decode()
        stamp = hidden(page, "rendered")
        # Sent back at once: refused as too fast, so the stamp is the page's own time.
        too_fast = Client().post(url, {**VALID, **TYPE_DETAILS["access"], "rendered": stamp})
    rendered_at, _token = read_stamp(stamp)

    assert rendered_at == 1_796_551_500  # 10:05, not the 10:00 of the kept page
    assert too_fast.status_code == 400


def test_a_changed_organisation_is_shown_at_once_on_every_shared_page(client, org_no):
    pages = ["/nb/", f"/nb/o/{org_no.slug}/", f"/nb/o/{org_no.slug}/erasure/",
             f"/nb/o/{org_no.slug}/sent/"]
    for url in pages:
        client.get(url)

    org_no.name = "Nytt Navn AS"
    org_no.save()

    for url in pages:
        assert "Nytt Navn AS" in Client().get(url).content.decode(), url


def test_a_shared_page_is_kept_per_language(client, org_no):
    client.get(f"/nb/o/{org_no.slug}/")

    english = Client().get(f"/en/o/{org_no.slug}/").content.decode()
    danish = Client().get(f"/da/o/{org_no.slug}/").content.decode()

    assert 'lang="en"' in english and "Choose the right you want to use" in english
    assert 'lang="da"' in danish and "Choose the right you want to use" not in danish


def test_a_visitor_with_a_message_waiting_sees_it_and_nobody_else_does(client, submit, org_no):
    Client().get("/en/")  # the shared home page is kept before the message exists
    submit(org_no, language="en")
    confirm = link_in(mail.outbox[-1].body, "confirm")
    client.post(confirm)  # "Thank you: ..." waits for the next page

    own = client.get("/en/").content.decode()
    other = Client().get("/en/").content.decode()

    assert "your e-mail address is confirmed" in own
    assert "your e-mail address is confirmed" not in other


def test_a_nonce_in_a_shared_page_is_each_responses_own_and_in_its_header(tmp_path, settings,
                                                                         org_no):
    """No shared template uses a nonce today; one that does must not hand it on."""
    (tmp_path / "with_nonce.html").write_text(
        '<script nonce="{{ request.csp_nonce }}">1</script>{% csrf_token %}')
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]
    factory = RequestFactory()

    def serve():
        view = lambda request: shared_pages.render_shared(  # noqa: E731
            request, "with_nonce.html", dict, key=("nonce-test",))
        stack = CSPMiddleware(CsrfViewMiddleware(view))
        return stack(factory.get("/en/nonce-test/"))

    responses = [serve(), serve()]
    nonces = [re.search(r'nonce="([^"]+)"', r.content.decode()).group(1) for r in responses]

    assert nonces[0] != nonces[1]
    for response, nonce in zip(responses, nonces, strict=True):
        assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]
        assert isinstance(response, HttpResponse)


def test_the_public_pages_ask_the_database_once(client, org_no, org_dk,
                                                django_assert_max_num_queries):
    urls = ["/nb/", f"/nb/o/{org_no.slug}/", f"/nb/o/{org_no.slug}/erasure/",
            f"/nb/o/{org_no.slug}/sent/"]
    for url in urls:
        client.get(url)  # the first visitor renders the page

    for url in urls:
        with django_assert_max_num_queries(1):
            assert Client().get(url).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_submission_is_one_transaction_of_three_inserts(client, org_no):
    url = f"/nb/o/{org_no.slug}/erasure/"
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.post(url, {**VALID, **TYPE_DETAILS["erasure"]})
    statements = [q["sql"].split()[0].upper() for q in captured.captured_queries]
    # What runs after COMMIT is the e-mail task, run in the test process (eager Celery).
    submission = statements[:statements.index("COMMIT") + 1]

    assert response.status_code == 302
    # The organisation, then BEGIN, the request, its event, its outbox e-mail, COMMIT.
    assert submission == ["SELECT", "BEGIN", "INSERT", "INSERT", "INSERT", "COMMIT"]


def test_two_visitors_of_the_shared_form_get_their_own_submission_token(org_no):
    """The token makes a submission idempotent (``intake.submit_request``): were the shared
    page to carry one token for everyone, every visitor's form would look like the first."""
    url = f"/nb/o/{org_no.slug}/erasure/"
    first, second = (read_stamp(hidden(Client().get(url).content.decode(), "rendered"))[1]
                     for _ in range(2))

    assert first != second
