"""What several test modules share that is not a fixture: form data, the browser's launch
settings, helpers that read e-mails and pages. Test modules import from here, never from each
other or from conftest."""

from __future__ import annotations

import json
import os
import re
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from django.conf import settings
from django.utils import translation

from requests_app.models import ExportFile, Membership, Package, ProcessingRecord

# The browser tests (``tests/test_browser*.py``): Debian's chromium, never ``playwright
# install`` (it downloads a browser; these machines have no network).
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
TIMEOUT_MS = 5_000  # a step that takes longer is broken: fail fast, well inside 20 s a test

#: Where the browser tests save their screenshots.
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


VALID = {
    "subject_name": "Kari Nordmann",
    "subject_email": "kari@example.no",
    "subject_phone": "",
    "relationship": "customer",
    "description": "Kundenummer 1234",
}
TYPE_DETAILS = {
    "access": {"scope": ""},
    "rectification": {"what_is_wrong": "Feil adresse", "correct_value": "Storgata 1"},
    "erasure": {"erasure_scope": "everything"},
    "restriction": {"processing": "Markedsføring", "restriction_ground": "accuracy_contested"},
    "portability": {"data_wanted": "Ordrehistorikk", "preferred_format": "json"},
    "objection": {"objection_kind": "direct_marketing"},
    "consent_withdrawal": {"consent": "Nyhetsbrev"},
}


def link_in(email_body: str, kind: str) -> str:
    """The path of the confirmation or status link in an e-mail body."""
    match = re.search(rf"https?://[^/\s]+(/\w\w/{kind}/[^\s<\"]+)", email_body)
    assert match, f"no {kind} link in: {email_body}"
    return match.group(1)


def staff_user(django_user_model, username, org, role=Membership.Role.HANDLER, **fields):
    user = django_user_model.objects.create_user(username=username, password="pw-for-tests-1",
                                                 is_staff=True, **fields)
    Membership.objects.create(user=user, organisation=org, role=role)
    return user


ORDERS_CSV = b"order,date,total\n1001,2025-01-02,499.00\n1002,2025-03-04,129.50\n"


def settled_record(*systems, name="Kundeforhold", **fields) -> ProcessingRecord:
    """A record of processing of the systems' organisation, for everyone, with every statement
    of the access cover settled ("none" where nothing is written), linked to the systems: an
    access package with data found in them can be built (``cover.missing``)."""
    values = {"purposes": "Levere tjenesten.", "legal_basis": "contract",
              "data_categories": "Navn og e-post.", "retention": "Fem år.",
              "no_recipients": True, "no_transfers": True, "source_is_subject": True,
              "no_automated_decisions": True, **fields}
    record = ProcessingRecord.objects.create(organisation=systems[0].organisation, name=name,
                                             **values)
    record.systems.set(systems)
    return record


def delete_stored_files():
    for row in [*ExportFile.objects.all(), *Package.objects.exclude(file="")]:
        if row.file:
            row.file.delete(save=False)


def in_language(language: str, text) -> str:
    """``text`` (an English msgid or a lazy translation) as the server renders it in
    ``language``."""
    with translation.override(language):
        return translation.gettext(text) if isinstance(text, str) else str(text)


DIRECT_MARKETING_DONE = (
    "Your objection to direct marketing has been carried out (GDPR Article 21(2) and (3)): we "
    "no longer use your data for direct marketing. Your e-mail address is on our list of "
    "addresses that must not receive marketing; the list keeps only a coded form of the "
    "address, not the address itself.")


def staff_page(new_context, live_server, client, user):
    """A browser signed in to the admin as ``user`` (both factors: ``tests/otp_login.py``)."""
    client.force_login(user)
    context = new_context()
    context.set_default_timeout(TIMEOUT_MS)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                          "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                          "url": live_server.url}])
    return context.new_page()


# --- eID: the real OpenID provider of tests/oidc/ ------------------------------------------

OIDC_DIR = Path(settings.BASE_DIR) / "tests" / "oidc"
#: The national identity number every account of the test provider carries (``nin``/``ssn``).
PROVIDER_NIN = "01019012345"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def drive_provider_login(authorize_url: str, *, login: str = "kari", cancel: bool = False
                         ) -> str:
    """Go through the test provider's devInteractions pages over HTTP, as a browser would:
    the login form (any password), then the consent form; or cancel at the login. Returns
    the URL the provider sends the browser back to (the portal's callback with code and
    state, or with error=access_denied)."""
    import requests

    session = requests.Session()
    url, steps = authorize_url, 0
    while steps < 12:
        steps += 1
        response = session.get(url, allow_redirects=False, timeout=10)
        if response.is_redirect:
            url = requests.compat.urljoin(url, response.headers["Location"])
            if "/eid/callback/" in url:
                return url
            continue
        assert response.status_code == 200, re.sub(r"<style>.*?</style>", "", response.text,
                                                   flags=re.S)[:1500]
        page = response.text
        if cancel:
            abort = re.search(r'href="([^"]+/abort)"', page)
            assert abort, page[:500]
            url = requests.compat.urljoin(url, abort.group(1))
            continue
        prompt = re.search(r'name="prompt" value="(\w+)"', page).group(1)
        action = re.search(r'<form[^>]*action="([^"]+)"', page).group(1)
        data = {"prompt": prompt}
        if prompt == "login":
            data.update(login=login, password="any-password")
        response = session.post(requests.compat.urljoin(url, action), data=data,
                                allow_redirects=False, timeout=10)
        assert response.is_redirect, response.text[:500]
        url = requests.compat.urljoin(url, response.headers["Location"])
        if "/eid/callback/" in url:
            return url
    raise AssertionError("the provider never sent the browser back")
def invitation_path(email_body: str) -> str:
    """The path of the invitation link in an invitation e-mail."""
    match = re.search(r"https?://[^/\s]+(/staff/welcome/[^\s<\"]+/)", email_body)
    assert match, f"no invitation link in: {email_body}"
    return match.group(1)


def totp_now(secret_base32: str) -> str:
    """The current 6-digit code of an authenticator app given the key shown on the page (what
    a phone would compute: RFC 6238 with django-otp's defaults, 30 s steps)."""
    from base64 import b32decode

    from django_otp.oath import totp

    key = secret_base32.replace(" ", "").upper()
    key += "=" * (-len(key) % 8)
    return f"{totp(b32decode(key)):06d}"


class JsonHandler(BaseHTTPRequestHandler):
    """A local stand-in for a third party's HTTP endpoint (an OAuth2 provider, an eID
    broker's discovery and keys): subclasses answer with ``send_json``; nothing is logged."""

    def send_json(self, status: int, body) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def require_programs(name: str) -> None:
    """Skip the test where a program of the fault runs whose install hint contains ``name``
    (``bench.servers.missing_programs``: redis-server, initdb) is missing; fail in CI, which
    installs them: a missing service never passes there."""
    import pytest

    from bench.servers import missing_programs

    missing = [m for m in missing_programs() if name in m]
    if missing:
        message = f"needs {', '.join(missing)}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
