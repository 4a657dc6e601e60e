"""A mailbox over TLS: the server's certificate is checked (chain and host name), and a
certificate the portal does not trust is refused at the TLS step, before any password is
sent."""

import pytest

from requests_app.mailbox import fetch
from requests_app.models import IncomingMessage, Mailbox
from tests.imap_server import PASSWORD, USER, Dovecot, make_email, self_signed_certificate


@pytest.fixture
def tls_server():
    server = Dovecot.in_temporary_folder()
    certificate, key = self_signed_certificate(server.root)
    server.use_tls(certificate, key)
    server.start()
    yield server
    server.stop()
    server.remove()


def _mailbox(org, server, host="localhost"):
    mailbox = Mailbox(organisation=org, host=host, port=server.tls_port,
                      security=Mailbox.Security.TLS, username=USER)
    fetch.set_secret(mailbox, "password", PASSWORD)
    mailbox.save()
    return mailbox


@pytest.mark.django_db
def test_a_trusted_certificate_lets_the_fetch_through(org_no, tls_server, settings):
    settings.MAILBOX_CA_FILE = str(tls_server.certificate[0])
    tls_server.deliver(make_email(subject="Innsyn over TLS"))
    mailbox = _mailbox(org_no, tls_server)

    assert [s.ok for s in fetch.test_connection(mailbox)] == [True] * 4
    assert fetch.fetch(mailbox.pk) == 1
    assert IncomingMessage.objects.get().subject == "Innsyn over TLS"


@pytest.mark.django_db
def test_an_untrusted_certificate_or_another_name_fails_at_the_tls_step(org_no, tls_server,
                                                                       settings):
    mailbox = _mailbox(org_no, tls_server)
    steps = fetch.test_connection(mailbox)  # the system's authorities do not know it
    assert [(s.name, s.ok) for s in steps] == [("Server name (DNS)", True),
                                              ("Connection and TLS", False)]
    assert "certificate" in steps[-1].detail.lower()

    settings.MAILBOX_CA_FILE = str(tls_server.certificate[0])
    mailbox.host = "127.0.0.1"  # the certificate names localhost only
    mailbox.save()
    steps = fetch.test_connection(mailbox)
    assert [(s.name, s.ok) for s in steps][-1] == ("Connection and TLS", False)
    fetch.fetch(mailbox.pk)
    assert "TLS" in Mailbox.objects.get().last_error
