"""The error pages (400, 403, a refused CSRF check, 404, 429, 500, 503) speak the language of
the URL, keep the site's layout, never show a stack trace, and the 500 and 503 pages render
with the database and the cache down."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import OperationalError, connections
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from tests.support import TYPE_DETAILS, VALID

LANGUAGES = ["nb", "da", "en"]
HEADINGS = {
    400: "The page could not read what was sent",
    403: "You cannot open this page",
    404: "Page not found",
    500: "Something went wrong on our side",
    503: "The portal is busy for a moment",
}
DEAD_REDIS = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": "redis://127.0.0.1:1/0"}}


def assert_friendly(response, language: str, status: int, heading: str) -> str:
    body = response.content.decode()
    assert response.status_code == status
    assert f'<html lang="{language}">' in body
    with translation.override(language):
        assert gettext(heading) in body
        assert gettext("Your privacy rights") in body  # the site's header
    assert 'hreflang="da"' in body and 'hreflang="nb"' in body  # its language links
    assert "Traceback" not in body and "secret detail" not in body
    return body


@pytest.fixture
def failing_client(client):
    client.raise_request_exception = False
    return client


@pytest.mark.urls("tests.error_urls")
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("status", [400, 403, 500, 503])
def test_a_failing_page_answers_the_friendly_page_in_the_language_of_the_url(
        failing_client, language, status):
    response = failing_client.get(f"/{language}/test-fail/{status}/")

    assert_friendly(response, language, status, HEADINGS[status])
    if status == 503:
        assert response["Retry-After"] == "10"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_missing_page_answers_404_in_the_language_of_the_url(db, client, language):
    response = client.get(f"/{language}/o/no-such-organisation/")

    assert_friendly(response, language, 404, HEADINGS[404])


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_form_refused_by_the_csrf_check_says_what_to_do(org_no, language):
    client = Client(enforce_csrf_checks=True)

    response = client.post(f"/{language}/o/{org_no.slug}/access/",
                           {**VALID, **TYPE_DETAILS["access"]})

    assert_friendly(response, language, 403, "The form could not be accepted")


@pytest.mark.parametrize("language", LANGUAGES)
def test_too_many_forms_answer_429_in_the_language_of_the_url(client, org_no, settings,
                                                              language):
    settings.INTAKE_RATE_LIMIT = "1/h"
    path = f"/{language}/o/{org_no.slug}/access/"
    assert client.post(path, {**VALID, **TYPE_DETAILS["access"]}).status_code == 302

    response = client.post(path, {**VALID, **TYPE_DETAILS["access"]})

    assert_friendly(response, language, 429, "Too many forms sent")


@pytest.fixture
def database_down():
    """Every attempt to reach the database fails as it does while PostgreSQL restarts (undone
    before the test database's own teardown)."""
    refused = OperationalError("connection to server failed: Connection refused")
    with mock.patch.object(connections["default"], "ensure_connection", side_effect=refused):
        yield


@pytest.mark.urls("tests.error_urls")
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_500_page_renders_with_the_database_and_redis_down(
        failing_client, settings, database_down, language):
    settings.CACHES = DEAD_REDIS  # any use of the cache would raise

    response = failing_client.get(f"/{language}/test-fail/500/")

    assert_friendly(response, language, 500, HEADINGS[500])


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_public_page_with_the_database_down_answers_503_with_retry_after(
        db, failing_client, settings, database_down, language):
    settings.CACHES = DEAD_REDIS

    response = failing_client.get(f"/{language}/")

    assert_friendly(response, language, 503, HEADINGS[503])
    assert response["Retry-After"] == "10"


@pytest.mark.urls("tests.error_urls")
def test_an_error_page_does_not_echo_the_query_string(failing_client):
    response = failing_client.get("/nb/test-fail/403/?term=ABC-DEFG-HJKM")

    body = assert_friendly(response, "nb", 403, HEADINGS[403])
    assert "ABC-DEFG-HJKM" not in body
    assert 'href="/nb/test-fail/403/"' in body  # a language link keeps the path only
