"""Reading the privacy mailbox over IMAP: every message saved exactly once, none lost.

How "exactly once, nothing lost" holds:

1. A message is saved, raw and encrypted (``crypto.encrypt_bytes``), in one transaction with
   the advance of ``Mailbox.last_uid``; the row is unique per (mailbox, UIDVALIDITY, UID). Two
   fetches that overlap both try to insert it: the database lets one win and the other finds
   the row (IntegrityError, skipped). A worker killed mid-fetch has committed the messages
   before the one it was reading and nothing of that one; the next fetch starts after the
   last saved UID and, since ``last_uid`` only moves forward (a conditional update), never
   skips one.
2. Messages are read with ``BODY.PEEK[]``, so not even the \\Seen flag changes. Nothing is
   moved or deleted on the server unless the organisation set ``move_to_folder``, and only
   after the message's row has committed; a move that fails is retried at the next fetch
   (``moved_at`` stays empty).
3. A new UIDVALIDITY (the server renumbered the folder: a restored backup, a migration) makes
   every UID meaningless: the folder is read again from the start, and each message is first
   looked up by its ``fingerprint`` (Message-ID, or the digest of the content, with the
   INTERNALDATE arrival time, which the server keeps across renumbering); one found is given
   its new UID instead of being saved twice.
4. A server that is down or refuses the login is recorded on the mailbox (``last_error``,
   shown to the organisation's admin) and retried with exponential backoff
   (``next_fetch_at``); the messages wait on the server meanwhile, so nothing is lost.
"""

from __future__ import annotations

import json
import logging
import socket
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode
from urllib.request import Request as HttpRequest
from urllib.request import urlopen

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError, LoginError

from requests_app import crypto, jobs
from requests_app.mailbox import classify, parse
from requests_app.models import IncomingMessage, Mailbox

logger = logging.getLogger(__name__)

#: The largest message saved whole; a larger one is saved with its headers only and stays on
#: the server for staff to read in their mail program.
MAX_MESSAGE_BYTES = 25 * 1024 * 1024
#: Seconds a connection may wait on the server.
TIMEOUT = 30
#: The longest wait between two attempts at a failing server.
MAX_BACKOFF = timedelta(hours=1)
#: How long the sweep holds a mailbox for the task it queued (a lost task is redone after).
LEASE = timedelta(minutes=10)

#: OAuth2 token endpoints (refresh-token grant) and the IMAP scope of each provider.
TOKEN_URLS = {
    Mailbox.Auth.MICROSOFT: "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token",
    Mailbox.Auth.GOOGLE: "https://oauth2.googleapis.com/token",
}
SCOPES = {
    Mailbox.Auth.MICROSOFT: "https://outlook.office.com/IMAP.AccessAsUser.All offline_access",
    Mailbox.Auth.GOOGLE: "https://mail.google.com/",
}


class MailboxError(Exception):
    """What went wrong, in words for the organisation's admin (``step``: dns, connect, tls,
    login, folder, oauth)."""

    def __init__(self, step: str, message: str):
        super().__init__(message)
        self.step = step


# --- Secrets at rest ------------------------------------------------------------------------


def set_secret(mailbox: Mailbox, field: str, value: str) -> None:
    """Store a secret (``password``, ``oauth_client_secret``, ``oauth_refresh_token``)
    encrypted; an empty value clears it."""
    setattr(mailbox, f"{field}_encrypted",
            crypto.encrypt_bytes(value.encode()) if value else b"")


def secret(mailbox: Mailbox, field: str) -> str:
    stored = bytes(getattr(mailbox, f"{field}_encrypted") or b"")
    return crypto.decrypt_bytes(stored).decode() if stored else ""


def raw_message(message: IncomingMessage) -> bytes:
    """The message as it arrived (only its headers if it was too large); empty once purged."""
    stored = bytes(message.raw_encrypted or b"")
    return crypto.decrypt_bytes(stored) if stored else b""


# --- Connecting ----------------------------------------------------------------------------


