"""A requester confirms their identity at a real OpenID provider (tests/oidc/: oidc-provider,
as the BankID and MitID brokers) from the status page, over HTTP as a browser would: the
authorization code flow with PKCE, state and nonce, the refusals around it (a cancelled
login, a replayed callback, a replayed code, a flow that timed out, a provider that is
down), and what a success records and does to the request and its clock.

The browser version of the happy path is tests/test_browser_eid.py; the ID token checks
with tokens a test signs are tests/test_eid_id_token_checks.py.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import time_machine
from django.utils import timezone

from requests_app.casework import workflow
from requests_app.identity import broker, configuration, verification
from requests_app.models import Event, IdentityVerification, Status
from tests.support import drive_provider_login, free_port

pytestmark = pytest.mark.django_db


def _start(client, status_path, method="no_bankid") -> str:
    response = client.get(f"{status_path}eid/{method}/")
    assert response.status_code == 302, response.content[:300]
    assert response["Referrer-Policy"] == "same-origin"  # the status link stays ours
    return response["Location"]


def _callback(client, url):
    parts = urlsplit(url)
    return client.get(f"{parts.path}?{parts.query}")


@pytest.fixture
def waiting(confirmed, eid_org, handler):
    """A confirmed request of eid_org whose handler asked the requester for identity
    (Art. 12(6)): it waits, and the clock is paused."""
    subject_request, status_path = confirmed("access")
    workflow.ask_subject(subject_request, body="Bekreft hvem du er.", purpose="identity",
                         actor=handler)
    subject_request.refresh_from_db()
    assert subject_request.waiting_since is not None
    return subject_request, status_path


def test_the_authorization_request_asks_for_the_name_only_with_pkce_state_nonce_and_acr(
        client, waiting, oidc_provider):
    _request, status_path = waiting
    page = client.get(status_path)
    assert b'data-testid="eid-start"' in page.content
    url = _start(client, status_path)
    assert url.startswith(f"{oidc_provider.issuer}/auth?")
    query = {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}
    assert query["scope"] == "openid profile"  # no nin, ssn or any identity-number scope
    assert query["response_type"] == "code"
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) >= 43
    assert len(query["state"]) >= 20 and len(query["nonce"]) >= 20
    assert query["acr_values"].split() == ["urn:grn:authn:no:bankid:substantial",
                                           "urn:grn:authn:no:bankid",
                                           "urn:grn:authn:no:bankid:high"]
    assert query["ui_locales"] == "nb"
    # The request is named nowhere in what the broker sees.
    assert waiting[0].reference not in url


def test_a_verified_requester_is_recorded_minimally_and_the_paused_clock_resumes_at_once(
        client, waiting, eid_org, oidc_provider):
    subject_request, status_path = waiting
    back = drive_provider_login(_start(client, status_path), login="kari")
    response = _callback(client, back)
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == status_path

    verified = IdentityVerification.objects.get(request=subject_request)
    assert (verified.role, verified.method, verified.level, verified.verified_name) == (
        "requester", "no_bankid", "substantial", "Kari Marie Nordmann")
    assert verified.subject_hash == verification.subject_hash(
        eid_org.pk, oidc_provider.issuer, "broker-kari")
    assert "broker-kari" not in verified.subject_hash
    subject_request.refresh_from_db()
    assert subject_request.status == Status.IDENTITY_CHECK  # staff decide what is next
    assert subject_request.waiting_since is None
    kinds = list(subject_request.events.values_list("kind", flat=True))
    assert Event.Kind.IDENTITY_VERIFIED in kinds and Event.Kind.CLOCK_RESUMED in kinds
    logged = subject_request.events.get(kind=Event.Kind.IDENTITY_VERIFIED)
    assert "broker-kari" not in f"{logged.from_value}{logged.to_value}{logged.message}"
    assert "Kari Marie" not in f"{logged.from_value}{logged.to_value}{logged.message}"
    page = client.get(status_path)
    assert b'data-testid="eid-verified"' in page.content
    assert b'data-testid="eid-start"' not in page.content


def test_where_the_organisation_chooses_so_a_verified_request_goes_straight_to_work(
        client, waiting, eid_org, oidc_provider):
    subject_request, status_path = waiting
    configuration.configure(eid_org, actor=None, issuer=oidc_provider.issuer,
                            client_id=oidc_provider.client_id, client_secret=None,
                            methods=["no_bankid"], level="substantial",
                            advance_when_verified=True)
    _callback(client, drive_provider_login(_start(client, status_path)))
    subject_request.refresh_from_db()
    assert subject_request.status == Status.IN_PROGRESS
    assert subject_request.waiting_since is None


def test_a_cancelled_login_says_so_and_offers_another_try(client, waiting, oidc_provider):
    subject_request, status_path = waiting
    back = drive_provider_login(_start(client, status_path), cancel=True)
    assert "error=access_denied" in back
    response = _callback(client, back)
    assert response.status_code == 200
    assert b'data-reason="cancelled"' in response.content
    assert f'href="{status_path}eid/no_bankid/"'.encode() in response.content  # try again
    assert not IdentityVerification.objects.exists()
    subject_request.refresh_from_db()
    assert subject_request.status == Status.WAITING_FOR_SUBJECT


def test_a_callback_used_twice_is_refused_the_second_time(client, waiting):
    subject_request, status_path = waiting
    back = drive_provider_login(_start(client, status_path))
    assert _callback(client, back).status_code == 302
    again = _callback(client, back)
    assert again.status_code == 400
    assert b'data-reason="unknown_flow"' in again.content
    assert IdentityVerification.objects.count() == 1


def test_a_replayed_code_is_refused_by_the_provider_and_records_nothing(client, waiting):
    subject_request, status_path = waiting
    first = drive_provider_login(_start(client, status_path))
    code = parse_qs(urlsplit(first).query)["code"][0]
    assert _callback(client, first).status_code == 302
    # A second flow of the same browser, answered with the first flow's code.
    second = drive_provider_login(_start(client, status_path))
    parts = urlsplit(second)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    query["code"] = code
    replayed = client.get(parts.path, query)
    assert replayed.status_code == 400
    assert b'data-reason="broker_error"' in replayed.content  # invalid_grant
    assert IdentityVerification.objects.count() == 1


def test_a_flow_that_took_too_long_is_refused_as_timed_out(client, waiting):
    subject_request, status_path = waiting
    back = drive_provider_login(_start(client, status_path))
    later = timezone.now() + timedelta(minutes=broker.FLOW_MINUTES + 1)
    with time_machine.travel(later, tick=False):
        response = _callback(client, back)
    assert response.status_code == 400
    assert b'data-reason="timed_out"' in response.content
    assert not IdentityVerification.objects.exists()


def test_a_provider_that_is_down_gives_a_clear_page_not_an_error(client, waiting, eid_org):
    subject_request, status_path = waiting
    nobody = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(requests.ConnectionError):
        requests.get(nobody, timeout=2)
    eid = eid_org.eid
    eid.issuer = nobody
    eid.save()
    response = client.get(f"{status_path}eid/no_bankid/")
    assert response.status_code == 503
    assert b'data-reason="broker_down"' in response.content
    assert f'href="{status_path}eid/no_bankid/"'.encode() in response.content


def test_a_method_the_organisation_does_not_accept_cannot_be_started(client, waiting):
    _request, status_path = waiting
    response = client.get(f"{status_path}eid/se_bankid/")
    assert response.status_code == 400
    assert b'data-reason="not_offered"' in response.content


def test_a_callback_without_any_flow_gives_a_clear_page(client, eid_org):
    response = client.get("/eid/callback/?code=abc&state=made-up")
    assert response.status_code == 400
    assert b'data-reason="unknown_flow"' in response.content
