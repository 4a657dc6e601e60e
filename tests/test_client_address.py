"""One answer to "who is the client": REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT proxies the
address the outermost of them wrote into X-Forwarded-For. The intake's rate limit and the
staff lockout (django-axes) both use it, so behind the proxy each visitor has their own
limits, a client cannot choose its address, and no header makes a 500."""

import ipaddress
import os
import subprocess
import sys

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.test import Client, RequestFactory
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from requests_app.client_address import client_ip
from requests_app.models import Request
from tests.support import TYPE_DETAILS, VALID

PROXY = "10.0.0.2"  # REMOTE_ADDR of every request that comes through the proxy
LOGIN = "/admin/login/?next=/admin/"


def _request(forwarded_for=None, remote=PROXY):
    extra = {"REMOTE_ADDR": remote}
    if forwarded_for is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return RequestFactory().get("/", **extra)


def _behind_proxy(client_address: str) -> Client:
    """A browser at ``client_address`` whose requests reach us through our one proxy, which
    appends the address it saw to whatever X-Forwarded-For the browser sent."""
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"198.51.100.99, {client_address}")


# --- The function -------------------------------------------------------------------------------


def test_without_trusted_proxies_a_spoofed_forwarded_for_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0

    assert client_ip(_request("203.0.113.5", remote="192.0.2.1")) == "192.0.2.1"


def test_behind_one_proxy_the_client_is_the_entry_the_proxy_appended(settings):
    settings.TRUSTED_PROXY_COUNT = 1

    assert client_ip(_request("6.6.6.6, 203.0.113.5")) == "203.0.113.5"
    assert client_ip(_request("203.0.113.5")) == "203.0.113.5"


def test_behind_two_proxies_the_client_is_the_second_entry_from_the_right(settings):
    settings.TRUSTED_PROXY_COUNT = 2

    assert client_ip(_request("6.6.6.6, 203.0.113.5, 10.0.0.1")) == "203.0.113.5"


def test_proxies_that_write_ports_or_brackets_are_understood(settings):
    settings.TRUSTED_PROXY_COUNT = 1

    assert client_ip(_request("203.0.113.5:51234")) == "203.0.113.5"
    assert client_ip(_request("[2001:db8::1]:443")) == "2001:db8::1"
    assert client_ip(_request("2001:DB8::1")) == "2001:db8::1"


@pytest.mark.parametrize("header", [
    None, "", " ", ",", "not-an-address", "203.0.113.5, junk", "203.0.113.5,", "::::", "[]",
    "999.1.1.1", "1.2.3.4, 5.6.7.8 9.9.9.9", "\x00",
])
def test_a_missing_or_malformed_header_falls_back_to_the_proxy_address(settings, header):
    settings.TRUSTED_PROXY_COUNT = 1

    assert client_ip(_request(header)) == PROXY


def test_a_header_shorter_than_the_proxy_chain_falls_back_to_the_proxy_address(settings):
    """Fewer entries than proxies: the request skipped a proxy, so no entry can be trusted."""
    settings.TRUSTED_PROXY_COUNT = 3

    assert client_ip(_request("203.0.113.5, 10.0.0.1")) == PROXY


def test_an_empty_remote_addr_still_gives_an_address(settings):
    settings.TRUSTED_PROXY_COUNT = 0

    assert client_ip(_request(remote="")) == "0.0.0.0"


@hypothesis_settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=st.text(alphabet=st.sampled_from("0123456789abcdef.:,[] %\t-x"), max_size=200),
       count=st.integers(min_value=0, max_value=5))
def test_any_header_gives_a_valid_address_and_never_raises(settings, header, count):
    settings.TRUSTED_PROXY_COUNT = count

    ipaddress.ip_address(client_ip(_request(header)))


def test_a_negative_proxy_count_stops_start_up(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=django_settings.BASE_DIR,
        capture_output=True, text=True, timeout=60,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings", "DEBUG": "false",
             "SECRET_KEY": "x" * 50, "VAR_DIR": str(tmp_path), "TRUSTED_PROXY_COUNT": "-1"})

    assert result.returncode != 0
    assert "TRUSTED_PROXY_COUNT=-1 is negative" in result.stderr


# --- The intake's rate limit --------------------------------------------------------------------


def _post_form(client, org):
    return client.post(f"/en/o/{org.slug}/access/", {**VALID, **TYPE_DETAILS["access"]})


def test_two_clients_behind_one_proxy_are_rate_limited_separately(org_no, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.INTAKE_RATE_LIMIT = "3/h"
    busy, other = _behind_proxy("203.0.113.5"), _behind_proxy("203.0.113.6")

    statuses = [_post_form(busy, org_no).status_code for _ in range(4)]

    assert statuses == [302, 302, 302, 429]
    assert _post_form(other, org_no).status_code == 302
    assert Request.objects.count() == 4


def test_a_spoofed_forwarded_for_does_not_escape_the_rate_limit(org_no, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    settings.INTAKE_RATE_LIMIT = "3/h"

    statuses = [
        Client(REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
        .post(f"/en/o/{org_no.slug}/access/", {**VALID, **TYPE_DETAILS["access"]}).status_code
        for n in range(4)
    ]

    assert statuses == [302, 302, 302, 429]


@pytest.mark.parametrize("count", [0, 1, 2, 50])
def test_a_forwarded_for_with_many_entries_never_gives_a_500(org_no, settings, count):
    settings.TRUSTED_PROXY_COUNT = count
    many = ", ".join(f"203.0.113.{n % 250}" for n in range(500)) + ", junk, , [::1]:80"
    client = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=many)

    assert _post_form(client, org_no).status_code == 302
    assert client.post(LOGIN, {"username": "nobody", "password": "x"}).status_code == 200


# --- The staff lockout (django-axes) ------------------------------------------------------------


def _wrong_password(client):
    return client.post(LOGIN, {"username": "handler", "password": "wrong", "otp_token": "",
                               "next": "/admin/"})


def test_five_wrong_passwords_behind_a_proxy_lock_the_username_only_for_that_client(
        handler, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    attacker, colleague = _behind_proxy("203.0.113.5"), _behind_proxy("203.0.113.6")

    statuses = [_wrong_password(attacker).status_code for _ in range(5)]

    assert statuses == [200, 200, 200, 200, 429]
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.5"}
    assert _wrong_password(colleague).status_code == 200  # not locked out by the attacker


def test_a_spoofed_forwarded_for_does_not_escape_the_lockout(handler, settings):
    settings.TRUSTED_PROXY_COUNT = 0

    statuses = [
        _wrong_password(Client(REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}"))
        .status_code for n in range(5)
    ]

    assert statuses == [200, 200, 200, 200, 429]
