"""Staff sign in with a password and a second factor (django-otp: an authenticator app or a
single-use backup code), and are locked out after 5 failures (django-axes). The demo logins
skip neither.

These tests use the real login page (``force_login`` only where tests/otp_login.py, the
shortcut the other admin tests use, is itself tested). django-otp throttles a device for
a second after a wrong code, so no test retries a code at once; those that must, move the
clock first.
"""

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth import SESSION_KEY
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from staff import auth as staff_auth
from tests.factories import make_request

LOGIN = "/admin/login/?next=/admin/"
PASSWORD = "pw-for-tests-1"  # tests/conftest.py's staff users
REFUSED = "The username, password or code is wrong"  # every refusal, whatever was wrong


def hashed(user, code: str) -> str:
    return staff_auth.backup_code_hash(code, user_id=user.pk)


def totp_code(device: TOTPDevice) -> str:
    """The code the app shows now, as the user types it (with its leading zeros)."""
    token = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    return f"{token:0{device.digits}d}"


def sign_in(client, username, password=PASSWORD, code="", device=None):
    data = {"username": username, "password": password, "otp_token": code, "next": "/admin/"}
    if device is not None:
        data["otp_device"] = device.persistent_id
    return client.post(LOGIN, data)


def is_signed_in(client) -> bool:
    return SESSION_KEY in client.session


def opens_the_admin(client) -> bool:
    return client.get("/admin/").status_code == 200


@pytest.fixture
def app(handler) -> TOTPDevice:
    device, _url = staff_auth.enrol_totp(handler)
    return device


# --- The second factor ------------------------------------------------------------------------


def test_the_login_page_asks_for_a_code_and_says_how_to_get_one(client, db):
    html = client.get(LOGIN).content.decode()

    assert 'name="otp_token"' in html
    assert "authenticator app" in html and "backup codes" in html
    assert "manage.py staff_otp USERNAME" in html


def test_the_password_alone_does_not_open_the_admin(client, handler, app):
    response = sign_in(client, "handler")

    assert response.status_code == 200
    assert REFUSED in response.content.decode()
    assert not is_signed_in(client)
    assert client.get("/admin/").status_code == 302


def test_the_admin_site_is_django_otps_and_keeps_its_name_and_models():
    from django.contrib import admin
    from django_otp.admin import OTPAdminSite

    import portal.urls  # noqa: F401  (where the default site becomes an OTPAdminSite)
    from requests_app.models import Request

    assert isinstance(admin.site, OTPAdminSite)
    assert admin.site.name == "admin"
    assert admin.site.is_registered(Request)


def test_force_login_in_tests_passes_the_second_factor(client, handler):
    # tests/otp_login.py: what the admin tests rely on.
    client.force_login(handler)

    assert opens_the_admin(client)


