"""When the status page offers "Confirm your identity with BankID" (or MitID): right after
the e-mail is confirmed where the organisation offers it from the start, and whenever staff
asked for identity (Art. 12(6)); never without a connected broker, never once verified."""

from __future__ import annotations

import pytest
from django.utils import translation

from requests_app.casework import workflow
from requests_app.identity import configuration

pytestmark = pytest.mark.django_db


def _connect(org, **options):
    return configuration.configure(org, actor=None, issuer="https://broker.example",
                                   client_id="c", client_secret="s",
                                   methods=["no_bankid", "dk_mitid"], level="substantial",
                                   discover=False, **options)


def _offered(client, status_path) -> list[str]:
    content = client.get(status_path).content.decode()
    return [method for method in ("no_bankid", "dk_mitid")
            if f'data-method="{method}"' in content]


def test_it_is_offered_right_after_the_email_is_confirmed(client, confirmed, org_no):
    _connect(org_no)
    subject_request, status_path = confirmed("access")
    assert _offered(client, status_path) == ["no_bankid", "dk_mitid"]
    page = client.get(status_path).content.decode()
    with translation.override(subject_request.language):  # the page speaks the request's
        for brand in ("BankID", "MitID"):
            assert translation.gettext("Confirm your identity with %(brand)s") % {
                "brand": brand} in page


def test_where_not_offered_from_the_start_it_appears_when_staff_ask_for_identity(
        client, confirmed, org_no, handler):
    _connect(org_no, offer_after_confirmation=False)
    subject_request, status_path = confirmed("access")
    assert _offered(client, status_path) == []
    workflow.ask_subject(subject_request, body="Klargjør", purpose="clarification",
                         actor=handler)
    assert _offered(client, status_path) == []  # a clarification is not about identity
    workflow.ask_subject(subject_request, body="Hvem er du?", purpose="identity",
                         actor=handler)
    assert _offered(client, status_path) == ["no_bankid", "dk_mitid"]


def test_without_a_connected_broker_nothing_is_offered(client, confirmed, org_no, handler):
    subject_request, status_path = confirmed("access")
    workflow.ask_subject(subject_request, body="Hvem er du?", purpose="identity",
                         actor=handler)
    assert _offered(client, status_path) == []
    assert client.get(f"{status_path}eid/no_bankid/").status_code == 400
    eid = _connect(org_no)
    eid.enabled = False
    eid.save()
    assert _offered(client, status_path) == []
