"""Branding per organisation: a colour checked for WCAG AA contrast before it is saved (the
error says the ratio), a logo checked and re-encoded, served safely, and both shown on the
public pages and in the e-mails."""

from __future__ import annotations

import io

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from requests_app import access
from requests_app.onboarding import branding


def png(width=40, height=20, colour=(31, 95, 139)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "private": {
        **settings.STORAGES["private"], "OPTIONS": {"location": str(tmp_path)}}}


def test_the_contrast_ratio_is_wcags():
    assert branding.contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert branding.contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
    assert branding.contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1)


def test_a_light_colour_is_refused_with_its_ratio(org_admin, org_no):
    with pytest.raises(ValidationError) as refused:
        branding.update_branding(actor=org_admin, organisation=org_no, colour="#777777",
                                 welcome_text="")
    assert "4.47:1" in refused.value.messages[0] and "4.5:1" in refused.value.messages[0]
    org_no.refresh_from_db()
    assert org_no.brand_colour == ""


def test_a_ratio_just_below_the_limit_is_shown_rounded_down_never_as_the_limit():
    # #767676 is the lightest grey that passes (4.54:1); 4.4999 must not read "4.50:1".
    assert branding.check_colour("#767676") == "#767676"
    with pytest.raises(ValidationError) as refused:
        branding.check_colour("#777777")  # 4.478...
    assert "4.47:1" in refused.value.messages[0]


def test_a_bad_colour_format_is_refused():
    with pytest.raises(ValidationError):
        branding.check_colour("blue")


def test_the_branding_page_shows_the_ratio_in_the_users_language(client, org_admin, org_no):
    client.force_login(org_admin)
    response = client.post(f"/admin/requests_app/organisation/{org_no.pk}/branding/",
                           {"brand_colour": "#ffcc00", "welcome_text": "Hei"},
                           HTTP_ACCEPT_LANGUAGE="nb")
    assert response.status_code == 400
    assert "1.5" in response.content.decode()  # #ffcc00 on white is about 1.5:1
    org_no.refresh_from_db()
    assert (org_no.brand_colour, org_no.welcome_text) == ("", "")


def test_a_logo_is_re_encoded_and_served_safely(client, org_admin, org_no):
    upload = SimpleUploadedFile("logo.png", png(800, 400), content_type="image/png")
    branding.update_branding(actor=org_admin, organisation=org_no, colour="#1f5f8b",
                             welcome_text="Velkommen", logo=upload)
    org_no.refresh_from_db()
    version = branding.logo_version(org_no)
    response = client.get(f"/logo/{org_no.slug}/{version}.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    stored = Image.open(io.BytesIO(response.content))
    assert stored.format == "PNG" and stored.height == branding.LOGO_STORED_HEIGHT
    assert client.get(f"/logo/{org_no.slug}/0000.png").status_code == 404


@pytest.mark.parametrize("name, data, reason", [
    ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
     "type"),
    ("logo.png", b"<html><script>alert(1)</script></html>", "type"),
    ("logo.gif", b"GIF89a" + b"\0" * 20, "type"),
    ("big.png", b"\0" * (branding.LOGO_MAX_BYTES + 1), "size"),
])
def test_a_logo_that_is_not_a_small_png_or_jpeg_is_refused(org_admin, org_no, name, data,
                                                           reason):
    with pytest.raises(ValidationError) as refused:
        branding.update_branding(actor=org_admin, organisation=org_no, colour="",
                                 welcome_text="", logo=SimpleUploadedFile(name, data))
    assert refused.value.code == reason
    org_no.refresh_from_db()
    assert not org_no.logo


def test_a_huge_image_is_refused_before_it_is_decoded(org_admin, org_no):
    with pytest.raises(ValidationError) as refused:
        branding.update_branding(actor=org_admin, organisation=org_no, colour="",
                                 welcome_text="", logo=SimpleUploadedFile(
                                     "wide.png", png(branding.LOGO_MAX_SIDE + 1, 1)))
    assert refused.value.code == "dimensions"


def test_only_the_organisations_admin_changes_its_brand(handler, mixed, org_no):
    for actor in (handler, mixed):
        with pytest.raises(access.NotAllowed):
            branding.update_branding(actor=actor, organisation=org_no, colour="#1f5f8b",
                                     welcome_text="")


def test_the_brand_is_on_the_public_pages_and_in_the_e_mails(client, org_admin, org_no, submit):
    branding.update_branding(
        actor=org_admin, organisation=org_no, colour="#1f5f8b", welcome_text="Velkommen til oss",
        logo=SimpleUploadedFile("logo.png", png()))
    org_no.refresh_from_db()
    page = client.get(f"/nb/o/{org_no.slug}/").content.decode()
    assert "--portal-brand: #1f5f8b" in page
    assert "Velkommen til oss" in page
    assert f"/logo/{org_no.slug}/{branding.logo_version(org_no)}.png" in page

    mail.outbox.clear()
    submit(org_no)
    html = mail.outbox[0].alternatives[0][0]
    assert "#1f5f8b" in html and "Velkommen til oss" in html
    assert f"/logo/{org_no.slug}/" in html


def test_the_organisation_form_does_not_offer_the_colour_unchecked(client, org_admin, org_no):
    client.force_login(org_admin)
    page = client.get(f"/admin/requests_app/organisation/{org_no.pk}/change/")
    assert page.status_code == 200
    assert 'name="brand_colour"' not in page.content.decode()
