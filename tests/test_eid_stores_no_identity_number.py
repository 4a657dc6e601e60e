"""No national identity number reaches the portal's tables (Art. 5(1)(c), data
minimisation): the test provider would give one (``nin`` and ``ssn`` claims, as brokers
offer fødselsnummer and CPR), the portal never asks for it, and after a verification no
text in any table holds it, nor the broker's subject identifier in clear."""

from __future__ import annotations

import pytest
import requests
from django.apps import apps
from django.db import models
from django.db.models.functions import Cast

from requests_app.casework import workflow
from requests_app.models import EidSettings, IdentityVerification
from tests.support import PROVIDER_NIN, drive_provider_login

pytestmark = pytest.mark.django_db


def _rows_containing(value: str) -> list[str]:
    """"app.Model.field" for every text (char, text, JSON) column of every model whose value
    contains ``value``."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField | models.TextField):
                lookup = {f"{field.attname}__contains": value}
                hit = model._default_manager.filter(**lookup).exists()
            elif isinstance(field, models.JSONField):
                hit = (model._default_manager.annotate(_text=Cast(field.attname,
                                                                  models.TextField()))
                       .filter(_text__contains=value).exists())
            else:
                continue
            if hit:
                found.append(f"{model._meta.label}.{field.attname}")
    return found


def test_the_provider_offers_an_identity_number_that_the_portal_never_stores(
        client, confirmed, eid_org, handler, oidc_provider):
    discovery = requests.get(f"{oidc_provider.issuer}/.well-known/openid-configuration",
                             timeout=5).json()
    assert {"nin", "ssn"} <= set(discovery["scopes_supported"])  # it is there to be had
    assert {"nin", "ssn"} <= set(discovery["claims_supported"])

    subject_request, status_path = confirmed("access")
    workflow.ask_subject(subject_request, body="Bekreft hvem du er.", purpose="identity",
                         actor=handler)
    start = client.get(f"{status_path}eid/no_bankid/")
    assert "nin" not in start["Location"] and "ssn" not in start["Location"]
    assert client.get(drive_provider_login(start["Location"])).status_code == 302
    assert IdentityVerification.objects.filter(request=subject_request).exists()

    assert _rows_containing(PROVIDER_NIN) == []
    assert _rows_containing("broker-kari") == []  # the subject only as a keyed hash
    assert _rows_containing("1990-01-01") == []  # nor the birth date profile could give
    # The scan does find what is there: the verified name, and not the secret in clear.
    assert "requests_app.IdentityVerification.verified_name" in _rows_containing(
        "Kari Marie Nordmann")
    assert _rows_containing(oidc_provider.client_secret) == []
    assert EidSettings.objects.get().client_secret_sealed
