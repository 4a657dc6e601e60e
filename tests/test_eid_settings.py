"""An organisation admin connects the organisation's eID broker in the staff site: the
discovery document is checked on save, the client secret is stored encrypted and never
shown back, and nobody else may change it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from requests_app import crypto
from requests_app.identity import configuration
from requests_app.models import EidSettings
from tests.support import free_port

pytestmark = pytest.mark.django_db

ADD = reverse("admin:requests_app_eidsettings_add")


def _form(org, issuer, **overrides):
    return {"organisation": org.pk, "enabled": "on", "issuer": issuer,
            "client_id": "portal-test", "client_secret": "test-client-secret-4f9a",
            "methods": ["no_bankid", "dk_mitid"], "level": "high",
            "offer_after_confirmation": "on", **overrides}


def test_an_organisation_admin_connects_the_broker_and_the_secret_is_stored_encrypted(
        client, org_admin, org_no, oidc_provider):
    client.force_login(org_admin)
    response = client.post(ADD, _form(org_no, oidc_provider.issuer))
    assert response.status_code == 302, response.content[:2000]
    eid = EidSettings.objects.get(organisation=org_no)
    assert (eid.issuer, eid.method_codes, eid.level) == (
        oidc_provider.issuer, ["no_bankid", "dk_mitid"], "high")
    assert "test-client-secret" not in eid.client_secret_sealed
    assert configuration.client_secret(eid) == "test-client-secret-4f9a"
    with pytest.raises(crypto.TamperedError):  # bound to its field
        crypto.open_text(eid.client_secret_sealed, purpose="another field")

    change = reverse("admin:requests_app_eidsettings_change", args=[eid.pk])
    page = client.get(change)
    assert page.status_code == 200
    assert b"test-client-secret" not in page.content and b"4f9a" not in page.content
    # Saving without a secret keeps the stored one.
    response = client.post(change, _form(org_no, oidc_provider.issuer, client_secret="",
                                         level="substantial"))
    assert response.status_code == 302
    eid.refresh_from_db()
    assert eid.level == "substantial"
    assert configuration.client_secret(eid) == "test-client-secret-4f9a"


def test_an_issuer_whose_discovery_document_cannot_be_read_is_refused_beside_the_field(
        client, org_admin, org_no):
    client.force_login(org_admin)
    response = client.post(ADD, _form(org_no, f"http://127.0.0.1:{free_port()}"))
    assert response.status_code == 200
    assert "issuer" in response.context["adminform"].form.errors
    assert not EidSettings.objects.exists()


def test_a_method_that_cannot_reach_the_level_is_refused(client, org_admin, org_no,
                                                         oidc_provider):
    client.force_login(org_admin)
    response = client.post(ADD, _form(org_no, oidc_provider.issuer, methods=["se_bankid"]))
    assert response.status_code == 200
    assert "methods" in response.context["adminform"].form.errors


def test_only_an_organisation_admin_may_connect_or_see_the_broker(
        client, handler, lead, outsider, org_no, oidc_provider):
    eid = configuration.configure(org_no, actor=None, issuer=oidc_provider.issuer,
                                  client_id="portal-test", client_secret="s",
                                  methods=["no_bankid"], level="substantial")
    change = reverse("admin:requests_app_eidsettings_change", args=[eid.pk])
    for user in (handler, lead, outsider):
        client.force_login(user)
        assert client.post(ADD, _form(org_no, oidc_provider.issuer)).status_code == 403
        assert client.get(change).status_code in (403, 404)
    with pytest.raises(configuration.access.NotAllowed):
        configuration.configure(org_no, actor=lead, issuer=oidc_provider.issuer,
                                client_id="x", client_secret="y", methods=["no_bankid"],
                                level="substantial")
