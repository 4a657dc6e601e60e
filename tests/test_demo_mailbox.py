"""The demo's privacy mailbox (issue #15, README "Requests by e-mail"): ``make demo-mailbox``
runs a throwaway dovecot with two requests (``python -m tests.imap_server``), and ``load_demo``
connects the Norwegian OnlinePOS to the address in ``DEMO_MAILBOX``, and to nothing without it."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from requests_app.mailbox import fetch
from requests_app.models import IncomingMessage, Mailbox
from tests.imap_server import free_port

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


def load_demo() -> str:
    out = io.StringIO()
    call_command("load_demo", "--no-history", stdout=out)
    return out.getvalue()


def test_the_demo_reads_a_mailbox_only_when_one_is_named(monkeypatch):
    monkeypatch.delenv("DEMO_MAILBOX", raising=False)
    load_demo()
    assert not Mailbox.objects.exists()
    monkeypatch.setenv("DEMO_MAILBOX", "imap://privacy:s%40cret@127.0.0.1:1143")
    assert "Privacy mailbox of onlinepos-no: imap://privacy@127.0.0.1:1143" in load_demo()
    load_demo()  # safe to run again
    box = Mailbox.objects.get()
    assert box.organisation.slug == "onlinepos-no"
    assert (box.host, box.port, box.security, box.username) == (
        "127.0.0.1", 1143, Mailbox.Security.NONE, "privacy")
    assert fetch.secret(box, "password") == "s@cret"


def test_a_malformed_demo_mailbox_address_is_refused_clearly(monkeypatch):
    monkeypatch.setenv("DEMO_MAILBOX", "privacy@127.0.0.1")
    with pytest.raises(CommandError, match="imap://USER:PASSWORD@HOST:PORT"):
        load_demo()


def test_the_demo_mailbox_server_brings_two_requests_to_the_portal(monkeypatch):
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "tests.imap_server"], cwd=ROOT,
                              env={**os.environ, "DEMO_MAILBOX_PORT": str(port)},
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    maildir = None
    try:
        lines, deadline = [], time.monotonic() + 30
        while time.monotonic() < deadline and server.poll() is None:
            lines.append(server.stdout.readline())
            if "Ctrl-C" in lines[-1]:
                break
        output = "".join(lines)
        found = re.search(r"DEMO_MAILBOX=(\S+) make run", output)
        assert found, output
        maildir = Path(re.search(r"\(maildir (\S+)\)", output).group(1))
        assert maildir.exists()
        monkeypatch.setenv("DEMO_MAILBOX", found.group(1))
        load_demo()
        assert fetch.fetch(Mailbox.objects.get().pk) == 2
        assert set(IncomingMessage.objects.values_list("sender_email", "suggested_type")) == {
            ("kari@example.no", "access"), ("per@example.no", "erasure")}
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)
        server.stdout.close()
    assert maildir and not maildir.exists()  # Ctrl-C removed the throwaway server's mail