@pytest.mark.otp_unverified
def test_a_password_only_session_is_sent_to_the_login_page(client, handler, org_no):
    subject_request = make_request(org_no)
    client.force_login(handler)

    for path in ("/admin/", "/admin/requests_app/request/",
                 f"/admin/requests_app/request/{subject_request.pk}/change/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


def test_password_and_authenticator_code_open_the_admin(client, handler, app):
    response = sign_in(client, "handler", code=totp_code(app), device=app)

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert opens_the_admin(client)


def test_the_code_picks_its_device_when_none_is_chosen(client, handler, app):
    staff_auth.new_backup_codes(handler)  # two devices: the app and the backup codes

    response = sign_in(client, "handler", code=totp_code(app))

    assert response.status_code == 302
    assert opens_the_admin(client)


def test_a_backup_code_works_once(handler, app):
    first, second, *_ = staff_auth.new_backup_codes(handler)
    client = Client()

    # Typed with a space and in capitals: still the code.
    assert sign_in(client, "handler", code=f"{first[:4]} {first[4:].upper()}").status_code == 302
    assert opens_the_admin(client)
    client.post("/admin/logout/")
    assert not opens_the_admin(client)

    used_again = sign_in(client, "handler", code=first)
    assert used_again.status_code == 200
    assert REFUSED in used_again.content.decode()
    assert not is_signed_in(client)

    # django-otp throttles the device after a wrong code: the next try must wait.
    with time_machine.travel(timezone.now() + timedelta(seconds=5)):
        assert sign_in(client, "handler", code=second).status_code == 302
    assert opens_the_admin(client)
    assert StaticToken.objects.filter(device__user=handler).count() == 8


def test_new_backup_codes_replace_the_old_ones(handler):
    old = staff_auth.new_backup_codes(handler, n=3)
    new = staff_auth.new_backup_codes(handler, n=4)

    stored = set(StaticToken.objects.filter(device__user=handler).values_list("token",
                                                                                flat=True))
    assert stored == {hashed(handler, code) for code in new}
    assert not stored & {hashed(handler, code) for code in old}


def test_a_user_without_a_second_factor_is_refused_and_the_page_says_how_to_get_one(
        client, handler):
    response = sign_in(client, "handler", code="123456")

    html = response.content.decode()
    assert response.status_code == 200
    assert REFUSED in html  # the same answer as to a wrong password
    assert "No app set up yet?" in html and "manage.py staff_otp USERNAME" in html
    assert not is_signed_in(client)


def test_another_users_device_is_not_accepted(client, handler, outsider, app):
    # The outsider knows their own password and steals the handler's current code.
    response = sign_in(client, "outsider", code=totp_code(app), device=app)

    assert response.status_code == 200
    assert not is_signed_in(client)


# --- The lockout ------------------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_username_at_that_address(client, handler, app):
    for attempt in range(1, 5):
        response = sign_in(client, "handler", password=f"wrong-{attempt}")
        assert response.status_code == 200, attempt
    locked = sign_in(client, "handler", password="wrong-5")

    assert locked.status_code == 429
    html = locked.content.decode()
    assert "Sign-in locked" in html and "after 5 failed sign-ins" in html
    assert "Try again in 60 minutes" in html
    # The right password and a right code are refused now too.
    refused = sign_in(client, "handler", code=totp_code(app), device=app)
    assert refused.status_code == 429
    assert not is_signed_in(client)
    assert not opens_the_admin(client)
    # From another address the same username may still sign in (username + address).
    elsewhere = Client(REMOTE_ADDR="192.0.2.7")
    with time_machine.travel(timezone.now() + timedelta(seconds=31)):
        assert sign_in(elsewhere, "handler", code=totp_code(app), device=app).status_code == 302


def test_the_lock_ends_after_an_hour_or_with_axes_reset(client, handler, app):
    for attempt in range(5):
        sign_in(client, "handler", password=f"wrong-{attempt}")
    assert sign_in(client, "handler", password=PASSWORD).status_code == 429

    call_command("axes_reset", stdout=StringIO())

    assert sign_in(client, "handler", code=totp_code(app), device=app).status_code == 302
    assert opens_the_admin(client)


def test_a_lock_expires_after_the_cool_off(client, handler, app):
    for attempt in range(5):
        sign_in(client, "handler", password=f"wrong-{attempt}")

    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        assert sign_in(client, "handler", code=totp_code(app), device=app).status_code == 302


def test_an_attempt_during_the_lock_starts_the_hour_again(client, handler, app):
    start = timezone.now()
    for attempt in range(5):
        sign_in(client, "handler", password=f"wrong-{attempt}")

    with time_machine.travel(start + timedelta(minutes=40)):
        assert sign_in(client, "handler", code=totp_code(app), device=app).status_code == 429
    with time_machine.travel(start + timedelta(minutes=80)):
        assert sign_in(client, "handler", code=totp_code(app), device=app).status_code == 429
    with time_machine.travel(start + timedelta(minutes=141)):
        assert sign_in(client, "handler", code=totp_code(app), device=app).status_code == 302


def test_a_successful_login_resets_the_count(client, handler, app):
    for attempt in range(4):
        sign_in(client, "handler", password=f"wrong-{attempt}")
    assert AccessAttempt.objects.filter(username="handler").exists()

    assert sign_in(client, "handler", code=totp_code(app), device=app).status_code == 302

    assert not AccessAttempt.objects.filter(username="handler").exists()
    client.post("/admin/logout/")
    for attempt in range(4):
        assert sign_in(client, "handler", password=f"again-{attempt}").status_code == 200


def test_wrong_codes_after_the_right_password_count_toward_the_lockout(client, handler, app):
    good = totp_code(app)
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"
    for attempt in range(1, 5):
        # A wrong code, then (throttled by django-otp) refused codes: each one counts.
        assert sign_in(client, "handler", code=wrong, device=app).status_code == 200, attempt

    assert sign_in(client, "handler", code=wrong, device=app).status_code == 429
    assert sign_in(client, "handler", code=good, device=app).status_code == 429
    assert not is_signed_in(client)


def test_public_pages_are_not_affected(client, org_no):
    assert client.get("/healthz").status_code == 200
    assert client.get("/nb/").status_code == 200
    assert client.get(f"/nb/o/{org_no.slug}/").status_code == 200


# --- Enrolment --------------------------------------------------------------------------------


def test_staff_otp_prints_the_app_url_a_qr_code_and_ten_backup_codes(handler):
    out = StringIO()
    call_command("staff_otp", "handler", stdout=out)

    text = out.getvalue()
    device = TOTPDevice.objects.get(user=handler)
    assert device.confirmed
    assert device.config_url in text
    assert device.config_url.startswith("otpauth://totp/Rights%20portal%3Ahandler?secret=")
    assert "█" in text or "▀" in text  # the QR code
    printed = text.split("Backup codes")[1].splitlines()[1:11]
    assert all(line.startswith("  ") and len(line.strip()) == 8 for line in printed)
    codes = [line.strip() for line in printed]
    stored = set(StaticToken.objects.filter(device__user=handler).values_list("token",
                                                                               flat=True))
    assert stored == {hashed(handler, code) for code in codes}


def test_staff_otp_refuses_to_replace_a_device_unless_told(handler):
    call_command("staff_otp", "handler", "--no-qr", stdout=StringIO())
    old = TOTPDevice.objects.get(user=handler)

    with pytest.raises(CommandError, match="--replace"):
        call_command("staff_otp", "handler", stdout=StringIO())
    call_command("staff_otp", "handler", "--replace", "--no-qr", stdout=StringIO())

    assert list(TOTPDevice.objects.filter(user=handler)) != [old]
    assert TOTPDevice.objects.filter(user=handler).count() == 1
    with pytest.raises(CommandError, match="No user"):
        call_command("staff_otp", "nobody", stdout=StringIO())


def test_the_enrolled_app_opens_the_admin(client, handler):
    call_command("staff_otp", "handler", "--no-qr", stdout=StringIO())
    device = TOTPDevice.objects.get(user=handler)

    assert sign_in(client, "handler", code=totp_code(device)).status_code == 302
    assert opens_the_admin(client)


# --- The demo logins --------------------------------------------------------------------------


def _demo_logins(output: str) -> dict[str, tuple[str, list[str]]]:
    logins = {}
    for line in output.splitlines():
        if "   codes: " in line:
            left, codes = line.split("   codes: ")
            username, password = left.split()
            logins[username] = (password, codes.split())
    return logins


def test_demo_logins_get_three_backup_codes_once_and_need_them(db):
    first = StringIO()
    call_command("load_demo", "--no-history", stdout=first)
    logins = _demo_logins(first.getvalue())

    assert "admin" in logins and "onlinepos-no-lead" in logins
    assert all(len(codes) == 3 for _password, codes in logins.values())
    password, codes = logins["onlinepos-no-lead"]
    client = Client()
    assert sign_in(client, "onlinepos-no-lead", password=password).status_code == 200
    assert not opens_the_admin(client)
    assert sign_in(client, "onlinepos-no-lead", password=password,
                   code=codes[0]).status_code == 302
    assert opens_the_admin(client)

    tokens_before = StaticToken.objects.count()
    second = StringIO()
    call_command("load_demo", "--no-history", stdout=second)
    assert _demo_logins(second.getvalue()) == {}
    assert "exist already" in second.getvalue()
    assert StaticToken.objects.count() == tokens_before
