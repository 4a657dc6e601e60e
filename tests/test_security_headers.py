"""Every page sends a Content-Security-Policy without 'unsafe-inline' (django-csp, a nonce per
response) and a Permissions-Policy that denies the camera, microphone, location and the rest;
the pages themselves carry no inline script or style the policy would block.

The same pages in a real browser report no CSP violation: tests/test_browser_csp.py.
"""

import re

import pytest

from tests.factories import make_request

CSP = "Content-Security-Policy"


def _directives(response) -> dict[str, list[str]]:
    header = response[CSP]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def _assert_strict_csp(response):
    assert CSP in response, response.headers
    directives = _directives(response)
    assert "'unsafe-inline'" not in response[CSP]
    assert "'unsafe-eval'" not in response[CSP]
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    for kind in ("script-src", "style-src"):
        assert [s for s in directives[kind] if not s.startswith("'nonce-")] == ["'self'"]


def _assert_nothing_inline_without_the_nonce(response):
    """No style="" attribute, and every inline <script> or <style> element carries the nonce
    of this response's header."""
    html = response.content.decode()
    nonces = {s[len("'nonce-"):-1] for d in _directives(response).values() for s in d
              if s.startswith("'nonce-")}
    assert not re.search(r"\sstyle\s*=", html), re.search(r".{80}\sstyle\s*=.{40}", html)
    for tag in re.findall(r"<(?:script|style)\b[^>]*>", html):
        if "src=" in tag or 'type="application/json"' in tag:
            continue
        nonce = re.search(r'nonce="([^"]+)"', tag)
        assert nonce and nonce.group(1) in nonces, tag


@pytest.fixture
def public_paths(org_no):
    return ["/nb/", f"/nb/o/{org_no.slug}/", f"/nb/o/{org_no.slug}/access/",
            f"/da/o/{org_no.slug}/sent/", "/en/does-not-exist/"]


def test_public_pages_send_a_csp_without_unsafe_inline(client, public_paths):
    for path in public_paths:
        response = client.get(path)
        assert response.status_code in (200, 404), path
        _assert_strict_csp(response)
        _assert_nothing_inline_without_the_nonce(response)


def test_the_status_page_sends_the_csp(client, confirmed):
    _request, status_path = confirmed()

    response = client.get(status_path)

    assert response.status_code == 200
    _assert_strict_csp(response)
    _assert_nothing_inline_without_the_nonce(response)


def test_an_admin_change_page_sends_the_csp_and_has_nothing_inline(admin_client, org_no):
    overdue = make_request(org_no, days_ago=60)
    for path in ("/admin/", "/admin/requests_app/request/",
                 f"/admin/requests_app/request/{overdue.pk}/change/",
                 f"/admin/requests_app/organisation/{org_no.pk}/change/"):
        response = admin_client.get(path)
        assert response.status_code == 200, path
        _assert_strict_csp(response)
        _assert_nothing_inline_without_the_nonce(response)


def test_the_days_left_are_coloured_by_a_class_not_a_style_attribute(admin_client, org_no):
    overdue = make_request(org_no, days_ago=60)

    page = admin_client.get("/admin/requests_app/request/?queue=all").content.decode()
    detail = admin_client.get(f"/admin/requests_app/request/{overdue.pk}/change/").content.decode()

    assert 'class="clock-overdue"' in page
    assert 'class="clock-overdue"' in detail
    assert "requests_app/admin.css" in detail


def test_the_login_page_and_the_reports_page_send_the_csp(client, admin_client, org_no):
    login = client.get("/admin/login/")
    reports = admin_client.get("/staff/reports/")

    for response in (login, reports):
        assert response.status_code == 200
        _assert_strict_csp(response)
        _assert_nothing_inline_without_the_nonce(response)
    # The reports page keeps its <style> element, allowed by the nonce of its own response.
    assert re.search(r"<style nonce=\"[^\"]+\">", reports.content.decode())
    assert "'nonce-" in reports[CSP]


def test_every_response_denies_camera_microphone_and_geolocation(client, admin_client):
    for response in (client.get("/nb/"), client.get("/healthz"), admin_client.get("/admin/")):
        policy = response["Permissions-Policy"]
        for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
            assert f"{feature}=()" in policy, policy


def test_no_admin_list_or_add_page_has_inline_script_or_style(admin_client, org_no):
    """Every model the admin registers: its list and its add page (where it has one)."""
    from django.contrib import admin
    from django.urls import NoReverseMatch, reverse

    make_request(org_no, days_ago=60)
    checked = 0
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        for name in ("changelist", "add"):
            try:
                path = reverse(f"admin:{info[0]}_{info[1]}_{name}")
            except NoReverseMatch:
                continue
            response = admin_client.get(path)
            if response.status_code != 200:  # e.g. an add page the admin does not offer
                continue
            _assert_strict_csp(response)
            _assert_nothing_inline_without_the_nonce(response)
            checked += 1

    assert checked >= 10
