"""A refused staff sign-in gets one answer, whatever was wrong: a wrong password, the right
password without a code, with a wrong code, or for an account without a second factor. Any
difference (a message, a device list, a lockout that comes later) would tell an attacker
that the password is right."""

import re

import pytest
from django_otp.oath import TOTP

from staff import auth as staff_auth

LOGIN = "/admin/login/?next=/admin/"
PASSWORD = "pw-for-tests-1"  # tests/conftest.py's staff users
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def page(client, *, password, code=""):
    response = client.post(LOGIN, {"username": "handler", "password": password,
                                    "otp_token": code, "next": "/admin/"})
    assert response.status_code == 200
    return CSRF.sub("", response.content.decode())  # the only part that differs per render


def wrong_code(device) -> str:
    good = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    return f"{(good + 1) % 1_000_000:06d}"


@pytest.fixture
def app(handler):
    device, _url = staff_auth.enrol_totp(handler)
    staff_auth.new_backup_codes(handler)
    return device


def test_the_right_password_without_a_code_gets_the_page_of_a_wrong_password(client, app):
    wrong = page(client, password="not-the-password")
    right = page(client, password=PASSWORD)

    assert right == wrong
    assert "The username, password or code is wrong" in right
    assert 'name="otp_device"' not in right  # no device list after the right password
    assert PASSWORD not in right  # django-otp would write the right password back


def test_the_right_password_with_a_wrong_code_gets_the_page_of_a_wrong_password(client, app):
    code = wrong_code(app)

    assert page(client, password=PASSWORD, code=code) == page(
        client, password="not-the-password", code=code)
    assert page(client, password=PASSWORD, code="abcdefgh") == page(
        client, password="not-the-password", code="abcdefgh")  # a wrong backup code


def test_an_account_without_a_second_factor_gets_the_page_of_a_wrong_password(client, handler):
    assert page(client, password=PASSWORD, code="123456") == page(
        client, password="not-the-password", code="123456")


def test_the_right_password_without_a_code_counts_toward_the_lockout(client, app):
    for _attempt in range(4):
        page(client, password=PASSWORD)

    locked = client.post(LOGIN, {"username": "handler", "password": PASSWORD,
                                 "otp_token": "", "next": "/admin/"})

    assert locked.status_code == 429  # as after five wrong passwords
