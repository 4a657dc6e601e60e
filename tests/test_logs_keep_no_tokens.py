"""The logs never hold a key to a requester's private pages: gunicorn's access log and Django's
log lines replace the confirmation, status and package tokens and drop query strings and the
Referer; the compose file writes e-mails (which carry those links) to files, not the console.

gunicorn is started for real with ``gunicorn.conf.py``, as the image and compose start it.
"""

from __future__ import annotations

import io
import logging
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail

from portal.redact import REDACTED, RedactTokensFilter, redact_path
from tests.support import link_in
from tests.worker import _database_url

ROOT = Path(settings.BASE_DIR)


# --- The configuration files --------------------------------------------------------------------


def test_compose_writes_e_mails_to_files_never_to_the_console():
    compose = (ROOT / "docker-compose.yml").read_text()
    value = re.search(r"^\s*EMAIL_URL:\s*(\S*)\s*$", compose, re.M).group(1)

    assert value == "${EMAIL_URL:-}"  # empty: the file backend under VAR_DIR (settings)
    assert "console" not in value


def test_the_image_and_compose_start_gunicorn_with_the_redacting_config():
    commands = [line for path in ("docker-compose.yml", "Dockerfile")
                for line in (ROOT / path).read_text().splitlines()
                if "gunicorn portal.wsgi" in line or '"gunicorn"' in line]

    assert len(commands) == 2, commands
    for command in commands:
        assert "gunicorn.conf.py" in command
        assert "--access-logfile" not in command and "--access-logformat" not in command
    config = (ROOT / "gunicorn.conf.py").read_text()
    assert "logger_class = RedactingGunicornLogger" in config
    assert "%(r)s" not in config and "%(q)s" not in config and "%(f)s" not in config


@pytest.mark.parametrize(("path", "expected"), [
    ("/nb/status/AbC-123_x/", f"/nb/status/{REDACTED}/"),
    ("/da/confirm/K7Q-4MZP:1tZ:sig/", f"/da/confirm/{REDACTED}/"),
    ("/en/status/tok/package/0b0e-uuid/", f"/en/status/{REDACTED}/package/{REDACTED}/"),
    ("/nb/package/signed.value:x/", f"/nb/package/{REDACTED}/"),
    ("/admin/requests_app/request/?q=kari@example.no", "/admin/requests_app/request/?…"),
    ("/nb/o/testfirma/access/", "/nb/o/testfirma/access/"),
    ("https://portal.example/nb/status/tok/", f"https://portal.example/nb/status/{REDACTED}/"),
])
def test_redact_path_removes_tokens_and_query_strings(path, expected):
    assert redact_path(path) == expected


# --- Django's log lines -------------------------------------------------------------------------


def test_django_log_lines_about_a_status_page_hold_no_token(client, confirmed):
    _request, status_path = confirmed()
    token = status_path.rstrip("/").rsplit("/", 1)[1]
    console = next(h for h in logging.getLogger().handlers
                   if any(isinstance(f, RedactTokensFilter) for f in h.filters))
    stream = io.StringIO()
    previous = console.setStream(stream)
    try:
        client.post(status_path, {"body": ""})  # 400: Django logs "Bad Request: <path>"
        client.get(status_path[:-1] + "x/")  # 404: "Not Found: <path>"
    finally:
        console.setStream(previous)

    logged = stream.getvalue()
    assert "Bad Request" in logged and "Not Found" in logged
    assert token not in logged and token[:-1] not in logged
    assert f"/status/{REDACTED}/" in logged


# --- gunicorn's access log ----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, **headers) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as error:
        return error.code


# The config file's format, and one that asks for everything: the logger still redacts.
HOSTILE_FORMAT = '"%(r)s" q=%(q)s f=%(f)s ref=%({referer}i)s cookie=%({cookie}i)s'


@pytest.mark.parametrize("log_format", [None, HOSTILE_FORMAT])
@pytest.mark.django_db(transaction=True)
def test_gunicorns_access_log_holds_no_token_query_or_referer(submit, org_no, client,
                                                              log_format):
    submit(org_no)
    confirm_path = link_in(mail.outbox[-1].body, "confirm")
    status_path = client.post(confirm_path)["Location"]
    confirm_token = confirm_path.rstrip("/").rsplit("/", 1)[1]
    status_token = status_path.rstrip("/").rsplit("/", 1)[1]
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings_test",
           "DATABASE_URL": _database_url()}
    override = ["--access-logformat", log_format] if log_format else []
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "portal.wsgi:application", "--config",
         "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", "--workers", "1", *override],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if _get(f"{base}/healthz") == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, "gunicorn did not start"
            time.sleep(0.2)

        seen = [
            _get(f"{base}{status_path}?email=kari@example.no", Referer=f"{base}{confirm_path}"),
            _get(f"{base}{confirm_path}", Cookie=f"sessionid=s3ss10n; x={status_token}"),
            _get(f"{base}/nb/status/{status_token[:-2]}zz/"),
        ]
    finally:
        server.terminate()
        out, err = server.communicate(timeout=30)

    assert seen == [200, 200, 404], (seen, err[-2000:])
    if log_format is None:
        assert f'"GET /nb/status/{REDACTED}/ HTTP/1.1" 200' in out, out
        assert f'"GET /nb/confirm/{REDACTED}/ HTTP/1.1" 200' in out, out
    else:
        referer = f"http://127.0.0.1:{port}/nb/confirm/{REDACTED}/"
        assert (f'"GET /nb/status/{REDACTED}/?… HTTP/1.1" q=- f={referer} ref=- cookie=-'
                in out), out
    everything = out + err
    for secret in (status_token, status_token[:-2], confirm_token, "kari@example.no",
                   confirm_token.split(":")[0], "s3ss10n"):
        assert secret not in everything, secret
