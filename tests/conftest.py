"""Shared fixtures: two organisations (NO, DK) and the staff every test needs: of the
Norwegian one a handler, a compliance lead (``lead``) and an organisation admin
(``org_admin``); an outsider (a handler of the Danish one) who must see nothing of the
Norwegian one's data; a member with mixed roles (``mixed``: organisation admin of the Danish
one, only a handler of the Norwegian one); a superuser who is a member of none (``boss``).

Roles come from the memberships alone (``requests_app.access``): no group, no permission."""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.utils import translation

from requests_app.models import Membership, Organisation, Request
from tests.support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    OIDC_DIR,
    TIMEOUT_MS,
    TYPE_DETAILS,
    VALID,
    free_port,
    link_in,
    staff_user,
)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright launches Debian's chromium; its absence fails, never skips."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium: apt-get install chromium",
                    pytrace=False)
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM),
            "args": CHROMIUM_ARGS}


@pytest.fixture
def page(page):
    page.set_default_timeout(TIMEOUT_MS)
    page.set_default_navigation_timeout(TIMEOUT_MS)
    return page


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a page in /nb/ activates Norwegian for the
    thread, which would otherwise leak into the next test's assertions."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # rate-limit counters live in the cache
    yield
    cache.clear()


@pytest.fixture
def org_no(db) -> Organisation:
    return Organisation.objects.create(
        name="Testfirma AS", slug="testfirma", country="NO", default_language="nb",
        time_zone="Europe/Oslo", contact_email="post@testfirma.example",
        supervisory_authority="datatilsynet-no",
    )


@pytest.fixture
def org_dk(db) -> Organisation:
    return Organisation.objects.create(
        name="Testfirma ApS", slug="testfirma-dk", country="DK", default_language="da",
        time_zone="Europe/Copenhagen", contact_email="post@testfirma-dk.example",
        supervisory_authority="datatilsynet-dk",
    )


Role = Membership.Role


@pytest.fixture
def make_staff(django_user_model):
    """``make_staff(username, organisation, role=handler, **user fields)``: one more member."""

    def _make(username, org, role=Role.HANDLER, **fields):
        return staff_user(django_user_model, username, org, role, **fields)

    return _make


@pytest.fixture
def handler(django_user_model, org_no):
    return staff_user(django_user_model, "handler", org_no)


@pytest.fixture
def lead(django_user_model, org_no):
    """The Norwegian organisation's compliance lead: decides, keeps records, reads reports."""
    return staff_user(django_user_model, "lead", org_no, Role.COMPLIANCE_LEAD,
                  email="lead@testfirma.example")


@pytest.fixture
def org_admin(django_user_model, org_no):
    """The Norwegian organisation's admin: its settings, systems, members and templates."""
    return staff_user(django_user_model, "orgadmin", org_no, Role.ORG_ADMIN,
                  email="orgadmin@testfirma.example")


@pytest.fixture
def outsider(django_user_model, org_dk):
    """A handler of the Danish organisation: must never see the Norwegian one's requests."""
    return staff_user(django_user_model, "outsider", org_dk)


@pytest.fixture
def mixed(django_user_model, org_no, org_dk):
    """Organisation admin of the Danish organisation and only a handler of the Norwegian one:
    an admin's rights must not follow them into the Norwegian one."""
    user = staff_user(django_user_model, "mixed", org_dk, Role.ORG_ADMIN,
                  email="mixed@testfirma-dk.example")
    Membership.objects.create(user=user, organisation=org_no, role=Role.HANDLER)
    return user


@pytest.fixture
def boss(django_user_model):
    """A superuser who is a member of no organisation."""
    return django_user_model.objects.create_superuser("boss", "boss@example.no", "pw-1-boss")


@pytest.fixture
def submit(client, django_capture_on_commit_callbacks):
    """POST the public form and run what was queued on commit (the e-mail tasks)."""

    def _submit(org, request_type="access", language="nb", **overrides):
        data = {**VALID, **TYPE_DETAILS[request_type], **overrides}
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(f"/{language}/o/{org.slug}/{request_type}/", data)

    return _submit


