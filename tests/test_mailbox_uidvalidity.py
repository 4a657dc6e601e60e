"""When the server renumbers the folder (a new UIDVALIDITY), the folder is read again from
the start, and the messages already saved are recognised (Message-ID, or the content's
digest, with the arrival time) instead of being saved twice."""

import pytest

from requests_app.mailbox import fetch
from requests_app.models import IncomingMessage, Mailbox
from tests.imap_server import make_email


@pytest.mark.django_db
def test_a_changed_uidvalidity_rereads_the_folder_without_duplicates(mailbox, imap_server):
    no_message_id = make_email(subject="Uten Message-ID").replace(b"Message-ID:", b"X-Old-Id:")
    imap_server.deliver(make_email(subject="Innsyn"), no_message_id)
    fetch.fetch(mailbox.pk)
    before = {m.subject: (m.uidvalidity, m.uid, m.received_at)
              for m in IncomingMessage.objects.all()}
    assert len(before) == 2

    new_validity = imap_server.renumber_inbox()
    imap_server.deliver(make_email(subject="Sletting"))
    assert new_validity != mailbox.uidvalidity

    assert fetch.fetch(mailbox.pk) == 1  # only the new one

    mailbox.refresh_from_db()
    assert mailbox.uidvalidity == new_validity
    assert mailbox.last_uid == max(imap_server.uids())
    messages = {m.subject: m for m in IncomingMessage.objects.all()}
    assert sorted(messages) == ["Innsyn", "Sletting", "Uten Message-ID"]
    for subject in ("Innsyn", "Uten Message-ID"):
        message = messages[subject]
        # The same row, now under the new numbering, with its arrival time unchanged.
        assert message.uidvalidity == new_validity
        assert message.uid != before[subject][1]
        assert message.received_at == before[subject][2]
    assert fetch.fetch(mailbox.pk) == 0
    assert Mailbox.objects.get().last_error == ""
