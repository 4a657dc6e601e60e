"""A real IMAP server for the tests: Debian's dovecot-imapd, started on a free port on
127.0.0.1 with a throwaway configuration and maildir (nothing of the machine's own dovecot
is used or touched). Plain IMAP on loopback (``ssl = no``), one user with a static password.

As root, dovecot will only run the mail processes as a system user: the maildir belongs to
``dovecot`` and ``first_valid_uid = 1`` lets that user in.

``python -m tests.imap_server`` (``make demo-mailbox``) runs the same server for the demo on a
fixed port (``DEMO_MAILBOX_PORT``, 1143) with two requests in its INBOX, until Ctrl-C, and
prints the ``DEMO_MAILBOX`` address that connects the demo's onlinepos-no to it (``load_demo``).
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from imapclient import IMAPClient

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER = "privacy"
PASSWORD = "mailbox-test-password"

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
protocols = imap
listen = 127.0.0.1
{ssl}
disable_plaintext_auth = no
first_valid_uid = 1
log_path = {root}/dovecot.log
mail_location = maildir:{root}/mail/%u/Maildir
default_internal_user = {user}
default_login_user = {login_user}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
  }}
  chroot =
}}
service pop3-login {{
  chroot =
}}
service anvil {{
  chroot =
}}
passdb {{
  driver = static
  args = password={password}
  mechanisms = plain login
}}
{oauth}userdb {{
  driver = static
  args = uid={user} gid={group} home={root}/mail/%u
}}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Dovecot:
    def __init__(self, root: Path):
        self.root = root
        #: An OAuth2 introspection URL: the server then also takes XOAUTH2 sign-ins, whose
        #: token it checks there (``introspection_mode = post``).
        self.oauth_introspection_url = ""
        #: With a certificate: also IMAPS (implicit TLS) on ``tls_port``.
        self.certificate: tuple[Path, Path] | None = None
        self.tls_port = 0
        self.port = free_port()
        self.config = root / "dovecot.conf"
        if os.geteuid() == 0:
            self.user, self.login_user = "dovecot", "dovenull"
        else:
            self.user = self.login_user = pwd.getpwuid(os.geteuid()).pw_name
        self.maildir = root / "mail" / USER / "Maildir"

    @classmethod
    def in_temporary_folder(cls) -> Dovecot:
        """In a new folder under the system's temporary one that the mail user can enter
        (pytest's own temporary folders are closed to everyone but their owner)."""
        root = Path(tempfile.mkdtemp(prefix="portal-dovecot-"))
        root.chmod(0o755)
        return cls(root)

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def start(self) -> None:
        if not Path(DOVECOT).exists():
            raise RuntimeError(f"{DOVECOT} is missing: install Debian's dovecot-imapd "
                               "(apt-get install dovecot-imapd, or make system-deps)")
        for sub in ("run", "state", "mail"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        group = pwd.getpwnam(self.user).pw_gid
        self.config.write_text(CONFIG.format(
            root=self.root, port=self.port, user=self.user, login_user=self.login_user,
            group=group, password=PASSWORD, oauth=self._oauth_config(),
            ssl=self._ssl_config(), tls_port=self.tls_port))
        if os.geteuid() == 0:
            shutil.chown(self.root / "mail", self.user, group)
            for path in (self.root / "mail").rglob("*"):
                shutil.chown(path, self.user, group)
        # Not captured: the daemon keeps the pipes open, and capturing would wait for it.
        with open(self.root / "start.log", "ab") as log:
            subprocess.run([DOVECOT, "-c", str(self.config)], check=True,
                           stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        self._wait(up=True)

    def use_tls(self, certificate: Path, key: str | Path) -> None:
        """Serve IMAPS too, with this certificate (PEM files); call before ``start``."""
        self.certificate = (Path(certificate), Path(key))
        self.tls_port = free_port()

    def _ssl_config(self) -> str:
        if not self.certificate:
            return "ssl = no"
        cert, key = self.certificate
        return f"ssl = yes\nssl_cert = <{cert}\nssl_key = <{key}"

    def _oauth_config(self) -> str:
        if not self.oauth_introspection_url:
            return ""
        settings = self.root / "oauth2.conf.ext"
        settings.write_text(f"introspection_url = {self.oauth_introspection_url}\n"
                            "introspection_mode = post\nusername_attribute = username\n"
                            "active_attribute = active\nactive_value = true\n")
        return ("auth_mechanisms = plain login xoauth2 oauthbearer\n"
                "passdb {\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n"
                f"  args = {settings}\n}}\n")

    def stop(self) -> None:
        with open(self.root / "start.log", "ab") as log:
            subprocess.run([DOVECOT, "-c", str(self.config), "stop"], stdout=log, stderr=log,
                           stdin=subprocess.DEVNULL)
        self._wait(up=False)

    def _wait(self, *, up: bool, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.tls_port or self.port),
                                              timeout=0.5):
                    if up:
                        return
            except OSError:
                if not up:
                    return
            time.sleep(0.05)
        log = (self.root / "dovecot.log").read_text() if (self.root / "dovecot.log").exists() \
            else ""
        raise RuntimeError(f"dovecot did not {'start' if up else 'stop'}:\n{log}")

    def client(self) -> IMAPClient:
        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=10)
        client.login(USER, PASSWORD)
        return client

    def deliver(self, *raw_messages: bytes, folder: str = "INBOX", when=None) -> None:
        """Deliver messages by IMAP APPEND (``when``: their INTERNALDATE)."""
        client = self.client()
        try:
            for raw in raw_messages:
                client.append(folder, raw, msg_time=when)
        finally:
            client.logout()

    def create_folder(self, name: str) -> None:
        client = self.client()
        try:
            client.create_folder(name)
        finally:
            client.logout()

    def uids(self, folder: str = "INBOX") -> list[int]:
        client = self.client()
        try:
            client.select_folder(folder, readonly=True)
            return client.search()
        finally:
            client.logout()

    def uidvalidity(self, folder: str = "INBOX") -> int:
        client = self.client()
        try:
            return client.folder_status(folder, [b"UIDVALIDITY"])[b"UIDVALIDITY"]
        finally:
            client.logout()

    def renumber_inbox(self) -> int:
        """What a restored backup or a server migration does: the INBOX gets a new
        UIDVALIDITY and its messages new UIDs (dovecot's uidlist and index are rewritten
        while it is stopped). Returns the new UIDVALIDITY."""
        old = self.uidvalidity()
        self.stop()
        uidlist = self.maildir / "dovecot-uidlist"
        lines = uidlist.read_text().splitlines()
        header = re.sub(r" V\d+", f" V{old + 1000}", lines[0])
        header = re.sub(r" N\d+", f" N{100 + len(lines)}", header)
        body = [re.sub(r"^\d+", str(100 + i), line) for i, line in enumerate(lines[1:])]
        uidlist.write_text("\n".join([header, *body]) + "\n")
        for index in self.maildir.glob("dovecot.index*"):
            index.unlink()
        self.start()
        return self.uidvalidity()


def make_email(*, subject: str = "Innsyn", body: str = "Jeg ber om innsyn i mine data.",
               sender: str = "Kari Nordmann <kari@example.no>", message_id: str | None = None,
               html: str | None = None, headers: dict | None = None,
               attachments: tuple = ()) -> bytes:
    """A message as a mail client would send it (``attachments``: (name, type, bytes))."""
    from email.message import EmailMessage
    from email.utils import make_msgid

    message = EmailMessage()
    message["From"] = sender
    message["To"] = "personvern@testfirma.example"
    message["Subject"] = subject
    message["Message-ID"] = message_id or make_msgid(domain="example.no")
    for name, value in (headers or {}).items():
        message[name] = value
    if body is not None:
        message.set_content(body)
        if html is not None:
            message.add_alternative(html, subtype="html")
    elif html is not None:
        message.set_content(html, subtype="html")
    for name, content_type, data in attachments:
        maintype, subtype = content_type.split("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def self_signed_certificate(folder: Path, host: str = "localhost") -> tuple[Path, Path]:
    """A throwaway certificate for ``host`` (its own CA): (certificate, key) PEM files."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def demo(port: int) -> None:
    """The demo's privacy mailbox (see the module's doc): a throwaway dovecot with two
    requests by e-mail, removed when stopped."""
    import signal

    def interrupt(*_args):
        raise KeyboardInterrupt

    server = Dovecot.in_temporary_folder()
    server.port = port
    try:
        server.start()
        server.deliver(
            make_email(subject="Innsyn", sender="Kari Nordmann <kari@example.no>",
                       body="Hei! Jeg ber om innsyn i opplysningene dere har om meg "
                            "(GDPR art. 15).\n\nKari Nordmann"),
            make_email(subject="Slett kontoen min", sender="Per Hansen <per@example.no>",
                       body="Jeg vil at dere sletter alle opplysninger om meg, også "
                            "nyhetsbrevet.\n\nPer Hansen"))
        print(f"Demo mailbox: imap://{USER}:{PASSWORD}@127.0.0.1:{port} "
              f"(maildir {server.maildir}). Then, in another terminal:\n"
              f"  DEMO_MAILBOX=imap://{USER}:{PASSWORD}@127.0.0.1:{port} make run\n"
              "Ctrl-C stops it and removes its mail.", flush=True)
        signal.signal(signal.SIGTERM, interrupt)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    finally:
        try:
            server.stop()
        finally:
            server.remove()


if __name__ == "__main__":
    demo(int(os.environ.get("DEMO_MAILBOX_PORT") or 1143))
