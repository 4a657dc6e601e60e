"""Each message of the privacy mailbox is saved once, raw and encrypted, and the server is
left as it was (unless moving is configured, and then only after the save)."""

import threading
from datetime import UTC, datetime

import pytest
from django.db import connection

from requests_app.mailbox import fetch
from requests_app.models import IncomingMessage, Mailbox
from tests.imap_server import make_email


@pytest.mark.django_db
def test_a_new_message_becomes_one_triage_item_with_its_arrival_time(mailbox, imap_server):
    arrival = datetime(2026, 11, 30, 22, 30, tzinfo=UTC)
    imap_server.deliver(make_email(subject="Innsyn", body="Jeg ber om innsyn i mine data."),
                        when=arrival)

    assert fetch.fetch(mailbox.pk) == 1

    message = IncomingMessage.objects.get()
    assert message.state == IncomingMessage.State.NEW
    assert message.received_at == arrival
    assert message.sender_email == "kari@example.no"
    assert message.sender_name == "Kari Nordmann"
    assert message.subject == "Innsyn"
    assert message.suggested_type == "access"
    assert message.organisation_id == mailbox.organisation_id
    # Encrypted at rest: the stored bytes do not hold the text, but read back whole.
    assert b"innsyn" not in bytes(message.raw_encrypted)
    assert b"Jeg ber om innsyn i mine data." in fetch.raw_message(message)
    mailbox.refresh_from_db()
    assert mailbox.last_uid == message.uid
    assert mailbox.uidvalidity == imap_server.uidvalidity()
    assert mailbox.last_error == ""


@pytest.mark.django_db
def test_fetching_again_saves_nothing_twice_and_leaves_the_server_unchanged(mailbox,
                                                                            imap_server):
    imap_server.deliver(make_email(), make_email(subject="Sletting"))
    assert fetch.fetch(mailbox.pk) == 2
    assert fetch.fetch(mailbox.pk) == 0
    # Even with the progress marker lost, the unique key holds.
    Mailbox.objects.filter(pk=mailbox.pk).update(last_uid=0)
    assert fetch.fetch(mailbox.pk) == 0

    assert IncomingMessage.objects.count() == 2
    client = imap_server.client()
    client.select_folder("INBOX", readonly=True)
    flags = client.get_flags(client.search())
    client.logout()
    assert len(flags) == 2  # nothing moved or deleted
    assert all(b"\\Seen" not in f for f in flags.values())  # not even marked read


@pytest.mark.django_db(transaction=True)
def test_two_fetches_at_once_make_no_duplicate(mailbox, imap_server):
    imap_server.deliver(*[make_email(subject=f"Innsyn {i}") for i in range(30)])
    errors = []

    def run():
        try:
            fetch.fetch(mailbox.pk)
        except Exception as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert errors == []
    assert IncomingMessage.objects.count() == 30
    assert IncomingMessage.objects.values("uid").distinct().count() == 30
    assert Mailbox.objects.get().last_uid == max(imap_server.uids())


@pytest.mark.django_db
def test_saved_messages_are_moved_only_when_configured_and_only_after_the_save(mailbox,
                                                                             imap_server):
    imap_server.create_folder("Portal")
    imap_server.deliver(make_email(), make_email(subject="Sletting"))
    mailbox.move_to_folder = "Portal"
    mailbox.save()

    assert fetch.fetch(mailbox.pk) == 2

    assert imap_server.uids("INBOX") == []
    assert len(imap_server.uids("Portal")) == 2
    assert IncomingMessage.objects.filter(moved_at__isnull=False).count() == 2
    # Moved messages are not read again from their new folder.
    assert fetch.fetch(mailbox.pk) == 0
    assert IncomingMessage.objects.count() == 2


@pytest.mark.django_db
def test_a_move_that_fails_keeps_the_message_saved_and_is_tried_again(mailbox, imap_server):
    imap_server.deliver(make_email())
    mailbox.move_to_folder = "Missing"
    mailbox.save()

    fetch.fetch(mailbox.pk)

    mailbox.refresh_from_db()
    assert IncomingMessage.objects.count() == 1
    assert "Missing" in mailbox.last_error
    assert len(imap_server.uids("INBOX")) == 1  # still on the server: nothing lost
    imap_server.create_folder("Missing")
    Mailbox.objects.filter(pk=mailbox.pk).update(failures=0)
    fetch.fetch(mailbox.pk)
    assert imap_server.uids("INBOX") == []
    assert IncomingMessage.objects.get().moved_at is not None
    assert connection.vendor in ("postgresql", "sqlite")


@pytest.mark.django_db
def test_the_command_reads_the_mailboxes_now_and_says_what_it_found(mailbox, imap_server):
    from io import StringIO

    from django.core.management import call_command

    imap_server.deliver(make_email())
    out = StringIO()

    call_command("fetch_mailboxes", stdout=out)
    call_command("fetch_mailboxes", "--organisation", "testfirma", stdout=out)

    assert out.getvalue().splitlines() == ["testfirma: 1 new, 0 attached to their request (ok)",
                                           "testfirma: 0 new, 0 attached to their request (ok)"]
    assert IncomingMessage.objects.count() == 1
