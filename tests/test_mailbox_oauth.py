"""Microsoft 365 and Google Workspace mailboxes sign in with OAuth2 (XOAUTH2): the portal
trades the stored refresh token for an access token at the provider's token endpoint (the
only thing mocked here: a local HTTP server stands in for it) and signs in to a real IMAP
server that checks the token."""

import threading
from http.server import HTTPServer
from urllib.parse import parse_qs

import pytest

from requests_app.mailbox import fetch
from requests_app.models import IncomingMessage, Mailbox
from tests.imap_server import USER, Dovecot, make_email
from tests.support import JsonHandler

ACCESS_TOKEN = "access-token-from-the-provider"


class Provider(JsonHandler):
    """The provider's token endpoint (refresh-token grant) and the token introspection the
    IMAP server asks."""

    calls: list = []

    def do_POST(self):  # noqa: N802
        form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        Provider.calls.append((self.path, form))
        if self.path.startswith("/token"):
            if form.get("refresh_token") != ["refresh-1"]:
                return self.send_json(400, {"error": "invalid_grant",
                                        "error_description": "refresh token revoked"})
            return self.send_json(200, {"access_token": ACCESS_TOKEN, "token_type": "Bearer",
                                    "refresh_token": "refresh-2", "expires_in": 3600})
        active = form.get("token") == [ACCESS_TOKEN]
        return self.send_json(200, {"active": "true" if active else "false", "username": USER})



@pytest.fixture
def provider():
    server = HTTPServer(("127.0.0.1", 0), Provider)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Provider.calls = []
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def oauth_server(provider):
    server = Dovecot.in_temporary_folder()
    server.oauth_introspection_url = f"{provider}/introspect"
    server.start()
    yield server
    server.stop()
    server.remove()


@pytest.mark.django_db
@pytest.mark.parametrize("auth", [Mailbox.Auth.MICROSOFT, Mailbox.Auth.GOOGLE])
def test_an_oauth2_mailbox_signs_in_with_xoauth2_and_keeps_the_rotated_refresh_token(
        org_no, provider, oauth_server, monkeypatch, auth):
    monkeypatch.setitem(fetch.TOKEN_URLS, auth, provider + "/token/{tenant}")
    oauth_server.deliver(make_email(subject="Innsyn"))
    mailbox = Mailbox(organisation=org_no, host="127.0.0.1", port=oauth_server.port,
                      security=Mailbox.Security.NONE, username=USER, auth=auth,
                      oauth_client_id="client-1", oauth_tenant="contoso.onmicrosoft.com")
    fetch.set_secret(mailbox, "oauth_client_secret", "client-secret")
    fetch.set_secret(mailbox, "oauth_refresh_token", "refresh-1")
    mailbox.save()

    assert fetch.fetch(mailbox.pk) == 1

    assert IncomingMessage.objects.get().subject == "Innsyn"
    path, form = Provider.calls[0]
    assert path.startswith("/token/")
    assert form["grant_type"] == ["refresh_token"]
    assert form["client_id"] == ["client-1"]
    assert form["client_secret"] == ["client-secret"]
    assert form["scope"] == [fetch.SCOPES[auth]]
    mailbox.refresh_from_db()
    assert fetch.secret(mailbox, "oauth_refresh_token") == "refresh-2"
    assert b"refresh-2" not in bytes(mailbox.oauth_refresh_token_encrypted)


@pytest.mark.django_db
def test_a_revoked_refresh_token_is_shown_to_the_admin(org_no, provider, oauth_server,
                                                       monkeypatch):
    monkeypatch.setitem(fetch.TOKEN_URLS, Mailbox.Auth.MICROSOFT, provider + "/token")
    mailbox = Mailbox(organisation=org_no, host="127.0.0.1", port=oauth_server.port,
                      security=Mailbox.Security.NONE, username=USER,
                      auth=Mailbox.Auth.MICROSOFT, oauth_client_id="client-1")
    fetch.set_secret(mailbox, "oauth_refresh_token", "revoked")
    mailbox.save()

    fetch.fetch(mailbox.pk)

    mailbox.refresh_from_db()
    assert "refused to give an access token" in mailbox.last_error
    steps = fetch.test_connection(mailbox)
    assert [(s.name, s.ok) for s in steps][-1] == ("Sign-in", False)
