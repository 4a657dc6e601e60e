"""Malformed, oversized and HTML-only messages are saved and shown safely; the request type
is suggested from words in nb, da and en."""

import pytest

from requests_app.mailbox import classify, fetch, parse, triage
from requests_app.models import IncomingMessage
from tests.imap_server import make_email


@pytest.mark.django_db
def test_a_malformed_message_is_saved_and_shown(mailbox, imap_server):
    raw = (b"From: =?utf-8?q?broken <not an address\r\nSubject: =?bogus?x?zz?=\r\n"
           b"Content-Type: multipart/mixed; boundary=\"nope\"\r\n\r\n"
           b"\xff\xfe sletting av mine data\r\n--nope\r\nContent-Type: text/plain; "
           b"charset=unknown-8bit\r\n\r\n\xe6\xf8\xe5\r\n")
    imap_server.deliver(raw)

    assert fetch.fetch(mailbox.pk) == 1

    message = IncomingMessage.objects.get()
    shown = triage.show(message)
    assert message.sender_email == ""
    assert shown.parsed.defects  # the parser's complaints are kept, not raised
    assert fetch.raw_message(message) == raw


@pytest.mark.django_db
def test_an_oversized_message_is_saved_with_its_headers_only_and_stays_on_the_server(
        mailbox, imap_server, monkeypatch):
    monkeypatch.setattr(fetch, "MAX_MESSAGE_BYTES", 2000)
    mailbox.move_to_folder = "Portal"
    mailbox.save()
    imap_server.create_folder("Portal")
    imap_server.deliver(make_email(subject="Stor fil", body="x" * 5000))

    assert fetch.fetch(mailbox.pk) == 1

    message = IncomingMessage.objects.get()
    assert message.oversized and message.size > 5000
    assert message.subject == "Stor fil"
    assert b"xxxxx" not in fetch.raw_message(message)
    assert len(imap_server.uids("INBOX")) == 1  # not moved: staff read it there


@pytest.mark.django_db
def test_an_html_only_message_is_shown_sanitised(mailbox, imap_server):
    html = ('<p>Jeg vil ha <b>innsyn</b>.</p><script>alert(1)</script>'
            '<img src="https://tracker.example/p.gif"><a href="javascript:evil()">x</a>'
            '<a href="https://example.no">lenke</a><p onclick="evil()">Hilsen Kari</p>')
    imap_server.deliver(make_email(body=None, html=html))
    fetch.fetch(mailbox.pk)

    message = IncomingMessage.objects.get()
    shown = triage.show(message)
    assert "<b>innsyn</b>" in shown.parsed.html
    for bad in ("<script", "alert(1)", "<img", "tracker.example", "javascript:", "onclick"):
        assert bad not in shown.parsed.html
    assert 'rel="noopener noreferrer nofollow"' in shown.parsed.html
    assert "Jeg vil ha innsyn." in shown.parsed.text
    assert message.suggested_type == "access"


@pytest.mark.parametrize("text, expected", [
    ("Jeg ber om innsyn i personopplysningene mine", "access"),
    ("Anmodning om indsigt", "access"),
    ("Subject access request: please send a copy of my data", "access"),
    ("Jeg krever sletting av kontoen min", "erasure"),
    ("Anmodning om sletning af mine oplysninger", "erasure"),
    ("Please delete my account", "erasure"),
    ("Jeg vil ikke ha nyhetsbrev og reklame", "objection"),
    ("Hei, når åpner butikken?", ""),
])
def test_the_request_type_is_suggested_from_the_words(text, expected):
    assert classify.suggest_type(text) == expected


def test_the_language_is_suggested_from_the_words():
    assert classify.suggest_language("Hej, jeg vil gerne have indsigt i mine oplysninger",
                                     default="nb") == "da"
    assert classify.suggest_language("Hello, please delete my data", default="nb") == "en"
    assert classify.suggest_language("Hei, jeg ber om innsyn i mine opplysninger",
                                     default="da") == "nb"


def test_a_reference_is_found_in_a_reply_subject():
    assert parse.Parsed(subject="SV: Re: Din henvendelse K7Q-4MZP-2XWD").references == [
        "K7Q-4MZP-2XWD"]
    assert parse.Parsed(subject="Order 123-4567-8901X").references == []