@pytest.fixture
def confirmed(submit, client, org_no, django_capture_on_commit_callbacks):
    """A confirmed request of org_no and the path of its status page."""

    def _confirmed(request_type="access", language="nb", org=None, **overrides):
        org = org or org_no
        mail.outbox.clear()
        submit(org, request_type, language, **overrides)
        confirm_path = link_in(mail.outbox[-1].body, "confirm")
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(confirm_path)
        assert response.status_code == 302
        subject_request = Request.objects.latest("created_at")
        return subject_request, response["Location"]

    return _confirmed




# --- eID: a real OpenID provider ------------------------------------------------------------


class OidcProvider:
    def __init__(self, issuer: str, client_id: str, client_secret: str, process):
        self.issuer, self.client_id, self.client_secret = issuer, client_id, client_secret
        self.process = process


@pytest.fixture(scope="session")
def oidc_provider(live_server):
    """The OpenID provider of ``tests/oidc/provider.js`` (oidc-provider, OpenID-certified, as
    the BankID and MitID brokers) on a free port, its one client registered with the live
    server's callback. Node and the provider's packages (``make test`` runs ``npm ci``)
    must be there: their absence fails, never skips."""
    import shutil
    import subprocess
    import time

    import requests

    node = shutil.which("node")
    if node is None:
        pytest.fail("node is missing: apt-get install nodejs (make test does)", pytrace=False)
    if not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
        pytest.fail(f"the test OpenID provider is not installed: npm ci in {OIDC_DIR} "
                    "(make oidc-provider)", pytrace=False)
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    env = {"PATH": os.environ.get("PATH", ""), "PORT": str(port), "ISSUER": issuer,
           "CLIENT_ID": "portal-test", "CLIENT_SECRET": "test-client-secret-4f9a",
           "REDIRECT_URIS": f"{live_server.url}/eid/callback/"}
    process = subprocess.Popen([node, "provider.js"], cwd=OIDC_DIR, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            pytest.fail(f"the OpenID provider stopped: {process.stderr.read()}", pytrace=False)
        try:
            requests.get(f"{issuer}/.well-known/openid-configuration", timeout=1)
            break
        except requests.RequestException:
            if time.monotonic() > deadline:
                process.kill()
                pytest.fail("the OpenID provider did not start in 30 s", pytrace=False)
            time.sleep(0.1)
    yield OidcProvider(issuer, env["CLIENT_ID"], env["CLIENT_SECRET"], process)
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def eid_org(org_no, oidc_provider, live_server, settings):
    """org_no connected to the test provider (Norwegian BankID and Danish MitID, level
    substantial), pausing the clock while it waits for identity; links point at the live
    server, whose callback the provider knows."""
    from requests_app.identity import configuration

    settings.SITE_URL = live_server.url
    org_no.pause_clock_while_waiting = True
    org_no.save()
    configuration.configure(org_no, actor=None, issuer=oidc_provider.issuer,
                            client_id=oidc_provider.client_id,
                            client_secret=oidc_provider.client_secret,
                            methods=["no_bankid", "dk_mitid"], level="substantial")
    return org_no
@pytest.fixture
def imap_server():
    """A real dovecot on a free local port with an empty mailbox (``tests/imap_server.py``);
    its absence fails the test, never skips it."""
    from tests.imap_server import Dovecot

    server = Dovecot.in_temporary_folder()
    try:
        server.start()
    except RuntimeError as error:
        server.remove()
        pytest.fail(str(error), pytrace=False)
    yield server
    server.stop()
    server.remove()


@pytest.fixture
def mailbox(org_no, imap_server):
    """org_no's privacy mailbox, on the test IMAP server."""
    from requests_app.mailbox import fetch
    from requests_app.models import Mailbox
    from tests.imap_server import PASSWORD, USER

    box = Mailbox(organisation=org_no, host="127.0.0.1", port=imap_server.port,
                  security=Mailbox.Security.NONE, username=USER)
    fetch.set_secret(box, "password", PASSWORD)
    box.save()
    return box
