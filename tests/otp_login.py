"""pytest plugin (``-p tests.otp_login`` in pyproject.toml): ``client.force_login(user)`` also
passes the second factor.

The admin is django-otp's OTPAdminSite, which refuses a session that no confirmed OTP device
has verified. Tests that are about what staff see, not about how they sign in, log in with
``force_login``; this gives the user a confirmed device and marks the session verified by it,
exactly what django_otp.login() stores after a real login. The real login (password, code,
backup code, lockout) is tested in tests/test_staff_login.py without this shortcut.

Mark a test ``@pytest.mark.otp_unverified`` to get Django's plain ``force_login``: a session
with a password login only.

Django is not set up when pytest imports this module: everything Django is imported inside
the fixture.
"""

import pytest

TEST_DEVICE_NAME = "pytest: force_login"


@pytest.fixture(autouse=True)
def _force_login_passes_the_second_factor(request, monkeypatch):
    if request.node.get_closest_marker("otp_unverified"):
        yield
        return
    from django.test.client import ClientMixin

    plain_force_login = ClientMixin.force_login

    def force_login(self, user, backend=None):
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_static.models import StaticDevice

        plain_force_login(self, user, backend)
        device, _created = StaticDevice.objects.get_or_create(
            user=user, name=TEST_DEVICE_NAME, defaults={"confirmed": True})
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()

    monkeypatch.setattr(ClientMixin, "force_login", force_login)
    yield
