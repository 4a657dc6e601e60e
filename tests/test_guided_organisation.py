"""A new organisation is created by its own invited admin on the guided page, its language,
time zone and authority filled in from the country, without a superuser."""

from __future__ import annotations

import pytest
from django.core import mail

from requests_app import access
from requests_app.models import Invitation, Membership, Organisation
from requests_app.onboarding import invitations, organisations

Role = Membership.Role


@pytest.fixture
def invitee(boss, django_user_model, django_capture_on_commit_callbacks):
    """The invited admin of a new organisation, past the sign-up (password, second factor)."""
    with django_capture_on_commit_callbacks(execute=True):
        invitation, _url = invitations.invite(actor=boss, email="eier@nyfirma.example",
                                              role=Role.ORG_ADMIN, organisation=None)
    user = invitations.create_account(invitation, password="a-Long-passphrase-2026")
    invitations.accept(invitation, user=user)
    return user


def test_the_page_fills_in_language_time_zone_and_authority_from_the_country(client, invitee):
    client.force_login(invitee)
    page = client.get("/admin/requests_app/organisation/create/", {"country": "DK"})
    assert page.status_code == 200
    form = page.context["form"]
    assert form.initial["default_language"] == "da"
    assert form.initial["time_zone"] == "Europe/Copenhagen"
    assert form.initial["supervisory_authority"] == "datatilsynet-dk"
    assert form.initial["contact_email"] == "eier@nyfirma.example"


def test_the_invited_admin_creates_the_organisation_and_administers_it(client, invitee):
    client.force_login(invitee)
    response = client.post("/admin/requests_app/organisation/create/", {
        "name": "Nyfirma ApS", "country": "DK", "default_language": "en",
        "time_zone": "Europe/Copenhagen", "supervisory_authority": "datatilsynet-dk",
        "contact_email": "privacy@nyfirma.example", "phone": "+45 12 34 56 78"})

    organisation = Organisation.objects.get(name="Nyfirma ApS")
    assert response.status_code == 302
    assert response["Location"].endswith(f"/{organisation.pk}/catalogue/")
    assert (organisation.country, organisation.default_language) == ("DK", "en")  # edited
    assert organisation.slug == "nyfirma-aps"
    assert Membership.objects.get(user=invitee).organisation == organisation
    assert access.may(invitee, access.ADMINISTER, organisation)
    assert Invitation.objects.get(user=invitee).organisation == organisation


def test_an_invitation_creates_one_organisation_only(invitee):
    organisations.create_organisation(actor=invitee, name="A", country="NO",
                                      contact_email="a@a.example")
    access.forget(invitee)
    with pytest.raises(access.NotAllowed):
        organisations.create_organisation(actor=invitee, name="B", country="NO",
                                          contact_email="b@b.example")
    assert list(Organisation.objects.values_list("name", flat=True)) == ["A"]


def test_staff_without_such_an_invitation_cannot_create_one(client, org_admin):
    client.force_login(org_admin)
    assert client.get("/admin/requests_app/organisation/create/").status_code == 403
    with pytest.raises(access.NotAllowed):
        organisations.create_organisation(actor=org_admin, name="X", country="NO",
                                          contact_email="x@x.example")


def test_a_bad_time_zone_is_a_form_error_not_a_500(client, invitee):
    client.force_login(invitee)
    response = client.post("/admin/requests_app/organisation/create/", {
        "name": "Feil AS", "country": "NO", "default_language": "nb", "time_zone": "Mars/Base",
        "supervisory_authority": "datatilsynet-no", "contact_email": "a@feil.example"})
    assert response.status_code == 400
    assert "time_zone" in response.context["form"].errors
    assert not Organisation.objects.filter(name="Feil AS").exists()


def test_the_admin_index_leads_the_invitee_to_the_guided_page(client, invitee):
    client.force_login(invitee)
    assert b'data-testid="create-organisation"' in client.get("/admin/").content
    mail.outbox.clear()