def access_token(mailbox: Mailbox) -> str:
    """A fresh OAuth2 access token from the provider's token endpoint (refresh-token grant).
    A provider that rotates the refresh token sends a new one: it replaces the stored one."""
    url = TOKEN_URLS[mailbox.auth].format(tenant=mailbox.oauth_tenant or "organizations")
    body = urlencode({
        "grant_type": "refresh_token", "client_id": mailbox.oauth_client_id,
        "client_secret": secret(mailbox, "oauth_client_secret"),
        "refresh_token": secret(mailbox, "oauth_refresh_token"), "scope": SCOPES[mailbox.auth],
    }).encode()
    try:
        with urlopen(HttpRequest(url, data=body, method="POST"),  # noqa: S310 - fixed https URL
                     timeout=TIMEOUT) as response:
            answer = json.loads(response.read())
    except Exception as error:  # noqa: BLE001 - HTTP errors, timeouts, bad JSON
        raise MailboxError("oauth", _("The provider refused to give an access token "
                                      "(%(error)s). Sign in to the provider again and store "
                                      "a new refresh token.") % {"error": error}) from error
    token = answer.get("access_token")
    if not token:
        raise MailboxError("oauth", _("The provider gave no access token (%(error)s).")
                           % {"error": answer.get("error_description") or answer.get("error")})
    if answer.get("refresh_token") and mailbox.pk:
        set_secret(mailbox, "oauth_refresh_token", answer["refresh_token"])
        Mailbox.objects.filter(pk=mailbox.pk).update(
            oauth_refresh_token_encrypted=mailbox.oauth_refresh_token_encrypted)
    return token


