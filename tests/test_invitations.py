"""Staff join by invitation: an e-mailed, signed, expiring, single-use link; a password, then
a second factor on first sign-in. Who may invite whom is one rule
(``onboarding.invitations``)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from requests_app import access
from requests_app.models import Invitation, Membership, OutgoingEmail
from requests_app.onboarding import invitations
from tests.support import invitation_path, totp_now

Role = Membership.Role
PASSWORD = "a-Long-passphrase-2026"


@pytest.fixture
def invite(django_capture_on_commit_callbacks):
    def _invite(actor, email="new@firma.example", role=Role.HANDLER, organisation=None,
                language="nb"):
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            invitation, _url = invitations.invite(actor=actor, email=email, role=role,
                                                  organisation=organisation, language=language)
        assert len(mail.outbox) == 1
        return invitation, invitation_path(mail.outbox[0].body)

    return _invite


def _sign_up(client, path):
    """Password, then the code of the app from the key on the page. Returns the last page."""
    response = client.post(path, {"password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(response["Location"])
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', page.content.decode())
    assert secret, "the key of the app is not on the page"
    return client.post(response["Location"], {"code": totp_now(secret.group(1))})


def test_an_invited_member_sets_a_password_and_a_second_factor_and_gets_the_role(
        client, org_admin, org_no, invite):
    invitation, path = invite(org_admin, role=Role.COMPLIANCE_LEAD, organisation=org_no)
    assert mail.outbox[0].to == ["new@firma.example"]
    assert org_no.name in mail.outbox[0].subject

    done = _sign_up(client, path)

    assert done.status_code == 200
    assert b'data-testid="backup-codes"' in done.content
    user = Invitation.objects.get(pk=invitation.pk).user
    assert user.check_password(PASSWORD) and user.is_staff and not user.is_superuser
    assert Membership.objects.get(user=user).role == Role.COMPLIANCE_LEAD
    assert TOTPDevice.objects.get(user=user).confirmed
    assert StaticDevice.objects.get(user=user).token_set.count() == 10
    assert client.get("/admin/").status_code == 200  # signed in with both factors


def test_the_stored_e_mail_keeps_no_invitation_link(client, org_admin, org_no, invite):
    invite(org_admin, organisation=org_no)
    stored = OutgoingEmail.objects.get(kind="invitation")
    assert stored.state == OutgoingEmail.State.SENT
    assert "/staff/welcome/" not in stored.body_text + stored.body_html


def test_an_invitation_is_used_once(client, org_admin, org_no, invite):
    _invitation, path = invite(org_admin, organisation=org_no)
    assert _sign_up(client, path).status_code == 200
    client.logout()

    again = client.get(path)
    assert again.status_code == 410
    assert b'data-testid="invalid"' in again.content
    assert client.post(path, {"password1": "x" + PASSWORD,
                              "password2": "x" + PASSWORD}).status_code == 410


def test_an_expired_invitation_is_refused(client, org_admin, org_no, invite, time_machine):
    _invitation, path = invite(org_admin, organisation=org_no)
    time_machine.move_to(timezone.now() + timedelta(days=invitations.valid_days(), minutes=1))
    assert client.get(path).status_code == 410


def test_an_invitation_past_its_expiry_date_is_refused_even_if_the_signature_is_young(
        client, org_admin, org_no, invite):
    invitation, path = invite(org_admin, organisation=org_no)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    assert client.get(path).status_code == 410


def test_a_forged_or_altered_link_is_refused(client, org_admin, org_no, invite):
    _invitation, path = invite(org_admin, organisation=org_no)
    assert client.get(path[:-3] + "xx/").status_code == 410
    assert client.get("/staff/welcome/not-a-token/").status_code == 410


def test_the_second_factor_step_needs_the_password_step_in_the_same_browser(
        client, org_admin, org_no, invite):
    _invitation, path = invite(org_admin, organisation=org_no)
    response = client.get(path + "second-factor/")
    assert response.status_code == 302 and response["Location"].endswith(path)


def test_a_wrong_code_does_not_use_the_invitation(client, org_admin, org_no, invite):
    invitation, path = invite(org_admin, organisation=org_no)
    response = client.post(path, {"password1": PASSWORD, "password2": PASSWORD})
    wrong = client.post(response["Location"], {"code": "000000"})
    assert wrong.status_code == 400
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    assert not Membership.objects.filter(user=invitation.user).exists()
    assert not TOTPDevice.objects.filter(user=invitation.user, confirmed=True).exists()


def test_an_organisation_admin_cannot_invite_into_another_organisation(org_admin, org_dk):
    with pytest.raises(access.NotAllowed):
        invitations.invite(actor=org_admin, email="x@example.dk", role=Role.HANDLER,
                           organisation=org_dk)
    assert not Invitation.objects.exists()


def test_only_a_superuser_invites_the_admin_of_a_new_organisation(org_admin, boss, invite):
    with pytest.raises(access.NotAllowed):
        invitations.invite(actor=org_admin, email="x@example.no", role=Role.ORG_ADMIN,
                           organisation=None)
    invitation, _path = invite(boss, role=Role.HANDLER, organisation=None)
    assert invitation.new_organisation and invitation.role == Role.ORG_ADMIN


def test_handlers_and_leads_cannot_invite(handler, lead, org_no):
    for actor in (handler, lead):
        with pytest.raises(access.NotAllowed):
            invitations.invite(actor=actor, email="x@example.no", role=Role.HANDLER,
                               organisation=org_no)


def test_the_invite_page_offers_only_the_organisations_one_administers(
        client, mixed, org_no, org_dk):
    client.force_login(mixed)
    page = client.get("/admin/requests_app/invitation/add/")
    assert page.status_code == 200
    html = page.content.decode()
    assert org_dk.name in html and org_no.name not in html
    refused = client.post("/admin/requests_app/invitation/add/", {
        "email": "y@example.no", "role": Role.HANDLER, "organisation": org_no.pk,
        "language": "nb"})
    assert refused.status_code == 400
    assert not Invitation.objects.exists()


def test_an_address_with_an_account_is_not_invited_again(org_admin, org_no):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        invitations.invite(actor=org_admin, email="ORGADMIN", role=Role.HANDLER,
                           organisation=org_no)


def test_an_account_made_after_the_invitation_is_not_taken_over_by_its_link(
        client, org_admin, org_no, invite, django_user_model):
    _invitation, path = invite(org_admin, organisation=org_no)
    other = django_user_model.objects.create_user("new@firma.example", password="theirs-1")
    response = client.post(path, {"password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 410
    other.refresh_from_db()
    assert other.check_password("theirs-1")
