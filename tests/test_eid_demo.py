"""The demo connects the OnlinePOS organisations to the local provider when asked
(``DEMO_EID_ISSUER``, README "Strong identity"), and to nothing otherwise."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from requests_app.identity import configuration
from requests_app.models import EidSettings

pytestmark = pytest.mark.django_db


def test_the_demo_offers_bankid_and_mitid_only_when_a_provider_is_named(monkeypatch):
    monkeypatch.delenv("DEMO_EID_ISSUER", raising=False)
    call_command("load_demo", stdout=io.StringIO())
    assert not EidSettings.objects.exists()
    monkeypatch.setenv("DEMO_EID_ISSUER", "http://127.0.0.1:9000")
    call_command("load_demo", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())  # safe to run again
    eids = EidSettings.objects.select_related("organisation").order_by("organisation__slug")
    assert [e.organisation.slug for e in eids] == ["onlinepos-dk", "onlinepos-no"]
    assert all(configuration.client_secret(e) == "demo-secret" for e in eids)