def _tls_context() -> ssl.SSLContext:
    """Certificates checked against the system's authorities (or ``MAILBOX_CA_FILE``), with
    the host name; TLS 1.2 at least."""
    context = ssl.create_default_context(cafile=settings.MAILBOX_CA_FILE or None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def connect(mailbox: Mailbox) -> IMAPClient:
    """A signed-in client, or ``MailboxError`` saying which step failed."""
    try:
        socket.getaddrinfo(mailbox.host, mailbox.port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as error:
        raise MailboxError("dns", _("The server name %(host)s was not found (DNS).")
                           % {"host": mailbox.host}) from error
    tls = mailbox.security == Mailbox.Security.TLS
    try:
        client = IMAPClient(mailbox.host, port=mailbox.port, ssl=tls,
                            ssl_context=_tls_context() if tls else None, timeout=TIMEOUT)
        if mailbox.security == Mailbox.Security.STARTTLS:
            client.starttls(_tls_context())
    except ssl.SSLError as error:
        raise MailboxError("tls", _("The secure connection (TLS) to %(host)s:%(port)s failed: "
                                    "%(error)s") % {"host": mailbox.host, "port": mailbox.port,
                                                    "error": error}) from error
    except (OSError, IMAPClientError) as error:
        raise MailboxError("connect", _("No IMAP server answered at %(host)s:%(port)s "
                                        "(%(error)s).") % {"host": mailbox.host,
                                                           "port": mailbox.port,
                                                           "error": error}) from error
    client.normalise_times = False  # INTERNALDATE with its offset, not in local time
    try:
        if mailbox.auth == Mailbox.Auth.PASSWORD:
            client.login(mailbox.username, secret(mailbox, "password"))
        else:
            client.oauth2_login(mailbox.username, access_token(mailbox))
    except MailboxError:
        _logout(client)
        raise
    except (LoginError, IMAPClientError, OSError) as error:
        _logout(client)
        raise MailboxError("login", _("The server refused the sign-in of %(user)s: check the "
                                      "user name and password (or the OAuth2 consent).")
                           % {"user": mailbox.username}) from error
    return client


def _logout(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:  # noqa: BLE001 - the connection may be gone already
        pass


def _select(client: IMAPClient, mailbox: Mailbox) -> int:
    """Select the folder (read-only unless messages are to be moved); its UIDVALIDITY."""
    try:
        info = client.select_folder(mailbox.folder, readonly=not mailbox.move_to_folder)
    except IMAPClientError as error:
        raise MailboxError("folder", _("The folder %(folder)s was not found on the server.")
                           % {"folder": mailbox.folder}) from error
    return int(info[b"UIDVALIDITY"])


@dataclass
class Step:
    name: str
    ok: bool
    detail: str


def test_connection(mailbox: Mailbox) -> list[Step]:
    """The "test connection" button: each step (DNS, connection and TLS, sign-in, folder) with
    whether it passed and, where it did not, what is wrong. Nothing on the server changes."""
    names = {"dns": _("Server name (DNS)"), "connect": _("Connection and TLS"),
             "tls": _("Connection and TLS"), "oauth": _("Sign-in"), "login": _("Sign-in"),
             "folder": _("Folder")}
    order = ["dns", "connect", "login", "folder"]
    try:
        client = connect(mailbox)
    except MailboxError as error:
        failed = {"tls": "connect", "oauth": "login"}.get(error.step, error.step)
        done = order[:order.index(failed)]
        return ([Step(names[s], True, "") for s in done]
                + [Step(names[error.step], False, str(error))])
    steps = [Step(names[s], True, "") for s in order[:3]]
    try:
        info = client.select_folder(mailbox.folder, readonly=True)
        detail = _("%(count)d message(s) in %(folder)s.") % {
            "count": info.get(b"EXISTS", 0), "folder": mailbox.folder}
        if mailbox.move_to_folder and not client.folder_exists(mailbox.move_to_folder):
            steps.append(Step(names["folder"], False, _(
                "The folder %(folder)s, where saved messages are to be moved, does not exist "
                "on the server.") % {"folder": mailbox.move_to_folder}))
        else:
            steps.append(Step(names["folder"], True, detail))
    except IMAPClientError:
        steps.append(Step(names["folder"], False, _(
            "The folder %(folder)s was not found on the server.") % {"folder": mailbox.folder}))
    finally:
        _logout(client)
    return steps


# --- Fetching ------------------------------------------------------------------------------


def _batch_size() -> int:
    return max(1, int(getattr(settings, "MAILBOX_FETCH_BATCH", 20)))


def fetch(mailbox_id: int, *, now: datetime | None = None) -> int:
    """Read the new messages of one mailbox and save each. Returns how many were saved.

    Steps: connect and select the folder (a failure is recorded and retried later, see
    ``record_failure``); start again from UID 1 if the UIDVALIDITY changed; move the saved
    messages still waiting to be moved; read the UIDs after ``last_uid`` in batches and save
    each message in its own transaction (``save_message``); move those just saved.
    """
    mailbox = Mailbox.objects.select_related("organisation").filter(pk=mailbox_id,
                                                                    enabled=True).first()
    if mailbox is None:
        return 0
    try:
        client = connect(mailbox)
    except MailboxError as error:
        record_failure(mailbox, error, now=now)
        return 0
    saved = 0
    try:
        uidvalidity = _select(client, mailbox)
        last_uid = _start(mailbox, uidvalidity)
        _move_saved(client, mailbox, uidvalidity)
        uids = sorted(uid for uid in client.search(["UID", f"{last_uid + 1}:*"])
                      if uid > last_uid)
        for start in range(0, len(uids), _batch_size()):
            batch = uids[start:start + _batch_size()]
            saved += _fetch_batch(client, mailbox, uidvalidity, batch)
            _move_saved(client, mailbox, uidvalidity)
    except MailboxError as error:
        record_failure(mailbox, error, now=now)
        return saved
    except (IMAPClientError, OSError) as error:
        record_failure(mailbox, MailboxError("connect", _(
            "The server broke off the connection (%(error)s).") % {"error": error}), now=now)
        return saved
    finally:
        _logout(client)
    record_success(mailbox, now=now)
    return saved


def _start(mailbox: Mailbox, uidvalidity: int) -> int:
    """The last UID saved in this folder's numbering; 0 when the numbering is new. The row
    lock makes two fetches that both see the change reset it only once."""
    with transaction.atomic():
        locked = Mailbox.objects.select_for_update().get(pk=mailbox.pk)
        if locked.uidvalidity != uidvalidity:
            if locked.uidvalidity is not None:
                logger.warning("Mailbox %s: UIDVALIDITY changed from %s to %s; reading the "
                               "folder again.", mailbox.pk, locked.uidvalidity, uidvalidity)
            locked.uidvalidity, locked.last_uid = uidvalidity, 0
            locked.save(update_fields=["uidvalidity", "last_uid"])
        mailbox.uidvalidity, mailbox.last_uid = locked.uidvalidity, locked.last_uid
    return mailbox.last_uid


def _arrival(value) -> datetime:
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return timezone.now()


def _fetch_batch(client: IMAPClient, mailbox: Mailbox, uidvalidity: int,
                 uids: list[int]) -> int:
    sizes = client.fetch(uids, ["RFC822.SIZE", "INTERNALDATE"])
    whole = [uid for uid in uids if sizes.get(uid, {}).get(b"RFC822.SIZE", 0)
             <= MAX_MESSAGE_BYTES]
    large = [uid for uid in uids if uid not in whole]
    bodies = client.fetch(whole, ["BODY.PEEK[]"]) if whole else {}
    headers = client.fetch(large, ["BODY.PEEK[HEADER]"]) if large else {}
    saved = 0
    for uid in uids:
        data = sizes.get(uid)
        if data is None:  # expunged meanwhile by someone else: nothing to save
            continue
        oversized = uid in large
        raw = (headers.get(uid, {}).get(b"BODY[HEADER]") if oversized
               else bodies.get(uid, {}).get(b"BODY[]")) or b""
        saved += save_message(mailbox, uidvalidity=uidvalidity, uid=uid, raw=raw,
                              arrival=_arrival(data.get(b"INTERNALDATE")),
                              size=data.get(b"RFC822.SIZE", len(raw)), oversized=oversized)
    return saved


def save_message(mailbox: Mailbox, *, uidvalidity: int, uid: int, raw: bytes,
                 arrival: datetime, size: int, oversized: bool = False) -> bool:
    """Save one message and advance ``last_uid`` past it, in one transaction. Returns whether
    a new row was made (False: it was there already, under this UID or, after a change of
    UIDVALIDITY, under its old one, which is then updated)."""
    parsed = parse.parse_headers(raw) if oversized else parse.parse(raw)
    fingerprint = parse.fingerprint(message_id=parsed.message_id, raw=raw,
                                    arrival=arrival.isoformat())
    created = False
    with transaction.atomic():
        known = IncomingMessage.objects.filter(mailbox=mailbox, fingerprint=fingerprint).first()
        if known is not None:
            if (known.uidvalidity, known.uid) != (uidvalidity, uid):
                IncomingMessage.objects.filter(pk=known.pk).update(uidvalidity=uidvalidity,
                                                                   uid=uid)
        else:
            try:
                # The savepoint lets the overlapping fetch that lost the race carry on.
                with transaction.atomic():
                    IncomingMessage.objects.create(
                        mailbox=mailbox, organisation_id=mailbox.organisation_id,
                        uidvalidity=uidvalidity, uid=uid, fingerprint=fingerprint,
                        received_at=arrival, sender_email=parsed.sender_email,
                        sender_name=parsed.sender_name, subject=parsed.subject,
                        raw_encrypted=crypto.encrypt_bytes(raw), size=size,
                        oversized=oversized, automatic=parsed.automatic,
                        suggested_type=classify.suggest_type(
                            f"{parsed.subject}\n{parsed.text}"),
                    )
                created = True
            except IntegrityError:
                pass  # another fetch saved it first
        # Only forward, and only in this numbering: a slower overlapping fetch never moves
        # it back, and a fetch of the old numbering never moves the new one.
        Mailbox.objects.filter(pk=mailbox.pk, uidvalidity=uidvalidity,
                               last_uid__lt=uid).update(last_uid=uid)
    return created


def _move_saved(client: IMAPClient, mailbox: Mailbox, uidvalidity: int) -> None:
    """Move the saved messages to ``move_to_folder`` (if set): only rows that committed, and
    never an oversized one, which staff still have to read in the mail program."""
    if not mailbox.move_to_folder:
        return
    waiting = list(IncomingMessage.objects.filter(
        mailbox=mailbox, uidvalidity=uidvalidity, moved_at__isnull=True, oversized=False,
    ).values_list("uid", flat=True)[:500])
    if not waiting:
        return
    try:
        client.move(waiting, mailbox.move_to_folder)
    except IMAPClientError as error:
        raise MailboxError("folder", _(
            "Saved messages could not be moved to %(folder)s: %(error)s. They stay in "
            "%(source)s; nothing is lost.") % {"folder": mailbox.move_to_folder,
                                               "error": error,
                                               "source": mailbox.folder}) from error
    IncomingMessage.objects.filter(mailbox=mailbox, uidvalidity=uidvalidity,
                                   uid__in=waiting).update(moved_at=timezone.now())


# --- Failures and the schedule --------------------------------------------------------------


def backoff(failures: int) -> timedelta:
    """1, 2, 4, ... minutes after the 1st, 2nd, 3rd failure in a row, at most an hour."""
    return min(timedelta(minutes=2 ** max(0, failures - 1)), MAX_BACKOFF)


def interval() -> timedelta:
    return timedelta(seconds=getattr(settings, "MAILBOX_FETCH_SECONDS", 60))


def record_failure(mailbox: Mailbox, error: MailboxError, *, now: datetime | None = None):
    now = now or timezone.now()
    failures = mailbox.failures + 1
    logger.warning("Mailbox %s (%s): %s", mailbox.pk, error.step, error)
    Mailbox.objects.filter(pk=mailbox.pk).update(
        last_error=str(error)[:2000], last_error_at=now, failures=failures,
        next_fetch_at=now + backoff(failures))
    mailbox.failures, mailbox.last_error = failures, str(error)


def record_success(mailbox: Mailbox, *, now: datetime | None = None) -> None:
    now = now or timezone.now()
    Mailbox.objects.filter(pk=mailbox.pk).update(
        last_error="", failures=0, last_success_at=now,
        next_fetch_at=now + interval())


def sweep(*, now: datetime | None = None) -> int:
    """Beat: queue one fetch per enabled mailbox whose time has come, leasing each (its
    ``next_fetch_at`` moves on) so the next sweep does not queue it again while the task
    waits; a lost task's lease runs out and the mailbox is queued again."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(Mailbox.objects.select_for_update(skip_locked=True).filter(
            enabled=True).exclude(next_fetch_at__gt=now).values_list("pk", flat=True))
        Mailbox.objects.filter(pk__in=ids).update(next_fetch_at=now + LEASE)
    for pk in ids:
        jobs.publish("requests_app.tasks.fetch_mailbox", pk, expires=LEASE.total_seconds())
    return len(ids)
