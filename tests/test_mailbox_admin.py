"""The organisation's admin connects the mailbox in the staff site: secrets are write-only
and encrypted, plain IMAP is refused for a remote server, and "test connection" says what
is wrong; handlers cannot change it."""

import pytest

from requests_app.mailbox import fetch
from requests_app.models import Mailbox
from tests.imap_server import PASSWORD, USER

URL = "/admin/requests_app/mailbox/"


def _data(org, port, **overrides):
    return {"organisation": org.pk, "enabled": "on", "host": "127.0.0.1", "port": port,
            "security": "none", "username": USER, "folder": "INBOX", "auth": "password",
            "password": PASSWORD, "not_request_days": 30, "triage_reminder_hours": 24,
            **overrides}


@pytest.mark.django_db
def test_the_admin_connects_a_mailbox_and_tests_the_connection(client, org_admin, org_no,
                                                               imap_server):
    client.force_login(org_admin)

    response = client.post(URL + "add/", _data(org_no, imap_server.port))

    assert response.status_code == 302, response.content.decode()[:3000]
    mailbox = Mailbox.objects.get()
    assert fetch.secret(mailbox, "password") == PASSWORD
    page = client.get(URL + f"{mailbox.pk}/change/").content.decode()
    assert PASSWORD not in page  # never shown back
    assert "Test connection" in page

    # A blank password keeps the stored one.
    client.post(URL + f"{mailbox.pk}/change/", _data(org_no, imap_server.port, password=""))
    assert fetch.secret(Mailbox.objects.get(), "password") == PASSWORD

    response = client.post(URL + f"{mailbox.pk}/test-connection/", follow=True)
    texts = [str(m) for m in response.context["messages"]]
    assert any(t.startswith("Folder: OK") for t in texts), texts
    assert client.get(URL + f"{mailbox.pk}/test-connection/").status_code == 405


@pytest.mark.django_db
def test_plain_imap_is_refused_for_a_remote_server(client, org_admin, org_no):
    client.force_login(org_admin)

    response = client.post(URL + "add/", _data(org_no, 143, host="imap.example.no"))

    assert response.status_code == 200
    assert "use TLS or STARTTLS" in response.content.decode()
    assert not Mailbox.objects.exists()


@pytest.mark.django_db
def test_a_handler_cannot_see_or_change_the_mailbox(client, handler, mailbox):
    client.force_login(handler)

    assert client.get(URL + f"{mailbox.pk}/change/").status_code in (403, 404)
    assert client.post(URL + f"{mailbox.pk}/test-connection/").status_code in (403, 404)
