"""A staff sign-in lasts a working day (STAFF_SESSION_HOURS, default 10), not Django's two
weeks, and its cookie ends with the browser."""

import os
import subprocess
import sys
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.utils import timezone


def test_a_staff_session_lasts_a_working_day_not_two_weeks():
    assert 8 * 3600 <= settings.SESSION_COOKIE_AGE <= 12 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True


def test_the_admin_asks_for_a_new_sign_in_after_the_working_day(client, handler):
    signed_in = timezone.now()
    client.force_login(handler)  # both factors (tests/otp_login.py)
    age = timedelta(seconds=settings.SESSION_COOKIE_AGE)

    with time_machine.travel(signed_in + age - timedelta(minutes=5)):
        assert client.get("/admin/").status_code == 200
    with time_machine.travel(signed_in + age + timedelta(minutes=5)):
        response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_cookie_of_a_sign_in_has_no_expiry_date(client, handler):
    client.force_login(handler)

    response = client.get("/admin/")

    assert response.status_code == 200
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert not cookie["expires"] and not cookie["max-age"]


@pytest.mark.parametrize("hours", ["0", "25", "336"])
def test_a_session_length_outside_a_day_stops_start_up(hours, tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=settings.BASE_DIR, capture_output=True,
        text=True, timeout=60,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings", "DEBUG": "false",
             "SECRET_KEY": "x" * 50, "VAR_DIR": str(tmp_path), "STAFF_SESSION_HOURS": hours})

    assert result.returncode != 0
    assert "STAFF_SESSION_HOURS" in result.stderr
